"""The scheduling framework: filter and score plugins, profiles, and the per-node decisions (SEMANTICS 55, 56).

A *filter* plugin answers `fits(pod, node, cluster) -> Bool` and, for a node it rejects, `reasons(...)`, the
strings kube-scheduler aggregates into "0/N nodes are available: ...". A *score* plugin gives a raw
`score(pod, node, cluster, state) -> Int`, optionally after a `prepare` (PreScore: the per-pod state, or `SKIP`
when the plugin does not apply to this pod) and followed by a `normalize` across the feasible nodes where
upstream has NormalizeScore. The final score is Σ weight × normalised score (SEMANTICS 56).

The per-node decisions (feasibility as an `all_of` of the filters, the integer score arithmetic, the
normalisation) are written with `kmodel.logic` so the Z3 layer can run the same functions symbolically. The one
exception is PodTopologySpread's raw score, a float logarithm upstream (SEMANTICS 8.13); it is rounded to an
integer before anything else reads it.

percentageOfNodesToScore (SEMANTICS 62, 8.15) is deliberately not modelled: kmodel filters and scores every
node, so its choice is the exact optimum over all feasible nodes (a stronger guarantee than the sampled one real
clusters of 100+ nodes give).
"""

from __future__ import annotations

import hashlib
from typing import Any, Callable, Sequence

import attrs

from kmodel.logic import Bool, Int, all_of, any_of, eq, idiv, ite, lt, max_, min_, not_, sum_of

MAX_NODE_SCORE = 100  # framework.MaxNodeScore
SKIP = object()  # a PreScore result: the plugin does not score this pod


def _reads_nothing(pod) -> None:
    return None


@attrs.frozen
class FilterPlugin:
    """A Filter extension point plugin, in its two forms.

    The readable form is the plugin's decision as upstream writes it: `fits(pod, node, cluster) -> Bool` (in
    `kmodel.logic`, so the Z3 layer runs it symbolically) and, for a node it rejects, `reasons(...)`, the strings
    kube-scheduler aggregates into "0/N nodes are available: ...". `reference.schedule` runs it.

    The fast form is what the engines' scheduler runs (the bind guard, the textbook trees, the scheduler cache and
    the kubernetes pass, all built from the profile's plugins by `Profile`): `shape(pod)`, the hashable part of
    the pod the filter reads (pods of one shape get one answer per node; `None` for a filter that reads nothing
    of the pod), and `fast(part, node, usage) -> bool` on that part, the node and its `NodeUsage` (None: no pod
    bound there), in plain Python. `tests/unit/test_plugin_fast_forms.py` holds the two forms to each other for
    every filter of every profile. A plugin without `fast` is run in its readable form only: a profile with such
    a filter is scheduled by the reference scan (exact, O(nodes x pods per node) per pod).

    What the scheduler cache's exactness argument needs (`kmodel.scheduler.cache`): `reads_usage`, whether the
    answer depends on the pods bound to the node (it is re-checked when the cache assumes a pod there), and
    `freed_by_assume`, whether assuming a pod on a node can turn a rejection there into a fit. The cache keeps a
    rejected node rejected, so it refuses a profile with a filter that says yes (`Profile.cache_refusal`).
    """

    name: str
    fits: Callable[[Any, Any, Any], Bool]
    reasons: Callable[[Any, Any, Any], tuple[str, ...]]
    fast: Callable[[Any, Any, Any], bool] | None = None
    shape: Callable[[Any], Any] = _reads_nothing
    reads_usage: bool = False
    freed_by_assume: bool = False


def _no_prepare(pod, cluster, feasible) -> None:
    return None


@attrs.frozen
class ScorePlugin:
    """A Score extension point plugin with its optional PreScore (`prepare`) and NormalizeScore (`normalize`).

    Readable form: a raw `score(pod, node, cluster, state) -> Int` per node after `prepare` (the per-pod state,
    or `SKIP` when the plugin does not apply to this pod), then `normalize` across the feasible nodes where
    upstream has NormalizeScore. Fast form (`fast`, optional): `fast(pod, cluster, candidates) -> list[int] |
    None`, the normalised scores of every candidate at once (`candidates`: `(name, node, usage)` triples of the
    feasible nodes, usage None for a node without pods), None when the plugin skips the pod; without it, the
    kubernetes pass runs the readable form over the candidates (`readable_scores`).
    """

    name: str
    score: Callable[[Any, Any, Any, Any], Int]
    prepare: Callable[[Any, Any, Sequence[Any]], Any] = _no_prepare
    normalize: Callable[[list, Any], list] | None = None
    fast: Callable[[Any, Any, Sequence[tuple]], list | None] | None = None


def readable_scores(plugin: ScorePlugin, pod, cluster, nodes: Sequence[Any]) -> list | None:
    """A score plugin's normalised scores for `nodes` through its readable form (PreScore, Score,
    NormalizeScore), None when it skips the pod: what `reference.schedule` sums."""
    state = plugin.prepare(pod, cluster, nodes)
    if state is SKIP:
        return None
    scores = [plugin.score(pod, n, cluster, state) for n in nodes]
    if plugin.normalize is not None:
        scores = plugin.normalize(scores, state)
    return scores


def fast_scores(plugin: ScorePlugin, pod, cluster, candidates: Sequence[tuple]) -> list | None:
    """A score plugin's normalised scores for the candidates `(name, node, usage)`: its fast form, or its
    readable form where it has none."""
    if plugin.fast is not None:
        return plugin.fast(pod, cluster, candidates)
    return readable_scores(plugin, pod, cluster, [c[1] for c in candidates])


@attrs.frozen
class RankIndex:
    """The fast form of a rank-minimising profile (the textbook one), as `kmodel.scheduler.index` keeps it: a
    tournament tree per *spread group* of queued pods, whose leaves are `(count, pods on the node, name)`.

    `group(pod, cluster)`: the pod's spread group (hashable), `count(group, node_name, cluster)`: the group's pods
    counted on the node, `is_sibling(group, pod, cluster)`: whether binding `pod` adds one to that count (the
    scheduler cache's assume), `reads_services(group)`: whether the group, or its counts, depend on the Services
    (its trees are rebuilt when a Service changes). The rank these stand for is `Profile.rank`, which must be
    `(count, pods on the node, node name)`; the differential tests check that the trees' root is the rank's
    argmin.
    """

    group: Callable[[Any, Any], Any]
    count: Callable[[Any, str, Any], int]
    is_sibling: Callable[[Any, Any, Any], bool]
    reads_services: Callable[[Any], bool]


def _conjunction(filters: Sequence[FilterPlugin], only_reading_usage: bool = False
                 ) -> Callable[[tuple, Any, Any], bool]:
    """`feasible(shape, node, usage)`: every filter's fast form in order (or only those that read the node's
    pods), each on its part of the shape, stopping at the first rejection. A closure over the plugins' own
    functions (compiled with this module, so the loop costs little beside the calls): the innermost test of
    every scheduling write."""
    steps = tuple((i, f.fast) for i, f in enumerate(filters) if f.reads_usage or not only_reading_usage)
    if len(steps) == 1:  # the cache's refit under the built-in profiles: NodeResourcesFit alone, without a loop
        (only, fast_one), = steps

        def feasible_one(shape, node, usage) -> bool:
            return fast_one(shape[only], node, usage)

        return feasible_one

    def feasible(shape, node, usage) -> bool:
        for i, fast in steps:
            if not fast(shape[i], node, usage):
                return False
        return True

    return feasible


def _shape(filters: Sequence[FilterPlugin]) -> Callable[[Any], tuple]:
    """`pod_shape(pod)`: every filter's `shape(pod)` in filter order (None where a filter reads nothing of the
    pod, without calling it)."""
    size = len(filters)
    shaped = tuple((i, f.shape) for i, f in enumerate(filters) if f.shape is not _reads_nothing)

    def pod_shape(pod) -> tuple:
        parts = [None] * size
        for i, shape in shaped:
            parts[i] = shape(pod)
        return tuple(parts)

    return pod_shape


@attrs.frozen
class Profile:
    """A scheduler profile (DESIGN principle 6).

    `filters` run in order; a node's rejection reasons are those of the first filter that rejects it (upstream
    RunFilterPlugins stops there). `scores` are (plugin, weight) pairs for a weighted-sum profile; `rank`, for
    the textbook profile, is a key to minimise instead (the seed's lexicographic rule), and `rank_index` its fast
    form (the index's trees), when it has one.

    Built from the plugins' fast forms, for the engines' scheduler: `pod_shape(pod)` (every filter's part of the
    pod), `feasible_for_shape(shape, node, usage)` (every filter's fast form: the bind guard, the trees, the
    kubernetes pass) and `refit(shape, node, usage)` (the filters that read the node's pods: what the cache
    re-checks when it assumes a pod). `fast` says whether every filter has a fast form (else the reference scan
    schedules); `cache_refusal` why the scheduler cache cannot serve the profile (None: it can).
    """

    name: str
    filters: tuple[FilterPlugin, ...]
    scores: tuple[tuple[ScorePlugin, int], ...] = ()
    rank: Callable[[Any, Any, Any], tuple] | None = None
    rank_index: RankIndex | None = None
    fast: bool = attrs.field(init=False, eq=False, repr=False)
    pod_shape: Callable[[Any], tuple] = attrs.field(init=False, eq=False, repr=False)
    feasible_for_shape: Callable[[tuple, Any, Any], bool] = attrs.field(init=False, eq=False, repr=False)
    refit: Callable[[tuple, Any, Any], bool] = attrs.field(init=False, eq=False, repr=False)
    cache_refusal: str | None = attrs.field(init=False, eq=False, repr=False)

    def __attrs_post_init__(self) -> None:
        fast = all(f.fast is not None for f in self.filters)
        set_ = object.__setattr__
        set_(self, "fast", fast)
        set_(self, "pod_shape", _shape(self.filters))
        if fast:
            set_(self, "feasible_for_shape", _conjunction(self.filters))
            set_(self, "refit", _conjunction(self.filters, only_reading_usage=True))
        else:
            set_(self, "feasible_for_shape", None)
            set_(self, "refit", None)
        set_(self, "cache_refusal", _cache_refusal(self))


def _cache_refusal(profile: Profile) -> str | None:
    """Why the scheduler cache (and the index's trees) cannot serve the profile, or None."""
    if profile.rank is None or profile.rank_index is None:
        return f"profile {profile.name!r} has no rank index (the cache serves rank-minimising profiles)"
    missing = [f.name for f in profile.filters if f.fast is None]
    if missing:
        return f"profile {profile.name!r}: filter(s) {', '.join(missing)} have no fast form"
    freed = [f.name for f in profile.filters if f.freed_by_assume]
    if freed:
        return (f"profile {profile.name!r}: filter(s) {', '.join(freed)} can admit a node once a pod is assumed "
                "there, which the cache's argument excludes (a rejected node stays rejected)")
    return None


@attrs.frozen
class ScheduleResult:
    """The outcome of one scheduling cycle for a pod.

    `node`: the chosen node, or None when no node is feasible. `reasons`: for an unschedulable pod, upstream's
    FitError histogram ("2 Insufficient cpu", "1 node(s) were unschedulable", sorted), else empty.
    `top_nodes`: every node with the best score, sorted by name (the explorer branches over them; for the
    textbook profile the node name is part of the rank, so this is the chosen node alone).
    """

    node: str | None
    reasons: tuple[str, ...] = ()
    top_nodes: tuple[str, ...] = ()


NO_NODES = "no nodes available to schedule pods"  # ErrNoNodesAvailable


def selecting_services(pod, cluster) -> tuple[str, ...]:
    """Names of the Services with a selector that matches the pod, sorted: what the spreading plugins count a
    pod's siblings among, as `Cluster.pod_services` holds them for a pod of the cluster (unmanaged Services select
    nothing, SEMANTICS 26, 8.2)."""
    out = []
    for name, svc in cluster.services.items():
        sel = svc.label_selector
        if sel is not None and sel.matches(pod.labels):
            out.append(name)
    return tuple(sorted(out))


def feasible(profile: Profile, pod, node, cluster) -> Bool:
    """Whether the node passes every filter of the profile (SEMANTICS 55): an `all_of` of the filter results."""
    return all_of(*(f.fits(pod, node, cluster) for f in profile.filters))


def rejection_reasons(profile: Profile, pod, node, cluster) -> tuple[str, ...]:
    """Why the node is infeasible: the reasons of the first rejecting filter; empty when it is feasible."""
    for f in profile.filters:
        if not f.fits(pod, node, cluster):
            return f.reasons(pod, node, cluster)
    return ()


def reasons_histogram(per_node: Sequence[tuple[str, ...]], nodes: int) -> tuple[str, ...]:
    """FitError's message parts: each reason with the number of nodes that gave it, as sorted strings."""
    if nodes == 0:
        return (NO_NODES,)
    counts: dict[str, int] = {}
    for reasons in per_node:
        for r in reasons:
            counts[r] = counts.get(r, 0) + 1
    return tuple(sorted(f"{n} {r}" for r, n in counts.items()))


def weighted_total(weighted_scores: Sequence[tuple[int, Int]]) -> Int:
    """The final node score: Σ weight × normalised plugin score (SEMANTICS 56)."""
    return sum_of(w * s for w, s in weighted_scores)


def normalize_reverse(scores: list) -> list:
    """PodTopologySpread's NormalizeScore: `100 × (max + min − s) / max` in int64 arithmetic, 100 for every node
    when max is 0 (SEMANTICS 59, 8.13). Fewer matching pods, higher score."""
    if not scores:
        return []
    lo = hi = scores[0]
    for s in scores[1:]:
        lo, hi = min_(lo, s), max_(hi, s)
    divisor = ite(hi == 0, 1, hi)
    return [ite(hi == 0, MAX_NODE_SCORE, idiv(MAX_NODE_SCORE * (hi + lo - s), divisor)) for s in scores]


def tie_break(seed: int, pod_name: str, top_nodes: Sequence[str]) -> str:
    """selectHost's random choice among the top-scoring nodes (SEMANTICS 61), made reproducible: every top node
    is equally likely over seeds, and the same (seed, pod) always picks the same one. `top_nodes` is sorted."""
    if len(top_nodes) == 1:
        return top_nodes[0]
    digest = hashlib.blake2b(f"{seed}/{pod_name}".encode(), digest_size=8).digest()
    return top_nodes[int.from_bytes(digest, "big") % len(top_nodes)]


def go_round(x: float) -> int:
    """Go's `math.Round`: to the nearest integer, halves away from zero (Python's `round` rounds halves to
    even). Exact: `x - trunc(x)` is computed without error for doubles."""
    t = int(x)
    if abs(x - t) >= 0.5:
        t += 1 if x > 0 else -1
    return t


def rank_less(a: Sequence[Any], b: Sequence[Any]) -> Bool:
    """`a` ranks strictly before `b` in lexicographic order, component by component with `kmodel.logic`, so
    that the textbook argmin runs on Z3 terms as well as on values (DESIGN principle 4)."""
    less: Bool = False
    for x, y in reversed(tuple(zip(a, b))):
        less = any_of(lt(x, y), all_of(eq(x, y), less))
    return less


def select_step(found: Bool, best: tuple, feasible: Bool, key: tuple) -> tuple[Bool, Bool, tuple]:
    """One step of the textbook argmin over the nodes in name order (SEMANTICS 60): the node with rank `key`
    becomes the candidate when it is feasible and there is no candidate yet or it ranks before the candidate's
    `best`. Returns (a candidate exists, this node was taken, the candidate's rank). An infeasible node changes
    nothing. `invariants.smt.scheduling` proves the fold keeps "the candidate is feasible and no feasible node
    ranks before it" for every cluster size."""
    take = all_of(feasible, any_of(not_(found), rank_less(key, best)))
    return any_of(found, feasible), take, tuple(ite(take, k, b) for k, b in zip(key, best))
