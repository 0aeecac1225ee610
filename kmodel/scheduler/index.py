"""The scheduler's fast-path index, carried inside the Cluster state (DESIGN principle 1).

Protocol used by `kmodel.cluster`: `build(cluster)`, `on_pod(index, cluster_after, old, new)`,
`on_node(index, cluster_after, old, new)`, `on_service(index, cluster_after)`, `equivalent(a, b)` and
`equivalent_to_build(index, cluster)` (the structure rule's check).

What it indexes: for a rank profile whose plugins carry their fast forms (the `textbook` profile, SEMANTICS 60;
DESIGN principle 6; `profile_for`) the choice for a pending pod is the feasible node with the least key `(pods of
the pod's spread group on the node, pods on the node, node name)`. Everything a key reads comes from the
profile's plugins: the filters' fast forms (`Profile.feasible_for_shape`) and the rank's `RankIndex` (group,
count, sibling test), so a plugin added to the profile is what the trees decide with.
The index keeps, per *group* (the spread group and the pod shape that decides feasibility), a persistent
tournament tree over the nodes: a complete binary tree of tuples, path-copied on update, whose leaves hold each
node's key or `INF` when the node is absent or infeasible for that shape, and whose inner nodes hold the least
key below them. A key carries the node's leaf position and Node object after the three that order it
(`leaf_key`), so the winner is at hand without further lookups. The root is the answer, so choosing a node is
O(1) after an O(log n) update per write.

- Group key: `(RankIndex.group(pod), Profile.pod_shape(pod))`. For the textbook rank the spread group is the
  controller owner's key (`("owner", "ReplicaSet/frontend")`) for an owned pod, and for an unowned pod the
  Services that select it (their members on a node are its siblings; no Service: no siblings, every count is
  0); the shape is every filter's part of the pod (the summed requests, the nodeSelector: SEMANTICS 55).
- Trees exist exactly for the groups of the pods waiting in the scheduling queue (`Cluster.unscheduled`), so a
  write costs O(queued groups x log n) and a steady cluster (nothing queued) pays nothing. A group's tree is
  built (O(n)) when its first pod is queued and dropped when its last one leaves the queue. So the index is a
  function of the cluster's objects, which is what `equivalent` and the structure invariant check.
- Node order: each node name gets a fixed leaf position when first seen; removing a node leaves an `INF` leaf at
  its position (re-adding the name reuses it); adding a node appends, and the trees double when full.

The `kubernetes` profile keeps no trees: its normalised scores (LeastAllocated against each node's own capacity,
topology spread normalised by the min and max over the feasible nodes and weighted by log(feasible + 2)) change
for every node whenever the pod shape or the feasible set changes, so no order over nodes survives from one pod
to the next; `weighted_fast` computes the exact result in one pass per plugin over the nodes (and the candidate
sibling pods), O(n + p) (see its docstring).

Everything here is persistent: an update returns new tuples and maps sharing the rest, and never mutates a
structure an older state can see.
"""

from __future__ import annotations

import math
from operator import attrgetter, is_
from typing import NamedTuple

import immutables

from kmodel.objects import FAILED, SUCCEEDED, Pod
from kmodel.scheduler import reference
from kmodel.scheduler.framework import ScheduleResult, fast_scores, tie_break
from kmodel.scheduler.profiles import PROFILES
from kmodel.usage import pod_requests

_TERMINAL = (SUCCEEDED, FAILED)  # Pod.terminal
INF = (math.inf,)
EMPTY = immutables.Map()


# ---- persistent tournament trees ----------------------------------------------------------------------------
# A leaf is the 1-tuple (key,); an inner node is (least key below, left, right). Height h holds 2**h leaves.

_INF_TREES: list[tuple] = [(INF,)]


def _inf_tree(height: int) -> tuple:
    """The all-INF tree of a height (shared by every index: it is immutable)."""
    while len(_INF_TREES) <= height:
        t = _INF_TREES[-1]
        _INF_TREES.append((INF, t, t))
    return _INF_TREES[height]


def _build_tree(keys: list, height: int) -> tuple:
    """The tree whose leaves are `keys` (padded with INF to 2**height), bottom-up in O(len(keys))."""
    level = [(k,) for k in keys]
    for h in range(height):
        pad = _inf_tree(h)
        if len(level) % 2:
            level.append(pad)
        nxt = []
        for j in range(0, len(level), 2):
            left, right = level[j], level[j + 1]
            lk, rk = left[0], right[0]
            nxt.append((lk if lk <= rk else rk, left, right))
        level = nxt
    return level[0] if level else _inf_tree(height)


_UPDATERS: dict[int, object] = {}


def updater(height: int):
    """`update(root, position, key) -> root`: path-copy one leaf of a tree of this height.

    Generated straight-line code per height (no loop, no path list): this is the innermost operation of every
    scheduling write, and unrolling it halves its cost in CPython.
    """
    fn = _UPDATERS.get(height)
    if fn is None:
        lines = [f"def update(n{height}, i, key):"]
        for h in range(height, 0, -1):
            lines.append(f"    b{h - 1} = (i >> {h - 1}) & 1")
            lines.append(f"    n{h - 1} = n{h}[2] if b{h - 1} else n{h}[1]")
        lines.append("    new = (key,)")
        for h in range(1, height + 1):
            lines += [f"    if b{h - 1}:",
                      f"        s = n{h}[1]",
                      "        sk = s[0]",
                      "        if sk < key:",
                      "            key = sk",
                      "        new = (key, s, new)",
                      "    else:",
                      f"        s = n{h}[2]",
                      "        sk = s[0]",
                      "        if sk < key:",
                      "            key = sk",
                      "        new = (key, new, s)"]
        lines.append("    return new")
        env: dict = {}
        exec("\n".join(lines), env)  # noqa: S102 - generated from the height only
        fn = _UPDATERS[height] = env["update"]
    return fn


def _leaves(tree: tuple, height: int):
    """Every leaf key in position order."""
    if height == 0:
        yield tree[0]
        return
    yield from _leaves(tree[1], height - 1)
    yield from _leaves(tree[2], height - 1)


def _consistent(tree: tuple, height: int) -> bool:
    """Every inner node holds the least key below it."""
    if height == 0:
        return len(tree) == 1
    left, right = tree[1], tree[2]
    return tree[0] == min(left[0], right[0]) and _consistent(left, height - 1) and _consistent(right, height - 1)


# ---- groups -------------------------------------------------------------------------------------------------

class Group(NamedTuple):
    """One spread group's tree and how many queued pods belong to it."""

    tree: tuple
    queued: int


_tuple_new = tuple.__new__  # builds a NamedTuple without its Python-level __new__ (hot path)


class TextbookIndex(NamedTuple):
    """The index value kept in `Cluster.scheduler_index` (see the module docstring).

    `positions`: node name -> leaf position; `size`: positions handed out; `height`: trees hold 2**height
    leaves; `groups`: group key -> Group. The queue itself is `Cluster.unscheduled`.
    """

    profile: str
    positions: immutables.Map
    size: int
    height: int
    groups: immutables.Map


def profile_for(cluster):
    """The cluster's profile when the index serves it (a rank-minimising profile whose every filter has a fast
    form and which the cache's argument covers: `Profile.cache_refusal` is None), else None."""
    profile = PROFILES.get(cluster.config.profile)
    return profile if profile is not None and profile.cache_refusal is None else None


def group_key(pod: Pod, cluster, profile=None) -> tuple:
    """The pod's group: (its spread group, its shape), `RankIndex.group` and `Profile.pod_shape` of the index's
    profile (the cluster's, unless given). Pods of one group get one answer at every node."""
    if profile is None:
        profile = PROFILES[cluster.config.profile]
    return (profile.rank_index.group(pod, cluster), profile.pod_shape(pod))


def leaf_key(gkey: tuple, node_name: str, cluster, position: int | None = None) -> tuple:
    """A node's leaf in a group's tree: `(group count, pods on the node, name, position, node)`, or INF.

    The order is that of the first three (names are unique, so the last two never decide): the textbook rank.
    The leaf position and the Node object ride along so that whoever reads the winning key (a bind, a
    scheduling cycle) has the node at hand without two more lookups in maps of n entries."""
    node = cluster.nodes.get(node_name)
    if node is None:
        return INF
    usage = cluster.node_usage.get(node_name)
    profile = PROFILES[cluster.config.profile]
    if not profile.feasible_for_shape(gkey[1], node, usage):
        return INF
    return (profile.rank_index.count(gkey[0], node_name, cluster), usage.pods if usage is not None else 0, node_name,
            position, node)


def _build_group_tree(index: TextbookIndex, gkey: tuple, cluster) -> tuple:
    keys = [INF] * index.size
    for name, pos in index.positions.items():
        keys[pos] = leaf_key(gkey, name, cluster, pos)
    return _build_tree(keys, index.height)


# ---- the protocol ---------------------------------------------------------------------------------------------

def build(cluster) -> TextbookIndex | None:
    """The index of a cluster, from scratch. None for a profile it does not serve (`profile_for`: the kubernetes
    profile keeps no trees)."""
    profile = profile_for(cluster)
    if profile is None:
        return None
    names = sorted(cluster.nodes)
    size = len(names)
    index = TextbookIndex(profile.name, immutables.Map({n: i for i, n in enumerate(names)}), size,
                          max(size - 1, 0).bit_length(), EMPTY)
    for pod_name in cluster.unscheduled:
        index = _enqueue(index, group_key(cluster.pods[pod_name], cluster, profile), cluster)
    return index


def is_queued(pod: Pod | None) -> bool:
    """In the scheduling queue: unbound, not terminal, not being deleted (`Cluster.unscheduled`)."""
    return pod is not None and pod.node_name is None and pod.deletion_timestamp is None and not pod.terminal


def _with_groups(index: TextbookIndex, groups: immutables.Map) -> TextbookIndex:
    return _tuple_new(TextbookIndex, (index.profile, index.positions, index.size, index.height, groups))


def _enqueue(index: TextbookIndex, gkey: tuple, cluster) -> TextbookIndex:
    group = index.groups.get(gkey)
    if group is None:
        group = Group(_build_group_tree(index, gkey, cluster), 1)
    else:
        group = Group(group.tree, group.queued + 1)
    return _with_groups(index, index.groups.set(gkey, group))


def _dequeue(index: TextbookIndex, gkey: tuple) -> TextbookIndex:
    group = index.groups[gkey]
    groups = index.groups.delete(gkey) if group.queued == 1 else \
        index.groups.set(gkey, Group(group.tree, group.queued - 1))
    return _with_groups(index, groups)


def _refresh_node(index: TextbookIndex, node_name: str, cluster) -> TextbookIndex:
    """Recompute one node's leaf in every tree: O(groups x log n)."""
    groups = index.groups
    pos = index.positions.get(node_name)
    if not groups or pos is None:
        return index
    update = updater(index.height)
    for gkey, group in groups.items():
        groups = groups.set(gkey, Group(update(group.tree, pos, leaf_key(gkey, node_name, cluster, pos)), group.queued))
    return _with_groups(index, groups)


def _pod_matters_on_node(old: Pod | None, new: Pod | None) -> bool:
    """Whether a pod write can change a node leaf: its binding, whether it holds capacity (not terminal) or counts
    for spreading (not being deleted), its requests, owner or labels. Identity first (writes copy the fields they
    do not change by reference), and the requests as plain sums (`Pod.requests` without building Resources)."""
    if old is None or new is None:
        return True
    if old.node_name != new.node_name or \
            (old.deletion_timestamp is None) != (new.deletion_timestamp is None):
        return True
    o_phase, n_phase = old.phase, new.phase
    if o_phase is not n_phase and (o_phase in _TERMINAL) != (n_phase in _TERMINAL):
        return True
    if (old.owner is not new.owner and old.owner != new.owner) or \
            (old.labels is not new.labels and old.labels != new.labels):
        return True
    return old.containers is not new.containers and not _same_requests(old, new)


_REQUESTS = attrgetter("requests")


def _same_requests(old: Pod, new: Pod) -> bool:
    """The two pods request the same (`pod_requests`): identity first, as a status write copies each container's
    requests by reference."""
    a, b = old.containers, new.containers
    if len(a) == len(b) and all(map(is_, map(_REQUESTS, a), map(_REQUESTS, b))):
        return True
    return pod_requests(old) == pod_requests(new)


def on_pod(index: TextbookIndex | None, cluster, old: Pod | None, new: Pod | None) -> TextbookIndex | None:
    """A pod was created, written or removed; `cluster` is the state after the write (its other indexes already
    updated; a pod write changes no Service, so a pod's group is the same computed before or after)."""
    if index is None:
        return None
    # `is_queued`, inlined: most writes are of bound pods
    was_queued = old is not None and old.node_name is None and old.deletion_timestamp is None and \
        old.phase not in _TERMINAL
    now_queued = new is not None and new.node_name is None and new.deletion_timestamp is None and \
        new.phase not in _TERMINAL
    if was_queued and not now_queued and new is not None and new.node_name is not None and \
            old.containers is new.containers and old.owner is new.owner and old.labels is new.labels and \
            old.node_selector is new.node_selector:  # type: ignore[union-attr]
        # with a single group, it is this pod's (every queued pod's group is in the index)
        gkey = None if len(index.groups) == 1 else group_key(new, cluster)
        return _bind_queued(index, cluster, gkey, new.node_name)
    old_key = group_key(old, cluster) if was_queued else None  # type: ignore[arg-type]
    new_key = group_key(new, cluster) if now_queued else None  # type: ignore[arg-type]
    if old_key is not None and old_key != new_key:
        index = _dequeue(index, old_key)
    o_node = old.node_name if old is not None else None
    n_node = new.node_name if new is not None else None
    if (o_node is not None or n_node is not None) and _pod_matters_on_node(old, new):
        if o_node is not None:
            index = _refresh_node(index, o_node, cluster)
        if n_node is not None and n_node != o_node:
            index = _refresh_node(index, n_node, cluster)
    if new_key is not None and old_key != new_key:
        index = _enqueue(index, new_key, cluster)
    return index


def _bind_queued(index: TextbookIndex, cluster, gkey: tuple | None, node_name: str) -> TextbookIndex:
    """The scheduler's bind, in one pass: the pod leaves the queue (its group's count drops, the group goes
    when it was the last) and its node's leaf is refreshed in every remaining tree. `leaf_key` inlined: this is
    the hottest function of a placement burst. `gkey` None: the index holds only the pod's group."""
    groups = index.groups
    pos = index.positions.get(node_name)
    if pos is not None:
        update = updater(index.height)
        node = cluster.nodes.get(node_name)
        usage = cluster.node_usage.get(node_name)
        pods = usage.pods if usage is not None else 0
        profile = PROFILES[index.profile]
        feasible, count = profile.feasible_for_shape, profile.rank_index.count
    for key, group in groups.items():
        queued = group[1] - 1 if gkey is None or key == gkey else group[1]
        if not queued:
            groups = groups.delete(key)
            continue
        if pos is None:
            tree = group[0]
        else:
            if node is not None and feasible(key[1], node, usage):
                leaf = (count(key[0], node_name, cluster), pods, node_name, pos, node)
            else:
                leaf = INF
            tree = update(group[0], pos, leaf)
        groups = groups.set(key, _tuple_new(Group, (tree, queued)))
    return _with_groups(index, groups)


def on_node(index: TextbookIndex | None, cluster, old, new) -> TextbookIndex | None:
    """A node was added, changed (cordon, crash, labels, capacity) or removed."""
    if index is None:
        return None
    name = (new or old).name
    if name not in index.positions:
        pos, size, height = index.size, index.size + 1, index.height
        groups = index.groups
        if size > (1 << height):
            grown = _inf_tree(height)
            for gkey, group in index.groups.items():
                t = group.tree
                groups = groups.set(gkey, Group((t[0], t, grown), group.queued))
            height += 1
        index = TextbookIndex(index.profile, index.positions.set(name, pos), size, height, groups)
    return _refresh_node(index, name, cluster)


def on_service(index: TextbookIndex | None, cluster) -> TextbookIndex | None:
    """A Service was created, changed or removed: the groups that read Services (`RankIndex.reads_services`:
    for the textbook rank, an unowned pod's siblings are its Services' members) may have changed, so each of them
    is rebuilt from the queue; the others do not depend on Services. O(queued pods + such groups x n); Services
    change rarely."""
    if index is None:
        return None
    rank_index = PROFILES[index.profile].rank_index
    reads_services = rank_index.reads_services
    groups = index.groups
    for gkey in index.groups:
        if reads_services(gkey[0]):
            groups = groups.delete(gkey)
    index = _with_groups(index, groups)
    for pod_name in cluster.unscheduled:
        gkey = group_key(cluster.pods[pod_name], cluster)
        if reads_services(gkey[0]):
            index = _enqueue(index, gkey, cluster)
    return index


def equivalent(a: TextbookIndex | None, b: TextbookIndex | None) -> bool:
    """Semantic equality: the same profile and groups, the same number of queued pods per group, and per group
    the same key at every node (leaf positions may differ with history) in a consistent tree."""
    if a is None or b is None:
        return a is b
    if a.profile != b.profile or set(a.groups) != set(b.groups):
        return False
    for gkey, ga in a.groups.items():
        gb = b.groups[gkey]
        if ga.queued != gb.queued:
            return False
        if not (_consistent(ga.tree, a.height) and _consistent(gb.tree, b.height)):
            return False
        if _named_leaves(a, ga.tree) != _named_leaves(b, gb.tree):
            return False
    return True


def equivalent_to_build(index: TextbookIndex | None, cluster) -> bool:
    """`equivalent(index, build(cluster))`, without building what `equivalent` would not read. With nothing
    queued, `build` gives a textbook index without groups, and `equivalent` holds against it exactly when `index`
    is a textbook index without groups: node positions are history, which `equivalent` does not compare (the
    structure rule's common case: a steady cluster)."""
    profile = profile_for(cluster)
    if profile is None:
        return index is None
    if not cluster.unscheduled:
        return index is not None and index.profile == profile.name and not index.groups
    return equivalent(index, build(cluster))


def _named_leaves(index: TextbookIndex, tree: tuple) -> dict:
    leaves = list(_leaves(tree, index.height))
    return {name: leaves[pos][:3] for name, pos in index.positions.items() if leaves[pos] != INF}


# ---- queries ----------------------------------------------------------------------------------------------------

def textbook_choice(cluster, pod: Pod) -> tuple | None:
    """The least leaf key `(count, pods, name)` for the pod, or None when no node is feasible.

    O(1) when a pod of the same group is queued in this cluster (the group's tree is in the index: any pod
    with that group key has the same answer); otherwise (a pod of another group, a missing or stale index) the
    same keys are computed by one O(n) pass.
    """
    index = cluster.scheduler_index
    if index is not None and index.profile == cluster.config.profile:
        groups = index.groups
        if len(groups) == 1 and cluster.pods.get(pod.name) is pod and is_queued(pod):
            group = next(iter(groups.values()))  # the only group is this queued pod's
        else:
            group = groups.get(group_key(pod, cluster))
        if group is not None:
            key = group.tree[0]
            return None if key == INF else key
    gkey = group_key(pod, cluster)
    best = INF
    for name in cluster.nodes:
        key = leaf_key(gkey, name, cluster)
        if key < best:
            best = key
    return None if best == INF else best


def weighted_fast(cluster, pod: Pod):
    """The exact choice of a weighted-sum profile (the kubernetes one) in one pass over the nodes per plugin, the
    result `reference.schedule` gives, from the profile's plugins' fast forms: `Profile.feasible_for_shape` for
    the filters, each score plugin's `fast` (or its readable form) for the normalised scores.

    Bound: O(n + p) per pod for the built-in plugins, n nodes and p candidate sibling pods (PodTopologySpread
    counts the members of the smallest Service that selects the pod, else every pod), against the reference's
    O(n x pods per node) through the readable forms. A sublinear index cannot be exact here: LeastAllocated and
    BalancedAllocation are ratios against each node's own capacity, so their order over nodes depends on the
    pod's requests, and the topology score is normalised by the minimum and maximum over the feasible set and
    weighted by ln(feasible nodes + 2); a change to any node can change every node's normalised score. The
    differential tests hold this pass to `reference.schedule`, and each fast form to its readable form.
    """
    profile = PROFILES[cluster.config.profile]
    if not profile.fast:
        return reference.schedule(cluster, pod)
    shape = profile.pod_shape(pod)
    feasible = profile.feasible_for_shape
    usages = cluster.node_usage
    candidates = []
    for name, node in cluster.nodes.items():
        usage = usages.get(name)
        if feasible(shape, node, usage):
            candidates.append((name, node, usage))
    if not candidates:
        return reference.schedule(cluster, pod)
    if len(candidates) == 1:
        return ScheduleResult(candidates[0][0], (), (candidates[0][0],))
    totals = [0] * len(candidates)
    for plugin, weight in profile.scores:
        scores = fast_scores(plugin, pod, cluster, candidates)
        if scores is None:
            continue
        for i, s in enumerate(scores):
            totals[i] += weight * s
    best_total = max(totals)
    top = tuple(sorted(c[0] for c, t in zip(candidates, totals) if t == best_total))
    return ScheduleResult(tie_break(cluster.config.seed, pod.name, top), (), top)
