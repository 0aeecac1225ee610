"""The kubelet: containers, probes, lifecycle hooks, restarts and pod status on every Ready node.

Each kubelet acts only for pods bound to an existing node whose `ready` is True; on a crashed node nothing
changes until it recovers (the node lifecycle controller handles such pods). The kubelet's work is split as the
model's actors are (DESIGN principle 2):

- Controller writes, proposed by `reconcile`: start a container whose back-off has expired
  (`KubeletStartContainer`), finish a kill once preStop is done or the grace period is over
  (`KubeletStopContainer`), remove a terminating pod whose containers are all stopped (`KubeletDeletePod`,
  SEMANTICS 54.3), and write back a pod status that another actor made stale (`KubeletSyncPodStatus`).
- Environment faults, from the "kubelet-faults" source: hook outcomes (SEMANTICS 52, 53), containers exiting by
  themselves with code 0 or 1 (SEMANTICS 50), and raw probe results (SEMANTICS 46). `Tick` (source "clock")
  moves time straight to the next deadline: back-off expiry, the end of a probe's initial delay, or the end of
  a kill's grace period while preStop runs. Probe periods and timeouts are not timed: a probe result may arrive
  whenever the probe is active, which over-approximates every period and jitter.

Decisions are small pure functions in the logic shim so that the Z3 layer can run them symbolically:
`probe_step` (the threshold automaton), `should_restart` (restart policy), `backoff_step` (CrashLoopBackOff),
`container_ready`, `containers_phase` (the pod phase). `pod_status` recomputes phase and Ready in the same step as
every container change, so a pod's reported status never lags its containers while its kubelet runs; phase and
ContainersReady are remembered per containers tuple (`containers_summary`), since every write reads them several
times (the new status, then the work queues of the old and the new pod).

Where the design brief and upstream differ, upstream wins and the docstrings say so:
- A kill does not clear Ready, and readiness keeps probing a container that is being stopped (deletion or
  liveness kill): the readiness worker knows nothing of kills and status ready is `running && readiness
  Success` (prober/worker.go, prober_manager.go UpdatePodStatus). Ready falls when the container stops.
- Phase is upstream's `getPhase`: Pending while some container has never run (even if another one runs), which
  includes a first start whose postStart hook has not returned (the blocked pod worker has not reported it).

Work queues (DESIGN principle 1): `reconcile` reads the kubelet queue (`Cluster.kubelet_queue`: bound pods for
which `has_work` holds), `healthy_environment` the environment queue (`needs_environment`), and `Tick` the timer
index (`pod_deadlines` later than the clock), so none of them scans every pod; `kubelet_faults`, which lists every
fault for the engines, does (its events are remembered per pod object, `pod_faults`). The kubelet's pod writes
are pure functions of the pod, the event and the clock, and are remembered per pod object (`remembered_write`),
since the engines apply one event to one pod object in many states.

Simplifications: a kill always ends in exit code 137 (a process obeying TERM would give 143); the TERM grace
after preStop (floored at 2 s) is not timed, since the container is assumed to obey TERM; probe streaks start
afresh with each new container (upstream's worker keeps its run counter across restarts unless a
liveness/startup failure reset it); the back-off reset (600 s of running) is seen when a container exits, and
is not a `Tick` deadline.

Length: about 850 lines, one module on purpose. The kubelet is one actor whose events share the pod-write path
(`_write`, `remembered_write`) and the transition functions the Z3 proofs read (`probe_step`, `should_restart`,
`backoff_step`); its pure decisions are already apart in `kmodel.decisions.kubelet`. Splitting the events from
the transitions would leave each half naming the other's private helpers.
"""

from __future__ import annotations

import re
import zlib
from typing import ClassVar, Iterator

import attrs
import immutables

from kmodel.cluster import Cluster
from kmodel.decisions import kubelet as decisions
from kmodel.errors import InvalidObject
from kmodel.events import CONTROLLER, FAULT, Event, event_source
from kmodel.facts import shared_pod
from kmodel.logic import Bool, Int, all_of, any_of, eq, ite, le, min_, ne, not_
from kmodel.memo import Memo
from kmodel.objects import (
    ALWAYS,
    LIVENESS,
    ON_FAILURE,
    POD_RUNNING,
    PROBE_KINDS,
    READINESS,
    RUNNING,
    STARTUP,
    TERMINATED,
    WAITING,
    Container,
    ContainerStatus,
    Pod,
    Probe,
    ProbeState,
    initial_probe_state,
)
from kmodel.parts import register_clock, register_controller, register_environment, register_fault_group
from kmodel.records import compile_replace

# SEMANTICS 51, 8.8: back-off 10 s doubling to 300 s, first restart immediate, reset after 600 s of running.
INITIAL_BACKOFF_SECONDS = 10
MAX_BACKOFF_SECONDS = 300
BACKOFF_RESET_SECONDS = 600
# A kill ends in SIGKILL's exit code (reason "Error"); the model does not distinguish a TERM-obeying exit (143).
KILLED_EXIT_CODE = 137
# SEMANTICS 8.10: a pod deletion always gives the kubelet at least 1 s, so preStop runs even with grace 0.
MIN_DELETION_GRACE_SECONDS = 1
# The exit codes the environment offers (finite, so the engines enumerate them): success and one failure.
EXIT_CODES = (0, 1)

# Kill reasons (`ContainerStatus.kill_reason`).
LIVENESS_KILL = "LivenessProbeFailed"
STARTUP_KILL = "StartupProbeFailed"
POST_START_KILL = "FailedPostStartHook"
DELETION_KILL = "Killing"
PROBE_KILLS = (LIVENESS_KILL, STARTUP_KILL)
CRASH_LOOP_BACK_OFF = "CrashLoopBackOff"

_KILL_ON_FAILURE = {LIVENESS: LIVENESS_KILL, STARTUP: STARTUP_KILL}


# --------------------------------------------------------------------------------------------------------------
# Decisions (logic shim: concrete here, symbolic in invariants.smt)


def probe_step(state: ProbeState, success: Bool, success_threshold: Int, failure_threshold: Int) -> ProbeState:
    """One raw probe result through the threshold automaton (SEMANTICS 46, prober/worker.go doProbe).

    A success resets the failure streak and a failure the success streak; the acted-on `result` becomes
    Success once `success_threshold` consecutive successes were seen and Failure once `failure_threshold`
    consecutive failures were, and otherwise keeps its value (Unknown included). Upstream keeps one run counter
    with the last raw result; two streaks of which one is always 0 are the same thing. Streaks saturate at
    their threshold (upstream's counter keeps growing) so the state space stays finite; no decision can tell
    the difference, since thresholds are at least 1.
    """
    successes = ite(success, min_(state.successes + 1, success_threshold), 0)
    failures = ite(success, 0, min_(state.failures + 1, failure_threshold))
    result = ite(all_of(success, le(success_threshold, successes)), True,
                 ite(all_of(not_(success), le(failure_threshold, failures)), False, state.result))
    return ProbeState(result, successes, failures)


def should_restart(restart_policy: str, exit_code: Int, killed_by_probe: Bool) -> Bool:
    """Whether a terminated container is restarted (SEMANTICS 49, 50, 8.7).

    Always: every exit. OnFailure: a non-zero exit, or a liveness/startup kill whatever its exit code (the
    restart is queued with the kill). Never: no exit. The caller adds "never once the pod is terminating".
    """
    return any_of(eq(restart_policy, ALWAYS),
                  all_of(eq(restart_policy, ON_FAILURE), any_of(ne(exit_code, 0), killed_by_probe)))


def backoff_step(backoff_seconds: Int, ran_for: Int) -> tuple[Int, Int]:
    """CrashLoopBackOff for a container that will restart: (the delay before its restart, the new back-off
    entry). SEMANTICS 51, 8.8, client-go flowcontrol.Backoff as the kubelet uses it.

    `backoff_seconds` is the container's entry (0: none). With no entry, or once the container ran for more
    than 600 s since its last start (`hasExpired`), the restart is immediate and the entry starts at 10 s;
    otherwise the restart waits the entry and the entry doubles up to 300 s. Delays over successive crashes:
    0, 10, 20, 40, 80, 160, 300, 300, ... without jitter.
    """
    expired = any_of(eq(backoff_seconds, 0), ran_for > BACKOFF_RESET_SECONDS)
    delay = ite(expired, 0, backoff_seconds)
    entry = ite(expired, INITIAL_BACKOFF_SECONDS, min_(backoff_seconds * 2, MAX_BACKOFF_SECONDS))
    return delay, entry


def container_ready(container: Container) -> Bool:
    """ContainerStatus.ready: running and reported (postStart returned), started (startup probe passed, or none),
    and readiness Success, or no readiness probe (SEMANTICS 46, 47, 52; prober_manager.go UpdatePodStatus)."""
    s = container.status
    readiness_ok = True if container.readiness_probe is None else eq(s.readiness.result, True)
    return all_of(eq(s.state, RUNNING), not_(s.post_start_pending), s.started, readiness_ok)


def pod_phase(pod: Pod) -> str:
    """The pod phase, upstream's getPhase (`containers_phase` of the pod's containers; SEMANTICS 48, 8.6)."""
    return decisions.containers_summary(pod.containers)[0]


def pod_status(pod: Pod, clock: int) -> Pod:
    """The pod with its phase and Ready condition recomputed from its containers (SEMANTICS 42, 48, 8.6).

    Ready = ContainersReady = phase Running and every container ready (the model has no readinessGates).
    `ready_since` is the condition's lastTransitionTime while Ready (SEMANTICS 34.6), None while not Ready.
    """
    phase, all_ready = decisions.containers_summary(pod.containers)
    ready = all_of(eq(phase, POD_RUNNING), all_ready)
    since = (pod.ready_since if pod.ready else clock) if ready else None
    if phase == pod.phase and ready == pod.ready and since == pod.ready_since:
        return pod
    return _replace_pod(pod, phase=phase, ready=bool(ready), ready_since=since)


# --------------------------------------------------------------------------------------------------------------
# Views and predicates


def kubelet_runs(cluster: Cluster, pod: Pod) -> bool:
    """The pod is bound to an existing node whose kubelet reports Ready: only then does its kubelet act."""
    if pod.node_name is None:
        return False
    node = cluster.nodes.get(pod.node_name)
    return node is not None and node.ready


def find_container(pod: Pod, name: str) -> Container | None:
    for c in pod.containers:
        if c.name == name:
            return c
    return None


def _lookup(cluster: Cluster, pod_name: str, container_name: str) -> tuple[Pod, Container] | None:
    """The pod and container when both exist and the pod's kubelet runs."""
    pod = cluster.pods.get(pod_name)
    if pod is None or not kubelet_runs(cluster, pod):
        return None
    c = find_container(pod, container_name)
    return None if c is None else (pod, c)


def can_start(pod: Pod, container: Container, clock: int) -> bool:
    """KubeletStartContainer's condition: startable, pod not terminating, back-off expired (SEMANTICS 51)."""
    s = container.status
    return (not pod.terminating and decisions.startable(container)
            and (s.backoff_until is None or clock >= s.backoff_until))


def can_stop(container: Container, clock: int) -> bool:
    """KubeletStopContainer's condition: being killed, and preStop has returned or the grace period is over
    (the kubelet waits for preStop at most the grace period, SEMANTICS 53)."""
    s = container.status
    return (s.state == RUNNING and s.stopping
            and (not s.pre_stop_pending or (s.stop_deadline is not None and clock >= s.stop_deadline)))


def probe_enabled(pod: Pod, container: Container, kind: str, clock: int) -> bool:
    """A raw result of this probe can arrive now."""
    return decisions.probe_active(pod, container, kind) and clock >= decisions.probe_delay_end(container, kind)


def probe_port_resolves(container: Container, probe: Probe) -> bool:
    """A named probe port must be declared by the container (the prober's findPortByName); the API accepts a
    missing name (SEMANTICS 43) and such a probe can only fail. Numbers and exec probes always resolve."""
    return not isinstance(probe.port, str) or any(p.name == probe.port for p in container.ports)


def kill_grace(pod: Pod) -> int:
    """The grace period of a kill: the pod's, at least 1 s once the pod is being deleted (SEMANTICS 8.7, 8.10).
    The model has no deletion grace override and no probe-level terminationGracePeriodSeconds."""
    grace = pod.termination_grace_period_seconds
    return max(grace, MIN_DELETION_GRACE_SECONDS) if pod.terminating else grace


_UID_COUNTER = re.compile(r"uid-(\d+)")


def pod_ip_for(pod: Pod) -> str:
    """The pod IP its sandbox gets: 10.0.0.0/9 from the uid counter, so distinct uids give distinct IPs. A uid
    not made by the model's counter maps into 10.128.0.0/9 by CRC32 (unique only with high probability)."""
    m = _UID_COUNTER.fullmatch(pod.uid)
    n = int(m.group(1)) if m else None
    if n is None or n >= 1 << 23:
        n = (1 << 23) | (zlib.crc32((pod.uid or pod.name).encode()) & ((1 << 23) - 1))
    return f"10.{n >> 16}.{(n >> 8) & 255}.{n & 255}"


# --------------------------------------------------------------------------------------------------------------
# Container transitions (pure; each returns the new value)


# The kubelet's status writes copy already-valid values thousands of times a run: no `__init__` per copy.
_replace_container = compile_replace(Container)
_replace_status = compile_replace(ContainerStatus)
_replace_pod = compile_replace(Pod)


def _with_container(pod: Pod, container: Container) -> Pod:
    """`pod.with_container(container)` through `_replace_pod`."""
    name = container.name
    return _replace_pod(pod, containers=tuple(container if c.name == name else c for c in pod.containers))


def _with_ready(container: Container) -> Container:
    ready = bool(container_ready(container))
    if ready == container.status.ready:
        return container
    return _replace_container(container, status=_replace_status(container.status, ready=ready))


def _set_status(container: Container, **changes) -> Container:
    return _with_ready(_replace_container(container, status=_replace_status(container.status, **changes)))


def _container(pod: Pod, name: str) -> Container:
    c = find_container(pod, name)
    if c is None:
        raise InvalidObject(f"Pod/{pod.name}", "spec.containers", f"no container named {name!r}")
    return c


def started_container(container: Container, clock: int) -> Container:
    """A (re)start: state running from `clock`, fresh probe workers (a new container ID, SEMANTICS 46), the
    restart counted when it ran before. With a postStart hook the container is not reported until the hook
    returns (SEMANTICS 52, 8.9); otherwise it is started when it has no startup probe and ready when also it
    has no readiness probe (SEMANTICS 47)."""
    s = container.status
    pending = container.post_start is not None
    return _set_status(
        container, state=RUNNING, reason="", started_at=clock,
        restart_count=s.restart_count + (0 if s.exit_code is None else 1),
        started=not pending and container.startup_probe is None, post_start_pending=pending,
        stopping=False, pre_stop_pending=False, pre_stop_ran=False, kill_reason=None, stop_deadline=None,
        backoff_until=None, will_restart=False,
        liveness=initial_probe_state(LIVENESS), readiness=initial_probe_state(READINESS),
        startup=initial_probe_state(STARTUP))


def post_start_returned(container: Container) -> Container:
    """postStart succeeded: the container is reported running; started and ready as at a start without a hook."""
    return _set_status(container, post_start_pending=False, started=container.startup_probe is None)


def terminated_container(pod: Pod, container: Container, exit_code: int, clock: int) -> Container:
    """The container's process ended with `exit_code` (by itself or killed); the restart decision follows
    (SEMANTICS 49, 50, 8.7) and never restarts in a terminating pod. A restart waits its back-off
    (SEMANTICS 51, 8.8): in state waiting, reason CrashLoopBackOff, while the delay runs; terminated and
    startable at once when the delay is 0. Otherwise it is terminated for good."""
    s = container.status
    killed_by_probe = s.stopping and s.kill_reason in PROBE_KILLS
    reason = "Completed" if exit_code == 0 else "Error"
    common = dict(exit_code=exit_code, reason=reason, state=TERMINATED, started=False, post_start_pending=False,
                  stopping=False, pre_stop_pending=False, stop_deadline=None, backoff_until=None,
                  will_restart=False)
    if pod.terminating or not should_restart(pod.restart_policy, exit_code, killed_by_probe):
        return _set_status(container, **common)
    ran_for = clock - (s.started_at if s.started_at is not None else clock)
    delay, entry = backoff_step(s.backoff_seconds, ran_for)
    common.update(will_restart=True, backoff_seconds=entry)
    if delay > 0:
        common.update(state=WAITING, reason=CRASH_LOOP_BACK_OFF, backoff_until=clock + delay)
    return _set_status(container, **common)


def kill_container(pod: Pod, name: str, reason: str, clock: int) -> Pod:
    """Start the kubelet's kill of a running container (killContainer, SEMANTICS 53, 8.9, 8.10).

    The container becomes `stopping` with a grace deadline `clock + grace` (`kill_grace`); its preStop hook
    runs first when it has one and the grace is positive. Ready is left alone (upstream: it falls when the
    container stops). A container that is not running, or already being killed, is left as it is: the first
    kill's deadline stands. An unknown container name raises InvalidObject.
    """
    c = _container(pod, name)
    s = c.status
    if s.state != RUNNING or s.stopping:
        return pod
    grace = kill_grace(pod)
    pre_stop = c.pre_stop is not None and grace > 0
    c = _set_status(c, stopping=True, kill_reason=reason, pre_stop_pending=pre_stop, pre_stop_ran=pre_stop,
                    stop_deadline=clock + grace)
    return _with_container(pod, c)


def begin_pod_termination(pod: Pod, clock: int) -> Pod:
    """`_begin_pod_termination`, remembered per pod object and clock (an eviction or a scale-down deletes one pod
    object in many explored states; see `_WRITES`)."""
    return remembered_write(pod, (_TERMINATION,), clock, lambda: _begin_pod_termination(pod, clock))


_TERMINATION = "begin_pod_termination"


def _begin_pod_termination(pod: Pod, clock: int) -> Pod:
    """The API delete and the kubelet's reaction to it (SEMANTICS 54.1, 54.2, 8.5, 8.10).

    Sets deletionTimestamp (kept when already set) and kills every running container with a grace of at least
    1 s, so preStop runs even for grace 0. Restarts that were pending are dropped (nothing restarts in a
    terminating pod). Liveness and startup workers record Success and stop (8.5): a container whose startup
    probe had not passed yet becomes started (and ready if it has no readiness probe) as upstream does.
    Pod phase and Ready are left to the kubelet (`KubeletSyncPodStatus`), because the node may be down.
    Idempotent on a pod already terminating.
    """
    if not pod.terminating:
        pod = attrs.evolve(pod, deletion_timestamp=clock)
    for c in pod.containers:
        s = c.status
        if s.state == RUNNING and not s.post_start_pending and not s.stopping:
            c = _set_status(c, liveness=attrs.evolve(s.liveness, result=True),
                            startup=attrs.evolve(s.startup, result=True) if c.startup_probe else s.startup,
                            started=s.started or c.startup_probe is not None)
        elif s.state != RUNNING and s.will_restart:
            c = _set_status(c, will_restart=False, backoff_until=None)
        pod = kill_container(_with_container(pod, c), c.name, DELETION_KILL, clock)
    return pod


def probe_result(pod: Pod, container: Container, kind: str, success: bool, clock: int) -> Pod:
    """One raw probe result and its effect (SEMANTICS 46, 47, 49, 8.7). Readiness sets ready and never restarts;
    startup Success marks the container started; a liveness or startup result of Failure kills it (preStop
    included, then the restart policy)."""
    probe = container.probe(kind)
    state = probe_step(container.status.probe(kind), success, probe.success_threshold, probe.failure_threshold)
    changes: dict = {kind: state}
    if kind == STARTUP and state.result is True:
        changes["started"] = True
    pod = _with_container(pod, _set_status(container, **changes))
    if kind in _KILL_ON_FAILURE and state.result is False:
        pod = kill_container(pod, container.name, _KILL_ON_FAILURE[kind], clock)
    return pod


def _put(cluster: Cluster, pod: Pod) -> Cluster:
    return cluster.put_pod(pod_status(pod, cluster.clock))


# The kubelet's pod writes, remembered per (pod object, event, clock). A write is a pure function of the pod it
# starts from, the event (which container, which result) and the clock, and the engines apply one event to one
# pod object in many states (the explorer expands every state that shares the pod; settle re-runs the same
# rounds): answering with the pod object computed the first time gives an equal value, and a *shared* one, so
# everything downstream that is remembered by object identity (the cluster's work-queue facts and Endpoints
# entries, the explorer's fingerprints) is found too. An entry keeps the pod (its identity is not reused while
# remembered). A decision swapped with `kmodel.memo.swapped` clears it. Bounded.
_WRITES = Memo("kubelet-writes", 8_192)


def remembered_write(pod: Pod, event: Event, clock: int, write) -> Pod:
    """`write()`, the pod that `event` makes of `pod` at `clock`, remembered (see `_WRITES`)."""
    key = (id(pod), event, clock)
    hit = _WRITES.get(key)
    if hit is not None and hit[0] is pod:
        return hit[1]
    new = shared_pod(write())  # the object `put_pod` will store: it takes it without hashing it again
    _WRITES.remember(key, (pod, new))
    return new


def _write(cluster: Cluster, event: Event, pod: Pod, change) -> Cluster:
    """Store `pod_status(change(), clock)` (the pod as `event` leaves it, its status recomputed), remembered."""
    clock = cluster.clock
    return cluster.put_pod(remembered_write(pod, event, clock, lambda: pod_status(change(), clock)))


def _started(pod: Pod, container: Container, clock: int) -> Pod:
    """The pod once `container` is (re)started at `clock`; its first start gives the pod its IP (SEMANTICS 47)."""
    if pod.pod_ip is None:
        pod = attrs.evolve(pod, pod_ip=pod_ip_for(pod))
    return _with_container(pod, started_container(container, clock))


# --------------------------------------------------------------------------------------------------------------
# Controller events


@attrs.frozen
class KubeletStartContainer(Event):
    """The kubelet starts (or restarts) a container once its back-off has expired; the first start of a pod
    creates its sandbox and gives it its IP (SEMANTICS 47, 51, 52)."""

    actor = CONTROLLER
    pod: str
    container: str

    def guard(self, cluster: Cluster) -> bool:
        found = _lookup(cluster, self.pod, self.container)
        return found is not None and can_start(found[0], found[1], cluster.clock)

    def apply(self, cluster: Cluster) -> Cluster:
        pod, c = _lookup(cluster, self.pod, self.container)  # type: ignore[misc]
        return _write(cluster, self, pod, lambda: _started(pod, c, cluster.clock))


@attrs.frozen
class KubeletStopContainer(Event):
    """A container being killed stops once preStop returned or its grace period ended: terminated with exit
    code 137, then the restart decision (SEMANTICS 49, 53, 8.7)."""

    actor = CONTROLLER
    pod: str
    container: str

    def guard(self, cluster: Cluster) -> bool:
        found = _lookup(cluster, self.pod, self.container)
        return found is not None and can_stop(found[1], cluster.clock)

    def apply(self, cluster: Cluster) -> Cluster:
        pod, c = _lookup(cluster, self.pod, self.container)  # type: ignore[misc]
        return _write(cluster, self, pod, lambda: _with_container(
            pod, terminated_container(pod, c, KILLED_EXIT_CODE, cluster.clock)))


@attrs.frozen
class KubeletDeletePod(Event):
    """A terminating pod whose containers have all stopped is removed from the API (grace 0, SEMANTICS 54.3)."""

    actor = CONTROLLER
    pod: str

    def guard(self, cluster: Cluster) -> bool:
        pod = cluster.pods.get(self.pod)
        return pod is not None and kubelet_runs(cluster, pod) and decisions.can_delete(pod)

    def apply(self, cluster: Cluster) -> Cluster:
        return cluster.remove_pod(self.pod)


@attrs.frozen
class KubeletSyncPodStatus(Event):
    """The status manager writes back phase and Ready when another actor left them stale (the node lifecycle
    controller marking pods not Ready while the node was down, an API delete). SEMANTICS 48."""

    actor = CONTROLLER
    pod: str

    def guard(self, cluster: Cluster) -> bool:
        pod = cluster.pods.get(self.pod)
        return pod is not None and kubelet_runs(cluster, pod) and pod_status(pod, cluster.clock) != pod

    def apply(self, cluster: Cluster) -> Cluster:
        pod = cluster.pods[self.pod]
        return _write(cluster, self, pod, lambda: pod)


def pod_proposals(pod: Pod, clock: int) -> list[Event]:
    """What the pod's kubelet would write now (its kubelet is running)."""
    if decisions.can_delete(pod):
        return [KubeletDeletePod(pod.name)]
    out: list[Event] = []
    for c in pod.containers:
        if can_start(pod, c, clock):
            out.append(KubeletStartContainer(pod.name, c.name))
        elif can_stop(c, clock):
            out.append(KubeletStopContainer(pod.name, c.name))
    if not out and decisions.status_stale(pod):
        out.append(KubeletSyncPodStatus(pod.name))
    return out


def kubelet_pods(cluster: Cluster) -> Iterator[Pod]:
    """The pods of every running kubelet, by node then pod name (deterministic whatever the hash seed). O(pods on
    Ready nodes): for listing every fault the environment may inject; the controllers read their queues."""
    for node_name in sorted(cluster.nodes):
        if cluster.nodes[node_name].ready:
            for pod_name in sorted(cluster.pods_by_node.get(node_name, immutables.Map())):
                yield cluster.pods[pod_name]


def queued_pods(cluster: Cluster, queue: immutables.Map) -> list[Pod]:
    """The pods of a kubelet queue (`Cluster.kubelet_queue` or `environment_queue`) whose kubelet runs, by node
    then pod name: the order `kubelet_pods` gives, at the cost of the queue rather than of every pod."""
    pods, nodes = cluster.pods, cluster.nodes
    out = []
    for name in queue:
        pod = pods[name]
        node = nodes.get(pod.node_name)  # type: ignore[arg-type]
        if node is not None and node.ready:
            out.append(pod)
    out.sort(key=lambda p: (p.node_name, p.name))
    return out


def reconcile(cluster: Cluster) -> tuple[Event, ...]:
    """The writes every Ready node's kubelet would send now; nothing when all are satisfied. Reads the kubelet
    work queue (`Cluster.kubelet_queue`), so a round costs O(queued pods), not O(pods)."""
    out: list[Event] = []
    clock = cluster.clock
    for pod in queued_pods(cluster, cluster.kubelet_queue):
        out.extend(pod_proposals(pod, clock))
    return tuple(out)


CONTROLLER_PART = register_controller("kubelet", reconcile, order=60)


# --------------------------------------------------------------------------------------------------------------
# Environment: hooks, exits, probe results, time


@attrs.frozen
class PostStartHookSucceeds(Event):
    """The postStart hook returns: the container is reported running and probing starts (SEMANTICS 52, 8.9)."""

    actor = FAULT
    pod: str
    container: str

    def guard(self, cluster: Cluster) -> bool:
        found = _lookup(cluster, self.pod, self.container)
        if found is None:
            return False
        s = found[1].status
        return s.state == RUNNING and s.post_start_pending and not s.stopping

    def apply(self, cluster: Cluster) -> Cluster:
        pod, c = _lookup(cluster, self.pod, self.container)  # type: ignore[misc]
        return _write(cluster, self, pod, lambda: _with_container(pod, post_start_returned(c)))


@attrs.frozen
class PostStartHookFails(Event):
    """The postStart hook fails (FailedPostStartHook): the container is killed through the normal kill path, so
    preStop runs too, then the restart policy and back-off apply (SEMANTICS 52, 8.9, 8.10)."""

    actor = FAULT
    pod: str
    container: str

    def guard(self, cluster: Cluster) -> bool:
        return PostStartHookSucceeds(self.pod, self.container).guard(cluster)

    def apply(self, cluster: Cluster) -> Cluster:
        pod = cluster.pods[self.pod]
        return _write(cluster, self, pod,
                      lambda: kill_container(pod, self.container, POST_START_KILL, cluster.clock))


@attrs.frozen
class PreStopHookCompletes(Event):
    """The preStop hook returns within the grace period; TERM follows (SEMANTICS 53)."""

    actor = FAULT
    pod: str
    container: str

    def guard(self, cluster: Cluster) -> bool:
        found = _lookup(cluster, self.pod, self.container)
        if found is None:
            return False
        s = found[1].status
        return (s.state == RUNNING and s.stopping and s.pre_stop_pending
                and s.stop_deadline is not None and cluster.clock < s.stop_deadline)

    def apply(self, cluster: Cluster) -> Cluster:
        pod, c = _lookup(cluster, self.pod, self.container)  # type: ignore[misc]
        return _write(cluster, self, pod, lambda: _with_container(pod, _set_status(c, pre_stop_pending=False)))


@attrs.frozen
class PreStopHookFails(Event):
    """The preStop hook fails (FailedPreStopHook): only an event is recorded; termination continues exactly as
    after a success (SEMANTICS 53), so the next state is the same."""

    actor = FAULT
    pod: str
    container: str

    def guard(self, cluster: Cluster) -> bool:
        return PreStopHookCompletes(self.pod, self.container).guard(cluster)

    def apply(self, cluster: Cluster) -> Cluster:
        return PreStopHookCompletes(self.pod, self.container).apply(cluster)


@attrs.frozen
class ContainerExits(Event):
    """A running container's process exits by itself: no preStop (SEMANTICS 53, 8.10), then the restart policy
    (SEMANTICS 50). Not while postStart runs or a kill is under way (the kill path decides those)."""

    actor = FAULT
    pod: str
    container: str
    exit_code: int

    def guard(self, cluster: Cluster) -> bool:
        if not isinstance(self.exit_code, int) or isinstance(self.exit_code, bool) or not 0 <= self.exit_code <= 255:
            return False
        found = _lookup(cluster, self.pod, self.container)
        if found is None:
            return False
        s = found[1].status
        return s.state == RUNNING and not s.post_start_pending and not s.stopping

    def apply(self, cluster: Cluster) -> Cluster:
        pod, c = _lookup(cluster, self.pod, self.container)  # type: ignore[misc]
        return _write(cluster, self, pod, lambda: _with_container(
            pod, terminated_container(pod, c, self.exit_code, cluster.clock)))


@attrs.frozen
class ProbeResult(Event):
    """One raw result of a container's probe (SEMANTICS 46). Subclasses fix the probe kind and the outcome. A
    success needs the probe's named port to exist in the container (SEMANTICS 43)."""

    actor = FAULT
    kind: ClassVar[str]
    success: ClassVar[bool]
    pod: str
    container: str

    def guard(self, cluster: Cluster) -> bool:
        found = _lookup(cluster, self.pod, self.container)
        if found is None:
            return False
        pod, c = found
        if not probe_enabled(pod, c, self.kind, cluster.clock):
            return False
        return not self.success or probe_port_resolves(c, c.probe(self.kind))  # type: ignore[arg-type]

    def apply(self, cluster: Cluster) -> Cluster:
        pod, c = _lookup(cluster, self.pod, self.container)  # type: ignore[misc]
        return _write(cluster, self, pod, lambda: probe_result(pod, c, self.kind, self.success, cluster.clock))


@attrs.frozen
class LivenessProbeSucceeds(ProbeResult):
    kind = LIVENESS
    success = True


@attrs.frozen
class LivenessProbeFails(ProbeResult):
    kind = LIVENESS
    success = False


@attrs.frozen
class ReadinessProbeSucceeds(ProbeResult):
    kind = READINESS
    success = True


@attrs.frozen
class ReadinessProbeFails(ProbeResult):
    kind = READINESS
    success = False


@attrs.frozen
class StartupProbeSucceeds(ProbeResult):
    kind = STARTUP
    success = True


@attrs.frozen
class StartupProbeFails(ProbeResult):
    kind = STARTUP
    success = False


PROBE_EVENTS: dict[tuple[str, bool], type[ProbeResult]] = {
    (cls.kind, cls.success): cls
    for cls in (LivenessProbeSucceeds, LivenessProbeFails, ReadinessProbeSucceeds, ReadinessProbeFails,
                StartupProbeSucceeds, StartupProbeFails)
}


def next_deadline(cluster: Cluster) -> int | None:
    """The earliest deadline after the clock on a running kubelet, or None. Reads the timer index
    (`Cluster.timers`, deadlines later than the clock by time): O(H) for H distinct pending deadlines, which is
    bounded by the longest timer in seconds (back-off at most 300 s, grace periods, initial delays), not by n."""
    clock, pods, nodes = cluster.clock, cluster.pods, cluster.nodes
    for t in cluster.timer_times:
        if t <= clock:
            continue
        for name in cluster.timers[t]:
            node = nodes.get(pods[name].node_name)
            if node is not None and node.ready:
                return t
    return None


@attrs.frozen
class Tick(Event):
    """Time passes, straight to the next deadline (`next_deadline`); enabled only when one lies ahead. Jumping
    from deadline to deadline gives each state finitely many successors while keeping every timer
    observable. (The back-off reset after 600 s of running is not a deadline: nothing becomes possible then.)"""

    actor = FAULT

    def guard(self, cluster: Cluster) -> bool:
        return next_deadline(cluster) is not None

    def apply(self, cluster: Cluster) -> Cluster:
        deadline = next_deadline(cluster)
        return cluster.tick(deadline - cluster.clock)  # type: ignore[operator]


def container_faults(pod: Pod, container: Container) -> Iterator[Event]:
    """Every environment event that is possible for this container in its state (guards re-check). A probe
    result that would leave the probe state as it is (another success of a passing probe with a full streak) is
    left out: it is a stutter, and engines gain nothing from it (its guard still admits it)."""
    s = container.status
    p, n = pod.name, container.name
    if s.state != RUNNING:
        return
    if s.post_start_pending and not s.stopping:
        yield PostStartHookSucceeds(p, n)
        yield PostStartHookFails(p, n)
    if s.stopping and s.pre_stop_pending:
        yield PreStopHookCompletes(p, n)
        yield PreStopHookFails(p, n)
    if not s.post_start_pending and not s.stopping:
        for code in EXIT_CODES:
            yield ContainerExits(p, n, code)
    for kind in PROBE_KINDS:
        if decisions.probe_active(pod, container, kind):
            probe, state = container.probe(kind), s.probe(kind)
            for success in (True, False):
                if probe_moves(state, success, probe):
                    yield PROBE_EVENTS[kind, success](p, n)


_MOVES = Memo("probe-moves", 10_000)


def probe_moves(state: ProbeState, success: bool, probe: Probe) -> bool:
    """Whether a raw result changes the probe's state (`probe_step(...) != state`; otherwise it is a stutter),
    remembered by value: the threshold automaton has few states, and this is asked for every active probe of
    every running container whenever the engines list the enabled events."""
    key = (state, success, probe.success_threshold, probe.failure_threshold)
    moves = _MOVES.get(key)
    if moves is None:
        moves = _MOVES.remember(key, probe_step(state, success, probe.success_threshold,
                                                probe.failure_threshold) != state)
    return moves


@event_source("kubelet-faults", FAULT, order=60)
def kubelet_faults(cluster: Cluster) -> Iterator[Event]:
    for pod in kubelet_pods(cluster):
        yield from pod_faults(pod)


_FAULTS = Memo("kubelet-faults", 4_096, keep=True)


def pod_faults(pod: Pod) -> tuple[Event, ...]:
    """`container_faults` over the pod's containers, remembered per pod object: pods are immutable and most of
    them are unchanged from one state to the next, while the engines list the faults of every state. The memo
    keeps the pod (its identity is not reused while remembered)."""
    events = _FAULTS.get(id(pod))
    if events is None:
        events = _FAULTS.remember(id(pod), tuple(e for c in pod.containers for e in container_faults(pod, c)), pod)
    return events


@event_source("clock", FAULT, order=60)
def time_passes(cluster: Cluster) -> Iterator[Event]:
    yield Tick()


def healthy_environment(cluster: Cluster) -> tuple[Event, ...]:
    """The fault-free environment `settle` uses: pending postStart and preStop hooks complete, and every
    readiness or startup probe whose acted-on result is not Success reports a success when it can. Liveness
    needs nothing (it starts as Success). Time is `Tick`'s, which settle applies when this is quiet."""
    out: list[Event] = []
    for pod in queued_pods(cluster, cluster.environment_queue):
        for c in pod.containers:
            s = c.status
            if s.state != RUNNING:
                continue
            if s.post_start_pending and not s.stopping:
                out.append(PostStartHookSucceeds(pod.name, c.name))
            if s.stopping and s.pre_stop_pending:
                out.append(PreStopHookCompletes(pod.name, c.name))
            for kind in (STARTUP, READINESS):
                if c.probe(kind) is not None and s.probe(kind).result is not True:
                    out.append(PROBE_EVENTS[kind, True](pod.name, c.name))
    return tuple(e for e in out if e.guard(cluster))


register_environment("kubelet", healthy_environment, order=60)
register_clock(Tick)
register_fault_group("probes", LivenessProbeSucceeds, LivenessProbeFails, ReadinessProbeSucceeds, ReadinessProbeFails,
                     StartupProbeSucceeds, StartupProbeFails, order=60)
register_fault_group("hooks", PostStartHookSucceeds, PostStartHookFails, PreStopHookCompletes, PreStopHookFails,
                     order=60)
register_fault_group("exits", ContainerExits, order=60)
register_fault_group("time", Tick, order=60)
