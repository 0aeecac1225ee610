"""The Endpoints controller (kmodel.controllers.endpoints): SEMANTICS 26, 39, 40, 42, 43, 8.2, 8.4."""

from __future__ import annotations

import attrs
import pytest
from hypothesis import given
from hypothesis import strategies as st

from kmodel.cluster import Cluster
from kmodel.controllers.endpoints import EndpointsSync, UnknownService, desired_endpoints, endpoint_subsets, is_not_ready_address, is_ready_address, is_stale, reconcile
from kmodel.decisions.endpoints import address_is_ready, resolve_target_port, should_be_in_endpoints
from kmodel.errors import EventNotEnabled, KModelError
from kmodel.events import step
from kmodel.objects import (
    FAILED,
    POD_RUNNING,
    SUCCEEDED,
    Container,
    ContainerPort,
    EndpointAddress,
    EndpointPort,
    Endpoints,
    Pod,
    Service,
    ServicePort,
)

WEB = {"app": "web"}


def make_pod(name: str, labels=WEB, ip: str | None = "10.0.0.1", ready: bool = True, phase: str = POD_RUNNING,
             deletion: int | None = None, containers=None, node: str | None = "n1") -> Pod:
    if containers is None:
        containers = (Container("app", ports=(ContainerPort(8080, name="http"),)),)
    return Pod(name=name, labels=labels, node_name=node if ip else None, containers=containers, phase=phase,
               ready=ready, pod_ip=ip, deletion_timestamp=deletion)


def web_service(name: str = "web", selector=WEB, ports=(ServicePort(80, target_port="http"),),
                publish_not_ready: bool = False) -> Service:
    return Service(name=name, selector=selector, ports=ports, publish_not_ready_addresses=publish_not_ready)


def settle_endpoints(cluster: Cluster) -> Cluster:
    """Apply the controller's proposals until it proposes nothing (bounded)."""
    for _ in range(10):
        events = reconcile(cluster)
        if not events:
            return cluster
        for event in events:
            cluster = step(cluster, event)
    raise AssertionError("the endpoints controller did not settle")


def pods_in(addresses) -> list[str]:
    return [a.pod for a in addresses]


# --------------------------------------------------------------------------------------------------------------
# FindPort, SEMANTICS 43 (table after pkg/api/v1/pod/util_test.go TestFindPort)

def ctr(name: str, *ports: tuple[int, str | None, str]) -> Container:
    return Container(name, ports=tuple(ContainerPort(n, name=pn, protocol=proto) for n, pn, proto in ports))


FIND_PORT_CASES = [
    # (case, containers, service port, expected)
    ("unset target port is the service port", (ctr("a"),), ServicePort(80), 80),
    ("integer target port, no container ports", (ctr("a"),), ServicePort(80, target_port=93), 93),
    ("integer target port, undeclared by the containers", (ctr("a", (11, "p", "TCP")),),
     ServicePort(80, target_port=93), 93),
    ("named target port, no container ports", (ctr("a"),), ServicePort(80, target_port="p"), None),
    ("named target port, one container", (ctr("a", (11, "q", "TCP"), (93, "p", "TCP")),),
     ServicePort(80, target_port="p"), 93),
    ("named target port, second container", (ctr("a", (11, "q", "TCP")), ctr("b", (93, "p", "TCP"))),
     ServicePort(80, target_port="p"), 93),
    ("named target port, first container wins", (ctr("a", (93, "p", "TCP")), ctr("b", (94, "p", "TCP"))),
     ServicePort(80, target_port="p"), 93),
    ("named target port, protocol mismatch", (ctr("a", (53, "dns", "UDP")),),
     ServicePort(53, target_port="dns", protocol="TCP"), None),
    ("named target port, protocol selects the later container",
     (ctr("a", (53, "dns", "UDP")), ctr("b", (5353, "dns", "TCP"))),
     ServicePort(53, target_port="dns", protocol="TCP"), 5353),
    ("named target port, UDP service port", (ctr("a", (53, "dns", "UDP")),),
     ServicePort(53, target_port="dns", protocol="UDP"), 53),
    ("named target port, missing name", (ctr("a", (93, "q", "TCP")),), ServicePort(80, target_port="p"), None),
]


@pytest.mark.parametrize("case,containers,service_port,expected", FIND_PORT_CASES, ids=[c[0] for c in FIND_PORT_CASES])
def test_find_port_semantics_43(case, containers, service_port, expected):
    pod = Pod(name="p", containers=containers)
    assert resolve_target_port(pod, service_port) == expected


def test_missing_named_port_skips_the_pod_for_that_service_port_only_semantics_43():
    svc = Service(name="web", selector=WEB, ports=(ServicePort(80, target_port="http", name="http"),
                                                   ServicePort(9000, target_port="metrics", name="metrics")))
    both = make_pod("a", ip="10.0.0.1", containers=(ctr("app", (8080, "http", "TCP"), (9100, "metrics", "TCP")),))
    http_only = make_pod("b", ip="10.0.0.2", containers=(ctr("app", (8081, "http", "TCP")),))
    neither = make_pod("c", ip="10.0.0.3", containers=(ctr("app", (7000, "other", "TCP")),))
    ep = desired_endpoints(Cluster.from_objects([svc, both, http_only, neither]), "web")
    http, metrics = EndpointPort("http", 8080, "TCP"), EndpointPort("metrics", 9100, "TCP")
    assert ep.addresses == (
        EndpointAddress("a", "10.0.0.1", "n1", (http, metrics)),
        EndpointAddress("b", "10.0.0.2", "n1", (EndpointPort("http", 8081, "TCP"),)),
    )
    # one v1 subset per distinct resolved port set (RepackSubsets)
    subsets = endpoint_subsets(ep)
    assert sorted(s.ports for s in subsets) == sorted([(http, metrics), (EndpointPort("http", 8081, "TCP"),)])
    assert all(len(s.addresses) == 1 for s in subsets)


def test_named_target_port_resolves_per_pod_semantics_43():
    svc = web_service()
    a = make_pod("a", ip="10.0.0.1", containers=(ctr("app", (8080, "http", "TCP")),))
    b = make_pod("b", ip="10.0.0.2", containers=(ctr("app", (9090, "http", "TCP")),))
    ep = desired_endpoints(Cluster.from_objects([svc, a, b]), "web")
    assert [(x.pod, x.ports[0].port) for x in ep.addresses] == [("a", 8080), ("b", 9090)]


# --------------------------------------------------------------------------------------------------------------
# Membership, SEMANTICS 39, 40, 8.4

@pytest.mark.parametrize("terminal", [False, True])
@pytest.mark.parametrize("has_ip", [False, True])
@pytest.mark.parametrize("terminating", [False, True])
@pytest.mark.parametrize("include_terminating", [False, True])
def test_should_pod_be_in_endpoints_truth_table_semantics_39(terminal, has_ip, terminating, include_terminating):
    expected = not terminal and has_ip and (include_terminating or not terminating)
    assert should_be_in_endpoints(terminal, has_ip, terminating, include_terminating) is expected


@pytest.mark.parametrize("pod_ready,publish,expected", [
    (True, False, True), (False, False, False), (True, True, True), (False, True, True)])
def test_address_is_ready_semantics_40(pod_ready, publish, expected):
    assert address_is_ready(pod_ready, publish) is expected


MEMBERSHIP_CASES = [
    # (case, pod overrides, publishNotReadyAddresses, expected list: "ready" | "not-ready" | None)
    ("running and ready", {}, False, "ready"),
    ("not ready", {"ready": False}, False, "not-ready"),
    ("not ready, publishNotReadyAddresses", {"ready": False}, True, "ready"),
    ("succeeded is terminal", {"phase": SUCCEEDED, "ready": False}, False, None),
    ("failed is terminal", {"phase": FAILED, "ready": False}, False, None),
    ("terminal even with publishNotReadyAddresses", {"phase": FAILED, "ready": False}, True, None),
    ("no IP (unscheduled)", {"ip": None, "ready": False}, False, None),
    ("no IP, publishNotReadyAddresses", {"ip": None, "ready": False}, True, None),
    ("terminating and ready is dropped", {"deletion": 5}, False, None),
    ("terminating and not ready is dropped, never not-ready (8.4)", {"deletion": 5, "ready": False}, False, None),
    ("terminating with publishNotReadyAddresses is listed ready (8.4)", {"deletion": 5}, True, "ready"),
    ("terminating, not ready, publishNotReadyAddresses is ready (8.4)", {"deletion": 5, "ready": False}, True,
     "ready"),
]


@pytest.mark.parametrize("case,overrides,publish,expected", MEMBERSHIP_CASES, ids=[c[0] for c in MEMBERSHIP_CASES])
def test_endpoint_membership_semantics_39_40_8_4(case, overrides, publish, expected):
    cluster = Cluster.from_objects([web_service(publish_not_ready=publish), make_pod("p", **overrides)])
    ep = desired_endpoints(cluster, "web")
    where = "ready" if "p" in pods_in(ep.addresses) else "not-ready" if "p" in pods_in(ep.not_ready_addresses) \
        else None
    assert where == expected


def test_membership_decisions_run_symbolically_semantics_39_40_8_4():
    """The decision code accepts Z3 terms: no candidate is ever a terminating not-ready address (8.4), and a ready
    address is a Ready pod unless publishNotReadyAddresses (40)."""
    z3 = pytest.importorskip("z3")
    terminal, ip, terminating, ready, publish = z3.Bools("terminal ip terminating ready publish")
    solver = z3.Solver()
    solver.add(is_not_ready_address(terminal, ip, terminating, ready, publish), terminating)
    assert solver.check() == z3.unsat
    solver = z3.Solver()
    solver.add(is_ready_address(terminal, ip, terminating, ready, publish), z3.Not(ready), z3.Not(publish))
    assert solver.check() == z3.unsat
    solver = z3.Solver()
    solver.add(is_ready_address(terminal, ip, terminating, ready, publish), terminating)
    assert solver.check() == z3.sat  # only with publishNotReadyAddresses
    assert z3.is_true(solver.model().eval(publish, model_completion=True))


# --------------------------------------------------------------------------------------------------------------
# Selector-less Services are unmanaged, SEMANTICS 26, 8.2

@pytest.mark.parametrize("selector", [None, {}], ids=["nil selector", "empty selector"])
def test_service_without_selector_gets_no_managed_endpoints_semantics_26_8_2(selector):
    svc = Service(name="ext", selector=selector, ports=(ServicePort(80),))
    cluster = Cluster.from_objects([svc, make_pod("p", labels={}), make_pod("q", labels=WEB)])
    assert desired_endpoints(cluster, "ext") is None
    assert reconcile(cluster) == ()
    assert not EndpointsSync("ext").guard(cluster)


def test_user_endpoints_of_selectorless_service_are_left_alone_semantics_26():
    svc = Service(name="ext", ports=(ServicePort(80),))
    user_ep = Endpoints("ext", addresses=(EndpointAddress("db", "192.0.2.1", None, (EndpointPort(None, 5432, "TCP"),)),))
    cluster = Cluster.from_objects([svc, make_pod("p")]).put_endpoints(user_ep)
    assert reconcile(cluster) == ()
    assert settle_endpoints(cluster).endpoints["ext"] == user_ep


def test_removing_the_selector_leaves_the_endpoints_as_they_were_semantics_26():
    """Upstream intentionally does not clean up on the transition to a nil selector (kubernetes#91072)."""
    cluster = settle_endpoints(Cluster.from_objects([web_service(), make_pod("p")]))
    written = cluster.endpoints["web"]
    assert pods_in(written.addresses) == ["p"]
    cluster = cluster.put_service(attrs.evolve(cluster.services["web"], selector=None))
    assert reconcile(cluster) == ()
    assert cluster.endpoints["web"] == written


def test_endpoints_of_a_deleted_service_are_deleted():
    """syncService on NotFound deletes the Endpoints of the Service key."""
    cluster = Cluster.from_objects([make_pod("p")]).put_endpoints(Endpoints("gone"))
    assert reconcile(cluster) == (EndpointsSync("gone"),)
    cluster = step(cluster, EndpointsSync("gone"))
    assert "gone" not in cluster.endpoints
    assert reconcile(cluster) == ()


def test_unknown_service_is_a_user_error():
    with pytest.raises(UnknownService, match="Service/nope"):
        desired_endpoints(Cluster.from_objects([web_service()]), "nope")
    assert issubclass(UnknownService, KModelError)


# --------------------------------------------------------------------------------------------------------------
# The controller: EndpointsSync and reconcile, SEMANTICS 39, 40, 48 (readiness failure only clears Ready)

def test_readiness_flip_then_sync_removes_the_pod_from_every_selecting_service_semantics_40_49():
    front = web_service("front", selector={"app": "web"})
    tier = web_service("tier", selector={"tier": "fe"})
    other = web_service("other", selector={"app": "db"})
    p = make_pod("p", labels={"app": "web", "tier": "fe"}, ip="10.0.0.1")
    q = make_pod("q", labels={"app": "web"}, ip="10.0.0.2")
    d = make_pod("d", labels={"app": "db"}, ip="10.0.0.3")
    cluster = settle_endpoints(Cluster.from_objects([front, tier, other, p, q, d]))
    assert pods_in(cluster.endpoints["front"].addresses) == ["p", "q"]
    assert pods_in(cluster.endpoints["tier"].addresses) == ["p"]

    cluster = cluster.put_pod(attrs.evolve(cluster.pods["p"], ready=False))
    assert reconcile(cluster) == (EndpointsSync("front"), EndpointsSync("tier"))
    cluster = settle_endpoints(cluster)
    for name in ("front", "tier"):
        assert "p" not in pods_in(cluster.endpoints[name].addresses)
        assert "p" in pods_in(cluster.endpoints[name].not_ready_addresses)
    assert pods_in(cluster.endpoints["front"].addresses) == ["q"]
    assert pods_in(cluster.endpoints["other"].addresses) == ["d"]


def test_sync_is_not_enabled_when_endpoints_are_current():
    cluster = settle_endpoints(Cluster.from_objects([web_service(), make_pod("p")]))
    assert not EndpointsSync("web").guard(cluster)
    with pytest.raises(EventNotEnabled):
        step(cluster, EndpointsSync("web"))


def test_new_service_selecting_nothing_gets_empty_endpoints_once():
    cluster = Cluster.from_objects([web_service(selector={"app": "none"}), make_pod("p")])
    assert reconcile(cluster) == (EndpointsSync("web"),)
    cluster = settle_endpoints(cluster)
    assert cluster.endpoints["web"] == Endpoints("web")


def test_addresses_are_sorted_by_pod_name_whatever_the_creation_order():
    pods = [make_pod(n, ip=f"10.0.0.{i}") for i, n in enumerate(["c", "a", "b"], start=1)]
    ep = desired_endpoints(Cluster.from_objects([web_service(), *pods]), "web")
    assert pods_in(ep.addresses) == ["a", "b", "c"]


def test_relabelled_pod_leaves_the_endpoints_semantics_39():
    cluster = settle_endpoints(Cluster.from_objects([web_service(), make_pod("p"), make_pod("q", ip="10.0.0.2")]))
    cluster = cluster.put_pod(attrs.evolve(cluster.pods["p"], labels={"app": "other"}))
    cluster = settle_endpoints(cluster)
    assert pods_in(cluster.endpoints["web"].addresses) == ["q"]


def test_headless_service_without_ports_gets_address_only_entries_semantics_40():
    svc = Service(name="hl", selector=WEB)
    ep = desired_endpoints(Cluster.from_objects([svc, make_pod("p", ready=False), make_pod("q", ip="10.0.0.2")]),
                           "hl")
    assert ep.addresses == (EndpointAddress("q", "10.0.0.2", "n1", ()),)
    assert ep.not_ready_addresses == (EndpointAddress("p", "10.0.0.1", "n1", ()),)


# --------------------------------------------------------------------------------------------------------------
# Properties over generated clusters

NAMES = ["a", "b", "c", "d", "e"]


@st.composite
def clusters(draw):
    pods = []
    for i, name in enumerate(draw(st.lists(st.sampled_from(NAMES), unique=True, max_size=5))):
        labels = draw(st.sampled_from([{}, {"app": "web"}, {"app": "db"}, {"app": "web", "tier": "fe"}]))
        has_ip = draw(st.booleans())
        phase = draw(st.sampled_from([POD_RUNNING, POD_RUNNING, SUCCEEDED, FAILED]))
        ports = draw(st.sampled_from([(), ((8080, "http", "TCP"),), ((9090, "http", "TCP"), (53, "dns", "UDP"))]))
        pods.append(make_pod(name, labels=labels, ip=f"10.0.0.{i + 1}" if has_ip else None,
                             ready=draw(st.booleans()) and phase == POD_RUNNING, phase=phase,
                             deletion=draw(st.sampled_from([None, 3])), containers=(ctr("app", *ports),)))
    services = []
    for name in draw(st.lists(st.sampled_from(["s1", "s2", "s3"]), unique=True, max_size=3)):
        selector = draw(st.sampled_from([None, {"app": "web"}, {"tier": "fe"}, {"app": "db"}]))
        ports = draw(st.sampled_from([(), (ServicePort(80),), (ServicePort(80, target_port="http"),),
                                      (ServicePort(80, target_port="http", name="http"),
                                       ServicePort(53, target_port="dns", name="dns", protocol="UDP"))]))
        services.append(Service(name=name, selector=selector, ports=ports,
                                publish_not_ready_addresses=draw(st.booleans())))
    return Cluster.from_objects([*services, *pods])


@given(clusters())
def test_desired_endpoints_follow_the_membership_rules_semantics_39_40_43_8_4(cluster):
    for name, svc in cluster.services.items():
        ep = desired_endpoints(cluster, name)
        if svc.selector is None:
            assert ep is None
            continue
        ready, not_ready = pods_in(ep.addresses), pods_in(ep.not_ready_addresses)
        assert ready == sorted(ready) and not_ready == sorted(not_ready)
        assert not set(ready) & set(not_ready)
        for pod in cluster.pods.values():
            selected = svc.label_selector.matches(pod.labels)
            candidate = selected and not pod.terminal and pod.pod_ip is not None and \
                (svc.publish_not_ready_addresses or not pod.terminating)
            resolves = not svc.ports or any(resolve_target_port(pod, sp) is not None for sp in svc.ports)
            listed = candidate and resolves
            assert (pod.name in ready) == (listed and (pod.ready or svc.publish_not_ready_addresses))
            assert (pod.name in not_ready) == (listed and not pod.ready and not svc.publish_not_ready_addresses)
            if pod.name in not_ready:
                assert not pod.terminating  # SEMANTICS 8.4


@given(clusters())
def test_reconcile_reaches_quiescence_and_proposals_pass_their_guards(cluster):
    for event in reconcile(cluster):
        assert event.guard(cluster)
    settled = settle_endpoints(cluster)
    assert reconcile(settled) == ()
    for name, svc in settled.services.items():
        if svc.selector is not None:
            assert settled.endpoints[name] == desired_endpoints(settled, name)
        else:
            assert name not in settled.endpoints


# --------------------------------------------------------------------------------------------------------------
# The endpoints queue is exactly the stale Service keys (DESIGN principle 1)


def brute_is_stale(cluster: Cluster, name: str) -> bool:
    """`is_stale` as a scan: the stored Endpoints against the desired ones (SEMANTICS 26, 39 to 43)."""
    service = cluster.services.get(name)
    stored = cluster.endpoints.get(name)
    if service is None:
        return stored is not None
    if service.selector is None:
        return False
    return stored != desired_endpoints(cluster, name)


@given(st.data())
def test_endpoints_queue_is_the_stale_services_on_random_runs_semantics_26_39_to_43(data):
    """Along random runs of the whole model from the seed scenario (user requests included: relabels, deletes,
    scaling), `is_stale` read from the endpoints queue equals the comparison of stored and desired Endpoints for
    every Service key, and the controller proposes a sync for exactly those keys, in name order."""
    from kmodel.events import enabled
    from kmodel.scenarios import seed
    from kmodel.user import CreateService

    c = seed()
    c = step(c, CreateService(Service("bare", selector=None, ports=(ServicePort(80),))))
    for _ in range(data.draw(st.integers(0, 40))):
        keys = sorted(set(c.services) | set(c.endpoints))
        stale = [name for name in keys if brute_is_stale(c, name)]
        assert [name for name in keys if is_stale(c, name)] == stale
        assert reconcile(c) == tuple(EndpointsSync(name) for name in stale)
        options = list(enabled(c))
        if not options:  # everything torn down (kmodel.user.teardown_requests)
            break
        c = step(c, data.draw(st.sampled_from(options)))


def test_stored_endpoints_out_of_canonical_order_are_stale_semantics_40():
    """A stored object with the right addresses in another order is not what the controller writes: the sync
    rewrites it in canonical form (addresses sorted by pod name), after which nothing is stale."""
    c = Cluster.from_objects([web_service(), make_pod("b", ip="10.0.0.2"), make_pod("a", ip="10.0.0.1")])
    c = settle_endpoints(c)
    stored = c.endpoints["web"]
    assert [a.pod for a in stored.addresses] == ["a", "b"] and not is_stale(c, "web")
    shuffled = c.put_endpoints(attrs.evolve(stored, addresses=tuple(reversed(stored.addresses))))
    assert is_stale(shuffled, "web") and shuffled.index_mismatches() == []
    assert step(shuffled, EndpointsSync("web")).endpoints["web"] == stored
