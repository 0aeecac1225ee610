"""The specification of one scheduling cycle: every node through the profile's filters and scores.

`schedule(cluster, pod)` is deliberately the plain reading of SEMANTICS 55 to 61: it visits every node in name
order, runs every filter plugin through the framework (the same `kmodel.logic` decisions the Z3 layer reads),
scores the feasible nodes and takes the best. It is the oracle the fast path (`index.py`) is tested against and
the baseline the benchmarks compare with; it is O(nodes x pods per node) per pod.

- No feasible node: `node` None and upstream's FitError reasons.
- One feasible node: chosen without scoring (SEMANTICS 61).
- textbook: the least rank `(siblings, pods, name)`; the name makes it unique, so `top_nodes` is that node.
- kubernetes: the weighted sum of normalised scores (SEMANTICS 56); `top_nodes` are all nodes with the highest
  total, and the choice among them is the seeded tie-break (SEMANTICS 61).
- percentageOfNodesToScore is not modelled (SEMANTICS 62): every feasible node is scored.
"""

from __future__ import annotations

from kmodel.scheduler.framework import (
    SKIP,
    ScheduleResult,
    feasible,
    reasons_histogram,
    rejection_reasons,
    select_step,
    tie_break,
    weighted_total,
)
from kmodel.scheduler.profiles import profile_of


def schedule(cluster, pod) -> ScheduleResult:
    profile = profile_of(cluster)
    candidates = []
    rejections = []
    for name in sorted(cluster.nodes):
        node = cluster.nodes[name]
        if feasible(profile, pod, node, cluster):
            candidates.append(node)
        else:
            rejections.append(rejection_reasons(profile, pod, node, cluster))
    if not candidates:
        return ScheduleResult(None, reasons_histogram(rejections, len(cluster.nodes)), ())
    if profile.rank is not None:
        # The argmin as the fold of `select_step` over the nodes in name order (infeasible nodes change nothing,
        # so only the candidates are folded): the step the Z3 layer proves (invariants/smt/scheduling.py).
        found, best = False, ()
        for n in candidates:
            key = profile.rank(pod, n, cluster)  # type: ignore[misc]
            found, _, best = select_step(found, best if found else key, True, key)
        return ScheduleResult(best[2], (), (best[2],))
    if len(candidates) == 1:
        return ScheduleResult(candidates[0].name, (), (candidates[0].name,))
    weighted: list[list] = [[] for _ in candidates]
    for plugin, weight in profile.scores:
        state = plugin.prepare(pod, cluster, candidates)
        if state is SKIP:
            continue
        scores = [plugin.score(pod, n, cluster, state) for n in candidates]
        if plugin.normalize is not None:
            scores = plugin.normalize(scores, state)
        for per_node, s in zip(weighted, scores):
            per_node.append((weight, s))
    totals = [weighted_total(w) for w in weighted]
    best_total = max(totals)
    top = tuple(n.name for n, t in zip(candidates, totals) if t == best_total)
    return ScheduleResult(tie_break(cluster.config.seed, pod.name, top), (), top)
