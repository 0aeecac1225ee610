"""Endpoints: at quiescence a Service's ready addresses are exactly its ready, serving pods; a readiness failure
takes a pod out at the next sync; a Service without a selector has no managed endpoints (SEMANTICS 26, 39 to 43).

The expected sets are computed here from the rules, not with the endpoints controller's code, so a bug in the
controller shows up as a violation rather than being copied into the check.
"""

from __future__ import annotations

from invariants.catalog.shared import for_events
from invariants.registry import ALWAYS, SOMETIMES, STABLE, TRANSITION, Violation, invariant


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


def listed(endpoints) -> tuple[set[str], set[str]]:
    if endpoints is None:
        return set(), set()
    return {a.pod for a in endpoints.addresses}, {a.pod for a in endpoints.not_ready_addresses}


@invariant("endpoints-match-ready-pods", kind=STABLE, rules=("39", "40", "42", "43"),
           witness="sometimes-not-ready-selected-pod")
def endpoints_match_ready_pods(cluster):
    """At quiescence a Service's ready addresses are exactly its ready, non-terminating, selected pods with an IP
    and a resolvable port (all serving selected pods with publishNotReadyAddresses), none listed twice."""
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
