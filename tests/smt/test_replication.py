"""The replication proof (invariants.smt.replication, `replicas-converge`): SEMANTICS 29, 30, 55, 60.

Differential: the symbolic sync (the controller's `replica_diff` and `burst_capped` on Z3 integers) and one real
sync of a ReplicationController agree on the active count after it. Wrong caps give counterexamples that replay.
"""

from __future__ import annotations

import pytest
import z3
from hypothesis import given
from hypothesis import strategies as st

from invariants.smt import replication as R
from invariants.smt.domains import evaluate
from invariants.smt.framework import Counterexample, ProofContext, Proved
from kmodel.controllers import replication
from kmodel.decisions import replication as replication_decisions
from kmodel.logic import max_, min_


def ctx() -> ProofContext:
    return ProofContext("test", 30_000)


@given(st.integers(0, 1_200), st.integers(0, 1_200))
def test_symbolic_sync_agrees_with_a_real_sync_semantics_29_30(active, desired):
    a, d = z3.Ints("active desired")
    capped, after = R.sync_step(a, d)
    subst = [(a, z3.IntVal(active)), (d, z3.IntVal(desired))]
    assert evaluate(after, subst) == R.replay_sync(active, desired)["active_after"]
    assert abs(evaluate(capped, subst)) <= replication_decisions.BURST_REPLICAS


@pytest.mark.parametrize("active, desired, after", [
    (0, 3, 3), (3, 1, 1), (0, 1200, 500), (1200, 0, 700), (5, 5, 5), (0, 0, 0),
])
def test_one_sync_table_semantics_29_30(active, desired, after):
    assert R.replay_sync(active, desired)["active_after"] == after


def test_replicas_converge_is_proved_semantics_29_30():
    assert R.prove_replicas_converge(ctx()) == Proved()


def test_convergence_needs_exactly_ceil_d_over_500_syncs_semantics_30():
    active, desired, syncs = 0, 1_201, 0
    while active != desired:
        active = R.replay_sync(active, desired)["active_after"]
        syncs += 1
    assert syncs == 3 == -(-1_201 // 500)


@pytest.mark.parametrize("cap", [
    lambda d: max_(min_(d, 501), -500),   # one over BurstReplicas on deletes
    lambda d: d,                          # no cap at all
    lambda d: max_(min_(d, 499), -499),   # too cautious: still converges, but not by min(d, 500)
])
def test_wrong_burst_caps_give_counterexamples_that_replay_semantics_30(swap, cap):
    swap.setattr(replication_decisions, "burst_capped", cap)
    verdict = R.convergence_lemmas(ctx())
    assert isinstance(verdict, Counterexample)
    w = verdict.witness
    assert abs(w["active"] - w["desired"]) > 0


def test_a_sign_error_in_the_diff_gives_a_counterexample_semantics_29(swap):
    swap.setattr(replication_decisions, "replica_diff", lambda active, desired: desired - active)
    verdict = R.convergence_lemmas(ctx())
    assert isinstance(verdict, Counterexample)


@given(st.integers(0, 8), st.lists(st.integers(0, 3), min_size=1, max_size=3))
def test_the_shortfall_is_pending_on_real_settled_clusters_semantics_55_60(desired, max_pods):
    """The lemma's conclusion, checked on the whole model: controllers, scheduler and kubelets settled."""
    from invariants.smt import scheduling

    assert not scheduling.replay_shortfall(desired, max_pods, [0] * len(max_pods))


def test_creating_past_the_burst_limit_is_caught_by_the_exact_claim_semantics_30(swap):
    """A cap that over-creates past the desired count (2s - 500 pods for a shortfall s > 500) still meets the
    distance claims (|after - desired| = s - 500, the ceil ranking) symbolically; the exact claim catches it,
    and the real sync (its event refused by the guard) replays."""
    from kmodel.logic import ite

    swap.setattr(replication_decisions, "burst_capped",
                        lambda d: ite(d < -500, 2 * d + 500, max_(min_(d, 500), -500)))
    verdict = R.convergence_lemmas(ctx())
    assert isinstance(verdict, Counterexample)
    assert verdict.witness["claim"].startswith("exactly")


def test_the_replay_counts_active_pods_itself_semantics_29_2():
    from kmodel.cluster import Cluster
    from kmodel.objects import Container, OwnerRef, Pod, PodTemplate, ReplicationController

    template = PodTemplate(labels={"app": "web"}, containers=(Container(name="app"),))
    rc = ReplicationController(name="web", replicas=2, selector={"app": "web"}, template=template, uid="uid-rc")
    owner = OwnerRef(rc.kind, rc.name, rc.uid)
    cluster = Cluster.from_objects([rc])
    cluster = cluster.put_pod(Pod.from_template("web-a", template, owner=owner, uid="uid-a", creation_index=1))
    cluster = cluster.put_pod(Pod.from_template("web-b", template, owner=owner, uid="uid-b", creation_index=2))
    assert R.active_owned(cluster, rc) == 2 == replication.claimed_active_count(cluster, cluster.controllers[rc.key])
