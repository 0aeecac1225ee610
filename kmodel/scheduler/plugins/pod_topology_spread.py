"""PodTopologySpread with the system default constraints (SEMANTICS 59, 8.13), weight 2 in the kubernetes
profile. Scoring only: the defaults are ScheduleAnyway, so they never filter.

- Constraints: `kubernetes.io/hostname` maxSkew 3, then `topology.kubernetes.io/zone` maxSkew 5. They apply to
  pods with no constraints of their own (kmodel pods have none) whose default selector is not empty.
- Default selector (`helper.DefaultSelector`): the merged `key=value` selectors of the Services that select the
  pod, plus the selector of the pod's controlling owner when that controller exists (an RC's map is merged in,
  an RS's requirements are added). Upstream reads the owner through the controller reference, by name, which
  is what the model does; SEMANTICS 8.13's "selecting it by labels" is the same set whenever the owner selects
  its pod, which the replication controller's release rule keeps true (SEMANTICS 36). [R: owner reference.]
- Counting: pods bound to a node, not terminal (the scheduler's informer drops Succeeded/Failed pods) and not
  terminating, that match the selector (one namespace in the model).
- PreScore: the hostname weight is `ln(feasible nodes + 2)`; the zone weight is `ln(zone values + 2)` over the
  feasible nodes, where a node without the zone label contributes the value "" (upstream keys the pair on
  `node.Labels[key]`); zone counts sum over every node that matches the pod's nodeSelector (nodeAffinityPolicy
  Honor, nodeTaintsPolicy Ignore) and lies in one of those zone values.
- Score: `Σ cnt × weight + (maxSkew − 1)` as a float, the zone term only for nodes that carry the zone label;
  the hostname label is assumed on every node (the kubelet sets it); rounded once with Go's `math.Round`.
- NormalizeScore: `100 × (max + min − s) / max` (framework.normalize_reverse).
"""

from __future__ import annotations

import math

from kmodel.labels import Selector, selector_from_map
from kmodel.objects import ReplicaSet, ReplicationController
import immutables

from kmodel.scheduler.framework import (
    MAX_NODE_SCORE,
    SKIP,
    ScorePlugin,
    go_round,
    normalize_reverse,
    selecting_services,
)
from kmodel.scheduler.plugins import node_affinity
from kmodel.scheduler.plugins.node_affinity import selector_matches

NAME = "PodTopologySpread"
HOSTNAME = "kubernetes.io/hostname"
ZONE = "topology.kubernetes.io/zone"
HOSTNAME_MAX_SKEW = 3
ZONE_MAX_SKEW = 5
_EMPTY = immutables.Map()


def default_selector(pod, cluster) -> Selector:
    """`helper.DefaultSelector` for the pod (see the module docstring)."""
    label_set: dict[str, str] = {}
    for svc in cluster.services.values():
        sel = svc.label_selector
        if sel is not None and sel.matches(pod.labels):
            label_set.update(svc.selector)
    selector = selector_from_map(label_set)
    if pod.owner is None:
        return selector
    ctl = cluster.controllers.get(pod.owner.key)
    if isinstance(ctl, ReplicationController):
        label_set.update(ctl.selector)
        selector = selector_from_map(label_set)
    elif isinstance(ctl, ReplicaSet) and not ctl.selector.is_nothing:
        selector = selector.add(*ctl.selector.requirements)
    return selector


def counts(pod: object) -> bool:
    """Whether a pod is counted on its node: bound, not terminal, not terminating (SEMANTICS 8.13)."""
    return pod.node_name is not None and not pod.terminal and pod.deletion_timestamp is None  # type: ignore


def count_on_node(selector: Selector, node_name: str, cluster) -> int:
    """`countPodsMatchSelector` over the node's pods."""
    return sum(1 for p in cluster.pods_on(node_name) if counts(p) and selector.matches(p.labels))


def topology_weight(size: int) -> float:
    """`topologyNormalizingWeight`: ln(size + 2)."""
    return math.log(float(size + 2))


def raw_score(host_count: int, host_weight: float, zone_count: int | None, zone_weight: float) -> int:
    """A node's raw score: the float sum over the constraints in order, then `math.Round`. `zone_count` is None
    for a node without the zone label (the zone constraint does not score it)."""
    score = 0.0
    score += float(host_count) * host_weight + float(HOSTNAME_MAX_SKEW - 1)
    if zone_count is not None:
        score += float(zone_count) * zone_weight + float(ZONE_MAX_SKEW - 1)
    return go_round(score)


class State:
    """PreScore state: the selector, the two normalising weights and the zone counts."""

    __slots__ = ("selector", "host_weight", "zone_weight", "zone_counts")

    def __init__(self, selector: Selector, host_weight: float, zone_weight: float, zone_counts: dict) -> None:
        self.selector = selector
        self.host_weight = host_weight
        self.zone_weight = zone_weight
        self.zone_counts = zone_counts


def prepare(pod, cluster, feasible):
    selector = default_selector(pod, cluster)
    if selector.empty or selector.is_nothing or not feasible:
        return SKIP
    domains = {n.labels.get(ZONE, "") for n in feasible}
    zone_counts = dict.fromkeys(domains, 0)
    for node in cluster.nodes.values():
        value = node.labels.get(ZONE, "")
        if value in zone_counts and selector_matches(pod.node_selector, node.labels):
            zone_counts[value] += count_on_node(selector, node.name, cluster)
    return State(selector, topology_weight(len(feasible)), topology_weight(len(domains)), zone_counts)


def score(pod, node, cluster, state: State) -> int:
    zone = node.labels.get(ZONE)
    return raw_score(count_on_node(state.selector, node.name, cluster), state.host_weight,
                     None if zone is None else state.zone_counts[zone], state.zone_weight)


def normalize(scores: list, state: State) -> list:
    return normalize_reverse(scores)


def scores_fast(pod, cluster, candidates) -> list[int] | None:
    """Every candidate's normalised score at once, as `prepare`, `score` and `normalize` give them, in
    O(n + p): the matching pods are counted per node in one pass over the smallest pool that holds them all
    (the members of a Service that selects the pod, which the default selector's Service part requires; else
    every pod), instead of once per node."""
    selector = default_selector(pod, cluster)
    if selector.empty or selector.is_nothing or not candidates:
        return None
    pools = [cluster.service_members.get(name, _EMPTY) for name in selecting_services(pod, cluster)]
    pool = min(pools, key=len) if pools else cluster.pods
    pods = cluster.pods
    per_node: dict[str, int] = {}
    for pod_name in pool:
        other = pods[pod_name]
        where = other.node_name
        if where is not None and counts(other) and selector.matches(other.labels):
            per_node[where] = per_node.get(where, 0) + 1
    domains = {node.labels.get(ZONE, "") for _, node, _ in candidates}
    zone_counts = dict.fromkeys(domains, 0)
    node_selector = node_affinity.shape(pod)
    for name, node in cluster.nodes.items():
        value = node.labels.get(ZONE, "")
        if value in zone_counts and node_affinity.fits_fast(node_selector, node, None):
            zone_counts[value] += per_node.get(name, 0)
    host_weight, zone_weight = topology_weight(len(candidates)), topology_weight(len(domains))
    raw = []
    for name, node, _ in candidates:
        zone = node.labels.get(ZONE)
        raw.append(raw_score(per_node.get(name, 0), host_weight, None if zone is None else zone_counts[zone],
                             zone_weight))
    lo, hi = min(raw), max(raw)
    return [MAX_NODE_SCORE if hi == 0 else MAX_NODE_SCORE * (hi + lo - s) // hi for s in raw]


PLUGIN = ScorePlugin(NAME, score, prepare, normalize, fast=scores_fast)
