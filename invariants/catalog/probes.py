"""Probes and restarts: liveness failures restart only when the restart policy allows, readiness failures never
restart, and a pod is Ready exactly when all its containers are (SEED 8, SEMANTICS 46 to 51)."""

from __future__ import annotations

from invariants.catalog.shared import changed_pods, for_events, pod_fact, some_pod
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
