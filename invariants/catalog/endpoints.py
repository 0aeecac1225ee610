"""Endpoints: at quiescence a Service's ready addresses are exactly its ready, serving pods; a readiness failure
takes a pod out at the next sync; a Service without a selector has no managed endpoints (SEMANTICS 26, 39 to 43).

The expected sets are computed here from the rules, not with the endpoints controller's code, so a bug in the
controller shows up as a violation rather than being copied into the check.
"""

from __future__ import annotations

from invariants.catalog.shared import for_events, per_pair, pod_fact, some_pod
from invariants.registry import ALWAYS, SOMETIMES, STABLE, TRANSITION, Violation, invariant
from kmodel.controllers import endpoints as _endpoints_controller  # only its proposals, the actual side
from kmodel.memo import Memo
from kmodel.objects import EndpointAddress, EndpointPort, Endpoints


def _has_selecting_service(cluster) -> bool:
    """Some Service's selector matches a pod or a controller's template (the pods it can ever select)."""
    labels = [p.labels for p in cluster.pods.values()] + [c.template.labels for c in cluster.controllers.values()]
    return any(s.label_selector is not None and any(s.label_selector.matches(lbl) for lbl in labels)
               for s in cluster.services.values())


def find_port(pod, service_port) -> int | None:
    """FindPort (SEMANTICS 43): a number is used as is; a name is the first container port with that name and
    the service port's protocol, in container order; unset means the service port itself."""
    target = service_port.port if service_port.target_port is None else service_port.target_port
    if isinstance(target, int):
        return target
    for c in pod.containers:
        for p in c.ports:
            if p.name == target and p.protocol == service_port.protocol:
                return p.container_port
    return None


def serves(pod, service) -> bool:
    """The pod has an IP, is not terminal, is not terminating (unless publishNotReadyAddresses, SEMANTICS 8.4),
    and some port of the Service resolves on it (a Service without ports takes the address alone)
    (SEMANTICS 39, 43)."""
    if pod.pod_ip is None or pod.terminal or (pod.terminating and not service.publish_not_ready_addresses):
        return False
    return not service.ports or any(find_port(pod, sp) is not None for sp in service.ports)


def expected_ready(cluster, service) -> set[str]:
    """Pods that belong in `addresses`: selected, serving, and Ready unless publishNotReadyAddresses (SEMANTICS 40,
    8.4)."""
    sel = service.label_selector
    return {p.name for p in cluster.pods.values()
            if sel.matches(p.labels) and serves(p, service) and (p.ready or service.publish_not_ready_addresses)}


def expected_not_ready(cluster, service) -> set[str]:
    """Pods that belong in `notReadyAddresses`: selected, serving (so not terminating, SEMANTICS 8.4) and not
    Ready, and none at all with publishNotReadyAddresses (SEMANTICS 40)."""
    if service.publish_not_ready_addresses:
        return set()
    sel = service.label_selector
    return {p.name for p in cluster.pods.values() if sel.matches(p.labels) and serves(p, service) and not p.ready}


def listed(endpoints) -> tuple[set[str], set[str]]:
    if endpoints is None:
        return set(), set()
    return {a.pod for a in endpoints.addresses}, {a.pod for a in endpoints.not_ready_addresses}


@invariant("endpoints-match-ready-pods", kind=STABLE, rules=("39", "40", "42", "43"),
           witness="sometimes-not-ready-selected-pod")
def endpoints_match_ready_pods(cluster):
    """At quiescence a Service's ready addresses are exactly its ready, non-terminating, selected pods with an IP
    and a resolvable port (all serving selected pods with publishNotReadyAddresses), its notReadyAddresses exactly
    the other such pods (none with publishNotReadyAddresses), none listed twice."""
    for name, svc in cluster.services.items():
        if svc.label_selector is None:
            continue
        ready, not_ready = listed(cluster.endpoints.get(name))
        want = expected_ready(cluster, svc)
        if ready != want:
            missing, extra = sorted(want - ready), sorted(ready - want)
            yield Violation("endpoints-match-ready-pods",
                            f"Service/{name}: ready addresses miss {missing} and wrongly hold {extra}",
                            (f"Service/{name}", *(f"Pod/{p}" for p in missing + extra)))
        want_not_ready = expected_not_ready(cluster, svc)
        if not_ready != want_not_ready:
            missing, extra = sorted(want_not_ready - not_ready), sorted(not_ready - want_not_ready)
            yield Violation("endpoints-match-ready-pods",
                            f"Service/{name}: notReadyAddresses miss {missing} and wrongly hold {extra}",
                            (f"Service/{name}", *(f"Pod/{p}" for p in missing + extra)))
        if ready & not_ready:
            yield Violation("endpoints-match-ready-pods", f"Service/{name}: {sorted(ready & not_ready)} listed twice")


@invariant("readiness-removes-endpoint", kind=TRANSITION, rules=("40", "42", "SEED 8"),
           witness="sometimes-not-ready-selected-pod")
@for_events("EndpointsSync")
def readiness_removes_endpoint(before, event, after):
    """An endpoints sync never leaves a pod whose Ready condition is False among the Service's ready
    addresses (unless publishNotReadyAddresses): a readiness failure removes the pod at the next sync."""
    svc = after.services.get(event.service)
    if svc is None or svc.publish_not_ready_addresses:
        return
    ready, _ = listed(after.endpoints.get(event.service))
    for pod_name in ready:
        pod = after.pods.get(pod_name)
        if pod is None or not pod.ready:
            yield Violation("readiness-removes-endpoint",
                            f"Service/{event.service} keeps {pod_name} as a ready address after a sync although "
                            f"{'it no longer exists' if pod is None else 'it is not Ready'}",
                            (f"Service/{event.service}", f"Pod/{pod_name}"))


@invariant("unmanaged-service-has-no-endpoints", kind=ALWAYS, rules=("26", "8.2"),
           witness="sometimes-unmanaged-service-beside-pod")
def unmanaged_service(cluster):
    """A Service without a selector gets no managed endpoints: it does not select every pod (SEMANTICS 26)."""
    for name, svc in cluster.services.items():
        if svc.selector is None and name in cluster.endpoints:  # `label_selector` is None exactly then
            yield Violation("unmanaged-service-has-no-endpoints",
                            f"Service/{name} has no selector but the controller wrote endpoints for it",
                            (f"Service/{name}",))


def _has_selectorless_service(cluster) -> bool:
    """Some Service has no selector: its endpoints are the user's (SEMANTICS 26, 8.2)."""
    return any(svc.selector is None for svc in cluster.services.values())


def _has_unmanaged_service(cluster) -> bool:
    """A Service without a selector, and pods or controllers that will make some."""
    return _has_selectorless_service(cluster) and bool(cluster.pods or cluster.controllers)


@invariant("sometimes-unmanaged-service-beside-pod", kind=SOMETIMES, applies=_has_unmanaged_service)
def unmanaged_service_beside_pod(cluster):
    """Some state holds a Service without a selector and a running pod (one with an IP), which a controller
    that read the missing selector as "every pod" would list: the states `unmanaged-service-has-no-endpoints`
    speaks of (SEMANTICS 26, 8.2)."""
    return _has_selectorless_service(cluster) and any(p.pod_ip is not None for p in cluster.pods.values())


@invariant("sometimes-not-ready-selected-pod", kind=SOMETIMES, applies=_has_selecting_service)
def not_ready_selected_pod(cluster):
    """Some running pod that a Service selects is not Ready (the states readiness rules speak of are reached)."""
    return any(not cluster.pods[p].ready and cluster.pods[p].pod_ip is not None
               for members in cluster.service_members.values() for p in members)


# --------------------------------------------------------------------------------------------------------------
# The Endpoints object SEMANTICS 39 to 43 and 8.4 demand, restated here (never with the controller's code)

_EXPECTED_ENTRY = Memo("rules-expected-entry", 16_384)


def _entry(pod, service):
    """What one selected pod contributes to the Service's v1 Endpoints, from the rules alone, or None:
    - ShouldPodBeInEndpoints (39): not terminal, has an IP, not terminating unless publishNotReadyAddresses
      (the legacy controller passes it as includeTerminating);
    - every Service port is resolved on the pod by FindPort (43); a port that does not resolve leaves the pod
      out of that port's subset only, and a pod that resolves none of the Service's ports is not listed at all
      (upstream's `continue` per port); a port-less (headless) Service takes the address alone (40);
    - the address is ready (`addresses`) iff publishNotReadyAddresses or IsPodReady, else `notReadyAddresses`
      (40, 42), so a terminating pod is never a not-ready address (8.4).
    Returns (is ready address, EndpointAddress with the resolved ports in Service port order)."""
    publish = service.publish_not_ready_addresses
    if pod.terminal or not pod.pod_ip or (pod.deletion_timestamp is not None and not publish):
        return None
    ports = []
    for sp in service.ports:
        number = find_port(pod, sp)
        if number is not None:
            ports.append(EndpointPort(name=sp.name, port=number, protocol=sp.protocol))
    if service.ports and not ports:
        return None
    return (bool(publish or pod.ready),
            EndpointAddress(pod=pod.name, ip=pod.pod_ip, node=pod.node_name, ports=tuple(ports)))


def expected_entry(pod, service):
    """`_entry`, remembered per (pod, Service) pair of objects (`shared.per_pair`; a pure function of both)."""
    hit = _EXPECTED_ENTRY.get((id(pod), id(service)))
    if hit is not None and hit[0] is pod and hit[1] is service:
        return hit[3]
    return per_pair(_EXPECTED_ENTRY, pod, service, _entry)


def expected_endpoints(service, pods) -> Endpoints:
    """The Endpoints the rules demand for a managed Service over `pods` (the pods its selector matches): ready
    and not-ready addresses, each sorted by pod name (the model's canonical order; upstream sorts too, by IP)."""
    ready, not_ready = [], []
    for pod in pods:
        entry = expected_entry(pod, service)
        if entry is not None:
            (ready if entry[0] else not_ready).append(entry[1])
    ready.sort(key=lambda a: a.pod)
    not_ready.sort(key=lambda a: a.pod)
    return Endpoints(service=service.name, addresses=tuple(ready), not_ready_addresses=tuple(not_ready))


def _members(cluster, name):
    """The pods the Service's selector matches, from the membership index (which `indexes-exact` holds equal to
    matching every pod against every selector)."""
    pods = cluster.pods
    return [pods[p] for p in cluster.service_members.get(name, ())]


def _by_pod(addresses) -> dict:
    return {a.pod: a for a in addresses}


def endpoints_differences(stored, want) -> list[str]:
    """What differs between stored and demanded Endpoints, in words (empty when they are equal)."""
    if stored is None:
        return ["no Endpoints object is stored"]
    out = []
    for label, have, need in (("addresses", stored.addresses, want.addresses),
                              ("notReadyAddresses", stored.not_ready_addresses, want.not_ready_addresses)):
        h, n = _by_pod(have), _by_pod(need)
        if len(h) != len(have):
            out.append(f"{label} list a pod twice")
        if set(h) - set(n):
            out.append(f"{label} wrongly hold {sorted(set(h) - set(n))}")
        if set(n) - set(h):
            out.append(f"{label} miss {sorted(set(n) - set(h))}")
        for pod in sorted(set(h) & set(n)):
            if h[pod] != n[pod]:
                out.append(f"{label} hold {h[pod]} where the rules give {n[pod]}")
    if not out and stored != want:
        out.append("addresses are not in pod-name order")
    both = {a.pod for a in stored.addresses} & {a.pod for a in stored.not_ready_addresses}
    if both:
        out.append(f"{sorted(both)} listed both ready and not ready")
    return out


@invariant("endpoints-exact", kind=STABLE, rules=("39", "40", "42", "43", "8.4"),
           witness="sometimes-not-ready-selected-pod")
def endpoints_exact(cluster):
    """At quiescence every managed Service has exactly the Endpoints the rules give (both lists, both ways, with
    each pod's IP, node and ports resolved per pod), computed from every pod against the selector (not the
    membership index); no Endpoints are left for a deleted Service."""
    pods = list(cluster.pods.values())
    for name, svc in cluster.services.items():
        sel = svc.label_selector
        if sel is None:
            continue
        want = expected_endpoints(svc, [p for p in pods if sel.matches(p.labels)])
        stored = cluster.endpoints.get(name)
        if stored != want:
            yield Violation("endpoints-exact", f"Service/{name}: " + "; ".join(endpoints_differences(stored, want)),
                            (f"Service/{name}",))
    for name in cluster.endpoints.keys():
        if name not in cluster.services:
            yield Violation("endpoints-exact", f"Endpoints/{name} outlive their Service", (f"Endpoints/{name}",))


def _written(after, event):
    """(Service, stored Endpoints, demanded Endpoints) after an endpoints sync of a Service that exists."""
    svc = after.services.get(event.service)
    if svc is None or svc.label_selector is None:
        return None
    return svc, after.endpoints.get(event.service), expected_endpoints(svc, _members(after, event.service))


@invariant("endpoints-sync-exact", kind=TRANSITION, rules=("39", "40", "42", "8.4"),
           witness="sometimes-terminating-selected-pod")
@for_events("EndpointsSync")
def endpoints_sync_exact(before, event, after):
    """Every endpoints sync writes, for its Service, exactly the addresses and notReadyAddresses the rules give
    for the pods as they are (nothing missing, nothing extra, each pod in the right list with its IP and node),
    and a sync of a deleted Service removes its Endpoints (SEMANTICS 39, 40, 42, 8.4)."""
    if event.service not in after.services:
        if event.service in after.endpoints:
            yield Violation("endpoints-sync-exact", f"a sync left the Endpoints of deleted Service/{event.service}",
                            (f"Service/{event.service}",))
        return
    found = _written(after, event)
    if found is None:
        yield Violation("endpoints-sync-exact", f"Service/{event.service} has no selector but was synced",
                        (f"Service/{event.service}",))
        return
    svc, stored, want = found
    if stored is None:
        yield Violation("endpoints-sync-exact", f"a sync of Service/{event.service} stored no Endpoints",
                        (f"Service/{event.service}",))
        return
    strip = lambda addrs: {a.pod: (a.ip, a.node) for a in addrs}  # noqa: E731 (ports: endpoint-ports-per-pod)
    problems = [d for d in endpoints_differences(
        Endpoints(svc.name, tuple(EndpointAddress(a.pod, a.ip, a.node) for a in stored.addresses),
                  tuple(EndpointAddress(a.pod, a.ip, a.node) for a in stored.not_ready_addresses)),
        Endpoints(svc.name, tuple(EndpointAddress(a.pod, a.ip, a.node) for a in want.addresses),
                  tuple(EndpointAddress(a.pod, a.ip, a.node) for a in want.not_ready_addresses)))
        if "order" not in d]
    if problems or strip(stored.addresses) != strip(want.addresses) \
            or strip(stored.not_ready_addresses) != strip(want.not_ready_addresses):
        yield Violation("endpoints-sync-exact", f"a sync of Service/{event.service} wrote the wrong addresses: "
                        + "; ".join(problems), (f"Service/{event.service}",))


@invariant("endpoint-ports-per-pod", kind=TRANSITION, rules=("43",), witness="sometimes-port-unresolved-on-pod")
@for_events("EndpointsSync")
def endpoint_ports_per_pod(before, event, after):
    """Every address an endpoints sync writes carries exactly the Service's ports as FindPort resolves them on
    that pod (a numbered or unset targetPort as is, a named one by the first container port of that name and the
    Service port's protocol), each with the Service port's name and protocol, in Service port order; a pod that
    resolves none of them is not listed (SEMANTICS 43)."""
    found = _written(after, event)
    if found is None or found[1] is None:
        return
    svc, stored, want = found
    need = {a.pod: a.ports for a in want.addresses + want.not_ready_addresses}
    for a in stored.addresses + stored.not_ready_addresses:
        pod = after.pods.get(a.pod)
        if pod is None:
            continue  # endpoints-sync-exact reports an address of a pod that does not exist
        expected = need.get(a.pod)
        if expected is None:
            if svc.ports and not any(find_port(pod, sp) is not None for sp in svc.ports):
                yield Violation("endpoint-ports-per-pod", f"Service/{svc.name} lists {a.pod}, on which no Service "
                                "port resolves", (f"Service/{svc.name}", f"Pod/{a.pod}"))
        elif a.ports != expected:
            yield Violation("endpoint-ports-per-pod", f"Service/{svc.name} lists {a.pod} with ports {list(a.ports)}; "
                            f"FindPort gives {list(expected)}", (f"Service/{svc.name}", f"Pod/{a.pod}"))


@invariant("terminating-pods-leave-endpoints", kind=TRANSITION, rules=("39", "40", "8.4"),
           witness="sometimes-terminating-selected-pod")
@for_events("EndpointsSync")
def terminating_pods_leave_endpoints(before, event, after):
    """After an endpoints sync no terminating pod is among the Service's notReadyAddresses, and none among its
    addresses unless the Service publishes not-ready addresses (then a terminating, not terminal pod with an IP
    is a ready address, Ready or not): ShouldPodBeInEndpoints with includeTerminating = publishNotReadyAddresses
    (SEMANTICS 39, 8.4)."""
    svc = after.services.get(event.service)
    stored = after.endpoints.get(event.service)
    if svc is None or stored is None or svc.label_selector is None:
        return
    pods = after.pods
    for a in stored.not_ready_addresses:
        pod = pods.get(a.pod)
        if pod is not None and pod.deletion_timestamp is not None:
            yield Violation("terminating-pods-leave-endpoints", f"Service/{svc.name} lists terminating {a.pod} "
                            "among its notReadyAddresses", (f"Service/{svc.name}", f"Pod/{a.pod}"))
    if not svc.publish_not_ready_addresses:
        for a in stored.addresses:
            pod = pods.get(a.pod)
            if pod is not None and pod.deletion_timestamp is not None:
                yield Violation("terminating-pods-leave-endpoints", f"Service/{svc.name} keeps terminating {a.pod} "
                                "as a ready address after a sync", (f"Service/{svc.name}", f"Pod/{a.pod}"))
    else:
        listed_now = {a.pod for a in stored.addresses}
        for pod in _members(after, svc.name):
            if pod.deletion_timestamp is not None and not pod.terminal and pod.pod_ip \
                    and pod.name not in listed_now and expected_entry(pod, svc) is not None:
                yield Violation("terminating-pods-leave-endpoints", f"Service/{svc.name} publishes not-ready "
                                f"addresses but dropped terminating {pod.name}", (f"Service/{svc.name}",
                                                                                 f"Pod/{pod.name}"))


_DUE = Memo("rules-stale-services", 1_024)  # (id(services), id(pods), id(endpoints)) -> (the maps, stale keys)


def stale_services(cluster) -> frozenset:
    """The Service keys whose stored Endpoints differ from those the rules demand for the pods as they are
    (managed Services only, SEMANTICS 26), or that name a deleted Service: exactly the keys an endpoints sync
    should write. Remembered per (services, pods, endpoints) maps, kept in the entry: a function of the three
    (the membership index is a function of the first two)."""
    services, pods, endpoints = cluster.services, cluster.pods, cluster.endpoints
    key = (id(services), id(pods), id(endpoints))
    hit = _DUE.get(key)
    if hit is not None and hit[0] is services and hit[1] is pods and hit[2] is endpoints:
        return hit[3]
    out = set()
    for name, svc in services.items():
        if svc.selector is not None and endpoints.get(name) != expected_endpoints(svc, _members(cluster, name)):
            out.add(name)
    for name in endpoints.keys():
        if name not in services:
            out.add(name)
    return _DUE.remember(key, (services, pods, endpoints, frozenset(out)))[3]


_PROPOSED = Memo("rules-proposed-services", 1_024)  # (id(services), id(pods), id(endpoints)) -> (the maps, keys)


def _proposed(cluster) -> frozenset:
    """The Service keys the endpoints controller proposes a sync for now (its `reconcile`: the actual side), but
    those of Services without a selector, which are `unmanaged-service-has-no-endpoints`'s (SEMANTICS 26, 8.2).
    Remembered per (services, pods, endpoints) maps, which the queue it reads is a function of."""
    services, pods, endpoints = cluster.services, cluster.pods, cluster.endpoints
    key = (id(services), id(pods), id(endpoints))
    hit = _PROPOSED.get(key)
    if hit is not None and hit[0] is services and hit[1] is pods and hit[2] is endpoints:
        return hit[3]
    keys = frozenset(e.service for e in _endpoints_controller.reconcile(cluster)
                     if e.service not in services or services[e.service].selector is not None)
    return _PROPOSED.remember(key, (services, pods, endpoints, keys))[3]


@invariant("endpoints-sync-due-exactly", kind=ALWAYS, rules=("26", "39", "40", "43", "8.4"),
           witness="sometimes-not-ready-selected-pod")
def endpoints_sync_due_exactly(cluster):
    """In every state the endpoints controller proposes a sync (`EndpointsSync`) for exactly the Service keys
    whose stored Endpoints differ from what the rules give for the pods as they are now, or whose Service was
    deleted: a pod that turns not Ready, terminating, terminal or unresolvable is noticed at once, and nothing
    in order is rewritten. The expectation is this module's; the proposals are the controller's own. Services
    without a selector are left to `unmanaged-service-has-no-endpoints`."""
    if not cluster.services and not cluster.endpoints:
        return
    stale = stale_services(cluster)
    proposed = _proposed(cluster)
    for name in sorted(stale ^ proposed):
        why = "differ from what the rules give, but no sync is proposed" if name in stale else \
            "are in order, but a sync is proposed"
        yield Violation("endpoints-sync-due-exactly", f"Service/{name}: its Endpoints {why}", (f"Service/{name}",))


@invariant("publish-not-ready-lists-every-candidate", kind=TRANSITION, rules=("39", "40", "8.3", "8.4"),
           witness="sometimes-published-not-ready-pod")
@for_events("EndpointsSync")
def publish_not_ready_lists_every_candidate(before, event, after):
    """After a sync of a Service with publishNotReadyAddresses its notReadyAddresses are empty and every selected
    pod that is not terminal, has an IP and resolves a port is a ready address, Ready or not, terminating or not
    (ShouldPodBeInEndpoints with includeTerminating, then `addresses` for all); without it, only Ready pods are
    (SEMANTICS 40, 8.4)."""
    svc = after.services.get(event.service)
    stored = after.endpoints.get(event.service)
    if svc is None or stored is None or svc.label_selector is None:
        return
    pods = after.pods
    if svc.publish_not_ready_addresses:
        if stored.not_ready_addresses:
            yield Violation("publish-not-ready-lists-every-candidate", f"Service/{svc.name} publishes not-ready "
                            f"addresses but lists {[a.pod for a in stored.not_ready_addresses]} as not ready",
                            (f"Service/{svc.name}",))
        ready = {a.pod for a in stored.addresses}
        for pod in _members(after, svc.name):
            if pod.name not in ready and expected_entry(pod, svc) is not None:
                yield Violation("publish-not-ready-lists-every-candidate", f"Service/{svc.name} publishes not-ready "
                                f"addresses but leaves {pod.name} out of its addresses",
                                (f"Service/{svc.name}", f"Pod/{pod.name}"))
    else:
        for a in stored.addresses:
            pod = pods.get(a.pod)
            if pod is not None and not pod.ready:
                yield Violation("publish-not-ready-lists-every-candidate", f"Service/{svc.name} does not publish "
                                f"not-ready addresses but lists {a.pod}, not Ready, as ready",
                                (f"Service/{svc.name}", f"Pod/{a.pod}"))


# --------------------------------------------------------------------------------------------------------------
# Witnesses of the endpoints rules


def _selected_pods_and_templates(cluster, svc) -> list:
    """The containers (a tuple per pod or template) of the pods and controller templates a Service's selector
    matches now. A pod created from a matched template is matched too; a user's relabel can bring another pod
    under the Service only by giving an orphan a matched template's labels (`user.relabel_palette`), and such a
    pod is counted here only when it already matches: a chain of relabels that carries another controller's pods
    under the Service is not (it is reachable, but far beyond what the engines' searches reach)."""
    sel = svc.label_selector
    if sel is None:
        return []
    return ([c.template.containers for c in cluster.controllers.values() if sel.matches(c.template.labels)]
            + [p.containers for p in cluster.pods.values() if sel.matches(p.labels)])


_TERMINATING_WITH_IP = pod_fact(lambda pod: pod.deletion_timestamp is not None and bool(pod.pod_ip))


@invariant("sometimes-terminating-selected-pod", kind=SOMETIMES, applies=_has_selecting_service)
def terminating_selected_pod(cluster):
    """Some pod a managed Service selects is terminating while it still has an IP: the states in which
    ShouldPodBeInEndpoints drops it (or, with publishNotReadyAddresses, keeps it ready) (SEMANTICS 39, 8.4)."""
    if not some_pod(cluster, _TERMINATING_WITH_IP):
        return False
    pods = cluster.pods
    for members in cluster.service_members.values():
        for name in members:
            pod = pods[name]
            if pod.deletion_timestamp is not None and pod.pod_ip:
                return True
    return False


def _can_publish_not_ready(cluster) -> bool:
    """Some Service with publishNotReadyAddresses selects a pod or a controller's template."""
    return any(svc.publish_not_ready_addresses and _selected_pods_and_templates(cluster, svc)
               for svc in cluster.services.values())


_NOT_READY_WITH_IP = pod_fact(lambda pod: bool(pod.pod_ip) and not pod.terminal
                              and (not pod.ready or pod.deletion_timestamp is not None))


@invariant("sometimes-published-not-ready-pod", kind=SOMETIMES, applies=_can_publish_not_ready)
def published_not_ready_pod(cluster):
    """Some pod that a Service with publishNotReadyAddresses selects has an IP and is not Ready or is
    terminating: the pods that Service lists as ready where another would not (SEMANTICS 40, 8.4)."""
    if not some_pod(cluster, _NOT_READY_WITH_IP):
        return False
    pods = cluster.pods
    for name, members in cluster.service_members.items():
        svc = cluster.services.get(name)
        if svc is None or not svc.publish_not_ready_addresses:
            continue
        for p in members:
            pod = pods[p]
            if pod.pod_ip and not pod.terminal and (not pod.ready or pod.deletion_timestamp is not None):
                return True
    return False


def _lacks(containers, sp) -> bool:
    """No container port has the named targetPort of `sp` with its protocol (FindPort fails, SEMANTICS 43)."""
    target = sp.target_port
    return isinstance(target, str) and not any(
        p.name == target and p.protocol == sp.protocol for c in containers for p in c.ports)


def _can_leave_port_unresolved(cluster) -> bool:
    """Some managed Service has a named targetPort that some pod or template it can select does not declare
    with that protocol."""
    for svc in cluster.services.values():
        named = [sp for sp in svc.ports if isinstance(sp.target_port, str)]
        if named and any(_lacks(cs, sp) for cs in _selected_pods_and_templates(cluster, svc) for sp in named):
            return True
    return False


@invariant("sometimes-port-unresolved-on-pod", kind=SOMETIMES, applies=_can_leave_port_unresolved)
def port_unresolved_on_pod(cluster):
    """Some running pod (one with an IP) that a managed Service selects lacks one of its named target ports
    (by name and protocol): FindPort fails there, so the pod is left out of that port's subset (SEMANTICS 43)."""
    pods = cluster.pods
    for name, members in cluster.service_members.items():
        svc = cluster.services.get(name)
        if svc is None or not any(isinstance(sp.target_port, str) for sp in svc.ports):
            continue
        for p in members:
            pod = pods[p]
            if pod.pod_ip and any(_lacks(pod.containers, sp) for sp in svc.ports):
                return True
    return False
