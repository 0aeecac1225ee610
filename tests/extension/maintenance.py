"""A user's own object kind, outside `kmodel/`: `NodeMaintenance` (`example.com/v1`), which names a node to take out
of service, and the controller that reconciles it by cordoning that node (the first step of a drain).

The worked example of the README's "Extending kmodel: a kind". One `kmodel.kinds.register_kind` makes the kind
readable from manifests (with FILE:LINE errors from `kmodel.manifests.Fields`), admitted by `Cluster.create`
(its `validate`), held in the state (`Cluster.objects`), saved in traces and exported as YAML; one
`kmodel.parts.register_controller` runs its controller in `settle`, the explorer and the Hypothesis machine;
`invariants.registry.invariant` adds its rules. Nothing under `kmodel/` names this module.
"""

from __future__ import annotations

import attrs

from invariants.registry import SOMETIMES, STABLE, TRANSITION, Violation, invariant, unregister
from kmodel import kinds, parts
from kmodel.errors import InvalidObject
from kmodel.events import CONTROLLER, Event
from kmodel.objects import check_name

API_VERSION, KIND = "example.com/v1", "NodeMaintenance"
NAME = "node-maintenance"
RULES = ("maintained-nodes-cordoned", "maintenance-cordons-only-maintained-nodes",
         "sometimes-maintained-node-holds-pods")


@attrs.frozen
class NodeMaintenance:
    """spec.nodeName: the node to take out of service; spec.reason: free text."""

    name: str
    node_name: str
    reason: str = ""


def validate(obj: NodeMaintenance) -> None:
    check_name(obj.name, f"{KIND}/{obj.name}")
    if not obj.node_name:
        raise InvalidObject(f"{KIND}/{obj.name}", "spec.nodeName", "Required value")


def read(fields, data: dict, metadata: dict) -> NodeMaintenance:
    """The object a manifest document describes; every field error names its line."""
    spec = fields.mapping(data.get("spec"), ("spec",), required=True)
    return NodeMaintenance(name=metadata["name"],
                           node_name=fields.string(spec.get("nodeName"), ("spec", "nodeName"), required=True),
                           reason=fields.string(spec.get("reason"), ("spec", "reason"), default=""))


def export(obj: NodeMaintenance) -> dict:
    spec = {"nodeName": obj.node_name}
    if obj.reason:
        spec["reason"] = obj.reason
    return {"apiVersion": API_VERSION, "kind": KIND, "metadata": {"name": obj.name}, "spec": spec}


def maintained(cluster) -> set[str]:
    """The names of the nodes some NodeMaintenance names."""
    return {m.node_name for m in cluster.objects_of(KIND)}


@attrs.frozen
class MaintenanceCordonNode(Event):
    """The controller's write: `spec.unschedulable = true` on a node under maintenance."""

    actor = CONTROLLER
    node: str

    def guard(self, cluster) -> bool:
        node = cluster.nodes.get(self.node)
        return node is not None and not node.unschedulable and self.node in maintained(cluster)

    def apply(self, cluster):
        return cluster.put_node(attrs.evolve(cluster.nodes[self.node], unschedulable=True))


def reconcile(cluster) -> tuple[Event, ...]:
    """One cordon per maintained node that exists and is still schedulable, in name order."""
    return tuple(MaintenanceCordonNode(name) for name in sorted(maintained(cluster))
                 if name in cluster.nodes and not cluster.nodes[name].unschedulable)


def maintained_nodes_cordoned(cluster):
    """At quiescence every existing node a NodeMaintenance names is cordoned."""
    for name in sorted(maintained(cluster)):
        node = cluster.nodes.get(name)
        if node is not None and not node.unschedulable:
            yield Violation(RULES[0], f"node {name} is under maintenance but still schedulable", (f"Node/{name}",))


def cordons_only_maintained_nodes(before, event, after):
    """A maintenance cordon cordons a node a NodeMaintenance names, and changes nothing else of it."""
    if not isinstance(event, MaintenanceCordonNode):
        return
    old, new = before.nodes[event.node], after.nodes[event.node]
    if event.node not in maintained(before) or not new.unschedulable or attrs.evolve(new, unschedulable=False) != \
            attrs.evolve(old, unschedulable=False):
        yield Violation(RULES[1], f"the maintenance controller cordoned {event.node}, which no NodeMaintenance "
                        "names, or changed more than spec.unschedulable", (f"Node/{event.node}",))


def maintained_node_holds_pods(cluster) -> bool:
    """Some cordoned node under maintenance still runs pods (they were bound before the cordon: a drain would
    evict them next)."""
    return any(cluster.nodes[n].unschedulable and cluster.pods_by_node.get(n)
               for n in maintained(cluster) if n in cluster.nodes)


def register(reconcile_fn=reconcile) -> None:
    """Register the kind, its controller (after every built-in one in the fair round) and its rules."""
    kinds.register_kind(kinds.Kind(KIND, API_VERSION, NodeMaintenance, read=read, export=export, validate=validate))
    parts.register_controller(NAME, reconcile_fn)
    invariant(RULES[0], kind=STABLE, witness=RULES[2])(maintained_nodes_cordoned)
    invariant(RULES[1], kind=TRANSITION, witness=RULES[2])(cordons_only_maintained_nodes)
    invariant(RULES[2], kind=SOMETIMES, applies=lambda c: any(True for _ in c.objects_of(KIND)))(
        maintained_node_holds_pods)


def unregister_all() -> None:
    parts.unregister_controller(NAME)
    kinds.unregister_kind(KIND)
    for rule in RULES:
        unregister(rule)
