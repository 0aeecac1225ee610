"""kube-proxy: a routed connection reaches a ready endpoint on the pod's resolved target port (SEED 5,
SEMANTICS 43, 44)."""

from __future__ import annotations

from invariants.catalog.endpoints import find_port, listed
from invariants.catalog.shared import for_events
from invariants.registry import SOMETIMES, TRANSITION, Violation, invariant


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
