"""Node faults and the node lifecycle controller: pods of a lost node leave the endpoints and are replaced
(SEED 2, SEMANTICS 29.2, 37, 54)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

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


@given(st.data())
def test_reconcile_from_the_not_ready_index_is_the_scan_on_random_runs(data):
    """Along random runs from the settled seed (node crashes and recoveries among them), the node lifecycle
    controller's proposals from its not-ready index are those of a scan of every node, in node then pod name
    order."""
    from kmodel.events import enabled

    def scan(cluster):
        out = []
        for name in sorted(cluster.nodes):
            if cluster.nodes[name].ready:
                continue
            for pod in sorted(cluster.pods_on(name), key=lambda p: p.name):
                if pod.ready:
                    out.append(NodeLifecycleMarkPodNotReady(pod.name))
                elif not pod.terminating and not pod.daemon:
                    out.append(NodeLifecycleEvictPod(pod.name))
        return tuple(out)

    c = settled()
    for _ in range(data.draw(st.integers(0, 30))):
        assert reconcile(c) == scan(c)
        options = list(enabled(c))
        if not options:  # everything torn down (kmodel.user.teardown_requests)
            break
        c = step(c, data.draw(st.sampled_from(options)))
