"""Node lifecycle and the kubelet: a kubelet acts only while its node is Ready; the node lifecycle controller
marks the pods of a node that is not Ready not Ready and evicts them (DaemonSet-like per-node pods are marked,
never evicted) (SEED 10, SEMANTICS 54; upstream pkg/controller/nodelifecycle node_lifecycle_controller.go and
pkg/controller/util/node MarkPodsNotReady, taint-based eviction of NoExecute not-ready/unreachable taints,
which DaemonSet pods tolerate).

The model enables marking and eviction as soon as a node stops being Ready (the 40 s grace and the 300 s
toleration are not timed), so "eventually" is "at quiescence": the STABLE rule states it there. No rule here
calls the controller's or the kubelet's code.
"""

from __future__ import annotations

import attrs

from invariants.catalog.probes import KUBELET_WRITES
from invariants.catalog.shared import for_events
from invariants.registry import SOMETIMES, STABLE, TRANSITION, Violation, invariant

# Every event the kubelet of a pod's node makes or the kubelet's environment reports for a pod.
KUBELET_EVENTS = (*KUBELET_WRITES, "KubeletDeletePod")


@invariant("kubelet-acts-only-on-ready-nodes", kind=TRANSITION, rules=("54", "SEED 10"),
           witness="sometimes-pod-on-not-ready-node")
@for_events(*KUBELET_EVENTS)
def kubelet_acts_only_on_ready_nodes(before, event, after):
    """A kubelet write or a container event (start, stop, exit, hook or probe result, status write, final
    delete) happens only for a pod bound to an existing node whose kubelet reports Ready: on a crashed node
    nothing changes until it recovers."""
    pod = before.pods.get(event.pod)
    node = before.nodes.get(pod.node_name) if pod is not None and pod.node_name else None
    if node is None or not node.ready:
        yield Violation("kubelet-acts-only-on-ready-nodes", f"{type(event).__name__} changed pod {event.pod} on "
                        f"{'no node' if node is None else f'node {node.name}, which is not Ready'}",
                        (f"Pod/{event.pod}",))


@invariant("node-lifecycle-acts-only-on-lost-nodes", kind=TRANSITION, rules=("29", "54", "SEED 10"),
           witness="sometimes-pod-on-not-ready-node")
@for_events("NodeLifecycleMarkPodNotReady", "NodeLifecycleEvictPod")
def node_lifecycle_acts_only_on_lost_nodes(before, event, after):
    """The node lifecycle controller touches only pods of a node that is not Ready: MarkPodsNotReady sets the
    Ready condition False and changes nothing else (container statuses are the kubelet's); eviction deletes a
    pod that is not a per-node daemon pod, gracefully (the pod is terminating)."""
    pod = before.pods[event.pod]
    node = before.nodes.get(pod.node_name) if pod.node_name else None
    where = (f"Pod/{event.pod}",)
    if node is None or node.ready:
        yield Violation("node-lifecycle-acts-only-on-lost-nodes", f"{type(event).__name__} acted on pod "
                        f"{event.pod}, whose node is {'missing' if node is None else 'Ready'}", where)
    new = after.pods.get(event.pod)
    if type(event).__name__ == "NodeLifecycleMarkPodNotReady":
        if new != attrs.evolve(pod, ready=False, ready_since=None):
            yield Violation("node-lifecycle-acts-only-on-lost-nodes", f"marking {event.pod} not Ready changed more "
                            "than its Ready condition", where)
    elif pod.daemon or (new is not None and not new.terminating):
        yield Violation("node-lifecycle-acts-only-on-lost-nodes", f"evicting {event.pod} "
                        f"{'evicted a per-node daemon pod' if pod.daemon else 'did not delete it'}", where)


@invariant("pods-on-lost-nodes-not-ready", kind=STABLE, rules=("29", "42", "54", "SEED 10"),
           witness="sometimes-pod-on-not-ready-node")
def pods_on_lost_nodes_not_ready(cluster):
    """At quiescence, no pod bound to an existing node that is not Ready is Ready (MarkPodsNotReady), and every
    such pod but the per-node daemon pods is being deleted (taint-based eviction), so its controller has
    replaced it."""
    for node_name in cluster.not_ready_nodes:
        for name in cluster.pods_by_node.get(node_name, ()):
            pod = cluster.pods[name]
            if pod.ready or not (pod.terminating or pod.daemon):
                yield Violation("pods-on-lost-nodes-not-ready", f"at quiescence pod {name} on not-Ready node "
                                f"{node_name} is {'Ready' if pod.ready else 'not being evicted'}", (f"Pod/{name}",))


@invariant("sometimes-pod-on-not-ready-node", kind=SOMETIMES,
           applies=lambda cluster: bool(cluster.nodes) and bool(cluster.pods or cluster.controllers))
def pod_on_not_ready_node(cluster):
    """Some pod is bound to a node that is not Ready."""
    by_node = cluster.pods_by_node
    return any(by_node.get(n) for n in cluster.not_ready_nodes)


# --------------------------------------------------------------------------------------------------------------
# A bound pod leaves the API only through the deletion flow (SEMANTICS 54)

_RUNNING = "running"


def _gone_pods(before, after):
    """The pods of `before` that `after` no longer holds (a step removes at most a few: counted first)."""
    old, new = before.pods, after.pods
    if old is new or len(new) >= len(old) and all(name in new for name in old):
        return ()
    return tuple(pod for name, pod in old.items() if name not in new)


@invariant("bound-pods-leave-only-when-stopped", kind=TRANSITION, rules=("54", "38", "8.10"),
           witness="sometimes-terminating-pod-partly-stopped")
def bound_pods_leave_only_when_stopped(before, event, after):
    """A pod bound to a node that exists leaves the API only at the end of the deletion flow (SEMANTICS 54.3): it
    was terminating (deletionTimestamp set, 54.1) and none of its containers still runs, so every container had
    its preStop and its grace period. The other ways out are pod GC's: a Succeeded or Failed pod, and a pod whose
    node object is gone. An eviction (node lifecycle, SEMANTICS 29 and 54) and a cascading deletion (the garbage
    collector, 38) are API deletes, never a removal of the object; a pod no node holds is removed at once."""
    for pod in _gone_pods(before, after):
        if pod.node_name is None or pod.node_name not in before.nodes or pod.phase in ("Succeeded", "Failed"):
            continue
        running = [c.name for c in pod.containers if c.status.state == _RUNNING]
        if pod.deletion_timestamp is None or running:
            why = "it was not being deleted" if pod.deletion_timestamp is None else \
                f"container(s) {', '.join(running)} still ran"
            yield Violation("bound-pods-leave-only-when-stopped", f"{type(event).__name__} removed pod {pod.name} "
                            f"from node {pod.node_name}, but {why}", (f"Pod/{pod.name}", f"Node/{pod.node_name}"))


def _partly_stopped(pod) -> bool:
    states = {c.status.state == _RUNNING for c in pod.containers}
    return pod.deletion_timestamp is not None and pod.node_name is not None and states == {True, False}


@invariant("sometimes-terminating-pod-partly-stopped", kind=SOMETIMES,
           applies=lambda c: any(len(p.containers) > 1 for p in c.pods.values())
           or any(len(ctl.template.containers) > 1 for ctl in c.controllers.values()))
def terminating_pod_partly_stopped(cluster):
    """A terminating bound pod of several containers has stopped some of them and still runs others: the state
    where removing the object early would cut a container's preStop or grace short. Faults alone reach it (a
    node crash, the eviction, the node's recovery), as do deletes and scale-downs."""
    return any(_partly_stopped(p) for p in cluster.pods.values())
