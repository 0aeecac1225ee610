"""Static findings on loaded manifests: what will go wrong, seen without running anything.

Each finding is a `Finding(rule, message, locations)`, the locations `(file, line, "Kind/name")` of the objects
involved, first the one the finding is about. The rules:

- `selector-overlap`: two controllers (ReplicationController, ReplicaSet, Deployment, with their selectors as
  written) whose selectors can both match one pod; the message gives a witness label set. Ownership decides
  which controller counts a pod (SEMANTICS 36), so overlap does not make them fight over owned pods, but an
  orphan goes to whichever controller syncs first and every pod event wakes both (SEMANTICS 37), and Kubernetes'
  documentation calls overlapping selectors a user error.
- `service-selects-nothing`: a Service with a selector that matches no controller's pod template and no pod:
  its endpoints stay empty (SEMANTICS 26, 39). A Service without a selector is unmanaged and never flagged.
- `named-port-missing`: a Service targetPort name that the containers of a selected template or pod do not
  declare with the port's protocol (that pod gets no endpoint for the port, SEMANTICS 43), or a probe on a port
  name its own container does not declare (the kubelet's prober errors and throws the result away, SEMANTICS
  8.5: a readiness or startup probe then never succeeds, a liveness probe never fails).
- `capacity-short`: the pods the manifests ask for (every controller's replicas and every bare pod) exceed what
  the nodes can hold: the pod count (allocatable `pods`), total cpu or memory requests, or a pod that fits no
  single node by requests or nodeSelector (NodeResourcesFit, NodeAffinity filters, SEMANTICS 55). Totals are a
  necessary condition only; a shortage that only bin packing reveals is left to the dynamic check.

Objects are compared within their namespace only, as Kubernetes selects within a namespace.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Iterable, Mapping

import attrs

from kmodel.labels import MappingView, Requirement, Selector, parse_int64, selector_from_map
from kmodel.manifests import LoadedManifests, LoadedObject
from kmodel.objects import (
    LIVENESS,
    PROBE_KINDS,
    READINESS,
    STARTUP,
    Container,
    Node,
    Pod,
    ReplicaSet,
    ReplicationController,
    Resources,
)

__all__ = ["Finding", "RULES", "find_all", "selector_overlap", "service_selects_nothing", "named_port_missing",
           "capacity_short", "overlap_witness", "render_text", "format_cpu", "format_memory"]

SELECTOR_OVERLAP = "selector-overlap"
SERVICE_SELECTS_NOTHING = "service-selects-nothing"
NAMED_PORT_MISSING = "named-port-missing"
CAPACITY_SHORT = "capacity-short"

Location = tuple[str, int, str]


@attrs.frozen
class Finding:
    """One static finding: the rule, what is wrong, and where (`(file, line, "Kind/name")`, the main object
    first)."""

    rule: str
    message: str
    locations: tuple[Location, ...] = attrs.field(converter=tuple)

    @property
    def location(self) -> Location | None:
        return self.locations[0] if self.locations else None

    def render(self) -> str:
        """`FILE:LINE: rule: message`, then one `FILE:LINE: note: Kind/name` line per further object."""
        lines = []
        if self.locations:
            file, line, _ = self.locations[0]
            lines.append(f"{file}:{line}: {self.rule}: {self.message}")
        else:
            lines.append(f"{self.rule}: {self.message}")
        for file, line, ref in self.locations[1:]:
            lines.append(f"{file}:{line}: note: {ref}")
        return "\n".join(lines)

    def to_json(self) -> dict:
        return {"rule": self.rule, "message": self.message,
                "locations": [{"file": f, "line": n, "object": r} for f, n, r in self.locations]}


# ------------------------------------------------------------------------------------------------------------------
# Helpers


def _labels_text(labels: Mapping[str, str]) -> str:
    return "{" + ", ".join(f"{k}: {v}" for k, v in sorted(labels.items())) + "}"


def format_cpu(millis: int) -> str:
    return f"{millis // 1000}" if millis % 1000 == 0 else f"{millis}m"


def format_memory(n: int) -> str:
    for suffix, size in (("Ti", 1 << 40), ("Gi", 1 << 30), ("Mi", 1 << 20), ("Ki", 1 << 10)):
        if n >= size and n % size == 0:
            return f"{n // size}{suffix}"
    for suffix, size in (("Gi", 1 << 30), ("Mi", 1 << 20)):
        if n >= size:
            return f"{n / size:.1f}{suffix}"
    return str(n)


def _namespace(o: LoadedObject) -> str:
    return o.source.namespace


def _selected(loaded: LoadedManifests, service: LoadedObject) -> list[LoadedObject]:
    """The controllers whose template, and the pods whose labels, the Service's selector matches."""
    sel = service.obj.label_selector
    if sel is None:
        return []
    out = []
    for o in loaded.objects:
        if _namespace(o) != _namespace(service):
            continue
        if isinstance(o.obj, (ReplicationController, ReplicaSet)) and sel.matches(o.obj.template.labels):
            out.append(o)
        elif isinstance(o.obj, Pod) and sel.matches(o.obj.labels):
            out.append(o)
    return out


def _containers(o: LoadedObject) -> tuple[Container, ...]:
    obj = o.obj
    return obj.template.containers if isinstance(obj, (ReplicationController, ReplicaSet)) else obj.containers


def _spec_prefix(o: LoadedObject) -> str:
    return "spec.template.spec" if isinstance(o.obj, (ReplicationController, ReplicaSet)) else "spec"


# ------------------------------------------------------------------------------------------------------------------
# Selector overlap (an exact check for set-based and equality selectors, with a witness)

_ABSENT = object()


def _key_value(reqs: list[Requirement], preferred: Iterable[str]) -> object:
    """A value for one key (a string, or _ABSENT for "no such label") that every requirement on the key
    accepts, or None when none does. Exact: an unmentioned value behaves like any other unmentioned value unless
    a Gt/Lt bound applies, and then enough consecutive integers are tried that one is unmentioned."""
    mentioned = sorted({v for r in reqs for v in r.values})
    lows = [parse_int64(r.values[0]) for r in reqs if r.operator == "gt"]
    highs = [parse_int64(r.values[0]) for r in reqs if r.operator == "lt"]
    candidates: list[object] = [v for v in preferred if isinstance(v, str)] + [_ABSENT] + mentioned
    if lows or highs:
        lo = max([x + 1 for x in lows if x is not None] + [0])
        hi = min([x - 1 for x in highs if x is not None] + [lo + len(mentioned) + 1])
        candidates += [str(n) for n in range(lo, min(hi, lo + len(mentioned) + 1) + 1)]
    else:
        fresh = next(f"x{i}" if i else "x" for i in range(len(mentioned) + 2)
                     if (f"x{i}" if i else "x") not in mentioned)
        candidates.append(fresh)
    for c in candidates:
        view = MappingView({} if c is _ABSENT else {reqs[0].key: c})
        if all(r.matches_view(view) for r in reqs):
            return c
    return None


def overlap_witness(a: Selector, b: Selector, prefer: Mapping[str, str] | None = None) -> dict[str, str] | None:
    """A label set that both selectors match, or None when no label set does (SEMANTICS 15 to 19). Keys are
    independent, so each key's requirements are solved on their own. `prefer` offers values to try first
    (a template's labels), so that a witness reads like a real pod."""
    if a.is_nothing or b.is_nothing:
        return None
    by_key: dict[str, list[Requirement]] = defaultdict(list)
    for r in a.requirements + b.requirements:
        by_key[r.key].append(r)
    prefer = prefer or {}
    witness: dict[str, str] = {}
    for key, reqs in sorted(by_key.items()):
        value = _key_value(reqs, [prefer[key]] if key in prefer else [])
        if value is None:
            return None
        if value is not _ABSENT:
            witness[key] = value  # type: ignore[assignment]
    return witness


def _overlap(a: Selector, b: Selector, prefer: Mapping[str, str] | None = None) -> dict[str, str] | None:
    """`invariants.smt.selectors.overlap` (the Z3 layer, imported here: z3 is heavy and optional for the rest)
    first; when it finds nothing or cannot run, the exact enumeration of `overlap_witness`. Either way the witness
    is concrete and checked against both selectors with the concrete `matches` before it is reported."""
    try:
        from invariants.smt.selectors import overlap as decide
    except ImportError:  # no z3: the enumeration alone decides
        decide = None
    if callable(decide):
        try:
            verdict = decide(a, b)
        except Exception:  # noqa: BLE001 - the exact check below is authoritative
            verdict = None
        if isinstance(verdict, Mapping) and a.matches(verdict) and b.matches(verdict):
            return dict(verdict)
    witness = overlap_witness(a, b, prefer)
    if witness is not None:
        assert a.matches(witness) and b.matches(witness)
    return witness


def selector_overlap(loaded: LoadedManifests) -> list[Finding]:
    """Pairs of controllers in one namespace whose selectors can match one pod. Reported when a pod the
    manifests create (a template or a bare pod) matches both, or when the selectors constrain a common label
    key and some value of it satisfies both (`app=web` and `app=web,tier=front`). Selectors over disjoint keys
    (`name=a` and `role=b`) overlap only on a pod that carries both label sets on purpose; they are reported
    only when the manifests hold such a pod, else every two label schemes would be flagged."""
    ctls = [o for o in loaded.controllers if o.selector is not None]
    pods = [o for o in loaded.pods]
    out = []
    for i, a in enumerate(ctls):
        for b in ctls[i + 1:]:
            if _namespace(a) != _namespace(b):
                continue
            concrete = None
            for x in [a, b] + [p for p in pods if _namespace(p) == _namespace(a)]:
                labels = x.obj.labels if isinstance(x.obj, Pod) else x.obj.template.labels
                if a.selector.matches(labels) and b.selector.matches(labels):  # type: ignore[union-attr]
                    concrete = (x, labels)
                    break
            if concrete is not None:
                x, labels = concrete
                shown = {k: v for k, v in labels.items() if k != "pod-template-hash"}
                if x is a or x is b:
                    how = f"the pods of {x.source.ref} (labels {_labels_text(shown)}) match both"
                else:
                    how = f"{x.source.ref} (labels {_labels_text(shown)}) matches both"
            else:
                common = {r.key for r in a.selector.requirements} & {r.key for r in b.selector.requirements}
                if not common:
                    continue
                witness = _overlap(a.selector, b.selector, a.obj.template.labels)  # type: ignore[arg-type]
                if witness is None:
                    continue
                how = f"a pod labelled {_labels_text(witness)} would match both"
            out.append(Finding(SELECTOR_OVERLAP,
                               f"{a.source.ref} (selector {a.selector}) and {b.source.ref} (selector {b.selector}) "
                               f"overlap: {how}; an orphan matching both goes to whichever controller syncs "
                               "first (SEMANTICS 36, 37)",
                               (a.source.location("spec.selector"), b.source.location("spec.selector"))))
    return out


# ------------------------------------------------------------------------------------------------------------------
# Service selects nothing


def service_selects_nothing(loaded: LoadedManifests) -> list[Finding]:
    out = []
    for svc in loaded.services:
        sel = svc.obj.label_selector
        if sel is None or _selected(loaded, svc):
            continue
        if any(n.pod_labels is not None and n.namespace == _namespace(svc) and sel.matches(n.pod_labels)
               for n in loaded.not_modelled):
            continue  # it selects the pods of a workload the model does not read (a StatefulSet, say)
        hint = ""
        best, best_score = None, 0
        for o in loaded.objects:
            if _namespace(o) != _namespace(svc) or not isinstance(o.obj, (ReplicationController, ReplicaSet, Pod)):
                continue
            labels = o.obj.labels if isinstance(o.obj, Pod) else o.obj.template.labels
            score = sum(2 if labels.get(k) == v else 1 for k, v in svc.obj.selector.items() if k in labels)
            if score > best_score:
                best, best_score = (o, labels), score
        if best is not None:
            o, labels = best
            shown = {k: v for k, v in labels.items() if k != "pod-template-hash"}
            hint = f"; closest: {o.source.ref} with labels {_labels_text(shown)}"
        out.append(Finding(SERVICE_SELECTS_NOTHING,
                           f"{svc.source.ref} selects {sel} but no pod template and no pod in the manifests has "
                           f"those labels: its endpoints stay empty (SEMANTICS 26, 39){hint}",
                           (svc.source.location("spec.selector"),)))
    return out


# ------------------------------------------------------------------------------------------------------------------
# Named ports

_PROBE_EFFECT = {
    READINESS: "the prober errors every period and keeps the initial Failure, so the pod is never ready",
    LIVENESS: "the prober errors every period and discards the result, so the probe never fails: it guards "
              "nothing",
    STARTUP: "the prober errors every period, so startup never succeeds and the pod is never ready",
}


def named_port_missing(loaded: LoadedManifests) -> list[Finding]:
    out = []
    for svc in loaded.services:
        selected = _selected(loaded, svc)
        for i, port in enumerate(svc.obj.ports):
            target = port.target
            if not isinstance(target, str):
                continue
            for o in selected:
                declared = [p for c in _containers(o) for p in c.ports if p.name == target]
                if any(p.protocol == port.protocol for p in declared):
                    continue
                other = f" (only as {declared[0].protocol})" if declared else ""
                out.append(Finding(
                    NAMED_PORT_MISSING,
                    f"{svc.source.ref} port {port.port} targets the port named {target!r}, but the containers of "
                    f"{o.source.ref} declare no {port.protocol} port with that name{other}: its pods get no "
                    f"endpoint for this port (SEMANTICS 43)",
                    (svc.source.location(f"spec.ports[{i}].targetPort"),
                     o.source.location(f"{_spec_prefix(o)}.containers"))))
    for o in loaded.objects:
        if not isinstance(o.obj, (ReplicationController, ReplicaSet, Pod)):
            continue
        for ci, c in enumerate(_containers(o)):
            names = {p.name for p in c.ports if p.name}
            for kind in PROBE_KINDS:
                probe = c.probe(kind)
                if probe is None or not isinstance(probe.port, str) or probe.port in names:
                    continue
                field = f"{_spec_prefix(o)}.containers[{ci}].{kind}Probe.port"
                declared = f" (it declares {', '.join(sorted(names))})" if names else ""
                out.append(Finding(
                    NAMED_PORT_MISSING,
                    f"{o.source.ref}: the {kind}Probe of container {c.name!r} uses the port named "
                    f"{probe.port!r}, which that container does not declare{declared}: {_PROBE_EFFECT[kind]} "
                    f"(SEMANTICS 43, 46, 8.5)",
                    (o.source.location(field),)))
    return out


# ------------------------------------------------------------------------------------------------------------------
# Capacity


@attrs.frozen
class _Demand:
    source: LoadedObject
    pods: int
    each: Resources
    node_selector: Mapping[str, str]


def _demands(loaded: LoadedManifests) -> list[_Demand]:
    out = []
    for o in loaded.objects:
        obj = o.obj
        if isinstance(obj, (ReplicationController, ReplicaSet)):
            if obj.replicas > 0:
                each = Pod.from_template("x", obj.template).requests
                out.append(_Demand(o, obj.replicas, each, obj.template.node_selector))
        elif isinstance(obj, Pod):
            out.append(_Demand(o, 1, obj.requests, obj.node_selector))
    return out


def _demand_location(d: _Demand) -> Location:
    field = "spec.replicas" if isinstance(d.source.obj, (ReplicationController, ReplicaSet)) else ""
    return d.source.source.location(field)


def capacity_short(loaded: LoadedManifests, nodes: int = 3) -> list[Finding]:
    demands = _demands(loaded)
    if not demands:
        return []
    all_nodes = loaded.cluster_nodes(nodes)
    usable = [n for n in all_nodes if not n.unschedulable]
    node_locs = [o.source.location() for o in loaded.nodes if not o.obj.unschedulable]
    where = (f"the {len(usable)} schedulable node{'s' if len(usable) != 1 else ''} in the manifests"
             if loaded.nodes else f"the {len(usable)} node{'s' if len(usable) != 1 else ''} of --nodes "
                                  f"({format_cpu(Node(name='n').allocatable.cpu)} CPU, "
                                  f"{format_memory(Node(name='n').allocatable.memory)} memory, "
                                  f"{Node(name='n').max_pods} pods each)")
    out = []

    def breakdown(part) -> str:
        items = [f"{d.source.source.ref} {part(d)}" for d in demands if part(d)]
        shown = ", ".join(items[:4]) + (f", and {len(items) - 4} more" if len(items) > 4 else "")
        return shown

    def total_finding(ask: str, hold: str, need: int, have: int, part) -> None:
        if need > have:
            out.append(Finding(
                CAPACITY_SHORT,
                f"the manifests {ask.format(need)} ({breakdown(part)}) but {where} {hold.format(have)}: "
                f"at least one pod stays Pending (SEMANTICS 55)",
                tuple(_demand_location(d) for d in demands if part(d)) + tuple(node_locs)))

    def times(d: _Demand, amount: str) -> str:
        return f"{d.pods} x {amount}" if d.pods > 1 else amount

    s = "s" if len(usable) == 1 else ""
    total_finding("ask for {} pods", f"hold{s} at most {{}} pods", sum(d.pods for d in demands),
                  sum(n.max_pods for n in usable), lambda d: str(d.pods) if d.pods else "")
    cpu_need = sum(d.pods * d.each.cpu for d in demands)
    cpu_have = sum(n.allocatable.cpu for n in usable)
    total_finding(f"request {format_cpu(cpu_need)} CPU", f"allocate{s} {format_cpu(cpu_have)} CPU", cpu_need,
                  cpu_have, lambda d: times(d, format_cpu(d.each.cpu)) if d.each.cpu else "")
    mem_need = sum(d.pods * d.each.memory for d in demands)
    mem_have = sum(n.allocatable.memory for n in usable)
    total_finding(f"request {format_memory(mem_need)} of memory", f"allocate{s} {format_memory(mem_have)}",
                  mem_need, mem_have, lambda d: times(d, format_memory(d.each.memory)) if d.each.memory else "")

    for d in demands:
        sel = selector_from_map(dict(d.node_selector))
        labelled = [n for n in usable if sel.matches(n.labels)]
        if not labelled:
            out.append(Finding(
                CAPACITY_SHORT,
                f"{d.source.source.ref}: no schedulable node has the labels of its nodeSelector "
                f"{_labels_text(d.node_selector)}, so its pods stay Pending (NodeAffinity filter, SEMANTICS 55)"
                + ("" if loaded.nodes else "; nodes made by --nodes carry only the kubernetes.io/hostname, os "
                                           "and arch labels: add Node manifests"),
                (d.source.source.location(f"{_spec_prefix(d.source)}.nodeSelector"),)))
            continue
        if not any(d.each.fits_in(n.allocatable) and n.max_pods > 0 for n in labelled):
            biggest = max(labelled, key=lambda n: (n.allocatable.cpu, n.allocatable.memory))
            out.append(Finding(
                CAPACITY_SHORT,
                f"{d.source.source.ref}: each pod requests {format_cpu(d.each.cpu)} CPU and "
                f"{format_memory(d.each.memory)} memory, more than any node allocates (the largest, "
                f"{biggest.name}, {format_cpu(biggest.allocatable.cpu)} CPU and "
                f"{format_memory(biggest.allocatable.memory)}), so its pods stay Pending (NodeResourcesFit, "
                f"SEMANTICS 55)",
                (d.source.source.location(f"{_spec_prefix(d.source)}.containers"),)))
    return out


# ------------------------------------------------------------------------------------------------------------------
# All of them

RULES = {
    SELECTOR_OVERLAP: "two controllers whose selectors can match one pod",
    SERVICE_SELECTS_NOTHING: "a Service whose selector matches no pod template and no pod",
    NAMED_PORT_MISSING: "a Service targetPort or probe port name that no container declares",
    CAPACITY_SHORT: "more pods or requests than the nodes can hold",
}


def find_all(loaded: LoadedManifests, nodes: int = 3, rules: Iterable[str] | None = None) -> list[Finding]:
    """Every static finding (or those of the named rules), sorted by file, line and rule. `nodes` is the
    `--nodes` count used when the manifests declare no Node."""
    wanted = set(RULES) if rules is None else set(rules)
    unknown = wanted - set(RULES)
    if unknown:
        from kmodel.errors import KModelError

        raise KModelError(f"unknown finding rule {', '.join(sorted(unknown))}; known: {', '.join(RULES)}")
    out: list[Finding] = []
    if SELECTOR_OVERLAP in wanted:
        out += selector_overlap(loaded)
    if SERVICE_SELECTS_NOTHING in wanted:
        out += service_selects_nothing(loaded)
    if NAMED_PORT_MISSING in wanted:
        out += named_port_missing(loaded)
    if CAPACITY_SHORT in wanted:
        out += capacity_short(loaded, nodes)
    return sorted(out, key=lambda f: (f.location or ("", 0, ""), f.rule, f.message))


def render_text(findings: Iterable[Finding]) -> str:
    return "\n".join(f.render() for f in findings)
