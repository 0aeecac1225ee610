"""The seed's spreading rule as a profile (SEED 10; SEMANTICS 60 says why it is not what kube-scheduler does):
among the feasible nodes, the one with the fewest pods of the same controller, then the fewest pods, then the
first by name (the model's deterministic final tie-break).

"Pods of the same controller": for a pod with a controller owner, the owner's bound, active pods on the node
(`Cluster.owner_pods_on`); for an unowned pod, the bound, active pods on the node that belong to any Service
selecting it (no Service: no siblings). "Pods": every bound, non-terminal pod on the node (`usage.pods`, the
count NodeResourcesFit caps).
"""

from __future__ import annotations

import immutables

from kmodel.scheduler.framework import RankIndex, selecting_services

NAME = "TextbookSpread"
_EMPTY = immutables.Map()


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


# ---- the fast form: what the index's trees and the scheduler cache read (framework.RankIndex) ----------------

def spread_group(pod, cluster) -> tuple:
    """The pod's siblings as a group key: `("owner", owner key)` for a pod with a controller owner, else
    `("services", names of the Services selecting it)` (no Service: no siblings, every count is 0)."""
    if pod.owner is not None:
        return ("owner", pod.owner.key)
    return ("services", selecting_services(pod, cluster))


def group_count(group: tuple, node_name: str, cluster) -> int:
    """`sibling_count` for any pod of the group, from the cluster's indexes: the owner's active pods counted on
    the node (`owner_node_counts`), or the bound, active members of the group's Services there."""
    if group[0] == "owner":
        return cluster.owner_node_counts.get(group[1], _EMPTY).get(node_name, 0)
    services = group[1]
    if not services:
        return 0
    members = [cluster.service_members.get(s, _EMPTY) for s in services]
    n = 0
    for pod_name in cluster.pods_by_node.get(node_name, _EMPTY):
        if any(pod_name in m for m in members):
            pod = cluster.pods[pod_name]
            if not pod.terminal and pod.deletion_timestamp is None:
                n += 1
    return n


def is_sibling(group: tuple, pod, cluster) -> bool:
    """Whether binding `pod` (a queued pod of `cluster`) adds one to the group's count on its node."""
    if group[0] == "owner":
        return pod.owner is not None and pod.owner.key == group[1]
    selected_by = cluster.pod_services.get(pod.name, ())
    return any(s in selected_by for s in group[1])


def reads_services(group: tuple) -> bool:
    """An unowned pod's group is named by, and counts, its Services' members."""
    return group[0] == "services"


INDEX = RankIndex(spread_group, group_count, is_sibling, reads_services)
