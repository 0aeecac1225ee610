"""Node faults and the node lifecycle controller.

A `NodeCrash` takes a node's kubelet away: the node stops reporting Ready and nothing on it changes any more
(kubelet events need a Ready node). The node lifecycle controller then marks the node's pods not Ready (so the
endpoints controller drops them) and evicts them (taint-based eviction after the not-ready toleration; the
300 s wait is not modelled: eviction is enabled at once, the earliest the real controller could act). An evicted
pod is terminating, so the replication controller replaces it at once (SEMANTICS 29.2, 37) while the old pod
stays Terminating until its node's kubelet returns (`NodeRecover`) and finishes the deletion, or the Node object
is removed and the pod garbage collector deletes it. That is the seed's "its pods are lost and later replaced".
Per-node infrastructure pods (`Pod.daemon`) tolerate the not-ready taints and are never evicted, as DaemonSet
pods are not.
"""

from __future__ import annotations

import attrs

from kmodel.cluster import Cluster
from kmodel.events import CONTROLLER, FAULT, Event, event_source
from kmodel.parts import register_controller, register_fault_group


@attrs.frozen
class NodeCrash(Event):
    """The node's machine or kubelet fails: the node condition Ready becomes Unknown/False."""

    actor = FAULT
    node: str

    def guard(self, cluster: Cluster) -> bool:
        node = cluster.nodes.get(self.node)
        return node is not None and node.ready

    def apply(self, cluster: Cluster) -> Cluster:
        return cluster.put_node(attrs.evolve(cluster.nodes[self.node], ready=False))


@attrs.frozen
class NodeRecover(Event):
    """The kubelet reports again: the node is Ready and its kubelet resumes (and finishes pending deletions)."""

    actor = FAULT
    node: str

    def guard(self, cluster: Cluster) -> bool:
        node = cluster.nodes.get(self.node)
        return node is not None and not node.ready

    def apply(self, cluster: Cluster) -> Cluster:
        return cluster.put_node(attrs.evolve(cluster.nodes[self.node], ready=True))


@attrs.frozen
class NodeLifecycleMarkPodNotReady(Event):
    """MarkPodsNotReady: a pod on a node that is not Ready gets Ready=False."""

    pod: str

    def guard(self, cluster: Cluster) -> bool:
        pod = cluster.pods.get(self.pod)
        if pod is None or not pod.ready or pod.node_name is None:
            return False
        node = cluster.nodes.get(pod.node_name)
        return node is not None and not node.ready

    def apply(self, cluster: Cluster) -> Cluster:
        from kmodel.controllers.kubelet import remembered_write

        pod = cluster.pods[self.pod]
        return cluster.put_pod(remembered_write(pod, self, 0,
                                                lambda: attrs.evolve(pod, ready=False, ready_since=None)))


@attrs.frozen
class NodeLifecycleEvictPod(Event):
    """Taint-based eviction of a pod from a node that is not Ready: an API delete (SEMANTICS 54)."""

    pod: str

    def guard(self, cluster: Cluster) -> bool:
        pod = cluster.pods.get(self.pod)
        if pod is None or pod.terminating or pod.node_name is None or pod.daemon:
            return False
        node = cluster.nodes.get(pod.node_name)
        return node is not None and not node.ready

    def apply(self, cluster: Cluster) -> Cluster:
        from kmodel.user import delete_pod

        return delete_pod(cluster, self.pod)


def reconcile(cluster: Cluster) -> tuple[Event, ...]:
    """For every node that is not Ready, in name order: mark its Ready pods not Ready, evict the rest. The nodes
    come from the not-ready index (`Cluster.not_ready_nodes`), so a round costs O(pods on not-Ready nodes),
    not O(nodes)."""
    out: list[Event] = []
    for node_name in sorted(cluster.not_ready_nodes):
        for name in sorted(cluster.pods_by_node.get(node_name, ())):
            pod = cluster.pods[name]
            if pod.ready:
                out.append(NodeLifecycleMarkPodNotReady(pod.name))
            elif not pod.terminating and not pod.daemon:
                out.append(NodeLifecycleEvictPod(pod.name))
    return tuple(out)


CONTROLLER_PART = register_controller("node-lifecycle", reconcile, order=20)


@event_source("node-faults", FAULT, order=20)
def node_faults(cluster: Cluster):
    for name in sorted(cluster.nodes):
        node = cluster.nodes[name]
        yield NodeCrash(node.name) if node.ready else NodeRecover(node.name)


register_fault_group("node", NodeCrash, NodeRecover, order=20)
