"""Scheduler plugins against numbers hand-computed from the upstream formulas (SEMANTICS 55 to 59, 8.12, 8.13).

Table-driven like upstream's least_allocated_test.go, balanced_allocation_test.go and scoring_test.go: each row
gives the inputs and the score the Go code computes, worked out by hand in the comment.
"""

from __future__ import annotations

import math

import pytest

from kmodel.cluster import Cluster, Config, nonzero_requests
from kmodel.labels import parse_selector
from kmodel.objects import MiB, Container, Node, OwnerRef, Pod, ReplicaSet, ReplicationController, Resources, \
    Service, PodTemplate
from kmodel.scheduler import framework
from kmodel.scheduler.framework import go_round, normalize_reverse, reasons_histogram, tie_break
from kmodel.scheduler.plugins import (
    balanced_allocation,
    node_affinity,
    node_ready,
    node_resources_fit,
    node_unschedulable,
    pod_topology_spread,
    textbook_spread,
)
from kmodel.scheduler.profiles import KUBERNETES, TEXTBOOK, profile_named
from kmodel.errors import KModelError


def pod(name="p", cpu=0, memory=0, labels=None, owner=None, node_selector=None, node_name=None, containers=None):
    cs = containers or (Container("c", requests=Resources(cpu, memory)),)
    return Pod(name, labels=labels or {}, owner=owner, node_selector=node_selector or {}, node_name=node_name,
               containers=cs)


# ---- NodeResourcesFit / LeastAllocated (SEMANTICS 57, 8.12) ------------------------------------------------------

@pytest.mark.parametrize("requested, capacity, expected", [
    (0, 4000, 100),          # (4000 - 0) * 100 / 4000
    (3000, 4000, 25),        # 1000 * 100 / 4000
    (5000, 10000, 50),
    (1, 3, 66),              # 200 / 3 = 66.67, int64 division truncates
    (4000, 4000, 0),
    (4001, 4000, 0),         # requested > capacity
    (0, 0, 0),               # capacity 0
])
def test_least_requested_score_semantics_57(requested, capacity, expected):
    assert node_resources_fit.least_requested_score(requested, capacity) == expected


@pytest.mark.parametrize("cpu_req, cpu_cap, mem_req, mem_cap, expected", [
    (3000, 4000, 5000, 10000, 37),   # upstream's worked example: (25 + 50) / 2 = 37 (int64)
    (3000, 6000, 5000, 10000, 50),   # (50 + 50) / 2
    (0, 4000, 0, 10000, 100),
    (100, 4000, 200 * MiB, 0, 97),   # memory allocatable 0 is skipped (least_allocated.go): cpu alone, 97
    (6000, 4000, 5000, 10000, 25),   # cpu over capacity scores 0: (0 + 50) / 2
])
def test_least_allocated_node_score_semantics_57_8_12(cpu_req, cpu_cap, mem_req, mem_cap, expected):
    assert node_resources_fit.least_allocated(cpu_req, cpu_cap, mem_req, mem_cap) == expected


@pytest.mark.parametrize("containers, expected", [
    ((Container("a"),), Resources(100, 200 * MiB)),                                   # both defaulted
    ((Container("a", requests=Resources(250, 0)),), Resources(250, 200 * MiB)),       # memory defaulted
    ((Container("a"), Container("b", requests=Resources(0, 64 * MiB))), Resources(200, 264 * MiB)),
])
def test_nonzero_requests_default_100m_200mib_semantics_57(containers, expected):
    assert nonzero_requests(Pod("p", containers=containers)) == expected


def test_least_allocated_counts_existing_pods_nonzero_semantics_57():
    """Node 4000m/16Gi with one bound request-less pod: requested = 100m + 100m (incoming, defaulted)."""
    node = Node("n1", allocatable=Resources(4000, 16 * 1024 * MiB))
    c = Cluster.from_objects([node, pod("old", node_name="n1")])
    score = node_resources_fit.score(pod("new"), node, c)
    cpu = (4000 - 200) * 100 // 4000                      # 95
    mem = (16384 * MiB - 400 * MiB) * 100 // (16384 * MiB)  # 97
    assert score == (cpu + mem) // 2 == 96


@pytest.mark.parametrize("bound_cpu, max_pods, req_cpu, alloc_cpu, fits, reasons", [
    ((), 110, 100, 4000, True, ()),
    ((0,), 1, 0, 4000, False, ("Too many pods",)),
    ((3950,), 110, 100, 4000, False, ("Insufficient cpu",)),
    ((3900,), 110, 100, 4000, True, ()),                   # exactly fills the node
    ((5000,), 110, 0, 4000, True, ()),                     # a zero request is never checked
    ((4000, 0), 2, 1, 4000, False, ("Too many pods", "Insufficient cpu")),
])
def test_node_resources_fit_filter_semantics_55(bound_cpu, max_pods, req_cpu, alloc_cpu, fits, reasons):
    """`fitsRequest`: pods + 1 <= maxPods, and each requested resource <= allocatable - requested."""
    node = Node("n1", allocatable=Resources(alloc_cpu, 1024 * MiB), max_pods=max_pods)
    c = Cluster.from_objects([node] + [pod(f"u{i}", cpu=cpu, node_name="n1") for i, cpu in enumerate(bound_cpu)])
    p = pod("new", cpu=req_cpu)
    assert node_resources_fit.fits(p, node, c) == fits
    assert (node_resources_fit.reasons(p, node, c) if not fits else ()) == reasons


def attrs_evolve(obj, **kw):
    import attrs
    return attrs.evolve(obj, **kw)


# ---- NodeResourcesBalancedAllocation (SEMANTICS 58) ---------------------------------------------------------------

@pytest.mark.parametrize("cpu_req, cpu_cap, mem_req, mem_cap, expected", [
    (3000, 4000, 5000, 10000, 87),   # fractions .75 and .5: std .125, (1 - .125) * 100 = 87.5 -> 87
    (3000, 6000, 5000, 10000, 100),  # equal fractions
    (5000, 4000, 5000, 10000, 75),   # cpu fraction capped at 1: std .25
    (0, 4000, 10000, 10000, 50),     # fractions 0 and 1
    (3000, 4000, 5000, 0, 100),      # memory allocatable 0 is skipped: one fraction, std 0
    (1, 3, 1, 7, 90),                # |1/3 - 1/7| / 2 = 0.0952, (1 - 0.0952) * 100 = 90.47 -> 90
])
def test_balanced_allocation_semantics_58(cpu_req, cpu_cap, mem_req, mem_cap, expected):
    assert balanced_allocation.balanced_score(cpu_req, cpu_cap, mem_req, mem_cap) == expected


def test_balanced_allocation_skips_best_effort_pods_semantics_58():
    c = Cluster.from_objects([Node("n1")])
    assert balanced_allocation.prepare(pod("be"), c, [c.nodes["n1"]]) is framework.SKIP
    assert balanced_allocation.prepare(pod("burst", cpu=1), c, [c.nodes["n1"]]) is None


# ---- PodTopologySpread (SEMANTICS 59, 8.13) ------------------------------------------------------------------------

@pytest.mark.parametrize("x, expected", [
    (2.5, 3), (3.5, 4), (2.4999, 2), (0.49999999999999994, 0), (-2.5, -3), (4.0, 4), (5.219, 5),
])
def test_go_round_halves_away_from_zero_semantics_8_13(x, expected):
    assert go_round(x) == expected


@pytest.mark.parametrize("raw, expected", [
    ([2, 4, 5], [100, 60, 40]),      # max 5, min 2: 100 * (7 - s) / 5
    ([3, 3, 3], [100, 100, 100]),    # max == min: every node 100 * min / max
    ([0, 0], [100, 100]),            # max 0: 100 for every node
    ([2, 3], [100, 66]),             # 100 * (5 - 3) / 3 = 66.67 -> 66 (int64)
    ([7], [100]),
])
def test_topology_normalize_semantics_59(raw, expected):
    assert normalize_reverse(raw) == expected


@pytest.mark.parametrize("host, n_feasible, zone, zones, expected", [
    (0, 3, None, 1, 2),                                      # 0 * ln 5 + (3 - 1)
    (1, 3, None, 1, go_round(math.log(5) + 2)),             # 3.609 -> 4
    (2, 3, None, 1, go_round(2 * math.log(5) + 2)),         # 5.219 -> 5
    (1, 4, 3, 2, go_round(math.log(6) + 2 + 3 * math.log(4) + 4)),  # hostname and zone terms: 12.95 -> 13
])
def test_topology_raw_score_semantics_8_13(host, n_feasible, zone, zones, expected):
    score = pod_topology_spread.raw_score(host, pod_topology_spread.topology_weight(n_feasible), zone,
                                          pod_topology_spread.topology_weight(zones))
    assert score == expected


def test_topology_spread_end_to_end_semantics_59():
    """Three identical nodes holding 0, 1 and 2 pods of the Service: raw 2, 4, 5 -> normalised 100, 60, 40."""
    nodes = [Node(f"n{i}") for i in range(3)]
    objs = nodes + [Service("web", selector={"app": "web"})]
    objs += [pod("a1", labels={"app": "web"}, node_name="n1"), pod("a2", labels={"app": "web"}, node_name="n2"),
             pod("a3", labels={"app": "web"}, node_name="n2"), pod("other", labels={"app": "db"}, node_name="n0")]
    c = Cluster.from_objects(objs)
    incoming = pod("new", labels={"app": "web"})
    feasible = [c.nodes[n] for n in ("n0", "n1", "n2")]
    state = pod_topology_spread.prepare(incoming, c, feasible)
    raw = [pod_topology_spread.score(incoming, n, c, state) for n in feasible]
    assert raw == [2, 4, 5]
    assert pod_topology_spread.normalize(raw, state) == [100, 60, 40]


def test_topology_spread_skips_unselected_pods_semantics_59():
    c = Cluster.from_objects([Node("n0"), Service("web", selector={"app": "web"})])
    assert pod_topology_spread.prepare(pod("lonely", labels={"app": "db"}), c, [c.nodes["n0"]]) is framework.SKIP


def test_default_selector_merges_services_and_owner_semantics_8_13():
    rs = ReplicaSet("front", replicas=1, selector=parse_selector("tier in (fe),app=web"),
                    template=PodTemplate(labels={"app": "web", "tier": "fe"}, containers=(Container("c"),)))
    rc = ReplicationController("legacy", selector={"app": "web", "v": "1"},
                               template=PodTemplate(labels={"app": "web", "v": "1"}, containers=(Container("c"),)))
    c = Cluster.from_objects([rs, rc, Service("web", selector={"app": "web"})])
    uid = c.controllers["ReplicaSet/front"].uid
    owned = pod("x", labels={"app": "web", "tier": "fe", "v": "1"}, owner=OwnerRef("ReplicaSet", "front", uid))
    assert str(pod_topology_spread.default_selector(owned, c)) == "app=web,app=web,tier in (fe)"
    rc_owned = attrs_evolve(owned, owner=OwnerRef("ReplicationController", "legacy", "u"))
    assert str(pod_topology_spread.default_selector(rc_owned, c)) == "app=web,v=1"
    bare = attrs_evolve(owned, owner=None)
    assert str(pod_topology_spread.default_selector(bare, c)) == "app=web"


def test_topology_counts_skip_terminating_and_terminal_pods_semantics_8_13():
    c = Cluster.from_objects([Node("n0"), Service("web", selector={"app": "web"}),
                              pod("live", labels={"app": "web"}, node_name="n0"),
                              attrs_evolve(pod("gone", labels={"app": "web"}, node_name="n0"), deletion_timestamp=1),
                              attrs_evolve(pod("done", labels={"app": "web"}, node_name="n0"), phase="Succeeded")])
    sel = pod_topology_spread.default_selector(pod("new", labels={"app": "web"}), c)
    assert pod_topology_spread.count_on_node(sel, "n0", c) == 1


def test_zone_domains_count_unlabelled_nodes_as_empty_value_semantics_8_13():
    """Two zones plus an unlabelled node: three topology values, weight ln(5); the unlabelled node gets no zone
    term."""
    nodes = [Node("a", labels={pod_topology_spread.ZONE: "z1"}), Node("b", labels={pod_topology_spread.ZONE: "z2"}),
             Node("c")]
    c = Cluster.from_objects(nodes + [Service("web", selector={"app": "web"}),
                                      pod("w1", labels={"app": "web"}, node_name="a")])
    incoming = pod("new", labels={"app": "web"})
    feasible = [c.nodes[n] for n in "abc"]
    state = pod_topology_spread.prepare(incoming, c, feasible)
    assert state.zone_weight == math.log(5) and state.zone_counts == {"z1": 1, "z2": 0, "": 0}
    raw = [pod_topology_spread.score(incoming, n, c, state) for n in feasible]
    w = math.log(5)
    assert raw == [go_round(w + 2 + w + 4), go_round(2.0 + 4), 2]


# ---- filters (SEMANTICS 55) ---------------------------------------------------------------------------------------

@pytest.mark.parametrize("plugin, node, ok, reason", [
    (node_unschedulable, Node("n", unschedulable=True), False, "node(s) were unschedulable"),
    (node_unschedulable, Node("n"), True, None),
    (node_ready, Node("n", ready=False), False, "node(s) had untolerated taint {node.kubernetes.io/not-ready: }"),
    (node_ready, Node("n"), True, None),
    (node_affinity, Node("n", labels={"disk": "hdd"}), False, "node(s) didn't match Pod's node affinity/selector"),
    (node_affinity, Node("n", labels={"disk": "ssd", "x": "y"}), True, None),
])
def test_filters_and_reasons_semantics_55(plugin, node, ok, reason):
    c = Cluster.from_objects([node])
    p = pod(node_selector={"disk": "ssd"})
    assert plugin.fits(p, node, c) == ok
    if not ok:
        assert plugin.reasons(p, node, c) == (reason,)


def test_reasons_histogram_is_upstreams_fit_error_semantics_55():
    per_node = [("node(s) were unschedulable",), ("Insufficient cpu", "Insufficient memory"), ("Insufficient cpu",)]
    assert reasons_histogram(per_node, 3) == ("1 Insufficient memory", "1 node(s) were unschedulable",
                                              "2 Insufficient cpu")
    assert reasons_histogram([], 0) == ("no nodes available to schedule pods",)


def test_first_rejecting_filter_gives_the_reasons_semantics_55():
    node = Node("n", unschedulable=True, ready=False, max_pods=0)
    c = Cluster.from_objects([node])
    assert framework.rejection_reasons(KUBERNETES, pod(), node, c) == ("node(s) were unschedulable",)


# ---- textbook rank, tie-break, profiles ------------------------------------------------------------------------------

def test_textbook_rank_counts_owner_then_pods_then_name_semantics_60():
    owner = OwnerRef("ReplicaSet", "rs", "u")
    c = Cluster.from_objects([Node("a"), Node("b"), pod("s1", owner=owner, node_name="a"),
                              pod("x1", node_name="b"), pod("x2", node_name="b")])
    p = pod("new", owner=owner)
    assert textbook_spread.rank(p, c.nodes["a"], c) == (1, 1, "a")
    assert textbook_spread.rank(p, c.nodes["b"], c) == (0, 2, "b")


def test_textbook_rank_unowned_pod_counts_service_siblings_semantics_60():
    c = Cluster.from_objects([Node("a"), Service("web", selector={"app": "web"}),
                              pod("w", labels={"app": "web"}, node_name="a"), pod("d", labels={"app": "db"},
                                                                                  node_name="a")])
    assert textbook_spread.rank(pod("new", labels={"app": "web"}), c.nodes["a"], c) == (1, 2, "a")
    assert textbook_spread.rank(pod("new", labels={"app": "x"}), c.nodes["a"], c) == (0, 2, "a")


def test_tie_break_is_seeded_and_reproducible_semantics_61():
    top = ("a", "b", "c", "d")
    assert tie_break(7, "p", top) == tie_break(7, "p", top)
    picks = {tie_break(seed, "p", top) for seed in range(64)}
    assert picks == set(top)  # every top node is reachable
    assert tie_break(3, "p", ("only",)) == "only"


def test_unknown_profile_is_a_user_error():
    with pytest.raises(KModelError, match="Config: profile: unknown scheduler profile 'fastest'"):
        profile_named("fastest")
    assert profile_named("textbook") is TEXTBOOK
    assert Config().profile == "textbook"
