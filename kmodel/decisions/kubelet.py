"""A pod's containers as its kubelet sees them (SEMANTICS 46 to 53): when a container may start, whether a probe is
active, the containers' phase and readiness, the pod's status and whether it is stale, the deadlines of its timers,
and whether the kubelet has work for it. Pure functions of the Pod object: the kubelet (`kmodel.controllers.kubelet`)
acts on them and the state's kubelet queues and timer index (`kmodel.cluster`) are built from them.
"""

from __future__ import annotations

from typing import Iterator

from kmodel.logic import Bool, all_in, all_of, any_in, any_of, eq, ite, ne
from kmodel.memo import Memo
from kmodel.objects import (
    FAILED,
    LIVENESS,
    PENDING,
    POD_RUNNING,
    PROBE_KINDS,
    READINESS,
    RUNNING,
    SUCCEEDED,
    TERMINATED,
    WAITING,
    Container,
    Pod,
)


def has_never_run(container: Container) -> Bool:
    """No termination yet and not reported running: waiting for its first start, or in its first postStart."""
    s = container.status
    return all_of(eq(s.exit_code, None), any_of(ne(s.state, RUNNING), s.post_start_pending))


def is_live(container: Container) -> Bool:
    """Running (a process exists), or terminated and going to be restarted."""
    s = container.status
    return any_of(eq(s.state, RUNNING), s.will_restart)


def exited_0(container: Container) -> Bool:
    """Terminated with exit code 0 (upstream counts a container waiting after a termination as stopped but
    not succeeded)."""
    return all_of(eq(container.status.state, TERMINATED), eq(container.status.exit_code, 0))


def containers_phase(containers: tuple[Container, ...]) -> str:
    """The pod phase of a pod with these containers, upstream's getPhase (SEMANTICS 48, 8.6; kubelet_pods.go).

    Pending while some container has never run; Running while some container runs or will restart; once
    every container has terminated for good, Succeeded if all are terminated with exit code 0, else Failed.
    "For good" already holds
    the restart policy and pod termination (a deleted pod restarts nothing), which is upstream's
    `podIsTerminal` case: a deleted pod whose containers were killed ends Failed.
    """
    return ite(any_in(containers, has_never_run), PENDING,
               ite(any_in(containers, is_live), POD_RUNNING,
                   ite(all_in(containers, exited_0), SUCCEEDED, FAILED)))


def containers_ready(containers: tuple[Container, ...]) -> Bool:
    """ContainersReady: every container reports ready (SEMANTICS 42, 48)."""
    return all_in(containers, lambda c: c.status.ready)


# The phase and ContainersReady of a containers tuple, by the tuple's identity. Containers are immutable values and
# a pod write copies the tuple by reference unless a container changed, so the old and the new pod of a write (and
# every status recomputation between two container changes) share one entry: each write computes the decisions once
# instead of three times. The memo keeps the tuple (its identity cannot be reused while remembered). Bounded.
_SUMMARY_MEMO = Memo("containers-summary", 8_192, keep=True)


def containers_summary(containers: tuple[Container, ...]) -> tuple[str, Bool]:
    """(`containers_phase`, `containers_ready`) of a containers tuple, remembered by identity (see above)."""
    value = _SUMMARY_MEMO.get(id(containers))
    if value is None:
        value = _SUMMARY_MEMO.remember(id(containers), (containers_phase(containers), containers_ready(containers)),
                                       containers)
    return value


def startable(container: Container) -> bool:
    """Waiting for its first start, or terminated (or in CrashLoopBackOff) with a restart decided."""
    s = container.status
    return (s.state == WAITING and s.exit_code is None) or (s.state != RUNNING and s.will_restart)


def can_delete(pod: Pod) -> bool:
    """KubeletDeletePod's condition: terminating and no container running any more (SEMANTICS 54.3)."""
    return pod.terminating and all(c.status.state != RUNNING for c in pod.containers)


def probe_active(pod: Pod, container: Container, kind: str) -> bool:
    """Whether the probe worker of `kind` probes the container now, initial delay aside (SEMANTICS 46, 8.5, 8.9).

    It needs the probe, a running container whose postStart hook has returned. Startup probes only while not
    started; liveness and readiness only once started. Liveness and startup stop on a container being killed
    (the worker is on hold after a failure; on deletion they record Success and stop); readiness keeps probing
    until the container stops, also on a terminating pod.
    """
    s = container.status
    if container.probe(kind) is None or s.state != RUNNING or s.post_start_pending:
        return False
    if kind == READINESS:
        return s.started
    if s.stopping or pod.terminating:
        return False
    return s.started if kind == LIVENESS else not s.started


def probe_delay_end(container: Container, kind: str) -> int:
    """The clock time from which the probe reports results: container start + initialDelaySeconds."""
    return container.status.started_at + container.probe(kind).initial_delay_seconds  # type: ignore


def status_stale(pod: Pod) -> bool:
    """`pod_status(pod, clock) != pod`, for any clock: the clock only sets `ready_since` on a change of Ready,
    which is a difference already (SEMANTICS 48)."""
    phase, all_ready = containers_summary(pod.containers)
    ready = all_of(eq(phase, POD_RUNNING), all_ready)
    return phase != pod.phase or ready != pod.ready or (not ready and pod.ready_since is not None)


def has_work(pod: Pod) -> bool:
    """The pod's kubelet has a write to send now or once a timer expires (the kubelet work queue,
    `Cluster.kubelet_queue`): the pod can be deleted, a container is startable (back-off aside) or being
    stopped (grace period aside), or its status is stale. `pod_proposals` is non-empty only for such pods, at
    any clock; pods waiting for a back-off or a grace period stay queued, as upstream's pod workers do."""
    if can_delete(pod):
        return True
    terminating = pod.terminating
    for c in pod.containers:
        s = c.status
        if not terminating and startable(c):
            return True
        if s.state == RUNNING and s.stopping and (not s.pre_stop_pending or s.stop_deadline is not None):
            return True
    return status_stale(pod)


def needs_environment(pod: Pod) -> bool:
    """Some running container waits for the healthy environment (`healthy_environment`): a postStart or preStop
    hook to return, or a startup or readiness probe whose acted-on result is not Success yet (the environment
    queue, `Cluster.environment_queue`)."""
    for c in pod.containers:
        s = c.status
        if s.state != RUNNING:
            continue
        if s.post_start_pending and not s.stopping:
            return True
        if s.stopping and s.pre_stop_pending:
            return True
        if (c.startup_probe is not None and s.startup.result is not True) or \
                (c.readiness_probe is not None and s.readiness.result is not True):
            return True
    return False


def container_deadlines(pod: Pod, container: Container) -> Iterator[int]:
    """The clock times at which something becomes possible for this container: its back-off expiry, the end
    of an active probe's initial delay, the end of the grace period while preStop runs."""
    s = container.status
    if s.backoff_until is not None and not pod.terminating and startable(container):
        yield s.backoff_until
    if s.state != RUNNING:  # the rest needs a running container (probes are only active then)
        return
    if s.stopping and s.pre_stop_pending and s.stop_deadline is not None:
        yield s.stop_deadline
    for kind in PROBE_KINDS:
        if probe_active(pod, container, kind):
            yield probe_delay_end(container, kind)


def pod_deadlines(pod: Pod) -> tuple[int, ...]:
    """Every deadline of the pod's containers (`container_deadlines`), ascending, each once; past ones included."""
    found = {d for c in pod.containers if c.status.state == RUNNING or c.status.backoff_until is not None
             for d in container_deadlines(pod, c)}
    return tuple(sorted(found)) if found else ()
