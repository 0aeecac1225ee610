"""User requests: guards are the API server's validation, effects are the API's (SEMANTICS 24 to 26, 36, 54)."""

from __future__ import annotations

import pytest

from kmodel.cluster import Cluster
from kmodel.errors import EventNotEnabled
from kmodel.events import step
from kmodel.objects import Container, Hook, Node, Pod, PodTemplate, ReplicationController, Service
from kmodel.user import (
    CREATIONS,
    CordonNode,
    CreatePod,
    DeleteController,
    DeletePod,
    DeleteService,
    RelabelPod,
    RemoveNode,
    ScaleController,
    UncordonNode,
    relabel_palette,
    teardown_requests,
    user_requests,
)

APP = Container(name="app", pre_stop=Hook())
RC = ReplicationController.defaulted("web", 2, None, PodTemplate(labels={"app": "web"}, containers=(APP,)))


def cluster() -> Cluster:
    return Cluster.from_objects([Node("n1"), RC, Pod("bound", labels={"app": "web"}, node_name="n1", containers=(APP,)),
                                 Pod("unbound", containers=(APP,))])


def test_delete_unbound_pod_removes_it_at_once():
    """No kubelet holds an unscheduled pod, so the API deletes it immediately."""
    assert "unbound" not in step(cluster(), DeletePod("unbound")).pods


def test_delete_bound_pod_sets_deletion_timestamp():
    """SEMANTICS 54.1: graceful deletion; the kubelet finishes it."""
    c = step(cluster().tick(7), DeletePod("bound"))
    assert c.pods["bound"].deletion_timestamp == 7 and c.pods["bound"].terminating


def test_delete_twice_is_not_enabled():
    c = step(cluster(), DeletePod("bound"))
    with pytest.raises(EventNotEnabled):
        step(c, DeletePod("bound"))


def test_scale_guard_rejects_negative_and_no_op():
    c = cluster()
    assert not ScaleController("ReplicationController/web", -1).guard(c)
    assert not ScaleController("ReplicationController/web", 2).guard(c)
    assert step(c, ScaleController("ReplicationController/web", 4)).controllers["ReplicationController/web"].replicas == 4


def test_relabel_rejects_invalid_labels():
    assert not RelabelPod("bound", {"Bad/Key/x": "v"}).guard(cluster())


def test_relabel_palette_orphans_and_adopts():
    """SEMANTICS 36: dropping a selected label orphans a pod; an orphan can take a controller's template labels."""
    c = cluster()
    assert {} in [dict(m) for m in relabel_palette(c, c.pods["bound"])]
    assert {"app": "web"} in [dict(m) for m in relabel_palette(c, c.pods["unbound"])]


def test_create_pod_validates():
    assert not CreatePod(Pod("bound", containers=(APP,))).guard(cluster())  # name taken
    assert not CreatePod(Pod("x", containers=())).guard(cluster())  # invalid spec
    assert "x" in step(cluster(), CreatePod(Pod("x", containers=(APP,)))).pods


def test_cordon_uncordon_round_trip():
    c = step(cluster(), CordonNode("n1"))
    assert c.nodes["n1"].unschedulable and not CordonNode("n1").guard(c)
    assert not step(c, UncordonNode("n1")).nodes["n1"].unschedulable


def test_remove_node_and_controller():
    assert "n1" not in step(cluster(), RemoveNode("n1")).nodes
    assert not step(cluster(), DeleteController("ReplicationController/web")).controllers


def test_user_requests_are_all_enabled():
    c = cluster()
    events = list(user_requests(c))
    assert events and all(e.guard(c) for e in events)


def test_teardown_requests_delete_each_controller_service_and_node_in_name_order():
    """The palette that ends the scenario's story: every controller, Service and Node object can be deleted
    (cascading deletion and the pod garbage collector then do their work, SEMANTICS 38)."""
    c = Cluster.from_objects([Node("n2"), Node("n1"), RC, Service("web", selector={"app": "web"})])
    assert list(teardown_requests(c)) == [DeleteController("ReplicationController/web"), DeleteService("web"),
                                          RemoveNode("n1"), RemoveNode("n2")]
    assert all(e.guard(c) for e in teardown_requests(c))
    gone = step(step(step(step(c, RemoveNode("n1")), RemoveNode("n2")), DeleteService("web")),
                DeleteController("ReplicationController/web"))
    assert list(teardown_requests(gone)) == []


def test_no_palette_offers_a_creation():
    """A creation needs the spec of a new object; neither palette invents one (the explorer refuses them)."""
    c = cluster()
    offered = {type(e).__name__ for e in [*user_requests(c), *teardown_requests(c)]}
    assert set(CREATIONS) == {"CreatePod", "CreateService", "CreateController", "AddNode"}
    assert not offered & set(CREATIONS)
