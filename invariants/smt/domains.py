"""Symbolic domains: the inputs of the decision functions as Z3 variables (DESIGN principle 4).

The decision code (`Selector.matches_view`, the scheduler's filters and scores, the replica diff, endpoint
membership, the probe threshold automaton) is written against `kmodel.logic`, so it runs unchanged on the values
defined here and builds a Z3 term instead of a bool.

Label sets. A selector compares a label value only by equality with the values it mentions (`=`, `==`, `!=`,
`in`, `notin`, SEMANTICS 15, 16) and by its decimal reading against the Gt/Lt bounds (SEMANTICS 18). So two values
that equal the same mentioned value (or none) and fall in the same region of the bounds are indistinguishable to
every requirement, and a finite domain with one representative per class is exact, not an approximation:
the mentioned values, for every region of the bounds an unmentioned decimal in it (0, and b-1, b, b+1 for each
bound b), and one fresh value that is not a number. Without Gt/Lt that is "the values the selectors mention plus
one fresh value". A symbolic label set then holds, per key, a Bool (is the key present?) and an Int index into
that domain; it implements the `LabelView` protocol, so `Selector.matches_view` runs on it directly.

Keys are created on demand: a key no selector mentions cannot change any answer, so it is never materialised.

Other inputs, each read by the decision code through the same attribute names as the concrete objects:
- `SymbolicEnum`: a value from a finite set (a restart policy, a protocol, a port name, "IP or none"), whose
  `==` / `!=` give Z3 terms, so `kmodel.logic.eq` / `ne` run on it;
- `SymbolicPod`: labels, Ready, terminating, terminal, IP, container port slots (endpoint membership);
- `SymbolicNode` and `SymbolicSchedulingCluster`: allocatable cpu/memory, maxPods, Ready, cordoned, nodeSelector
  labels, bound pods, their requests and the controller's pods on the node (the scheduler's filters and rank);
- `Symbols`: fresh variables with their side constraints, and `flat` for one fresh variable per unrolled step.
Each has `decode(model)` (the concrete objects a model stands for, to replay) and `substitution(value)` (the
variables set from a concrete value, for the differential tests, evaluated with `evaluate`).
"""

from __future__ import annotations

from typing import Any, Callable, Iterable, Mapping

import z3

from kmodel.labels import (
    DOES_NOT_EXIST,
    EXISTS,
    GREATER_THAN,
    LESS_THAN,
    Requirement,
    Selector,
    label_value_errors,
    parse_int64,
)

__all__ = [
    "DomainError", "ValueDomain", "SymbolicLabels", "requirements_of", "bool_value", "int_value",
    "Symbols", "SymbolicEnum", "flat", "SymbolicPod", "SymbolicContainer", "SymbolicContainerPort", "PROTOCOLS",
    "SymbolicResources", "SymbolicUsage", "SymbolicNodeLabels", "SymbolicNode", "SymbolicSchedulingCluster",
    "node_name", "evaluate",
]

_INT64_MAX = (1 << 63) - 1
_FRESH = "other"


class DomainError(AssertionError):
    """A symbolic domain asked about something it was not built for: an encoding bug, never user input."""


def requirements_of(*matchers: Any) -> tuple[Requirement, ...]:
    """Every `Requirement` inside selectors, requirements, or wrappers exposing `.inner` / `.parts`."""
    out: list[Requirement] = []
    for m in matchers:
        if m is None:
            continue
        if isinstance(m, Requirement):
            out.append(m)
        elif isinstance(m, Selector):
            out.extend(m.requirements)
        elif hasattr(m, "parts"):
            out.extend(requirements_of(*m.parts))
        elif hasattr(m, "inner"):
            out.extend(requirements_of(m.inner))
        elif isinstance(m, (tuple, list)):
            out.extend(requirements_of(*m))
        else:
            raise DomainError(f"cannot collect requirements from {m!r}")
    return tuple(out)


def _region(value: str, bounds: tuple[int, ...]) -> tuple[int, ...] | None:
    """Where `value` lies relative to every Gt/Lt bound, or None when it does not parse as an int64."""
    n = parse_int64(value)
    if n is None:
        return None
    return tuple((n > b) - (n < b) for b in bounds)


class ValueDomain:
    """The finite value domain of one proof: one representative per class of label values (module docstring)."""

    __slots__ = ("values", "mentioned", "bounds", "_index")

    def __init__(self, mentioned: Iterable[str] = (), bounds: Iterable[int] = ()) -> None:
        self.mentioned = frozenset(mentioned)
        self.bounds = tuple(sorted(set(bounds)))
        values = sorted(self.mentioned)
        numbers = {0}
        for b in self.bounds:
            numbers.update((b - 1, b, b + 1))
        for n in sorted(x for x in numbers if 0 <= x <= _INT64_MAX):
            text = str(n)
            while text in self.mentioned:
                text = "0" + text  # the same number, spelled so that no equality requirement sees it
            values.append(text)
        fresh, i = _FRESH, 0
        while fresh in self.mentioned or parse_int64(fresh) is not None:
            i += 1
            fresh = f"{_FRESH}-{i}"
        values.append(fresh)
        seen: dict[str, int] = {}
        for v in values:
            if v not in seen:
                if label_value_errors(v):
                    raise DomainError(f"domain value {v!r} is not a valid label value")
                seen[v] = len(seen)
        self.values = tuple(seen)
        self._index = seen

    @classmethod
    def for_requirements(cls, requirements: Iterable[Requirement], extra: Iterable[str] = ()) -> "ValueDomain":
        mentioned: set[str] = set(extra)
        bounds: set[int] = set()
        for r in requirements:
            if r.operator in (GREATER_THAN, LESS_THAN):
                b = parse_int64(r.values[0])
                if b is None:
                    raise DomainError(f"{r!r}: bound does not parse")
                bounds.add(b)
            elif r.operator not in (EXISTS, DOES_NOT_EXIST):
                mentioned.update(r.values)
        return cls(mentioned, bounds)

    @classmethod
    def for_selectors(cls, *matchers: Any, extra: Iterable[str] = ()) -> "ValueDomain":
        """The domain for everything these selectors (requirements, label maps' selectors) can ask."""
        return cls.for_requirements(requirements_of(*matchers), extra)

    def __len__(self) -> int:
        return len(self.values)

    def __repr__(self) -> str:
        return f"ValueDomain({list(self.values)!r})"

    def index(self, value: str) -> int:
        """The index of a value that is itself in the domain."""
        return self._index[value]

    def representative(self, value: str) -> int:
        """The index of a domain value that every requirement over this domain treats exactly as `value`."""
        if value in self._index:
            return self._index[value]
        if value in self.mentioned:  # pragma: no cover - mentioned values are always in the domain
            raise DomainError(value)
        region = _region(value, self.bounds)
        for i, v in enumerate(self.values):
            if v not in self.mentioned and _region(v, self.bounds) == region:
                return i
        raise DomainError(f"no representative for {value!r} in {self!r}")  # pragma: no cover

    def check_covers(self, values: Iterable[str]) -> None:
        for v in values:
            if v not in self._index:
                raise DomainError(f"value {v!r} is compared with but not in {self!r}: the domain was built "
                                  "from the wrong selectors")


class SymbolicLabels:
    """A symbolic label set over a `ValueDomain`: a `kmodel.labels.LabelView` whose answers are Z3 terms.

    Per key, `present` (Bool) and `index` (Int in [0, len(domain))). `constraints()` are the domain bounds;
    `decode(model)` is the concrete label set a model stands for; `substitution(labels)` maps a concrete label
    set onto the variables (through `ValueDomain.representative`), for differential tests.
    """

    def __init__(self, name: str, domain: ValueDomain, keys: Iterable[str] = ()) -> None:
        self.name = name
        self.domain = domain
        self._vars: dict[str, tuple[Any, Any]] = {}
        for k in keys:
            self.vars(k)

    def vars(self, key: str) -> tuple[Any, Any]:
        v = self._vars.get(key)
        if v is None:
            v = (z3.Bool(f"{self.name}[{key}].present"), z3.Int(f"{self.name}[{key}].value"))
            self._vars[key] = v
        return v

    @property
    def keys(self) -> tuple[str, ...]:
        return tuple(self._vars)

    # -- LabelView -------------------------------------------------------------------------------------------
    def has(self, key: str) -> Any:
        return self.vars(key)[0]

    def value_in(self, key: str, values: tuple[str, ...]) -> Any:
        self.domain.check_covers(values)
        present, index = self.vars(key)
        wanted = set(values)
        return z3.And(present, z3.Or(*[index == i for i, v in enumerate(self.domain.values) if v in wanted]))

    def value_where(self, key: str, pred: Callable[[str], bool]) -> Any:
        present, index = self.vars(key)
        return z3.And(present, z3.Or(*[index == i for i, v in enumerate(self.domain.values) if pred(v)]))

    # -- solver side -----------------------------------------------------------------------------------------
    def constraints(self) -> list[Any]:
        n = len(self.domain)
        return [z3.And(0 <= index, index < n) for _, index in self._vars.values()]

    def decode(self, model: z3.ModelRef) -> dict[str, str]:
        out: dict[str, str] = {}
        for key, (present, index) in self._vars.items():
            if z3.is_true(model.eval(present, model_completion=True)):
                i = model.eval(index, model_completion=True).as_long()
                out[key] = self.domain.values[i if 0 <= i < len(self.domain) else 0]
        return out

    def substitution(self, labels: Mapping[str, str]) -> list[tuple[Any, Any]]:
        pairs: list[tuple[Any, Any]] = []
        for key, (present, index) in self._vars.items():
            if key in labels:
                pairs.append((present, z3.BoolVal(True)))
                pairs.append((index, z3.IntVal(self.domain.representative(labels[key]))))
            else:
                pairs.append((present, z3.BoolVal(False)))
                pairs.append((index, z3.IntVal(0)))
        return pairs

    def __repr__(self) -> str:
        return f"SymbolicLabels({self.name!r}, keys={list(self._vars)!r})"


def bool_value(model: z3.ModelRef, term: Any) -> bool:
    """A Bool term's value in a model (a Python bool passes through)."""
    if isinstance(term, bool):
        return term
    return z3.is_true(model.eval(term, model_completion=True))


def int_value(model: z3.ModelRef, term: Any) -> int:
    """An Int term's value in a model (a Python int passes through)."""
    if isinstance(term, int):
        return term
    return model.eval(term, model_completion=True).as_long()


class Symbols:
    """Fresh Z3 variables with readable, unique names, plus the side constraints declared with them
    (ranges, well-formedness), so an encoding can hand `constraints` to the solver in one piece."""

    def __init__(self, prefix: str = "") -> None:
        self.prefix = prefix
        self.constraints: list[Any] = []
        self._names: set[str] = set()

    def _name(self, name: str) -> str:
        full = self.prefix + name
        if full in self._names:
            raise DomainError(f"symbol {full!r} declared twice")
        self._names.add(full)
        return full

    def bool(self, name: str) -> Any:
        return z3.Bool(self._name(name))

    def int(self, name: str, lo: int | None = None, hi: int | None = None) -> Any:
        x = z3.Int(self._name(name))
        if lo is not None:
            self.constraints.append(x >= lo)
        if hi is not None:
            self.constraints.append(x <= hi)
        return x

    def require(self, *constraints: Any) -> None:
        self.constraints.extend(constraints)


class SymbolicEnum:
    """A value from a finite set of constants (a restart policy, a protocol), as a Z3 Int index.

    `==` and `!=` against a constant (or another enum over the same choices) give Z3 terms, so decision code that
    compares with `kmodel.logic.eq` / `ne` runs on it unchanged.
    """

    __slots__ = ("name", "choices", "var")

    def __init__(self, name: str, choices: Iterable[Any]) -> None:
        self.name = name
        self.choices = tuple(choices)
        self.var = z3.Int(name)

    def constraints(self) -> list[Any]:
        return [z3.And(0 <= self.var, self.var < len(self.choices))]

    def is_(self, value: Any) -> Any:
        if value not in self.choices:
            return z3.BoolVal(False)
        return self.var == self.choices.index(value)

    def __eq__(self, other: object) -> Any:  # type: ignore[override]
        if isinstance(other, SymbolicEnum):
            if other.choices != self.choices:
                raise DomainError(f"{self.name} and {other.name} range over different choices")
            return self.var == other.var
        return self.is_(other)

    def __ne__(self, other: object) -> Any:  # type: ignore[override]
        return z3.Not(self.__eq__(other))

    def __hash__(self) -> int:
        return hash(self.name)

    def __bool__(self) -> bool:
        raise DomainError(f"{self.name} is symbolic: decision code must compare it with kmodel.logic, not `if`")

    def decode(self, model: z3.ModelRef) -> Any:
        i = model.eval(self.var, model_completion=True).as_long()
        return self.choices[i if 0 <= i < len(self.choices) else 0]

    def substitution(self, value: Any) -> list[tuple[Any, Any]]:
        return [(self.var, z3.IntVal(self.choices.index(value)))]

    def __repr__(self) -> str:
        return f"SymbolicEnum({self.name!r}, {self.choices!r})"


def flat(symbols: Symbols, name: str, term: Any) -> Any:
    """A fresh variable defined equal to `term` (the flat encoding: one variable per step, so that an unrolled
    loop stays linear in size instead of nesting If chains). Python values pass through unchanged."""
    if not isinstance(term, z3.ExprRef):
        return term
    var = symbols.bool(name) if z3.is_bool(term) else symbols.int(name)
    symbols.require(var == term)
    return var


# ---------------------------------------------------------------------------------------------------------------
# Symbolic pods (for the endpoint membership proofs)

PROTOCOLS = ("TCP", "UDP", "SCTP")


class SymbolicContainerPort:
    """A container port slot: its name (None, a name some Service port targets, or a fresh one), protocol and
    number, each symbolic. Read by the same attribute names as `kmodel.objects.ContainerPort`."""

    def __init__(self, prefix: str, names: tuple[Any, ...], symbols: Symbols) -> None:
        self.name = SymbolicEnum(prefix + ".name", names)
        self.protocol = SymbolicEnum(prefix + ".protocol", PROTOCOLS)
        self.container_port = symbols.int(prefix + ".number", lo=1, hi=65535)
        symbols.require(*self.name.constraints(), *self.protocol.constraints())

    def decode(self, model: z3.ModelRef) -> Any:
        from kmodel.objects import ContainerPort

        return ContainerPort(int_value(model, self.container_port), name=self.name.decode(model),
                             protocol=self.protocol.decode(model))


class SymbolicContainer:
    def __init__(self, name: str, ports: tuple[SymbolicContainerPort, ...]) -> None:
        self.name = name
        self.ports = ports


class SymbolicPod:
    """A pod whose endpoint-relevant state is symbolic: labels, Ready, terminating (deletionTimestamp set),
    terminal (Succeeded or Failed), its IP (none or one), and `containers` x `ports` container port slots.

    Well-formedness (SEMANTICS 8.6, 48): a terminal pod is not Ready; port names are unique per container (the
    API's validation). `decode(model)` gives the concrete `kmodel.objects.Pod`.
    """

    def __init__(self, name: str, domain: ValueDomain, port_names: tuple[str, ...], symbols: Symbols,
                 containers: int = 2, ports: int = 1) -> None:
        self.name = name
        self.labels = SymbolicLabels(f"{name}.labels", domain)
        self.ready = symbols.bool(f"{name}.ready")
        self.terminating = symbols.bool(f"{name}.terminating")
        self.terminal = symbols.bool(f"{name}.terminal")
        self.pod_ip = SymbolicEnum(f"{name}.podIP", (None, "10.0.0.1"))
        symbols.require(*self.pod_ip.constraints())
        names = (None,) + tuple(dict.fromkeys(port_names)) + ("other",)
        self.containers = tuple(
            SymbolicContainer(f"c{ci}", tuple(SymbolicContainerPort(f"{name}.c{ci}.p{pi}", names, symbols)
                                              for pi in range(ports)))
            for ci in range(containers))
        symbols.require(z3.Implies(self.terminal, z3.Not(self.ready)))
        for c in self.containers:
            for i, a in enumerate(c.ports):
                for b in c.ports[i + 1:]:
                    symbols.require(z3.Or(a.name.is_(None), z3.Not(a.name == b.name)))
        self._symbols = symbols

    @property
    def has_ip(self) -> Any:
        return z3.Not(self.pod_ip.is_(None))

    def constraints(self) -> list[Any]:
        return self.labels.constraints()

    def substitution(self, pod: Any) -> list[tuple[Any, Any]]:
        """This pod's variables set from a concrete Pod with at most `containers` x `ports` container ports, for
        differential tests. Port names the Service does not target map to the fresh name."""
        out = self.labels.substitution(pod.labels)
        out += [(self.ready, z3.BoolVal(bool(pod.ready))), (self.terminating, z3.BoolVal(pod.terminating)),
                (self.terminal, z3.BoolVal(pod.terminal))]
        out += self.pod_ip.substitution(None if not pod.pod_ip else "10.0.0.1")
        if len(pod.containers) > len(self.containers):
            raise DomainError(f"{pod.name}: more containers than the symbolic pod has")
        for sc, c in zip(self.containers, tuple(pod.containers) + (None,) * len(self.containers)):
            ports = tuple(c.ports) if c is not None else ()
            if len(ports) > len(sc.ports):
                raise DomainError(f"{pod.name}: more container ports than the symbolic pod has slots")
            for i, slot in enumerate(sc.ports):
                if i < len(ports):
                    p = ports[i]
                    name = p.name if p.name in slot.name.choices else "other"
                    out += slot.name.substitution(name) + slot.protocol.substitution(p.protocol)
                    out.append((slot.container_port, z3.IntVal(p.container_port)))
                else:  # an absent port: unnamed, so no named targetPort can match it
                    out += slot.name.substitution(None) + slot.protocol.substitution("TCP")
                    out.append((slot.container_port, z3.IntVal(1)))
        return out

    def decode(self, model: z3.ModelRef, index: int = 0) -> Any:
        from kmodel.objects import FAILED, POD_RUNNING, Container, Pod

        ip = self.pod_ip.decode(model)
        terminal = bool_value(model, self.terminal)
        return Pod(
            name=self.name, uid=f"uid-{index + 1:06d}", labels=self.labels.decode(model),
            node_name="node-1" if ip is not None else None,
            containers=tuple(Container(c.name, ports=tuple(p.decode(model) for p in c.ports))
                             for c in self.containers),
            phase=FAILED if terminal else POD_RUNNING, ready=bool_value(model, self.ready),
            pod_ip=None if ip is None else f"10.0.{index // 250}.{index % 250 + 1}",
            deletion_timestamp=0 if bool_value(model, self.terminating) else None,
            creation_index=index + 1)


# ---------------------------------------------------------------------------------------------------------------
# Symbolic nodes and a symbolic cluster view (for the scheduling proofs)


class SymbolicResources:
    """cpu (millicores) and memory (bytes) as Z3 integers, read like `kmodel.objects.Resources`."""

    def __init__(self, cpu: Any, memory: Any) -> None:
        self.cpu = cpu
        self.memory = memory


class SymbolicUsage:
    """What the scheduler reads of a node's usage (`kmodel.cluster.NodeUsage`): bound pods and their requests."""

    def __init__(self, pods: Any, requested: SymbolicResources, nonzero_requested: SymbolicResources) -> None:
        self.pods = pods
        self.requested = requested
        self.nonzero_requested = nonzero_requested


class SymbolicNodeLabels:
    """A node's labels as the nodeSelector filter reads them (`labels.get(key)`): per key, absent or one of the
    values the nodeSelector mentions or a fresh one (exact for equality tests, as for `ValueDomain`)."""

    def __init__(self, prefix: str, wanted: Mapping[str, str], symbols: Symbols) -> None:
        self._values = {k: SymbolicEnum(f"{prefix}[{k}]", (None, v, "other")) for k, v in wanted.items()}
        for e in self._values.values():
            symbols.require(*e.constraints())

    def get(self, key: str, default: Any = None) -> Any:
        e = self._values.get(key)
        if e is None:
            raise DomainError(f"node label {key!r} was not declared for this proof")
        return e

    def decode(self, model: z3.ModelRef) -> dict[str, str]:
        out = {}
        for k, e in self._values.items():
            v = e.decode(model)
            if v is not None:
                out[k] = v
        return out


def node_name(position: int) -> str:
    """The concrete name of the node at a position: names sort as positions do."""
    return f"node-{position:06d}"


class SymbolicNode:
    """A node whose scheduling-relevant state is symbolic: allocatable cpu/memory, maxPods, Ready, cordoned,
    nodeSelector labels. Its `name` is its position in name order (an int): the scheduler only looks names up
    and orders them, and the order-isomorphic integer keeps the rank tuple numeric for Z3."""

    def __init__(self, position: int, symbols: Symbols, selector_labels: Mapping[str, str] = {}) -> None:
        p = f"n{position}."
        self.name = position
        self.labels = SymbolicNodeLabels(p + "labels", selector_labels, symbols)
        self.allocatable = SymbolicResources(symbols.int(p + "cpu", lo=0), symbols.int(p + "memory", lo=0))
        self.max_pods = symbols.int(p + "max_pods", lo=0)
        self.ready = symbols.bool(p + "ready")
        self.unschedulable = symbols.bool(p + "unschedulable")
        self.usage = SymbolicUsage(
            symbols.int(p + "pods", lo=0),
            SymbolicResources(symbols.int(p + "requested_cpu", lo=0), symbols.int(p + "requested_memory", lo=0)),
            SymbolicResources(symbols.int(p + "nonzero_cpu", lo=0), symbols.int(p + "nonzero_memory", lo=0)))
        self.siblings = symbols.int(p + "siblings", lo=0)
        u = self.usage
        # Realisable by pods: siblings are among the bound pods, and a request needs a pod to carry it.
        symbols.require(self.siblings <= u.pods,
                        z3.Implies(z3.Or(u.requested.cpu > 0, u.requested.memory > 0), u.pods >= 1))

    def substitution(self, spec: Mapping[str, Any]) -> list[tuple[Any, Any]]:
        """This node's variables set to a concrete node state (the dict `decode` returns), for differential tests."""
        u = self.usage
        pairs = [(self.allocatable.cpu, spec["cpu"]), (self.allocatable.memory, spec["memory"]),
                 (self.max_pods, spec["max_pods"]), (u.pods, spec["pods"]), (self.siblings, spec["siblings"]),
                 (u.requested.cpu, spec["requested_cpu"]), (u.requested.memory, spec["requested_memory"]),
                 (u.nonzero_requested.cpu, 0), (u.nonzero_requested.memory, 0)]
        out = [(var, z3.IntVal(v)) for var, v in pairs if isinstance(var, z3.ExprRef)]
        out += [(self.ready, z3.BoolVal(spec["ready"])), (self.unschedulable, z3.BoolVal(spec["unschedulable"]))]
        for key, enum in self.labels._values.items():
            value = spec["labels"].get(key)
            out += enum.substitution(value if value in enum.choices else "other")
        return out

    def with_counts(self, siblings: Any, pods: Any) -> "SymbolicNode":
        """The same node after binds: new sibling and pod counts, everything else shared."""
        other = object.__new__(SymbolicNode)
        other.__dict__.update(self.__dict__)
        other.siblings = siblings
        other.usage = SymbolicUsage(pods, self.usage.requested, self.usage.nonzero_requested)
        return other

    def decode(self, model: z3.ModelRef) -> dict[str, Any]:
        return {
            "name": node_name(self.name),
            "labels": self.labels.decode(model),
            "cpu": int_value(model, self.allocatable.cpu),
            "memory": int_value(model, self.allocatable.memory),
            "max_pods": int_value(model, self.max_pods),
            "ready": bool_value(model, self.ready),
            "unschedulable": bool_value(model, self.unschedulable),
            "pods": int_value(model, self.usage.pods),
            "siblings": int_value(model, self.siblings),
            "requested_cpu": int_value(model, self.usage.requested.cpu),
            "requested_memory": int_value(model, self.usage.requested.memory),
        }


class SymbolicSchedulingCluster:
    """The part of `kmodel.cluster.Cluster` the scheduler's filters and the textbook rank read, over symbolic
    nodes: `nodes`, `node_usage.get`, `usage`, `owner_pods_on` (the pod's controller is `owner_key`)."""

    def __init__(self, nodes: Iterable[SymbolicNode], owner_key: str, profile: str = "textbook") -> None:
        from kmodel.cluster import Config

        self.nodes = {n.name: n for n in nodes}
        self.node_usage = {n.name: n.usage for n in self.nodes.values()}
        self.owner_key = owner_key
        self.config = Config(profile=profile)
        self.services: dict = {}

    def usage(self, name: Any) -> SymbolicUsage:
        return self.node_usage[name]

    def owner_pods_on(self, owner_key: str, name: Any) -> Any:
        if owner_key != self.owner_key:
            return 0
        return self.nodes[name].siblings


def evaluate(term: Any, substitution: Iterable[tuple[Any, Any]], definitions: Iterable[Any] = ()) -> Any:
    """The Python value of a symbolic term once its inputs are fixed (differential tests).

    Without `definitions` the term is substituted and simplified to a constant. With them (the flat encoding's
    `var == expression` constraints), a solver finds the unique values they define.
    """
    if isinstance(term, (bool, int)):
        return term
    pairs = list(substitution)
    definitions = list(definitions)
    if definitions:
        solver = z3.Solver()
        solver.add(*definitions)
        solver.add(*[a == b for a, b in pairs])
        if solver.check() != z3.sat:
            raise DomainError("the inputs contradict the definitions")
        value = solver.model().eval(term, model_completion=True)
    else:
        value = z3.simplify(z3.substitute(term, *pairs)) if pairs else z3.simplify(term)
    if z3.is_true(value):
        return True
    if z3.is_false(value):
        return False
    if z3.is_int_value(value):
        return value.as_long()
    raise DomainError(f"{term} does not reduce to a constant under the substitution: {value}")
