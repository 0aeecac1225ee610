"""Counterexample traces: saved as JSON, replayed deterministically, shown as a table, exported as YAML.

A `Trace` is what an engine found: the initial cluster, the events in order, the rule that broke (and its
message), the engine and its seed. It is saved under `.kmodel/traces/` with a stable name (the rule and a hash
of the content), so the same counterexample is one file however often it is found.

Serialisation is generic, so a new event class or object field needs no change here: an attrs instance is
`{"$type": "module.Class", field: value, ...}` (its init fields, recursively), an `immutables.Map` is
`{"$map": {...}}`, a tuple a JSON list, a label Selector `{"$selector": "a=b"}`. A Cluster is stored as its
objects, clock and counters; its indexes are recomputed on load (`Cluster.rebuilt`), as they are functions of
the objects. Loading resolves types only among the model's own modules and the event classes that are loaded
(`kmodel.events.sources()` imports every actor module), so a trace file cannot name arbitrary code.

`replay` re-applies the events with `kmodel.events.step` and re-checks the registered rules after every step as
the Hypothesis engine does: ALWAYS rules on every state, TRANSITION rules on every step, STABLE rules where the
state is quiescent (`settle` would do nothing there), which is where the engine checks them. The model is
deterministic, so a replay of an unchanged model breaks the same rule at the same step.

Length: about 750 lines of io, not of the model: the generic encoding, the trace format, replay, and the YAML
export of every kind.
"""

from __future__ import annotations

import hashlib
import importlib
import json
import re
from pathlib import Path
from typing import Any, Iterable, Iterator

import attrs
import immutables

from kmodel import kinds, parts
from kmodel.errors import KModelError

__all__ = ["Trace", "TraceError", "ReplayStep", "encode", "decode", "encode_cluster", "decode_cluster", "load",
           "replay", "violated", "changes", "render_table", "render_json", "export_yaml", "objects_as_manifests",
           "TRACE_DIR", "FORMAT_VERSION"]

TRACE_DIR = Path(".kmodel/traces")
FORMAT_VERSION = 1

# Cluster fields that are functions of the objects (recomputed on load, never stored), when the Cluster class
# cannot tell (see `_state_fields`).
_DERIVED_FALLBACK = frozenset({"pods_by_node", "pods_by_owner", "orphans", "service_members", "node_usage",
                               "owner_node_counts", "unscheduled", "scheduler_index"})
_STATE_FIELDS: tuple[str, ...] | None = None


def _state_fields() -> tuple[str, ...]:
    """The Cluster fields that make up its state: those its equality compares (the rest are indexes, functions
    of these). Found by asking the class, so an index or state field added later is handled without edits."""
    global _STATE_FIELDS
    if _STATE_FIELDS is None:
        from kmodel.cluster import Cluster

        names = [f.name for f in attrs.fields(Cluster)]
        try:
            base = Cluster.empty()
            found = []
            for name in names:
                marker = object()
                if any(x is marker for x in attrs.evolve(base, **{name: marker})._key()):
                    found.append(name)
            _STATE_FIELDS = tuple(found)
        except Exception:  # noqa: BLE001 - a Cluster without `_key`: the known list
            _STATE_FIELDS = tuple(n for n in names if n not in _DERIVED_FALLBACK)
    return _STATE_FIELDS
# Modules whose attrs classes a trace may name.
_MODEL_MODULES = ("kmodel.objects", "kmodel.cluster", "kmodel.labels", "kmodel.events", "invariants.registry")


class TraceError(KModelError):
    """A trace file that cannot be read: not JSON, not a trace, or naming a type the model does not have."""


# ------------------------------------------------------------------------------------------------------------------
# Generic encoding


def _type_name(cls: type) -> str:
    return f"{cls.__module__}.{cls.__qualname__}"


def encode(value: Any) -> Any:
    """A JSON-ready form of a model value (see the module docstring)."""
    from kmodel.cluster import Cluster
    from kmodel.labels import Selector

    if value is None or isinstance(value, (bool, int, str)):
        return value
    if isinstance(value, float):
        return value
    if isinstance(value, Cluster):
        return encode_cluster(value)
    if isinstance(value, Selector):
        return {"$selector": None if value.is_nothing else str(value)}
    if isinstance(value, tuple):
        return [encode(v) for v in value]
    if isinstance(value, (immutables.Map, dict)):
        tag = "$map" if isinstance(value, immutables.Map) else "$dict"
        if all(isinstance(k, str) for k in value):
            return {tag: {k: encode(v) for k, v in value.items()}}
        return {tag: [[encode(k), encode(v)] for k, v in value.items()]}
    if isinstance(value, (frozenset, set)):
        return {"$frozenset": sorted((encode(v) for v in value), key=lambda x: json.dumps(x, sort_keys=True))}
    if isinstance(value, list):
        return {"$list": [encode(v) for v in value]}
    if attrs.has(type(value)):
        out: dict[str, Any] = {"$type": _type_name(type(value))}
        for f in attrs.fields(type(value)):
            if f.init:
                out[f.alias] = encode(getattr(value, f.name))
        return out
    raise TraceError(f"cannot store a {type(value).__name__} in a trace: {value!r}")


def _event_classes() -> dict[str, type]:
    from kmodel import events

    try:
        events.sources()  # imports every actor module, so their event classes exist
    except ImportError:  # an actor module that does not import yet: its classes cannot be in a trace either
        pass
    out: dict[str, type] = {}
    todo = list(events.Event.__subclasses__())
    while todo:
        cls = todo.pop()
        todo.extend(cls.__subclasses__())
        if attrs.has(cls):
            out[_type_name(cls)] = cls
    return out


def _resolve(name: str, cache: dict[str, type]) -> type:
    if name in cache:
        return cache[name]
    module_name, _, qualname = name.rpartition(".")
    allowed = set(_MODEL_MODULES) | parts.modules() | kinds.modules()
    cls = None
    if module_name in allowed:
        try:
            obj: Any = importlib.import_module(module_name)
            for part in qualname.split("."):
                obj = getattr(obj, part)
            cls = obj
        except (ImportError, AttributeError):
            cls = None
    if cls is None:
        cls = _event_classes().get(name)
    if not isinstance(cls, type) or not attrs.has(cls):
        raise TraceError(f"unknown type {name!r} in trace (not a model object or a loaded event class)")
    cache[name] = cls
    return cls


def decode(data: Any, _cache: dict[str, type] | None = None) -> Any:
    """The inverse of `encode`."""
    cache = {} if _cache is None else _cache
    if data is None or isinstance(data, (bool, int, float, str)):
        return data
    if isinstance(data, list):
        return tuple(decode(v, cache) for v in data)
    if not isinstance(data, dict):
        raise TraceError(f"unexpected value in trace: {data!r}")
    if "$type" in data:
        cls = _resolve(data["$type"], cache)
        kwargs = {k: decode(v, cache) for k, v in data.items() if k != "$type"}
        try:
            return cls(**kwargs)
        except (TypeError, ValueError) as e:
            raise TraceError(f"cannot rebuild {data['$type']}: {e}") from None
    if "$selector" in data:
        from kmodel.labels import Selector, parse_selector

        text = data["$selector"]
        try:
            return Selector.nothing() if text is None else parse_selector(text)
        except KModelError as e:
            raise TraceError(f"bad selector in trace: {e}") from None
    for tag, make in (("$map", immutables.Map), ("$dict", dict)):
        if tag in data:
            body = data[tag]
            if isinstance(body, dict):
                return make({k: decode(v, cache) for k, v in body.items()})
            return make({decode(k, cache): decode(v, cache) for k, v in body})
    if "$frozenset" in data:
        return frozenset(decode(v, cache) for v in data["$frozenset"])
    if "$list" in data:
        return [decode(v, cache) for v in data["$list"]]
    if "$cluster" in data:
        return decode_cluster(data, cache)
    raise TraceError(f"unexpected object in trace: {sorted(data)}")


def encode_cluster(cluster) -> dict:
    """A Cluster as its objects, clock and counters (indexes are recomputed on load)."""
    out: dict[str, Any] = {"$cluster": FORMAT_VERSION}
    for name in _state_fields():
        out[name] = encode(getattr(cluster, name))
    return out


def decode_cluster(data: dict, _cache: dict[str, type] | None = None):
    from kmodel.cluster import Cluster

    cache = {} if _cache is None else _cache
    names = set(_state_fields())
    fields = {}
    for k, v in data.items():
        if k == "$cluster":
            continue
        if k not in names:
            raise TraceError(f"unknown cluster field {k!r} in trace")
        fields[k] = decode(v, cache)
    try:
        raw = attrs.evolve(Cluster.empty(fields.get("config")), **fields)
        rebuilt = raw.rebuilt()
        extra = {k: v for k, v in fields.items() if getattr(rebuilt, k) != v}
        return attrs.evolve(rebuilt, **extra) if extra else rebuilt
    except (TypeError, AttributeError, KeyError, ValueError) as e:
        raise TraceError(f"cannot rebuild the cluster of the trace: {e}") from None


# ------------------------------------------------------------------------------------------------------------------
# Traces


@attrs.frozen
class Trace:
    """A counterexample: the initial cluster, the events in order, the rule that broke with its message, and
    the engine and seed that found it. `settled` says the run ended with `settle` (a STABLE rule's
    counterexample ends at the quiescent state); `sources` names the manifests the cluster came from."""

    initial: Any  # Cluster
    events: tuple = attrs.field(converter=tuple)
    rule: str
    message: str = ""
    engine: str = "hypothesis"
    seed: int | None = None
    settled: bool = False
    sources: tuple[str, ...] = attrs.field(default=(), converter=tuple)

    def to_json(self) -> dict:
        return {
            "kmodel-trace": FORMAT_VERSION,
            "rule": self.rule,
            "message": self.message,
            "engine": self.engine,
            "seed": self.seed,
            "settled": self.settled,
            "sources": list(self.sources),
            "initial": encode_cluster(self.initial),
            "events": [encode(e) for e in self.events],
        }

    @classmethod
    def from_json(cls, data: Any) -> "Trace":
        if not isinstance(data, dict) or data.get("kmodel-trace") != FORMAT_VERSION:
            raise TraceError(f"not a kmodel trace (format {FORMAT_VERSION})")
        for key in ("rule", "initial", "events"):
            if key not in data:
                raise TraceError(f"trace has no {key!r}")
        if not isinstance(data["events"], list) or not isinstance(data["initial"], dict):
            raise TraceError("trace 'events' must be a list and 'initial' an object")
        cache: dict[str, type] = {}
        from kmodel.events import Event

        events = tuple(decode(e, cache) for e in data["events"])
        for i, e in enumerate(events, 1):
            if not isinstance(e, Event):
                raise TraceError(f"event {i} of the trace is not an event: {e!r}")
        return cls(initial=decode_cluster(data["initial"], cache), events=events, rule=str(data["rule"]),
                   message=str(data.get("message", "")), engine=str(data.get("engine", "")),
                   seed=data.get("seed"), settled=bool(data.get("settled", False)),
                   sources=tuple(data.get("sources") or ()))

    def dumps(self) -> str:
        return json.dumps(self.to_json(), indent=1, sort_keys=False)

    def file_name(self) -> str:
        """`<rule>-<12 hex digits of the content's hash>.json`: stable for the same counterexample."""
        body = json.dumps(self.to_json(), sort_keys=True, separators=(",", ":"))
        slug = re.sub(r"[^A-Za-z0-9._-]+", "-", self.rule).strip("-") or "trace"
        return f"{slug}-{hashlib.sha256(body.encode()).hexdigest()[:12]}.json"

    def save(self, directory: str | Path = TRACE_DIR) -> Path:
        """Write the trace under `directory` (created if missing) and return its path."""
        directory = Path(directory)
        directory.mkdir(parents=True, exist_ok=True)
        path = directory / self.file_name()
        path.write_text(self.dumps() + "\n", encoding="utf-8")
        return path


def load(path: str | Path) -> Trace:
    """Read a trace file. Raises TraceError (a KModelError) for anything that is not a readable trace."""
    try:
        text = Path(path).read_text(encoding="utf-8")
    except OSError as e:
        raise TraceError(f"{path}: cannot read: {e.strerror or e}") from None
    except UnicodeDecodeError:
        raise TraceError(f"{path}: not UTF-8 text") from None
    try:
        data = json.loads(text)
    except json.JSONDecodeError as e:
        raise TraceError(f"{path}:{e.lineno}: not JSON: {e.msg}") from None
    try:
        return Trace.from_json(data)
    except TraceError as e:
        raise TraceError(f"{path}: {e}") from None
    except RecursionError:
        raise TraceError(f"{path}: nested too deeply") from None


# ------------------------------------------------------------------------------------------------------------------
# Replay


@attrs.frozen
class ReplayStep:
    """One step of a replay: `index` 0 is the initial state (no event, `before` is `after`); `violations` are
    the rules broken in `after` (and by the step). `not_enabled` says the event's guard did not hold, so the
    replay stopped there (the model or the trace changed since it was found)."""

    index: int
    event: Any
    before: Any
    after: Any
    violations: tuple = ()
    not_enabled: bool = False


def _quiescent(cluster) -> bool:
    from kmodel.settle import settle

    result = settle(cluster, max_steps=1)
    return result.quiescent and result.steps == 0


def replay(trace: Trace, names: Iterable[str] | None = None) -> list[ReplayStep]:
    """Re-apply the trace's events with `step`, checking the registered rules (all, or the named ones) as the
    Hypothesis engine does. Deterministic. Stops at an event that is not enabled."""
    import invariants
    from invariants.registry import Violation
    from kmodel.events import step

    names = None if names is None else list(names)
    cluster = trace.initial
    steps = [ReplayStep(0, None, cluster, cluster, tuple(invariants.check(cluster, names=names)))]
    for i, event in enumerate(trace.events, 1):
        if not event.guard(cluster):
            steps.append(ReplayStep(i, event, cluster, cluster, (), not_enabled=True))
            return steps
        after = step(cluster, event)
        found = invariants.check_transition(cluster, event, after, names=names) + invariants.check(after, names=names)
        steps.append(ReplayStep(i, event, cluster, after, tuple(found)))
        cluster = after
    extra: list = []
    if _quiescent(cluster):
        extra = invariants.check(cluster, kinds=(invariants.STABLE,), names=names)
    elif trace.rule == "settle-reaches-quiescence":
        from kmodel.settle import settle

        result = settle(cluster, max_steps=5_000)
        if not result.quiescent:
            extra = [Violation("settle-reaches-quiescence", f"controllers still active after {result.steps} steps")]
    if extra:
        last = steps[-1]
        steps[-1] = attrs.evolve(last, violations=last.violations + tuple(extra))
    return steps


def violated(steps: list[ReplayStep], rule: str) -> ReplayStep | None:
    """The first step where `rule` is broken, or None."""
    for s in steps:
        if any(v.rule == rule for v in s.violations):
            return s
    return None


# ------------------------------------------------------------------------------------------------------------------
# What changed


def _short(value: Any, width: int = 40) -> str:
    if isinstance(value, immutables.Map):
        text = "{" + ", ".join(f"{k}: {v}" for k, v in value.items()) + "}"
    elif isinstance(value, str):
        text = value
    else:
        text = repr(value)
    return text if len(text) <= width else text[: width - 1] + "…"


def _named(items: tuple) -> bool:
    names = [getattr(x, "name", None) for x in items]
    return all(isinstance(n, str) for n in names) and len(set(names)) == len(names)


def _diff(old: Any, new: Any, path: str) -> Iterator[str]:
    if old == new:
        return
    if type(old) is type(new) and attrs.has(type(old)):
        for f in attrs.fields(type(old)):
            sub = f"{path}.{f.name}" if path else f.name
            yield from _diff(getattr(old, f.name), getattr(new, f.name), sub)
        return
    if isinstance(old, tuple) and isinstance(new, tuple) and _named(old) and _named(new) \
            and [x.name for x in old] == [x.name for x in new]:
        for a, b in zip(old, new):
            yield from _diff(a, b, f"{path}[{a.name}]")
        return
    yield f"{path or 'value'} {_short(old)} → {_short(new)}"


_COLLECTIONS = (("nodes", "Node"), ("pods", "Pod"), ("services", "Service"), ("controllers", ""),
                ("endpoints", "Endpoints"))


def changes(before, after) -> list[str]:
    """What a step changed: the clock, objects added (+) or removed (-), and each changed object's fields
    (`Pod/web-1: phase Pending → Running`)."""
    out: list[str] = []
    if before is after:
        return out
    if before.clock != after.clock:
        out.append(f"clock {before.clock} → {after.clock}")
    for field, kind in _COLLECTIONS:
        old, new = getattr(before, field), getattr(after, field)
        if old is new or old == new:
            continue
        prefix = f"{kind}/" if kind else ""
        for key in sorted(set(old) | set(new)):
            a, b = old.get(key), new.get(key)
            if a is None:
                out.append(f"+{prefix}{key}")
            elif b is None:
                out.append(f"-{prefix}{key}")
            elif a != b:
                diffs = list(_diff(a, b, ""))
                out.append(f"{prefix}{key}: " + "; ".join(diffs))
    skip = {f for f, _ in _COLLECTIONS} | {"clock", "next_uid"}
    for name in _state_fields():
        if name not in skip and getattr(before, name) != getattr(after, name):
            out.append(f"{name}: {_short(getattr(before, name))} → {_short(getattr(after, name))}")
    return out


# ------------------------------------------------------------------------------------------------------------------
# Rendering


def _event_text(event: Any) -> str:
    if event is None:
        return "(initial state)"
    fields = []
    for f in attrs.fields(type(event)) if attrs.has(type(event)) else ():
        value = getattr(event, f.name)
        if attrs.has(type(value)) and hasattr(value, "name"):
            value = f"{type(value).__name__}/{value.name}"
        fields.append(f"{f.name}={_short(value, 30) if not isinstance(value, str) else value}")
    return f"{type(event).__name__}({', '.join(fields)})"


def render_table(trace: Trace, steps: list[ReplayStep], console=None, only_changes: bool = True) -> None:
    """A rich table: step, actor, event, what changed, which rules broke there (the trace's rule in bold)."""
    from rich.console import Console
    from rich.table import Table
    from rich.text import Text

    console = console or Console()
    table = Table(title=f"trace of {trace.rule}" + (f": {trace.message}" if trace.message else ""),
                  show_lines=True, title_justify="left")
    table.add_column("#", justify="right")
    table.add_column("actor")
    table.add_column("event", overflow="fold")
    table.add_column("what changed", overflow="fold")
    table.add_column("rules broken", overflow="fold")
    for s in steps:
        actor = getattr(s.event, "actor", "") if s.event is not None else ""
        if s.not_enabled:
            what = Text("not enabled here: the replay stops", style="bold yellow")
        else:
            what = Text("\n".join(changes(s.before, s.after)) or ("" if s.index == 0 else "(no change)"))
        broken = Text()
        for v in s.violations:
            style = "bold red" if v.rule == trace.rule else "red"
            if broken:
                broken.append("\n")
            broken.append(f"{v.rule}: ", style=style)
            broken.append(_short(v.message, 200))
        table.add_row(str(s.index), actor, _event_text(s.event), what, broken)
    console.print(table)


def render_json(trace: Trace, steps: list[ReplayStep], path: str | None = None) -> dict:
    first = violated(steps, trace.rule)
    stopped = next((s.index for s in steps if s.not_enabled), None)
    return {
        "trace": path,
        "rule": trace.rule,
        "message": trace.message,
        "engine": trace.engine,
        "seed": trace.seed,
        "verdict": "violated" if first is not None else "holds",
        "violated_at": None if first is None else first.index,
        "stopped_at": stopped,
        "steps": [{
            "index": s.index,
            "event": None if s.event is None else encode(s.event),
            "event_text": _event_text(s.event),
            "actor": None if s.event is None else s.event.actor,
            "not_enabled": s.not_enabled,
            "changes": [] if s.not_enabled else changes(s.before, s.after),
            "violations": [{"rule": v.rule, "message": v.message, "objects": list(v.objects)}
                           for v in s.violations],
        } for s in steps],
    }


# ------------------------------------------------------------------------------------------------------------------
# Export as Kubernetes YAML

IMAGE_PLACEHOLDER = "kmodel.invalid/{container}:replace-me"


def _quantity_cpu(m: int) -> str:
    return str(m // 1000) if m % 1000 == 0 else f"{m}m"


def _quantity_memory(n: int) -> str:
    for suffix, size in (("Ei", 1 << 60), ("Pi", 1 << 50), ("Ti", 1 << 40), ("Gi", 1 << 30), ("Mi", 1 << 20),
                         ("Ki", 1 << 10)):
        if n and n % size == 0:
            return f"{n // size}{suffix}"
    return str(n)


def _time(seconds: int | None) -> str | None:
    if seconds is None:
        return None
    import datetime

    return (datetime.datetime(1970, 1, 1, tzinfo=datetime.timezone.utc)
            + datetime.timedelta(seconds=seconds)).strftime("%Y-%m-%dT%H:%M:%SZ")


def _probe_yaml(probe) -> dict:
    from kmodel.objects import EXEC, HTTP

    if probe.handler == HTTP:
        out: dict[str, Any] = {"httpGet": {"path": probe.path, "port": probe.port}}
    elif probe.handler == EXEC:
        out = {"exec": {"command": ["true"]}}
    else:
        out = {"tcpSocket": {"port": probe.port}}
    out.update({"initialDelaySeconds": probe.initial_delay_seconds, "timeoutSeconds": probe.timeout_seconds,
                "periodSeconds": probe.period_seconds, "successThreshold": probe.success_threshold,
                "failureThreshold": probe.failure_threshold})
    return out


def _hook_yaml(hook) -> dict:
    from kmodel.objects import HTTP, TCP

    if hook.handler == HTTP:
        return {"httpGet": {"path": "/", "port": 80}}
    if hook.handler == TCP:
        return {"tcpSocket": {"port": 80}}
    if hook.handler == "sleep":
        return {"sleep": {"seconds": 1}}
    return {"exec": {"command": ["true"]}}


def _container_yaml(c) -> dict:
    out: dict[str, Any] = {"name": c.name, "image": IMAGE_PLACEHOLDER.format(container=c.name)}
    if c.ports:
        out["ports"] = [{k: v for k, v in (("name", p.name), ("containerPort", p.container_port),
                                           ("protocol", p.protocol)) if v is not None} for p in c.ports]
    requests = {}
    if c.requests.cpu:
        requests["cpu"] = _quantity_cpu(c.requests.cpu)
    if c.requests.memory:
        requests["memory"] = _quantity_memory(c.requests.memory)
    if requests:
        out["resources"] = {"requests": requests}
    for kind in ("liveness", "readiness", "startup"):
        probe = c.probe(kind)
        if probe is not None:
            out[f"{kind}Probe"] = _probe_yaml(probe)
    lifecycle = {}
    if c.post_start is not None:
        lifecycle["postStart"] = _hook_yaml(c.post_start)
    if c.pre_stop is not None:
        lifecycle["preStop"] = _hook_yaml(c.pre_stop)
    if lifecycle:
        out["lifecycle"] = lifecycle
    return out


def _pod_spec_yaml(containers, restart_policy, grace, node_selector, volumes, node_name=None) -> dict:
    out: dict[str, Any] = {}
    if node_name:
        out["nodeName"] = node_name
    out["containers"] = [_container_yaml(c) for c in containers]
    out["restartPolicy"] = restart_policy
    out["terminationGracePeriodSeconds"] = grace
    if node_selector:
        out["nodeSelector"] = dict(node_selector)
    if volumes:
        out["volumes"] = [{"name": v, "emptyDir": {}} for v in volumes]
    return out


def _container_status_yaml(c) -> dict:
    s = c.status
    if s.state == "running":
        state: dict[str, Any] = {"running": {"startedAt": _time(s.started_at)}}
    elif s.state == "terminated":
        state = {"terminated": {"exitCode": s.exit_code, "reason": s.reason}}
    else:
        state = {"waiting": {"reason": s.reason}}
    # image and imageID are required by the ContainerStatus schema (`kmodel.schema`), so the export loads back
    return {"name": c.name, "ready": s.ready, "started": s.started, "restartCount": s.restart_count,
            "image": IMAGE_PLACEHOLDER.format(container=c.name), "imageID": "", "state": state}


def _template_yaml(t) -> dict:
    return {"metadata": {"labels": dict(t.labels)},
            "spec": _pod_spec_yaml(t.containers, t.restart_policy, t.termination_grace_period_seconds,
                                   t.node_selector, t.volumes)}


def _object_yaml(obj) -> dict:
    from kmodel.labels import selector_to_label_selector
    from kmodel.manifests import DELETION_COST
    from kmodel.objects import Endpoints, Node, Pod, ReplicaSet, ReplicationController, Service

    if isinstance(obj, Node):
        out: dict[str, Any] = {"apiVersion": "v1", "kind": "Node",
                               "metadata": {"name": obj.name, "labels": dict(obj.labels)}}
        if obj.unschedulable:
            out["spec"] = {"unschedulable": True}
        out["status"] = {"allocatable": {"cpu": _quantity_cpu(obj.allocatable.cpu),
                                         "memory": _quantity_memory(obj.allocatable.memory),
                                         "pods": str(obj.max_pods)},
                         "conditions": [{"type": "Ready", "status": "True" if obj.ready else "Unknown"}]}
        return out
    if isinstance(obj, Pod):
        meta: dict[str, Any] = {"name": obj.name}
        if obj.labels:
            meta["labels"] = dict(obj.labels)
        if obj.deletion_cost:
            meta["annotations"] = {DELETION_COST: str(obj.deletion_cost)}
        if obj.owner is not None:
            meta["ownerReferences"] = [{"apiVersion": "apps/v1" if obj.owner.kind == "ReplicaSet" else "v1",
                                        "kind": obj.owner.kind, "name": obj.owner.name, "uid": obj.owner.uid,
                                        "controller": True, "blockOwnerDeletion": True}]
        if obj.deletion_timestamp is not None:
            meta["deletionTimestamp"] = _time(obj.deletion_timestamp)
        status: dict[str, Any] = {"phase": obj.phase}
        if obj.pod_ip:
            status["podIP"] = obj.pod_ip
        status["conditions"] = [{"type": "Ready", "status": "True" if obj.ready else "False"}]
        if obj.node_name:
            status["containerStatuses"] = [_container_status_yaml(c) for c in obj.containers]
        return {"apiVersion": "v1", "kind": "Pod", "metadata": meta,
                "spec": _pod_spec_yaml(obj.containers, obj.restart_policy, obj.termination_grace_period_seconds,
                                       obj.node_selector, obj.volumes, obj.node_name),
                "status": status}
    if isinstance(obj, Service):
        spec: dict[str, Any] = {}
        if obj.selector:
            spec["selector"] = dict(obj.selector)
        if obj.ports:
            spec["ports"] = [{k: v for k, v in (("name", p.name), ("port", p.port), ("targetPort", p.target),
                                                ("protocol", p.protocol)) if v is not None} for p in obj.ports]
        else:
            spec["clusterIP"] = "None"
        if obj.publish_not_ready_addresses:
            spec["publishNotReadyAddresses"] = True
        meta = {"name": obj.name}
        if obj.labels:
            meta["labels"] = dict(obj.labels)
        return {"apiVersion": "v1", "kind": "Service", "metadata": meta, "spec": spec}
    if isinstance(obj, ReplicationController):
        return {"apiVersion": "v1", "kind": "ReplicationController",
                "metadata": {"name": obj.name, "labels": dict(obj.labels)},
                "spec": {"replicas": obj.replicas, "selector": dict(obj.selector),
                         "template": _template_yaml(obj.template)}}
    if isinstance(obj, ReplicaSet):
        return {"apiVersion": "apps/v1", "kind": "ReplicaSet",
                "metadata": {"name": obj.name, "labels": dict(obj.labels)},
                "spec": {"replicas": obj.replicas, "selector": selector_to_label_selector(obj.selector),
                         "template": _template_yaml(obj.template)}}
    if isinstance(obj, Endpoints):
        subsets: dict[tuple, dict[str, list]] = {}
        for field, addrs in (("addresses", obj.addresses), ("notReadyAddresses", obj.not_ready_addresses)):
            for a in addrs:
                entry = subsets.setdefault(a.ports, {"addresses": [], "notReadyAddresses": []})
                item: dict[str, Any] = {"ip": a.ip, "targetRef": {"kind": "Pod", "name": a.pod}}
                if a.node:
                    item["nodeName"] = a.node
                entry[field].append(item)
        out = {"apiVersion": "v1", "kind": "Endpoints", "metadata": {"name": obj.service}, "subsets": []}
        for ports, entry in subsets.items():
            subset = {k: v for k, v in entry.items() if v}
            if ports:
                subset["ports"] = [{k: v for k, v in (("name", p.name), ("port", p.port), ("protocol", p.protocol))
                                    if v is not None} for p in ports]
            out["subsets"].append(subset)
        return out
    raise TraceError(f"no Kubernetes form for {type(obj).__name__}")


def objects_as_manifests(cluster) -> dict:
    """The cluster's objects as one `kind: List` (nodes, services, controllers, pods, endpoints, then the objects
    of registered kinds, `kmodel.kinds`, by their `export`)."""
    items = []
    for field in ("nodes", "services", "controllers", "pods", "endpoints"):
        for key in sorted(getattr(cluster, field)):
            items.append(_object_yaml(getattr(cluster, field)[key]))
    for key in sorted(cluster.objects):
        obj = cluster.objects[key]
        kind = kinds.kind_of(obj)
        if kind is None or kind.export is None:
            raise TraceError(f"no Kubernetes form for {key[0]}/{key[1]}: its kind is not registered with an export")
        items.append(kind.export(obj))
    return {"apiVersion": "v1", "kind": "List", "items": items}


def export_yaml(trace: Trace, steps: list[ReplayStep] | None = None) -> str:
    """The Kubernetes objects at every step of the trace, one `kind: List` document per step, each headed by a
    comment naming the event and the rules broken there. Best effort: spec fields are those the model keeps
    (images are placeholders to replace, hook and exec commands are stand-ins), status is what the model's
    controllers would write, and times are the model clock in seconds after 1970-01-01T00:00:00Z. The initial
    document loads back with `kmodel.manifests`, so it can be applied to a real cluster to reproduce the run by
    hand, one event at a time."""
    import yaml

    steps = replay(trace) if steps is None else steps
    chunks = [f"# kmodel trace of {trace.rule}" + (f": {trace.message}" if trace.message else ""),
              f"# engine {trace.engine}, seed {trace.seed}; {len(trace.events)} events"]
    for s in steps:
        if s.not_enabled:
            chunks.append(f"# step {s.index}: {_event_text(s.event)} is not enabled here; the replay stops")
            break
        lines = [f"---\n# step {s.index}: {_event_text(s.event)}"]
        if s.event is not None:
            lines.append(f"# actor: {s.event.actor}")
            for c in changes(s.before, s.after):
                lines.append(f"#   {c}")
        for v in s.violations:
            lines.append(f"# BROKEN {v.rule}: {v.message}")
        body = yaml.safe_dump(objects_as_manifests(s.after), sort_keys=False, default_flow_style=False)
        chunks.append("\n".join(lines) + "\n" + body.rstrip("\n"))
    return "\n".join(chunks) + "\n"
