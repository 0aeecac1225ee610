"""Events: every transition of the model, as data, and the one way to apply them (DESIGN principle 2).

An event is an `attrs.frozen` value named actor + verb + object (`SchedulerBindPod`, `KubeletRestartContainer`,
`NodeCrash`). Its class says who causes it (`actor`: a user's API request, a fault of the environment, or a
controller's write) and carries the action's two halves, as a TLA+ action does: `guard(cluster)`, the enabling
condition, and `apply(cluster)`, the next state. `step` checks the guard and applies; an event that is not
enabled raises `EventNotEnabled`, never a silent no-op.

`enabled(cluster)` is Stateright's `actions()`: every event that could happen next. It is the union of the event
sources that the actor modules register with `@event_source`, so a new event class reaches every engine (the
Hypothesis machine, the explorer, settle) without edits elsewhere.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Callable, ClassVar, Iterable, Iterator

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

_SOURCES: list[tuple[str, str, EventSource]] = []

# The modules that define events and register their sources; imported on first use.
ACTOR_MODULES = (
    "kmodel.user",
    "kmodel.controllers.node_lifecycle",
    "kmodel.controllers.garbage_collector",
    "kmodel.controllers.replication",
    "kmodel.scheduler.scheduler",
    "kmodel.controllers.kubelet",
    "kmodel.controllers.endpoints",
    "kmodel.controllers.proxy",
)
_loaded = False


def event_source(name: str, actor: str) -> Callable[[EventSource], EventSource]:
    """Register a function that lists the events of one actor that are enabled in a cluster."""

    def register(fn: EventSource) -> EventSource:
        if any(n == name for n, _, _ in _SOURCES):
            raise ValueError(f"event source {name!r} is already registered")
        _SOURCES.append((name, actor, fn))
        return fn

    return register


def load_actors() -> None:
    global _loaded
    if not _loaded:
        for mod in ACTOR_MODULES:
            importlib.import_module(mod)
        _loaded = True


def _source_order(entry: tuple[str, str, EventSource]) -> tuple[int, int]:
    """Built-in sources in ACTOR_MODULES order, whatever order their modules were imported in, then users'
    sources in registration order: `enabled` must list events in one order for runs to be reproducible."""
    module = entry[2].__module__
    rank = ACTOR_MODULES.index(module) if module in ACTOR_MODULES else len(ACTOR_MODULES)
    return rank, _SOURCES.index(entry)


_SORTED: dict = {}  # (the registered sources, the actors wanted) -> their sources in order


def sources(actors: Iterable[str] = ACTORS) -> list[tuple[str, str, EventSource]]:
    load_actors()
    wanted = frozenset(actors)
    key = (tuple(_SOURCES), wanted)
    found = _SORTED.get(key)
    if found is None:
        if len(_SORTED) >= 64:
            _SORTED.clear()
        found = _SORTED[key] = sorted((s for s in _SOURCES if s[1] in wanted), key=_source_order)
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
