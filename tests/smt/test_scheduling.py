"""The scheduling proofs (invariants.smt.scheduling): SEMANTICS 55, 60, the textbook profile.

Differential: on Hypothesis-generated concrete nodes and pods, the symbolic filters, rank and pipeline (with the
inputs substituted) agree with the concrete plugins and `reference.schedule`. Wrong variants of the argmin
(argmax), of the rank and of the pod-count filter give counterexamples that replay through the concrete code.
"""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from invariants.smt import scheduling as S
from invariants.smt.domains import Symbols, SymbolicNode, SymbolicSchedulingCluster, evaluate, node_name
from invariants.smt.framework import Counterexample, ProofContext, Proved
from kmodel.logic import all_of, any_of, not_
from kmodel.scheduler import framework, profiles, reference


def ctx() -> ProofContext:
    return ProofContext("test", 60_000)


@st.composite
def node_specs(draw, position: int):
    pods = draw(st.integers(0, 4))
    return {
        "name": node_name(position),
        "labels": draw(st.sampled_from([{}, {"disk": "ssd"}, {"disk": "hdd"}])),
        "cpu": draw(st.sampled_from([0, 500, 1000, 4000])),
        "memory": draw(st.sampled_from([0, 500, 1000, 4000])),
        "max_pods": draw(st.integers(0, 5)),
        "ready": draw(st.booleans()),
        "unschedulable": draw(st.booleans()),
        "pods": pods,
        "siblings": draw(st.integers(0, pods)),
        "requested_cpu": draw(st.sampled_from([0, 100, 600])) if pods else 0,
        "requested_memory": draw(st.sampled_from([0, 100, 600])) if pods else 0,
    }


@st.composite
def scheduling_inputs(draw, max_nodes: int = 6):
    n = draw(st.integers(1, max_nodes))
    specs = [draw(node_specs(i)) for i in range(n)]
    cpu = draw(st.sampled_from([0, 100, 500, 5000]))
    memory = draw(st.sampled_from([0, 100, 500]))
    selector = draw(st.sampled_from([{}, S.NODE_SELECTOR]))
    return specs, cpu, memory, selector


def _pod_substitution(pod, cpu, memory):
    import z3

    r = pod.containers[0].requests
    return [(r.cpu, z3.IntVal(cpu)), (r.memory, z3.IntVal(memory))]


@given(scheduling_inputs())
def test_symbolic_filters_and_rank_agree_with_the_plugins_semantics_55_60(inputs):
    specs, cpu, memory, selector = inputs
    sym = Symbols("d.")
    nodes = [SymbolicNode(i, sym, selector) for i in range(len(specs))]
    pod = S.incoming_pod(sym.int("cpu"), sym.int("memory"), selector)
    cluster = SymbolicSchedulingCluster(nodes, "ReplicaSet/web")
    concrete = S.concrete_cluster(specs)
    pod_c = S.incoming_pod(cpu, memory, selector)
    profile = profiles.TEXTBOOK
    for n, spec in zip(nodes, specs):
        subst = n.substitution(spec) + _pod_substitution(pod, cpu, memory)
        node_c = concrete.nodes[spec["name"]]
        assert evaluate(framework.feasible(profile, pod, n, cluster), subst) == \
            bool(framework.feasible(profile, pod_c, node_c, concrete))
        sib, pods, position = profile.rank(pod, n, cluster)
        assert (evaluate(sib, subst), evaluate(pods, subst), node_name(position)) == \
            profile.rank(pod_c, node_c, concrete)


@given(scheduling_inputs())
def test_symbolic_pipeline_agrees_with_reference_schedule_semantics_60(inputs):
    specs, cpu, memory, selector = inputs
    sym = Symbols("p.")
    p = S.Pipeline(len(specs), selector, sym)
    subst = [pair for n, spec in zip(p.nodes, specs) for pair in n.substitution(spec)]
    subst += _pod_substitution(p.pod, cpu, memory)
    found = evaluate(p.founds[-1], subst, sym.constraints)
    position = evaluate(p.bests[-1][2], subst, sym.constraints)
    chosen = reference.schedule(S.concrete_cluster(specs), S.incoming_pod(cpu, memory, selector)).node
    assert (node_name(position) if found else None) == chosen


def test_schedule_least_loaded_is_proved_semantics_55_60():
    assert S.prove_schedule_least_loaded(ctx()) == Proved()


def test_textbook_spreading_is_proved_semantics_60():
    assert S.prove_textbook_spreading(ctx()) == Proved()


def test_the_one_step_lemma_takes_milliseconds():
    c = ctx()
    assert S.step_lemma(c, S.NODE_SELECTOR) == Proved()
    assert c.queries == 1


# ---------------------------------------------------------------------------------------------------------------
# Wrong variants


def argmax_step(found, best, feasible, key):
    """select_step with argmax for argmin: the deliberate bug."""
    take = all_of(feasible, any_of(not_(found), framework.rank_less(best, key)))
    return any_of(found, feasible), take, tuple(framework.ite(take, k, b) for k, b in zip(key, best))


@pytest.fixture
def argmax(swap):
    swap.setattr(framework, "select_step", argmax_step)
    swap.setattr(reference, "select_step", argmax_step)


def test_argmax_for_argmin_breaks_the_step_lemma_and_replays(argmax):
    verdict = S.step_lemma(ctx(), {})
    assert isinstance(verdict, Counterexample)
    w = verdict.witness
    assert w["found"] and w["node"]["ready"] and not w["node"]["unschedulable"]


def test_argmax_for_argmin_breaks_the_pipeline_and_replays_through_reference_schedule(argmax):
    verdict = S.pipeline_bounded(ctx(), sizes=(3,))
    assert isinstance(verdict, Counterexample)
    nodes = verdict.witness["nodes"]
    assert S.replay_chain(nodes, verdict.witness["pod"])


def test_argmax_for_argmin_breaks_spreading_and_replays(argmax):
    verdict = S.spreading_size(ctx(), 2, 3)
    assert isinstance(verdict, Counterexample)
    w = verdict.witness
    assert not S.replay_spreading(w["nodes"], w["siblings"], w["pods"], w["max_pods"], w["placements"])


def test_a_rank_that_ignores_siblings_gives_a_pipeline_counterexample_semantics_60(monkeypatch, swap):
    from kmodel.scheduler.plugins import textbook_spread

    def pods_first(pod, node, cluster):
        sib, pods, name = textbook_spread.rank(pod, node, cluster)
        return (pods, sib, name)

    wrong = framework.Profile("textbook", profiles.FILTERS, rank=pods_first)
    swap.setattr(profiles, "TEXTBOOK", wrong)
    monkeypatch.setitem(profiles.PROFILES, "textbook", wrong)
    verdict = S.pipeline_bounded(ctx(), sizes=(2,))
    assert isinstance(verdict, Counterexample)
    nodes = verdict.witness["nodes"]
    assert len(nodes) == 2


def test_an_off_by_one_pod_count_filter_breaks_the_shortfall_lemma_semantics_55(swap):
    from kmodel.logic import le
    from kmodel.scheduler.plugins import node_resources_fit

    swap.setattr(node_resources_fit, "pods_fit", lambda pods, max_pods: le(pods, max_pods))
    verdict = S.shortfall_lemma(ctx())
    assert isinstance(verdict, Counterexample)
    assert S.replay_shortfall(verdict.witness["desired"], verdict.witness["max_pods"], verdict.witness["bound"])


@given(st.integers(1, 5), st.integers(0, 2), st.integers(0, 3), st.integers(0, 12))
def test_real_placements_on_equal_nodes_stay_within_one_semantics_60(size, siblings, others, placements):
    """The spreading theorem's conclusion, on the real scheduler and binds."""
    pods = siblings + others
    assert S.replay_spreading(size, siblings, pods, pods + placements, placements)
