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
def test_wrong_threshold_automata_give_counterexamples_that_replay_semantics_46(swap, wrong):
    swap.setattr(kubelet, "probe_step", wrong)
    verdict = P.prove_probe_threshold_automaton(ctx())
    assert isinstance(verdict, Counterexample)


def test_a_wrong_bounded_trace_is_shown_as_raw_results(swap):
    swap.setattr(kubelet, "probe_step", no_reset)
    verdict = P.bounded_traces(ctx())
    assert isinstance(verdict, Counterexample)
    w = verdict.witness
    assert P.replay_probe_sequence(READINESS, w["success_threshold"], w["failure_threshold"], w["start"],
                                   w["raw_results"]) != w["expected"]


def test_onfailure_restarting_only_non_zero_exits_after_a_liveness_kill_is_caught_semantics_8_7(swap):
    swap.setattr(kubelet, "should_restart", lambda policy, code, killed: any_of(
        eq(policy, ALWAYS), all_of(eq(policy, ON_FAILURE), ne(code, 0))))
    verdict = P.prove_liveness_kill_restart(ctx())
    assert isinstance(verdict, Counterexample)
    assert verdict.witness == {"restart_policy": ON_FAILURE, "exit_code": 0, "killed_by": kubelet.LIVENESS_KILL}


# ---------------------------------------------------------------------------------------------------------------
# Kills exactly at the threshold, the whole restart table, CrashLoopBackOff (issue 18 items 3 and 6)


def kills_one_late(state, success, success_threshold, failure_threshold):
    """failureThreshold off by one: the result (and the kill) comes one failure late."""
    successes = ite(success, min_(state.successes + 1, success_threshold), 0)
    failures = ite(success, 0, min_(state.failures + 1, failure_threshold + 1))
    result = ite(all_of(success, le(success_threshold, successes)), True,
                 ite(all_of(not_(success), le(failure_threshold + 1, failures)), False, state.result))
    return ProbeState(result, successes, failures)


@pytest.mark.parametrize("wrong", [flips_one_early, no_reset, kills_one_late])
def test_wrong_kill_thresholds_give_kill_traces_that_replay_semantics_46_49(swap, wrong):
    swap.setattr(kubelet, "probe_step", wrong)
    verdict = P.kill_traces(ctx())
    assert isinstance(verdict, Counterexample)
    w = verdict.witness
    assert any(P.replay_kill_step(kind, w["failure_threshold"], w["raw_results"]) != w["expected_kill_at"]
               for kind in w["kinds"])


def test_kill_traces_hold_on_the_real_kubelet_semantics_46_49():
    assert P.kill_traces(ctx()) == Proved()
    assert P.replay_kill_step("liveness", 3, [False, False, True, False, False, False]) == 6
    assert P.replay_kill_step("startup", 1, [True, False]) == 2


def test_the_bounded_traces_start_from_either_verdict(swap):
    """A wrong automaton that misbehaves only from a fresh Success (liveness's initial verdict: the first failure
    flips it at once) is caught too; from readiness's initial Failure it cannot show."""
    original = kubelet.probe_step

    def wrong(state, success, st, ft):
        nxt = original(state, success, st, ft)
        fresh = all_of(state.result, eq(state.successes, 0), eq(state.failures, 0), not_(success))
        return ProbeState(ite(fresh, False, nxt.result), nxt.successes, nxt.failures)

    swap.setattr(kubelet, "probe_step", wrong)
    verdict = P.bounded_traces(ctx())
    assert isinstance(verdict, Counterexample) and verdict.witness["start"].result is True
    assert isinstance(P.kill_traces(ctx()), Counterexample)


def test_the_restart_truth_table_is_complete_semantics_49_50_8_7():
    policies = {p for p, _, _ in P.RESTART_TABLE}
    assert policies == set(P.RESTART_POLICIES) and len(P.RESTART_TABLE) == 12
    for (policy, zero, killed), want in P.RESTART_TABLE.items():
        reason = kubelet.LIVENESS_KILL if killed else None
        assert P.concrete_restart_by(policy, 0 if zero else 1, reason) is want
        if killed:
            assert P.concrete_restart_by(policy, 0 if zero else 1, kubelet.STARTUP_KILL) is want
        else:
            assert P.concrete_restart_by(policy, 0 if zero else 137, kubelet.POST_START_KILL) is want


@pytest.mark.parametrize("wrong", [
    # OnFailure inverted: restarts a clean exit, not a failed one
    lambda policy, code, killed: any_of(eq(policy, ALWAYS), all_of(eq(policy, ON_FAILURE), eq(code, 0))),
    # a startup or liveness kill under OnFailure ignored (restarted only for a non-zero code)
    lambda policy, code, killed: any_of(eq(policy, ALWAYS), all_of(eq(policy, ON_FAILURE), ne(code, 0))),
    # Never restarts after a probe kill
    lambda policy, code, killed: any_of(eq(policy, ALWAYS), killed, all_of(eq(policy, ON_FAILURE), ne(code, 0))),
    # Always forgets a clean exit
    lambda policy, code, killed: any_of(all_of(eq(policy, ALWAYS), ne(code, 0)),
                                        all_of(eq(policy, ON_FAILURE), any_of(ne(code, 0), killed))),
])
def test_wrong_restart_decisions_break_the_truth_table_semantics_49_50_8_7(swap, wrong):
    swap.setattr(kubelet, "should_restart", wrong)
    verdict = P.restart_table(ctx())
    assert isinstance(verdict, Counterexample)
    w = verdict.witness
    assert P.concrete_restart_by(w["restart_policy"], w["exit_code"], w["killed_by"]) != w["expected_restart"]
    assert isinstance(P.prove_liveness_kill_restart(ctx()), Counterexample)


def test_crash_loop_back_off_is_proved_semantics_51_8_8():
    assert P.prove_crash_loop_back_off(ctx()) == Proved()


def test_the_back_off_sequence_on_the_real_kubelet_semantics_8_8():
    assert P.replay_backoff(0, [5] * 9) == [0, 10, 20, 40, 80, 160, 300, 300, 300]
    assert P.replay_backoff(0, [5, 5, 5, 601, 5, 600]) == [0, 10, 20, 0, 10, 20]


def _backoff(reset, initial, cap, first):
    def step(entry, ran_for):
        expired = any_of(eq(entry, 0), reset(ran_for))
        return ite(expired, first, entry), ite(expired, initial, min_(entry * 2, cap))
    return step


@pytest.mark.parametrize("wrong", [
    _backoff(lambda r: r >= 600, 10, 300, 0),     # reset at 600 s, not after
    _backoff(lambda r: r > 300, 10, 300, 0),      # reset after 2 x max read as max
    _backoff(lambda r: r > 600, 10, 320, 0),      # cap one doubling late
    _backoff(lambda r: r > 600, 10, 160, 0),      # cap one doubling early
    _backoff(lambda r: r > 600, 20, 300, 0),      # the second crash waits 20 s
    _backoff(lambda r: r > 600, 10, 300, 10),     # the first restart is not immediate
    lambda entry, ran_for: (entry, ite(eq(entry, 0), 10, min_(entry * 2, 300))),   # never resets
])
def test_wrong_back_off_gives_counterexamples_that_replay_semantics_51_8_8(swap, wrong):
    swap.setattr(kubelet, "backoff_step", wrong)
    verdict = P.prove_crash_loop_back_off(ctx())
    assert isinstance(verdict, Counterexample)
    w = verdict.witness
    assert P.replay_backoff(w["entry"], w["ran_for"]) != w["expected_delays"]
