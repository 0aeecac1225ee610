"""The garbage collector (cascading deletion) and pod GC: SEMANTICS 38 (and 29.2, 54 for what deletion means)."""

from __future__ import annotations

import attrs
import pytest
from hypothesis import given
from hypothesis import strategies as st

from kmodel.cluster import Cluster
from kmodel.controllers import garbage_collector as gc
from kmodel.controllers.garbage_collector import (
    GarbageCollectorDeletePod,
    PodGCDeleteOrphanedPod,
    PodGCDeleteTerminatedPod,
    reconcile,
)
from kmodel.controllers.replication import ReplicaSetCreatePods
from kmodel.events import step
from kmodel.objects import (
    FAILED,
    POD_RUNNING,
    SUCCEEDED,
    Container,
    Node,
    OwnerRef,
    Pod,
    PodTemplate,
    ReplicationController,
)

WEB = {"app": "web"}
KEY = "ReplicationController/web"


def make_rc(replicas: int = 2) -> ReplicationController:
    return ReplicationController(name="web", replicas=replicas, selector=WEB,
                                 template=PodTemplate(labels=WEB, containers=(Container("app"),)))


def pod(name: str, **kw) -> Pod:
    return Pod(name=name, labels=WEB, containers=(Container("app"),), **kw)


def cluster_with(*pods: Pod, nodes=("n1",)) -> Cluster:
    """A cluster holding the RC web (uid-000001) and the given pods."""
    return Cluster.from_objects([make_rc(), *(Node(n) for n in nodes), *pods])


MINE = OwnerRef("ReplicationController", "web", "uid-000001")
GONE = OwnerRef("ReplicationController", "gone", "uid-000999")
OLD_UID = OwnerRef("ReplicationController", "web", "uid-000999")


def gc_until_quiet(cluster: Cluster, bound: int = 20) -> Cluster:
    for _ in range(bound):
        events = reconcile(cluster)
        if not events:
            return cluster
        for event in events:
            cluster = step(cluster, event)
    raise AssertionError("garbage collector did not quiesce")


@pytest.mark.parametrize("case, p, expected", [
    ("owner alive", pod("x", owner=MINE), ()),
    ("orphan", pod("x"), ()),
    ("owner deleted", pod("x", owner=GONE), (GarbageCollectorDeletePod("x"),)),
    ("owner recreated with another uid", pod("x", owner=OLD_UID), (GarbageCollectorDeletePod("x"),)),
    ("owner deleted, pod already terminating", pod("x", owner=GONE, node_name="n1", deletion_timestamp=0), ()),
    ("succeeded", pod("x", phase=SUCCEEDED), (PodGCDeleteTerminatedPod("x"),)),
    ("failed, owner alive", pod("x", phase=FAILED, owner=MINE), (PodGCDeleteTerminatedPod("x"),)),
    ("terminal and owner deleted: pod GC only", pod("x", phase=FAILED, owner=GONE), (PodGCDeleteTerminatedPod("x"),)),
    ("bound to a node that is gone", pod("x", node_name="gone-node", phase=POD_RUNNING),
     (PodGCDeleteOrphanedPod("x"),)),
    ("gone node, terminal and owner deleted: one removal",
     pod("x", node_name="gone-node", phase=SUCCEEDED, owner=GONE), (PodGCDeleteOrphanedPod("x"),)),
    ("running on a live node", pod("x", node_name="n1", phase=POD_RUNNING, owner=MINE), ()),
])
def test_gc_proposals_table_semantics_38(case, p, expected):
    cluster = cluster_with(p)
    assert reconcile(cluster) == expected, case
    for event in expected:
        assert event.guard(cluster)


@pytest.mark.parametrize("event", [GarbageCollectorDeletePod("nope"), PodGCDeleteTerminatedPod("nope"),
                                   PodGCDeleteOrphanedPod("nope")])
def test_gc_guards_are_false_for_unknown_pods(event):
    assert not event.guard(cluster_with())


@pytest.mark.parametrize("event, p", [
    (GarbageCollectorDeletePod("x"), pod("x", owner=MINE)),
    (PodGCDeleteTerminatedPod("x"), pod("x", phase=POD_RUNNING)),
    (PodGCDeleteOrphanedPod("x"), pod("x", node_name="n1")),
    (PodGCDeleteOrphanedPod("x"), pod("x")),
])
def test_gc_guards_are_false_when_the_condition_does_not_hold_semantics_38(event, p):
    assert not event.guard(cluster_with(p))


def test_unbound_dependent_is_removed_at_once_semantics_38_and_54():
    cluster = cluster_with(pod("x", owner=GONE))
    after = step(cluster, GarbageCollectorDeletePod("x"))
    assert "x" not in after.pods and not after.index_mismatches()


def test_bound_dependent_terminates_through_its_kubelet_semantics_38_and_54():
    cluster = cluster_with(pod("x", owner=GONE, node_name="n1", phase=POD_RUNNING))
    after = step(cluster, GarbageCollectorDeletePod("x"))
    assert after.pods["x"].terminating
    assert reconcile(after) == ()  # not proposed twice


@pytest.mark.parametrize("event, p", [
    (PodGCDeleteTerminatedPod("x"), pod("x", phase=SUCCEEDED, node_name="n1")),
    (PodGCDeleteOrphanedPod("x"), pod("x", node_name="gone-node", phase=POD_RUNNING)),
])
def test_pod_gc_removes_the_pod_semantics_38(event, p):
    after = step(cluster_with(p), event)
    assert "x" not in after.pods and not after.index_mismatches()


def test_pod_on_a_removed_node_is_collected_semantics_38():
    cluster = cluster_with(pod("x", node_name="n1", phase=POD_RUNNING, owner=MINE), nodes=("n1", "n2"))
    assert reconcile(cluster) == ()
    cluster = cluster.remove_node("n1")
    assert reconcile(cluster) == (PodGCDeleteOrphanedPod("x"),)


def test_cascading_deletion_of_a_controller_removes_its_pods_semantics_38():
    """Deleting the RC leaves its pods to the garbage collector, which deletes every one of them."""
    cluster = Cluster.from_objects([make_rc(replicas=3)])
    cluster = step(cluster, ReplicaSetCreatePods(KEY, 3))
    assert reconcile(cluster) == ()
    cluster = cluster.remove_controller(KEY)
    names = sorted(p.name for p in cluster.pods_owned_by(KEY))
    assert reconcile(cluster) == tuple(GarbageCollectorDeletePod(n) for n in names)
    cluster = gc_until_quiet(cluster)
    assert not cluster.pods


def test_recreated_controller_does_not_inherit_the_old_pods_semantics_36_and_38():
    """Same name, new uid: the old pods are not its (SEMANTICS 36) and are collected (SEMANTICS 38)."""
    cluster = Cluster.from_objects([make_rc(replicas=1)])
    cluster = step(cluster, ReplicaSetCreatePods(KEY, 1))
    old = next(cluster.pods_owned_by(KEY)).name
    cluster = cluster.remove_controller(KEY).create(make_rc(replicas=1))
    assert reconcile(cluster) == (GarbageCollectorDeletePod(old),)


def test_gc_is_registered_as_a_controller_event_source():
    from kmodel import parts
    from kmodel.events import CONTROLLER, sources

    assert ("garbage-collector", CONTROLLER, gc.reconcile) in sources()
    assert parts.controller("garbage-collector").proposals is gc.reconcile


_OWNERS = st.sampled_from([None, MINE, GONE, OLD_UID])
_PHASES = st.sampled_from([POD_RUNNING, SUCCEEDED, FAILED])
_NODES = st.sampled_from([None, "n1", "gone-node"])


@given(st.lists(st.tuples(_OWNERS, _PHASES, _NODES), max_size=8))
def test_gc_reaches_a_state_with_nothing_left_to_collect_semantics_38(specs):
    """Unbound and terminal pods of dead owners, terminal pods and pods of missing nodes all go; what remains
    has a live owner or none, runs, and sits on a live node or none, except bound running dependents of a dead
    owner, which are left Terminating for their kubelet to finish (SEMANTICS 54)."""
    pods = [pod(f"p{i}", owner=owner, phase=phase, node_name=node) for i, (owner, phase, node) in enumerate(specs)]
    cluster = gc_until_quiet(cluster_with(*pods))
    for p in cluster.pods.values():
        assert not p.terminal
        assert p.node_name in (None, "n1")
        assert p.owner in (None, MINE) or (p.terminating and p.node_name == "n1")
    assert not cluster.index_mismatches()
    assert reconcile(cluster) == ()


# ---- the queues the collectors read (DESIGN principle 1) ----------------------------------------------------------


def brute_orphaned(cluster: Cluster) -> list[str]:
    return sorted(n for n, p in cluster.pods.items() if p.node_name is not None and p.node_name not in cluster.nodes)


def brute_terminated(cluster: Cluster) -> list[str]:
    return sorted(n for n, p in cluster.pods.items() if p.terminal)


def brute_dependents(cluster: Cluster) -> list[str]:
    return sorted(n for n, p in cluster.pods.items() if not p.terminating and gc.owner_missing(cluster, p))


@given(st.data())
def test_collector_queues_are_the_scans_on_random_runs_semantics_38_54(data):
    """Along random runs of the whole model from the seed scenario, with controllers deleted and recreated under
    another uid and nodes removed besides what `enabled` offers, the lost-node, terminal-pod and dangling-owner
    indexes give exactly what a scan of every pod gives (SEMANTICS 38, 54)."""
    from kmodel.events import enabled
    from kmodel.scenarios import seed
    from kmodel.user import CreateController, DeleteController, RemoveNode

    c = seed()
    web = c.controllers["ReplicationController/web"]
    for _ in range(data.draw(st.integers(0, 40))):
        assert gc.orphaned_pods(c) == brute_orphaned(c)
        assert gc.terminated_pods(c) == brute_terminated(c)
        assert gc.dependents_of_missing_owners(c) == brute_dependents(c)
        extra = [DeleteController(web.key), CreateController(attrs.evolve(web, uid="")),
                 *(RemoveNode(n) for n in sorted(c.nodes))]
        events = list(enabled(c)) + [e for e in extra if e.guard(c)]
        c = step(c, data.draw(st.sampled_from(events)))
