"""kube-scheduler's writes as events, and its reconciler (kmodel/scheduler/scheduler.py; SEMANTICS 55 to 61)."""

from __future__ import annotations

import attrs
import pytest

from kmodel.cluster import Cluster, Config
from kmodel.errors import EventNotEnabled
from kmodel.events import CONTROLLER, enabled, step
from kmodel.objects import Container, Node, OwnerRef, Pod, Resources
from kmodel.scheduler import reference
from kmodel.scheduler.scheduler import (
    SchedulerBindPod,
    SchedulerMarkUnschedulable,
    _proposals,
    choose_node,
    queue,
    reconcile,
)

OWNER = OwnerRef("ReplicaSet", "web", "uid-web")


def web(name: str, **kw) -> Pod:
    return Pod(name, labels={"app": "web"}, owner=OWNER, containers=(Container("c"),), **kw)


def cluster(*objs, profile="textbook") -> Cluster:
    return Cluster.from_objects(objs, config=Config(profile=profile))


@pytest.mark.parametrize("pod, node, enabled_", [
    (web("w"), "a", True),
    (web("w"), "cordoned", False),          # filters hold in the guard (SEMANTICS 55)
    (web("w"), "missing", False),
    (web("w", node_name="a"), "a", False),  # already bound
    (web("w", deletion_timestamp=1), "a", False),  # the scheduler skips pods being deleted
    (web("w", phase="Failed"), "a", False),
])
def test_bind_guard_semantics_55(pod, node, enabled_):
    c = cluster(Node("a"), Node("cordoned", unschedulable=True), pod)
    assert SchedulerBindPod("w", node).guard(c) == enabled_
    assert SchedulerBindPod("nope", "a").guard(c) is False


def test_bind_guard_does_not_require_the_best_node_semantics_60():
    """A feasible but worse node is enabled: optimality is an invariant's job, not the guard's."""
    c = cluster(Node("a"), Node("b"), web("s", node_name="a"), web("w"))
    assert choose_node(c, c.pods["w"]).node == "b"
    assert SchedulerBindPod("w", "a").guard(c)


def test_bind_sets_node_and_clears_unschedulable_reasons_semantics_55():
    c = cluster(Node("a"), web("w", unschedulable_reasons=("1 Insufficient cpu",)))
    after = step(c, SchedulerBindPod("w", "a"))
    assert after.pods["w"] == attrs.evolve(c.pods["w"], node_name="a", unschedulable_reasons=())
    assert "w" not in after.unscheduled and after.usage("a").pods == 1
    assert after.owner_pods_on("ReplicaSet/web", "a") == 1
    assert after.index_mismatches() == []
    with pytest.raises(EventNotEnabled):
        step(after, SchedulerBindPod("w", "a"))


def test_mark_unschedulable_is_proposed_once_semantics_55():
    c = cluster(Node("a", unschedulable=True), web("w"))
    events = reconcile(c)
    assert events == (SchedulerMarkUnschedulable("w", ("1 node(s) were unschedulable",)),)
    c = step(c, events[0])
    assert c.pods["w"].unschedulable_reasons == ("1 node(s) were unschedulable",)
    assert reconcile(c) == ()  # quiescent: the verdict is recorded
    c = c.put_node(attrs.evolve(c.nodes["a"], unschedulable=False))
    assert reconcile(c) == (SchedulerBindPod("w", "a"),)


def test_reconcile_walks_the_queue_in_creation_order_semantics_55():
    c = cluster(Node("a"), Node("b"), web("z-first"), web("a-second"), web("m-third"))
    assert queue(c) == ["z-first", "a-second", "m-third"]
    assert [e.pod for e in reconcile(c)] == ["z-first", "a-second", "m-third"]


def test_reconcile_assumes_earlier_binds_of_the_round_semantics_60():
    """Like the scheduler cache's assume: three replicas, three nodes, one each, in one round."""
    c = cluster(Node("a"), Node("b"), Node("c"), web("w1"), web("w2"), web("w3"))
    events = reconcile(c)
    assert events == (SchedulerBindPod("w1", "a"), SchedulerBindPod("w2", "b"), SchedulerBindPod("w3", "c"))
    for e in events:  # applied in order, as settle does, each is optimal in the state it meets
        assert reference.schedule(c, c.pods[e.pod]).node == e.node
        c = step(c, e)


def test_event_source_offers_binds_only_for_the_current_state_semantics_61():
    c = cluster(Node("a", unschedulable=True), Node("b", max_pods=0), Node("c"),
                web("w1", node_selector={"disk": "ssd"}), web("w2"), web("w3"))
    offered = _proposals(c)
    # b is full too, but NodeAffinity rejects it first
    assert offered == (SchedulerMarkUnschedulable("w1", ("1 node(s) were unschedulable",
                                                         "2 node(s) didn't match Pod's node affinity/selector")),
                       SchedulerBindPod("w2", "c"))
    assert len(reconcile(c)) == 3  # w3 is proposed too, but only with w2 assumed: not offered to the engines
    assert [e for e in enabled(c, actors=(CONTROLLER,)) if e in offered] == list(offered)


@pytest.mark.parametrize("profile", ["textbook", "kubernetes"])
def test_settle_places_every_replica_on_its_own_node_semantics_60(profile):
    from kmodel.labels import parse_selector
    from kmodel.objects import PodTemplate, ReplicaSet
    from kmodel.settle import controller_round

    rs = ReplicaSet("web", replicas=4, selector=parse_selector("app=web"), uid="uid-web",
                    template=PodTemplate(labels={"app": "web"}, containers=(Container("c"),)))
    c = cluster(rs, *[Node(f"n{i}") for i in range(4)], *[web(f"w{i}") for i in range(4)], profile=profile)
    c, applied = controller_round(c)
    assert sorted(p.node_name for p in c.pods.values()) == ["n0", "n1", "n2", "n3"]
    assert sum(isinstance(e, SchedulerBindPod) for e in applied) == 4
    assert reconcile(c) == ()


def test_kubernetes_bind_follows_the_seeded_tie_break_semantics_61():
    c = cluster(Node("a"), Node("b"), Node("c"), web("w"), profile="kubernetes")
    (event,) = reconcile(c)
    result = reference.schedule(c, c.pods["w"])
    assert result.top_nodes == ("a", "b", "c") and event.node == result.node


def test_requests_count_against_capacity_across_a_round_semantics_55():
    big = Container("c", requests=Resources(3000, 0))
    c = cluster(Node("a"), *[Pod(f"p{i}", containers=(big,)) for i in range(2)])
    events = reconcile(c)
    assert events[0] == SchedulerBindPod("p0", "a")
    assert events[1] == SchedulerMarkUnschedulable("p1", ("1 Insufficient cpu",))
