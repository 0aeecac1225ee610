"""User requests to the API server: create, delete, scale, relabel, and node administration.

Each request is an event (actor USER). The API server's validation runs in `guard` (an object the API would
reject is never admitted; `Cluster.create` raises `InvalidObject` for direct use). The engines draw requests from
two finite palettes:
- `user_requests` (source "user"): deletes of the pods that exist, scaling by one within `Config.max_replicas`,
  relabels that orphan a pod or let a controller adopt one (SEMANTICS 36), cordons and uncordons. Per-node
  infrastructure pods are not offered for deletion: their DaemonSet, which is not modelled, would recreate them.
- `teardown_requests` (source `TEARDOWN`): deleting a controller (its pods go through cascading deletion,
  SEMANTICS 38), a Service (its Endpoints go with it), or a Node object (the pod garbage collector removes the
  pods bound to it). They end the story the scenario tells, so the Hypothesis engine offers them only now and
  then, at a quiescence point, and the explorer only when `--user-events` names them.
Creations (`CREATIONS`) need an object spec that no palette invents: the objects an engine starts from come from
the manifests or the scenario, tests apply creation requests with `step`, and the explorer refuses them in
`--user-events` rather than allow requests it would never make."""

from __future__ import annotations

import attrs
import immutables

from kmodel.cluster import Cluster
from kmodel.errors import KModelError
from kmodel.events import USER, Event, event_source
from kmodel.memo import Memo
from kmodel.objects import (
    Node,
    Pod,
    ReplicaSet,
    ReplicationController,
    Service,
    check_labels,
    check_name,
    freeze_labels,
    validate_pod_spec,
)


def _admits(cluster: Cluster, obj: object) -> bool:
    try:
        cluster.create(obj)
    except KModelError:
        return False
    return True


# Validity of what the palette offers, per object (the value keeps the object: its identity is not reused while
# remembered).
_SPEC_VALID = Memo("pod-spec-valid", 4_096)
_LABELS_VALID = Memo("labels-valid", 4_096)


def _labels_valid(labels: immutables.Map) -> bool:
    """`check_labels` passes, remembered per labels object (immutable, shared by the relabels listed for a pod
    from one state to the next; the entry keeps it, so its identity is not reused while remembered)."""
    hit = _LABELS_VALID.get(id(labels))
    if hit is not None and hit[0] is labels:
        return hit[1]
    try:
        check_labels(labels, "Pod", "metadata.labels")
        valid = True
    except KModelError:
        valid = False
    _LABELS_VALID.remember(id(labels), (labels, valid))
    return valid


def _name_and_spec_valid(pod: Pod) -> bool:
    """`Pod.validate` without the labels, remembered per pod object (pods are immutable and shared between
    states; the entry keeps the pod, so its identity is not reused while remembered)."""
    hit = _SPEC_VALID.get(id(pod))
    if hit is not None and hit[0] is pod:
        return hit[1]
    obj = f"Pod/{pod.name}"
    try:
        check_name(pod.name, obj)
        validate_pod_spec(obj, "spec", pod.containers, pod.restart_policy, pod.termination_grace_period_seconds,
                          pod.node_selector)
        valid = True
    except KModelError:
        valid = False
    _SPEC_VALID.remember(id(pod), (pod, valid))
    return valid


@attrs.frozen
class CreatePod(Event):
    """A user creates a bare pod (no owner): replication controllers may adopt it (SEMANTICS 36)."""

    actor = USER
    pod: Pod

    def guard(self, cluster: Cluster) -> bool:
        return self.pod.name not in cluster.pods and _admits(cluster, self.pod)

    def apply(self, cluster: Cluster) -> Cluster:
        return cluster.create(self.pod)


@attrs.frozen
class DeletePod(Event):
    """An API delete: the API server sets deletionTimestamp and the kubelet runs preStop and stops the
    containers within the grace period, then removes the object (SEMANTICS 54). A pod no node holds is removed
    at once, since no kubelet has to stop anything."""

    actor = USER
    pod: str

    def guard(self, cluster: Cluster) -> bool:
        pod = cluster.pods.get(self.pod)
        return pod is not None and not pod.terminating

    def apply(self, cluster: Cluster) -> Cluster:
        return delete_pod(cluster, self.pod)


def delete_pod(cluster: Cluster, name: str) -> Cluster:
    """The API server's graceful delete, shared by users, controllers and the garbage collector."""
    from kmodel.controllers.kubelet import begin_pod_termination

    pod = cluster.pods[name]
    if pod.node_name is None:
        return cluster.remove_pod(name)
    return cluster.put_pod(begin_pod_termination(pod, cluster.clock))


@attrs.frozen
class RelabelPod(Event):
    """A user replaces a pod's labels. A controller releases a pod that no longer matches it and adopts an
    orphan that does (SEMANTICS 36); Services gain or lose it at the next endpoints sync."""

    actor = USER
    pod: str
    labels: immutables.Map = attrs.field(converter=freeze_labels)

    def guard(self, cluster: Cluster) -> bool:
        pod = cluster.pods.get(self.pod)
        if pod is None or pod.labels == self.labels:
            return False
        # The API server's validation of the updated pod (what `Cluster.create` runs on it): its new labels,
        # and its name and spec, which the relabel leaves as they are.
        return _labels_valid(self.labels) and _name_and_spec_valid(pod)

    def apply(self, cluster: Cluster) -> Cluster:
        return cluster.put_pod(attrs.evolve(cluster.pods[self.pod], labels=self.labels))


@attrs.frozen
class CreateService(Event):
    actor = USER
    service: Service

    def guard(self, cluster: Cluster) -> bool:
        return self.service.name not in cluster.services and _admits(cluster, self.service)

    def apply(self, cluster: Cluster) -> Cluster:
        return cluster.create(self.service)


@attrs.frozen
class DeleteService(Event):
    """Deleting a Service deletes its Endpoints with it (they share the name)."""

    actor = USER
    service: str

    def guard(self, cluster: Cluster) -> bool:
        return self.service in cluster.services

    def apply(self, cluster: Cluster) -> Cluster:
        return cluster.remove_service(self.service)


@attrs.frozen
class CreateController(Event):
    """Create a ReplicationController or ReplicaSet (validated: SEMANTICS 24, 25)."""

    actor = USER
    controller: ReplicationController | ReplicaSet

    def guard(self, cluster: Cluster) -> bool:
        return self.controller.key not in cluster.controllers and _admits(cluster, self.controller)

    def apply(self, cluster: Cluster) -> Cluster:
        return cluster.create(self.controller)


@attrs.frozen
class DeleteController(Event):
    """Delete a controller. Its pods are deleted by the garbage collector (cascading deletion, SEMANTICS 38)."""

    actor = USER
    controller: str

    def guard(self, cluster: Cluster) -> bool:
        return self.controller in cluster.controllers

    def apply(self, cluster: Cluster) -> Cluster:
        return cluster.remove_controller(self.controller)


@attrs.frozen
class ScaleController(Event):
    """`kubectl scale`: set spec.replicas (non-negative)."""

    actor = USER
    controller: str
    replicas: int

    def guard(self, cluster: Cluster) -> bool:
        ctl = cluster.controllers.get(self.controller)
        return ctl is not None and self.replicas >= 0 and ctl.replicas != self.replicas

    def apply(self, cluster: Cluster) -> Cluster:
        ctl = cluster.controllers[self.controller]
        return cluster.put_controller(attrs.evolve(ctl, replicas=self.replicas))


@attrs.frozen
class AddNode(Event):
    actor = USER
    node: Node

    def guard(self, cluster: Cluster) -> bool:
        return self.node.name not in cluster.nodes and _admits(cluster, self.node)

    def apply(self, cluster: Cluster) -> Cluster:
        return cluster.create(self.node)


@attrs.frozen
class RemoveNode(Event):
    """Delete a Node object. Its pods are removed by the pod garbage collector."""

    actor = USER
    node: str

    def guard(self, cluster: Cluster) -> bool:
        return self.node in cluster.nodes

    def apply(self, cluster: Cluster) -> Cluster:
        return cluster.remove_node(self.node)


@attrs.frozen
class CordonNode(Event):
    """`kubectl cordon`: spec.unschedulable = true. Running pods stay; new pods go elsewhere."""

    actor = USER
    node: str

    def guard(self, cluster: Cluster) -> bool:
        node = cluster.nodes.get(self.node)
        return node is not None and not node.unschedulable

    def apply(self, cluster: Cluster) -> Cluster:
        return cluster.put_node(attrs.evolve(cluster.nodes[self.node], unschedulable=True))


@attrs.frozen
class UncordonNode(Event):
    actor = USER
    node: str

    def guard(self, cluster: Cluster) -> bool:
        node = cluster.nodes.get(self.node)
        return node is not None and node.unschedulable

    def apply(self, cluster: Cluster) -> Cluster:
        return cluster.put_node(attrs.evolve(cluster.nodes[self.node], unschedulable=False))


def relabel_palette(cluster: Cluster, pod: Pod) -> list[immutables.Map]:
    """Relabels worth exploring: drop a label a selector relies on (the pod is orphaned, SEMANTICS 36), or give
    an orphan the template labels of a controller (adoption)."""
    out = []
    if pod.labels:
        first = sorted(pod.labels)[0]
        out.append(pod.labels.delete(first))
    if pod.owner is None:
        for key in sorted(cluster.controllers):
            labels = cluster.controllers[key].template.labels
            if labels != pod.labels and labels not in out:
                out.append(labels)
    return out


_PALETTES = Memo("pod-requests", 4_096)


def _pod_requests(cluster: Cluster, pod: Pod) -> tuple[Event, ...]:
    """The pod's delete and relabels of the palette, remembered per (pod, controllers) pair of objects (both
    immutable; the palette reads nothing else): the same request objects are listed while neither changes."""
    key = (id(pod), id(cluster.controllers))
    hit = _PALETTES.get(key)
    if hit is not None and hit[0] is pod and hit[1] is cluster.controllers:
        return hit[2]
    events: tuple[Event, ...] = ()
    if not pod.terminating and not pod.daemon:
        events = (DeletePod(pod.name),) + tuple(RelabelPod(pod.name, labels)
                                                for labels in relabel_palette(cluster, pod))
    _PALETTES.remember(key, (pod, cluster.controllers, events))
    return events


@event_source("user", USER, order=10)
def user_requests(cluster: Cluster):
    """A finite palette of user requests enabled in `cluster` (see the module docstring), in name order so that
    runs are reproducible whatever the hash seed."""
    for key in sorted(cluster.controllers):
        ctl = cluster.controllers[key]
        if ctl.replicas < cluster.config.max_replicas:
            yield ScaleController(key, ctl.replicas + 1)
        if ctl.replicas > 0:
            yield ScaleController(key, ctl.replicas - 1)
    for name in sorted(cluster.pods):
        yield from _pod_requests(cluster, cluster.pods[name])
    for name in sorted(cluster.nodes):
        node = cluster.nodes[name]
        yield UncordonNode(node.name) if node.unschedulable else CordonNode(node.name)


TEARDOWN = "user-teardown"  # the source of the requests that end the scenario's story (module docstring)
CREATIONS = ("CreatePod", "CreateService", "CreateController", "AddNode")  # requests no palette offers


@event_source(TEARDOWN, USER, order=10)
def teardown_requests(cluster: Cluster):
    """Deleting each controller, each Service and each Node object that exists, in name order."""
    for key in sorted(cluster.controllers):
        yield DeleteController(key)
    for name in sorted(cluster.services):
        yield DeleteService(name)
    for name in sorted(cluster.nodes):
        yield RemoveNode(name)
