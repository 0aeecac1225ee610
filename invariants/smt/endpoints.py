"""Proofs about endpoint membership, over the Endpoints controller's own decision code (SEMANTICS 39 to 43, 8.4).

`kmodel.controllers.endpoints.endpoint_membership` (which calls `should_be_in_endpoints`, `address_is_ready`,
`resolves` and the Service's `Selector.matches_view`) is looked up on the module at proof time and run on up to
`MAX_PODS` symbolic pods (`SymbolicPod`: labels, Ready, terminating, terminal, IP, container ports) against each
Service shape of `SERVICE_SHAPES` (named and numeric target ports, several ports, headless, with and without
publishNotReadyAddresses). Counterexamples are replayed through `desired_endpoints` on a real Cluster.

`endpoints-membership`:
- soundness: a pod in `addresses` is selected, has an IP, is not terminal, resolves a Service port (or the
  Service has none), and, unless publishNotReadyAddresses, is Ready and not terminating; a pod in
  `notReadyAddresses` is selected, not Ready, not terminating (8.4) and the Service does not publish not-ready
  addresses;
- the converse: a selected, Ready, non-terminating pod with an IP that resolves a port is in `addresses`;
  with publishNotReadyAddresses every selected, non-terminal pod with an IP that resolves a port is (Ready or
  not, terminating or not); without it a selected, not Ready, non-terminating, non-terminal one is in
  `notReadyAddresses`;
- exactly: each list is the set SEMANTICS 39, 40 and 8.4 give, both ways.

"Selected" and "resolves a port" in the claims are this module's restatements (`selected_spec`: every key of
the Service's selector map present with its value, SEMANTICS 23; `port_resolved_spec`), not the model's
selector matching or FindPort, which the code under test runs (`Selector.matches_view` gives the code its
`selected`).
"""

from __future__ import annotations

from typing import Any

import z3

from invariants.smt.domains import Symbols, SymbolicPod, ValueDomain, bool_value
from invariants.smt.framework import ProofContext, Verdict, combine, proof
from kmodel.controllers import endpoints
from kmodel.decisions import endpoints as endpoint_decisions
from kmodel.objects import Service, ServicePort

__all__ = ["SERVICE_SHAPES", "MAX_PODS", "membership_claims", "symbolic_pods", "replay_membership",
           "port_resolved_spec", "selected_spec"]

MAX_PODS = 20
SELECTOR = {"app": "web", "tier": "frontend"}

SERVICE_SHAPES: tuple[Service, ...] = (
    Service("named", selector=SELECTOR, ports=(ServicePort(80, target_port="http"),)),
    Service("named-publish", selector=SELECTOR, ports=(ServicePort(80, target_port="http"),),
            publish_not_ready_addresses=True),
    Service("numeric", selector=SELECTOR, ports=(ServicePort(80, target_port=8080),)),
    Service("default-target", selector={"app": "web"}, ports=(ServicePort(80),)),
    Service("two-ports", selector=SELECTOR, ports=(ServicePort(80, target_port="http", name="web"),
                                                   ServicePort(53, target_port="dns", name="dns", protocol="UDP"))),
    Service("headless", selector=SELECTOR, ports=()),
    Service("headless-publish", selector=SELECTOR, ports=(), publish_not_ready_addresses=True),
)


def _target_names(service: Service) -> tuple[str, ...]:
    return tuple(sp.target for sp in service.ports if isinstance(sp.target, str))


def symbolic_pods(service: Service, count: int, symbols: Symbols) -> list[SymbolicPod]:
    domain = ValueDomain.for_selectors(service.label_selector)
    return [SymbolicPod(f"pod-{i}", domain, _target_names(service), symbols) for i in range(count)]


def port_resolved_spec(pod: SymbolicPod, service: Service) -> Any:
    """The claim's own statement of SEMANTICS 43 (not the code's): some Service port has a numeric target or a
    container port slot with the target's name and the Service port's protocol; or the Service has no ports."""
    if not service.ports:
        return z3.BoolVal(True)
    options = []
    for sp in service.ports:
        if not isinstance(sp.target, str):
            options.append(z3.BoolVal(True))
            continue
        for c in pod.containers:
            for p in c.ports:
                options.append(z3.And(p.name.is_(sp.target), p.protocol.is_(sp.protocol)))
    return z3.Or(*options)


def selected_spec(pod: SymbolicPod, service: Service) -> Any:
    """The claim's own statement of a Service selector (SEMANTICS 23, a map: every key present with its value),
    read off the label variables directly, not through the model's `Selector`."""
    terms = []
    for key, value in service.selector.items():
        present, index = pod.labels.vars(key)
        terms.append(z3.And(present, index == pod.labels.domain.index(value)))
    return z3.And(*terms)


def _selected_concrete(pod: Any, service: Service) -> bool:
    return all(pod.labels.get(k) == v for k, v in service.selector.items())


def membership_claims(pod: SymbolicPod, service: Service) -> dict[str, Any]:
    """The per-pod claims for one Service, with the code's membership evaluated on the symbolic pod (its
    selection by the model's own `Selector.matches_view`, the claims' by `selected_spec`)."""
    in_ready, in_not_ready = endpoint_decisions.endpoint_membership(pod, service,
                                                           service.label_selector.matches_view(pod.labels))
    selected = selected_spec(pod, service)
    publish = service.publish_not_ready_addresses
    resolved = port_resolved_spec(pod, service)
    ready_ok = z3.BoolVal(True) if publish else z3.And(pod.ready, z3.Not(pod.terminating))
    candidate = z3.And(selected, pod.has_ip, z3.Not(pod.terminal), resolved)
    return {
        "an address is selected, has an IP, is not terminal and resolves a port":
            z3.Implies(in_ready, z3.And(selected, pod.has_ip, z3.Not(pod.terminal), resolved)),
        "an address is Ready and not terminating (unless publishNotReadyAddresses)":
            z3.Implies(in_ready, ready_ok),
        "a not-ready address is selected, not Ready, not terminating, and not published":
            z3.Implies(in_not_ready, z3.And(selected, z3.Not(pod.ready), z3.Not(pod.terminating), pod.has_ip,
                                            resolved, z3.BoolVal(not publish))),
        "never both": z3.Not(z3.And(in_ready, in_not_ready)),
        "converse: selected, Ready, not terminating, with an IP, resolving a port is an address":
            z3.Implies(z3.And(selected, pod.ready, z3.Not(pod.terminating), pod.has_ip, resolved), in_ready),
        "converse (publishNotReadyAddresses): every candidate is an address, Ready or not, terminating or not":
            z3.Implies(z3.And(candidate, z3.BoolVal(publish)), in_ready),
        "converse: a selected, not Ready, not terminating candidate is a not-ready address (unless published)":
            z3.Implies(z3.And(candidate, z3.Not(pod.ready), z3.Not(pod.terminating), z3.BoolVal(not publish)),
                       in_not_ready),
        "addresses exactly as SEMANTICS 39, 40":
            in_ready == z3.And(candidate, ready_ok),
        "notReadyAddresses exactly as SEMANTICS 39, 40, 8.4":
            in_not_ready == z3.And(candidate, z3.Not(pod.ready), z3.Not(pod.terminating), z3.BoolVal(not publish)),
    }


def replay_membership(service: Service, pods: list[Any]) -> dict[str, dict[str, bool]]:
    """`desired_endpoints` on a real Cluster holding the Service and the pods: where each pod is listed."""
    from kmodel.cluster import Cluster

    cluster = Cluster.from_objects([service])
    for pod in pods:
        cluster = cluster.put_pod(pod)
    desired = endpoints.desired_endpoints(cluster, service.name)
    ready = {a.pod for a in desired.addresses} if desired else set()
    not_ready = {a.pod for a in desired.not_ready_addresses} if desired else set()
    return {p.name: {"ready": p.name in ready, "not_ready": p.name in not_ready} for p in pods}


def _port_resolved_concrete(pod: Any, service: Service) -> bool:
    """`port_resolved_spec` on a concrete pod: the rule, not the code's FindPort."""
    if not service.ports:
        return True
    return any(not isinstance(sp.target, str)
               or any(p.name == sp.target and p.protocol == sp.protocol for c in pod.containers for p in c.ports)
               for sp in service.ports)


def _concrete_claims(service: Service, pod: Any, listed: dict[str, bool]) -> dict[str, bool]:
    """The same claims on a concrete pod and where `desired_endpoints` listed it."""
    selected = _selected_concrete(pod, service)
    has_ip = bool(pod.pod_ip)
    resolved = _port_resolved_concrete(pod, service)
    publish = service.publish_not_ready_addresses
    r, nr = listed["ready"], listed["not_ready"]
    candidate = selected and has_ip and not pod.terminal and resolved
    ready_ok = publish or (pod.ready and not pod.terminating)
    not_ready_ok = candidate and not pod.ready and not pod.terminating and not publish
    return {
        "an address is selected, has an IP, is not terminal and resolves a port":
            (not r) or (selected and has_ip and not pod.terminal and resolved),
        "an address is Ready and not terminating (unless publishNotReadyAddresses)":
            (not r) or publish or (pod.ready and not pod.terminating),
        "a not-ready address is selected, not Ready, not terminating, and not published":
            (not nr) or (selected and not pod.ready and not pod.terminating and has_ip and resolved and not publish),
        "never both": not (r and nr),
        "converse: selected, Ready, not terminating, with an IP, resolving a port is an address":
            not (selected and pod.ready and not pod.terminating and has_ip and resolved) or r,
        "converse (publishNotReadyAddresses): every candidate is an address, Ready or not, terminating or not":
            not (candidate and publish) or r,
        "converse: a selected, not Ready, not terminating candidate is a not-ready address (unless published)":
            not not_ready_ok or nr,
        "addresses exactly as SEMANTICS 39, 40": r == (candidate and ready_ok),
        "notReadyAddresses exactly as SEMANTICS 39, 40, 8.4": nr == not_ready_ok,
    }


def service_membership(ctx: ProofContext, service: Service, count: int = MAX_PODS) -> Verdict:
    """Every claim for every set of `count` symbolic pods against one Service shape."""
    sym = Symbols(f"{service.name}.")
    pods = symbolic_pods(service, count, sym)
    assumptions = list(sym.constraints)
    for p in pods:
        assumptions.extend(p.constraints())
    per_pod = [membership_claims(p, service) for p in pods]
    verdicts = []
    for name in per_pod[0]:
        claim = z3.And(*[claims[name] for claims in per_pod])

        def decode(model: z3.ModelRef, name=name) -> dict[str, Any]:
            concrete = [p.decode(model, i) for i, p in enumerate(pods)]
            broken = [c.name for c, claims in zip(concrete, per_pod)
                      if not bool_value(model, claims[name])]
            shown = [c for c in concrete if c.name in broken] or concrete
            return {"claim": name, "service": service, "pods": shown}

        def replay(w: dict[str, Any], name=name) -> bool:
            listed = replay_membership(w["service"], w["pods"])
            return any(not _concrete_claims(w["service"], p, listed[p.name])[name] for p in w["pods"])

        verdicts.append(lambda c=claim, d=decode, r=replay, n=name: ctx.check(
            c, assumptions=assumptions, decode=d, replay=r, what=f"Service {service.name}: {n}"))
    return combine(v() for v in verdicts)


@proof("endpoints-membership", rules=("39", "40", "41", "42", "43", "8.4"),
       invariants=("endpoints-exact", "endpoints-sync-exact", "endpoints-match-ready-pods",
                   "terminating-pods-leave-endpoints", "publish-not-ready-lists-every-candidate"))
def prove_endpoints_membership(ctx: ProofContext) -> Verdict:
    """Endpoint membership implies selected, Ready, not terminating, with an IP and a resolved port (unless
    publishNotReadyAddresses), for every set of up to 20 pods; and the converse: both lists exactly."""
    return combine(v() for v in [lambda s=s: service_membership(ctx, s) for s in SERVICE_SHAPES])


__all__ += ["service_membership", "prove_endpoints_membership"]
