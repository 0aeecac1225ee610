"""kube-proxy: a routed connection reaches a ready endpoint on the pod's resolved target port (SEED 5,
SEMANTICS 43, 44)."""

from __future__ import annotations

from invariants.catalog.endpoints import _has_selecting_service, find_port, listed
from invariants.registry import SOMETIMES, TRANSITION, Violation, invariant


@invariant("traffic-only-to-ready", kind=TRANSITION, rules=("43", "44"), witness="sometimes-routing-choice")
def traffic_only_to_ready(before, event, after):
    """A connection only reaches a pod that is a ready address of the Service, Ready and not terminating, on the
    target port resolved for that pod; a terminating-but-serving pod only when no ready address remains."""
    if type(event).__name__ != "RouteConnection":
        return
    svc = before.services.get(event.service)
    pod = before.pods.get(event.pod)
    where = (f"Service/{event.service}", f"Pod/{event.pod}")
    if svc is None or pod is None:
        yield Violation("traffic-only-to-ready", f"connection to {event.service} routed to missing {event.pod}", where)
        return
    ready, _ = listed(before.endpoints.get(event.service))
    fallback = not ready
    if fallback:
        ok = pod.terminating and pod.ready
    else:
        ok = event.pod in ready and pod.ready and not pod.terminating
    if not ok:
        yield Violation("traffic-only-to-ready", f"connection to Service/{event.service} routed to {event.pod}, "
                        f"which is {'terminating' if pod.terminating else 'not Ready' if not pod.ready else 'not a ready endpoint'}",
                        where)
        return
    ports = [sp for sp in svc.ports if sp.port == event.port or sp.name == event.port] if svc.ports else []
    expected = {find_port(pod, sp) for sp in ports}
    if ports and event.target_port not in expected:
        yield Violation("traffic-only-to-ready", f"connection to Service/{event.service}:{event.port} reached "
                        f"{event.pod} on port {event.target_port}, not the resolved target port {sorted(expected - {None})}",
                        where)


@invariant("sometimes-routing-choice", kind=SOMETIMES, applies=_has_selecting_service)
def routing_choice(cluster):
    """Some Service has a ready endpoint while another selected pod is not Ready: routing has a wrong choice to
    avoid."""
    for name, members in cluster.service_members.items():
        ready, _ = listed(cluster.endpoints.get(name))
        if ready and any(not cluster.pods[p].ready for p in members):
            return True
    return False
