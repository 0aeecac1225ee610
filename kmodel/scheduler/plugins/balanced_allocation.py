"""NodeResourcesBalancedAllocation (SEMANTICS 58): favours nodes whose cpu and memory fractions stay close.

Upstream pkg/scheduler/framework/plugins/noderesources/balanced_allocation.go, `balancedResourceScorer`:
`fraction_r = min(1, requested_r / allocatable_r)` over the resources with allocatable > 0 (a resource with
allocatable 0 is skipped, `if allocable[i] == 0 { continue }`, as LeastAllocated skips it), where `requested`
is the node's actual requests plus the incoming pod's (useRequested: no non-zero defaults); with two fractions
`std = |f1 - f2| / 2`, with one `std = 0`; the score is `int64((1 - std) * 100)`. A best-effort pod (no
requests at all) is skipped at PreScore (issue 129138), so the plugin adds nothing for it.

The fractions are float64 upstream; the model computes them the same way (Python floats are IEEE doubles), so
this score is concrete only: the Z3 layer treats it as an uninterpreted input.
"""

from __future__ import annotations

from kmodel.usage import NodeUsage, pod_requests
from kmodel.scheduler.framework import MAX_NODE_SCORE, SKIP, ScorePlugin

NAME = "NodeResourcesBalancedAllocation"
_NO_USAGE = NodeUsage()


def balanced_score(cpu_requested: int, cpu_capacity: int, mem_requested: int, mem_capacity: int) -> int:
    """`balancedResourceScorer` for cpu and memory."""
    fractions = []
    for requested, capacity in ((cpu_requested, cpu_capacity), (mem_requested, mem_capacity)):
        if capacity == 0:
            continue
        fractions.append(min(1.0, float(requested) / float(capacity)))
    std = abs((fractions[0] - fractions[1]) / 2) if len(fractions) == 2 else 0.0
    return int((1 - std) * float(MAX_NODE_SCORE))


def prepare(pod, cluster, feasible):
    req = pod_requests(pod)
    return SKIP if req.cpu == 0 and req.memory == 0 else None


def score(pod, node, cluster, state=None) -> int:
    usage = cluster.node_usage.get(node.name, _NO_USAGE)
    req = pod_requests(pod)
    return balanced_score(usage.requested.cpu + req.cpu, node.allocatable.cpu,
                          usage.requested.memory + req.memory, node.allocatable.memory)


def scores_fast(pod, cluster, candidates) -> list[int] | None:
    """Every candidate's `balanced_score` at once (`(name, node, usage)` triples), None for a best-effort pod."""
    req = pod_requests(pod)
    cpu, memory = req.cpu, req.memory
    if cpu == 0 and memory == 0:
        return None
    out = []
    for _, node, usage in candidates:
        alloc = node.allocatable
        if usage is None:
            out.append(balanced_score(cpu, alloc.cpu, memory, alloc.memory))
        else:
            used = usage.requested
            out.append(balanced_score(used.cpu + cpu, alloc.cpu, used.memory + memory, alloc.memory))
    return out


PLUGIN = ScorePlugin(NAME, score, prepare, fast=scores_fast)
