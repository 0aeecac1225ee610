"""The Endpoints controller: which pods back a Service, and on which ports (SEMANTICS 26, 39 to 43, 8.2, 8.4).

Modelled on the legacy v1 Endpoints controller (`pkg/controller/endpoint/endpoints_controller.go`, syncService),
because v1 Endpoints is the object the model stores. For every Service with a selector it lists the selected pods
(through the cluster's Service-membership index, never a scan of all pods), keeps those for which
`ShouldPodBeInEndpoints` holds (SEMANTICS 39), resolves every Service port per pod (`FindPort`, SEMANTICS 43) and
files each address as ready or not ready (`addEndpointSubset`, SEMANTICS 40, 8.4).

Abstractions, each chosen to keep the state small while keeping what kube-proxy and the invariants observe:
- Upstream writes subsets and then repacks them into one subset per distinct port set (`RepackSubsets`). The model
  stores the flattened form: one `EndpointAddress` per pod carrying the ports resolved for that pod, so a subset is
  "the addresses with the same ports" (`endpoint_subsets` rebuilds them). Addresses are sorted by pod name, so
  equal endpoint sets are equal values.
- The 1000-address truncation of SEMANTICS 40 is not modelled: explored clusters are far below it.
- Hostnames, IP families and the trigger-time annotation are not modelled.
- The model's Service has no clusterIP field. Validation (`ValidateService`) requires ports for every Service that
  is not headless and not ExternalName, so a valid port-less Service with a selector is headless: it gets
  address-only entries (SEMANTICS 40, "headless services with no ports"). The non-headless no-port case of SEMANTICS
  8.4 (no subsets at all) cannot arise from a valid object and is not modelled.

Which Service keys need a sync is kept in the state (DESIGN principle 1): the cluster compares each selected pod's
`endpoint_entry` with the stored one as pods, Services and Endpoints are written (`Cluster.endpoint_mismatches`,
`Cluster.endpoints_queue`), so `is_stale` is a lookup and a round costs O(stale keys), not O(pods).

A Service without a selector is unmanaged (SEMANTICS 26, 8.2): the controller writes nothing for it and also does
not delete an Endpoints object it wrote before the selector was removed. That is upstream's behaviour on purpose
(kubernetes/kubernetes#91072, #103576, #118376: "all 3 controllers intentionally do not clean up resources when the
transition from/to a nil selector happens"); the Endpoints become the user's. The controller does delete the
Endpoints of a Service that no longer exists (syncService on NotFound).
"""

from __future__ import annotations

from typing import Iterable, Iterator

import attrs

from kmodel.cluster import Cluster
from kmodel.decisions import endpoints as decisions
from kmodel.errors import KModelError
from kmodel.events import CONTROLLER, Event
from kmodel.facts import remembered_entry
from kmodel.logic import Bool, all_of, not_
from kmodel.objects import EndpointAddress, EndpointPort, Endpoints, Pod, Service
from kmodel.parts import register_controller


class UnknownService(KModelError):
    """A Service name that the cluster does not hold."""

    def __init__(self, service: str, known: Iterable[str]) -> None:
        self.service = service
        names = ", ".join(sorted(known)) or "none"
        super().__init__(f"Service/{service}: metadata.name: no such Service (known: {names})")


# --------------------------------------------------------------------------------------------------------------
# Decisions (written with kmodel.logic so that the Z3 layer can run them symbolically, DESIGN principle 4)


def is_ready_address(pod_terminal: Bool, has_ip: Bool, terminating: Bool, pod_ready: Bool,
                     publish_not_ready: Bool) -> Bool:
    """The pod is listed in `addresses` (given that it is selected and resolves at least one port)."""
    return all_of(decisions.should_be_in_endpoints(pod_terminal, has_ip, terminating, publish_not_ready),
                  decisions.address_is_ready(pod_ready, publish_not_ready))


def is_not_ready_address(pod_terminal: Bool, has_ip: Bool, terminating: Bool, pod_ready: Bool,
                         publish_not_ready: Bool) -> Bool:
    """The pod is listed in `notReadyAddresses` (given that it is selected and resolves at least one port)."""
    return all_of(decisions.should_be_in_endpoints(pod_terminal, has_ip, terminating, publish_not_ready),
                  not_(decisions.address_is_ready(pod_ready, publish_not_ready)))


# --------------------------------------------------------------------------------------------------------------
# Ports


# --------------------------------------------------------------------------------------------------------------
# Desired state


def endpoint_address(pod: Pod, service: Service) -> EndpointAddress | None:
    """The address a selected pod contributes to the Service's Endpoints, or None when it contributes none: it is
    not a candidate (SEMANTICS 39), or the Service has ports and none resolves on this pod (SEMANTICS 43). A
    port-less Service is headless and gets an address without ports (SEMANTICS 40)."""
    in_ready, in_not_ready = decisions.endpoint_membership(pod, service)
    if not (in_ready or in_not_ready):
        return None
    return EndpointAddress(pod=pod.name, ip=pod.pod_ip, node=pod.node_name,  # type: ignore[arg-type]
                           ports=decisions.endpoint_ports(pod, service))


def service_or_error(cluster: Cluster, service_name: str) -> Service:
    service = cluster.services.get(service_name)
    if service is None:
        raise UnknownService(service_name, cluster.services.keys())
    return service


def desired_endpoints(cluster: Cluster, service_name: str) -> Endpoints | None:
    """What the Endpoints controller would write for the Service now, or None when it manages nothing for it (no
    selector, SEMANTICS 26, 8.2). A managed Service that selects no pod gets an Endpoints object with no addresses,
    as upstream creates one. Raises `UnknownService` for a name the cluster does not hold."""
    service = service_or_error(cluster, service_name)
    if service.selector is None:
        return None
    ready: list[EndpointAddress] = []
    not_ready: list[EndpointAddress] = []
    for name in sorted(cluster.service_members.get(service_name, ())):
        entry = remembered_entry(cluster.pods[name], service)
        if entry is not None:
            (ready if entry[0] else not_ready).append(entry[1])
    return Endpoints(service=service_name, addresses=tuple(ready), not_ready_addresses=tuple(not_ready))


def is_stale(cluster: Cluster, service_name: str) -> bool:
    """The controller would write for this Service key: its stored Endpoints differ from the desired ones, or
    Endpoints are stored for a Service that no longer exists. Never for an unmanaged Service (SEMANTICS 26).
    O(log n): read from the cluster's endpoints queue (`Cluster.endpoints_queue`, which keeps exactly these
    keys); `desired_endpoints(...) != stored` is the same answer at the cost of the Service's selected pods."""
    return service_name in cluster.endpoints_queue


@attrs.frozen(order=True)
class EndpointSubset:
    """One v1 EndpointSubset: addresses that share a resolved port set (the result of `RepackSubsets`)."""

    ports: tuple[EndpointPort, ...]
    addresses: tuple[EndpointAddress, ...] = ()
    not_ready_addresses: tuple[EndpointAddress, ...] = ()


def endpoint_subsets(endpoints: Endpoints) -> tuple[EndpointSubset, ...]:
    """The v1 `subsets` that the flattened model stands for: one per distinct port set, sorted by port set, each
    with its addresses sorted by pod name (SEMANTICS 40). Used to write real Endpoints YAML and to compare with it."""
    groups: dict[tuple[EndpointPort, ...], tuple[list[EndpointAddress], list[EndpointAddress]]] = {}
    for address in endpoints.addresses:
        groups.setdefault(address.ports, ([], []))[0].append(address)
    for address in endpoints.not_ready_addresses:
        groups.setdefault(address.ports, ([], []))[1].append(address)
    return tuple(EndpointSubset(ports=ports, addresses=tuple(ready), not_ready_addresses=tuple(not_ready))
                 for ports, (ready, not_ready) in sorted(groups.items()))


# --------------------------------------------------------------------------------------------------------------
# Events and the reconciler


@attrs.frozen
class EndpointsSync(Event):
    """The Endpoints controller syncs one Service key: writes the desired Endpoints, or deletes the Endpoints of a
    Service that no longer exists (SEMANTICS 39, 40, 43). Enabled only when that write changes something, so a
    settled cluster proposes none. A Service without a selector is never synced (SEMANTICS 26, 8.2)."""

    actor = CONTROLLER

    service: str

    def guard(self, cluster: Cluster) -> bool:
        return is_stale(cluster, self.service)

    def apply(self, cluster: Cluster) -> Cluster:
        if self.service not in cluster.services:
            return cluster.remove_endpoints(self.service)
        desired = desired_endpoints(cluster, self.service)
        return cluster if desired is None else cluster.put_endpoints(desired)


def stale_services(cluster: Cluster) -> Iterator[str]:
    """Service keys whose Endpoints the controller would write now, in name order.

    The candidates are the endpoints queue (`Cluster.endpoints_queue`: managed Services whose stored Endpoints
    differ from the desired ones, and Endpoints of deleted Services) and every Service without a selector;
    each is confirmed by `is_stale`, which for an unmanaged Service is the SEMANTICS 26 decision itself (one
    O(1) test each, kept out of the index so that the decision stays in one place). O(queue + unmanaged
    Services) per round, never O(pods)."""
    keys = set(cluster.endpoints_queue.keys()) | set(cluster.unmanaged_services.keys())
    for name in sorted(keys):
        if is_stale(cluster, name):
            yield name


def reconcile(cluster: Cluster) -> tuple[Event, ...]:
    """One `EndpointsSync` per Service key whose Endpoints are stale, in name order; none at quiescence."""
    return tuple(EndpointsSync(name) for name in stale_services(cluster))


CONTROLLER_PART = register_controller("endpoints", reconcile, order=70)
