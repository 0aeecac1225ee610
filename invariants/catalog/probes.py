"""Probes and restarts: liveness failures restart only when the restart policy allows, readiness failures never
restart, and a pod is Ready exactly when all its containers are (SEED 8, SEMANTICS 46 to 51)."""

from __future__ import annotations

import attrs

from invariants.catalog.shared import changed_pods, for_events, per_pair, pod_fact, some_pod
from invariants.registry import ALWAYS, SOMETIMES, STABLE, TRANSITION, Violation, any_container, invariant

NEVER, ON_FAILURE = "Never", "OnFailure"


def _restartable(cluster) -> bool:
    """Some pod or template has a restart policy other than Never."""
    return any(p.restart_policy != NEVER for p in cluster.pods.values()) or \
        any(c.template.restart_policy != NEVER for c in cluster.controllers.values())


@invariant("restart-follows-policy", kind=TRANSITION, rules=("49", "50", "8.7"), witness="sometimes-container-restarted")
def restart_follows_policy(before, event, after):
    """A container restarts only when its pod's restartPolicy allows it: never under Never; under OnFailure only
    after a non-zero exit (a kill by the kubelet, liveness included, exits non-zero); and never once the pod is
    being deleted."""
    # Only a pod the step rewrote can have restarted a container (`changed_pods`, remembered for the step).
    for _, old, pod in changed_pods(before, after):
        for c in pod.containers:
            if c.status.restart_count > old.container(c.name).status.restart_count:
                return _restarts_against_policy(before, after)
    return ()


def _restarts_against_policy(before, after):
    """The violations of `restart-follows-policy`, in the order of `after.pods`."""
    for name, old, pod in changed_pods(before, after):
        for c in pod.containers:
            prev = old.container(c.name)
            if c.status.restart_count <= prev.status.restart_count:
                continue
            where = (f"Pod/{name}",)
            if pod.restart_policy == NEVER:
                yield Violation("restart-follows-policy", f"container {name}/{c.name} restarted under "
                                "restartPolicy Never", where)
            elif pod.restart_policy == ON_FAILURE and prev.status.exit_code == 0:
                yield Violation("restart-follows-policy", f"container {name}/{c.name} restarted under OnFailure "
                                "after exiting 0", where)
            if old.terminating:
                yield Violation("restart-follows-policy", f"container {name}/{c.name} restarted while its pod "
                                "is being deleted", where)


@invariant("readiness-never-restarts", kind=TRANSITION, rules=("49", "SEED 8"), witness="sometimes-pod-not-ready")
@for_events(prefix="ReadinessProbe")
def readiness_never_restarts(before, event, after):
    """A readiness probe result never kills or restarts a container; it only changes readiness."""
    pod_b, pod_a = before.pods[event.pod], after.pods[event.pod]
    b, a = pod_b.container(event.container).status, pod_a.container(event.container).status
    if (a.state, a.restart_count, a.stopping) != (b.state, b.restart_count, b.stopping):
        yield Violation("readiness-never-restarts", f"a readiness result changed container {event.pod}/"
                        f"{event.container} from {b.state} to {a.state}{' (stopping)' if a.stopping else ''}",
                        (f"Pod/{event.pod}",))


@invariant("liveness-failure-kills", kind=TRANSITION, rules=("49", "SEED 8"), witness="sometimes-liveness-kill")
@for_events("LivenessProbeFails")
def liveness_failure_kills(before, event, after):
    """When liveness failures reach failureThreshold, the container is killed (then its restart policy applies)."""
    pod = after.pods[event.pod]
    c = pod.container(event.container)
    threshold = c.liveness_probe.failure_threshold
    if before.pods[event.pod].container(event.container).status.liveness.failures + 1 >= threshold:
        if not (c.status.stopping or c.status.state != "running"):
            yield Violation("liveness-failure-kills", f"{event.pod}/{event.container} failed liveness "
                            f"{threshold} times in a row and was not killed", (f"Pod/{event.pod}",))


def _ready_without_containers(pod) -> bool:
    """The pod is Ready, but not Running or some container is not ready."""
    return pod.ready and (pod.phase != "Running" or not all(c.status.ready for c in pod.containers))


_READY_WITHOUT_CONTAINERS = pod_fact(_ready_without_containers)


@invariant("pod-ready-implies-containers-ready", kind=ALWAYS, rules=("42", "48"), witness="sometimes-pod-not-ready")
def pod_ready_implies_containers_ready(cluster):
    """A pod is Ready only when every container is ready and the pod is Running (ContainersReady, SEMANTICS 48)."""
    if not some_pod(cluster, _READY_WITHOUT_CONTAINERS):
        return ()
    return _ready_violations(cluster)


def _ready_violations(cluster):
    """The violations of `pod-ready-implies-containers-ready`."""
    for pod in cluster.pods.values():
        if _ready_without_containers(pod):
            yield Violation("pod-ready-implies-containers-ready", f"pod {pod.name} is Ready but "
                            f"{[c.name for c in pod.containers if not c.status.ready] or pod.phase} is not",
                            (f"Pod/{pod.name}",))


@invariant("pod-ready-iff-containers-ready", kind=STABLE, rules=("42", "48"), witness="sometimes-pod-not-ready")
def pod_ready_iff_containers_ready(cluster):
    """At quiescence, on a Ready node, a Running pod is Ready iff all its containers are ready."""
    for pod in cluster.pods.values():
        node = cluster.nodes.get(pod.node_name) if pod.node_name else None
        if node is None or not node.ready or pod.phase != "Running":
            continue
        want = all(c.status.ready for c in pod.containers)
        if pod.ready != want:
            yield Violation("pod-ready-iff-containers-ready", f"pod {pod.name} Ready={pod.ready} but its "
                            f"containers are {'all' if want else 'not all'} ready", (f"Pod/{pod.name}",))


_NOT_READY_WITH_IP = pod_fact(lambda p: p.pod_ip is not None and not p.ready and not p.terminal)


@invariant("sometimes-pod-not-ready", kind=SOMETIMES, applies=lambda c: bool(c.pods or c.controllers))
def pod_not_ready(cluster):
    """Some pod runs on a node (it has an IP) but is not Ready."""
    return some_pod(cluster, _NOT_READY_WITH_IP)


_RESTARTED = pod_fact(lambda pod: any(c.status.restart_count > 0 for c in pod.containers))


@invariant("sometimes-container-restarted", kind=SOMETIMES, applies=_restartable)
def container_restarted(cluster):
    """Some container has restarted."""
    return some_pod(cluster, _RESTARTED)


def _killed_by_liveness(pod) -> bool:
    """Some container of the pod was killed for failing its liveness probe (its kill reason says so)."""
    for c in pod.containers:
        reason = c.status.kill_reason
        if reason is not None and reason.lower().startswith("liveness"):
            return True
    return False


_KILLED_BY_LIVENESS = pod_fact(_killed_by_liveness)


@invariant("sometimes-liveness-kill", kind=SOMETIMES, applies=any_container(lambda c: c.liveness_probe is not None))
def liveness_kill(cluster):
    """Some container was killed for failing its liveness probe (being stopped, or stopped since and not yet
    restarted)."""
    return some_pod(cluster, _KILLED_BY_LIVENESS)


_CRASH_LOOPING = pod_fact(lambda pod: any(c.status.reason == "CrashLoopBackOff" for c in pod.containers))


@invariant("sometimes-crash-loop-back-off", kind=SOMETIMES, applies=_restartable)
def crash_loop(cluster):
    """Some container waits in CrashLoopBackOff."""
    return some_pod(cluster, _CRASH_LOOPING)


_TERMINAL = pod_fact(lambda pod: pod.terminal)


@invariant("sometimes-terminated-for-good", kind=SOMETIMES, applies=lambda c: bool(c.pods or c.controllers),
           reached_by=("DeletePod",))
def terminated_for_good(cluster):
    """Some pod has reached Succeeded or Failed: its containers exited under restartPolicy Never or OnFailure
    (SEMANTICS 50), or a graceful delete killed them (Failed, SEMANTICS 48, 54)."""
    return some_pod(cluster, _TERMINAL)


# --------------------------------------------------------------------------------------------------------------
# Two-sided oracles for the kubelet's probe, restart, back-off and phase decisions (issue 18, item 3).
#
# Each rule below restates its SEMANTICS rule from the upstream source it cites, with upstream's constants, and
# never calls the kubelet's decision functions (`probe_step`, `should_restart`, `backoff_step`, `container_ready`,
# `containers_phase`): a rule that called the code it checks could not catch that code's bugs. Together they are
# inductive: a container starts with fresh probe workers (`start-resets-container`), every raw result moves the
# streaks and the acted-on result exactly as prober/worker.go does (the `*-at-threshold` rules), every
# termination decides the restart and the back-off exactly (`restart-decision-exact`, `back-off-exact`), and every
# start happens only when due (`start-only-when-due`); so the recorded streaks and back-off entries are the ones
# upstream would hold, and every decision taken from them is checked against the restatement.

from kmodel.objects import ContainerStatus  # noqa: E402
from kmodel.records import compile_replace  # noqa: E402
from kmodel.memo import Memo  # noqa: E402
from kmodel.objects import (ALWAYS as ALWAYS_POLICY, FAILED, PENDING, POD_RUNNING, RUNNING, SUCCEEDED,  # noqa: E402
                            TERMINATED, WAITING)

# SEMANTICS 51, 8.8 (pkg/kubelet/kubelet.go backOffPeriod, MaxContainerBackOff; the 600 s reset): restated.
BACKOFF_INITIAL = 10
BACKOFF_MAX = 300
BACKOFF_RESET_AFTER = 600
BACKOFF_ENTRIES = frozenset((0, 10, 20, 40, 80, 160, 300))
CRASH_LOOP = "CrashLoopBackOff"
# The kill reasons the model records (ContainerStatus.kill_reason) for the probe kills (SEMANTICS 49, 8.7).
LIVENESS_REASON, STARTUP_REASON = "LivenessProbeFailed", "StartupProbeFailed"
# The fields of a kill's preStop and grace bookkeeping, which the hook rules check (SEMANTICS 53, 8.10).
_KILL_FIELDS = ("pre_stop_pending", "pre_stop_ran", "stop_deadline")

_PROBE_EVENTS = {
    "LivenessProbeSucceeds": ("liveness", True), "LivenessProbeFails": ("liveness", False),
    "ReadinessProbeSucceeds": ("readiness", True), "ReadinessProbeFails": ("readiness", False),
    "StartupProbeSucceeds": ("startup", True), "StartupProbeFails": ("startup", False),
}


def _streak_after(state, success: bool, probe):
    """(result, successes, failures) after one raw result, restated from prober/worker.go doProbe (SEMANTICS 46):
    a result equal to the last one lengthens the run, another starts a run of 1; the acted-on result is set only
    once the run reaches successThreshold (success) or failureThreshold (failure), and otherwise keeps its
    value. The model keeps the run as two streaks saturating at their threshold (`ProbeState`)."""
    if success:
        run = state.successes + 1
        result = True if run >= probe.success_threshold else state.result
        return result, min(run, probe.success_threshold), 0
    run = state.failures + 1
    result = False if run >= probe.failure_threshold else state.result
    return result, 0, min(run, probe.failure_threshold)


def _ready_expected(container, status) -> bool:
    """ContainerStatus.ready restated (prober_manager.go UpdatePodStatus, SEMANTICS 46, 47, 52, 8.9): running, its
    postStart hook returned, started (startup probe passed, or none), and readiness Success or no readiness
    probe."""
    return (status.state == RUNNING and not status.post_start_pending and status.started
            and (container.readiness_probe is None or status.readiness.result is True))


def _started_expected(container, status) -> bool:
    """ContainerStatus.started restated (prober_manager.go UpdatePodStatus): running, postStart returned, and the
    startup probe passed or there is none."""
    return (status.state == RUNNING and not status.post_start_pending
            and (container.startup_probe is None or status.startup.result is True))


_replace_status = compile_replace(ContainerStatus)
_PROBE_STEPS = Memo("rules-probe-steps", 4_096)  # (container before, after, event class) -> what is wrong, or None


def _probe_step_violations(rule: str, before, event, after):
    """The shared check of one probe result (`_probe_step_wrong`), remembered per pair of container objects
    (the kubelet answers one event on one pod object with one shared pod object, in every state that holds it)."""
    c_b = before.pods[event.pod].container(event.container)
    c_a = after.pods[event.pod].container(event.container)
    cls = type(event)
    hit = _PROBE_STEPS.get((id(c_b), id(c_a)))
    if hit is not None and hit[0] is c_b and hit[1] is c_a and hit[2] is cls:
        wrong = hit[3]
    else:
        wrong = per_pair(_PROBE_STEPS, c_b, c_a, lambda b, a: _probe_step_wrong(cls.__name__, b, a), also=cls)
    if wrong is not None:
        yield Violation(rule, f"{event.pod}/{event.container}: {wrong}", (f"Pod/{event.pod}",))


def _probe_step_wrong(event_name: str, c_b, c_a) -> str | None:
    """What is wrong with one probe result's step of a container, or None: the streaks and acted-on result
    exact, the container killed exactly when a liveness or startup result becomes Failure (and never
    otherwise), started set by a startup Success, readiness recomputed, and nothing else of the status changed
    (a kill's preStop and grace fields are the hook rules')."""
    kind, success = _PROBE_EVENTS[event_name]
    b, a = c_b.status, c_a.status
    probe = c_b.probe(kind)
    result, successes, failures = _streak_after(b.probe(kind), success, probe)
    got = a.probe(kind)
    if (got.result, got.successes, got.failures) != (result, successes, failures):
        return (f"a raw {kind} {'success' if success else 'failure'} after {b.probe(kind)} (successThreshold "
                f"{probe.success_threshold}, failureThreshold {probe.failure_threshold}) gave {got}, not "
                f"result={result} successes={successes} failures={failures}")
    kill = kind != "readiness" and result is False  # the worker acted on Failure: the kubelet kills (SEMANTICS 49)
    changes: dict = {kind: got}
    if kill:
        changes.update(stopping=True, kill_reason=LIVENESS_REASON if kind == "liveness" else STARTUP_REASON)
        changes.update({f: getattr(a, f) for f in _KILL_FIELDS})
    if kind == "startup" and result is True:
        changes["started"] = True
    want = _replace_status(b, **changes)
    want = _replace_status(want, ready=_ready_expected(c_b, want))
    if a == want:
        return None
    if kill and not a.stopping:
        return (f"{kind} failed {failures} times in a row (failureThreshold {probe.failure_threshold}) and the "
                "container was not killed")
    if a.stopping and not b.stopping and not kill:
        return (f"killed after {b.probe(kind).failures + 1} consecutive {kind} failures, below failureThreshold "
                f"{probe.failure_threshold}" if not success else f"killed on a {kind} success")
    diff = {f.name: (getattr(b, f.name), getattr(a, f.name)) for f in attrs.fields(type(a))
            if getattr(a, f.name) != getattr(want, f.name)}
    return f"the status after a {kind} result differs from upstream's in {diff} (before, after)"


@invariant("liveness-kill-at-threshold", kind=TRANSITION, rules=("46", "49", "8.5", "8.7"),
           witness="sometimes-liveness-kill-after-streak")
@for_events("LivenessProbeSucceeds", "LivenessProbeFails")
def liveness_kill_at_threshold(before, event, after):
    """A liveness result moves the failure streak as prober/worker.go does (a success resets it) and the kubelet
    kills the container exactly when failureThreshold consecutive failures are reached: never with fewer, never
    on a success, always at the threshold (reason LivenessProbeFailed); nothing else changes."""
    return _probe_step_violations("liveness-kill-at-threshold", before, event, after)


@invariant("startup-kill-at-threshold", kind=TRANSITION, rules=("46", "49", "8.5", "8.7"),
           witness="sometimes-startup-probe-failing")
@for_events("StartupProbeSucceeds", "StartupProbeFails")
def startup_kill_at_threshold(before, event, after):
    """A startup result moves its streaks as prober/worker.go does; successThreshold successes mark the
    container started (and ready without a readiness probe), failureThreshold consecutive failures kill it
    (reason StartupProbeFailed), and nothing happens before either threshold."""
    return _probe_step_violations("startup-kill-at-threshold", before, event, after)


@invariant("readiness-flips-at-threshold", kind=TRANSITION, rules=("46", "47", "49"),
           witness="sometimes-ready-after-success-streak")
@for_events("ReadinessProbeSucceeds", "ReadinessProbeFails")
def readiness_flips_at_threshold(before, event, after):
    """A container becomes ready exactly when successThreshold consecutive readiness successes are reached
    (never earlier) and not ready exactly when failureThreshold consecutive failures are (never earlier); a
    readiness result changes nothing else (no kill, no restart)."""
    return _probe_step_violations("readiness-flips-at-threshold", before, event, after)


@invariant("start-resets-container", kind=TRANSITION, rules=("46", "47", "52", "8.9"),
           witness="sometimes-container-restarted")
@for_events("KubeletStartContainer")
def start_resets_container(before, event, after):
    """A (re)start is a new container: running from now, the restart counted iff it ran before, fresh probe
    workers (readiness Failure, liveness Success, startup Unknown, empty streaks), no kill under way, reported
    (started, ready) only without a postStart hook and as the probes allow; the back-off entry and the last
    exit code are kept."""
    c_b = before.pods[event.pod].container(event.container)
    a = after.pods[event.pod].container(event.container).status
    b = c_b.status
    pending = c_b.post_start is not None
    want = attrs.evolve(b, state=RUNNING, reason=a.reason, started_at=before.clock,
                        restart_count=b.restart_count + (0 if b.exit_code is None else 1),
                        post_start_pending=pending, started=not pending and c_b.startup_probe is None,
                        stopping=False, pre_stop_pending=False, pre_stop_ran=False, kill_reason=None,
                        stop_deadline=None, backoff_until=None, will_restart=False,
                        liveness=attrs.evolve(b.liveness, result=True, successes=0, failures=0),
                        readiness=attrs.evolve(b.readiness, result=False, successes=0, failures=0),
                        startup=attrs.evolve(b.startup, result=None, successes=0, failures=0))
    want = attrs.evolve(want, ready=_ready_expected(c_b, want))
    if a != want:
        diff = {f.name: (getattr(want, f.name), getattr(a, f.name)) for f in attrs.fields(type(a))
                if getattr(a, f.name) != getattr(want, f.name)}
        yield Violation("start-resets-container", f"starting {event.pod}/{event.container} left its status "
                        f"differing from a fresh container's in {diff} (expected, got)", (f"Pod/{event.pod}",))


@invariant("start-only-when-due", kind=TRANSITION, rules=("50", "51", "8.7", "8.8"),
           witness="sometimes-crash-loop-back-off")
@for_events("KubeletStartContainer")
def start_only_when_due(before, event, after):
    """The kubelet starts a container only when it never ran or its restart was decided, never in a pod being
    deleted, and never before its CrashLoopBackOff delay has expired (kuberuntime_manager.go doBackOff)."""
    pod = before.pods[event.pod]
    s = pod.container(event.container).status
    where = (f"Pod/{event.pod}",)
    if pod.terminating:
        yield Violation("start-only-when-due", f"{event.pod}/{event.container} was started in a pod being deleted",
                        where)
    if not ((s.state == WAITING and s.exit_code is None) or (s.state != RUNNING and s.will_restart)):
        yield Violation("start-only-when-due", f"{event.pod}/{event.container} was started though it is {s.state} "
                        "and no restart was decided", where)
    if s.backoff_until is not None and before.clock < s.backoff_until:
        yield Violation("start-only-when-due", f"{event.pod}/{event.container} was restarted at {before.clock}, "
                        f"before its back-off expires at {s.backoff_until}", where)


def _terminated(before, event, after):
    """(pod before, container before, status after, exit code, killed by a probe) of a termination step."""
    pod = before.pods[event.pod]
    c = pod.container(event.container)
    a = after.pods[event.pod].container(event.container).status
    if type(event).__name__ == "ContainerExits":
        return pod, c, a, event.exit_code, False
    return pod, c, a, a.exit_code, c.status.kill_reason in (LIVENESS_REASON, STARTUP_REASON)


def _restart_expected(pod, exit_code, killed_by_probe) -> bool:
    """Whether a terminated container is restarted, restated from SEMANTICS 49, 50, 8.7 (kuberuntime_manager.go
    computePodActions, container/helpers.go ShouldContainerBeRestarted): never once the pod is being deleted;
    Always restarts every termination; OnFailure a non-zero exit, and a liveness or startup kill whatever its
    exit code; Never none."""
    if pod.terminating:
        return False
    if pod.restart_policy == ALWAYS_POLICY:
        return True
    return pod.restart_policy == ON_FAILURE and (exit_code != 0 or killed_by_probe)


@invariant("restart-decision-exact", kind=TRANSITION, rules=("49", "50", "8.7"), witness="sometimes-exit-0-stays-down")
@for_events("ContainerExits", "KubeletStopContainer")
def restart_decision_exact(before, event, after):
    """When a container terminates (exits by itself, or a kill completes), a restart is decided exactly as
    restartPolicy and the exit code say (both ways: no restart the policy forbids, no restart the policy asks
    for left out; a restart under Never is left to `restart-follows-policy`, when it happens), the exit code is
    recorded (non-zero for a kill), and the container is no longer running, started, ready or being stopped."""
    pod, c, a, code, by_probe = _terminated(before, event, after)
    where = (f"Pod/{event.pod}",)
    name = f"{event.pod}/{event.container}"
    if type(event).__name__ == "ContainerExits" and a.exit_code != code:
        yield Violation("restart-decision-exact", f"{name} exited {code} but its status says {a.exit_code}", where)
    if code == 0 and type(event).__name__ != "ContainerExits":
        yield Violation("restart-decision-exact", f"a kill of {name} ended with exit code 0", where)
    want = _restart_expected(pod, code, by_probe)
    # A restart decided under Never is reported where it takes effect, by `restart-follows-policy` and
    # `restart-state-consistent` (a restart count under Never): the rule that has always named that bug.
    if a.will_restart != want and not (a.will_restart and pod.restart_policy == NEVER):
        why = (f"restartPolicy {pod.restart_policy}, exit code {code}"
               + (", killed by a probe" if by_probe else "") + (", pod being deleted" if pod.terminating else ""))
        yield Violation("restart-decision-exact", f"{name} terminated ({why}) and was "
                        f"{'' if a.will_restart else 'not '}set to restart", where)
    if a.state == RUNNING or a.started or a.ready or a.stopping or a.pre_stop_pending \
            or a.restart_count != c.status.restart_count:
        yield Violation("restart-decision-exact", f"{name} terminated but its status is {a.state}, started "
                        f"{a.started}, ready {a.ready}, stopping {a.stopping}, restarts {c.status.restart_count} -> "
                        f"{a.restart_count}", where)


def _backoff_expected(entry: int, ran_for: int) -> tuple[int, int]:
    """(delay, new entry), restated from client-go flowcontrol.Backoff Next/IsInBackOffSince as the kubelet
    uses it (SEMANTICS 51, 8.8): with no entry or after more than 600 s of running the restart is immediate and
    the entry starts at 10 s; otherwise the restart waits the entry, which doubles up to 300 s."""
    if entry == 0 or ran_for > BACKOFF_RESET_AFTER:
        return 0, BACKOFF_INITIAL
    return entry, min(2 * entry, BACKOFF_MAX)


@invariant("back-off-exact", kind=TRANSITION, rules=("51", "8.8"), witness="sometimes-crash-loop-back-off")
@for_events("ContainerExits", "KubeletStopContainer")
def back_off_exact(before, event, after):
    """A restart after a termination waits exactly upstream's CrashLoopBackOff delay (0, 10, 20, 40, ... 300 s,
    reset after 600 s of running), recorded as the back-off entry and, when the delay is positive, as Waiting
    CrashLoopBackOff until clock + delay; a termination for good leaves the entry alone and sets no delay."""
    pod, c, a, code, by_probe = _terminated(before, event, after)
    b = c.status
    name = f"{event.pod}/{event.container}"
    where = (f"Pod/{event.pod}",)
    if not a.will_restart:
        if a.state != TERMINATED or a.backoff_until is not None or a.backoff_seconds != b.backoff_seconds:
            yield Violation("back-off-exact", f"{name} terminated for good but is {a.state} with back-off "
                            f"{b.backoff_seconds} -> {a.backoff_seconds} s until {a.backoff_until}", where)
        return
    ran_for = before.clock - (b.started_at if b.started_at is not None else before.clock)
    delay, entry = _backoff_expected(b.backoff_seconds, ran_for)
    until = before.clock + delay if delay else None
    state, reason = (WAITING, CRASH_LOOP) if delay else (TERMINATED, a.reason)
    if (a.backoff_seconds, a.backoff_until, a.state, a.reason) != (entry, until, state, reason):
        yield Violation("back-off-exact", f"{name} crashed after running {ran_for} s with back-off entry "
                        f"{b.backoff_seconds} s: expected a {delay} s delay (entry {entry} s, "
                        f"{state}{' ' + CRASH_LOOP if delay else ''} until {until}), got entry {a.backoff_seconds} s, "
                        f"{a.state} {a.reason} until {a.backoff_until}", where)


def _restart_state_wrong(pod) -> str | None:
    """Why the pod's restart bookkeeping is impossible, or None (see `restart-state-consistent`)."""
    for c in pod.containers:
        s = c.status
        if s.will_restart and (pod.terminating or s.state == RUNNING):
            return f"{c.name} waits to restart while {'the pod is being deleted' if pod.terminating else s.state}"
        if pod.restart_policy == NEVER and s.restart_count:
            return f"{c.name} restarted {s.restart_count} times under restartPolicy Never"
        if s.backoff_until is not None and not s.will_restart or not pod.terminating and \
                (s.reason == CRASH_LOOP) != (s.state == WAITING and s.backoff_until is not None):
            return f"{c.name} is {s.state} {s.reason} with back-off until {s.backoff_until}"
        if s.backoff_seconds not in BACKOFF_ENTRIES:
            return f"{c.name} has back-off entry {s.backoff_seconds} s, not one of 0, 10, 20, ... 300"
    return None


_RESTART_STATE_WRONG = pod_fact(lambda pod: _restart_state_wrong(pod) is not None)


@invariant("restart-state-consistent", kind=ALWAYS, rules=("49", "50", "51", "8.8"),
           witness="sometimes-crash-loop-back-off")
def restart_state_consistent(cluster):
    """In every state: no restart is pending in a pod being deleted or for a running container; a container
    under Never has never restarted; CrashLoopBackOff is exactly a waiting container with a back-off
    deadline and a decided restart; every back-off entry is one of upstream's values (0, 10, 20, ... 300 s)."""
    if not some_pod(cluster, _RESTART_STATE_WRONG):
        return
    for pod in cluster.pods.values():
        why = _restart_state_wrong(pod)
        if why is not None:
            yield Violation("restart-state-consistent", f"pod {pod.name}: {why}", (f"Pod/{pod.name}",))


def _ready_wrong(pod) -> bool:
    return any(c.status.ready != _ready_expected(c, c.status) or c.status.started != _started_expected(c, c.status)
               for c in pod.containers)


_READY_WRONG = pod_fact(_ready_wrong)


@invariant("container-ready-exact", kind=ALWAYS, rules=("46", "47", "52", "8.9"), witness="sometimes-pod-not-ready")
def container_ready_exact(cluster):
    """In every state, each container's started and ready flags are upstream's (prober_manager.go
    UpdatePodStatus): started iff running, postStart returned and the startup probe passed (or none); ready iff
    started and readiness Success (or no readiness probe)."""
    if not some_pod(cluster, _READY_WRONG):
        return
    for pod in cluster.pods.values():
        for c in pod.containers:
            s = c.status
            if s.ready != _ready_expected(c, s) or s.started != _started_expected(c, s):
                yield Violation("container-ready-exact", f"{pod.name}/{c.name} is {s.state} (postStart pending "
                                f"{s.post_start_pending}, startup {s.startup.result}, readiness {s.readiness.result})"
                                f" but reports started={s.started} ready={s.ready}", (f"Pod/{pod.name}",))


def _phase_expected(pod) -> str:
    """upstream's getPhase (kubelet_pods.go; SEMANTICS 48, 8.6) over regular containers, restated: a container
    is waiting when it has never run (a first start whose postStart hook has not returned included: the blocked
    pod worker has not reported it), running when it runs, stopped when terminated or waiting after a termination.
    Pending if some container waits; Running if some runs; once all stopped: if the pod is terminal (being
    deleted, all stopped) Succeeded iff all exited 0, else Failed; otherwise Always gives Running, all exited 0
    Succeeded, Never Failed, and OnFailure Running (restarting). A stopped container whose restart was decided
    counts as restarting (Running) under any policy: the decision itself is the restart rules' to check
    (`restart-decision-exact`, `restart-follows-policy`), so each such bug is named by the rule about it."""
    waiting = running = stopped = succeeded = restarting = 0
    for c in pod.containers:
        s = c.status
        if s.exit_code is None and (s.state != RUNNING or s.post_start_pending):
            waiting += 1
        elif s.state == RUNNING:
            running += 1
        else:
            stopped += 1
            succeeded += s.state == TERMINATED and s.exit_code == 0
            restarting += s.will_restart
    if waiting or not pod.containers:
        return PENDING
    if running or restarting:
        return POD_RUNNING
    if pod.terminating:
        return SUCCEEDED if stopped == succeeded else FAILED
    if pod.restart_policy == ALWAYS_POLICY:
        return POD_RUNNING
    if stopped == succeeded:
        return SUCCEEDED
    return FAILED if pod.restart_policy == NEVER else POD_RUNNING


# The kubelet's pod writes: each recomputes phase and Ready from the containers in the same step (kubelet.py).
KUBELET_WRITES = ("KubeletStartContainer", "KubeletStopContainer", "KubeletSyncPodStatus", "ContainerExits",
                  "PostStartHookSucceeds", "PostStartHookFails", "PreStopHookCompletes", "PreStopHookFails",
                  *_PROBE_EVENTS)


@invariant("pod-phase-follows-containers", kind=TRANSITION, rules=("42", "48", "8.6"),
           witness="sometimes-terminated-for-good")
@for_events(*KUBELET_WRITES)
def pod_phase_follows_containers(before, event, after):
    """After every kubelet status write, the pod phase is upstream's getPhase of its containers (Pending,
    Running, Succeeded, Failed, restated) and Ready is phase Running with every container ready."""
    pod = after.pods.get(event.pod)
    if pod is None:
        return
    phase = _phase_expected(pod)
    ready = phase == POD_RUNNING and all(c.status.ready for c in pod.containers)
    if pod.phase != phase or pod.ready != ready or (pod.ready_since is None) == ready:
        yield Violation("pod-phase-follows-containers", f"pod {pod.name} is {pod.phase} Ready={pod.ready} (since "
                        f"{pod.ready_since}) after {type(event).__name__}; its containers "
                        f"{[(c.name, c.status.state, c.status.exit_code) for c in pod.containers]} give {phase} "
                        f"Ready={ready}", (f"Pod/{pod.name}",))


def _pods_in_place(cluster):
    """Bound pods not being deleted whose node exists and is Ready (their kubelet runs)."""
    for pod in cluster.pods.values():
        node = cluster.nodes.get(pod.node_name) if pod.node_name else None
        if node is not None and node.ready and not pod.terminating:
            yield pod


@invariant("restart-policy-at-quiescence", kind=STABLE, rules=("49", "50", "8.7"),
           witness="sometimes-container-restarted")
def restart_policy_at_quiescence(cluster):
    """At quiescence, on a Ready node, in a pod not being deleted: under Always every container runs (every
    exit was restarted, its back-off expired); under OnFailure every container runs or exited 0 and stays down;
    under Never every container runs or has terminated for good."""
    for pod in _pods_in_place(cluster):
        for c in pod.containers:
            s = c.status
            if s.state == RUNNING:
                continue
            down_ok = s.state == TERMINATED and not s.will_restart and (
                pod.restart_policy == NEVER or (pod.restart_policy == ON_FAILURE and s.exit_code == 0))
            if not down_ok:
                yield Violation("restart-policy-at-quiescence", f"at quiescence {pod.name}/{c.name} is {s.state} "
                                f"(exit code {s.exit_code}, restart pending {s.will_restart}) under restartPolicy "
                                f"{pod.restart_policy}", (f"Pod/{pod.name}",))


def _templates_or_pods(cluster, test) -> bool:
    """Some pod or controller template satisfies `test(restart_policy, grace, containers)`."""
    return any(test(p.restart_policy, p.termination_grace_period_seconds, p.containers)
               for p in cluster.pods.values()) or any(
        test(t.restart_policy, t.termination_grace_period_seconds, t.containers)
        for t in (ctl.template for ctl in cluster.controllers.values()))


def _streak_kill(pod, reason: str, probe_of) -> bool:
    for c in pod.containers:
        probe = probe_of(c)
        if c.status.kill_reason == reason and probe is not None and probe.failure_threshold > 1:
            return True
    return False


_LIVENESS_STREAK_KILL = pod_fact(lambda pod: _streak_kill(pod, LIVENESS_REASON, lambda c: c.liveness_probe))


@invariant("sometimes-liveness-kill-after-streak", kind=SOMETIMES,
           applies=any_container(lambda c: c.liveness_probe is not None and c.liveness_probe.failure_threshold > 1))
def liveness_kill_after_streak(cluster):
    """Some container with a liveness failureThreshold above 1 was killed for failing it (several failures in
    a row were seen before the kill)."""
    return some_pod(cluster, _LIVENESS_STREAK_KILL)


_STARTUP_FAILING = pod_fact(lambda pod: any(
    c.startup_probe is not None and (c.status.startup.failures > 0 or c.status.kill_reason == STARTUP_REASON)
    for c in pod.containers))


@invariant("sometimes-startup-probe-failing", kind=SOMETIMES,
           applies=any_container(lambda c: c.startup_probe is not None))
def startup_probe_failing(cluster):
    """Some container's startup probe has a failure streak (below its threshold, or at it: killed for it)."""
    return some_pod(cluster, _STARTUP_FAILING)


_READY_AFTER_STREAK = pod_fact(lambda pod: any(
    c.readiness_probe is not None and c.readiness_probe.success_threshold > 1 and c.status.ready
    for c in pod.containers))


@invariant("sometimes-ready-after-success-streak", kind=SOMETIMES,
           applies=any_container(lambda c: c.readiness_probe is not None and c.readiness_probe.success_threshold > 1))
def ready_after_success_streak(cluster):
    """Some container whose readiness successThreshold is above 1 is ready (it flipped after that many
    consecutive successes; readiness starts as Failure)."""
    return some_pod(cluster, _READY_AFTER_STREAK)


_EXIT_0_DOWN = pod_fact(lambda pod: pod.restart_policy == ON_FAILURE and not pod.terminating and any(
    c.status.state == TERMINATED and c.status.exit_code == 0 and not c.status.will_restart for c in pod.containers))


@invariant("sometimes-exit-0-stays-down", kind=SOMETIMES,
           applies=lambda cluster: _templates_or_pods(cluster, lambda policy, grace, cs: policy == ON_FAILURE))
def exit_0_stays_down(cluster):
    """Some container of an OnFailure pod (not being deleted) exited 0 and is terminated for good."""
    return some_pod(cluster, _EXIT_0_DOWN)



# --------------------------------------------------------------------------------------------------------------
# When a probe worker probes at all (SEMANTICS 46, 47, 52, 8.5, 8.9)

_PROBE_KIND_OF = {name: kind for name, (kind, _) in _PROBE_EVENTS.items()}
LIVENESS, READINESS, STARTUP = "liveness", "readiness", "startup"


def _not_probing_reason(pod, status, probe, kind: str) -> str | None:
    """Why no raw result of this probe can arrive now, or None when its worker probes: the container must be
    running with its postStart hook returned (the kubelet has not reported it before, SEMANTICS 52, 8.9);
    liveness and readiness probe only once the container is started, the startup probe only until then
    (SEMANTICS 47); liveness and startup stop once the container is being killed or the pod deleted (the worker
    holds after a kill; readiness goes on until the container stops). The initial delay (SEMANTICS 8.5) is
    `probe-waits-initial-delay`'s, with its own witness."""
    if probe is None:
        return "the container has no such probe"
    if status.state != RUNNING:
        return f"the container is {status.state}"
    if status.post_start_pending:
        return "its postStart hook has not returned"
    if kind == STARTUP and status.started:
        return "the container has already started"
    if kind != STARTUP and not status.started:
        return "the container has not started (its startup probe has not passed)"
    if kind != READINESS and (status.stopping or pod.terminating):
        return "the container is being killed"
    return None


@invariant("probes-only-while-probing", kind=TRANSITION, rules=("46", "47", "52", "8.5", "8.9"),
           witness="sometimes-post-start-pending")
@for_events(*_PROBE_EVENTS)
def probes_only_while_probing(before, event, after):
    """A probe result arrives only while its worker probes: the container running, its postStart hook returned,
    started (liveness, readiness) or not yet started (startup), not being killed (liveness, startup), and past
    the probe's initialDelaySeconds."""
    pod = before.pods[event.pod]
    c = pod.container(event.container)
    kind = _PROBE_KIND_OF[type(event).__name__]
    why = _not_probing_reason(pod, c.status, c.probe(kind), kind)
    if why is not None:
        return (Violation("probes-only-while-probing", f"a {kind} result reached {event.pod}/{event.container} "
                          f"although {why}", (f"Pod/{event.pod}",)),)
    return ()


@invariant("probe-waits-initial-delay", kind=TRANSITION, rules=("46", "8.5"),
           witness="sometimes-probe-in-initial-delay")
@for_events(*_PROBE_EVENTS)
def probe_waits_initial_delay(before, event, after):
    """No probe result arrives before initialDelaySeconds have passed since the container started."""
    pod = before.pods[event.pod]
    c = pod.container(event.container)
    kind = _PROBE_KIND_OF[type(event).__name__]
    probe, started_at = c.probe(kind), c.status.started_at
    if probe is not None and started_at is not None and before.clock < started_at + probe.initial_delay_seconds:
        return (Violation("probe-waits-initial-delay", f"a {kind} result reached {event.pod}/{event.container} at "
                          f"{before.clock} s, before its initialDelaySeconds {probe.initial_delay_seconds} since its "
                          f"start at {started_at} s", (f"Pod/{event.pod}",)),)
    return ()


_DELAYED_PROBE = pod_fact(lambda pod: any(
    c.status.state == RUNNING and not c.status.post_start_pending and c.status.started_at is not None
    and any(p is not None and p.initial_delay_seconds > 0
            for p in (c.liveness_probe, c.readiness_probe, c.startup_probe))
    for c in pod.containers))


def _in_initial_delay(cluster) -> bool:
    """Some running, reported container has a probe whose initialDelaySeconds have not passed yet."""
    if not some_pod(cluster, _DELAYED_PROBE):
        return False
    for pod in cluster.pods.values():
        for c in pod.containers:
            s = c.status
            if s.state != RUNNING or s.post_start_pending or s.started_at is None:
                continue
            for p in (c.liveness_probe, c.readiness_probe, c.startup_probe):
                if p is not None and cluster.clock < s.started_at + p.initial_delay_seconds:
                    return True
    return False


@invariant("sometimes-probe-in-initial-delay", kind=SOMETIMES,
           applies=any_container(lambda c: any(p is not None and p.initial_delay_seconds > 0
                                               for p in (c.liveness_probe, c.readiness_probe, c.startup_probe))))
def probe_in_initial_delay(cluster):
    """Some running container waits out a probe's initialDelaySeconds: the states in which
    `probe-waits-initial-delay` forbids results."""
    return _in_initial_delay(cluster)
