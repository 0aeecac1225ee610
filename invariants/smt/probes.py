"""Proofs about probes and restarts, over the kubelet's own decision functions (SEMANTICS 46, 49, 50, 8.7).

`kmodel.controllers.kubelet.probe_step` (the threshold automaton) and `should_restart` (the restart policy) are
looked up on the module at proof time and run on Z3 terms; counterexamples are replayed through the kubelet's
concrete transitions (`probe_result`, `terminated_container`) on real Pods, which call the same functions.

- `probe-threshold-automaton`: from Ready, the acted-on result turns Failure after exactly failureThreshold
  consecutive failures and not before; from not Ready, Success after exactly successThreshold consecutive
  successes. As one-step inductive lemmas over the streak length, so they hold for every threshold and every
  streak length; and as a bounded check of every raw result sequence against the rule "the result flips once
  the last threshold-many raw results agree, and keeps its value otherwise".
- `liveness-kill-restart`: a container killed for a failed liveness probe is restarted iff the pod's
  restartPolicy is not Never, whatever its exit code; and the restart table of SEMANTICS 50.
"""

from __future__ import annotations

from typing import Any

import attrs
import z3

from invariants.smt.domains import Symbols, SymbolicEnum, bool_value, flat, int_value
from invariants.smt.framework import ProofContext, Verdict, combine, proof
from kmodel.controllers import kubelet
from kmodel.logic import all_of, iff, implies, min_
from kmodel.objects import (
    ALWAYS,
    EXEC,
    NEVER,
    ON_FAILURE,
    READINESS,
    RUNNING,
    Container,
    ContainerStatus,
    Pod,
    Probe,
    ProbeState,
)

__all__ = ["streak_lemmas", "bounded_traces", "restart_lemmas", "replay_probe_sequence", "TRACE_BOUND",
           "RESTART_POLICIES"]

TRACE_BOUND = 8
"""Thresholds 1..TRACE_BOUND and raw result sequences of length TRACE_BOUND + 2 in the bounded check."""

RESTART_POLICIES = (ALWAYS, ON_FAILURE, NEVER)


def _probe_pod(kind: str, st: int, ft: int, state: ProbeState, restart_policy: str = ALWAYS) -> Pod:
    """A running, started container with one exec probe of `kind` in the given automaton state."""
    probe = Probe(handler=EXEC, success_threshold=st, failure_threshold=ft)
    status = attrs.evolve(ContainerStatus(state=RUNNING, reason="", started=True, started_at=0), **{kind: state})
    container = Container(name="app", status=status, **{f"{kind}_probe": probe})
    return Pod(name="probed", uid="uid-000001", node_name="n1", containers=(container,), phase="Running",
               restart_policy=restart_policy)


def replay_probe_sequence(kind: str, st: int, ft: int, state: ProbeState, results: list[bool]) -> list[Any]:
    """The acted-on results after each raw result, through the kubelet's concrete `probe_result`."""
    pod = _probe_pod(kind, st, ft, state)
    out = []
    for i, success in enumerate(results):
        c = pod.containers[0]
        if c.status.state != RUNNING or c.status.stopping:
            break  # a liveness kill stops the sequence; readiness never kills
        pod = kubelet.probe_result(pod, c, kind, success, clock=i)
        out.append(pod.containers[0].status.probe(kind).result)
    return out


def _state(model: z3.ModelRef, s: ProbeState) -> ProbeState:
    return ProbeState(bool_value(model, s.result), int_value(model, s.successes), int_value(model, s.failures))


def _streak_invariant(success: bool, st: Any, ft: Any) -> Any:
    """The automaton's state after n >= 1 consecutive raw results of one kind (`success`), started from the
    other verdict: the result has flipped iff n reached the threshold, the streak is min(n, threshold), and the
    other streak is 0."""
    if success:
        return lambda s, n: all_of(iff(s.result, n >= st), s.successes == min_(n, st), s.failures == 0)
    return lambda s, n: all_of(iff(s.result, n < ft), s.failures == min_(n, ft), s.successes == 0)


def _streak_obligations(ctx: ProofContext, success: bool) -> list[Any]:
    """The base case and the inductive step of one streak lemma, as thunks for `combine`."""
    word = "success" if success else "failure"
    sym = Symbols(f"{word}.")
    st, ft = sym.int("success_threshold", lo=1), sym.int("failure_threshold", lo=1)
    j, other = sym.int("j", lo=0), sym.int("other_streak", lo=0)
    inv = _streak_invariant(success, st, ft)
    # Base: the verdict the streak works against, with any streak of the other kind (within its threshold).
    if success:
        base = ProbeState(False, 0, other)
        sym.require(other <= ft)
    else:
        base = ProbeState(True, other, 0)
        sym.require(other <= st)
    hyp = ProbeState(sym.bool("result"), sym.int("successes"), sym.int("failures"))
    claims = {
        "base": inv(kubelet.probe_step(base, success, st, ft), 1),
        "step": implies(inv(hyp, j), inv(kubelet.probe_step(hyp, success, st, ft), j + 1)),
    }
    starts = {"base": base, "step": hyp}

    def decoder(lemma: str):
        def decode(model: z3.ModelRef) -> dict[str, Any]:
            return {"lemma": lemma, "kind": READINESS, "success_threshold": int_value(model, st),
                    "failure_threshold": int_value(model, ft), "j": 0 if lemma == "base" else int_value(model, j),
                    "start": _state(model, starts[lemma]), "raw_results": [success]}
        return decode

    def replay(w: dict[str, Any]) -> bool:
        """One raw result through the kubelet's `probe_result` on a real readiness probe in that state."""
        st_, ft_ = w["success_threshold"], w["failure_threshold"]
        n = 1 if w["lemma"] == "base" else w["j"] + 1
        pod = _probe_pod(READINESS, st_, ft_, w["start"])
        pod = kubelet.probe_result(pod, pod.containers[0], READINESS, success, clock=0)
        s = pod.containers[0].status.readiness
        if success:
            ok = s.result == (n >= st_) and s.successes == min(n, st_) and s.failures == 0
        else:
            ok = s.result == (n < ft_) and s.failures == min(n, ft_) and s.successes == 0
        return not ok

    prefer = [st <= 10, ft <= 10, j <= 10]
    return [lambda lemma=lemma: ctx.check(claims[lemma], assumptions=sym.constraints, decode=decoder(lemma),
                                          replay=replay, prefer=prefer, what=f"{word} streak, {lemma}")
            for lemma in ("base", "step")]


def streak_lemmas(ctx: ProofContext) -> Verdict:
    """One-step inductive lemmas, for every threshold and streak length j >= 0 (SEMANTICS 46).

    Failures: if after j consecutive failures from Ready the state is (Ready iff j < ft, failures = min(j, ft),
    successes = 0), one more failure gives (Ready iff j+1 < ft, failures = min(j+1, ft), successes = 0); the
    base case is one failure from any Ready state. Symmetrically for successes from not Ready. By induction the
    result flips exactly at the threshold-th consecutive result, for every threshold.
    """
    return combine(v() for v in _streak_obligations(ctx, False) + _streak_obligations(ctx, True))


def _spec_results(raw: list[Any], st: Any, ft: Any, initial: Any) -> list[Any]:
    """The rule, stated over the raw results (not over streak counters): after result n, Failure if the last ft
    raw results were all failures, Success if the last st were all successes, else the previous value."""
    out = []
    prev = initial
    for n in range(1, len(raw) + 1):
        last = lambda k, want: z3.And(k <= n, *[z3.Implies(i <= k, raw[n - i] == want)  # noqa: E731
                                                for i in range(1, n + 1)])
        cur = z3.If(last(ft, False), False, z3.If(last(st, True), True, prev))
        out.append(cur)
        prev = cur
    return out


def bounded_traces(ctx: ProofContext, bound: int = TRACE_BOUND) -> Verdict:
    """Every raw result sequence of length bound + 2, thresholds 1..bound, from the readiness worker's initial
    state (Failure, SEMANTICS 46): `probe_step`'s result after each raw result equals the rule (`_spec_results`).
    Flat encoding: one fresh variable per state field per step."""
    sym = Symbols("trace.")
    st = sym.int("success_threshold", lo=1, hi=bound)
    ft = sym.int("failure_threshold", lo=1, hi=bound)
    raw = [sym.bool(f"raw{n}") for n in range(1, bound + 3)]
    state = ProbeState(False, 0, 0)  # initial_probe_state(READINESS)
    results = []
    for n, x in enumerate(raw, start=1):
        nxt = kubelet.probe_step(state, x, st, ft)
        state = ProbeState(flat(sym, f"result{n}", nxt.result), flat(sym, f"successes{n}", nxt.successes),
                           flat(sym, f"failures{n}", nxt.failures))
        results.append(state.result)
    spec = _spec_results(raw, st, ft, False)
    claim = z3.And(*[r == s for r, s in zip(results, spec)])

    def decode(model: z3.ModelRef) -> dict[str, Any]:
        return {"kind": READINESS, "success_threshold": int_value(model, st),
                "failure_threshold": int_value(model, ft), "start": ProbeState(False, 0, 0),
                "raw_results": [bool_value(model, x) for x in raw],
                "expected": [bool_value(model, s) for s in spec]}

    def replay(w: dict[str, Any]) -> bool:
        got = replay_probe_sequence(READINESS, w["success_threshold"], w["failure_threshold"], w["start"],
                                    w["raw_results"])
        return got != w["expected"]

    return ctx.check(claim, assumptions=sym.constraints, decode=decode, replay=replay,
                     what=f"raw result sequences up to length {bound + 2}")


@proof("probe-threshold-automaton", rules=("45", "46"),
       invariants=("readiness-flips-at-threshold", "liveness-kill-at-threshold", "startup-kill-at-threshold"))
def prove_probe_threshold_automaton(ctx: ProofContext) -> Verdict:
    """The acted-on probe result flips to Failure after exactly failureThreshold consecutive failures and back
    to Success after exactly successThreshold consecutive successes."""
    return combine(v() for v in (lambda: streak_lemmas(ctx), lambda: bounded_traces(ctx)))


def _killed_pod(policy: str, kill_reason: str | None) -> Pod:
    status = ContainerStatus(state=RUNNING, reason="", started=True, started_at=0, ready=True,
                             stopping=kill_reason is not None, kill_reason=kill_reason)
    container = Container(name="app", status=status, liveness_probe=Probe(handler=EXEC))
    return Pod(name="killed", uid="uid-000001", node_name="n1", containers=(container,), phase="Running",
               restart_policy=policy)


def concrete_restart(policy: str, exit_code: int, killed_by_liveness: bool) -> bool:
    """Whether the kubelet's concrete `terminated_container` queues a restart for this container."""
    pod = _killed_pod(policy, kubelet.LIVENESS_KILL if killed_by_liveness else None)
    after = kubelet.terminated_container(pod, pod.containers[0], exit_code, clock=1)
    return bool(after.status.will_restart)


def restart_lemmas(ctx: ProofContext) -> Verdict:
    """For every restart policy and exit code: a liveness kill restarts iff the policy is not Never (SEMANTICS
    49, 8.7); an exit by itself restarts per SEMANTICS 50 (Always: every exit; OnFailure: non-zero; Never: none)."""
    verdicts = []
    for killed in (True, False):
        sym = Symbols(f"restart.{'kill' if killed else 'exit'}.")
        policy = SymbolicEnum(f"restart.{'kill' if killed else 'exit'}.policy", RESTART_POLICIES)
        code = sym.int("exit_code", lo=0, hi=255)
        restarts = kubelet.should_restart(policy, code, killed)
        if killed:
            claim = iff(restarts, policy != NEVER)
        else:
            claim = iff(restarts, z3.Or(policy == ALWAYS, z3.And(policy == ON_FAILURE, code != 0)))

        def decode(model: z3.ModelRef, policy=policy, code=code, killed=killed) -> dict[str, Any]:
            return {"restart_policy": policy.decode(model), "exit_code": int_value(model, code),
                    "killed_by": kubelet.LIVENESS_KILL if killed else None}

        def replay(w: dict[str, Any], killed=killed) -> bool:
            got = concrete_restart(w["restart_policy"], w["exit_code"], killed)
            want = (w["restart_policy"] != NEVER) if killed else (
                w["restart_policy"] == ALWAYS or (w["restart_policy"] == ON_FAILURE and w["exit_code"] != 0))
            return got != want

        verdicts.append(lambda c=claim, s=sym, p=policy, d=decode, r=replay, k=killed: ctx.check(
            c, assumptions=s.constraints + p.constraints(), decode=d, replay=r,
            what="liveness kill" if k else "exit by itself"))
    return combine(v() for v in verdicts)


@proof("liveness-kill-restart", rules=("49", "50", "8.7"),
       invariants=("restart-decision-exact", "restart-follows-policy", "restart-policy-at-quiescence"))
def prove_liveness_kill_restart(ctx: ProofContext) -> Verdict:
    """A liveness kill leads to a restart iff restartPolicy is not Never, whatever the exit code."""
    return restart_lemmas(ctx)
