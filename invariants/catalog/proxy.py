"""kube-proxy: a routed connection reaches a ready endpoint on the pod's resolved target port (SEED 5,
SEMANTICS 43, 44)."""

from __future__ import annotations

from invariants.catalog.endpoints import find_port, listed
from invariants.catalog.shared import for_events
from invariants.registry import ALWAYS, SOMETIMES, TRANSITION, Violation, invariant
from kmodel.controllers import proxy as _proxy  # only its enabled connections, the actual side
from kmodel.memo import Memo


@invariant("traffic-only-to-ready", kind=TRANSITION, rules=("43", "44"), witness="sometimes-routing-choice")
@for_events("RouteConnection")
def traffic_only_to_ready(before, event, after):
    """A connection only reaches a ready address of the Service's Endpoints (what kube-proxy watches: a pod that
    just turned not Ready keeps traffic until the next endpoints sync, as in a real cluster), on the target
    port resolved for that pod; a terminating-but-serving pod only when no ready address remains (SEMANTICS 44)."""
    svc = before.services.get(event.service)
    pod = before.pods.get(event.pod)
    where = (f"Service/{event.service}", f"Pod/{event.pod}")
    if svc is None:
        yield Violation("traffic-only-to-ready", f"connection routed for missing Service/{event.service}", where)
        return
    if pod is None:
        # The pod is gone but the Endpoints still list it: kube-proxy routes by the Endpoints, so this is the
        # endpoints controller's lag (the race preStop sleeps exist for), not a routing error. The address must
        # still be a ready one and the port the one recorded for it.
        endpoints = before.endpoints.get(event.service)
        recorded = [a for a in (endpoints.addresses if endpoints else ()) if a.pod == event.pod]
        if not recorded or event.target_port not in {p.port for p in recorded[0].ports}:
            yield Violation("traffic-only-to-ready", f"connection routed to {event.pod}, which neither exists nor "
                            "is a ready address on that port", where)
        return
    ready, _ = listed(before.endpoints.get(event.service))
    if ready:
        ok = event.pod in ready
        why = "not a ready address of the Service's Endpoints"
    else:  # ProxyTerminatingEndpoints fallback: only serving (Ready) terminating pods
        ok = pod.terminating and pod.ready
        why = "not a serving terminating pod, and no ready address exists"
    if not ok:
        yield Violation("traffic-only-to-ready", f"connection to Service/{event.service} routed to {event.pod}, "
                        f"which is {why}", where)
        return
    ports = [sp for sp in svc.ports if sp.port == event.port or sp.name == event.port] if svc.ports else []
    expected = {find_port(pod, sp) for sp in ports}
    if ports and event.target_port not in expected:
        yield Violation("traffic-only-to-ready", f"connection to Service/{event.service}:{event.port} reached "
                        f"{event.pod} on port {event.target_port}, not the resolved target port {sorted(expected - {None})}",
                        where)


def _service_can_choose(cluster) -> bool:
    """Some Service can ever hold two addresses at once: its selector matches a controller's template (a
    controller runs several pods, or is scaled to, or replaces one while the old one terminates) or two pods.
    Nothing else can make a pod match: a Service's selector is a map of equality terms (SEMANTICS 23, 26), and the
    only relabels the engines request drop a label or take a controller's template labels (`user.relabel_palette`).
    A Service that can hold one pod at most never offers kube-proxy a choice: with that pod not ready no connection
    is routed at all (SEMANTICS 44)."""
    templates = [c.template.labels for c in cluster.controllers.values()]
    pods = [p.labels for p in cluster.pods.values()]
    for svc in cluster.services.values():
        sel = svc.label_selector
        if sel is not None and (any(map(sel.matches, templates)) or sum(map(bool, map(sel.matches, pods))) >= 2):
            return True
    return False


@invariant("sometimes-routing-choice", kind=SOMETIMES, applies=_service_can_choose, reached_by=("ScaleController",))
def routing_choice(cluster):
    """Some Service's Endpoints hold ready and not-ready addresses at once: routing has a wrong choice to avoid."""
    return any(e.addresses and e.not_ready_addresses for e in cluster.endpoints.values())


# --------------------------------------------------------------------------------------------------------------
# Every endpoint kube-proxy may choose, and nothing else (SEMANTICS 44, restated; the model's choices are the
# `RouteConnection` events it enables, which `kmodel.controllers.proxy.routable_connections` lists)


def _key(sp):
    """How a connection names a Service port: its name, or its number when it has none."""
    return sp.name if sp.name else sp.port


def expected_routes(cluster) -> set:
    """(Service, port, pod, target port) of every connection kube-proxy may make now (SEMANTICS 44):
    - the stored Endpoints' ready `addresses` that carry the Service port (same name and protocol), on the
      number written there: iptables and nftables choose uniformly among them, so each may be chosen;
    - when there is none for the port (ProxyTerminatingEndpoints): the selected pods that are serving and
      terminating (Ready, deletionTimestamp set, not terminal, with an IP), on the target port FindPort resolves
      on them (SEMANTICS 41, 43, 8.3), for a managed Service whose Endpoints have been written;
    - a not-Ready pod listed ready because of publishNotReadyAddresses is ready to kube-proxy (8.3);
    - a not-ready address is never chosen, nor a pod on a port it was not resolved for."""
    out = set()
    for name, svc in cluster.services.items():
        stored = cluster.endpoints.get(name)
        for sp in svc.ports:
            key = _key(sp)
            found = False
            for a in stored.addresses if stored is not None else ():
                for ep in a.ports:
                    if ep.name == sp.name and ep.protocol == sp.protocol:
                        out.add((name, key, a.pod, ep.port))
                        found = True
                        break
            if found or svc.selector is None or stored is None:
                continue
            for p in cluster.service_members.get(name, ()):
                pod = cluster.pods[p]
                if pod.deletion_timestamp is not None and pod.ready and not pod.terminal and pod.pod_ip:
                    number = find_port(pod, sp)
                    if number is not None:
                        out.add((name, key, pod.name, number))
    return out


_ROUTES = Memo("rules-routes", 1_024)  # (id(services), id(endpoints), id(pods)) -> (the maps, (want, have))


def _routes(cluster):
    """(expected routes, the model's routes) for this state, remembered per (services, endpoints, pods) maps (what
    both read); the entry keeps the maps."""
    services, endpoints, pods = cluster.services, cluster.endpoints, cluster.pods
    key = (id(services), id(endpoints), id(pods))
    hit = _ROUTES.get(key)
    if hit is not None and hit[0] is services and hit[1] is endpoints and hit[2] is pods:
        return hit[3]
    value = (expected_routes(cluster),
             {(e.service, e.port, e.pod, e.target_port) for e in _proxy.routable_connections(cluster)})
    return _ROUTES.remember(key, (services, endpoints, pods, value))[3]


@invariant("routing-exactly-ready-endpoints", kind=ALWAYS, rules=("43", "44", "8.3"),
           witness="sometimes-two-ready-endpoints")
def routing_exactly_ready_endpoints(cluster):
    """In every state the connections kube-proxy may make to each Service port are exactly SEMANTICS 44's: every
    ready address carrying the port can be chosen (the choice is random per connection), on the number resolved
    for its pod; no not-ready address, no other pod and no other port can; and only with no ready address, the
    serving terminating pods (ProxyTerminatingEndpoints)."""
    if not cluster.services:
        return
    want, have = _routes(cluster)
    for svc, port, pod, target in sorted(want - have, key=str):
        yield Violation("routing-exactly-ready-endpoints", f"Service/{svc}:{port} cannot route to {pod} on port "
                        f"{target}, which SEMANTICS 44 lets kube-proxy choose", (f"Service/{svc}", f"Pod/{pod}"))
    for svc, port, pod, target in sorted(have - want, key=str):
        yield Violation("routing-exactly-ready-endpoints", f"Service/{svc}:{port} routes to {pod} on port {target}, "
                        "which is not a ready endpoint on that port (nor a serving terminating fallback)",
                        (f"Service/{svc}", f"Pod/{pod}"))


@invariant("sometimes-two-ready-endpoints", kind=SOMETIMES, applies=_service_can_choose)
def two_ready_endpoints(cluster):
    """Some Service's Endpoints hold two ready addresses at once: kube-proxy has a random choice to make, and
    every one of them must be choosable (SEMANTICS 44)."""
    for e in cluster.endpoints.values():
        if len(e.addresses) >= 2:
            return True
    return False


def _can_fall_back(cluster) -> bool:
    """Some Service with a selector and ports, without publishNotReadyAddresses (which lists terminating pods
    ready, so the fallback never applies), selects a pod or a controller's template: deleting its last ready pod
    leaves a serving terminating one (SEMANTICS 44)."""
    templates = [c.template.labels for c in cluster.controllers.values()]
    pods = [p.labels for p in cluster.pods.values() if not p.daemon]
    for svc in cluster.services.values():
        sel = svc.label_selector
        if sel is not None and svc.ports and not svc.publish_not_ready_addresses and (
                any(map(sel.matches, templates)) or any(map(sel.matches, pods))):
            return True
    return False


@invariant("sometimes-routing-fallback", kind=SOMETIMES, applies=_can_fall_back)
def routing_fallback(cluster):
    """Some Service port has no ready address while a pod it selects is serving and terminating (Ready, being
    deleted, with an IP): kube-proxy falls back to it (ProxyTerminatingEndpoints, SEMANTICS 44)."""
    for name, svc in cluster.services.items():
        stored = cluster.endpoints.get(name)
        if stored is None or svc.selector is None or stored.addresses or not svc.ports:
            continue
        for p in cluster.service_members.get(name, ()):
            pod = cluster.pods[p]
            if pod.deletion_timestamp is not None and pod.ready and not pod.terminal and pod.pod_ip:
                return True
    return False
