"""Proofs about the kubelet's status decisions, against upstream restated (SEMANTICS 46, 47, 48, 52, 8.6, 8.9).

`kmodel.controllers.kubelet.containers_phase` (the pod phase) and `container_ready` (ContainerStatus.ready) are
looked up on the module at proof time and run on symbolic containers (`SymbolicStatus`: every status field the
decisions read is a Z3 variable); the claims compare them with upstream's code restated here, not with the
model's functions. Counterexamples are replayed through the kubelet's concrete status writes on real Pods
(`pod_status`, `_with_ready`).

- `pod-phase-get-phase`: for pods of 1 to `MAX_CONTAINERS` containers, every restart policy, deleted or not,
  `containers_phase` equals `upstream_phase`: kubelet_pods.go getPhase over the container states the kubelet
  reports (waiting, running, stopped, succeeded counts; Pending while one waits; Running while one runs; once
  all stopped, a terminal pod is Succeeded iff all exited 0 else Failed, otherwise Always gives Running, all
  exited 0 Succeeded, Never Failed, OnFailure Running). The model decides from its own restart bookkeeping
  (`will_restart`) where upstream reads restartPolicy, so the claim assumes what the restart rules guarantee
  of every reachable state (`REACHABLE`; checked by `restart-decision-exact` and `restart-state-consistent`).
- `container-ready`: for containers with and without readiness and startup probes, `container_ready` equals
  prober_manager.go UpdatePodStatus restated: ready iff the container is reported running (running, postStart
  returned), started (the startup probe succeeded, or there is none) and readiness Success (or no readiness
  probe); assuming the stored `started` flag is upstream's (checked by `container-ready-exact`).
"""

from __future__ import annotations

from typing import Any

import z3

from invariants.smt.domains import Symbols, SymbolicEnum, bool_value
from invariants.smt.framework import ProofContext, Verdict, combine, proof
from kmodel.controllers import kubelet
from kmodel.decisions import kubelet as kubelet_decisions
from kmodel.objects import (
    ALWAYS,
    EXEC,
    FAILED,
    NEVER,
    ON_FAILURE,
    PENDING,
    POD_RUNNING,
    RUNNING,
    SUCCEEDED,
    TERMINATED,
    WAITING,
    Container,
    ContainerStatus,
    Hook,
    Pod,
    Probe,
    ProbeState,
)

__all__ = ["MAX_CONTAINERS", "STATES", "EXIT_CODES", "SymbolicStatus", "SymbolicContainer", "upstream_phase",
           "upstream_ready", "phase_obligation", "ready_obligation", "replay_phase", "replay_ready",
           "prove_pod_phase", "prove_container_ready"]

MAX_CONTAINERS = 3
STATES = (WAITING, RUNNING, TERMINATED)
EXIT_CODES = (None, 0, 1, kubelet.KILLED_EXIT_CODE)
"""The last exit code: none (never terminated), 0, and two non-zero ones (an exit, a kill). The decisions and
upstream only ask "none?" and "0?", so one non-zero code would be exact; two show that none is special."""
POLICIES = (ALWAYS, ON_FAILURE, NEVER)


class SymbolicStatus:
    """The status fields the phase and ready decisions read, as Z3 variables (`ContainerStatus` names)."""

    def __init__(self, name: str, symbols: Symbols) -> None:
        self.state = SymbolicEnum(f"{symbols.prefix}{name}.state", STATES)
        self.exit_code = SymbolicEnum(f"{symbols.prefix}{name}.exit_code", EXIT_CODES)
        self.post_start_pending = symbols.bool(f"{name}.post_start_pending")
        self.will_restart = symbols.bool(f"{name}.will_restart")
        self.started = symbols.bool(f"{name}.started")
        self.readiness = ProbeState(symbols.bool(f"{name}.readiness_success"))
        self.startup = ProbeState(symbols.bool(f"{name}.startup_success"))

    def probe(self, kind: str) -> ProbeState:
        return getattr(self, kind)

    def constraints(self) -> list[Any]:
        return self.state.constraints() + self.exit_code.constraints()


class SymbolicContainer:
    """A container whose spec is concrete (which probes and hooks it has) and whose status is symbolic."""

    def __init__(self, name: str, status: SymbolicStatus, readiness_probe: bool = False,
                 startup_probe: bool = False, post_start: bool = False) -> None:
        self.name = name
        self.status = status
        self.readiness_probe = Probe(handler=EXEC) if readiness_probe else None
        self.startup_probe = Probe(handler=EXEC) if startup_probe else None
        self.liveness_probe = None
        self.post_start = Hook() if post_start else None
        self.pre_stop = None

    def decode(self, model: z3.ModelRef) -> Container:
        s = self.status
        state, code = s.state.decode(model), s.exit_code.decode(model)
        psp = bool_value(model, s.post_start_pending)
        reason = {WAITING: "ContainerCreating" if code is None else kubelet.CRASH_LOOP_BACK_OFF, RUNNING: "",
                  TERMINATED: "Completed" if code == 0 else "Error"}[state]
        status = ContainerStatus(
            state=state, reason=reason, exit_code=code, started_at=0 if state == RUNNING else None,
            post_start_pending=psp, will_restart=bool_value(model, s.will_restart),
            started=bool_value(model, s.started),
            readiness=ProbeState(bool_value(model, s.readiness.result)),
            startup=ProbeState(True if bool_value(model, s.startup.result) else None),
            backoff_until=10 if state == WAITING and code is not None else None,
            backoff_seconds=10 if code is not None else 0)
        return Container(name=self.name, status=status, readiness_probe=self.readiness_probe,
                         startup_probe=self.startup_probe, post_start=Hook() if psp else self.post_start)


# --------------------------------------------------------------------------------------------------------------
# upstream, restated (one definition, run on Z3 terms for the claim and on Python values for the replay)


def _and(*xs: Any) -> Any:
    return z3.And(*xs) if any(isinstance(x, z3.ExprRef) for x in xs) else all(xs)


def _or(*xs: Any) -> Any:
    return z3.Or(*xs) if any(isinstance(x, z3.ExprRef) for x in xs) else any(xs)


def _not(x: Any) -> Any:
    return z3.Not(x) if isinstance(x, z3.ExprRef) else not x


def _if(c: Any, a: Any, b: Any) -> Any:
    if isinstance(c, z3.ExprRef):
        return z3.If(c, a, b)
    return a if c else b


def _count(xs: list[Any]) -> Any:
    if any(isinstance(x, z3.ExprRef) for x in xs):
        return z3.Sum(*[z3.If(x, 1, 0) for x in xs])
    return sum(1 for x in xs if x)


def _is(x: Any, value: Any) -> Any:
    return x.is_(value) if isinstance(x, SymbolicEnum) else x == value


def reported(status: Any) -> tuple[Any, Any, Any, Any]:
    """(waiting, running, stopped, succeeded) of one container as upstream's getPhase counts its reported state:
    waiting = no termination yet and not reported running (not started, or its first postStart hook still runs:
    the blocked pod worker has not reported it); running = State.Running; stopped = State.Terminated, or Waiting
    with a LastTerminationState; succeeded = State.Terminated with exit code 0."""
    never_terminated = _is(status.exit_code, None)
    is_running = _is(status.state, RUNNING)
    waiting = _and(never_terminated, _or(_not(is_running), status.post_start_pending))
    running = _and(_not(waiting), is_running)
    stopped = _and(_not(waiting), _not(is_running))
    succeeded = _and(stopped, _is(status.state, TERMINATED), _is(status.exit_code, 0))
    return waiting, running, stopped, succeeded


def upstream_phase(policy: Any, terminating: Any, statuses: list[Any]) -> Any:
    """kubelet_pods.go getPhase over regular containers (SEMANTICS 48, 8.6), every container known (unknown = 0),
    podIsTerminal = the pod is being deleted and its containers have all stopped."""
    counts = [reported(s) for s in statuses]
    waiting, running, stopped, succeeded = (_count([c[i] for c in counts]) for i in range(4))
    n = len(statuses)
    terminal = _and(terminating, stopped == n)
    all_stopped = _if(terminal, _if(succeeded == n, SUCCEEDED, FAILED),
                      _if(_is(policy, ALWAYS), POD_RUNNING,
                          _if(stopped == succeeded, SUCCEEDED,
                              _if(_is(policy, NEVER), FAILED, POD_RUNNING))))
    return _if(waiting > 0, PENDING,
               _if(running > 0, POD_RUNNING,
                   _if(stopped == n, all_stopped, PENDING)))


def _restart_allowed(policy: Any, status: Any) -> Any:
    """SEMANTICS 50 with 8.7: Always every termination, OnFailure a non-zero one (kills exit non-zero)."""
    return _or(_is(policy, ALWAYS), _and(_is(policy, ON_FAILURE), _not(_is(status.exit_code, 0))))


def reachable(policy: Any, terminating: Any, status: Any) -> list[Any]:
    """What the kubelet's writes guarantee of every reachable container status (checked in every state by
    `restart-state-consistent` and at every termination by `restart-decision-exact`): postStart runs only in a
    running container; a terminated one has an exit code; a restart is pending only for a container that
    terminated and is not running, never in a pod being deleted, and in a pod not being deleted exactly as the
    policy allows for its exit; a container waiting after a termination (CrashLoopBackOff) waits to restart."""
    is_running = _is(status.state, RUNNING)
    has_code = _not(_is(status.exit_code, None))
    return [
        z3.Implies(status.post_start_pending, is_running),
        z3.Implies(_is(status.state, TERMINATED), has_code),
        z3.Implies(status.will_restart, _and(_not(is_running), has_code, _not(terminating))),
        z3.Implies(_and(_not(terminating), _not(is_running), has_code),
                   status.will_restart == _restart_allowed(policy, status)),
        z3.Implies(_and(_not(terminating), _is(status.state, WAITING), has_code), status.will_restart),
    ]


REACHABLE = reachable.__doc__


def upstream_ready(container: Any, reported_started: bool = False) -> Any:
    """prober_manager.go UpdatePodStatus (SEMANTICS 46, 47, 52, 8.9): started = reported running and the startup
    probe's result Success, or no startup probe; ready = reported running, started and the readiness result
    Success, or no readiness probe. Reported running: state running and the postStart hook returned. With
    `reported_started`, started is the status's `started` field (what UpdatePodStatus reported) instead."""
    s = container.status
    reported_running = _and(_is(s.state, RUNNING), _not(s.post_start_pending))
    started = s.started if reported_started else upstream_started(container)
    return _and(reported_running, started,
                True if container.readiness_probe is None else _is(s.readiness.result, True))


def upstream_started(container: Any) -> Any:
    s = container.status
    return _and(_is(s.state, RUNNING), _not(s.post_start_pending),
                True if container.startup_probe is None else _is(s.startup.result, True))


# --------------------------------------------------------------------------------------------------------------
# Replays through the kubelet's concrete status writes


def _pod(containers: tuple[Container, ...], policy: str, terminating: bool) -> Pod:
    return Pod(name="status", uid="uid-000001", node_name="n1", containers=containers, phase=PENDING,
               restart_policy=policy, deletion_timestamp=0 if terminating else None)


def replay_phase(w: dict[str, Any]) -> str:
    """The phase the kubelet's `pod_status` writes for the witness pod."""
    pod = _pod(tuple(w["containers"]), w["restart_policy"], w["terminating"])
    return kubelet.pod_status(pod, clock=1).phase


def replay_ready(container: Container) -> bool:
    """The ready flag the kubelet's status write (`_with_ready`) gives the witness container."""
    import attrs

    stale = attrs.evolve(container, status=attrs.evolve(container.status, ready=not upstream_ready(container)))
    return bool(kubelet._with_ready(stale).status.ready)


# --------------------------------------------------------------------------------------------------------------
# Obligations


def phase_obligation(ctx: ProofContext, n: int) -> Verdict:
    """`containers_phase` = `upstream_phase` for every pod of n containers whose statuses are reachable."""
    sym = Symbols(f"phase{n}.")
    policy = SymbolicEnum(f"phase{n}.policy", POLICIES)
    terminating = sym.bool("terminating")
    containers = [SymbolicContainer(f"c{i}", SymbolicStatus(f"c{i}", sym)) for i in range(n)]
    assumptions = list(sym.constraints) + policy.constraints()
    for c in containers:
        assumptions += c.status.constraints() + reachable(policy, terminating, c.status)
    phase = kubelet_decisions.containers_phase(tuple(containers))
    want = upstream_phase(policy, terminating, [c.status for c in containers])
    claim = phase == want

    def decode(model: z3.ModelRef) -> dict[str, Any]:
        w = {"restart_policy": policy.decode(model), "terminating": bool_value(model, terminating),
             "containers": [c.decode(model) for c in containers]}
        w["expected_phase"] = upstream_phase(w["restart_policy"], w["terminating"],
                                             [c.status for c in w["containers"]])
        return w

    def replay(w: dict[str, Any]) -> bool:
        return replay_phase(w) != w["expected_phase"]

    return ctx.check(claim, assumptions=assumptions, decode=decode, replay=replay,
                     what=f"pods of {n} container{'s' if n > 1 else ''}")


def ready_obligation(ctx: ProofContext, readiness_probe: bool, startup_probe: bool, from_startup: bool) -> Verdict:
    """`container_ready` = `upstream_ready` for one container with or without each probe (and with a postStart
    hook, so that postStart may be pending). With `from_startup`, started is upstream's (from the startup probe's
    result), assumed of the stored flag; without it, the stored `started` flag is anything and the claim reads it
    as upstream's reported `Started` (`upstream_ready(..., reported_started=True)`), so a ready container is
    running with its postStart hook returned whatever the flag says."""
    tag = f"ready.{'r' if readiness_probe else '-'}{'s' if startup_probe else '-'}{'u' if from_startup else 'f'}."
    sym = Symbols(tag)
    c = SymbolicContainer("app", SymbolicStatus("app", sym), readiness_probe=readiness_probe,
                          startup_probe=startup_probe, post_start=True)
    s = c.status
    assumptions = list(sym.constraints) + s.constraints() + [z3.Implies(s.post_start_pending, s.state.is_(RUNNING))]
    if from_startup:
        assumptions.append(s.started == upstream_started(c))
    claim = kubelet.container_ready(c) == upstream_ready(c, reported_started=not from_startup)

    def decode(model: z3.ModelRef) -> dict[str, Any]:
        container = c.decode(model)
        return {"container": container,
                "expected_ready": bool(upstream_ready(container, reported_started=not from_startup))}

    def replay(w: dict[str, Any]) -> bool:
        return replay_ready(w["container"]) != w["expected_ready"]

    probes = [p for p, has in (("readiness", readiness_probe), ("startup", startup_probe)) if has]
    return ctx.check(claim, assumptions=assumptions, decode=decode, replay=replay,
                     what=(f"a container with {' and '.join(probes) or 'no'} probe{'s' if len(probes) > 1 else ''}"
                           f", started {'from the startup probe' if from_startup else 'as reported'}"))


@proof("pod-phase-get-phase", rules=("48", "50", "8.6"), invariants=("pod-phase-follows-containers",))
def prove_pod_phase(ctx: ProofContext) -> Verdict:
    """The pod phase is upstream's getPhase of its containers, for pods of 1 to 3 containers, every restart
    policy, deleted or not, in every reachable container state."""
    return combine(v() for v in [lambda n=n: phase_obligation(ctx, n) for n in range(1, MAX_CONTAINERS + 1)])


@proof("container-ready", rules=("46", "47", "52", "8.9"),
       invariants=("container-ready-exact", "ready-only-after-post-start"))
def prove_container_ready(ctx: ProofContext) -> Verdict:
    """A container is ready iff it is reported running (postStart returned), started (startup probe passed, or
    none) and its readiness probe succeeds (or it has none), with and without each probe."""
    return combine(v() for v in [lambda r=r, s=s, u=u: ready_obligation(ctx, r, s, u)
                                 for u in (False, True) for r in (False, True) for s in (False, True)])
