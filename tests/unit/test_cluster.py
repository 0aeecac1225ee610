"""The cluster state: named constructors, API validation on create, persistence, and exact indexes."""

from __future__ import annotations

import attrs
import immutables
import pytest
from hypothesis import given
from hypothesis import strategies as st

from kmodel.cluster import Cluster, Config
from kmodel.errors import InvalidObject
from kmodel.labels import parse_selector
from kmodel.objects import (
    Container,
    Node,
    OwnerRef,
    Pod,
    PodTemplate,
    ReplicaSet,
    ReplicationController,
    Resources,
    Service,
    ServicePort,
)
from kmodel import scenarios

APP = Container(name="app", requests=Resources(cpu=100, memory=1000))


def test_empty_cluster_has_nothing():
    c = Cluster.empty()
    assert (len(c.nodes), len(c.pods), c.clock) == (0, 0, 0)
    assert c.config == Config()


def test_from_objects_assigns_uids_in_creation_order():
    c = Cluster.from_objects([Pod("a", containers=(APP,)), Pod("b", containers=(APP,))])
    assert c.pods["a"].uid < c.pods["b"].uid
    assert c.pods["a"].creation_index < c.pods["b"].creation_index


def test_create_rejects_duplicates_with_object_and_field():
    c = Cluster.from_objects([Node("n1")])
    with pytest.raises(InvalidObject, match=r"Node/n1: metadata.name: already exists"):
        c.create(Node("n1"))


@pytest.mark.parametrize("obj, field", [
    (ReplicaSet("rs", 1, parse_selector("app=x"), PodTemplate(labels={"app": "y"}, containers=(APP,))),
     "spec.template.metadata.labels"),  # SEMANTICS 25: selector must match the template
    (ReplicaSet("rs", 1, parse_selector(""), PodTemplate(labels={"app": "y"}, containers=(APP,))),
     "spec.selector"),  # SEMANTICS 25: empty selector invalid
    (ReplicationController("rc", -1, {"app": "x"}, PodTemplate(labels={"app": "x"}, containers=(APP,))),
     "spec.replicas"),
    (ReplicationController("rc", 1, {"app": "x"}, PodTemplate(labels={"app": "y"}, containers=(APP,))),
     "spec.template.metadata.labels"),  # SEMANTICS 24
    (Pod("p", containers=()), "spec.containers"),
    (Pod("Bad_Name", containers=(APP,)), "metadata.name"),
    (Service("1web", selector={"app": "x"}, ports=(ServicePort(80),)), "metadata.name"),  # DNS-1035 label
    (Pod("p", labels={"Example.com/x": "1"}, containers=(APP,)), "metadata.labels"),
    (Service("s", selector={"app": "x"}, ports=(ServicePort(80, target_port="Not_A_Port"),)), "spec.ports[0].targetPort"),
])
def test_invalid_objects_name_object_and_field(obj, field):
    with pytest.raises(InvalidObject) as err:
        Cluster.empty().create(obj)
    assert err.value.field.startswith(field)
    assert str(err.value).startswith(err.value.obj)


def test_rc_selector_defaults_from_template():
    """SEMANTICS 24, 8.1: an empty RC selector is defaulted from the template labels."""
    rc = ReplicationController.defaulted("web", None, None, PodTemplate(labels={"app": "web"}, containers=(APP,)))
    assert dict(rc.selector) == {"app": "web"} and rc.replicas == 1 and dict(rc.labels) == {"app": "web"}


def test_writes_are_persistent():
    c1 = Cluster.from_objects([Node("n1"), Pod("p", containers=(APP,))])
    c2 = c1.put_pod(attrs.evolve(c1.pods["p"], node_name="n1"))
    assert c1.pods["p"].node_name is None and c2.pods["p"].node_name == "n1"
    assert c1.usage("n1").pods == 0 and c2.usage("n1").pods == 1
    assert c1 != c2 and hash(c1) != hash(c2)


def test_equality_ignores_how_indexes_were_built():
    c = scenarios.seed()
    assert c == c.rebuilt() and hash(c) == hash(c.rebuilt())


def test_seed_indexes_are_exact():
    assert scenarios.seed().index_mismatches() == []


OWNER = OwnerRef("ReplicaSet", "rs", "uid-x")


@st.composite
def pod_writes(draw):
    name = draw(st.sampled_from(["a", "b", "c"]))
    if draw(st.integers(0, 4)) == 0:
        return ("remove", name)
    return ("put", Pod(
        name, uid=f"u-{name}", labels=draw(st.sampled_from([{}, {"app": "web"}, {"app": "db"}])),
        owner=draw(st.sampled_from([None, OWNER])), node_name=draw(st.sampled_from([None, "n1", "n2"])),
        containers=(APP,), phase=draw(st.sampled_from(["Pending", "Running", "Succeeded"])),
        deletion_timestamp=draw(st.sampled_from([None, 5]))))


@given(st.lists(pod_writes(), max_size=25))
def test_indexes_stay_exact_under_any_writes(writes):
    """Every index equals its recomputation after any sequence of pod writes (DESIGN principle 1)."""
    c = Cluster.from_objects([Node("n1"), Node("n2"), Service("web", selector={"app": "web"}, ports=(ServicePort(80),))])
    for kind, arg in writes:
        if kind == "remove":
            if arg in c.pods:
                c = c.remove_pod(arg)
        else:
            c = c.put_pod(arg)
        assert c.index_mismatches() == []


# ---- work queues (DESIGN principle 1): controllers read their work from the state --------------------------------

from kmodel.objects import (  # noqa: E402
    ContainerPort,
    ContainerStatus,
    EndpointAddress,
    EndpointPort,
    Endpoints,
    Hook,
    Probe,
    ProbeState,
)

WEB = Container(name="web", ports=(ContainerPort(8080, name="http"),), readiness_probe=Probe(port="http"),
                post_start=Hook(), pre_stop=Hook())
STATUSES = [
    ContainerStatus(),  # waiting for its first start
    ContainerStatus(state="running", started_at=0, started=True, post_start_pending=True),
    ContainerStatus(state="running", started_at=0, started=True, ready=True, readiness=ProbeState(True, 1, 0)),
    ContainerStatus(state="running", started_at=0, started=True, stopping=True, pre_stop_pending=True,
                    stop_deadline=30, kill_reason="Killing"),
    ContainerStatus(state="waiting", exit_code=1, will_restart=True, backoff_until=20, backoff_seconds=10,
                    reason="CrashLoopBackOff"),
    ContainerStatus(state="terminated", exit_code=0),
]
RC = ReplicationController("web", 2, {"app": "web"}, PodTemplate(labels={"app": "web"}, containers=(WEB,)))


@st.composite
def cluster_writes(draw):
    """One write of any kind the model makes: pods in every lifecycle state, nodes going down and away, Services
    with and without a selector, controllers created, scaled, recreated and deleted, Endpoints in and out of
    canonical form, and time."""
    kind = draw(st.sampled_from(["pod", "pod", "pod", "remove-pod", "node", "remove-node", "service", "controller",
                                 "remove-controller", "endpoints", "remove-endpoints", "tick"]))
    if kind == "pod":
        name = draw(st.sampled_from(["a", "b", "c", "d"]))
        status = draw(st.sampled_from(STATUSES))
        running = status.state == "running"
        return kind, Pod(
            name, uid=f"u-{name}", labels=draw(st.sampled_from([{}, {"app": "web"}, {"app": "db"}])),
            owner=draw(st.sampled_from([None, OwnerRef("ReplicationController", "web", "uid-1"),
                                        OwnerRef("ReplicationController", "web", "uid-old")])),
            node_name=draw(st.sampled_from([None, "n1", "n2", "gone"])),
            containers=(attrs.evolve(WEB, status=status),),
            phase=draw(st.sampled_from(["Pending", "Running", "Succeeded", "Failed"])),
            ready=draw(st.booleans()), ready_since=draw(st.sampled_from([None, 0])),
            pod_ip=f"10.0.0.{ord(name)}" if running else None, deletion_timestamp=draw(st.sampled_from([None, 5])),
            creation_index=ord(name))
    if kind == "remove-pod":
        return kind, draw(st.sampled_from(["a", "b", "c", "d"]))
    if kind == "node":
        return kind, Node(draw(st.sampled_from(["n1", "n2"])), ready=draw(st.booleans()))
    if kind == "remove-node":
        return kind, draw(st.sampled_from(["n1", "n2"]))
    if kind == "service":
        return kind, Service("web", selector=draw(st.sampled_from([None, {"app": "web"}, {"app": "db"}])),
                             ports=(ServicePort(80, target_port="http"),))
    if kind == "controller":
        return kind, attrs.evolve(RC, replicas=draw(st.integers(0, 3)), uid=draw(st.sampled_from(["uid-1", "uid-2"])),
                                  selector=draw(st.sampled_from([{"app": "web"}, {"app": "db"}])),
                                  template=PodTemplate(labels=draw(st.sampled_from([{"app": "web"}, {"app": "db"}])),
                                                       containers=(WEB,)))
    if kind == "remove-controller":
        return kind, RC.key
    if kind == "endpoints":
        addresses = [EndpointAddress(p, f"10.0.0.{ord(p)}", "n1", (EndpointPort(None, 8080, "TCP"),))
                     for p in draw(st.lists(st.sampled_from(["a", "b", "c", "d"]), max_size=3))]
        return kind, Endpoints("web", addresses=tuple(addresses))
    if kind == "remove-endpoints":
        return kind, "web"
    return kind, draw(st.sampled_from([1, 5, 10, 30]))


def apply_write(c: Cluster, kind: str, arg) -> Cluster:
    if kind == "pod":
        return c.put_pod(arg)
    if kind == "remove-pod":
        return c.remove_pod(arg) if arg in c.pods else c
    if kind == "node":
        return c.put_node(arg)
    if kind == "remove-node":
        return c.remove_node(arg) if arg in c.nodes else c
    if kind == "service":
        return c.put_service(arg)
    if kind == "controller":
        return c.put_controller(arg)
    if kind == "remove-controller":
        return c.remove_controller(arg) if arg in c.controllers else c
    if kind == "endpoints":
        return c.put_endpoints(arg)
    if kind == "remove-endpoints":
        return c.remove_endpoints(arg) if arg in c.services or arg in c.endpoints else c
    return c.tick(arg)


@given(st.lists(cluster_writes(), max_size=30))
def test_work_queues_stay_exact_under_any_writes(writes):
    """Every index and work queue equals its recomputation after any sequence of writes of every kind (DESIGN
    principle 1): the queues the controllers read are functions of the objects and the clock."""
    c = Cluster.from_objects([Node("n1"), Node("n2")])
    for kind, arg in writes:
        c = apply_write(c, kind, arg)
        assert c.index_mismatches() == [], (kind, arg)
    assert c.rebuilt().index_mismatches() == []


def test_index_mismatches_names_a_corrupted_queue():
    """The structure rule sees a queue that lost an entry: the oracle is a recomputation, not the same updates."""
    c = scenarios.seed()
    assert set(c.kubelet_queue) == {"fluentd-node-1", "fluentd-node-2", "fluentd-node-3"}  # bound, not started
    broken = attrs.evolve(c, replication_queue=immutables.Map())
    assert broken.index_mismatches() == ["replication_queue"]
    assert attrs.evolve(c, timer_times=(99,)).index_mismatches() == ["timer_times"]


def test_queues_of_the_seed_follow_its_story():
    """SEED 1 to 10 through settle: the controllers' queues hold the work they have, and are empty at quiescence
    (SEMANTICS 29, 47, 39)."""
    from kmodel.settle import settle

    c = scenarios.seed()
    assert set(c.replication_queue) == {"ReplicationController/web", "ReplicaSet/cache"}
    assert set(c.endpoints_queue) == {"web"}  # a managed Service with no Endpoints yet
    settled = settle(c).cluster
    for name in ("replication_queue", "endpoints_queue", "kubelet_queue", "environment_queue", "dangling_pods",
                 "terminal_pods", "not_ready_nodes", "lost_nodes", "endpoint_mismatches"):
        assert len(getattr(settled, name)) == 0, name
    assert settled.claimed_counts == immutables.Map({"ReplicationController/web": 3, "ReplicaSet/cache": 1})


def test_timers_hold_only_deadlines_later_than_the_clock():
    """A back-off deadline is a timer until the clock reaches it (SEMANTICS 51); `tick` drops the past ones."""
    pod = Pod("p", uid="u", node_name="n1", containers=(attrs.evolve(WEB, status=STATUSES[4]),))
    c = Cluster.from_objects([Node("n1")]).put_pod(pod)
    assert c.timer_times == (20,) and set(c.timers[20]) == {"p"}
    assert c.tick(19).timer_times == (20,)
    later = c.tick(20)
    assert later.timer_times == () and later.timers == immutables.Map() and later.index_mismatches() == []


def test_probe_on_an_undeclared_named_port_is_accepted():
    """What the API server accepts, the model accepts: a probe on a port name no container declares is valid and
    simply fails at run time, as the kubelet's prober does (SEMANTICS 43)."""
    from kmodel.objects import Probe

    c = Container(name="app", readiness_probe=Probe(port="not-declared"))
    cluster = Cluster.empty().create(Pod("p", containers=(c,)))
    assert cluster.pods["p"].containers[0].readiness_probe.port == "not-declared"


def test_an_invalid_probe_port_name_is_rejected_with_its_field():
    from kmodel.objects import Probe

    c = Container(name="app", readiness_probe=Probe(port="Not_Valid"))
    with pytest.raises(InvalidObject) as err:
        Cluster.empty().create(Pod("p", containers=(c,)))
    assert err.value.field == "spec.containers[0].readinessProbe.port"


def test_equal_pods_written_in_different_states_are_one_object():
    """`put_pod` stores one shared object per pod value (hash-consing): equal writes in two states give the very
    same pod, a different value another one, and the stored pod always equals the pod written."""
    c = scenarios.seed()
    name = next(iter(c.pods))
    copy_a = attrs.evolve(c.pods[name], deletion_cost=7)
    copy_b = attrs.evolve(c.pods[name], deletion_cost=7)
    assert copy_a is not copy_b
    a, b = c.put_pod(copy_a), c.tick(1).put_pod(copy_b)
    assert a.pods[name] is b.pods[name] and a.pods[name] == copy_b
    other = c.put_pod(attrs.evolve(c.pods[name], deletion_cost=8))
    assert other.pods[name] is not a.pods[name] and other.pods[name].deletion_cost == 8
    assert a.index_mismatches() == [] and other.index_mismatches() == []


def test_an_index_verified_once_is_still_compared_with_each_recomputation():
    """An index object found equal to one state's recomputation is not taken as exact in another state whose
    recomputation differs: the same (now stale) index object is reported there."""
    c = scenarios.seed()
    assert c.index_mismatches() == []
    name = next(n for n, p in c.pods.items() if p.node_name is not None)
    stale = attrs.evolve(c, pods=c.pods.delete(name))  # the objects change, the indexes are the same objects
    assert stale.pods_by_node is c.pods_by_node
    found = stale.index_mismatches()
    assert "pods_by_node" in found and "node_usage" in found
    assert c.index_mismatches() == []


# ---- the structure rule's oracle: every index, corrupted alone, is reported; patched decisions are re-evaluated ----

from kmodel import cluster as cluster_module  # noqa: E402
from kmodel import facts as facts_module  # noqa: E402
from kmodel import recompute as recompute_module  # noqa: E402
from kmodel import labels as labels_module  # noqa: E402
from kmodel.cluster import DERIVED_INDEXES, NodeUsage  # noqa: E402
from kmodel.decisions import endpoints as endpoint_decisions
from kmodel.decisions import kubelet as kubelet_decisions
from kmodel.decisions import replication as replication_decisions


def rich_cluster() -> Cluster:
    """A cluster in which every derived index and the scheduler index hold something: a ready endpoint, a queued
    orphan to adopt, a dangling pod on a lost node waiting for a back-off, a released pod running its postStart
    hook, a terminal pod on a not-ready node, an unmanaged Service, and stored Endpoints that list the ready pod
    and, out of date, the terminal one."""
    c = Cluster.from_objects([Node("n1"), Node("n2", ready=False)])
    c = c.put_service(Service("web", selector={"app": "web"}, ports=(ServicePort(80, target_port="http"),)))
    c = c.put_service(Service("ext", selector=None, ports=(ServicePort(80),)))
    c = c.put_controller(attrs.evolve(RC, uid="uid-1"))
    mine, gone = OwnerRef("ReplicationController", "web", "uid-1"), OwnerRef("ReplicationController", "web", "uid-old")

    def pod(name: str, status: ContainerStatus, **kw) -> Pod:
        return Pod(name, uid=f"u-{name}", containers=(attrs.evolve(WEB, status=status),), creation_index=ord(name),
                   **kw)

    c = c.put_pod(pod("a", STATUSES[2], labels={"app": "web"}, owner=mine, node_name="n1", phase="Running",
                      ready=True, ready_since=0, pod_ip="10.0.0.1"))
    c = c.put_pod(pod("b", STATUSES[0], labels={"app": "web"}))
    c = c.put_pod(pod("c", STATUSES[4], labels={"app": "web"}, owner=gone, node_name="gone", phase="Running"))
    c = c.put_pod(pod("d", STATUSES[1], labels={"app": "db"}, owner=mine, node_name="n1", phase="Running",
                      pod_ip="10.0.0.4"))
    c = c.put_pod(pod("e", STATUSES[5], labels={"app": "web"}, node_name="n2", phase="Succeeded"))
    ready, address = endpoint_decisions.endpoint_entry(c.pods["a"], c.services["web"])
    assert ready
    return c.put_endpoints(Endpoints("web", addresses=(
        address, EndpointAddress("e", "10.0.0.5", "n2", (EndpointPort(None, 8080, "TCP"),)))))


def corrupted(value, how: str):
    """`value` (an index) changed in one place: `drop` an entry, `add` one, or `alter` one keeping the keys (a set's
    member renamed, a count or a usage off by one, a flag flipped)."""
    if isinstance(value, tuple) and not isinstance(value, NodeUsage):  # timer_times
        return {"drop": value[:-1], "add": value + (value[-1] + 1,), "alter": value[:-1] + (value[-1] + 1,)}[how]
    key = next(iter(value))
    inner = value[key]
    if how == "drop":
        return value.delete(key)
    if how == "add":
        return value.set("zz-bogus", inner)
    if inner is True:
        return value.delete(key).set("zz-bogus", True)
    if isinstance(inner, immutables.Map):
        return value.set(key, corrupted(inner, "alter"))
    if isinstance(inner, NodeUsage):
        return value.set(key, attrs.evolve(inner, pods=inner.pods + 1))
    if isinstance(inner, int):
        return value.set(key, inner + 1)
    if isinstance(inner[0], str):  # pod_services
        return value.set(key, inner + ("zz-bogus",))
    return value.set(key, (not inner[0], inner[1]))  # stored_endpoints: (canonical, entries)


def test_rich_cluster_fills_every_index():
    c = rich_cluster()
    assert c.index_mismatches() == []
    assert all(len(getattr(c, name)) for name in DERIVED_INDEXES)
    assert len(c.scheduler_index.groups) == 1


@pytest.mark.parametrize("how", ["drop", "add", "alter"])
@pytest.mark.parametrize("name", DERIVED_INDEXES)
def test_index_mismatches_reports_any_single_corrupted_index(name, how):
    """Whatever was remembered from checking the exact state first (indexes verified, decisions, entries), an index
    changed in any one place is reported, and only that one."""
    c = rich_cluster()
    assert c.index_mismatches() == []
    broken = attrs.evolve(c, **{name: corrupted(getattr(c, name), how)})
    assert broken.index_mismatches() == [name]
    assert c.index_mismatches() == []


@pytest.mark.parametrize("how", ["drop", "add", "recount", "stale-leaf"])
def test_index_mismatches_reports_a_corrupted_scheduler_index(how):
    c = rich_cluster()
    assert c.index_mismatches() == []
    index = c.scheduler_index
    (gkey, group), = index.groups.items()
    if how == "drop":
        groups = index.groups.delete(gkey)
    elif how == "add":
        groups = index.groups.set(("owner", "ReplicaSet/other", 0, 0, ()), group)
    elif how == "recount":
        groups = index.groups.set(gkey, group._replace(queued=2))
    else:
        from kmodel.scheduler import index as sched_index

        leaf = sched_index.updater(index.height)(group.tree, index.positions["n1"], sched_index.INF)
        groups = index.groups.set(gkey, group._replace(tree=leaf))
    broken = attrs.evolve(c, scheduler_index=index._replace(groups=groups))
    assert broken.index_mismatches() == ["scheduler_index"]


def test_a_groupless_scheduler_index_is_checked_when_nothing_is_queued():
    """With no pod queued the rebuilt scheduler index has no groups: one left over is reported, and so is a
    missing index."""
    settled = rich_cluster().remove_pod("b")
    assert not settled.unscheduled and settled.index_mismatches() == []
    leftover = rich_cluster().scheduler_index.groups
    broken = attrs.evolve(settled, scheduler_index=settled.scheduler_index._replace(groups=leftover))
    assert broken.index_mismatches() == ["scheduler_index"]
    assert attrs.evolve(settled, scheduler_index=None).index_mismatches() == ["scheduler_index"]


def _fold(c: Cluster) -> tuple:
    return recompute_module._pod_fold(c.pods, c.clock, c.controllers, facts_module._selections_of(c.services))


def _fresh_fold(c: Cluster) -> tuple:
    facts = [facts_module._pod_facts(p) for p in c.pods.values()]
    return recompute_module._fold_pods(tuple(c.pods.keys()), facts, c.clock, c.controllers,
                                       facts_module._selections_of(c.services))


@pytest.mark.parametrize("change, shared", [
    (lambda c: c.put_pod(attrs.evolve(c.pods["a"], deletion_cost=7)), True),  # not a fact of any index
    (lambda c: c.put_endpoints(Endpoints("web")), True),  # the fold does not read the Endpoints
    (lambda c: c.put_pod(attrs.evolve(c.pods["d"], labels=immutables.Map({"app": "web"}))), False),
    (lambda c: c.put_pod(attrs.evolve(c.pods["a"], deletion_timestamp=5)), False),
    (lambda c: c.put_controller(attrs.evolve(c.controllers["ReplicationController/web"], uid="uid-2")), False),
    (lambda c: c.tick(30), False),  # timers hold only deadlines later than the clock
    (lambda c: c.remove_pod("b"), False),
])
def test_the_pod_fold_is_remembered_by_its_inputs_only(change, shared):
    """`_pod_fold` (the recomputation's pass over the pods' facts) answers a state whose pods differ only in what
    the facts leave out with the very fold of the state it came from, and recomputes it when a fact, the clock, a
    controller or the pod set changes; either way it equals the fold computed afresh."""
    c = rich_cluster()
    before = _fold(c)
    after = change(c)
    assert (_fold(after) is before) is shared
    assert _fold(after) == _fresh_fold(after)
    assert after.index_mismatches() == []


def test_equal_facts_are_one_object():
    """Two pod objects whose facts are equal share one facts object (what `_pod_fold`'s key relies on)."""
    c = rich_cluster()
    a = c.pods["a"]
    cheaper = attrs.evolve(a, deletion_cost=7)
    assert cheaper is not a
    assert facts_module._pod_facts(cheaper) is facts_module._pod_facts(a)
    assert facts_module._pod_facts(attrs.evolve(a, deletion_timestamp=5)) is not facts_module._pod_facts(a)


@pytest.mark.parametrize("module, attr, patched, expected", [
    (kubelet_decisions, "has_work", lambda pod: True, {"kubelet_queue"}),
    (kubelet_decisions, "needs_environment", lambda pod: False, {"environment_queue"}),
    (kubelet_decisions, "pod_deadlines", lambda pod: (), {"timers", "timer_times"}),
    (replication_decisions, "is_active", lambda pod: False, {"claimed_counts", "releasable", "adoptable"}),
    (replication_decisions, "sync_due", lambda ctl, n, a, r: False, {"replication_queue"}),
    (labels_module.Selector, "matches", lambda self, labels: False, {"service_members", "pod_services"}),
    (endpoint_decisions, "endpoint_entry", lambda pod, svc: None, {"endpoint_mismatches"}),
    (endpoint_decisions, "address_is_ready", lambda ready, publish: not ready, {"endpoint_mismatches"}),
])
def test_remembered_decisions_are_evaluated_afresh_when_patched(swap, module, attr, patched, expected):
    """The recomputation remembers decisions per object; a decision swapped with `swap` (as the bug-catching tests
    do) clears every memo, so the indexes a cluster built with the real one holds are no longer its
    recomputation, and the check says so; with the real decision back, the recomputation agrees again."""
    c = rich_cluster()
    assert c.index_mismatches() == []
    swap.setattr(module, attr, patched)
    assert expected <= set(c.index_mismatches())
    swap.undo()
    assert c.index_mismatches() == []


def test_writes_after_a_patch_use_the_patched_decision(swap):
    """The write path reads the same remembered facts: a pod written after a decision is swapped is queued by the
    swapped decision, not by a fact remembered for it under the real one."""
    c = rich_cluster()
    assert "a" not in c.kubelet_queue
    swap.setattr(kubelet_decisions, "has_work", lambda pod: True)
    assert "a" in c.put_pod(attrs.evolve(c.pods["a"], ready=False)).kubelet_queue


def test_endpoint_view_changes_with_container_ports_only():
    """A status write (ports copied by reference) leaves a pod's Endpoints view alone; new ports change it even
    when the containers are otherwise equal (SEMANTICS 43)."""
    from kmodel.objects import ContainerPort

    pod = rich_cluster().pods["a"]
    (container,) = pod.containers
    status_write = attrs.evolve(pod, containers=(attrs.evolve(container, status=STATUSES[1]),))
    assert not cluster_module._endpoint_view_changed(pod, status_write)
    equal_ports = tuple(attrs.evolve(port) for port in container.ports)
    assert equal_ports == container.ports and equal_ports[0] is not container.ports[0]
    same_ports = attrs.evolve(pod, containers=(attrs.evolve(container, ports=equal_ports),))
    assert not cluster_module._endpoint_view_changed(pod, same_ports)
    moved = attrs.evolve(pod, containers=(attrs.evolve(container, ports=(ContainerPort(9090, name="http"),)),))
    assert cluster_module._endpoint_view_changed(pod, moved)
