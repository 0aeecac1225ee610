"""Proofs about probes, restarts and CrashLoopBackOff, over the kubelet's own decision functions (SEMANTICS 45, 46,
49, 50, 51, 8.7, 8.8).

`kmodel.controllers.kubelet.probe_step` (the threshold automaton), `should_restart` (the restart policy) and
`backoff_step` (CrashLoopBackOff) are looked up on the module at proof time and run on Z3 terms; the claims are
the SEMANTICS rules restated here (streak formulas, rules over raw result windows, a truth table, the delay
sequence), never the functions under test. Counterexamples are replayed through the kubelet's concrete
transitions (`probe_result`, `terminated_container`, `started_container`) on real Pods, which call the same
functions.

- `probe-threshold-automaton`: from Ready, the acted-on result turns Failure after exactly failureThreshold
  consecutive failures and not before; from not Ready, Success after exactly successThreshold consecutive
  successes. As one-step inductive lemmas over the streak length, so they hold for every threshold and every
  streak length; as a bounded check of every raw result sequence, from either initial verdict, against the rule
  "the result flips once the last threshold-many raw results agree, and keeps its value otherwise"; and the
  kill: a liveness or startup probe kills at exactly the raw result that completes failureThreshold
  consecutive failures (`kill_traces`).
- `liveness-kill-restart`: a container killed for a failed liveness probe is restarted iff the pod's
  restartPolicy is not Never, whatever its exit code; the restart table of SEMANTICS 50; and the whole truth
  table `RESTART_TABLE` (policy x exit code 0 or not, any int32 x killed by a liveness/startup probe or not).
- `crash-loop-back-off`: successive crashes wait 0, 10, 20, 40, 80, 160, 300, 300, ... s, starting again after a
  run of more than 600 s, for every running time (`backoff_sequence`, unrolled; `backoff_table`, from every
  back-off entry, so for any number of crashes).
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
    LIVENESS,
    NEVER,
    ON_FAILURE,
    READINESS,
    RUNNING,
    STARTUP,
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
    """Every raw result sequence of length bound + 2, thresholds 1..bound, from a fresh worker's state with either
    verdict (readiness starts at Failure, liveness at Success, SEMANTICS 46; startup's Unknown is kept exactly as a
    verdict is, so it is covered too): `probe_step`'s result after each raw result equals the rule
    (`_spec_results`). Flat encoding: one fresh variable per state field per step."""
    sym = Symbols("trace.")
    st = sym.int("success_threshold", lo=1, hi=bound)
    ft = sym.int("failure_threshold", lo=1, hi=bound)
    initial = sym.bool("initial_result")
    raw = [sym.bool(f"raw{n}") for n in range(1, bound + 3)]
    state = ProbeState(initial, 0, 0)  # initial_probe_state(READINESS or LIVENESS)
    results = []
    for n, x in enumerate(raw, start=1):
        nxt = kubelet.probe_step(state, x, st, ft)
        state = ProbeState(flat(sym, f"result{n}", nxt.result), flat(sym, f"successes{n}", nxt.successes),
                           flat(sym, f"failures{n}", nxt.failures))
        results.append(state.result)
    spec = _spec_results(raw, st, ft, initial)
    claim = z3.And(*[r == s for r, s in zip(results, spec)])

    def decode(model: z3.ModelRef) -> dict[str, Any]:
        return {"kind": READINESS, "success_threshold": int_value(model, st),
                "failure_threshold": int_value(model, ft), "start": ProbeState(bool_value(model, initial), 0, 0),
                "raw_results": [bool_value(model, x) for x in raw],
                "expected": [bool_value(model, s) for s in spec]}

    def replay(w: dict[str, Any]) -> bool:
        got = replay_probe_sequence(READINESS, w["success_threshold"], w["failure_threshold"], w["start"],
                                    w["raw_results"])
        return got != w["expected"]

    return ctx.check(claim, assumptions=sym.constraints, decode=decode, replay=replay,
                     what=f"raw result sequences up to length {bound + 2}",
                     prefer=[z3.Not(initial)])


def _window(raw: list[Any], n: int, k: Any, want: bool) -> Any:
    """The rule's own test: the last k raw results up to result n (1-based) all equal `want` (so k <= n)."""
    return z3.And(k <= n, *[z3.Implies(i <= k, raw[n - i] == want) for i in range(1, n + 1)])


_KILL_REASON = {LIVENESS: kubelet.LIVENESS_KILL, STARTUP: kubelet.STARTUP_KILL}


def replay_kill_step(kind: str, ft: int, results: list[bool]) -> int | None:
    """The 1-based raw result at which the kubelet's concrete `probe_result` kills the container (a liveness or
    startup probe with successThreshold 1, from the worker's initial state), or None when it is not killed."""
    from kmodel.objects import initial_probe_state

    pod = _probe_pod(kind, 1, ft, initial_probe_state(kind))
    for i, success in enumerate(results, start=1):
        c = pod.containers[0]
        pod = kubelet.probe_result(pod, c, kind, success, clock=i)
        s = pod.containers[0].status
        if s.stopping:
            return i if s.kill_reason == _KILL_REASON[kind] else -i
    return None


def kill_traces(ctx: ProofContext, bound: int = TRACE_BOUND) -> Verdict:
    """Kill exactly at the threshold (SEMANTICS 46, 49): for every raw result sequence of length bound + 2 and
    failureThreshold 1..bound, a liveness or startup probe (successThreshold 1, as validation requires, SEMANTICS
    45) from its initial verdict (Success; startup's Unknown is kept the same way) has the acted-on result turn
    Failure, which is the kubelet's kill, at exactly the first raw result that ends failureThreshold consecutive
    failures: never earlier, never on a success, never later. Replayed through `probe_result` on real liveness
    and startup probes."""
    sym = Symbols("kill.")
    ft = sym.int("failure_threshold", lo=1, hi=bound)
    raw = [sym.bool(f"raw{n}") for n in range(1, bound + 3)]
    state = ProbeState(True, 0, 0)
    killed_by, due_by = [], []
    for n, x in enumerate(raw, start=1):
        nxt = kubelet.probe_step(state, x, 1, ft)
        state = ProbeState(flat(sym, f"result{n}", nxt.result), flat(sym, f"successes{n}", nxt.successes),
                           flat(sym, f"failures{n}", nxt.failures))
        killed_by.append(z3.Or(z3.Not(state.result), *killed_by[-1:]))
        due_by.append(z3.Or(_window(raw, n, ft, False), *due_by[-1:]))
    claim = z3.And(*[k == d for k, d in zip(killed_by, due_by)])

    def decode(model: z3.ModelRef) -> dict[str, Any]:
        due = [bool_value(model, d) for d in due_by]
        return {"kinds": [LIVENESS, STARTUP], "success_threshold": 1,
                "failure_threshold": int_value(model, ft), "raw_results": [bool_value(model, x) for x in raw],
                "expected_kill_at": due.index(True) + 1 if any(due) else None}

    def replay(w: dict[str, Any]) -> bool:
        return any(replay_kill_step(kind, w["failure_threshold"], w["raw_results"]) != w["expected_kill_at"]
                   for kind in w["kinds"])

    return ctx.check(claim, assumptions=sym.constraints, decode=decode, replay=replay,
                     what=f"liveness and startup kills over raw result sequences up to length {bound + 2}")


@proof("probe-threshold-automaton", rules=("45", "46"),
       invariants=("readiness-flips-at-threshold", "liveness-kill-at-threshold", "startup-kill-at-threshold"))
def prove_probe_threshold_automaton(ctx: ProofContext) -> Verdict:
    """The acted-on probe result flips to Failure after exactly failureThreshold consecutive failures and back
    to Success after exactly successThreshold consecutive successes; liveness and startup kill exactly then."""
    return combine(v() for v in (lambda: streak_lemmas(ctx), lambda: bounded_traces(ctx), lambda: kill_traces(ctx)))


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


RESTART_TABLE: dict[tuple[str, bool, bool], bool] = {
    # (restartPolicy, exit code is 0, killed by a liveness or startup probe) -> restarted (SEMANTICS 49, 50, 8.7)
    (ALWAYS, True, False): True, (ALWAYS, False, False): True, (ALWAYS, True, True): True,
    (ALWAYS, False, True): True,
    (ON_FAILURE, True, False): False, (ON_FAILURE, False, False): True, (ON_FAILURE, True, True): True,
    (ON_FAILURE, False, True): True,
    (NEVER, True, False): False, (NEVER, False, False): False, (NEVER, True, True): False,
    (NEVER, False, True): False,
}
"""SEMANTICS 49, 50 and 8.7 as a truth table, written out row by row: Always restarts every termination; OnFailure
a non-zero exit, and a liveness or startup kill whatever its exit code (the restart is queued with the kill);
Never none. A kill for another reason (postStart failure, deletion) is not a probe kill."""

KILL_REASONS = (None, kubelet.LIVENESS_KILL, kubelet.STARTUP_KILL, kubelet.POST_START_KILL)
"""How the container ended: by itself (None), or killed for one of these reasons."""

_INT32 = (-(1 << 31), (1 << 31) - 1)


def concrete_restart_by(policy: str, exit_code: int, kill_reason: str | None) -> bool:
    """Whether `terminated_container` queues a restart after an exit (`kill_reason` None) or a kill."""
    pod = _killed_pod(policy, kill_reason)
    after = kubelet.terminated_container(pod, pod.containers[0], exit_code, clock=1)
    return bool(after.status.will_restart)


def restart_table(ctx: ProofContext) -> Verdict:
    """`should_restart` against every row of `RESTART_TABLE`, for every int32 exit code and every way the
    container ended (`KILL_REASONS`; the kubelet passes "killed by a probe" as a liveness or startup kill
    reason): one obligation, all rows at once, both ways (no restart the table forbids, none it asks for
    missing). Replayed through `terminated_container` on a real pod."""
    sym = Symbols("restart.table.")
    policy = SymbolicEnum("restart.table.policy", RESTART_POLICIES)
    reason = SymbolicEnum("restart.table.kill_reason", KILL_REASONS)
    code = sym.int("exit_code", *_INT32)
    by_probe = z3.Or(reason == kubelet.LIVENESS_KILL, reason == kubelet.STARTUP_KILL)
    restarts = kubelet.should_restart(policy, code, by_probe)
    rows = [z3.Implies(z3.And(policy == p, (code == 0) == zero, by_probe == killed), restarts == want)
            for (p, zero, killed), want in RESTART_TABLE.items()]
    claim = z3.And(*rows)

    def decode(model: z3.ModelRef) -> dict[str, Any]:
        w = {"restart_policy": policy.decode(model), "exit_code": int_value(model, code),
             "killed_by": reason.decode(model)}
        w["expected_restart"] = RESTART_TABLE[(w["restart_policy"], w["exit_code"] == 0,
                                               w["killed_by"] in (kubelet.LIVENESS_KILL, kubelet.STARTUP_KILL))]
        return w

    def replay(w: dict[str, Any]) -> bool:
        return concrete_restart_by(w["restart_policy"], w["exit_code"], w["killed_by"]) != w["expected_restart"]

    return ctx.check(claim, assumptions=sym.constraints + policy.constraints() + reason.constraints(),
                     decode=decode, replay=replay, what="the restart truth table",
                     prefer=[code >= 0, code <= 255])


@proof("liveness-kill-restart", rules=("49", "50", "8.7"),
       invariants=("restart-decision-exact", "restart-follows-policy", "restart-policy-at-quiescence"))
def prove_liveness_kill_restart(ctx: ProofContext) -> Verdict:
    """A liveness kill leads to a restart iff restartPolicy is not Never, whatever the exit code; and the
    whole restart truth table (policy x exit code x killed by a probe)."""
    return combine(v() for v in (lambda: restart_lemmas(ctx), lambda: restart_table(ctx)))


# --------------------------------------------------------------------------------------------------------------
# CrashLoopBackOff (SEMANTICS 51, 8.8)

BACKOFF_DELAYS = (0, 10, 20, 40, 80, 160, 300)
"""The delays of successive crashes since the last reset, written out (SEMANTICS 8.8): the first restart is
immediate, then 10 s doubling, capped at 300 s; every later crash waits 300 s too."""
BACKOFF_CAP = 300
BACKOFF_RESET_AFTER = 600
"""A container that ran for more than this many seconds before crashing starts the sequence again."""
BACKOFF_CRASHES = 10
"""Crashes unrolled in `backoff_sequence` (the cap is reached at the 7th; `backoff_table` covers the rest)."""


def _nth_delay(k: Any) -> Any:
    """BACKOFF_DELAYS[k], 300 s from there on, for a symbolic crash count k >= 0."""
    out: Any = z3.IntVal(BACKOFF_CAP)
    for i in reversed(range(len(BACKOFF_DELAYS))):
        out = z3.If(k == i, BACKOFF_DELAYS[i], out)
    return out


def replay_backoff(entry: int, runs: list[int]) -> list[int]:
    """The delays the kubelet's concrete `terminated_container` waits over successive crashes of one container
    (restartPolicy Always, exit code 1), starting from back-off entry `entry`: crash i after running runs[i]
    seconds, each restart through `started_container` at the end of its delay."""
    pod = _killed_pod(ALWAYS, None)
    c = pod.containers[0]
    c = attrs.evolve(c, status=attrs.evolve(c.status, backoff_seconds=entry, stopping=False))
    clock, delays = 0, []
    for ran in runs:
        clock += ran
        c = kubelet.terminated_container(pod, c, 1, clock=clock)
        s = c.status
        if not s.will_restart:
            delays.append(-1)
            break
        delay = 0 if s.backoff_until is None else s.backoff_until - clock
        if (delay > 0) != (s.state == kubelet.WAITING and s.reason == kubelet.CRASH_LOOP_BACK_OFF):
            delays.append(-2)  # waiting exactly while the delay runs
            break
        delays.append(delay)
        clock += delay
        c = kubelet.started_container(c, clock)
    return delays


def backoff_sequence(ctx: ProofContext, crashes: int = BACKOFF_CRASHES) -> Verdict:
    """`backoff_step` folded over `crashes` successive crashes from no back-off entry, each after running any
    number r_i >= 0 of seconds: crash i waits BACKOFF_DELAYS[k_i] (300 s past the table), where k_i counts the
    crashes since the last one that ran more than 600 s (that one, and the first, wait 0). Stated over the crash
    count, not over the entry the code keeps."""
    sym = Symbols("backoff.seq.")
    runs = [sym.int(f"ran{i}", lo=0) for i in range(crashes)]
    entry: Any = 0
    claims, ks = [], []
    k: Any = None
    for i, ran in enumerate(runs):
        delay, entry = kubelet.backoff_step(entry, ran)
        delay, entry = flat(sym, f"delay{i}", delay), flat(sym, f"entry{i}", entry)
        k = z3.IntVal(0) if k is None else z3.If(ran > BACKOFF_RESET_AFTER, 0, k + 1)
        k = flat(sym, f"k{i}", k)
        ks.append(k)
        claims.append(delay == _nth_delay(k))
    claim = z3.And(*claims)

    def decode(model: z3.ModelRef) -> dict[str, Any]:
        counts = [int_value(model, x) for x in ks]
        return {"entry": 0, "ran_for": [int_value(model, r) for r in runs],
                "expected_delays": [BACKOFF_DELAYS[n] if n < len(BACKOFF_DELAYS) else BACKOFF_CAP for n in counts]}

    def replay(w: dict[str, Any]) -> bool:
        return replay_backoff(w["entry"], w["ran_for"]) != w["expected_delays"]

    return ctx.check(claim, assumptions=sym.constraints, decode=decode, replay=replay,
                     what=f"{crashes} successive crashes", prefer=[r <= 2 * BACKOFF_RESET_AFTER for r in runs])


def backoff_table(ctx: ProofContext) -> Verdict:
    """From every entry the sequence can hold (none, or a delay of BACKOFF_DELAYS[1:]) and every running time
    r >= 0: a crash after more than 600 s waits 0 and the next waits 10; otherwise the crash waits the delay the
    entry holds and the next one waits the following delay of the sequence (300 s stays 300 s). So the entries
    stay in the set and every crash of every sequence, however long, waits the delay `backoff_sequence`
    states."""
    sym = Symbols("backoff.table.")
    entries = (0,) + BACKOFF_DELAYS[1:]
    e = sym.int("entry")
    ran = sym.int("ran_for", lo=0)
    sym.require(z3.Or(*[e == x for x in entries]))
    delay, new = kubelet.backoff_step(e, ran)
    following = {0: BACKOFF_DELAYS[1]}
    for a, b in zip(BACKOFF_DELAYS[1:], BACKOFF_DELAYS[2:] + (BACKOFF_CAP,)):
        following[a] = b
    rows = [z3.Implies(e == x, z3.If(z3.Or(x == 0, ran > BACKOFF_RESET_AFTER),
                                     z3.And(delay == 0, new == BACKOFF_DELAYS[1]),
                                     z3.And(delay == x, new == following[x])))
            for x in entries]
    claim = z3.And(*rows)

    def decode(model: z3.ModelRef) -> dict[str, Any]:
        x, r = int_value(model, e), int_value(model, ran)
        reset = x == 0 or r > BACKOFF_RESET_AFTER
        want = [0, BACKOFF_DELAYS[1]] if reset else [x, following[x]]
        return {"entry": x, "ran_for": [r, 0], "expected_delays": want}

    def replay(w: dict[str, Any]) -> bool:
        return replay_backoff(w["entry"], w["ran_for"]) != w["expected_delays"]

    return ctx.check(claim, assumptions=sym.constraints, decode=decode, replay=replay,
                     what="one crash from every back-off entry", prefer=[ran <= 2 * BACKOFF_RESET_AFTER])


@proof("crash-loop-back-off", rules=("51", "8.8"),
       invariants=("back-off-exact", "start-only-when-due", "restart-state-consistent"))
def prove_crash_loop_back_off(ctx: ProofContext) -> Verdict:
    """Successive crashes wait 0, 10, 20, 40, 80, 160, 300, 300, ... s, starting again after a run of more than
    600 s, for every running time: over 10 crashes unrolled, and from every back-off entry for any number."""
    return combine(v() for v in (lambda: backoff_sequence(ctx), lambda: backoff_table(ctx)))


__all__ += ["RESTART_TABLE", "KILL_REASONS", "restart_table", "concrete_restart_by", "kill_traces",
            "replay_kill_step", "BACKOFF_DELAYS", "backoff_sequence", "backoff_table", "replay_backoff",
            "prove_crash_loop_back_off", "prove_liveness_kill_restart", "prove_probe_threshold_automaton"]
