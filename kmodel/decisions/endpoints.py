"""Which pods a Service's Endpoints list, and how (SEMANTICS 26, 39, 40, 43, 8.2 to 8.4): the pure decisions of the
endpoints controller, on API objects alone. The controller (`kmodel.controllers.endpoints`) writes them; the state's
endpoint indexes (`kmodel.cluster`) are built from them; both read them from here, so each is written once.
"""

from __future__ import annotations

from kmodel.logic import Bool, all_of, any_of, eq, implies, ne, not_
from kmodel.objects import EndpointAddress, EndpointPort, Endpoints, Pod, Service, ServicePort


def should_be_in_endpoints(pod_terminal: Bool, has_ip: Bool, terminating: Bool, include_terminating: Bool) -> Bool:
    """`ShouldPodBeInEndpoints` (SEMANTICS 39): a selected pod is a candidate iff it is not terminal (Succeeded or
    Failed), it has an IP, and it is not terminating unless terminating pods are included. The legacy Endpoints
    controller passes `publishNotReadyAddresses` as `include_terminating`. A pod without a node has no IP, so
    "unscheduled" needs no term of its own."""
    return all_of(not_(pod_terminal), has_ip, implies(terminating, include_terminating))


def address_is_ready(pod_ready: Bool, publish_not_ready: Bool) -> Bool:
    """`addEndpointSubset` (SEMANTICS 40, 8.4): a candidate goes to `addresses` iff the Service publishes not-ready
    addresses or the pod is Ready (IsPodReady, SEMANTICS 42); otherwise to `notReadyAddresses`. Together with
    `should_be_in_endpoints`, a terminating pod is never a not-ready address: it is dropped, or listed ready."""
    return any_of(publish_not_ready, pod_ready)


def resolve_target_port(pod: Pod, service_port: ServicePort) -> int | None:
    """`FindPort` (SEMANTICS 43): the container port a Service port reaches on this pod, or None.

    An unset targetPort is the Service port; an integer is used as is (no container has to declare it); a name is
    looked up in container order, then port order, among container ports with that name *and* the Service port's
    protocol, and the first match wins. None means no match: the pod is skipped for this Service port only.
    Restartable init containers (sidecars), which newer versions also search, are not modelled.
    """
    target = service_port.target
    if not isinstance(target, str):
        return target
    for container in pod.containers:
        for port in container.ports:
            if port_matches(port, target, service_port.protocol):
                return port.container_port
    return None


def port_matches(port, target: str, protocol: str) -> Bool:
    """FindPort's test of one container port against a named targetPort: same name and same protocol
    (SEMANTICS 43). Decision code: the port may be symbolic."""
    return all_of(eq(port.name, target), eq(port.protocol, protocol))


def resolves(pod, service_port: ServicePort) -> Bool:
    """FindPort finds a port on this pod for this Service port (SEMANTICS 43): always for a numeric or unset
    targetPort, else iff some container port `port_matches`. The Bool form of `resolve_target_port`."""
    target = service_port.target
    if not isinstance(target, str):
        return True
    return any_of(*(port_matches(p, target, service_port.protocol) for c in pod.containers for p in c.ports))


def endpoint_ports(pod: Pod, service: Service) -> tuple[EndpointPort, ...]:
    """The Service's ports as resolved for this pod, in the Service's port order, omitting those FindPort cannot
    resolve (SEMANTICS 43). Each keeps the Service port's name and protocol (`endpointPortFromServicePort`)."""
    out = []
    for sp in service.ports:
        number = resolve_target_port(pod, sp)
        if number is not None:
            out.append(EndpointPort(name=sp.name, port=number, protocol=sp.protocol))
    return tuple(out)


def has_ip(pod: Pod) -> Bool:
    """`status.podIP` (or `podIPs`) is non-empty (SEMANTICS 39). Decision code: the IP may be symbolic."""
    return all_of(ne(pod.pod_ip, None), ne(pod.pod_ip, ""))


def endpoint_membership(pod, service: Service, selected: Bool = True) -> tuple[Bool, Bool]:
    """Whether a pod is listed in the Service's `addresses` and in its `notReadyAddresses` (SEMANTICS 39, 40,
    43, 8.4): a candidate is `selected` (the Service's selector matches it), `should_be_in_endpoints`, and
    resolves a Service port (or the Service has none: headless); it is a ready address iff `address_is_ready`.
    The one decision behind `endpoint_address` and `desired_endpoints`, written with kmodel.logic so that the
    Z3 layer runs it on symbolic pods (invariants/smt/endpoints.py)."""
    publish = service.publish_not_ready_addresses
    resolved = True if not service.ports else any_of(*(resolves(pod, sp) for sp in service.ports))
    candidate = all_of(selected, should_be_in_endpoints(pod.terminal, has_ip(pod), pod.terminating, publish),
                       resolved)
    ready = address_is_ready(pod.ready, publish)
    return all_of(candidate, ready), all_of(candidate, not_(ready))


def endpoint_entry(pod: Pod, service: Service) -> tuple[bool, EndpointAddress] | None:
    """What a selected pod contributes to the Service's desired Endpoints: (listed in `addresses`, its address),
    or None (SEMANTICS 39, 40, 43). `desired_endpoints` is these entries sorted by pod name; the cluster keeps
    them compared with the stored ones (`Cluster.endpoint_mismatches`), so staleness is known without a scan."""
    in_ready, in_not_ready = endpoint_membership(pod, service)
    if not (in_ready or in_not_ready):
        return None
    return bool(in_ready), EndpointAddress(pod=pod.name, ip=pod.pod_ip, node=pod.node_name,  # type: ignore[arg-type]
                                           ports=endpoint_ports(pod, service))


def stored_entries(endpoints: Endpoints) -> tuple[bool, dict[str, tuple[bool, EndpointAddress]]]:
    """The stored Endpoints as entries by pod name, and whether they are in the controller's canonical form
    (each list sorted by pod name, no pod listed twice): only a canonical object can equal a desired one."""
    entries: dict[str, tuple[bool, EndpointAddress]] = {}
    canonical = True
    for ready, addresses in ((True, endpoints.addresses), (False, endpoints.not_ready_addresses)):
        previous = None
        for a in addresses:
            if a.pod in entries or (previous is not None and a.pod <= previous):
                canonical = False
            previous = a.pod
            entries[a.pod] = (ready, a)
    return canonical, entries
