"""A user's own controller, outside `kmodel/`: it labels every bound pod with the node it runs on.

This is the worked example of the README's "Extending kmodel": one event class (the controller's write), a
reconcile that proposes it, and the user's rules about it, registered with `kmodel.parts` and
`invariants.registry`. Nothing under `kmodel/` names this module: once `register()` has run (from a conftest, a
plugin's `kmodel.parts` entry point `"node_labeler = tests.extension.node_labeler:register"`, or an import), the
explorer branches over its writes, `settle` runs it in the fair round (so STABLE rules see it), the Hypothesis
machine draws its events and `kmodel replay` decodes them.
"""

from __future__ import annotations

import attrs

from invariants.registry import SOMETIMES, STABLE, TRANSITION, Violation, invariant, unregister
from kmodel import parts
from kmodel.events import CONTROLLER, Event

LABEL = "example.com/node"
NAME = "node-labeler"
RULES = ("bound-pods-carry-their-node", "node-labeler-writes-one-label", "sometimes-pod-labelled")


@attrs.frozen
class NodeLabelerLabelPod(Event):
    """The controller's write: `metadata.labels[example.com/node] = node` on a bound pod."""

    actor = CONTROLLER
    pod: str
    node: str

    def guard(self, cluster) -> bool:
        pod = cluster.pods.get(self.pod)
        return pod is not None and pod.node_name == self.node and pod.labels.get(LABEL) != self.node

    def apply(self, cluster):
        pod = cluster.pods[self.pod]
        return cluster.put_pod(attrs.evolve(pod, labels=pod.labels.set(LABEL, self.node)))


def reconcile(cluster) -> tuple[Event, ...]:
    """One write per bound pod whose label is missing or names another node, in name order."""
    return tuple(NodeLabelerLabelPod(name, pod.node_name) for name, pod in sorted(cluster.pods.items())
                 if pod.node_name is not None and pod.labels.get(LABEL) != pod.node_name)


def bound_pods_carry_their_node(cluster):
    """At quiescence every bound pod is labelled with its node."""
    for name, pod in cluster.pods.items():
        if pod.node_name is not None and pod.labels.get(LABEL) != pod.node_name:
            yield Violation(RULES[0], f"pod {name} runs on {pod.node_name} but is labelled "
                            f"{pod.labels.get(LABEL)!r}", (f"Pod/{name}",))


def writes_one_label(before, event, after):
    """A labeler write changes that pod's one label and nothing else of the pod."""
    if not isinstance(event, NodeLabelerLabelPod):
        return
    old, new = before.pods[event.pod], after.pods[event.pod]
    others = {k: v for k, v in new.labels.items() if k != LABEL}
    if others != {k: v for k, v in old.labels.items() if k != LABEL} or new.labels.get(LABEL) != event.node or \
            attrs.evolve(new, labels=old.labels) != old:
        yield Violation(RULES[1], f"labelling {event.pod} changed more than {LABEL}", (f"Pod/{event.pod}",))


def some_pod_labelled(cluster) -> bool:
    """Some pod carries the label (the labeler has acted)."""
    return any(LABEL in p.labels for p in cluster.pods.values())


def register(reconcile_fn=reconcile) -> None:
    """Register the controller (after every built-in one in the fair round) and its rules."""
    parts.register_controller(NAME, reconcile_fn)
    invariant(RULES[0], kind=STABLE, witness=RULES[2])(bound_pods_carry_their_node)
    invariant(RULES[1], kind=TRANSITION, witness=RULES[2])(writes_one_label)
    invariant(RULES[2], kind=SOMETIMES, applies=lambda c: bool(c.nodes) and bool(c.pods or c.controllers))(
        some_pod_labelled)


def unregister_all() -> None:
    parts.unregister_controller(NAME)
    for rule in RULES:
        unregister(rule)
