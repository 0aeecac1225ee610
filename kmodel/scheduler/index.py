"""The scheduler's fast-path index, carried inside the Cluster state (DESIGN principle 1).

Protocol used by `kmodel.cluster`: `build(cluster)`, `on_pod(index, cluster_after, old, new)`,
`on_node(index, cluster_after, old, new)`, `on_service(index, cluster_after)`, `equivalent(a, b)` and
`equivalent_to_build(index, cluster)` (the structure rule's check).

What it indexes: for the `textbook` profile (SEMANTICS 60; DESIGN principle 6) the choice for a pending pod is
the feasible node with the least key `(pods of the pod's spread group on the node, pods on the node, node name)`.
The index keeps, per *group* (the spread group and the pod shape that decides feasibility), a persistent
tournament tree over the nodes: a complete binary tree of tuples, path-copied on update, whose leaves hold each
node's key or `INF` when the node is absent or infeasible for that shape, and whose inner nodes hold the least
key below them. A key carries the node's leaf position and Node object after the three that order it
(`leaf_key`), so the winner is at hand without further lookups. The root is the answer, so choosing a node is O(1) after an O(log n) update per write.

- Spread group: the controller owner's key (`ReplicaSet/frontend`) for an owned pod; for an unowned pod, the
  Services that select it (their members on a node are its siblings; no Service: no siblings, every count is 0).
- Shape: the pod's summed requests and its nodeSelector, everything the filters read from the pod
  (NodeUnschedulable, not-ready taint, NodeAffinity, NodeResourcesFit: SEMANTICS 55).
- Trees exist exactly for the groups of the pods waiting in the scheduling queue (`Cluster.unscheduled`), so a
  write costs O(queued groups x log n) and a steady cluster (nothing queued) pays nothing. A group's tree is
  built (O(n)) when its first pod is queued and dropped when its last one leaves the queue. So the index is a
  function of the cluster's objects, which is what `equivalent` and the structure invariant check.
- Node order: each node name gets a fixed leaf position when first seen; removing a node leaves an `INF` leaf at
  its position (re-adding the name reuses it); adding a node appends, and the trees double when full.

The `kubernetes` profile keeps no trees: its normalised scores (LeastAllocated against each node's own capacity,
topology spread normalised by the min and max over the feasible nodes and weighted by log(feasible + 2)) change
for every node whenever the pod shape or the feasible set changes, so no order over nodes survives from one pod
to the next; `kubernetes_fast` computes the exact result in one pass of integer arithmetic over the nodes and
the candidate sibling pods, O(n + p) (see its docstring).

Everything here is persistent: an update returns new tuples and maps sharing the rest, and never mutates a
structure an older state can see.
"""

from __future__ import annotations

import math
from operator import attrgetter, is_
from typing import NamedTuple

import immutables

from kmodel.objects import FAILED, SUCCEEDED, Pod

TEXTBOOK = "textbook"
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


def shape_of(pod: Pod) -> tuple:
    """What the filters read from a pod: (cpu request, memory request, sorted nodeSelector items)."""
    containers = pod.containers
    if len(containers) == 1:
        r = containers[0].requests
        cpu, memory = r.cpu, r.memory
    else:
        cpu = memory = 0
        for c in containers:
            r = c.requests
            cpu += r.cpu
            memory += r.memory
    return cpu, memory, (tuple(sorted(pod.node_selector.items())) if pod.node_selector else ())


def group_key(pod: Pod, cluster) -> tuple:
    """The pod's group: (spread kind, spread key, cpu request, memory request, nodeSelector items).

    Spread kind "owner" keys on the controller owner; "services" on the sorted names of the Services whose
    selector matches the pod (the textbook rule's siblings of an unowned pod).
    """
    if pod.owner is not None:
        return ("owner", pod.owner.key) + shape_of(pod)
    return ("services", selecting_services(pod, cluster)) + shape_of(pod)


def selecting_services(pod: Pod, cluster) -> tuple[str, ...]:
    """Names of the Services with a selector that matches the pod, sorted (unmanaged Services select nothing,
    SEMANTICS 26, 8.2)."""
    out = []
    for name, svc in cluster.services.items():
        sel = svc.label_selector
        if sel is not None and sel.matches(pod.labels):
            out.append(name)
    return tuple(sorted(out))


def feasible_for_shape(cpu: int, memory: int, selector: tuple, node, usage) -> bool:
    """The profile filters for a pod shape, in concrete integer form (the fast twin of `framework.feasible`;
    the differential tests check that they agree): NodeUnschedulable, the not-ready taint, NodeAffinity's
    nodeSelector, and NodeResourcesFit's pod count and requests (SEMANTICS 55)."""
    if node.unschedulable or not node.ready:
        return False
    if selector:
        labels = node.labels
        for k, v in selector:
            if labels.get(k) != v:
                return False
    if usage is None:
        return node.max_pods >= 1 and (not cpu or cpu <= node.allocatable.cpu) and \
            (not memory or memory <= node.allocatable.memory)
    if usage.pods + 1 > node.max_pods:
        return False
    alloc, used = node.allocatable, usage.requested
    if cpu and cpu > alloc.cpu - used.cpu:
        return False
    if memory and memory > alloc.memory - used.memory:
        return False
    return True


def group_count(gkey: tuple, node_name: str, cluster) -> int:
    """Pods of the group's spread set counted on a node: bound and active (SEMANTICS 8.13's counting)."""
    if gkey[0] == "owner":
        return cluster.owner_node_counts.get(gkey[1], EMPTY).get(node_name, 0)
    services = gkey[1]
    if not services:
        return 0
    members = [cluster.service_members.get(s, EMPTY) for s in services]
    n = 0
    for pod_name in cluster.pods_by_node.get(node_name, EMPTY):
        if any(pod_name in m for m in members):
            pod = cluster.pods[pod_name]
            if not pod.terminal and pod.deletion_timestamp is None:
                n += 1
    return n


def leaf_key(gkey: tuple, node_name: str, cluster, position: int | None = None) -> tuple:
    """A node's leaf in a group's tree: `(group count, pods on the node, name, position, node)`, or INF.

    The order is that of the first three (names are unique, so the last two never decide): the textbook rank.
    The leaf position and the Node object ride along so that whoever reads the winning key (a bind, a
    scheduling cycle) has the node at hand without two more lookups in maps of n entries."""
    node = cluster.nodes.get(node_name)
    if node is None:
        return INF
    usage = cluster.node_usage.get(node_name)
    if not feasible_for_shape(gkey[2], gkey[3], gkey[4], node, usage):
        return INF
    return (group_count(gkey, node_name, cluster), usage.pods if usage is not None else 0, node_name, position, node)


def _build_group_tree(index: TextbookIndex, gkey: tuple, cluster) -> tuple:
    keys = [INF] * index.size
    for name, pos in index.positions.items():
        keys[pos] = leaf_key(gkey, name, cluster, pos)
    return _build_tree(keys, index.height)


# ---- the protocol ---------------------------------------------------------------------------------------------

def build(cluster) -> TextbookIndex | None:
    """The index of a cluster, from scratch. None for the kubernetes profile (it keeps no trees)."""
    if cluster.config.profile != TEXTBOOK:
        return None
    names = sorted(cluster.nodes)
    size = len(names)
    index = TextbookIndex(TEXTBOOK, immutables.Map({n: i for i, n in enumerate(names)}), size,
                          max(size - 1, 0).bit_length(), EMPTY)
    for pod_name in cluster.unscheduled:
        index = _enqueue(index, group_key(cluster.pods[pod_name], cluster), cluster)
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
    return old.containers is not new.containers and not _same_requests(old.containers, new.containers)


_REQUESTS = attrgetter("requests")


def _same_requests(a: tuple, b: tuple) -> bool:
    """Two pods with these containers request the same (`Pod.requests`): identity first, as a status write copies
    each container's requests by reference."""
    if len(a) == len(b) and all(map(is_, map(_REQUESTS, a), map(_REQUESTS, b))):
        return True
    return _requested(a) == _requested(b)


def _requested(containers: tuple) -> tuple:
    """`Pod.requests` of a pod with these containers, as (cpu, memory)."""
    if len(containers) == 1:
        r = containers[0].requests
        return r.cpu, r.memory
    cpu = memory = 0
    for c in containers:
        r = c.requests
        cpu += r.cpu
        memory += r.memory
    return cpu, memory


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
        owner_counts = cluster.owner_node_counts
    for key, group in groups.items():
        queued = group[1] - 1 if gkey is None or key == gkey else group[1]
        if not queued:
            groups = groups.delete(key)
            continue
        if pos is None:
            tree = group[0]
        else:
            if node is not None and feasible_for_shape(key[2], key[3], key[4], node, usage):
                count = owner_counts.get(key[1], EMPTY).get(node_name, 0) if key[0] == "owner" else \
                    group_count(key, node_name, cluster)
                leaf = (count, pods, node_name, pos, node)
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
    """A Service was created, changed or removed: which Services select a queued unowned pod, and who its
    siblings are, may have changed, so every "services" group is rebuilt from the queue. Owned pods' groups do
    not depend on Services. O(queued unowned pods + services groups x n); Services change rarely."""
    if index is None:
        return None
    groups = index.groups
    for gkey in index.groups:
        if gkey[0] == "services":
            groups = groups.delete(gkey)
    index = _with_groups(index, groups)
    for pod_name in cluster.unscheduled:
        pod = cluster.pods[pod_name]
        if pod.owner is None:
            index = _enqueue(index, group_key(pod, cluster), cluster)
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
    if cluster.config.profile != TEXTBOOK:
        return index is None
    if not cluster.unscheduled:
        return index is not None and index.profile == TEXTBOOK and not index.groups
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


def kubernetes_fast(cluster, pod: Pod):
    """The kubernetes profile's exact choice in one pass (the result `reference.schedule` gives).

    Bound: O(n + p) per pod, n nodes and p candidate sibling pods (the members of the smallest Service that
    selects the pod, else every pod), against the reference's O(n x pods per node) through the plugin
    framework. A sublinear index cannot be exact here: LeastAllocated and BalancedAllocation are ratios
    against each node's own capacity, so their order over nodes depends on the pod's requests, and the
    topology score is normalised by the minimum and maximum over the feasible set and weighted by
    ln(feasible nodes + 2); a change to any node can change every node's normalised score. The plugins' integer
    formulas (LeastAllocated) are inlined here without the logic shim (which costs an `is_symbolic` test per
    operator), BalancedAllocation's float formula too; the topology raw score is the plugin's own function.
    The differential tests hold this twin to `reference.schedule`.
    """
    from kmodel.cluster import nonzero_requests
    from kmodel.scheduler import reference
    from kmodel.scheduler.framework import MAX_NODE_SCORE, ScheduleResult, tie_break
    from kmodel.scheduler.plugins.node_resources_fit import CPU_WEIGHT, MEMORY_WEIGHT
    from kmodel.scheduler.plugins.pod_topology_spread import ZONE, default_selector, raw_score, topology_weight
    from kmodel.scheduler.profiles import KUBERNETES

    (_, la_weight), (_, ba_weight), (_, spread_weight) = KUBERNETES.scores

    gkey = group_key(pod, cluster)
    cpu, memory, selector = gkey[2], gkey[3], gkey[4]
    usages = cluster.node_usage
    candidates = []
    for name, node in cluster.nodes.items():
        usage = usages.get(name)
        if feasible_for_shape(cpu, memory, selector, node, usage):
            candidates.append((name, node, usage))
    if not candidates:
        return reference.schedule(cluster, pod)
    if len(candidates) == 1:
        return ScheduleResult(candidates[0][0], (), (candidates[0][0],))
    nz = nonzero_requests(pod)
    best_effort = cpu == 0 and memory == 0
    totals = []
    for name, node, usage in candidates:
        alloc = node.allocatable
        if usage is None:
            u_nz_cpu = u_nz_mem = u_cpu = u_mem = 0
        else:
            u_nz_cpu, u_nz_mem = usage.nonzero_requested.cpu, usage.nonzero_requested.memory
            u_cpu, u_mem = usage.requested.cpu, usage.requested.memory
        # LeastAllocated (SEMANTICS 57; upstream noderesources/least_allocated.go `leastResourceScorer`):
        # leastRequestedScore per resource, weighted mean, int64 division; a resource with allocatable 0 is
        # left out of both sums, and the score is 0 when none is left (as `least_allocated_weighted`)
        la_total = la_weights = 0
        req, cap = u_nz_cpu + nz.cpu, alloc.cpu
        if cap:
            la_weights += CPU_WEIGHT
            if req <= cap:
                la_total += (cap - req) * MAX_NODE_SCORE // cap * CPU_WEIGHT
        req, cap = u_nz_mem + nz.memory, alloc.memory
        if cap:
            la_weights += MEMORY_WEIGHT
            if req <= cap:
                la_total += (cap - req) * MAX_NODE_SCORE // cap * MEMORY_WEIGHT
        total = la_weight * (la_total // la_weights) if la_weights else 0
        if not best_effort:
            # BalancedAllocation (SEMANTICS 58), as `balanced_score` computes it: float64 fractions capped at 1,
            # resources with allocatable 0 skipped, std = |f1 - f2| / 2, int64((1 - std) * 100)
            if alloc.cpu and alloc.memory:
                f1 = min(1.0, float(u_cpu + cpu) / float(alloc.cpu))
                f2 = min(1.0, float(u_mem + memory) / float(alloc.memory))
                total += ba_weight * int((1 - abs((f1 - f2) / 2)) * float(MAX_NODE_SCORE))
            else:
                total += ba_weight * MAX_NODE_SCORE
        totals.append(total)
    spread = default_selector(pod, cluster)
    if not spread.empty and not spread.is_nothing:
        per_node: dict[str, int] = {}
        pools = [cluster.service_members.get(n, EMPTY) for n in selecting_services(pod, cluster)]
        pool = min(pools, key=len) if pools else cluster.pods
        pods = cluster.pods
        for pod_name in pool:
            other = pods[pod_name]
            where = other.node_name
            if where is not None and not other.terminal and other.deletion_timestamp is None and \
                    spread.matches(other.labels):
                per_node[where] = per_node.get(where, 0) + 1
        domains = {node.labels.get(ZONE, "") for _, node, _ in candidates}
        zone_counts = dict.fromkeys(domains, 0)
        for name, node in cluster.nodes.items():
            value = node.labels.get(ZONE, "")
            if value in zone_counts and all(node.labels.get(k) == v for k, v in selector):
                zone_counts[value] += per_node.get(name, 0)
        host_weight, zone_weight = topology_weight(len(candidates)), topology_weight(len(domains))
        raw = []
        for name, node, _ in candidates:
            zone = node.labels.get(ZONE)
            raw.append(raw_score(per_node.get(name, 0), host_weight,
                                 None if zone is None else zone_counts[zone], zone_weight))
        lo, hi = min(raw), max(raw)
        for i, s in enumerate(raw):
            totals[i] += spread_weight * (MAX_NODE_SCORE if hi == 0 else MAX_NODE_SCORE * (hi + lo - s) // hi)
    best_total = max(totals)
    top = tuple(sorted(c[0] for c, t in zip(candidates, totals) if t == best_total))
    return ScheduleResult(tie_break(cluster.config.seed, pod.name, top), (), top)
