"""What the scheduler counts of pods and nodes: requests, the non-zero defaults, and a node's usage (SEMANTICS 55,
57). Below the state (`kmodel.cluster` keeps a `NodeUsage` per node as an index) and below the scheduler plugins,
which read it, so neither imports the other for it.
"""

from __future__ import annotations

import attrs

from kmodel.objects import Pod, Resources


@attrs.frozen
class NodeUsage:
    """What the scheduler counts on a node: the summed requests and the number of bound, non-terminal pods."""

    requested: Resources = Resources()
    pods: int = 0
    # LeastAllocated's NonZeroRequested: requests with the scheduler's defaults for missing ones (SEMANTICS 57)
    nonzero_requested: Resources = Resources()


# The scheduler's defaults for a container without a request (schedutil.DefaultMilliCPURequest and
# DefaultMemoryRequest, SEMANTICS 57). The model cannot tell a missing request from an explicit 0: both count.
DEFAULT_MILLI_CPU_REQUEST = 100
DEFAULT_MEMORY_REQUEST = 200 * 1024 * 1024


def pod_requests(pod: Pod) -> Resources:
    """`pod.requests` (the sum over its containers) without building intermediate values on the hot path."""
    containers = pod.containers
    if len(containers) == 1:
        return containers[0].requests
    cpu = memory = 0
    for c in containers:
        r = c.requests
        cpu += r.cpu
        memory += r.memory
    return Resources(cpu, memory)


def usage_of(pod: Pod) -> tuple[int, int, int, int]:
    """(cpu, memory, non-zero cpu, non-zero memory) requested by the pod: `pod_requests` and `nonzero_requests`
    in one pass, as plain ints (the bind hot path)."""
    cpu = memory = nz_cpu = nz_memory = 0
    for c in pod.containers:
        r = c.requests
        cpu += r.cpu
        memory += r.memory
        nz_cpu += r.cpu or DEFAULT_MILLI_CPU_REQUEST
        nz_memory += r.memory or DEFAULT_MEMORY_REQUEST
    return cpu, memory, nz_cpu, nz_memory


def nonzero_requests(pod: Pod) -> Resources:
    """The pod's requests as LeastAllocated counts them: each container's missing (zero) cpu or memory request
    counts as 100m or 200 MiB (`schedutil.GetNonzeroRequests`, SEMANTICS 57)."""
    cpu = memory = 0
    for c in pod.containers:
        r = c.requests
        cpu += r.cpu or DEFAULT_MILLI_CPU_REQUEST
        memory += r.memory or DEFAULT_MEMORY_REQUEST
    return Resources(cpu, memory)
