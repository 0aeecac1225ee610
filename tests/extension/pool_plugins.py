"""A user's own scheduler plugins, outside `kmodel/`: a filter and a score plugin, in a profile of their own.

- `NodePool` (filter): a pod labelled `example.com/pool: P` fits only nodes labelled `example.com/pool: P`; a pod
  without the label fits every node. Its readable form is written with `kmodel.logic` (so the Z3 layer could run
  it), its fast form is plain Python on the part of the pod it reads (`shape`), and it reads nothing of the
  node's pods (`reads_usage` False), so the scheduler cache's argument covers it.
- `FastTier` (score): nodes labelled `example.com/tier: fast` score 100, the others 0; given in its readable form
  only, so the weighted pass runs it through `framework.readable_scores`.

`register()` makes two profiles known: `pools` (the textbook rank with `NodePool` added: the index's trees and
the cache serve it) and `pools-weighted` (the kubernetes scores plus `FastTier` x 3). `Config(profile="pools")`
then schedules with them in every engine, and `kmodel bench --profile-module tests.extension.pool_plugins
--profile pools` measures them beside the default profile.
"""

from __future__ import annotations

import attrs

from invariants.registry import SOMETIMES, TRANSITION, Violation, invariant, unregister
from kmodel.logic import Bool, any_of, eq, ite
from kmodel.scheduler import framework, profiles

POOL = "example.com/pool"
TIER = "example.com/tier"
RULES = ("pods-stay-in-their-pool", "sometimes-pooled-pod-bound")


def fits(pod, node, cluster) -> Bool:
    wanted = pod.labels.get(POOL)
    return any_of(wanted is None, eq(node.labels.get(POOL), wanted))


def reasons(pod, node, cluster) -> tuple[str, ...]:
    return ("node(s) are not in the pod's pool",)


def shape(pod):
    return pod.labels.get(POOL)


def fits_fast(wanted, node, usage) -> bool:
    return wanted is None or node.labels.get(POOL) == wanted


NODE_POOL = framework.FilterPlugin("NodePool", fits, reasons, fast=fits_fast, shape=shape)


def tier_score(pod, node, cluster, state=None):
    return ite(eq(node.labels.get(TIER), "fast"), framework.MAX_NODE_SCORE, 0)


FAST_TIER = framework.ScorePlugin("FastTier", tier_score)

POOLS = framework.Profile("pools", profiles.FILTERS + (NODE_POOL,), rank=profiles.TEXTBOOK.rank,
                          rank_index=profiles.TEXTBOOK.rank_index)
POOLS_WEIGHTED = framework.Profile("pools-weighted", profiles.FILTERS + (NODE_POOL,),
                                   scores=profiles.KUBERNETES.scores + ((FAST_TIER, 3),))


def pods_stay_in_their_pool(before, event, after):
    """A bind puts a pod with a pool label on a node of that pool (the user's own oracle: the label test)."""
    if type(event).__name__ != "SchedulerBindPod":
        return
    wanted = before.pods[event.pod].labels.get(POOL)
    node = after.nodes.get(event.node)
    if wanted is not None and (node is None or node.labels.get(POOL) != wanted):
        yield Violation(RULES[0], f"pod {event.pod} of pool {wanted} was bound to {event.node}",
                        (f"Pod/{event.pod}", f"Node/{event.node}"))


def pooled_pod_bound(cluster) -> bool:
    """Some pod with a pool label is bound."""
    return any(p.node_name is not None and POOL in p.labels for p in cluster.pods.values())


def register(pools=POOLS, weighted=POOLS_WEIGHTED) -> None:
    profiles.register(pools)
    profiles.register(weighted)
    invariant(RULES[0], kind=TRANSITION, witness=RULES[1])(pods_stay_in_their_pool)
    invariant(RULES[1], kind=SOMETIMES, applies=lambda c: any(POOL in n.labels for n in c.nodes.values()))(
        pooled_pod_bound)


def unregister_all() -> None:
    for name in (POOLS.name, POOLS_WEIGHTED.name):
        profiles.PROFILES.pop(name, None)
    for rule in RULES:
        unregister(rule)


def broken_pool_filter() -> framework.FilterPlugin:
    """The bug a contributor might make: the fast form compares with the pod's pool inverted."""
    return attrs.evolve(NODE_POOL, fast=lambda wanted, node, usage: wanted is None or node.labels.get(POOL) != wanted)
