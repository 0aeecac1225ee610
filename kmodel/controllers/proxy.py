"""kube-proxy: where a new connection to a Service port may go (SEMANTICS 43, 44, 8.3).

kube-proxy watches endpoint objects, not pods, and programs the node so that each new connection to a Service port
goes to one of its ready endpoints, on the target port resolved for that endpoint's pod. In iptables mode the choice
is uniform per connection (the statistic chain with probability 1/(n-i)); nftables uses `numgen random`. The model
makes every routable endpoint a possible next event (`RouteConnection`), which is what "traffic goes to a random
ready pod on the target port" means for a model checker: any of them may be chosen, nothing else may.

The endpoints kube-proxy sees (`route`):
- **Ready endpoints** come from the stored Endpoints object, as the Endpoints controller last wrote it: its
  `addresses` that carry the Service port (matched by port name and protocol, as kube-proxy matches them), each on
  the port number written there (FindPort's per-pod result, SEMANTICS 43). Reading the stored object, not the pods,
  keeps the controller's lag visible: a pod that just turned unready stays routable until `EndpointsSync` runs.
- **Fallback** (ProxyTerminatingEndpoints, GA 1.28, SEMANTICS 44): when no ready endpoint exists, kube-proxy uses
  endpoints that are *serving and terminating*. Those exist only in EndpointSlices (SEMANTICS 41, 8.3: serving =
  IsPodReady, terminating = deletionTimestamp set); legacy Endpoints drop a terminating pod (SEMANTICS 8.4), which
  is exactly when the fallback matters. The model does not store slices, so the fallback set is computed as the
  EndpointSlice controller would publish it: the Service's selected pods that are terminating but still Ready,
  not terminal, with an IP, and that resolve the port. This is only done for a Service with a selector whose
  Endpoints have been written at least once (a Service without a selector has only mirrored slices, whose
  endpoints are never terminating). With publishNotReadyAddresses, terminating pods are already listed ready, so
  the fallback never adds anything there.

Not modelled (SEMANTICS 44): IPVS round-robin, session affinity, internal/external traffic policy Local, topology
hints. They restrict or order the choice; they never add endpoints, so every route in the model is a superset of
the real one under those options.
"""

from __future__ import annotations

from typing import Iterator

import attrs

from kmodel.cluster import Cluster
from kmodel.controllers.endpoints import UnknownService, service_or_error
from kmodel.decisions.endpoints import has_ip, resolve_target_port
from kmodel.errors import KModelError
from kmodel.events import USER, Event, event_source
from kmodel.logic import Bool, all_of, not_
from kmodel.objects import EndpointAddress, Pod, Service, ServicePort

__all__ = [
    "ProxyEndpoint",
    "RouteConnection",
    "UnknownService",
    "UnknownServicePort",
    "find_service_port",
    "port_key",
    "route",
    "routable_connections",
    "serving_terminating",
    "use_fallback",
]


class UnknownServicePort(KModelError):
    """A Service port (by name or number) that the Service does not declare, or a number shared by several."""

    def __init__(self, service: str, port: int | str, problem: str) -> None:
        self.service = service
        self.port = port
        super().__init__(f"Service/{service}: spec.ports: {problem}")


@attrs.frozen(order=True)
class ProxyEndpoint:
    """One endpoint a connection to a Service port may be sent to: the pod, its IP and node, the target port
    resolved for that pod, and whether kube-proxy sees it as ready: False only for the serving-and-terminating
    fallback. A not-ready pod listed because of publishNotReadyAddresses is ready to kube-proxy (SEMANTICS 8.3)."""

    pod: str
    ip: str
    node: str | None
    port: int
    ready: bool = True


# --------------------------------------------------------------------------------------------------------------
# Decisions (kmodel.logic, so that the Z3 layer can run them)


def serving_terminating(pod_ready: Bool, terminating: Bool) -> Bool:
    """An EndpointSlice endpoint that is serving (IsPodReady) and terminating (SEMANTICS 41, 8.3): the only kind
    kube-proxy falls back to."""
    return all_of(pod_ready, terminating)


def use_fallback(has_ready_endpoint: Bool) -> Bool:
    """kube-proxy uses serving-and-terminating endpoints only when the port has no ready one (SEMANTICS 44)."""
    return not_(has_ready_endpoint)


# --------------------------------------------------------------------------------------------------------------
# Ports


def port_key(service_port: ServicePort) -> int | str:
    """The identifier a connection names a Service port by: its name, or its number when it has no name (a
    Service's only port may be unnamed; with several ports every one has a unique name)."""
    return service_port.name if service_port.name else service_port.port


def find_service_port(service: Service, port: int | str) -> ServicePort:
    """The Service port named `port` (a string) or numbered `port` (an int). Raises `UnknownServicePort` when there
    is none, or when a number is shared by ports of different protocols (name the port instead)."""
    if isinstance(port, str):
        matches = [sp for sp in service.ports if sp.name == port]
    else:
        matches = [sp for sp in service.ports if sp.port == port]
    if not matches:
        known = ", ".join(str(port_key(sp)) for sp in service.ports) or "none"
        raise UnknownServicePort(service.name, port, f"no port {port!r} (ports: {known})")
    if len(matches) > 1:
        names = ", ".join(str(port_key(sp)) for sp in matches)
        raise UnknownServicePort(service.name, port, f"port {port!r} is ambiguous, name one of: {names}")
    return matches[0]


def _address_port(address: EndpointAddress, service_port: ServicePort) -> int | None:
    """The number written for this Service port in the address, matched by name and protocol as kube-proxy does."""
    for ep in address.ports:
        if ep.name == service_port.name and ep.protocol == service_port.protocol:
            return ep.port
    return None


# --------------------------------------------------------------------------------------------------------------
# Routing


def _ready_endpoints(cluster: Cluster, service: Service, service_port: ServicePort) -> Iterator[ProxyEndpoint]:
    stored = cluster.endpoints.get(service.name)
    if stored is None:
        return
    for address in stored.addresses:
        number = _address_port(address, service_port)
        if number is not None:
            yield ProxyEndpoint(address.pod, address.ip, address.node, number, ready=True)


def _fallback_endpoint(pod: Pod, service_port: ServicePort) -> ProxyEndpoint | None:
    """The pod as a serving-and-terminating EndpointSlice endpoint for this port, if it is one."""
    if pod.terminal or not has_ip(pod) or not serving_terminating(pod.ready, pod.terminating):
        return None
    number = resolve_target_port(pod, service_port)
    if number is None:
        return None
    return ProxyEndpoint(pod.name, pod.pod_ip, pod.node_name, number, ready=False)  # type: ignore[arg-type]


def _fallback_applies(cluster: Cluster, service: Service) -> bool:
    return service.selector is not None and service.name in cluster.endpoints


def _route(cluster: Cluster, service: Service, service_port: ServicePort) -> tuple[ProxyEndpoint, ...]:
    ready = tuple(_ready_endpoints(cluster, service, service_port))
    if not use_fallback(bool(ready)) or not _fallback_applies(cluster, service):
        return ready
    out = []
    for pod in sorted(cluster.pods_selected_by(service.name), key=lambda p: p.name):
        endpoint = _fallback_endpoint(pod, service_port)
        if endpoint is not None:
            out.append(endpoint)
    return tuple(out)


def route(cluster: Cluster, service: str, port: int | str) -> tuple[ProxyEndpoint, ...]:
    """The endpoints a new connection to `service`'s port `port` (name or number) may be sent to, each on the target
    port resolved for its pod: the ready ones in the stored order (pod-name order when the controller wrote them),
    or, when there is none, the serving-and-terminating ones in pod-name order (SEMANTICS 44). Empty means the connection is refused (kube-proxy installs a REJECT rule).
    Raises `UnknownService` or `UnknownServicePort` for names the cluster does not hold."""
    svc = service_or_error(cluster, service)
    return _route(cluster, svc, find_service_port(svc, port))


# --------------------------------------------------------------------------------------------------------------
# Traffic as events


@attrs.frozen
class RouteConnection(Event):
    """A client opens a connection to a Service port and kube-proxy sends it to `pod` on `target_port`. Enabled iff
    that pod, on that port, is among `route(cluster, service, port)`; the cluster does not change. Which endpoint
    a connection gets is chosen at random per connection (SEMANTICS 44), so every routable endpoint is a possible
    next event. `port` is the Service port's name, or its number when unnamed (`port_key`).

    The guard finds a ready endpoint by binary search in the stored addresses (the controller writes them sorted
    by pod name); only otherwise (a fallback endpoint, a user-written Endpoints object, or a disabled event) does
    it build the route.
    """

    actor = USER

    service: str
    port: int | str
    pod: str
    target_port: int

    def guard(self, cluster: Cluster) -> bool:
        service = cluster.services.get(self.service)
        if service is None:
            return False
        try:
            service_port = find_service_port(service, self.port)
        except UnknownServicePort:
            return False
        stored = cluster.endpoints.get(self.service)
        if stored is not None:
            address = _find_address(stored.addresses, self.pod)
            if address is not None and _address_port(address, service_port) == self.target_port:
                return True
        return any(e.pod == self.pod and e.port == self.target_port
                   for e in _route(cluster, service, service_port))

    def apply(self, cluster: Cluster) -> Cluster:
        return cluster


def _find_address(addresses: tuple[EndpointAddress, ...], pod: str) -> EndpointAddress | None:
    lo, hi = 0, len(addresses)
    while lo < hi:
        mid = (lo + hi) // 2
        if addresses[mid].pod < pod:
            lo = mid + 1
        else:
            hi = mid
    if lo < len(addresses) and addresses[lo].pod == pod:
        return addresses[lo]
    return None


def routable_connections(cluster: Cluster) -> Iterator[RouteConnection]:
    """One `RouteConnection` per Service, Service port and endpoint that a connection may reach now, in Service
    name and port order."""
    for name in sorted(cluster.services.keys()):
        service = cluster.services[name]
        for service_port in service.ports:
            for endpoint in _route(cluster, service, service_port):
                yield RouteConnection(name, port_key(service_port), endpoint.pod, endpoint.port)


@event_source("proxy", USER, order=80)
def _connections(cluster: Cluster) -> Iterator[Event]:
    return routable_connections(cluster)
