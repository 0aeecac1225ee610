"""The reference scheduler (kmodel/scheduler/reference.py): whole scheduling cycles (SEMANTICS 55 to 62)."""

from __future__ import annotations

import pytest

from kmodel.cluster import Cluster, Config
from kmodel.objects import GiB, Container, Node, OwnerRef, Pod, Resources, Service
from kmodel.scheduler.framework import ScheduleResult, tie_break
from kmodel.scheduler.reference import schedule

OWNER = OwnerRef("ReplicaSet", "web", "uid-web")


def web(name: str, cpu: int = 0, memory: int = 0, **kw) -> Pod:
    return Pod(name, labels={"app": "web"}, owner=OWNER, containers=(Container("c", requests=Resources(cpu, memory)),),
               **kw)


@pytest.mark.parametrize("profile", ["textbook", "kubernetes"])
def test_no_nodes_semantics_55(profile):
    c = Cluster.from_objects([web("w")], config=Config(profile=profile))
    assert schedule(c, c.pods["w"]) == ScheduleResult(None, ("no nodes available to schedule pods",), ())


@pytest.mark.parametrize("profile", ["textbook", "kubernetes"])
def test_unschedulable_reasons_histogram_semantics_55(profile):
    """Each node contributes the reasons of its first rejecting filter, in the order NodeUnschedulable,
    TaintToleration, NodeAffinity, NodeResourcesFit."""
    nodes = [Node("a", unschedulable=True, labels={"disk": "hdd"}), Node("b", ready=False),
             Node("c", allocatable=Resources(100, GiB), labels={"disk": "ssd"}), Node("d", labels={"disk": "hdd"})]
    c = Cluster.from_objects(nodes + [web("w", cpu=500, node_selector={"disk": "ssd"})], config=Config(profile=profile))
    result = schedule(c, c.pods["w"])
    assert result.node is None and result.top_nodes == ()
    assert result.reasons == ("1 Insufficient cpu",
                              "1 node(s) didn't match Pod's node affinity/selector",
                              "1 node(s) had untolerated taint {node.kubernetes.io/not-ready: }",
                              "1 node(s) were unschedulable")


def test_unschedulable_reasons_are_upstreams_sorted_histogram_semantics_55():
    nodes = [Node("a", unschedulable=True), Node("b", ready=False), Node("c", allocatable=Resources(100, GiB)),
             Node("d", allocatable=Resources(200, GiB))]
    c = Cluster.from_objects(nodes + [web("w", cpu=500)])
    assert schedule(c, c.pods["w"]).reasons == (
        "1 node(s) had untolerated taint {node.kubernetes.io/not-ready: }",
        "1 node(s) were unschedulable",
        "2 Insufficient cpu",
    )


@pytest.mark.parametrize("profile", ["textbook", "kubernetes"])
def test_one_feasible_node_is_chosen_without_scoring_semantics_61(profile):
    c = Cluster.from_objects([Node("a", unschedulable=True), Node("b"), web("w")], config=Config(profile=profile))
    assert schedule(c, c.pods["w"]) == ScheduleResult("b", (), ("b",))


def test_textbook_prefers_fewest_siblings_then_fewest_pods_then_name_semantics_60():
    other = OwnerRef("ReplicaSet", "other", "u2")
    objs = [Node("a"), Node("b"), Node("c"),
            web("s1", node_name="a"),
            Pod("o1", owner=other, node_name="b", containers=(Container("c"),)),
            Pod("o2", owner=other, node_name="b", containers=(Container("c"),)),
            Pod("o3", owner=other, node_name="c", containers=(Container("c"),)),
            web("new")]
    c = Cluster.from_objects(objs)
    # a has a sibling; b and c have none; c has fewer pods than b
    assert schedule(c, c.pods["new"]) == ScheduleResult("c", (), ("c",))


def test_textbook_ignores_terminating_siblings_but_counts_their_pods_semantics_60():
    objs = [Node("a"), Node("b"), web("gone", node_name="a", deletion_timestamp=1),
            web("s1", node_name="b"), web("new")]
    c = Cluster.from_objects(objs)
    # a: 0 siblings (terminating does not count), 1 pod; b: 1 sibling
    assert schedule(c, c.pods["new"]).node == "a"


def test_kubernetes_identical_nodes_tie_and_the_seed_picks_semantics_61():
    nodes = [Node(f"n{i}") for i in range(4)]
    for seed in range(3):
        c = Cluster.from_objects(nodes + [web("w")], config=Config(profile="kubernetes", seed=seed))
        result = schedule(c, c.pods["w"])
        assert result.top_nodes == ("n0", "n1", "n2", "n3")
        assert result.node == tie_break(seed, "w", result.top_nodes)


def test_kubernetes_least_allocated_prefers_the_emptier_node_semantics_57():
    big = Node("big", allocatable=Resources(8000, 32 * GiB))
    small = Node("small", allocatable=Resources(2000, 4 * GiB))
    c = Cluster.from_objects([big, small, Pod("x", containers=(Container("c", requests=Resources(500, GiB)),))],
                             config=Config(profile="kubernetes"))
    assert schedule(c, c.pods["x"]) == ScheduleResult("big", (), ("big",))


def test_kubernetes_spreads_a_replicaset_behind_a_service_semantics_59_60():
    """Identical empty nodes, request-less pods of one RS behind a Service: LeastAllocated and the hostname
    constraint both favour the node with the fewest such pods (SEMANTICS 60's special case)."""
    objs = [Node("a"), Node("b"), Node("c"), Service("web", selector={"app": "web"}),
            web("s1", node_name="a"), web("s2", node_name="b"), web("new")]
    c = Cluster.from_objects(objs, config=Config(profile="kubernetes"))
    assert schedule(c, c.pods["new"]).top_nodes == ("c",)


def test_textbook_differs_from_kubernetes_semantics_60():
    """Textbook counts pods; kubernetes weighs requests against capacity: a node with more, smaller pods wins
    under kubernetes, loses under textbook."""
    objs = [Node("a"), Node("b"),
            Pod("tiny1", node_name="a", containers=(Container("c", requests=Resources(10, 1)),)),
            Pod("tiny2", node_name="a", containers=(Container("c", requests=Resources(10, 1)),)),
            Pod("huge", node_name="b", containers=(Container("c", requests=Resources(3000, 12 * GiB)),)),
            Pod("new", containers=(Container("c", requests=Resources(100, GiB)),))]
    textbook = Cluster.from_objects(objs)
    kubernetes = Cluster.from_objects(objs, config=Config(profile="kubernetes"))
    assert schedule(textbook, textbook.pods["new"]).node == "b"
    assert schedule(kubernetes, kubernetes.pods["new"]).node == "a"


def test_every_node_is_scored_no_percentage_sampling_semantics_62():
    """percentageOfNodesToScore is not modelled: in a 150-node cluster the single best node is found even when
    it is the last one in name order."""
    nodes = [Node(f"n{i:03d}") for i in range(150)]
    objs = nodes + [Service("web", selector={"app": "web"})]
    objs += [web(f"s{i}", node_name=f"n{i:03d}") for i in range(149)] + [web("new")]
    for profile in ("textbook", "kubernetes"):
        c = Cluster.from_objects(objs, config=Config(profile=profile))
        assert schedule(c, c.pods["new"]).top_nodes == ("n149",)
