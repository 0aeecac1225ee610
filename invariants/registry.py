"""The registry of named invariants that every engine checks (DESIGN principle 5).

An invariant is a named pure predicate with a kind, as in Stateright's always / sometimes / eventually
properties and a TLA+ spec's named invariants:

- `ALWAYS`: holds in every reachable state. Checked as `fn(cluster) -> Iterable[Violation]`.
- `TRANSITION`: holds for every step. Checked as `fn(before, event, after) -> Iterable[Violation]`.
- `STABLE`: holds once `settle` has reached quiescence with faults stopped (eventually-stable
  reconciliation). Checked as `fn(cluster) -> Iterable[Violation]` on settled states only.
- `SOMETIMES`: a witness that some run must reach. `fn(cluster) -> bool`; an engine reports whether it was
  reached. Every ALWAYS/TRANSITION/STABLE rule names a witness that shows its states are reached, so no rule
  passes vacuously.

Users register their own rules with the same decorator in their own module; every engine reads the registry as
it is when it runs, so a new rule is checked everywhere without other edits.
"""

from __future__ import annotations

import importlib
from importlib import metadata
from typing import Any, Callable, Iterable, Mapping

import attrs

ALWAYS, TRANSITION, STABLE, SOMETIMES = "always", "transition", "stable", "sometimes"
KINDS = (ALWAYS, TRANSITION, STABLE, SOMETIMES)
SAFETY_KINDS = (ALWAYS, TRANSITION)


@attrs.frozen
class Violation:
    """A broken rule: its name, what is wrong, and the objects involved (names such as "Pod/web-1")."""

    rule: str
    message: str
    objects: tuple[str, ...] = attrs.field(default=(), converter=tuple)

    def __str__(self) -> str:
        return f"{self.rule}: {self.message}"


@attrs.frozen
class Invariant:
    """A named rule: kind, predicate, one-line doc, the SEMANTICS rules it follows, and its SOMETIMES witness."""

    name: str
    kind: str
    predicate: Callable[..., Any] = attrs.field(eq=False)
    doc: str = ""
    rules: tuple[str, ...] = ()
    witness: str | None = None
    profile: str | tuple[str, ...] | None = None  # the scheduler profile(s) the rule speaks of, or None for all
    applies: Callable[[Any], bool] | None = attrs.field(default=None, eq=False)  # SOMETIMES: can it be reached?
    reached_by: tuple[str, ...] = ()  # SOMETIMES: user requests that reach it where faults alone do not

    def applies_to(self, profile: str) -> bool:
        if self.profile is None or self.profile == profile:
            return True
        return isinstance(self.profile, tuple) and profile in self.profile


class UnknownInvariant(KeyError):
    def __str__(self) -> str:  # KeyError quotes its argument; this message is for people
        return str(self.args[0])


_REGISTRY: dict[str, Invariant] = {}

CATALOG_MODULES = (
    "invariants.catalog.structure",
    "invariants.catalog.labels",
    "invariants.catalog.replication",
    "invariants.catalog.scheduling",
    "invariants.catalog.endpoints",
    "invariants.catalog.proxy",
    "invariants.catalog.probes",
    "invariants.catalog.hooks",
    "invariants.catalog.nodes",
)
_catalog_loaded = False


def invariant(name: str, kind: str = ALWAYS, rules: Iterable[str] = (), witness: str | None = None,
              profile: str | tuple[str, ...] | None = None, applies: Callable[[Any], bool] | None = None,
              reached_by: Iterable[str] = ()) -> Callable[[Callable], Callable]:
    """Register `fn` as the invariant `name`. A duplicate name raises ValueError.

    `witness` names the SOMETIMES rule showing that the states a safety rule speaks of are reached. For a
    SOMETIMES rule, `applies(initial_cluster)` says statically whether the cluster can reach it at all (a
    hook witness cannot be reached where no container has hooks); a rule whose witness cannot apply is
    reported not-applicable rather than passed. `reached_by` names the user requests (event class names) that
    bring a cluster to a SOMETIMES witness where faults alone do not (a controller of one replica scales down
    only when asked): an engine that did not allow them names them when the witness was never reached."""
    if kind not in KINDS:
        raise ValueError(f"unknown invariant kind {kind!r}; kinds are {', '.join(KINDS)}")

    def register(fn: Callable) -> Callable:
        if name in _REGISTRY:
            raise ValueError(f"invariant {name!r} is already registered")
        doc = " ".join((fn.__doc__ or "").strip().split("\n\n")[0].split())  # the first paragraph
        _REGISTRY[name] = Invariant(name, kind, fn, doc, tuple(str(r) for r in rules), witness, profile, applies,
                                    tuple(reached_by))
        return fn

    return register


def unregister(name: str) -> None:
    """Remove a rule (for tests that register temporary rules)."""
    _REGISTRY.pop(name, None)


ENTRY_POINT_GROUP = "kmodel.rules"


def load_catalog() -> None:
    """The built-in catalogue (`CATALOG_MODULES`, in the README's order), then each `kmodel.rules` entry point: a
    `"pkg.module"` is imported (its rules register on import), a `"pkg.module:register"` imported and called. A
    user's rules in their own package reach every engine this way, as do rules imported before an engine runs."""
    global _catalog_loaded
    if not _catalog_loaded:
        _catalog_loaded = True
        for mod in CATALOG_MODULES:
            importlib.import_module(mod)
        for entry in metadata.entry_points(group=ENTRY_POINT_GROUP):
            loaded = entry.load()
            if entry.attr:
                loaded()


def registry() -> Mapping[str, Invariant]:
    load_catalog()
    return dict(_REGISTRY)


def get(name: str) -> Invariant:
    """The invariant called `name`; an unknown name lists the known ones."""
    reg = registry()
    if name not in reg:
        raise UnknownInvariant(f"unknown invariant {name!r}; known invariants: {', '.join(sorted(reg))}")
    return reg[name]


def of_kind(*kinds: str, names: Iterable[str] | None = None, profile: str | None = None) -> list[Invariant]:
    """Registered invariants of the given kinds (all kinds when none given), optionally restricted by name."""
    reg = registry()
    chosen = [get(n) for n in names] if names is not None else list(reg.values())
    return [inv for inv in chosen
            if (not kinds or inv.kind in kinds) and (profile is None or inv.applies_to(profile))]


def check(cluster, kinds: Iterable[str] = (ALWAYS,), names: Iterable[str] | None = None) -> list[Violation]:
    """Evaluate the state rules (ALWAYS and/or STABLE) of the registry on one cluster."""
    out: list[Violation] = []
    for inv in of_kind(*kinds, names=names, profile=cluster.config.profile):
        if inv.kind in (ALWAYS, STABLE):
            out.extend(inv.predicate(cluster))
    return out


def check_transition(before, event, after, names: Iterable[str] | None = None) -> list[Violation]:
    """Evaluate the TRANSITION rules on one step."""
    out: list[Violation] = []
    for inv in of_kind(TRANSITION, names=names, profile=before.config.profile):
        out.extend(inv.predicate(before, event, after))
    return out


def speaks_of(inv: Invariant, event_type: type) -> bool:
    """Whether a TRANSITION rule can find anything in a step by an event of this class: False only for a rule
    that declares the event classes it speaks of (`invariants.catalog.shared.for_events`) when this is not one
    of them; such a rule answers every other step with no violation, so leaving it out changes no verdict."""
    test = getattr(inv.predicate, "speaks_of", None)
    return test is None or test(event_type.__name__)


def witnesses(cluster, names: Iterable[str] | None = None) -> set[str]:
    """The SOMETIMES rules that hold in this cluster."""
    return {inv.name for inv in of_kind(SOMETIMES, names=names, profile=cluster.config.profile)
            if inv.predicate(cluster)}


def all_containers(cluster):
    """Every container spec the cluster has or can create: pods' and controller templates'."""
    for pod in cluster.pods.values():
        yield from pod.containers
    for ctl in cluster.controllers.values():
        yield from ctl.template.containers


def any_container(pred: Callable[[Any], bool]) -> Callable[[Any], bool]:
    """An `applies` predicate: some container (of a pod or a template) satisfies `pred`."""
    return lambda cluster: any(pred(c) for c in all_containers(cluster))
