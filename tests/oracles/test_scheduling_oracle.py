"""The scheduling oracle pinned by kube-scheduler's own table tests, transcribed case by case.

Each case keeps upstream's name and expected scores exactly; the inputs are upstream's (nodes' cpu/memory
capacity, pods' per-container requests with upstream's set/unset distinction, labels, constraints). Left out
are the cases kmodel has nothing for: extended, scalar and DRA resources, volumes, validation errors of the
plugin arguments, namespaces, node inclusion policies other than the defaults, matchLabelKeys, taints.

Sources (kubernetes/kubernetes, read for this file):
- pkg/scheduler/framework/plugins/noderesources/least_allocated_test.go, TestLeastAllocatedScoringStrategy
- pkg/scheduler/framework/plugins/noderesources/balanced_allocation_test.go, TestNodeResourcesBalancedAllocation
- pkg/scheduler/framework/plugins/podtopologyspread/scoring_test.go, TestPodTopologySpreadScore
"""

from __future__ import annotations

import pytest

from invariants.oracles import scheduling as oracle
from invariants.oracles.scheduling import HOSTNAME, Selector, SpreadNode, SpreadPod

# ---- least_allocated_test.go ---------------------------------------------------------------------------------
# (name, pod containers, nodes {name: (cpu, memory)}, existing pods [(node, containers)], weights, expected)

TWO = [{"cpu": 1000, "memory": 2000}, {"cpu": 2000, "memory": 3000}]  # .Req(1000, 2000).Req(2000, 3000)
DEFAULT_W = {"cpu": 1, "memory": 1}

LEAST_ALLOCATED = [
    ("nothing scheduled, nothing requested", [], {"node1": (4000, 10000), "node2": (4000, 10000)}, [], DEFAULT_W,
     {"node1": 100, "node2": 100}),
    ("nothing scheduled, resources requested, differently sized nodes", TWO,
     {"node1": (4000, 10000), "node2": (6000, 10000)}, [], DEFAULT_W, {"node1": 37, "node2": 50}),
    ("no resources requested, pods scheduled", [], {"node1": (4000, 10000), "node2": (4000, 10000)},
     [("node1", []), ("node1", []), ("node2", []), ("node2", [])], DEFAULT_W, {"node1": 100, "node2": 100}),
    ("no resources requested, pods scheduled with resources", [],
     {"node1": (10000, 20000), "node2": (10000, 20000)},
     [("node1", [{"cpu": 3000, "memory": 0}]), ("node1", [{"cpu": 3000, "memory": 0}]),
      ("node2", [{"cpu": 3000, "memory": 0}]), ("node2", [{"cpu": 3000, "memory": 5000}])], DEFAULT_W,
     {"node1": 70, "node2": 57}),
    ("resources requested, pods scheduled with resources", TWO, {"node1": (10000, 20000), "node2": (10000, 20000)},
     [("node1", [{"cpu": 3000, "memory": 0}]), ("node2", [{"cpu": 3000, "memory": 5000}])], DEFAULT_W,
     {"node1": 57, "node2": 45}),
    ("resources requested, pods scheduled with resources, differently sized nodes", TWO,
     {"node1": (10000, 20000), "node2": (10000, 50000)},
     [("node1", [{"cpu": 3000, "memory": 0}]), ("node2", [{"cpu": 3000, "memory": 5000}])], DEFAULT_W,
     {"node1": 57, "node2": 60}),
    ("requested resources exceed node capacity", [{"cpu": 3000, "memory": 0}],
     {"node1": (4000, 10000), "node2": (4000, 10000)},
     [("node1", [{"cpu": 3000, "memory": 0}]), ("node2", [{"cpu": 3000, "memory": 5000}])], DEFAULT_W,
     {"node1": 50, "node2": 25}),
    ("zero node resources, pods scheduled with resources", [], {"node1": (0, 0), "node2": (0, 0)},
     [("node1", [{"cpu": 3000, "memory": 0}]), ("node2", [{"cpu": 3000, "memory": 5000}])], DEFAULT_W,
     {"node1": 0, "node2": 0}),
    ("nothing scheduled, resources requested with different weight on CPU and memory, differently sized nodes",
     TWO, {"node1": (4000, 10000), "node2": (6000, 10000)}, [], {"memory": 2, "cpu": 1},
     {"node1": 41, "node2": 50}),
]


@pytest.mark.parametrize("name,pod,nodes,existing,weights,expected", LEAST_ALLOCATED,
                         ids=[c[0] for c in LEAST_ALLOCATED])
def test_least_allocated_upstream_table(name, pod, nodes, existing, weights, expected):
    pod_cpu, pod_mem = oracle.nonzero_request(pod)
    got = {}
    for node, (cpu_cap, mem_cap) in nodes.items():
        used = [oracle.nonzero_request(cs) for n, cs in existing if n == node]
        cpu = sum(u[0] for u in used) + pod_cpu
        mem = sum(u[1] for u in used) + pod_mem
        got[node] = oracle.least_allocated(((cpu, cpu_cap, weights["cpu"]), (mem, mem_cap, weights["memory"])))
    assert got == expected


def test_least_allocated_skips_a_resource_the_node_does_not_have():
    """least_allocated_test.go "if the node doesn't have a resource" (node1's half: a resource of weight 2 with
    allocatable 0 is left out of the weight sum: (50 + 60) / 2 = 55, not (0 * 2 + 50 + 60) / 4)."""
    assert oracle.least_allocated(((0, 0, 2), (3000, 6000, 1), (4000, 10000, 1))) == 55


def test_nonzero_defaults_are_upstreams():
    """non_zero.go: DefaultMilliCPURequest 100, DefaultMemoryRequest 200 * 1024 * 1024, only for unset ones."""
    assert oracle.nonzero_request([{}]) == (100, 200 * 1024 * 1024)
    assert oracle.nonzero_request([{"cpu": 0, "memory": 0}]) == (0, 0)
    assert oracle.nonzero_request([{"cpu": 5}, {"memory": 7}]) == (105, 7 + 200 * 1024 * 1024)


# ---- balanced_allocation_test.go ------------------------------------------------------------------------------

CPU_ONLY = [{"cpu": 1000, "memory": 0}, {"cpu": 2000, "memory": 0}]
CPU_AND_MEMORY = [{"cpu": 1000, "memory": 2000}, {"cpu": 2000, "memory": 3000}]

BALANCED = [
    ("nothing scheduled, nothing requested, skip in PreScore", [], {"node1": (4000, 10000), "node2": (4000, 10000)},
     [], None),
    ("nothing scheduled, resources requested, differently sized nodes", CPU_AND_MEMORY,
     {"node1": (4000, 10000), "node2": (6000, 10000)}, [], {"node1": 87, "node2": 100}),
    ("resources requested, pods scheduled with resources", CPU_AND_MEMORY,
     {"node1": (10000, 20000), "node2": (10000, 20000)}, [("node1", CPU_ONLY), ("node2", CPU_AND_MEMORY)],
     {"node1": 82, "node2": 95}),
    ("resources requested, pods scheduled with resources, differently sized nodes", CPU_AND_MEMORY,
     {"node1": (10000, 20000), "node2": (10000, 50000)}, [("node1", CPU_ONLY), ("node2", CPU_AND_MEMORY)],
     {"node1": 82, "node2": 80}),
    ("requested resources at node capacity", CPU_ONLY, {"node1": (6000, 10000), "node2": (6000, 10000)},
     [("node1", CPU_ONLY), ("node2", CPU_AND_MEMORY)], {"node1": 50, "node2": 75}),
    ("resources requested, pods scheduled with resources if PreScore not called", CPU_AND_MEMORY,
     {"node1": (10000, 20000), "node2": (10000, 20000)}, [("node1", CPU_ONLY), ("node2", CPU_AND_MEMORY)],
     {"node1": 82, "node2": 95}),
]


@pytest.mark.parametrize("name,pod,nodes,existing,expected", BALANCED, ids=[c[0] for c in BALANCED])
def test_balanced_allocation_upstream_table(name, pod, nodes, existing, expected):
    pod_cpu, pod_mem = oracle.requested(pod)
    if expected is None:  # PreScore returns Skip for a best-effort pod
        assert oracle.is_best_effort((pod_cpu, pod_mem))
        return
    assert not oracle.is_best_effort((pod_cpu, pod_mem))
    got = {}
    for node, (cpu_cap, mem_cap) in nodes.items():
        used = [oracle.requested(cs) for n, cs in existing if n == node]
        got[node] = oracle.balanced_allocation(((sum(u[0] for u in used) + pod_cpu, cpu_cap),
                                                (sum(u[1] for u in used) + pod_mem, mem_cap)))
    assert got == expected


# ---- podtopologyspread/scoring_test.go ----------------------------------------------------------------------

FOO = Selector((("foo", "exists", ()),))  # st.MakeLabelSelector().Exists("foo")
BAR = Selector((("bar", "exists", ()),))
NIL = Selector((), nothing=True)  # metav1.LabelSelectorAsSelector(nil) is labels.Nothing()


def host(name, **labels):
    return SpreadNode(name, {HOSTNAME: name, **labels})


def zoned(name, zone):
    return SpreadNode(name, {"zone": zone, HOSTNAME: name})


def pods(spec: str, *more_labels) -> list[SpreadPod]:
    """"node-a:2,node-b:1" -> two pods labelled foo on node-a, one on node-b."""
    out = []
    for part in spec.split(","):
        node, n = part.split(":")
        out += [SpreadPod(node, {"foo": ""})] * int(n)
    return out + list(more_labels)


FOUR = [host("node-a"), host("node-b"), host("node-c"), host("node-d")]
THREE_ZONED = [zoned("node-a", "zone1"), zoned("node-b", "zone1"), zoned("node-x", "zone2")]
SEL_PODS = [SpreadPod("node-a", {"foo": ""}), SpreadPod("node-b", {"foo": "", "bar": ""}),
            SpreadPod("node-y", {"foo": ""}), SpreadPod("node-y", {"bar": ""})]

# (name, constraints [(maxSkew, key, selector)], feasible nodes, failed nodes, existing pods, expected)
SPREAD = [
    ("one constraint on node, no existing pods", [(1, HOSTNAME, FOO)], [host("node-a"), host("node-b")], [], [],
     {"node-a": 100, "node-b": 100}),
    ("one constraint on node, only one node is candidate", [(1, HOSTNAME, FOO)], [host("node-a")],
     [host("node-b")], pods("node-a:2,node-b:1"), {"node-a": 100}),
    ("one constraint on node, all nodes have the same number of matching pods", [(1, HOSTNAME, FOO)],
     [host("node-a"), host("node-b")], [], pods("node-a:1,node-b:1"), {"node-a": 100, "node-b": 100}),
    ("one constraint on node, all 4 nodes are candidates", [(1, HOSTNAME, FOO)], FOUR, [],
     pods("node-a:2,node-b:1,node-d:3"), {"node-a": 20, "node-b": 60, "node-c": 100, "node-d": 0}),
    ("one constraint on node, null selector", [(1, HOSTNAME, NIL)], FOUR, [], pods("node-a:2,node-b:1,node-d:3"),
     {"node-a": 100, "node-b": 100, "node-c": 100, "node-d": 100}),
    ("one constraint on node, all 4 nodes are candidates, maxSkew=2", [(2, HOSTNAME, FOO)], FOUR, [],
     pods("node-a:2,node-b:1,node-d:3"), {"node-a": 33, "node-b": 66, "node-c": 100, "node-d": 16}),
    ("one constraint on node, all 4 nodes are candidates, maxSkew=3", [(3, HOSTNAME, FOO)], FOUR, [],
     pods("node-a:4,node-b:3,node-c:2,node-d:1"), {"node-a": 44, "node-b": 66, "node-c": 77, "node-d": 100}),
    ("one constraint on node, 3 out of 4 nodes are candidates", [(1, HOSTNAME, FOO)],
     [host("node-a"), host("node-b"), host("node-x")], [host("node-y")],
     pods("node-a:4,node-b:2,node-x:1,node-y:3"), {"node-a": 33, "node-b": 83, "node-x": 100}),
    ("one constraint on node, 3 out of 4 nodes are candidates, one node doesn't match topology key",
     [(1, HOSTNAME, FOO)], [host("node-a"), SpreadNode("node-b", {"n": "node-b"}), host("node-x")],
     [host("node-y")], pods("node-a:4,node-b:2,node-x:1,node-y:3"), {"node-a": 16, "node-b": 0, "node-x": 100}),
    ("one constraint on zone, 3 out of 4 nodes are candidates", [(1, "zone", FOO)], THREE_ZONED,
     [zoned("node-y", "zone2")], pods("node-a:4,node-b:2,node-x:1,node-y:3"),
     {"node-a": 75, "node-b": 75, "node-x": 100}),
    ("two Constraints on zone and node, 2 out of 4 nodes are candidates", [(1, "zone", FOO), (1, HOSTNAME, FOO)],
     [zoned("node-a", "zone1"), zoned("node-x", "zone2")], [zoned("node-b", "zone1"), zoned("node-y", "zone2")],
     pods("node-a:2,node-b:1,node-x:2,node-y:4"), {"node-a": 100, "node-x": 63}),
    ("two Constraints on zone and node, with different labelSelectors", [(1, "zone", FOO), (1, HOSTNAME, BAR)],
     THREE_ZONED + [zoned("node-y", "zone2")], [], SEL_PODS,
     {"node-a": 60, "node-b": 20, "node-x": 100, "node-y": 60}),
    ("two Constraints on zone and node, with different labelSelectors, some nodes have 0 pods",
     [(1, "zone", FOO), (1, HOSTNAME, BAR)], THREE_ZONED + [zoned("node-y", "zone2")], [],
     [SpreadPod("node-b", {"bar": ""}), SpreadPod("node-x", {"foo": ""}), SpreadPod("node-y", {"foo": "", "bar": ""})],
     {"node-a": 100, "node-b": 60, "node-x": 40, "node-y": 0}),
    ("two Constraints on zone and node, with different labelSelectors, 3 out of 4 nodes are candidates",
     [(1, "zone", FOO), (1, HOSTNAME, BAR)], THREE_ZONED, [zoned("node-y", "zone2")], SEL_PODS,
     {"node-a": 50, "node-b": 25, "node-x": 100}),
    ("terminating Pods should be excluded", [(1, HOSTNAME, FOO)], [host("node-a"), host("node-b")], [],
     [SpreadPod("node-a", {"foo": ""}, terminating=True), SpreadPod("node-b", {"foo": ""})],
     {"node-a": 100, "node-b": 0}),
    ("minDomains has no effect when ScheduleAnyway", [(2, "node", FOO)],
     [SpreadNode(f"node-{x}", {"node": f"node-{x}"}) for x in "abc"], [], pods("node-a:2,node-b:2,node-c:1"),
     {"node-a": 75, "node-b": 75, "node-c": 100}),
]


@pytest.mark.parametrize("name,constraints,feasible,failed,existing,expected", SPREAD, ids=[c[0] for c in SPREAD])
def test_pod_topology_spread_upstream_table(name, constraints, feasible, failed, existing, expected):
    got = oracle.topology_spread(constraints, feasible, feasible + failed, existing, {}, require_all_topologies=True)
    assert got == expected


def test_pod_topology_spread_system_defaulting_upstream_case():
    """scoring_test.go "system defaulting, nodes don't have zone, pods match service": the pod has no
    constraints, a Service selects it by foo="", the defaults (hostname 3, zone 5) score it; same scores as one
    constraint with maxSkew 3."""
    selector = oracle.selector_from_set({"foo": ""})
    constraints = [(skew, key, selector) for skew, key in oracle.SYSTEM_DEFAULT_CONSTRAINTS]
    got = oracle.topology_spread(constraints, FOUR, FOUR, pods("node-a:4,node-b:3,node-c:2,node-d:1"), {},
                                 require_all_topologies=False)
    assert got == {"node-a": 44, "node-b": 66, "node-c": 77, "node-d": 100}


def test_system_default_constraints_and_weights_are_upstreams():
    """plugin.go systemDefaultConstraints; default_plugins.go MultiPoint weights."""
    assert oracle.SYSTEM_DEFAULT_CONSTRAINTS == ((3, HOSTNAME), (5, "topology.kubernetes.io/zone"))
    assert oracle.WEIGHTS == {"TaintToleration": 3, "NodeAffinity": 2, "NodeResourcesFit": 1, "PodTopologySpread": 2,
                              "InterPodAffinity": 2, "NodeResourcesBalancedAllocation": 1, "ImageLocality": 1}


def test_the_oracle_imports_nothing_of_the_models_scheduler():
    import ast
    from pathlib import Path

    # The source file of the repository (the compiled build installs the module without its source).
    source = Path(__file__).resolve().parents[2] / "invariants" / "oracles" / "scheduling.py"
    tree = ast.parse(source.read_text())
    imported = {n.module for n in ast.walk(tree) if isinstance(n, ast.ImportFrom)}
    imported |= {a.name for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names}
    assert not {m for m in imported if m and m.startswith("kmodel")}, imported
