"""kube-proxy routing (kmodel.controllers.proxy): SEMANTICS 43, 44, 8.3, 8.4, and the textbook rule "traffic goes to
a random ready pod on the target port" (SEED 5, SEMANTICS 7)."""

from __future__ import annotations

import attrs
import pytest
from hypothesis import given
from hypothesis import strategies as st

from kmodel.cluster import Cluster
from kmodel.controllers.endpoints import UnknownService, reconcile
from kmodel.controllers.proxy import (
    ProxyEndpoint,
    RouteConnection,
    UnknownServicePort,
    routable_connections,
    route,
    serving_terminating,
    use_fallback,
)
from kmodel.errors import EventNotEnabled, KModelError
from kmodel.events import USER, step
from kmodel.objects import (
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


def make_pod(name: str, ip: str, ready: bool = True, deletion: int | None = None, http: int = 8080,
             labels=WEB) -> Pod:
    containers = (Container("app", ports=(ContainerPort(http, name="http"), ContainerPort(9100, name="metrics"))),)
    return Pod(name=name, labels=labels, node_name="n1", containers=containers, phase="Running", ready=ready,
               pod_ip=ip, deletion_timestamp=deletion)


def web_service(name: str = "web", selector=WEB, publish_not_ready: bool = False) -> Service:
    return Service(name=name, selector=selector, publish_not_ready_addresses=publish_not_ready,
                   ports=(ServicePort(80, target_port="http", name="http"),
                          ServicePort(9000, target_port="metrics", name="metrics")))


def synced(cluster: Cluster) -> Cluster:
    """Run the Endpoints controller to quiescence (what kube-proxy watches is then current)."""
    for _ in range(10):
        events = reconcile(cluster)
        if not events:
            return cluster
        for event in events:
            cluster = step(cluster, event)
    raise AssertionError("the endpoints controller did not settle")


def set_pod(cluster: Cluster, name: str, **changes) -> Cluster:
    return cluster.put_pod(attrs.evolve(cluster.pods[name], **changes))


def targets(endpoints) -> list[tuple[str, int]]:
    return [(e.pod, e.port) for e in endpoints]


# --------------------------------------------------------------------------------------------------------------
# Ready endpoints, per-pod target ports (SEMANTICS 43, 44)

def test_traffic_goes_to_every_ready_pod_on_its_own_target_port_semantics_43_44():
    cluster = synced(Cluster.from_objects([web_service(), make_pod("a", "10.0.0.1", http=8080),
                                           make_pod("b", "10.0.0.2", http=9090),
                                           make_pod("c", "10.0.0.3", ready=False)]))
    assert route(cluster, "web", "http") == (ProxyEndpoint("a", "10.0.0.1", "n1", 8080),
                                             ProxyEndpoint("b", "10.0.0.2", "n1", 9090))
    assert route(cluster, "web", 80) == route(cluster, "web", "http")
    assert targets(route(cluster, "web", "metrics")) == [("a", 9100), ("b", 9100)]
    # every routable endpoint is a possible next connection: the random choice is the engines' branching
    assert set(routable_connections(cluster)) == {
        RouteConnection("web", "http", "a", 8080), RouteConnection("web", "http", "b", 9090),
        RouteConnection("web", "metrics", "a", 9100), RouteConnection("web", "metrics", "b", 9100)}


def test_route_connection_not_enabled_for_a_not_ready_pod_semantics_44():
    cluster = synced(Cluster.from_objects([web_service(), make_pod("a", "10.0.0.1"),
                                           make_pod("c", "10.0.0.3", ready=False)]))
    assert RouteConnection("web", "http", "a", 8080).guard(cluster)
    assert not RouteConnection("web", "http", "c", 8080).guard(cluster)
    with pytest.raises(EventNotEnabled):
        step(cluster, RouteConnection("web", "http", "c", 8080))


def test_route_connection_is_traffic_and_changes_nothing():
    cluster = synced(Cluster.from_objects([web_service(), make_pod("a", "10.0.0.1")]))
    event = RouteConnection("web", "http", "a", 8080)
    assert event.actor == USER
    assert step(cluster, event) == cluster


@pytest.mark.parametrize("event", [
    RouteConnection("web", "http", "a", 9999),      # wrong target port
    RouteConnection("web", "metrics", "a", 8080),   # another port's number
    RouteConnection("web", "nope", "a", 8080),      # no such service port
    RouteConnection("nope", "http", "a", 8080),     # no such service
    RouteConnection("web", "http", "zz", 8080),     # no such pod
], ids=["wrong target port", "other port's number", "unknown port", "unknown service", "unknown pod"])
def test_route_connection_guard_rejects_what_route_does_not_list(event):
    cluster = synced(Cluster.from_objects([web_service(), make_pod("a", "10.0.0.1")]))
    assert not event.guard(cluster)


def test_kube_proxy_follows_the_stored_endpoints_not_the_pods_semantics_44():
    """Until the Endpoints controller syncs, a pod that just turned unready still receives traffic."""
    cluster = synced(Cluster.from_objects([web_service(), make_pod("a", "10.0.0.1"), make_pod("b", "10.0.0.2")]))
    cluster = set_pod(cluster, "a", ready=False)
    assert RouteConnection("web", "http", "a", 8080).guard(cluster)
    cluster = synced(cluster)
    assert not RouteConnection("web", "http", "a", 8080).guard(cluster)
    assert targets(route(cluster, "web", "http")) == [("b", 8080)]


def test_no_endpoints_written_yet_means_no_route():
    cluster = Cluster.from_objects([web_service(), make_pod("a", "10.0.0.1")])
    assert route(cluster, "web", "http") == ()
    assert list(routable_connections(cluster)) == []


def test_publish_not_ready_addresses_routes_to_not_ready_pods_semantics_40_8_3():
    cluster = synced(Cluster.from_objects([web_service(publish_not_ready=True),
                                           make_pod("c", "10.0.0.3", ready=False)]))
    assert route(cluster, "web", "http") == (ProxyEndpoint("c", "10.0.0.3", "n1", 8080, ready=True),)


# --------------------------------------------------------------------------------------------------------------
# Fallback to serving-and-terminating endpoints (SEMANTICS 44, 41, 8.3, 8.4)

@pytest.mark.parametrize("has_ready,expected", [(True, False), (False, True)])
def test_use_fallback_semantics_44(has_ready, expected):
    assert use_fallback(has_ready) is expected


@pytest.mark.parametrize("pod_ready,terminating,expected", [
    (True, True, True), (True, False, False), (False, True, False), (False, False, False)])
def test_serving_terminating_semantics_41_8_3(pod_ready, terminating, expected):
    assert serving_terminating(pod_ready, terminating) is expected


def test_route_falls_back_to_terminating_ready_pods_when_none_is_ready_semantics_44_8_4():
    cluster = synced(Cluster.from_objects([web_service(), make_pod("a", "10.0.0.1"), make_pod("b", "10.0.0.2")]))
    cluster = synced(set_pod(cluster, "a", deletion_timestamp=5))
    # a ready pod remains: no fallback, the terminating pod gets nothing
    assert route(cluster, "web", "http") == (ProxyEndpoint("b", "10.0.0.2", "n1", 8080),)
    cluster = synced(set_pod(cluster, "b", deletion_timestamp=6))
    # legacy Endpoints drop terminating pods (8.4) ...
    assert cluster.endpoints["web"].addresses == () and cluster.endpoints["web"].not_ready_addresses == ()
    # ... yet kube-proxy falls back to those that still serve (Ready), on their resolved ports
    assert route(cluster, "web", "http") == (ProxyEndpoint("a", "10.0.0.1", "n1", 8080, ready=False),
                                             ProxyEndpoint("b", "10.0.0.2", "n1", 8080, ready=False))
    assert RouteConnection("web", "http", "a", 8080).guard(cluster)
    assert RouteConnection("web", "metrics", "b", 9100) in set(routable_connections(cluster))
    # a terminating pod that is no longer Ready does not serve
    cluster = set_pod(cluster, "a", ready=False)
    assert targets(route(cluster, "web", "http")) == [("b", 8080)]
    assert not RouteConnection("web", "http", "a", 8080).guard(cluster)
    cluster = set_pod(cluster, "b", ready=False)
    assert route(cluster, "web", "http") == ()


def test_fallback_only_for_the_port_without_ready_endpoints_semantics_43_44():
    """Readiness is per pod but port resolution is per pod and port: the fallback is decided per Service port."""
    svc = web_service()
    only_http = Pod(name="h", labels=WEB, node_name="n1", phase="Running", ready=True, pod_ip="10.0.0.9",
                    containers=(Container("app", ports=(ContainerPort(8080, name="http"),)),))
    leaving = make_pod("t", "10.0.0.1", deletion=4)
    cluster = synced(Cluster.from_objects([svc, only_http, leaving]))
    assert targets(route(cluster, "web", "http")) == [("h", 8080)]
    assert route(cluster, "web", "metrics") == (ProxyEndpoint("t", "10.0.0.1", "n1", 9100, ready=False),)


def test_no_fallback_for_a_service_without_selector_semantics_26_44():
    svc = Service(name="ext", ports=(ServicePort(80, name="http"),))
    cluster = Cluster.from_objects([svc, make_pod("t", "10.0.0.1", deletion=4)])
    cluster = cluster.put_endpoints(Endpoints("ext"))
    assert route(cluster, "ext", "http") == ()


def test_user_written_endpoints_route_for_a_service_without_selector_semantics_26():
    svc = Service(name="ext", ports=(ServicePort(5432),))
    user = Endpoints("ext", addresses=(EndpointAddress("z", "192.0.2.2", None, (EndpointPort(None, 5432, "TCP"),)),
                                       EndpointAddress("y", "192.0.2.1", None, (EndpointPort(None, 5432, "TCP"),))))
    cluster = Cluster.from_objects([svc]).put_endpoints(user)
    assert targets(route(cluster, "ext", 5432)) == [("z", 5432), ("y", 5432)]
    for connection in routable_connections(cluster):
        assert connection.guard(cluster)  # also for addresses not sorted by pod name
    assert set(routable_connections(cluster)) == {RouteConnection("ext", 5432, "y", 5432),
                                                  RouteConnection("ext", 5432, "z", 5432)}


# --------------------------------------------------------------------------------------------------------------
# User errors

def test_unknown_service_and_port_are_user_errors():
    cluster = Cluster.from_objects([web_service()])
    with pytest.raises(UnknownService, match="Service/nope"):
        route(cluster, "nope", 80)
    with pytest.raises(UnknownServicePort, match="Service/web: spec.ports: no port 'grpc'"):
        route(cluster, "web", "grpc")
    with pytest.raises(UnknownServicePort, match="no port 81"):
        route(cluster, "web", 81)
    assert issubclass(UnknownServicePort, KModelError)


def test_a_port_number_shared_by_two_protocols_must_be_named():
    svc = Service(name="dns", selector={"app": "dns"},
                  ports=(ServicePort(53, name="dns-tcp"), ServicePort(53, name="dns-udp", protocol="UDP")))
    cluster = Cluster.from_objects([svc])
    with pytest.raises(UnknownServicePort, match="ambiguous"):
        route(cluster, "dns", 53)
    assert route(cluster, "dns", "dns-udp") == ()


# --------------------------------------------------------------------------------------------------------------
# Property: the event source and the guard agree with route

@st.composite
def clusters(draw):
    objects: list[object] = [web_service(publish_not_ready=draw(st.booleans()))]
    for i, name in enumerate(draw(st.lists(st.sampled_from(["a", "b", "c", "d"]), unique=True, max_size=4))):
        objects.append(make_pod(name, f"10.0.0.{i + 1}", ready=draw(st.booleans()),
                                deletion=draw(st.sampled_from([None, 2])), http=draw(st.sampled_from([8080, 9090]))))
    cluster = Cluster.from_objects(objects)
    if draw(st.booleans()):
        cluster = synced(cluster)
    for name in draw(st.lists(st.sampled_from(sorted(cluster.pods.keys()) or ["-"]), max_size=2)):
        if name in cluster.pods:  # a change after the sync: the stored endpoints may be stale
            cluster = set_pod(cluster, name, ready=not cluster.pods[name].ready)
    return cluster


@given(clusters(), st.sampled_from(["a", "b", "c", "d"]), st.sampled_from(["http", "metrics"]),
       st.sampled_from([8080, 9090, 9100]))
def test_route_connection_enabled_iff_listed_by_route_semantics_44(cluster, pod, port, target):
    routed = route(cluster, "web", port)
    assert RouteConnection("web", port, pod, target).guard(cluster) == ((pod, target) in targets(routed))
    # the fallback is used only when no ready endpoint exists, and only serving pods are in it
    if any(not e.ready for e in routed):
        assert all(not e.ready for e in routed)
        assert all(cluster.pods[e.pod].ready and cluster.pods[e.pod].terminating for e in routed)
    assert set(routable_connections(cluster)) == {
        RouteConnection("web", p, e.pod, e.port) for p in ("http", "metrics") for e in route(cluster, "web", p)}
