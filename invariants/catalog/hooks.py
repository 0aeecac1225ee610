"""Lifecycle hooks: postStart completes before a container can be ready and its failure kills the container;
preStop runs before an API-initiated stop and never on a plain exit (SEED 9, SEMANTICS 52 to 54, 8.9, 8.10)."""

from __future__ import annotations

from invariants.catalog.shared import changed_pods, for_events, pod_fact, some_pod
from invariants.registry import ALWAYS, SOMETIMES, TRANSITION, Violation, any_container, invariant
from kmodel.objects import RUNNING


def _ready_too_early(status) -> bool:
    """A container status that is ready while its postStart hook is pending or it is not running."""
    return status.ready and (status.post_start_pending or status.state != "running")


_READY_TOO_EARLY = pod_fact(lambda pod: any(_ready_too_early(c.status) for c in pod.containers))


@invariant("ready-only-after-post-start", kind=ALWAYS, rules=("52", "8.9", "SEED 9"), witness="sometimes-post-start-pending")
def ready_only_after_post_start(cluster):
    """A container is never ready while its postStart hook has not returned, nor unless it is running."""
    if not some_pod(cluster, _READY_TOO_EARLY):
        return ()
    return _ready_too_early_violations(cluster)


def _ready_too_early_violations(cluster):
    """The violations of `ready-only-after-post-start`."""
    for pod in cluster.pods.values():
        for c in pod.containers:
            if _ready_too_early(c.status):
                yield Violation("ready-only-after-post-start", f"container {pod.name}/{c.name} is ready while "
                                f"{'its postStart hook is pending' if c.status.post_start_pending else c.status.state}",
                                (f"Pod/{pod.name}",))


@invariant("post-start-failure-kills", kind=TRANSITION, rules=("52", "8.9"), witness="sometimes-post-start-pending")
@for_events("PostStartHookFails")
def post_start_failure_kills(before, event, after):
    """A failed postStart hook kills the container: it is stopping or stopped, and not ready."""
    c = after.pods[event.pod].container(event.container).status
    if c.ready or not (c.stopping or c.state != "running"):
        yield Violation("post-start-failure-kills", f"{event.pod}/{event.container} survived a failed postStart "
                        f"hook (state {c.state}, ready {c.ready})", (f"Pod/{event.pod}",))


@invariant("pre-stop-before-stop", kind=TRANSITION, rules=("53", "8.10"), witness="sometimes-pre-stop-pending")
@for_events("KubeletStopContainer")
def pre_stop_before_stop(before, event, after):
    """The kubelet stops a container only after its preStop hook returned or the grace period ran out."""
    s = before.pods[event.pod].container(event.container).status
    deadline = getattr(s, "stop_deadline", None)
    if s.pre_stop_pending and (deadline is None or before.clock < deadline):
        yield Violation("pre-stop-before-stop", f"{event.pod}/{event.container} was stopped while its preStop "
                        "hook was still running within the grace period", (f"Pod/{event.pod}",))


@invariant("pre-stop-on-deletion", kind=TRANSITION, rules=("53", "54", "8.10"), witness="sometimes-pre-stop-pending")
@for_events("DeletePod")
def pre_stop_on_deletion(before, event, after):
    """An API deletion runs the preStop hook of every running container that has one (even with grace 0)."""
    if event.pod not in after.pods:
        return
    node = before.nodes.get(before.pods[event.pod].node_name or "")
    for c_before, c_after in zip(before.pods[event.pod].containers, after.pods[event.pod].containers):
        if c_before.pre_stop is not None and c_before.status.state == "running" and not c_before.status.stopping \
                and node is not None and not c_after.status.pre_stop_pending:
            yield Violation("pre-stop-on-deletion", f"deleting {event.pod} did not run the preStop hook of "
                            f"{c_before.name}", (f"Pod/{event.pod}",))


@invariant("no-pre-stop-on-exit", kind=TRANSITION, rules=("53", "8.10"), witness="sometimes-pre-stop-pending")
@for_events("ContainerExits")
def no_pre_stop_on_exit(before, event, after):
    """A container that exits by itself runs no preStop hook."""
    s = after.pods[event.pod].container(event.container).status
    if s.pre_stop_pending or s.stopping:
        yield Violation("no-pre-stop-on-exit", f"{event.pod}/{event.container} exited by itself but a preStop hook "
                        "was started", (f"Pod/{event.pod}",))


_POST_START_PENDING = pod_fact(lambda pod: any(c.status.post_start_pending for c in pod.containers))


@invariant("sometimes-post-start-pending", kind=SOMETIMES, applies=any_container(lambda c: c.post_start is not None))
def post_start_pending(cluster):
    """Some container has started and waits for its postStart hook."""
    return some_pod(cluster, _POST_START_PENDING)


_PRE_STOP_PENDING = pod_fact(lambda pod: any(c.status.pre_stop_pending for c in pod.containers))


@invariant("sometimes-pre-stop-pending", kind=SOMETIMES, applies=any_container(lambda c: c.pre_stop is not None))
def pre_stop_pending(cluster):
    """Some container is being stopped and waits for its preStop hook."""
    return some_pod(cluster, _PRE_STOP_PENDING)


# --------------------------------------------------------------------------------------------------------------
# preStop on every kill the kubelet initiates (issue 18, item 3), restated from kuberuntime_container.go
# killContainer and setTerminationGracePeriod, and pod_workers.go's 1 s minimum for a deletion (SEMANTICS 53,
# 8.7, 8.10); no kubelet function is called.

# SEMANTICS 8.10: a pod deletion gives the kubelet at least 1 s, so even a force delete (grace 0) runs preStop.
MIN_DELETION_GRACE = 1
DELETION_REASON = "Killing"
# The events that start a kill, with the kill reason the model records for each (ContainerStatus.kill_reason):
# API deletions (a user, the replication controller's scale-down, the garbage collector, taint eviction), the
# probe kills and a failed postStart hook.
KILL_REASONS = {
    "DeletePod": DELETION_REASON, "ReplicaSetDeletePods": DELETION_REASON,
    "GarbageCollectorDeletePod": DELETION_REASON, "NodeLifecycleEvictPod": DELETION_REASON,
    "LivenessProbeFails": "LivenessProbeFailed", "StartupProbeFails": "StartupProbeFailed",
    "PostStartHookFails": "FailedPostStartHook",
}


def _kill_grace(pod) -> int:
    """The grace period of a kill, restated (setTerminationGracePeriod; SEMANTICS 8.7, 8.10): the pod's
    terminationGracePeriodSeconds, at least 1 s once the pod is being deleted (the model has no deletion grace
    override and no probe-level grace)."""
    grace = pod.termination_grace_period_seconds
    return max(grace, MIN_DELETION_GRACE) if pod.terminating else grace


def _kill_violations(rule: str, before, event, after, only_zero_grace: bool = False):
    """The kills a step started, each checked against killContainer: the reason the event gives, the grace
    deadline clock + grace, and preStop started iff the container has one and the grace is positive; a
    deletion kills every running container of the pods it deletes; a kill already under way is left as it is."""
    reason = KILL_REASONS[type(event).__name__]
    deletion = reason == DELETION_REASON
    for name, old, pod in changed_pods(before, after):
        if only_zero_grace and pod.termination_grace_period_seconds != 0:
            continue
        grace = _kill_grace(pod)
        deleted = deletion and pod.terminating and not old.terminating
        for c_b, c_a in zip(old.containers, pod.containers):
            b, a = c_b.status, c_a.status
            where = (f"Pod/{name}",)
            if b.state != RUNNING:
                continue
            if b.stopping:
                if (a.stopping, a.stop_deadline, a.kill_reason) != (True, b.stop_deadline, b.kill_reason) and \
                        a.state == RUNNING:
                    yield Violation(rule, f"{type(event).__name__} changed the kill already under way of "
                                    f"{name}/{c_b.name}", where)
                continue
            if not a.stopping:
                if deleted:
                    yield Violation(rule, f"deleting {name} did not kill its running container {c_b.name}", where)
                continue
            pre_stop = c_b.pre_stop is not None and grace > 0
            deadline = before.clock + grace
            if (a.pre_stop_pending, a.pre_stop_ran) != (pre_stop, pre_stop):
                yield Violation(rule, f"{type(event).__name__} killed {name}/{c_b.name} (grace {grace} s, preStop "
                                f"hook {'declared' if c_b.pre_stop is not None else 'none'}) and "
                                f"{'did not run' if pre_stop else 'ran'} preStop", where)
            if a.stop_deadline != deadline or a.kill_reason != reason:
                yield Violation(rule, f"{type(event).__name__} killed {name}/{c_b.name} with reason {a.kill_reason} "
                                f"and deadline {a.stop_deadline}, not {reason} and {deadline} (grace {grace} s)",
                                where)


@invariant("pre-stop-on-every-kill", kind=TRANSITION, rules=("49", "52", "53", "54", "8.9", "8.10"),
           witness="sometimes-pre-stop-on-probe-kill")
@for_events(*KILL_REASONS)
def pre_stop_on_every_kill(before, event, after):
    """Every kill the kubelet initiates on a running container (an API deletion or eviction, a liveness or
    startup kill, a failed postStart hook) runs the container's preStop hook first when the kill's grace is
    positive (always for a deletion, which gets at least 1 s), with the grace deadline and the kill reason
    upstream gives; a deletion kills every running container."""
    return _kill_violations("pre-stop-on-every-kill", before, event, after)


@invariant("zero-grace-deletion-runs-pre-stop", kind=TRANSITION, rules=("53", "54", "8.10"),
           witness="sometimes-pre-stop-with-zero-grace")
@for_events(*(name for name, reason in KILL_REASONS.items() if reason == DELETION_REASON))
def zero_grace_deletion_runs_pre_stop(before, event, after):
    """Deleting a pod whose terminationGracePeriodSeconds is 0 still runs every running container's preStop
    hook, bounded by the kubelet's 1 s minimum (pod_workers.go; SEMANTICS 8.10)."""
    return _kill_violations("zero-grace-deletion-runs-pre-stop", before, event, after, only_zero_grace=True)


def _probe_kill_with_pre_stop(pod) -> bool:
    return any(c.status.pre_stop_pending and c.status.kill_reason in ("LivenessProbeFailed", "StartupProbeFailed")
               for c in pod.containers)


_PRE_STOP_ON_PROBE_KILL = pod_fact(_probe_kill_with_pre_stop)


def _has(cluster, test) -> bool:
    """Some pod or controller template with `test(grace, container)` for one of its containers."""
    return any(test(p.termination_grace_period_seconds, c) for p in cluster.pods.values() for c in p.containers) \
        or any(test(ctl.template.termination_grace_period_seconds, c) for ctl in cluster.controllers.values()
               for c in ctl.template.containers)


@invariant("sometimes-pre-stop-on-probe-kill", kind=SOMETIMES, applies=lambda cluster: _has(
    cluster, lambda grace, c: grace > 0 and c.pre_stop is not None
    and (c.liveness_probe is not None or c.startup_probe is not None)))
def pre_stop_on_probe_kill(cluster):
    """Some container killed by its liveness or startup probe waits for its preStop hook."""
    return some_pod(cluster, _PRE_STOP_ON_PROBE_KILL)


_PRE_STOP_ZERO_GRACE = pod_fact(lambda pod: pod.termination_grace_period_seconds == 0 and pod.terminating and any(
    c.status.pre_stop_pending for c in pod.containers))


@invariant("sometimes-pre-stop-with-zero-grace", kind=SOMETIMES, applies=lambda cluster: _has(
    cluster, lambda grace, c: grace == 0 and c.pre_stop is not None))
def pre_stop_with_zero_grace(cluster):
    """Some container of a pod deleted with grace 0 waits for its preStop hook (the 1 s minimum)."""
    return some_pod(cluster, _PRE_STOP_ZERO_GRACE)
