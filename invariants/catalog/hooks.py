"""Lifecycle hooks: postStart completes before a container can be ready and its failure kills the container;
preStop runs before an API-initiated stop and never on a plain exit (SEED 9, SEMANTICS 52 to 54, 8.9, 8.10)."""

from __future__ import annotations

from invariants.catalog.shared import for_events, pod_fact, some_pod
from invariants.registry import ALWAYS, SOMETIMES, TRANSITION, Violation, any_container, invariant


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
