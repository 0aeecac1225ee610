"""Events: every transition of the model, as data, and the one way to apply them (DESIGN principle 2).

An event is an `attrs.frozen` value named actor + verb + object (`SchedulerBindPod`, `KubeletRestartContainer`,
`NodeCrash`). Its class says who causes it (`actor`: a user's API request, a fault of the environment, or a
controller's write) and carries the action's two halves, as a TLA+ action does: `guard(cluster)`, the enabling
condition, and `apply(cluster)`, the next state. `step` checks the guard and applies; an event that is not
enabled raises `EventNotEnabled`, never a silent no-op.

`enabled(cluster)` is Stateright's `actions()`: every event that could happen next. It is the union of the event
sources that the actor modules register with `@event_source` (or through `kmodel.parts.register_controller`),
each with its place in a fixed order, so a new event class reaches every engine (the Hypothesis machine, the
explorer, settle) without edits elsewhere.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Callable, ClassVar, Iterable, Iterator, NamedTuple

from kmodel.errors import EventNotEnabled

if TYPE_CHECKING:
    from kmodel.cluster import Cluster

USER, FAULT, CONTROLLER = "user", "fault", "controller"
ACTORS = (USER, FAULT, CONTROLLER)


class Event:
    """Base of every event class. Subclasses are `@attrs.frozen` and define `guard` and `apply`."""

    actor: ClassVar[str] = CONTROLLER

    def guard(self, cluster: "Cluster") -> bool:  # pragma: no cover - every subclass overrides
        raise NotImplementedError

    def apply(self, cluster: "Cluster") -> "Cluster":  # pragma: no cover - every subclass overrides
        raise NotImplementedError

    @property
    def is_fault(self) -> bool:
        return self.actor == FAULT


EventSource = Callable[["Cluster"], Iterable[Event]]


class _Source(NamedTuple):
    """A registered event source: `name`, `actor`, `fn`, and where it comes in `enabled`'s fixed order (`order`,
    then `seq`, the order of registration)."""

    name: str
    actor: str
    fn: EventSource
    order: int
    seq: int


_SOURCES: list[_Source] = []
_SEQ = [0]
DEFAULT_ORDER = 100  # a source that does not say: after the built-in ones (orders 10 to 80)


def event_source(name: str, actor: str, order: int = DEFAULT_ORDER) -> Callable[[EventSource], EventSource]:
    """Register a function that lists the events of one actor that are enabled in a cluster. `order` places it
    in `enabled`'s fixed order (sources of one order in registration order), so that runs are reproducible
    whatever order the modules were imported in."""

    def register(fn: EventSource) -> EventSource:
        if any(s.name == name for s in _SOURCES):
            raise ValueError(f"event source {name!r} is already registered")
        _SEQ[0] += 1
        _SOURCES.append(_Source(name, actor, fn, order, _SEQ[0]))
        _SORTED.clear()
        return fn

    return register


def unregister_source(name: str) -> _Source:
    """Remove a registered source (a test's own), returning its entry for `restore_source`."""
    for i, s in enumerate(_SOURCES):
        if s.name == name:
            del _SOURCES[i]
            _SORTED.clear()
            return s
    raise KeyError(name)


def restore_source(entry: _Source) -> None:
    """Put back a source `unregister_source` removed, at its old place in the order."""
    if any(s.name == entry.name for s in _SOURCES):
        raise ValueError(f"event source {entry.name!r} is already registered")
    _SOURCES.append(entry)
    _SORTED.clear()


def source_modules() -> set[str]:
    """The modules of every registered source."""
    return {s.fn.__module__ for s in _SOURCES}


def load_actors() -> None:
    """Import every registered part of the model (`kmodel.parts.load`)."""
    importlib.import_module("kmodel.parts").load()


_SORTED: dict = {}  # the actors wanted -> their sources in order


def sources(actors: Iterable[str] = ACTORS) -> list[tuple[str, str, EventSource]]:
    """The registered sources of these actors as (name, actor, fn), in their fixed order."""
    load_actors()
    wanted = frozenset(actors)
    found = _SORTED.get(wanted)
    if found is None:
        found = _SORTED[wanted] = [(s.name, s.actor, s.fn) for s in
                                   sorted((s for s in _SOURCES if s.actor in wanted), key=lambda s: (s.order, s.seq))]
    return list(found)


def enabled(cluster: "Cluster", actors: Iterable[str] = ACTORS, skip: Iterable[str] = ()) -> Iterator[Event]:
    """Every event that can happen next, user requests, faults and controller writes, in a fixed order; the
    sources named in `skip` are left out."""
    for name, _, fn in sources(actors):
        if skip and name in skip:
            continue
        for event in fn(cluster):
            if event.guard(cluster):
                yield event


def step(cluster: "Cluster", event: Event) -> "Cluster":
    """Apply one event. Raises `EventNotEnabled` when its guard does not hold."""
    if not event.guard(cluster):
        raise EventNotEnabled(f"{event!r} is not enabled at clock {cluster.clock}")
    return event.apply(cluster)
