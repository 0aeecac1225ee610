"""The fast-path index (kmodel/scheduler/index.py): persistence, exactness, growth (SEMANTICS 55, 59, 60)."""

from __future__ import annotations

import attrs
import pytest

from kmodel.cluster import Cluster, Config
from kmodel.objects import Container, Node, OwnerRef, Pod, Resources, Service
from kmodel.scheduler import index, reference
from kmodel.scheduler.plugins.pod_topology_spread import ZONE
from kmodel.scheduler.scheduler import SchedulerBindPod, choose_node

OWNER = OwnerRef("ReplicaSet", "web", "uid-web")


def web(name: str, **kw) -> Pod:
    return Pod(name, labels={"app": "web"}, owner=OWNER, containers=(Container("c"),), **kw)


def bind_all(cluster: Cluster) -> Cluster:
    for name in sorted(cluster.unscheduled, key=cluster.unscheduled.get):
        cluster = SchedulerBindPod(name, choose_node(cluster, cluster.pods[name]).node).apply(cluster)
    return cluster


def test_trees_exist_only_for_queued_groups_semantics_60():
    c = Cluster.from_objects([Node("a"), Node("b"), web("w1"), web("w2")])
    (group,) = c.scheduler_index.groups.values()
    assert group.queued == 2
    c = bind_all(c)
    assert len(c.scheduler_index.groups) == 0
    assert c.index_mismatches() == []


def test_bind_leaves_older_states_unchanged_semantics_60():
    """Persistence: binding in a later state does not change what an earlier state answers."""
    c0 = Cluster.from_objects([Node("a"), Node("b"), Node("c"), web("w1"), web("w2"), web("w3")])
    first = choose_node(c0, c0.pods["w1"])
    c1 = SchedulerBindPod("w1", first.node).apply(c0)
    c2 = SchedulerBindPod("w2", choose_node(c1, c1.pods["w2"]).node).apply(c1)
    assert choose_node(c0, c0.pods["w1"]) == first
    assert choose_node(c0, c0.pods["w2"]).node == "a"
    assert choose_node(c1, c1.pods["w2"]).node == "b"
    assert choose_node(c2, c2.pods["w3"]).node == "c"
    assert [c.index_mismatches() for c in (c0, c1, c2)] == [[], [], []]


def test_spreads_one_per_node_then_wraps_semantics_60():
    c = Cluster.from_objects([Node(f"n{i}") for i in range(5)] + [web(f"w{i}") for i in range(12)])
    c = bind_all(c)
    per_node = sorted(c.owner_pods_on("ReplicaSet/web", f"n{i}") for i in range(5))
    assert per_node == [2, 2, 2, 3, 3]


@pytest.mark.parametrize("count", [1, 2, 3, 4, 5, 8, 9, 17])
def test_tree_grows_by_doubling_when_nodes_are_added_semantics_60(count):
    c = Cluster.from_objects([web("w1")])
    for i in range(count):
        c = c.create(Node(f"n{i:02d}"))
    assert (1 << c.scheduler_index.height) >= count
    assert choose_node(c, c.pods["w1"]).node == "n00"
    assert c.index_mismatches() == []


def test_removed_node_leaves_an_infeasible_leaf_and_can_return_semantics_60():
    c = Cluster.from_objects([Node("a"), Node("b"), web("w1")])
    c = c.remove_node("a")
    assert choose_node(c, c.pods["w1"]).node == "b"
    pos = c.scheduler_index.positions["a"]
    c = c.create(Node("a"))
    assert c.scheduler_index.positions["a"] == pos
    assert choose_node(c, c.pods["w1"]).node == "a"
    assert c.index_mismatches() == []


@pytest.mark.parametrize("change", [
    {"unschedulable": True}, {"ready": False}, {"max_pods": 0}, {"allocatable": Resources(0, 0)},
])
def test_node_changes_update_every_tree_semantics_55(change):
    hungry = Pod("big", owner=OwnerRef("ReplicaSet", "big", "u"), containers=(Container("c", requests=Resources(1, 1)),))
    c = Cluster.from_objects([Node("a"), Node("b"), web("w1"), hungry])
    c = c.put_node(attrs.evolve(c.nodes["a"], **change))
    for name in ("w1", "big"):
        assert choose_node(c, c.pods[name]) == reference.schedule(c, c.pods[name])
    assert choose_node(c, c.pods["big"]).node == "b"
    assert c.index_mismatches() == []


def test_unowned_pod_groups_follow_services_semantics_60():
    """A bare pod's siblings are the members of the Services selecting it; creating the Service regroups it."""
    objs = [Node("a"), Node("b"),
            Pod("s1", labels={"app": "solo"}, node_name="a", containers=(Container("c"),)),
            Pod("x1", labels={"app": "x"}, node_name="b", containers=(Container("c"),)),
            Pod("x2", labels={"app": "x"}, node_name="b", containers=(Container("c"),)),
            Pod("new", labels={"app": "solo"}, containers=(Container("c"),))]
    c = Cluster.from_objects(objs)
    assert choose_node(c, c.pods["new"]).node == "a"  # no Service: fewest pods overall
    c = c.create(Service("solo", selector={"app": "solo"}))
    assert choose_node(c, c.pods["new"]).node == "b"  # one sibling on a
    assert c.index_mismatches() == []
    c = c.remove_service("solo")
    assert choose_node(c, c.pods["new"]).node == "a"
    assert c.index_mismatches() == []


def test_pod_not_in_cluster_is_answered_by_a_scan_semantics_60():
    c = Cluster.from_objects([Node("a"), Node("b"), web("w1", node_name="a")])
    assert choose_node(c, web("hypothetical")).node == "b"


def test_kubernetes_profile_keeps_no_trees_and_matches_reference_semantics_56():
    config = Config(profile="kubernetes", seed=5)
    c = Cluster.from_objects([Node(f"n{i}") for i in range(4)] + [web(f"w{i}") for i in range(3)], config=config)
    assert c.scheduler_index is None
    for name in sorted(c.unscheduled):
        assert choose_node(c, c.pods[name]) == reference.schedule(c, c.pods[name])


def test_kubernetes_zone_counts_honour_the_node_selector_semantics_8_13():
    """nodeAffinityPolicy Honor: pods on a node the incoming pod's nodeSelector excludes do not count toward
    its zone, even when that node shares the zone with feasible ones."""
    config = Config(profile="kubernetes")
    objs = [Node("ssd1", labels={ZONE: "z1", "disk": "ssd"}), Node("ssd2", labels={ZONE: "z2", "disk": "ssd"}),
            Node("hdd1", labels={ZONE: "z1"}), Service("web", selector={"app": "web"})]
    objs += [Pod(f"b{i}", labels={"app": "web"}, node_name="hdd1", containers=(Container("c"),)) for i in range(6)]
    objs.append(Pod("new", labels={"app": "web"}, node_selector={"disk": "ssd"}, containers=(Container("c"),)))
    c = Cluster.from_objects(objs, config=config)
    fast, ref = choose_node(c, c.pods["new"]), reference.schedule(c, c.pods["new"])
    assert fast == ref
    assert fast.top_nodes == ("ssd1", "ssd2")  # the hdd pods do not weigh on z1


def test_equivalent_compares_semantically_semantics_60():
    c = Cluster.from_objects([Node("b"), Node("a"), web("w1")])
    fresh = c.rebuilt()
    assert index.equivalent(c.scheduler_index, fresh.scheduler_index)
    groups = c.scheduler_index.groups
    (gkey, group), = groups.items()
    recount = c.scheduler_index._replace(groups=groups.set(gkey, group._replace(queued=2)))
    assert not index.equivalent(recount, fresh.scheduler_index)
    stale_leaf = c.scheduler_index._replace(groups=groups.set(gkey, group._replace(
        tree=index.updater(c.scheduler_index.height)(group.tree, c.scheduler_index.positions["a"], index.INF))))
    assert not index.equivalent(stale_leaf, fresh.scheduler_index)
    assert index.equivalent(None, None) and not index.equivalent(None, fresh.scheduler_index)


def test_pod_status_writes_do_not_touch_the_trees_semantics_60():
    c = Cluster.from_objects([Node("a"), web("w1", node_name="a"), web("w2")])
    before = c.scheduler_index
    c = c.put_pod(attrs.evolve(c.pods["w1"], ready=True, pod_ip="10.0.0.1"))
    assert c.scheduler_index.groups is before.groups


def test_unscheduled_index_is_the_queue():
    c = Cluster.from_objects([Node("a"), web("w1"), web("w2", node_name="a"), web("w3", deletion_timestamp=3)])
    assert set(c.unscheduled) == {"w1"}
    assert c.index_mismatches() == []


# ---- the write path's shortcuts decide as the plain definitions do -------------------------------------------------

from hypothesis import given  # noqa: E402
from hypothesis import strategies as st  # noqa: E402


def matters_by_definition(old, new) -> bool:
    """`_pod_matters_on_node` as its docstring defines it, through the Pod properties."""
    if old is None or new is None:
        return True
    if old.node_name != new.node_name or old.terminal != new.terminal or \
            (old.deletion_timestamp is None) != (new.deletion_timestamp is None):
        return True
    if old.owner != new.owner or old.labels != new.labels:
        return True
    return old.containers is not new.containers and old.requests != new.requests


@st.composite
def pod_rewrites(draw):
    """A pod and a write of it: each field kept by reference, rebuilt equal, or changed (several containers
    included, so that requests can move between containers and keep their sum)."""
    def requests():
        return Resources(draw(st.sampled_from([0, 100])), draw(st.sampled_from([0, 1000])))

    def containers():
        return tuple(Container(f"c{i}", requests=requests()) for i in range(draw(st.integers(1, 2))))

    old = Pod("p", labels={"app": "web"}, owner=OWNER, node_name=draw(st.sampled_from([None, "a"])),
              containers=containers(), phase=draw(st.sampled_from(["Pending", "Running", "Succeeded", "Failed"])),
              deletion_timestamp=draw(st.sampled_from([None, 3])))
    changes = {}
    how = draw(st.sampled_from(["keep", "equal", "new"]))
    if how == "equal":
        changes["containers"] = tuple(attrs.evolve(c, requests=Resources(c.requests.cpu, c.requests.memory))
                                      for c in old.containers)
    elif how == "new":
        changes["containers"] = containers()
    if draw(st.booleans()):
        changes["labels"] = draw(st.sampled_from([{"app": "web"}, {"app": "db"}]))
    if draw(st.booleans()):
        changes["owner"] = draw(st.sampled_from([OwnerRef("ReplicaSet", "web", "uid-web"), None]))
    if draw(st.booleans()):
        changes["phase"] = draw(st.sampled_from(["Pending", "Running", "Succeeded", "Failed", "Unknown"]))
    if draw(st.booleans()):
        changes["node_name"] = draw(st.sampled_from([None, "a", "b"]))
    if draw(st.booleans()):
        changes["deletion_timestamp"] = draw(st.sampled_from([None, 3, 4]))
    if draw(st.booleans()):
        changes["ready"] = True
    new = attrs.evolve(old, **changes)
    return draw(st.sampled_from([(old, new), (new, old), (None, new), (old, None)]))


@given(pod_rewrites())
def test_pod_matters_on_node_decides_as_defined_semantics_60(pair):
    """Identity shortcuts and plain request sums give exactly the decision of the definition."""
    old, new = pair
    assert index._pod_matters_on_node(old, new) == matters_by_definition(old, new)


def test_probe_and_readiness_writes_do_not_matter_on_node_semantics_60():
    pod = web("w1", node_name="a", phase="Running")
    started = attrs.evolve(pod.containers[0].status, state="running", started=True, ready=True)
    status = attrs.evolve(pod, ready=True, containers=(attrs.evolve(pod.containers[0], status=started),))
    assert not index._pod_matters_on_node(pod, status)
    resized = attrs.evolve(pod, containers=(attrs.evolve(pod.containers[0], requests=Resources(1, 0)),))
    assert index._pod_matters_on_node(pod, resized)


@pytest.mark.parametrize("profile", ["textbook", "kubernetes"])
def test_equivalent_to_build_is_equivalent_against_build_semantics_60(profile):
    """`equivalent_to_build(index, cluster)` answers `equivalent(index, build(cluster))`, with and without queued
    pods, for exact, stale and missing indexes."""
    config = Config(profile=profile)
    queued = Cluster.from_objects([Node("a"), Node("b"), web("w1"), web("w2", node_name="a")], config=config)
    steady = Cluster.from_objects([Node("a"), Node("b"), web("w2", node_name="a")], config=config)
    textbook = Cluster.from_objects([Node("a"), web("w1")]).scheduler_index
    candidates = [None, queued.scheduler_index, steady.scheduler_index, textbook,
                  textbook._replace(profile="other"), steady.rebuilt().scheduler_index]
    for cluster in (queued, steady):
        for candidate in candidates:
            assert index.equivalent_to_build(candidate, cluster) == \
                index.equivalent(candidate, index.build(cluster)), (cluster.unscheduled, candidate)
