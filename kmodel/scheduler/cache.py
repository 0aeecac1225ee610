"""The scheduler's cache: scheduling cycles against assumed pods (kube-scheduler's `assume`).

kube-scheduler places one pod per *scheduling cycle*, against its cache: the nodes with the pods already on them.
When a cycle has chosen a node it *assumes* the pod there (`Scheduler.assume` then `Cache.AssumePod`, upstream
`pkg/scheduler/schedule_one.go`: "assume signals to the cache that a pod is already in the cache, so that binding
can be asynchronous") and the Binding write goes to the API server in the background (the *binding cycle*). The
next cycle already counts the assumed pod, without waiting for the API server.

`SchedulerCache` is that cache for the `textbook` profile, as a persistent value: the snapshot of the cluster the
cycles started from, the fast path's group trees (`kmodel.scheduler.index`) and the nodes' usage, both with the
assumed pods counted, and the assumed pods themselves. `assume` path-copies one leaf per queued group, one usage
entry and one assumed entry, O(groups x log n), and leaves the cache it came from valid and unchanged, so a burst
can keep every intermediate cache.

Exactness. A cycle's choice is the root of the pod's group tree, as on the Cluster (`index.textbook_choice`).
Assuming pod p on node n changes only n's leaves, and only in the direction of less room: n holds one pod more,
p's requests more, and, in every group p is a sibling of (its owner's, or a group of Services that select p), one
sibling more. A leaf that is INF (n absent, cordoned, not ready, not matching the group's nodeSelector, or full)
stays INF, because assumed pods only take room; a finite leaf `(siblings, pods, n, ...)` becomes
`(siblings + [p is a sibling], pods + 1, n, ...)` if the group's shape still fits on n, else INF. That is the leaf
`index.leaf_key` computes on the Cluster after the Binding write (SEMANTICS 55, 60), and the pod leaves its
group's queue as `index.on_pod` has it, so the cache's index is `index.equivalent` to the index of the cluster
with the assumed pods bound, after every cycle. The differential tests check exactly that.

`scheduler.bind_all` is the binding cycle: the Binding writes of the placements, in order, as `SchedulerBindPod`
events on the Cluster (each guarded), which is what the engines step through one at a time.
"""

from __future__ import annotations

from typing import Iterable, Iterator, NamedTuple

import immutables

from kmodel.allocation import few_collections
from kmodel.memo import Memo
from kmodel.usage import DEFAULT_MEMORY_REQUEST, DEFAULT_MILLI_CPU_REQUEST, NodeUsage, usage_of
from kmodel.objects import Pod, Resources
from kmodel.scheduler import index as fast
from kmodel.scheduler.profiles import PROFILES, profile_named

EMPTY = immutables.Map()
_tuple_new = tuple.__new__  # builds a NamedTuple without its Python-level __new__ (hot path)


class SchedulerCache(NamedTuple):
    """What the scheduling cycles see: `snapshot` (the Cluster they started from), `index` (its textbook index
    with the assumed pods counted), `usage` (node -> `NodeUsage`, for the nodes that assumed pods; the others'
    is the snapshot's) and `assumed` (pod -> node, the placements not yet written to the API server)."""

    snapshot: object
    index: fast.TextbookIndex
    usage: immutables.Map
    assumed: immutables.Map


class Cycle(NamedTuple):
    """One scheduling cycle: the pod, the node chosen (None: no node fits; the pod stays queued) and the cache
    after it."""

    pod: str
    node: str | None
    cache: SchedulerCache


class CacheError(ValueError):
    """A cycle the cache cannot run: not the textbook profile, or a pod that is not waiting in its queue."""


def snapshot(cluster) -> SchedulerCache:
    """The cache at the start of a run of cycles: the cluster's own index and usage, nothing assumed."""
    profile = profile_named(cluster.config.profile)
    if profile.cache_refusal is not None:
        raise CacheError(f"the scheduler cache cannot serve this cluster: {profile.cache_refusal}")
    index = cluster.scheduler_index
    if index is None or index.profile != profile.name:
        raise CacheError(f"the cluster carries no scheduler index for profile {profile.name!r}")
    return SchedulerCache(cluster, index, EMPTY, EMPTY)


_new = object.__new__
_set_requested, _set_pods, _set_nonzero = (NodeUsage.__dict__[f].__set__ for f in
                                           ("requested", "pods", "nonzero_requested"))
_set_cpu, _set_memory = Resources.__dict__["cpu"].__set__, Resources.__dict__["memory"].__set__


def _resources(cpu: int, memory: int) -> Resources:
    r = _new(Resources)
    _set_cpu(r, cpu)
    _set_memory(r, memory)
    return r


# `usage_plus` answers, by the identity of the usage it starts from and the pod's requests (the entry keeps that
# usage). A burst assumes pods of a few shapes on nodes that start equal, so node after node goes through the same
# usage values: the same objects serve them all, for a dict lookup instead of three objects built.
_PLUS = Memo("usage-plus", 8_192)  # (id(usage), cpu, memory, nz_cpu, nz_memory) -> (usage, usage with the pod)


def usage_plus(usage: NodeUsage | None, cpu: int, memory: int, nz_cpu: int, nz_memory: int) -> NodeUsage:
    """`usage` (None: no pod) with one more pod of these requests and non-zero requests: what the Binding
    write gives the node. Built with slot writes (the fields are ints: no converter would change them), and
    remembered (`_PLUS`)."""
    if usage is None:
        usage = _NO_USAGE
    key = (id(usage), cpu, memory, nz_cpu, nz_memory)
    hit = _PLUS.get(key)
    if hit is not None and hit[0] is usage:
        return hit[1]
    req, nz = usage.requested, usage.nonzero_requested
    u = _new(NodeUsage)
    _set_requested(u, _resources(req.cpu + cpu, req.memory + memory))
    _set_pods(u, usage.pods + 1)
    _set_nonzero(u, _resources(nz.cpu + nz_cpu, nz.memory + nz_memory))
    _PLUS.remember(key, (usage, u))
    return u


_NO_USAGE = NodeUsage()


def node_usage(cache: SchedulerCache, node: str) -> NodeUsage:
    """A node's usage with the assumed pods counted, as `Cluster.usage` gives it."""
    used = cache.usage.get(node)
    return cache.snapshot.usage(node) if used is None else used


def _queued_pod(cache: SchedulerCache, pod: Pod) -> tuple:
    """The pod's group key, checking that the pod waits in the snapshot's queue and is not assumed yet."""
    snap = cache.snapshot
    if snap.pods.get(pod.name) is not pod or pod.name not in snap.unscheduled or pod.name in cache.assumed:
        raise CacheError(f"Pod/{pod.name} is not waiting in the scheduling queue of this cache")
    groups = cache.index.groups
    if len(groups) == 1:
        return next(iter(groups))  # every queued pod's group is in the index: the only one is the pod's
    return fast.group_key(pod, snap)


def choose(cache: SchedulerCache, pod: Pod) -> str | None:
    """The textbook choice for a queued pod in the cache: the least `(siblings, pods, name)` among the feasible
    nodes (its group tree's root), or None when no node fits. O(1)."""
    key = cache.index.groups[_queued_pod(cache, pod)].tree[0]
    return None if key == fast.INF else key[2]


def _leaf(tree: tuple, position: int, height: int) -> tuple:
    for h in range(height - 1, -1, -1):
        tree = tree[2] if (position >> h) & 1 else tree[1]
    return tree[0]


def assume(cache: SchedulerCache, pod: Pod, node_name: str) -> SchedulerCache:
    """The cache with `pod` assumed on `node_name`, a node that passes the profile's filters for it (see the
    module docstring for why each leaf is exact). Like the Binding write's guard, it refuses any other node."""
    gkey = _queued_pod(cache, pod)
    index = cache.index
    position = index.positions.get(node_name)
    if position is None or len(_leaf(index.groups[gkey].tree, position, index.height)) == 1:
        raise CacheError(f"Pod/{pod.name} does not fit on {node_name!r} (no such node, or a filter rejects it)")
    return _assume(cache, pod, gkey, node_name, position, cache.snapshot.nodes[node_name])


def _assume(cache: SchedulerCache, pod: Pod, gkey: tuple, node_name: str, position: int, node) -> SchedulerCache:
    index = cache.index
    snap = cache.snapshot
    usage = cache.usage
    used = usage.get(node_name)
    if used is None:
        used = snap.node_usage.get(node_name)
    containers = pod.containers
    if len(containers) == 1:
        r = containers[0].requests
        cpu, memory = r.cpu, r.memory
        nz_cpu, nz_memory = cpu or DEFAULT_MILLI_CPU_REQUEST, memory or DEFAULT_MEMORY_REQUEST
    else:
        cpu, memory, nz_cpu, nz_memory = usage_of(pod)
    used = usage_plus(used, cpu, memory, nz_cpu, nz_memory)
    # A finite leaf means the node passed every filter for the group's shape; assuming a pod there changes only
    # what the filters that read the node's pods see (`Profile.refit`: NodeResourcesFit's pod count and
    # requests, SEMANTICS 55), and only towards less room (no filter is `freed_by_assume`).
    profile = PROFILES[index.profile]
    refit, is_sibling = profile.refit, profile.rank_index.is_sibling
    height = index.height
    update = fast.updater(height)
    groups = index.groups
    for key, group in index.groups.items():
        tree, queued = group
        if key == gkey:
            queued -= 1
            if not queued:
                groups = groups.delete(key)
                continue
        leaf = tree[0]
        if len(leaf) == 1 or leaf[2] != node_name:
            leaf = _leaf(tree, position, height)
        if len(leaf) != 1:  # finite: (siblings, pods, name, position, node)
            if refit(key[1], node, used):
                tree = update(tree, position, (leaf[0] + is_sibling(key[0], pod, snap), leaf[1] + 1, node_name,
                                               position, node))
            else:
                tree = update(tree, position, fast.INF)
        groups = groups.set(key, _tuple_new(fast.Group, (tree, queued)))
    return _tuple_new(SchedulerCache, (
        snap, _tuple_new(fast.TextbookIndex, (index.profile, index.positions, index.size, height, groups)),
        usage.set(node_name, used), cache.assumed.set(pod.name, node_name)))


def cycles(cluster, names: Iterable[str] | None = None) -> Iterator[Cycle]:
    """The scheduling cycles of the queued pods `names` (default: the whole queue, in its order), one after the
    other with nothing else happening in between, each against the cache the earlier ones left."""
    cache = snapshot(cluster)
    pods = cluster.pods
    if names is None:
        names = [name for _, name in sorted((i, n) for n, i in cluster.unscheduled.items())]
    for name in names:
        pod = pods.get(name)
        if pod is None:
            raise CacheError(f"Pod/{name} is not waiting in the scheduling queue of this cache")
        gkey = _queued_pod(cache, pod)
        key = cache.index.groups[gkey].tree[0]
        if len(key) == 1:  # INF: no node fits
            yield _tuple_new(Cycle, (name, None, cache))
            continue
        cache = _assume(cache, pod, gkey, key[2], key[3], key[4])
        yield _tuple_new(Cycle, (name, key[2], cache))


def schedule_burst(cluster, names: Iterable[str] | None = None) -> tuple[tuple[tuple[str, str | None], ...],
                                                                          SchedulerCache]:
    """Every cycle of `cycles`: the placements `(pod, node or None)` in order, and the last cache. The cycles
    allocate only acyclic values, so the cyclic collector is deferred while they run (`few_collections`)."""
    cache = None
    placements = []
    with few_collections():
        for cycle in cycles(cluster, names):
            placements.append((cycle.pod, cycle.node))
            cache = cycle.cache
    return tuple(placements), (cache if cache is not None else snapshot(cluster))
