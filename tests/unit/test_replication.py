"""The ReplicaSet / ReplicationController controller: SEMANTICS 28 to 37, 8.11."""

from __future__ import annotations

import attrs
import pytest
from hypothesis import given
from hypothesis import strategies as st

from kmodel.cluster import Cluster
from kmodel.controllers import replication as rc
from kmodel.decisions import replication as replication_decisions
from kmodel.controllers.replication import (
    ReplicaSetAdoptPod,
    ReplicaSetCreatePods,
    ReplicaSetDeletePods,
    ReplicaSetReleasePod,
    claim_pods,
    claimed_active_count,
    deletion_order_key,
    log2_bucket,
    rank_pods_for_deletion,
    reconcile,
    slow_start_batches,
    sync_controller,
)
from kmodel.decisions.replication import BURST_REPLICAS, burst_capped, replica_diff
from kmodel.errors import EventNotEnabled, KModelError
from kmodel.events import step
from kmodel.labels import selector_from_map
from kmodel.objects import (
    FAILED,
    PENDING,
    POD_RUNNING,
    SUCCEEDED,
    UNKNOWN,
    Container,
    ContainerStatus,
    Node,
    OwnerRef,
    Pod,
    PodTemplate,
    ReplicaSet,
    ReplicationController,
)

WEB = {"app": "web"}
TEMPLATE = PodTemplate(labels=WEB, containers=(Container("app"),))


def make_rc(replicas: int = 3, name: str = "web") -> ReplicationController:
    return ReplicationController(name=name, replicas=replicas, selector=WEB, template=TEMPLATE)


def make_rs(replicas: int = 3, name: str = "web") -> ReplicaSet:
    return ReplicaSet(name=name, replicas=replicas, selector=selector_from_map(WEB), template=TEMPLATE)


KINDS = {"ReplicationController": make_rc, "ReplicaSet": make_rs}


def pod(name: str, labels=WEB, restarts: int = 0, **kw) -> Pod:
    return Pod(name=name, labels=labels,
               containers=(Container("app", status=ContainerStatus(restart_count=restarts)),), **kw)


def converge(cluster: Cluster, bound: int = 50) -> tuple[Cluster, int]:
    """Apply the replication controller's proposals (through `step`, so every guard is checked) until it
    proposes nothing; returns the cluster and the number of syncs that wrote something."""
    for syncs in range(bound):
        events = reconcile(cluster)
        if not events:
            return cluster, syncs
        for event in events:
            cluster = step(cluster, event)
    raise AssertionError(f"no quiescence within {bound} syncs")


def owned(cluster: Cluster, key: str) -> list[Pod]:
    return sorted(cluster.pods_owned_by(key), key=lambda p: p.name)


# ---------------------------------------------------------------------------------------------------------------
# Arithmetic: SEMANTICS 29.4, 30, 31


@pytest.mark.parametrize("active, desired, diff, capped", [
    (0, 3, -3, -3),
    (3, 1, 2, 2),
    (3, 3, 0, 0),
    (0, 1200, -1200, -500),   # SEMANTICS 30: BurstReplicas caps a scale-up of 1200 at 500
    (1200, 0, 1200, 500),
    (500, 0, 500, 500),
    (0, 501, -501, -500),
])
def test_replica_diff_and_burst_cap_semantics_29_4_and_30(active, desired, diff, capped):
    assert replica_diff(active, desired) == diff
    assert burst_capped(diff) == capped


@given(st.integers(-10_000, 10_000))
def test_burst_cap_keeps_sign_and_bounds_magnitude_semantics_30(diff):
    capped = burst_capped(diff)
    assert abs(capped) <= BURST_REPLICAS
    assert (capped > 0) == (diff > 0) and (capped < 0) == (diff < 0)
    if abs(diff) <= BURST_REPLICAS:
        assert capped == diff


def test_burst_cap_runs_symbolically_semantics_30():
    """The same decision code builds a Z3 term (DESIGN principle 4): |capped| <= 500 and the sign is kept."""
    z3 = pytest.importorskip("z3")
    active, desired = z3.Ints("active desired")
    capped = burst_capped(replica_diff(active, desired))
    diff = active - desired
    s = z3.Solver()
    s.add(z3.Not(z3.And(capped <= 500, capped >= -500, (capped > 0) == (diff > 0), (capped < 0) == (diff < 0))))
    assert s.check() == z3.unsat


@pytest.mark.parametrize("n, initial, batches", [
    (0, 1, ()),
    (1, 1, (1,)),
    (2, 1, (1, 1)),
    (3, 1, (1, 2)),
    (7, 1, (1, 2, 4)),
    (10, 1, (1, 2, 4, 3)),
    (15, 1, (1, 2, 4, 8)),
    (16, 1, (1, 2, 4, 8, 1)),
    (500, 1, (1, 2, 4, 8, 16, 32, 64, 128, 245)),
    (10, 4, (4, 6)),
])
def test_slow_start_batches_semantics_31(n, initial, batches):
    assert slow_start_batches(n, initial) == batches
    assert sum(batches) == n


@pytest.mark.parametrize("n, initial", [(-1, 1), (3, 0), ("3", 1)])
def test_slow_start_batches_rejects_bad_input_semantics_31(n, initial):
    with pytest.raises(KModelError, match="slow_start_batches"):
        slow_start_batches(n, initial)


# ---------------------------------------------------------------------------------------------------------------
# Ranking: SEMANTICS 33, 34, 8.11

NOW = 10_000  # clock seconds
NOW_INDEX = 100  # uid counter


@pytest.mark.parametrize("case, a, b, rank_a, rank_b", [
    # 34.1: unassigned first, even against a worse phase / readiness / cost on the other side
    ("1 unassigned before assigned",
     dict(node_name=None, phase=POD_RUNNING, ready=True, deletion_cost=9),
     dict(node_name="n1", phase=PENDING), 0, 5),
    ("1 two assigned pods on different nodes tie, 2 decides",
     dict(node_name="n2", phase=PENDING), dict(node_name="n1", phase=POD_RUNNING), 0, 0),
    # 34.2: Pending < Unknown < Running
    ("2 pending before unknown", dict(node_name="n1", phase=PENDING), dict(node_name="n1", phase=UNKNOWN), 0, 0),
    ("2 unknown before running", dict(node_name="n1", phase=UNKNOWN), dict(node_name="n1", phase=POD_RUNNING),
     0, 0),
    # 34.3: not ready first
    ("3 not ready before ready",
     dict(node_name="n1", phase=POD_RUNNING, ready=False, deletion_cost=5),
     dict(node_name="n1", phase=POD_RUNNING, ready=True, ready_since=NOW - 1), 0, 9),
    # 34.4: lower deletion cost first
    ("4 lower deletion cost first",
     dict(node_name="n1", phase=POD_RUNNING, deletion_cost=-1),
     dict(node_name="n1", phase=POD_RUNNING, deletion_cost=0), 0, 3),
    # 34.5: higher rank first (never decides for standalone controllers, 8.11, but the step is there)
    ("5 higher rank first",
     dict(node_name="n1", phase=POD_RUNNING, restarts=0),
     dict(node_name="n1", phase=POD_RUNNING, restarts=7), 2, 1),
    # 34.6: both ready: ready more recently first, zero time first, log2 buckets
    ("6 ready more recently first",
     dict(node_name="n1", phase=POD_RUNNING, ready=True, ready_since=NOW - 5),
     dict(node_name="n1", phase=POD_RUNNING, ready=True, ready_since=NOW - 5000, restarts=3), 0, 0),
    ("6 unset ready time first",
     dict(node_name="n1", phase=POD_RUNNING, ready=True, ready_since=None),
     dict(node_name="n1", phase=POD_RUNNING, ready=True, ready_since=NOW, restarts=3), 0, 0),
    ("6 same log2 bucket falls through to 7",  # 3 s and 4 s are 2^31.5 and 2^31.9 ns: one bucket
     dict(node_name="n1", phase=POD_RUNNING, ready=True, ready_since=NOW - 4, restarts=1),
     dict(node_name="n1", phase=POD_RUNNING, ready=True, ready_since=NOW - 3), 0, 0),
    ("6 equal ready times fall through to 7",
     dict(node_name="n1", phase=POD_RUNNING, ready=True, ready_since=NOW - 50, restarts=1),
     dict(node_name="n1", phase=POD_RUNNING, ready=True, ready_since=NOW - 50), 0, 0),
    ("6 does not apply to two not-ready pods",
     dict(node_name="n1", phase=POD_RUNNING, restarts=1),
     dict(node_name="n1", phase=POD_RUNNING), 0, 0),
    # 34.7: more restarts first
    ("7 more restarts first",
     dict(node_name="n1", phase=POD_RUNNING, restarts=4, creation_index=10),
     dict(node_name="n1", phase=POD_RUNNING, restarts=1, creation_index=99), 0, 0),
    # 34.8: newer first, unset first, log2 buckets over the creation counter
    ("8 newer first", dict(creation_index=99), dict(creation_index=10), 0, 0),
    ("8 unset creation time first", dict(creation_index=0), dict(creation_index=99), 0, 0),
    ("8 same bucket falls through to the name", dict(creation_index=40), dict(creation_index=60), 0, 0),
    # 8.11: nothing differs: the pod name decides
    ("final tie-break by name", dict(node_name="n1"), dict(node_name="n1"), 0, 0),
])
def test_deletion_order_one_case_per_step_semantics_34(case, a, b, rank_a, rank_b):
    """Pod "a" is deleted before pod "b" (the names also make the final tie-break favour "a")."""
    pa, pb = pod("a", **a), pod("b", **b)
    assert deletion_order_key(pa, rank_a, NOW, NOW_INDEX) < deletion_order_key(pb, rank_b, NOW, NOW_INDEX), case
    ranks = {"a": rank_a, "b": rank_b}
    for order in ([pa, pb], [pb, pa]):
        assert [p.name for p in rank_pods_for_deletion(order, ranks, NOW, NOW_INDEX)] == ["a", "b"]


@pytest.mark.parametrize("case, a, b", [
    ("8 bucket tie is decided by the name, not the newer pod", dict(creation_index=40), dict(creation_index=60)),
    ("6 bucket tie is decided by later steps, not the later ready time",
     dict(ready=True, ready_since=NOW - 4, node_name="n", phase=POD_RUNNING),
     dict(ready=True, ready_since=NOW - 3, node_name="n", phase=POD_RUNNING)),
])
def test_logarithmic_buckets_hide_small_age_differences_semantics_34_and_8_11(case, a, b):
    """Without buckets (`now` None: upstream's zero Now) the raw times decide; with them the tie falls through."""
    pa, pb = pod("a", **a), pod("b", **b)
    assert rank_pods_for_deletion([pa, pb], now=NOW, now_index=NOW_INDEX)[0].name == "a", case
    assert rank_pods_for_deletion([pa, pb])[0].name == "b", case


@pytest.mark.parametrize("duration, bucket", [(-5, -1), (0, -1), (1, 0), (2, 1), (3, 1), (4, 2), (1023, 9),
                                              (1024, 10), (3 * 10**9, 31), (4 * 10**9, 31), (5 * 10**9, 32)])
def test_log2_bucket_matches_logarithmic_rank_diff_semantics_34(duration, bucket):
    assert log2_bucket(duration) == bucket


@given(st.lists(st.builds(
    lambda i, node, phase, ready, cost, since, restarts, ci: pod(
        f"p{i}", node_name=node, phase=phase, ready=ready, deletion_cost=cost,
        ready_since=since if ready else None, restarts=restarts, creation_index=ci),
    st.integers(0, 10_000), st.sampled_from([None, "n1", "n2"]), st.sampled_from([PENDING, UNKNOWN, POD_RUNNING]),
    st.booleans(), st.integers(-2, 2), st.one_of(st.none(), st.integers(0, NOW)), st.integers(0, 3),
    st.integers(0, NOW_INDEX)), max_size=8, unique_by=lambda p: p.name), st.randoms())
def test_deletion_order_is_a_total_order_independent_of_input_order_semantics_34_and_8_11(pods, rnd):
    """The model's scale-down choice is deterministic (SEMANTICS 8.11: final tie-break by name), whatever
    order the pods are listed in, and the earlier steps of rule 34 dominate the later ones."""
    expected = rank_pods_for_deletion(pods, now=NOW, now_index=NOW_INDEX)
    shuffled = list(pods)
    rnd.shuffle(shuffled)
    assert rank_pods_for_deletion(shuffled, now=NOW, now_index=NOW_INDEX) == expected
    for first, second in zip(expected, expected[1:]):
        assert not (first.node_name is not None and second.node_name is None)  # step 1 dominates
        if (first.node_name is None) == (second.node_name is None):
            assert rc.POD_PHASE_ORDINAL[first.phase] <= rc.POD_PHASE_ORDINAL[second.phase]  # then step 2


# ---------------------------------------------------------------------------------------------------------------
# Claiming: SEMANTICS 29.2, 36


def _claim_case(cluster: Cluster, kind: str, case: str) -> Pod:
    ctl = cluster.controllers[f"{kind}/web"]
    mine = OwnerRef(kind, "web", ctl.uid)
    return {
        "orphan matching": pod("x"),
        "orphan not matching": pod("x", labels={"app": "db"}),
        "orphan matching terminating": pod("x", deletion_timestamp=0),
        "orphan matching succeeded": pod("x", phase=SUCCEEDED),
        "owned matching": pod("x", owner=mine),
        "owned matching terminating": pod("x", owner=mine, deletion_timestamp=0),
        "owned not matching": pod("x", labels={"app": "db"}, owner=mine),
        "owned not matching failed": pod("x", labels={"app": "db"}, owner=mine, phase=FAILED),
        "same name other uid": pod("x", owner=OwnerRef(kind, "web", "uid-999999")),
        "other controller": pod("x", owner=OwnerRef("ReplicaSet", "api", "uid-000777")),
    }[case]


@pytest.mark.parametrize("kind", sorted(KINDS))
@pytest.mark.parametrize("case, expected", [
    ("orphan matching", "adopt"),
    ("orphan not matching", "ignored"),
    ("orphan matching terminating", "ignored"),          # 36: a pod being deleted is not adopted
    ("orphan matching succeeded", "ignored"),            # 29.2: inactive pods are filtered before claiming
    ("owned matching", "claimed"),
    ("owned matching terminating", "ignored"),           # 29.2: owned, but not counted
    ("owned not matching", "release"),
    ("owned not matching failed", "ignored"),            # 29.2 before 29.3: never released
    ("same name other uid", "ignored"),                  # 36: controllerRef with another UID
    ("other controller", "ignored"),                     # 36: owned by someone else even if it matches
])
def test_claim_pods_table_semantics_36(kind, case, expected):
    cluster = Cluster.from_objects([KINDS[kind](replicas=1)])
    cluster = cluster.create(_claim_case(cluster, kind, case))
    ctl = cluster.controllers[f"{kind}/web"]
    claimed, adopt, release = claim_pods(cluster, ctl)
    got = {"claimed": claimed, "adopt": adopt, "release": release}
    for name, pods in got.items():
        assert [p.name for p in pods] == (["x"] if name == expected else []), (case, name)
    events = reconcile(cluster)
    if expected == "adopt":
        assert events == (ReplicaSetAdoptPod(ctl.key, "x"),)
    elif expected == "release":
        assert events == (ReplicaSetReleasePod(ctl.key, "x"),)
    elif expected == "claimed":
        assert events == ()


def test_adopt_and_release_write_the_controller_ref_semantics_36():
    cluster = Cluster.from_objects([make_rc(replicas=1), pod("x")])
    ctl = cluster.controllers["ReplicationController/web"]
    cluster = step(cluster, ReplicaSetAdoptPod(ctl.key, "x"))
    assert cluster.pods["x"].owner == OwnerRef("ReplicationController", "web", ctl.uid)
    assert not ReplicaSetAdoptPod(ctl.key, "x").guard(cluster)
    assert not ReplicaSetReleasePod(ctl.key, "x").guard(cluster)  # still matches
    cluster = cluster.put_pod(attrs.evolve(cluster.pods["x"], labels={"app": "other"}))
    cluster = step(cluster, ReplicaSetReleasePod(ctl.key, "x"))
    assert cluster.pods["x"].owner is None and "x" in cluster.orphans  # released pods keep running
    assert not cluster.index_mismatches()


def test_overlapping_selectors_race_and_the_first_adopter_wins_semantics_36():
    """Two controllers whose selectors both match an orphan each propose to adopt it; once one write lands the
    other's guard fails, so label overlap never makes two controllers share a pod."""
    cluster = Cluster.from_objects([make_rs(replicas=1, name="a"), make_rc(replicas=1, name="b"), pod("x")])
    events = reconcile(cluster)
    assert events == (ReplicaSetAdoptPod("ReplicaSet/a", "x"), ReplicaSetAdoptPod("ReplicationController/b", "x"))
    for winner, loser in (events, events[::-1]):
        after = step(cluster, winner)
        assert not loser.guard(after)
        with pytest.raises(EventNotEnabled):
            step(after, loser)
        assert after.pods["x"].owner.key == winner.controller


# ---------------------------------------------------------------------------------------------------------------
# Creates and deletes: SEMANTICS 29, 30, 33, 37


@pytest.mark.parametrize("kind", sorted(KINDS))
def test_create_pods_stamps_the_template_with_owner_and_creation_order_semantics_28_and_29(kind):
    cluster = Cluster.from_objects([KINDS[kind](replicas=2)])
    ctl = cluster.controllers[f"{kind}/web"]
    assert reconcile(cluster) == (ReplicaSetCreatePods(ctl.key, 2),)
    after = step(cluster, ReplicaSetCreatePods(ctl.key, 2))
    pods = owned(after, ctl.key)
    assert [p.name for p in pods] == ["web-000002", "web-000003"]
    assert [p.uid for p in pods] == ["uid-000002", "uid-000003"]
    assert pods[0].creation_index < pods[1].creation_index
    for p in pods:
        assert p.owner == OwnerRef(kind, "web", ctl.uid)
        assert dict(p.labels) == WEB and p.containers == TEMPLATE.containers and p.node_name is None
    assert not after.index_mismatches()


def test_create_pods_skips_a_generated_name_that_is_taken():
    """generateName collisions: the API server answers AlreadyExists and another suffix is used."""
    cluster = Cluster.from_objects([make_rc(replicas=1), pod("web-000003", labels={"app": "db"})])
    after = step(cluster, ReplicaSetCreatePods("ReplicationController/web", 1))
    assert [p.name for p in owned(after, "ReplicationController/web")] == ["web-000004"]


def test_generated_names_truncate_long_controller_names():
    name = "a" * 70
    cluster = Cluster.from_objects([make_rc(replicas=1, name=name)])
    after = step(cluster, ReplicaSetCreatePods(f"ReplicationController/{name}", 1))
    (created,) = owned(after, f"ReplicationController/{name}")
    assert created.name == "a" * 58 + "000002"


@pytest.mark.parametrize("event, enabled", [
    (ReplicaSetCreatePods("ReplicationController/web", 2), True),
    (ReplicaSetCreatePods("ReplicationController/web", 1), True),
    (ReplicaSetCreatePods("ReplicationController/web", 3), False),   # more than the shortfall
    (ReplicaSetCreatePods("ReplicationController/web", 0), False),
    (ReplicaSetCreatePods("ReplicationController/nope", 1), False),
])
def test_create_guard_semantics_29_4(event, enabled):
    cluster = Cluster.from_objects([make_rc(replicas=3)])
    cluster = step(cluster, ReplicaSetCreatePods("ReplicationController/web", 1))
    assert event.guard(cluster) is enabled


def test_create_guard_caps_at_burst_replicas_semantics_30():
    cluster = Cluster.from_objects([make_rc(replicas=1200)])
    assert ReplicaSetCreatePods("ReplicationController/web", 500).guard(cluster)
    assert not ReplicaSetCreatePods("ReplicationController/web", 501).guard(cluster)


def test_scale_up_1200_goes_in_bursts_of_500_semantics_30():
    cluster = Cluster.from_objects([make_rs(replicas=1200)])
    counts = []
    for _ in range(4):
        events = reconcile(cluster)
        if not events:
            break
        (event,) = events
        counts.append(event.count)
        cluster = step(cluster, event)
    assert counts == [500, 500, 200]
    assert claimed_active_count(cluster, cluster.controllers["ReplicaSet/web"]) == 1200


def _scaled(cluster: Cluster, key: str, replicas: int) -> Cluster:
    return cluster.put_controller(attrs.evolve(cluster.controllers[key], replicas=replicas))


@pytest.mark.parametrize("pods, enabled", [
    ((0,), True),
    ((0, 1), True),
    ((0, 1, 2), False),   # more than the surplus of 2
    ((0, 0), False),      # duplicates
    ((), False),
    (("stranger",), False),  # not claimed
    (("nope",), False),
])
def test_delete_guard_semantics_29_4_and_33(pods, enabled):
    cluster, _ = converge(Cluster.from_objects([make_rc(replicas=3), pod("stranger", labels={"app": "db"})]))
    cluster = _scaled(cluster, "ReplicationController/web", 1)
    mine = [p.name for p in owned(cluster, "ReplicationController/web")]
    names = tuple(mine[x] if isinstance(x, int) else x for x in pods)
    assert ReplicaSetDeletePods("ReplicationController/web", names).guard(cluster) is enabled


@pytest.mark.parametrize("kind", sorted(KINDS))
def test_terminating_pods_are_replaced_immediately_semantics_29_2_and_37(kind):
    cluster, _ = converge(Cluster.from_objects([KINDS[kind](replicas=2)]))
    key = f"{kind}/web"
    victim = owned(cluster, key)[0]
    cluster = cluster.put_pod(attrs.evolve(victim, deletion_timestamp=cluster.clock))
    assert reconcile(cluster) == (ReplicaSetCreatePods(key, 1),)
    cluster, _ = converge(cluster)
    assert len(owned(cluster, key)) == 3 and claimed_active_count(cluster, cluster.controllers[key]) == 2


@pytest.mark.parametrize("phase", [SUCCEEDED, FAILED])
def test_terminal_pods_are_not_counted_semantics_29_2(phase):
    cluster, _ = converge(Cluster.from_objects([make_rc(replicas=1)]))
    (only,) = owned(cluster, "ReplicationController/web")
    cluster = cluster.put_pod(attrs.evolve(only, phase=phase))
    assert reconcile(cluster) == (ReplicaSetCreatePods("ReplicationController/web", 1),)


@pytest.mark.parametrize("kind", sorted(KINDS))
def test_scale_down_to_zero_deletes_every_pod_semantics_33(kind):
    cluster, _ = converge(Cluster.from_objects([KINDS[kind](replicas=3)]))
    key = f"{kind}/web"
    cluster = _scaled(cluster, key, 0)
    (event,) = reconcile(cluster)
    assert isinstance(event, ReplicaSetDeletePods) and len(event.pods) == 3
    cluster, syncs = converge(cluster)
    assert syncs == 1 and owned(cluster, key) == []  # unbound pods: no kubelet holds them, removed at once
    assert reconcile(cluster) == ()


@pytest.mark.parametrize("kind", sorted(KINDS))
def test_convergence_0_to_3_then_3_to_1_keeps_the_oldest_by_log_buckets_semantics_29_and_34(kind):
    """Three unscheduled identical pods: rule 34 comes down to step 8. The counter ages are 2, 1 and 0 (buckets
    1, 0, -1), so the newest two go and the oldest stays."""
    cluster = Cluster.from_objects([KINDS[kind](replicas=0)])
    key = f"{kind}/web"
    cluster = _scaled(cluster, key, 3)
    cluster, syncs = converge(cluster)
    assert syncs == 1 and [p.name for p in owned(cluster, key)] == ["web-000002", "web-000003", "web-000004"]
    cluster = _scaled(cluster, key, 1)
    (event,) = reconcile(cluster)
    assert event == ReplicaSetDeletePods(key, ("web-000004", "web-000003"))
    cluster, _ = converge(cluster)
    assert [p.name for p in owned(cluster, key)] == ["web-000002"]


def test_convergence_3_to_1_keeps_the_scheduled_ready_pod_semantics_33_34_35():
    """Textbook "delete the newest" is only step 8 (SEMANTICS 35): the newest pod here is the one kept,
    because the others are unscheduled (step 1) or not ready (step 3)."""
    cluster, _ = converge(Cluster.from_objects([Node("n1"), make_rc(replicas=3)]))
    key = "ReplicationController/web"
    oldest, middle, newest = owned(cluster, key)
    cluster = cluster.put_pod(attrs.evolve(middle, node_name="n1", phase=POD_RUNNING))
    cluster = cluster.put_pod(attrs.evolve(newest, node_name="n1", phase=POD_RUNNING, ready=True, ready_since=0))
    cluster = _scaled(cluster, key, 1)
    (event,) = reconcile(cluster)
    assert event == ReplicaSetDeletePods(key, (oldest.name, middle.name))
    assert [p.name for p in rank_pods_for_deletion(owned(cluster, key), now=cluster.clock,
                                                   now_index=cluster.next_uid)] == [oldest.name, middle.name,
                                                                                     newest.name]


def test_scale_down_of_a_bound_pod_leaves_it_terminating_semantics_54():
    """A bound pod goes through the API delete (kubelet termination); it stops counting at once."""
    cluster, _ = converge(Cluster.from_objects([Node("n1"), make_rc(replicas=1)]))
    (only,) = owned(cluster, "ReplicationController/web")
    cluster = cluster.put_pod(attrs.evolve(only, node_name="n1", phase=POD_RUNNING))
    cluster = _scaled(cluster, "ReplicationController/web", 0)
    cluster, _ = converge(cluster)
    assert cluster.pods[only.name].terminating
    assert claimed_active_count(cluster, cluster.controllers["ReplicationController/web"]) == 0


def test_reconcile_orders_controllers_by_key_and_adopts_before_scaling_semantics_29_3():
    cluster = Cluster.from_objects([make_rs(replicas=2, name="b"), make_rc(replicas=1, name="a"),
                                    pod("x", labels=WEB)])
    events = reconcile(cluster)
    # "ReplicaSet/b" < "ReplicationController/a": the RS adopts x first and creates nothing in this sync
    assert events == (ReplicaSetAdoptPod("ReplicaSet/b", "x"), ReplicaSetAdoptPod("ReplicationController/a", "x"))
    cluster = step(cluster, events[0])
    assert reconcile(cluster) == (ReplicaSetCreatePods("ReplicaSet/b", 1),
                                  ReplicaSetCreatePods("ReplicationController/a", 1))


def test_replication_is_registered_as_a_controller_event_source():
    from kmodel import parts
    from kmodel.events import CONTROLLER, sources

    assert ("replication", CONTROLLER, rc._proposals) in sources()
    assert parts.controller("replication").reconcile is rc.reconcile


# ---------------------------------------------------------------------------------------------------------------
# Convergence from arbitrary pod sets: SEMANTICS 29, 36

_POD_KINDS = ["orphan", "orphan-other-labels", "owned", "owned-relabelled", "owned-terminating", "foreign"]


@given(st.sampled_from(sorted(KINDS)), st.integers(0, 6), st.lists(st.sampled_from(_POD_KINDS), max_size=8))
def test_reconcile_converges_to_exactly_replicas_claimed_active_pods_semantics_29_and_36(kind, replicas, kinds):
    cluster = Cluster.from_objects([KINDS[kind](replicas=replicas)])
    key = f"{kind}/web"
    mine = OwnerRef(kind, "web", cluster.controllers[key].uid)
    specs = {
        "orphan": dict(), "orphan-other-labels": dict(labels={"app": "db"}), "owned": dict(owner=mine),
        "owned-relabelled": dict(owner=mine, labels={"app": "db"}),
        "owned-terminating": dict(owner=mine, deletion_timestamp=0),
        "foreign": dict(owner=OwnerRef("ReplicaSet", "other", "uid-424242")),
    }
    for i, k in enumerate(kinds):
        cluster = cluster.create(pod(f"p{i}", **specs[k]))
    cluster, _ = converge(cluster)
    ctl = cluster.controllers[key]
    claimed, adopt, release = claim_pods(cluster, ctl)
    assert len(claimed) == replicas and adopt == () and release == ()
    foreign = [p for p in cluster.pods.values() if p.owner and p.owner.key == "ReplicaSet/other"]
    assert len(foreign) == kinds.count("foreign")  # never touched
    assert not cluster.index_mismatches()


# --------------------------------------------------------------------------------------------------------------
# The claim index and the replication queue (DESIGN principle 1)


@given(st.data())
def test_claim_index_agrees_with_claim_pods_on_random_runs_semantics_29_36(data):
    """Along random runs of the whole model from the seed scenario (relabels orphan and adopt pods, scaling,
    deletes, node crashes), each controller's sync from the claim index equals the sync from `claim_pods` (the
    scan, reached with an equal controller value the cluster does not hold), its claimed count equals the
    scan's, and the replication queue holds exactly the controllers whose sync writes something."""
    from kmodel.events import enabled
    from kmodel.scenarios import seed

    c = seed()
    for _ in range(data.draw(st.integers(0, 40))):
        due = set()
        for key, ctl in c.controllers.items():
            twin = attrs.evolve(ctl)  # equal, but not the object the cluster holds: the scan path
            assert twin == ctl and twin is not ctl
            assert sync_controller(c, ctl) == sync_controller(c, twin)
            assert claimed_active_count(c, ctl) == claimed_active_count(c, twin) == len(claim_pods(c, twin).claimed)
            if sync_controller(c, twin):
                due.add(key)
        assert set(c.replication_queue) == due
        syncs = [e for key in sorted(due) for e in sync_controller(c, c.controllers[key])]
        # a round applies the creations last (`reconcile`, tests/regression/test_scale_down_order.py)
        assert reconcile(c) == tuple([e for e in syncs if not isinstance(e, ReplicaSetCreatePods)]
                                     + [e for e in syncs if isinstance(e, ReplicaSetCreatePods)])
        options = list(enabled(c))
        if not options:  # everything torn down (kmodel.user.teardown_requests)
            break
        c = step(c, data.draw(st.sampled_from(options)))


@pytest.mark.parametrize("pod_spec, state", [
    (dict(), replication_decisions.TO_ADOPT),  # an active orphan that matches (SEMANTICS 36)
    (dict(labels={"app": "db"}), replication_decisions.UNRELATED),  # an orphan that does not match
    (dict(owner="mine"), replication_decisions.CLAIMED),
    (dict(owner="mine", labels={"app": "db"}), replication_decisions.TO_RELEASE),  # owned, no longer matching (SEMANTICS 36)
    (dict(owner="mine", deletion_timestamp=0), replication_decisions.UNRELATED),  # terminating: not active (SEMANTICS 29.2)
    (dict(owner="mine", phase="Succeeded"), replication_decisions.UNRELATED),  # terminal: not active (SEMANTICS 29.2)
    (dict(owner="old-uid"), replication_decisions.UNRELATED),  # an earlier controller of the same name (SEMANTICS 36)
])
def test_claim_state_is_claim_pods_case_semantics_29_36(pod_spec, state):
    cluster = Cluster.from_objects([KINDS["ReplicaSet"](replicas=1)])
    ctl = cluster.controllers["ReplicaSet/web"]
    owner = {"mine": OwnerRef("ReplicaSet", "web", ctl.uid), "old-uid": OwnerRef("ReplicaSet", "web", "uid-old")}
    spec = dict(pod_spec)
    if "owner" in spec:
        spec["owner"] = owner[spec["owner"]]
    p = pod("x", **spec)
    assert replication_decisions.claim_state(ctl, p) == state
