"""The garbage collector (cascading deletion) and the pod garbage collector (SEMANTICS 38, 54).

- Cascading deletion: deleting a ReplicaSet or ReplicationController does not delete its pods; the garbage
  collector does, through ownerReferences (SEMANTICS 38). A pod whose controllerRef names an owner that no
  longer exists, or exists with another uid (deleted and recreated under the same name), is deleted in the
  background: an API delete, so a bound pod terminates through its kubelet (SEMANTICS 54) and an unbound one
  is removed at once. Foreground deletion and the orphan propagation policy are not modelled: user deletes of
  controllers are background deletes, kubectl's default.
- Pod GC, terminated pods (`gcTerminated`): upstream force-deletes the oldest terminal pods beyond
  `--terminated-pod-gc-threshold` (12500 by default). The model uses threshold 0, so every Succeeded or Failed
  pod may be removed: with a positive threshold the set of terminal pods a state keeps would grow with the
  run, and the explored state space with it.
- Pod GC, orphaned pods (`gcOrphaned`): a pod bound to a node whose Node object no longer exists is
  force-deleted (removed at once; no kubelet is left to finish it). The quarantine delay is not modelled.

Work queues kept in the state (DESIGN principle 1), so a round costs O(work), never O(pods): the node names that
bound pods name but no Node object has (`Cluster.lost_nodes`, their pods from the node index), the Succeeded or
Failed pods (`Cluster.terminal_pods`), and the non-terminating pods whose controller owner is gone or has another
uid (`Cluster.dangling_pods`).
"""

from __future__ import annotations

import attrs

from kmodel.cluster import Cluster
from kmodel.controllers.replication import api_delete_pod
from kmodel.events import CONTROLLER, Event
from kmodel.objects import Pod
from kmodel.parts import register_controller


def owner_missing(cluster: Cluster, pod: Pod) -> bool:
    """The pod has a controllerRef whose owner is gone or has another uid (SEMANTICS 38)."""
    return pod.owner is not None and not cluster.owner_alive(pod)


@attrs.frozen
class GarbageCollectorDeletePod(Event):
    """Background cascading deletion of a pod whose controller owner no longer exists (SEMANTICS 38)."""

    actor = CONTROLLER
    pod: str

    def guard(self, cluster: Cluster) -> bool:
        pod = cluster.pods.get(self.pod)
        return pod is not None and not pod.terminating and owner_missing(cluster, pod)

    def apply(self, cluster: Cluster) -> Cluster:
        return api_delete_pod(cluster, self.pod)


@attrs.frozen
class PodGCDeleteTerminatedPod(Event):
    """Pod GC force-deletes a Succeeded or Failed pod (threshold 0 in the model, see the module docstring)."""

    actor = CONTROLLER
    pod: str

    def guard(self, cluster: Cluster) -> bool:
        pod = cluster.pods.get(self.pod)
        return pod is not None and pod.terminal

    def apply(self, cluster: Cluster) -> Cluster:
        return cluster.remove_pod(self.pod)


@attrs.frozen
class PodGCDeleteOrphanedPod(Event):
    """Pod GC force-deletes a pod bound to a node that no longer exists."""

    actor = CONTROLLER
    pod: str

    def guard(self, cluster: Cluster) -> bool:
        pod = cluster.pods.get(self.pod)
        return pod is not None and pod.node_name is not None and pod.node_name not in cluster.nodes

    def apply(self, cluster: Cluster) -> Cluster:
        return cluster.remove_pod(self.pod)


def orphaned_pods(cluster: Cluster) -> list[str]:
    """Pods bound to a node that no longer exists, by name (the lost-node index, then the node index)."""
    out: list[str] = []
    for node in cluster.lost_nodes:
        out.extend(cluster.pods_by_node.get(node, ()))
    return sorted(out)


def terminated_pods(cluster: Cluster) -> list[str]:
    """Succeeded or Failed pods, by name (the terminal-pod index)."""
    return sorted(cluster.terminal_pods)


def dependents_of_missing_owners(cluster: Cluster) -> list[str]:
    """Non-terminating pods whose controller owner is gone or has another uid, by name (the dangling-owner
    index, which `owner_missing` defines pod by pod)."""
    return sorted(cluster.dangling_pods)


def reconcile(cluster: Cluster) -> tuple[Event, ...]:
    """Pod GC's removals (orphaned, then terminated pods), then the garbage collector's deletes. Each pod is
    proposed once: a pod pod GC removes is not also deleted by the garbage collector, since removal already
    subsumes the delete."""
    out: list[Event] = []
    taken: set[str] = set()
    for name in orphaned_pods(cluster):
        out.append(PodGCDeleteOrphanedPod(name))
        taken.add(name)
    for name in terminated_pods(cluster):
        if name not in taken:
            out.append(PodGCDeleteTerminatedPod(name))
            taken.add(name)
    for name in dependents_of_missing_owners(cluster):
        if name not in taken:
            out.append(GarbageCollectorDeletePod(name))
    return tuple(out)


CONTROLLER_PART = register_controller("garbage-collector", reconcile, order=30)
