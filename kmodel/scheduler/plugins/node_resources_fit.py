"""NodeResourcesFit (SEMANTICS 55.8, 57, 8.12): the Filter on requests and pod count, and the LeastAllocated
score (weight 1 in the kubernetes profile).

Filter (`fitsRequest`): the node's pod count plus one must not exceed allocatable `pods` (kubelet maxPods);
for cpu and memory, a pod that requests some amount must find it free: `request <= allocatable - requested`,
where `requested` sums the actual requests of the node's bound, non-terminal pods. A resource the pod does not
request is not checked (so a zero-request pod fits an over-committed node, as upstream).

LeastAllocated (upstream pkg/scheduler/framework/plugins/noderesources/least_allocated.go,
`leastResourceScorer` and `leastRequestedScore`): per resource `(allocatable - requested) * 100 / allocatable`
in int64 division, 0 when the request exceeds it; the node score is the weighted mean (cpu 1, memory 1) with
int64 division. `requested` here is the node's NonZeroRequested plus the incoming pod's non-zero request: a
container without a request counts 100m cpu and 200 MiB (SEMANTICS 57). A resource whose allocatable is 0 is
left out of both the weighted sum and the weight sum (`if allocable[i] == 0 { continue }`), and the score is 0
when no resource is left (`if weightSum == 0 { return 0 }`); least_allocated_test.go's case "if the node
doesn't have a resource" pins this (55, not 27). Older releases (the map-based
`leastResourceScorer(resToWeightMap)` of the NodeResourcesLeastAllocated plugin) counted such a resource with
score 0 in the weight sum, which SEMANTICS 8.12 describes; the model follows current upstream.
"""

from __future__ import annotations

from kmodel.usage import NodeUsage, nonzero_requests, pod_requests
from kmodel.logic import Bool, Int, all_of, any_of, idiv, ite, le, lt, sum_of
from kmodel.scheduler.framework import MAX_NODE_SCORE, FilterPlugin, ScorePlugin

NAME = "NodeResourcesFit"
TOO_MANY_PODS = "Too many pods"
INSUFFICIENT_CPU = "Insufficient cpu"
INSUFFICIENT_MEMORY = "Insufficient memory"
CPU_WEIGHT = MEMORY_WEIGHT = 1

_NO_USAGE = NodeUsage()


def resource_fits(request: Int, allocatable: Int, requested: Int) -> Bool:
    """One resource of `fitsRequest`: unrequested, or at most what is left."""
    return any_of(request == 0, le(request, allocatable - requested))


def pods_fit(pods_on_node: Int, max_pods: Int) -> Bool:
    return le(pods_on_node + 1, max_pods)


def fits(pod, node, cluster) -> Bool:
    usage = cluster.node_usage.get(node.name, _NO_USAGE)
    req = pod_requests(pod)
    return all_of(pods_fit(usage.pods, node.max_pods),
                  resource_fits(req.cpu, node.allocatable.cpu, usage.requested.cpu),
                  resource_fits(req.memory, node.allocatable.memory, usage.requested.memory))


def reasons(pod, node, cluster) -> tuple[str, ...]:
    """Every insufficient resource, in upstream's order: pods, cpu, memory."""
    usage = cluster.node_usage.get(node.name, _NO_USAGE)
    req = pod_requests(pod)
    out = []
    if not pods_fit(usage.pods, node.max_pods):
        out.append(TOO_MANY_PODS)
    if not resource_fits(req.cpu, node.allocatable.cpu, usage.requested.cpu):
        out.append(INSUFFICIENT_CPU)
    if not resource_fits(req.memory, node.allocatable.memory, usage.requested.memory):
        out.append(INSUFFICIENT_MEMORY)
    return tuple(out)


def least_requested_score(requested: Int, capacity: Int) -> Int:
    """`leastRequestedScore`: `(capacity - requested) * 100 / capacity`, 0 when capacity is 0 or exceeded."""
    bad = any_of(capacity == 0, lt(capacity, requested))
    return ite(bad, 0, idiv((capacity - requested) * MAX_NODE_SCORE, ite(capacity == 0, 1, capacity)))


def least_allocated_weighted(resources) -> Int:
    """`leastResourceScorer` over `(requested, allocatable, weight)` triples: the weighted mean of the
    per-resource scores in int64 division, skipping every resource whose allocatable is 0 (from both sums), 0
    when none is left. Works on Z3 terms too (through `kmodel.logic`)."""
    resources = tuple(resources)
    total = sum_of(ite(capacity == 0, 0, least_requested_score(requested, capacity) * weight)
                   for requested, capacity, weight in resources)
    weights = sum_of(ite(capacity == 0, 0, weight) for _, capacity, weight in resources)
    return ite(weights == 0, 0, idiv(total, ite(weights == 0, 1, weights)))


def least_allocated(cpu_requested: Int, cpu_capacity: Int, mem_requested: Int, mem_capacity: Int) -> Int:
    """LeastAllocated's node score for cpu and memory (weights `CPU_WEIGHT`, `MEMORY_WEIGHT`): see
    `least_allocated_weighted`."""
    return least_allocated_weighted(((cpu_requested, cpu_capacity, CPU_WEIGHT),
                                     (mem_requested, mem_capacity, MEMORY_WEIGHT)))


def score(pod, node, cluster, state=None) -> Int:
    usage = cluster.node_usage.get(node.name, _NO_USAGE)
    nz = nonzero_requests(pod)
    return least_allocated(usage.nonzero_requested.cpu + nz.cpu, node.allocatable.cpu,
                           usage.nonzero_requested.memory + nz.memory, node.allocatable.memory)


# ---- the fast forms (the engines' scheduler; tests/unit/test_plugin_fast_forms.py holds them to the above) ----

def shape(pod) -> tuple[int, int]:
    """What the filter reads of a pod: its summed (cpu, memory) requests (`pod_requests`)."""
    requests = pod_requests(pod)
    return requests.cpu, requests.memory


def fits_fast(requests: tuple[int, int], node, usage) -> bool:
    """`fits` in plain integers on the pod's `shape`: the pod count against maxPods, then each requested
    resource against what is left."""
    cpu, memory = requests
    if usage is None:
        return node.max_pods >= 1 and (not cpu or cpu <= node.allocatable.cpu) and \
            (not memory or memory <= node.allocatable.memory)
    if usage.pods + 1 > node.max_pods:
        return False
    alloc, used = node.allocatable, usage.requested
    if cpu and cpu > alloc.cpu - used.cpu:
        return False
    return not (memory and memory > alloc.memory - used.memory)


def least_allocated_fast(pod, cluster, candidates) -> list[int]:
    """LeastAllocated's score for every candidate `(name, node, usage)`, as `least_allocated` computes it but in
    plain int64-style integer arithmetic (no `kmodel.logic` shim): `leastRequestedScore` per resource with
    allocatable > 0, their weighted mean, 0 when no resource is left."""
    nz = nonzero_requests(pod)
    out = []
    for _, node, usage in candidates:
        alloc = node.allocatable
        if usage is None:
            u_cpu = u_memory = 0
        else:
            used = usage.nonzero_requested
            u_cpu, u_memory = used.cpu, used.memory
        total = weights = 0
        requested, capacity = u_cpu + nz.cpu, alloc.cpu
        if capacity:
            weights += CPU_WEIGHT
            if requested <= capacity:
                total += (capacity - requested) * MAX_NODE_SCORE // capacity * CPU_WEIGHT
        requested, capacity = u_memory + nz.memory, alloc.memory
        if capacity:
            weights += MEMORY_WEIGHT
            if requested <= capacity:
                total += (capacity - requested) * MAX_NODE_SCORE // capacity * MEMORY_WEIGHT
        out.append(total // weights if weights else 0)
    return out


# Assuming a pod on a node only takes room there: the filter re-checks it (reads_usage) and never admits a node
# it rejected (freed_by_assume False).
PLUGIN = FilterPlugin(NAME, fits, reasons, fast=fits_fast, shape=shape, reads_usage=True)
LEAST_ALLOCATED = ScorePlugin(NAME, score, fast=least_allocated_fast)
