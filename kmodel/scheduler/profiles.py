"""The two scheduler profiles (DESIGN principle 6); `cluster.config.profile` names the one that runs.

- `textbook`: the seed's rule (SEED 10; SEMANTICS 60): the profile's filters, then the least
  `(siblings, pods, name)` (plugins/textbook_spread.py).
- `kubernetes`: kube-scheduler's defaults as far as the model's objects reach (SEMANTICS 55 to 59): filters
  NodeUnschedulable, TaintToleration (the not-ready taint), NodeAffinity (nodeSelector), NodeResourcesFit;
  scores NodeResourcesFit/LeastAllocated x1, NodeResourcesBalancedAllocation x1, PodTopologySpread (system
  defaults) x2. The other default score plugins give every feasible node the same score in the model
  (TaintToleration x3 counts PreferNoSchedule taints, NodeAffinity x2 preferred terms, InterPodAffinity x2
  affinity terms, ImageLocality x1 images: none is modelled), so leaving them out changes no choice.
"""

from __future__ import annotations

from kmodel.errors import InvalidObject
from kmodel.scheduler.framework import Profile
from kmodel.scheduler.plugins import (
    balanced_allocation,
    node_affinity,
    node_ready,
    node_resources_fit,
    node_unschedulable,
    pod_topology_spread,
    textbook_spread,
)

FILTERS = (node_unschedulable.PLUGIN, node_ready.PLUGIN, node_affinity.PLUGIN, node_resources_fit.PLUGIN)

TEXTBOOK = Profile("textbook", FILTERS, rank=textbook_spread.rank)
KUBERNETES = Profile("kubernetes", FILTERS, scores=(
    (node_resources_fit.LEAST_ALLOCATED, 1),
    (balanced_allocation.PLUGIN, 1),
    (pod_topology_spread.PLUGIN, 2),
))
PROFILES = {p.name: p for p in (TEXTBOOK, KUBERNETES)}


def profile_named(name: str) -> Profile:
    """The profile of that name; an unknown name is a user error naming the field and the known profiles."""
    profile = PROFILES.get(name)
    if profile is None:
        raise InvalidObject("Config", "profile", f"unknown scheduler profile {name!r} (known: "
                                                 f"{', '.join(sorted(PROFILES))})")
    return profile


def profile_of(cluster) -> Profile:
    return profile_named(cluster.config.profile)
