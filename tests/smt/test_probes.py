"""The probe and restart proofs (invariants.smt.probes): SEMANTICS 45, 46, 49, 50, 8.7.

Differential: `probe_step` and `should_restart` on Z3 terms, with values substituted, agree with the kubelet's
concrete transitions (`probe_result`, `terminated_container`). Wrong automata and restart rules give
counterexamples that replay through those transitions.
"""

from __future__ import annotations

import pytest
import z3
from hypothesis import given
from hypothesis import strategies as st

from invariants.smt import probes as P
from invariants.smt.domains import SymbolicEnum, evaluate
from invariants.smt.framework import Counterexample, ProofContext, Proved
from kmodel.controllers import kubelet
from kmodel.logic import all_of, any_of, eq, ite, le, min_, ne, not_
from kmodel.objects import ALWAYS, NEVER, ON_FAILURE, READINESS, ProbeState


def ctx() -> ProofContext:
    return ProofContext("test", 30_000)


@given(st.integers(1, 6), st.integers(1, 6), st.booleans(), st.integers(0, 6), st.integers(0, 6),
       st.lists(st.booleans(), min_size=1, max_size=10))
def test_symbolic_probe_step_agrees_with_probe_result_semantics_46(st_, ft, result, succ, fail, raw):
    start = ProbeState(result, min(succ, st_), 0 if succ else min(fail, ft))
    r, s, f = z3.Bool("r"), z3.Int("s"), z3.Int("f")
    state = ProbeState(r, s, f)
    results = []
    for i, x in enumerate(raw):
        state = kubelet.probe_step(state, z3.BoolVal(x), z3.IntVal(st_), z3.IntVal(ft))
        results.append(state.result)
    subst = [(r, z3.BoolVal(start.result)), (s, z3.IntVal(start.successes)), (f, z3.IntVal(start.failures))]
    assert [evaluate(x, subst) for x in results] == P.replay_probe_sequence(READINESS, st_, ft, start, raw)


@given(st.sampled_from(P.RESTART_POLICIES), st.integers(0, 255), st.booleans())
def test_symbolic_should_restart_agrees_with_terminated_container_semantics_49_50(policy, code, killed):
    e, c = SymbolicEnum("policy", P.RESTART_POLICIES), z3.Int("code")
    term = kubelet.should_restart(e, c, killed)
    assert evaluate(term, e.substitution(policy) + [(c, z3.IntVal(code))]) == P.concrete_restart(policy, code, killed)


@pytest.mark.parametrize("policy, code, killed, restarts", [
    (ALWAYS, 0, False, True), (ALWAYS, 1, False, True), (ON_FAILURE, 0, False, False),
    (ON_FAILURE, 1, False, True), (NEVER, 1, False, False),
    (ALWAYS, 137, True, True), (ON_FAILURE, 0, True, True), (ON_FAILURE, 137, True, True), (NEVER, 137, True, False),
])
def test_restart_table_semantics_49_50_8_7(policy, code, killed, restarts):
    assert P.concrete_restart(policy, code, killed) is restarts


def test_probe_threshold_automaton_is_proved_semantics_46():
    assert P.prove_probe_threshold_automaton(ctx()) == Proved()


def test_liveness_kill_restart_is_proved_semantics_49():
    assert P.prove_liveness_kill_restart(ctx()) == Proved()


def flips_one_early(state, success, success_threshold, failure_threshold):
    successes = ite(success, min_(state.successes + 1, success_threshold), 0)
    failures = ite(success, 0, min_(state.failures + 1, failure_threshold))
    result = ite(all_of(success, le(success_threshold, successes)), True,
                 ite(all_of(not_(success), le(failure_threshold - 1, failures)), False, state.result))
    return ProbeState(result, successes, failures)


def no_reset(state, success, success_threshold, failure_threshold):
    successes = ite(success, min_(state.successes + 1, success_threshold), 0)
    failures = ite(success, state.failures, min_(state.failures + 1, failure_threshold))  # not consecutive
    result = ite(all_of(success, le(success_threshold, successes)), True,
                 ite(all_of(not_(success), le(failure_threshold, failures)), False, state.result))
    return ProbeState(result, successes, failures)


@pytest.mark.parametrize("wrong", [flips_one_early, no_reset])
def test_wrong_threshold_automata_give_counterexamples_that_replay_semantics_46(monkeypatch, wrong):
    monkeypatch.setattr(kubelet, "probe_step", wrong)
    verdict = P.prove_probe_threshold_automaton(ctx())
    assert isinstance(verdict, Counterexample)


def test_a_wrong_bounded_trace_is_shown_as_raw_results(monkeypatch):
    monkeypatch.setattr(kubelet, "probe_step", no_reset)
    verdict = P.bounded_traces(ctx())
    assert isinstance(verdict, Counterexample)
    w = verdict.witness
    assert P.replay_probe_sequence(READINESS, w["success_threshold"], w["failure_threshold"], w["start"],
                                   w["raw_results"]) != w["expected"]


def test_onfailure_restarting_only_non_zero_exits_after_a_liveness_kill_is_caught_semantics_8_7(monkeypatch):
    monkeypatch.setattr(kubelet, "should_restart", lambda policy, code, killed: any_of(
        eq(policy, ALWAYS), all_of(eq(policy, ON_FAILURE), ne(code, 0))))
    verdict = P.prove_liveness_kill_restart(ctx())
    assert isinstance(verdict, Counterexample)
    assert verdict.witness == {"restart_policy": ON_FAILURE, "exit_code": 0, "killed_by": kubelet.LIVENESS_KILL}
