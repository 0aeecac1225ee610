"""Node faults and the node lifecycle controller: pods of a lost node leave the endpoints and are replaced
(SEED 2, SEMANTICS 29.2, 37, 54)."""

from __future__ import annotations

import pytest

from kmodel.controllers.node_lifecycle import (
    NodeCrash,
    NodeLifecycleEvictPod,
    NodeLifecycleMarkPodNotReady,
    NodeRecover,
    node_faults,
    reconcile,
)
from kmodel.errors import EventNotEnabled
from kmodel.events import step
from kmodel.scenarios import seed
from kmodel.settle import settle


def settled():
    return settle(seed()).cluster


def test_crash_and_recover_toggle_ready():
    c = step(settled(), NodeCrash("node-1"))
    assert not c.nodes["node-1"].ready
    with pytest.raises(EventNotEnabled):
        step(c, NodeCrash("node-1"))
    assert step(c, NodeRecover("node-1")).nodes["node-1"].ready


def test_lost_node_pods_marked_not_ready_then_evicted():
    c = step(settled(), NodeCrash("node-1"))
    proposals = reconcile(c)
    on_node = {p.name for p in c.pods_on("node-1")}
    assert {e.pod for e in proposals if isinstance(e, NodeLifecycleMarkPodNotReady)} == \
        {p for p in on_node if c.pods[p].ready}
    for e in proposals:
        c = step(c, e)
    assert all(not c.pods[p].ready for p in on_node)
    for e in reconcile(c):
        assert isinstance(e, NodeLifecycleEvictPod)
        c = step(c, e)
    assert all(c.pods[p].terminating != c.pods[p].daemon for p in on_node)  # DaemonSet pods tolerate it


def test_lost_pods_are_replaced_and_finish_on_recovery():
    """The replication controller replaces evicted pods at once (terminating pods are not active); the old
    pods stay Terminating until the node's kubelet returns and removes them."""
    c = step(settled(), NodeCrash("node-1"))
    lost = {p.name for p in c.pods_on("node-1") if p.owner is not None}
    c = settle(c).cluster
    assert lost and all(c.pods[p].terminating for p in lost)
    web = [p for p in c.pods_owned_by("ReplicationController/web") if p.active]
    assert len(web) == 3 and all(p.node_name != "node-1" for p in web)
    c = settle(step(c, NodeRecover("node-1"))).cluster
    assert not lost & set(c.pods)


def test_node_faults_offer_crash_or_recover():
    c = settled()
    assert {type(e).__name__ for e in node_faults(c)} == {"NodeCrash"}
    c = step(c, NodeCrash("node-2"))
    assert "NodeRecover" in {type(e).__name__ for e in node_faults(c)}
