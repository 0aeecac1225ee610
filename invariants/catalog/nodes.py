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
