"""The seed's spreading rule as a profile (SEED 10; SEMANTICS 60 says why it is not what kube-scheduler does):
among the feasible nodes, the one with the fewest pods of the same controller, then the fewest pods, then the
first by name (the model's deterministic final tie-break).

"Pods of the same controller": for a pod with a controller owner, the owner's bound, active pods on the node
(`Cluster.owner_pods_on`); for an unowned pod, the bound, active pods on the node that belong to any Service
selecting it (no Service: no siblings). "Pods": every bound, non-terminal pod on the node (`usage.pods`, the
count NodeResourcesFit caps).
"""

from __future__ import annotations

NAME = "TextbookSpread"


def sibling_count(pod, node, cluster) -> int:
    if pod.owner is not None:
        return cluster.owner_pods_on(pod.owner.key, node.name)
    selectors = [svc.label_selector for svc in cluster.services.values()
                 if svc.label_selector is not None and svc.label_selector.matches(pod.labels)]
    n = 0
    for other in cluster.pods_on(node.name):
        if other.terminal or other.deletion_timestamp is not None:
            continue
        if any(sel.matches(other.labels) for sel in selectors):
            n += 1
    return n


def rank(pod, node, cluster) -> tuple:
    """The key the textbook profile minimises: (siblings on the node, pods on the node, node name)."""
    return (sibling_count(pod, node, cluster), cluster.usage(node.name).pods, node.name)
