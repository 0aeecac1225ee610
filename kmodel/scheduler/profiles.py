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

import contextlib
from typing import Iterator

import attrs

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

TEXTBOOK = Profile("textbook", FILTERS, rank=textbook_spread.rank, rank_index=textbook_spread.INDEX)
KUBERNETES = Profile("kubernetes", FILTERS, scores=(
    (node_resources_fit.LEAST_ALLOCATED, 1),
    (balanced_allocation.PLUGIN, 1),
    (pod_topology_spread.PLUGIN, 2),
))
PROFILES = {p.name: p for p in (TEXTBOOK, KUBERNETES)}


def register(profile: Profile) -> Profile:
    """Make a profile known by its name (a user's own, built from their plugins and the built-in ones), so that
    `Config(profile=name)` schedules with it in every engine. A name already known is refused: use `installed`
    to replace one for a while."""
    if profile.name in PROFILES:
        raise ValueError(f"scheduler profile {profile.name!r} is already registered")
    PROFILES[profile.name] = profile
    return profile


@contextlib.contextmanager
def installed(profile: Profile) -> Iterator[Profile]:
    """`profile` under its name while the block runs (the known one, if any, afterwards): the sanctioned way for
    a test to run the engines with one decision swapped (`with_filter`, `with_score`, `with_rank`), instead of
    patching a module."""
    previous = PROFILES.get(profile.name)
    PROFILES[profile.name] = profile
    try:
        yield profile
    finally:
        if previous is None:
            del PROFILES[profile.name]
        else:
            PROFILES[profile.name] = previous


def with_filter(profile: Profile, name: str, **changes) -> Profile:
    """A copy of `profile` whose filter plugin `name` has the fields `changes` (`attrs.evolve` of its record:
    `fast=`, `fits=`, ...). An unknown name is refused, so a typo cannot test the unchanged profile."""
    if not any(f.name == name for f in profile.filters):
        raise ValueError(f"profile {profile.name!r} has no filter plugin {name!r}")
    filters = tuple(attrs.evolve(f, **changes) if f.name == name else f for f in profile.filters)
    return attrs.evolve(profile, filters=filters)


def with_score(profile: Profile, name: str, weight: int | None = None, **changes) -> Profile:
    """A copy of `profile` whose score plugin `name` has the fields `changes` and, when given, the weight
    `weight`. An unknown name is refused."""
    if not any(s.name == name for s, _ in profile.scores):
        raise ValueError(f"profile {profile.name!r} has no score plugin {name!r}")
    scores = tuple((attrs.evolve(s, **changes) if changes else s, w if weight is None else weight)
                   if s.name == name else (s, w) for s, w in profile.scores)
    return attrs.evolve(profile, scores=scores)


def with_rank(profile: Profile, **changes) -> Profile:
    """A copy of a rank profile with `rank=` and/or fields of its `RankIndex` (`count=`, `group=`, ...) replaced."""
    rank = changes.pop("rank", profile.rank)
    rank_index = attrs.evolve(profile.rank_index, **changes) if changes else profile.rank_index
    return attrs.evolve(profile, rank=rank, rank_index=rank_index)


def profile_named(name: str) -> Profile:
    """The profile of that name; an unknown name is a user error naming the field and the known profiles."""
    profile = PROFILES.get(name)
    if profile is None:
        raise InvalidObject("Config", "profile", f"unknown scheduler profile {name!r} (known: "
                                                 f"{', '.join(sorted(PROFILES))})")
    return profile


def profile_of(cluster) -> Profile:
    return profile_named(cluster.config.profile)
