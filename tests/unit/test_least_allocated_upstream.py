"""LeastAllocated against upstream's own table (SEMANTICS 57; 8.12 as current upstream has it).

Source (kubernetes/kubernetes, read for this file):
- pkg/scheduler/framework/plugins/noderesources/least_allocated.go: `leastResourceScorer` skips a resource whose
  allocatable is 0 (`if allocable[i] == 0 { continue }`) from both the weighted sum and the weight sum, and
  returns 0 when the weight sum is 0; `leastRequestedScore` is `(capacity - requested) * 100 / capacity`, 0 when
  requested exceeds capacity.
- pkg/scheduler/framework/plugins/noderesources/resource_allocation.go: an extended resource the pod does not
  request is reported as (allocatable 0, requested 0), so the same skip bypasses it.
- pkg/scheduler/framework/plugins/noderesources/least_allocated_test.go, TestLeastAllocatedScoringStrategy: the
  cases below keep upstream's names and expected scores. The per-resource `(requested, allocatable, weight)`
  triples are upstream's inputs as the plugin sees them (the node's NonZeroRequested plus the pod's request, with
  upstream's set/unset distinction: an explicit "memory": "0" stays 0). Left out: the argument-validation cases
  (resources nil, weight 0, negative or above 100).

Then the same rule through the model's plugin on real clusters, the kubernetes fast path, the Z3 reading of the
same function, and the reproduction (nodes a: cpu 0, b: cpu 4000, both 16Gi; a request-less pod): upstream and
the scheduling oracle pick a (398 against 397), so `check_cluster` with the kubernetes profile must pass.
"""

from __future__ import annotations

import pytest

from kmodel.cluster import Cluster, Config
from kmodel.objects import GiB, MiB, Container, Node, Pod, Resources
from kmodel.scheduler import index, reference
from kmodel.scheduler.plugins import balanced_allocation, node_resources_fit


# (name, {node: [(requested, allocatable, weight) per resource]}, expected {node: score})
UPSTREAM = [
    # cpu (0 * 100 / 4000 free) = 100, memory 100: (100 + 100) / 2
    ("nothing scheduled, nothing requested",
     {"node1": [(0, 4000, 1), (0, 10000, 1)], "node2": [(0, 4000, 1), (0, 10000, 1)]},
     {"node1": 100, "node2": 100}),
    # node1: cpu (4000 - 3000) * 100 / 4000 = 25, memory 50: 37; node2: cpu 50, memory 50: 50
    ("nothing scheduled, resources requested, differently sized nodes",
     {"node1": [(3000, 4000, 1), (5000, 10000, 1)], "node2": [(3000, 6000, 1), (5000, 10000, 1)]},
     {"node1": 37, "node2": 50}),
    # container-less pods request nothing, not even the non-zero defaults
    ("no resources requested, pods scheduled",
     {"node1": [(0, 4000, 1), (0, 10000, 1)], "node2": [(0, 4000, 1), (0, 10000, 1)]},
     {"node1": 100, "node2": 100}),
    # node1: cpu (10000 - 6000) * 100 / 10000 = 40, memory 100: 70; node2: 40 and 75: 57
    ("no resources requested, pods scheduled with resources",
     {"node1": [(6000, 10000, 1), (0, 20000, 1)], "node2": [(6000, 10000, 1), (5000, 20000, 1)]},
     {"node1": 70, "node2": 57}),
    # node1: 40 and 75: 57; node2: 40 and 50: 45
    ("resources requested, pods scheduled with resources",
     {"node1": [(6000, 10000, 1), (5000, 20000, 1)], "node2": [(6000, 10000, 1), (10000, 20000, 1)]},
     {"node1": 57, "node2": 45}),
    # node2: memory (50000 - 10000) * 100 / 50000 = 80: (40 + 80) / 2 = 60
    ("resources requested, pods scheduled with resources, differently sized nodes",
     {"node1": [(6000, 10000, 1), (5000, 20000, 1)], "node2": [(6000, 10000, 1), (10000, 50000, 1)]},
     {"node1": 57, "node2": 60}),
    # cpu 6000 > 4000 scores 0 but keeps its weight (allocatable is not 0): (0 + 100) / 2, (0 + 50) / 2
    ("requested resources exceed node capacity",
     {"node1": [(6000, 4000, 1), (0, 10000, 1)], "node2": [(6000, 4000, 1), (5000, 10000, 1)]},
     {"node1": 50, "node2": 25}),
    # every allocatable 0: the weight sum is 0, the score MinNodeScore
    ("zero node resources, pods scheduled with resources",
     {"node1": [(3000, 0, 1), (0, 0, 1)], "node2": [(3000, 0, 1), (5000, 0, 1)]},
     {"node1": 0, "node2": 0}),
    # memory weight 2: (25 * 1 + 50 * 2) / 3 = 41; (50 + 100) / 3 = 50
    ("nothing scheduled, resources requested with different weight on CPU and memory, differently sized nodes",
     {"node1": [(3000, 4000, 1), (5000, 10000, 2)], "node2": [(3000, 6000, 1), (5000, 10000, 2)]},
     {"node1": 41, "node2": 50}),
    # the pod does not request the extended resource: it comes as (0, 0) and is skipped, (50 + 50) / 2
    ("bypass extended resource if the pod does not request",
     {"node1": [(3000, 6000, 1), (5000, 10000, 1), (0, 0, 1)],
      "node2": [(3000, 6000, 1), (5000, 10000, 1), (0, 0, 1)]},
     {"node1": 50, "node2": 50}),
    # extended 2 of 4: 50, of 10: 80; (50 + 50 + 50) / 3, (50 + 50 + 80) / 3
    ("honor extended resource if the pod requests",
     {"node1": [(3000, 6000, 1), (5000, 10000, 1), (2, 4, 1)],
      "node2": [(3000, 6000, 1), (5000, 10000, 1), (2, 10, 1)]},
     {"node1": 50, "node2": 60}),
    # node1 has no extended resource (allocatable 0, weight 2): skipped, (50 + 60) / 2 = 55 and not
    # (0 * 2 + 50 + 60) / 4 = 27; node2 has it but the pod does not request it: (0, 0), skipped too
    ("if the node doesn't have a resource",
     {"node1": [(0, 0, 2), (3000, 6000, 1), (4000, 10000, 1)],
      "node2": [(0, 0, 2), (3000, 6000, 1), (4000, 10000, 1)]},
     {"node1": 55, "node2": 55}),
]


@pytest.mark.parametrize("name, nodes, expected", UPSTREAM, ids=[c[0] for c in UPSTREAM])
def test_least_allocated_upstream_table_semantics_57_8_12(name, nodes, expected):
    got = {node: node_resources_fit.least_allocated_weighted(triples) for node, triples in nodes.items()}
    assert got == expected


@pytest.mark.parametrize("cpu_req, cpu_cap, mem_req, mem_cap, expected", [
    (3000, 0, 4000, 10000, 60),          # cpu allocatable 0 skipped: memory alone, (10000 - 4000) * 100 / 10000
    (3000, 6000, 4000, 0, 50),           # memory allocatable 0 skipped: cpu alone
    (3000, 0, 4000, 0, 0),               # nothing left: 0
    (100, 4000, 200 * MiB, 0, 97),       # (4000 - 100) * 100 / 4000 = 97, not (97 + 0) / 2 = 48
    (6000, 4000, 0, 0, 0),               # cpu over capacity scores 0 and keeps its weight; memory skipped
])
def test_least_allocated_two_resources_skip_zero_allocatable(cpu_req, cpu_cap, mem_req, mem_cap, expected):
    assert node_resources_fit.least_allocated(cpu_req, cpu_cap, mem_req, mem_cap) == expected


# ---- through the plugin, on clusters (the cases the model's objects can state) ------------------------------
# The model has no container-less pods and no explicit zero request (a 0 is read as unset and counts the
# non-zero default), so only the rows whose every request is set and non-zero carry over as they are.

TWO = (Container("a", requests=Resources(1000, 2000)), Container("b", requests=Resources(2000, 3000)))
OLD = (Container("c", requests=Resources(3000, 5000)),)


@pytest.mark.parametrize("name, nodes, bound, expected", [
    ("nothing scheduled, resources requested, differently sized nodes",
     {"node1": (4000, 10000), "node2": (6000, 10000)}, [], {"node1": 37, "node2": 50}),
    # upstream's node2 of "... pods scheduled with resources, differently sized nodes": (40 + 80) / 2
    ("resources requested, pods scheduled with resources, differently sized nodes (node2)",
     {"node2": (10000, 50000)}, ["node2"], {"node2": 60}),
    # the model's analogues of "if the node doesn't have a resource": only the resources it has count
    ("a node without cpu", {"node1": (0, 10000), "node2": (6000, 10000)}, [], {"node1": 50, "node2": 50}),
    ("a node without memory", {"node1": (6000, 0)}, [], {"node1": 50}),
    ("a node without cpu or memory", {"node1": (0, 0)}, [], {"node1": 0}),
], ids=lambda v: v if isinstance(v, str) else "")
def test_least_allocated_plugin_on_clusters(name, nodes, bound, expected):
    objs = [Node(n, allocatable=Resources(cpu, mem)) for n, (cpu, mem) in nodes.items()]
    objs += [Pod(f"old{i}", containers=OLD, node_name=n) for i, n in enumerate(bound)]
    c = Cluster.from_objects(objs + [Pod("new", containers=TWO)], config=Config(profile="kubernetes"))
    got = {n: node_resources_fit.score(c.pods["new"], c.nodes[n], c) for n in nodes}
    assert got == expected


def test_least_allocated_is_symbolic_and_skips_zero_allocatable():
    """The same function on Z3 terms: with cpu allocatable 0 the score is memory's alone, for every input."""
    z3 = pytest.importorskip("z3")
    cr, cc, mr, mc = z3.Ints("cr cc mr mc")
    s = z3.Solver()
    s.add(cr >= 0, mr >= 0, cc == 0, mc > 0)
    s.add(node_resources_fit.least_allocated(cr, cc, mr, mc) != node_resources_fit.least_requested_score(mr, mc))
    assert s.check() == z3.unsat
    s = z3.Solver()
    s.add(cc == 0, mc == 0, node_resources_fit.least_allocated(cr, cc, mr, mc) != 0)
    assert s.check() == z3.unsat


# ---- BalancedAllocation: the same skip (balanced_allocation.go `balancedResourceScorer`) ---------------------

@pytest.mark.parametrize("cpu_req, cpu_cap, mem_req, mem_cap, expected", [
    (3000, 0, 5000, 10000, 100),    # cpu skipped: one fraction, std 0
    (3000, 4000, 5000, 0, 100),     # memory skipped
    (3000, 0, 5000, 0, 100),        # no fraction: std 0, (1 - 0) * 100
])
def test_balanced_allocation_skips_zero_allocatable(cpu_req, cpu_cap, mem_req, mem_cap, expected):
    assert balanced_allocation.balanced_score(cpu_req, cpu_cap, mem_req, mem_cap) == expected


# ---- the reproduction --------------------------------------------------------------------------------------

def reproduction(pod_requests: Resources = Resources()) -> Cluster:
    objs = [Node("a", allocatable=Resources(0, 16 * GiB)), Node("b", allocatable=Resources(4000, 16 * GiB)),
            Pod("p", containers=(Container("c", requests=pod_requests),))]
    return Cluster.from_objects(objs, config=Config(profile="kubernetes"))


def test_reproduction_picks_the_node_without_cpu_like_upstream():
    """a: memory alone, (16Gi - 200Mi) * 100 / 16Gi = 98; b: cpu (4000 - 100) * 100 / 4000 = 97 and memory 98,
    (97 + 98) / 2 = 97. With TaintToleration's and NodeAffinity's constant shares the oracle sums 398 and 397."""
    c = reproduction()
    p = c.pods["p"]
    assert node_resources_fit.score(p, c.nodes["a"], c) == 98
    assert node_resources_fit.score(p, c.nodes["b"], c) == 97
    assert reference.schedule(c, p).top_nodes == ("a",)
    assert index.weighted_fast(c, p) == reference.schedule(c, p)


@pytest.mark.parametrize("cpu, memory", [(0, 0), (100, 0), (0, 256 * MiB), (500, 512 * MiB)])
@pytest.mark.parametrize("alloc_a", [Resources(0, 16 * GiB), Resources(4000, 0), Resources(0, 0)])
def test_fast_path_agrees_with_the_plugins_on_zero_allocatable(cpu, memory, alloc_a):
    """`weighted_fast` runs LeastAllocated's and BalancedAllocation's fast forms: same top set as the plugin framework,
    the node lacking a resource included as a candidate (a zero request is not checked by the filter)."""
    objs = [Node("a", allocatable=alloc_a), Node("b", allocatable=Resources(4000, 16 * GiB)),
            Node("c", allocatable=Resources(2000, 4 * GiB)),
            Pod("p", containers=(Container("c", requests=Resources(cpu, memory)),))]
    c = Cluster.from_objects(objs, config=Config(profile="kubernetes"))
    p = c.pods["p"]
    assert index.weighted_fast(c, p) == reference.schedule(c, p)


def test_check_cluster_passes_on_the_reproduction():
    """Regression: with LeastAllocated counting cpu 0 in the weight sum the model bound p to b and
    `schedule-least-loaded` reported it against the oracle."""
    from kmodel.check import check_cluster

    report = check_cluster(reproduction(), max_examples=20, max_steps=20, hunt_rounds=0)
    assert [v.rule for v in report.violations] == []
    assert "schedule-least-loaded" not in {v.rule for v in report.violations}
