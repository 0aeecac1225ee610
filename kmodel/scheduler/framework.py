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


@attrs.frozen
class FilterPlugin:
    """A Filter extension point plugin: `fits` decides, `reasons` explains a rejection."""

    name: str
    fits: Callable[[Any, Any, Any], Bool]
    reasons: Callable[[Any, Any, Any], tuple[str, ...]]


def _no_prepare(pod, cluster, feasible) -> None:
    return None


@attrs.frozen
class ScorePlugin:
    """A Score extension point plugin with its optional PreScore (`prepare`) and NormalizeScore (`normalize`)."""

    name: str
    score: Callable[[Any, Any, Any, Any], Int]
    prepare: Callable[[Any, Any, Sequence[Any]], Any] = _no_prepare
    normalize: Callable[[list, Any], list] | None = None


@attrs.frozen
class Profile:
    """A scheduler profile (DESIGN principle 6).

    `filters` run in order; a node's rejection reasons are those of the first filter that rejects it (upstream
    RunFilterPlugins stops there). `scores` are (plugin, weight) pairs for a weighted-sum profile; `rank`, for
    the textbook profile, is a key to minimise instead (the seed's lexicographic rule).
    """

    name: str
    filters: tuple[FilterPlugin, ...]
    scores: tuple[tuple[ScorePlugin, int], ...] = ()
    rank: Callable[[Any, Any, Any], tuple] | None = None


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
