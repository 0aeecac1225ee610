"""The model's registered parts: controllers, the environment, fault groups and the symmetry guard's tie hooks.

A part is registered once, by the module that defines it, and every engine reads the registry: `settle` runs
the registered controllers in their fair round and the registered environment; `events.enabled` offers their
proposals; the explorer's `--faults` groups and its symmetry guard read the fault groups and the tie hooks;
`kmodel replay` decodes the events of every registered module. So a controller in a user's own module reaches
every engine and `settle` by registering, without an edit under `kmodel/` (tests/extension/ does exactly this).

- `register_controller(name, reconcile, order, proposals=None)`: one controller of the fair round. `reconcile
  (cluster) -> events` proposes its writes against the state (settle applies them in order, each re-checked
  against its guard); `proposals` is the event source the engines branch over (default: `reconcile` itself),
  registered under the controller's name. Built-in orders are 10 to 60; a user's default comes after them.
- `register_environment(name, healthy, order)`: events a healthy environment produces once the controllers are
  quiet (hooks complete, probes succeed); `register_clock(tick)`: the event that lets time pass when nothing
  else can happen.
- `register_fault_group(name, *classes)`: a name for `--faults` (`node`, `probes`, ...).
- `register_ties(event_class, hook)`: `hook(before, event, anonymous) -> tuple[Tie, ...]`, the sets of objects
  among which the event's decision was made by name or age (a tie-break), which the explorer's symmetry reduction
  must know (kmodel/explore.py, "the symmetry guard"); `anonymous` is the set of kinds whose names the current
  symmetry mode forgets, so a hook may skip what cannot matter.

`load()` imports the built-in parts (`kmodel.builtin`) and every module named by an entry point of the group
`kmodel.parts` (a user's package declares its parts there); engines call it before they read a registry.
`swapped(name, reconcile=...)` replaces one controller's decision for a test, and puts it back.
"""

from __future__ import annotations

import contextlib
import importlib
from importlib import metadata
from typing import Any, Callable, Iterable, Iterator

import attrs

from kmodel.events import CONTROLLER, Event, event_source, restore_source, source_modules, unregister_source
from kmodel.memo import clear_all

ENTRY_POINT_GROUP = "kmodel.parts"
USER_ORDER = 100  # a user's controller, unless it says otherwise: after every built-in one


@attrs.frozen
class ControllerPart:
    """One controller of the fair round: its name, its place in the round, its reconcile and the event source
    offered to the engines (registered under `name`)."""

    name: str
    reconcile: Callable[[Any], Iterable[Event]]
    order: int
    proposals: Callable[[Any], Iterable[Event]]
    module: str


@attrs.frozen
class EnvironmentPart:
    """A source of the healthy environment's events (settle's environment turn)."""

    name: str
    healthy: Callable[[Any], Iterable[Event]]
    order: int


@attrs.frozen
class Tie:
    """Objects of one kind (`"Node"` or `"Pod"`) among which a decision picked `chosen` over `passed` by name or
    age; `reads_pod_name`: the pick also reads the pod's name (the kubernetes tie-break's seed). `what` names the
    decision and `why` the SEMANTICS rule that says so, for the explorer's refusal message."""

    kind: str
    chosen: frozenset
    passed: frozenset
    what: str
    why: str
    reads_pod_name: bool = False


_CONTROLLERS: dict[str, ControllerPart] = {}
_ENVIRONMENT: dict[str, EnvironmentPart] = {}
_CLOCK: list[Callable[[], Event]] = []
_FAULT_GROUPS: dict[str, tuple[int, int, tuple[type, ...]]] = {}
_TIES: dict[type, Callable[[Any, Event, frozenset], tuple[Tie, ...]]] = {}
_loaded = False
_ORDERED: dict[str, tuple] = {}  # "controllers" / "environment" -> the parts in order; cleared on every change


def register_controller(name: str, reconcile: Callable[[Any], Iterable[Event]], order: int = USER_ORDER,
                        proposals: Callable[[Any], Iterable[Event]] | None = None) -> ControllerPart:
    """Register a controller (see the module docstring). A name already registered is refused."""
    if name in _CONTROLLERS:
        raise ValueError(f"controller {name!r} is already registered")
    source = proposals if proposals is not None else reconcile
    event_source(name, CONTROLLER, order=order)(source)
    part = ControllerPart(name, reconcile, order, source, reconcile.__module__)
    _CONTROLLERS[name] = part
    _ORDERED.clear()
    return part


def unregister_controller(name: str) -> None:
    """Remove a controller and its event source (a test's own controller, after the test)."""
    _CONTROLLERS.pop(name)
    _ORDERED.clear()
    unregister_source(name)


def register_environment(name: str, healthy: Callable[[Any], Iterable[Event]], order: int = USER_ORDER
                         ) -> EnvironmentPart:
    if name in _ENVIRONMENT:
        raise ValueError(f"environment {name!r} is already registered")
    part = _ENVIRONMENT[name] = EnvironmentPart(name, healthy, order)
    _ORDERED.clear()
    return part


def register_clock(tick: Callable[[], Event]) -> None:
    """The event that lets time pass (one clock: a second registration is refused)."""
    if _CLOCK:
        raise ValueError("a clock is already registered")
    _CLOCK.append(tick)


def register_fault_group(name: str, *classes: type, order: int = USER_ORDER) -> None:
    """A `--faults` group; groups are listed by `order`, then in registration order."""
    if name in _FAULT_GROUPS:
        raise ValueError(f"fault group {name!r} is already registered")
    _FAULT_GROUPS[name] = (order, len(_FAULT_GROUPS), classes)


def register_ties(event_class: type, hook: Callable[[Any, Event, frozenset], tuple[Tie, ...]]) -> None:
    if event_class in _TIES:
        raise ValueError(f"{event_class.__name__} already has a tie hook")
    _TIES[event_class] = hook


def load() -> None:
    """Import the built-in parts, then each `kmodel.parts` entry point, once: `"pkg.module"` is imported (its
    parts register on import), `"pkg.module:register"` is imported and `register()` called."""
    global _loaded
    if _loaded:
        return
    _loaded = True
    importlib.import_module("kmodel.builtin")
    for entry in metadata.entry_points(group=ENTRY_POINT_GROUP):
        loaded = entry.load()
        if entry.attr:
            loaded()


def controllers() -> tuple[ControllerPart, ...]:
    """The controllers in their fair round's order (by `order`, then name). Read by every settle round, so the
    order is kept until a registration changes it."""
    load()
    found = _ORDERED.get("controllers")
    if found is None:
        found = _ORDERED["controllers"] = tuple(sorted(_CONTROLLERS.values(), key=lambda p: (p.order, p.name)))
    return found


def controller(name: str) -> ControllerPart:
    load()
    return _CONTROLLERS[name]


def environment() -> tuple[EnvironmentPart, ...]:
    load()
    found = _ORDERED.get("environment")
    if found is None:
        found = _ORDERED["environment"] = tuple(sorted(_ENVIRONMENT.values(), key=lambda p: (p.order, p.name)))
    return found


def clock() -> Event | None:
    """The event that lets time pass, or None when no part registered one."""
    load()
    return _CLOCK[0]() if _CLOCK else None


def fault_groups() -> dict[str, tuple[str, ...]]:
    """`--faults` group name -> the class names of its fault events."""
    load()
    ordered = sorted(_FAULT_GROUPS.items(), key=lambda item: item[1][:2])
    return {name: tuple(c.__name__ for c in classes) for name, (_, _, classes) in ordered}


def tie_hooks() -> dict[type, Callable[[Any, Event, frozenset], tuple[Tie, ...]]]:
    load()
    return dict(_TIES)


def modules() -> frozenset[str]:
    """Every module a registered part lives in (the event classes `kmodel replay` may decode)."""
    load()
    return frozenset(source_modules()) | {p.module for p in _CONTROLLERS.values()}


@contextlib.contextmanager
def swapped(name: str, reconcile: Callable[[Any], Iterable[Event]],
            proposals: Callable[[Any], Iterable[Event]] | None = None) -> Iterator[ControllerPart]:
    """The controller `name` with another `reconcile` (and, by default, that as its proposals too) while the
    block runs: how a bug-catching test swaps one controller's decision without patching a module. Every memo is
    cleared on the way in and out (`kmodel.memo.clear_all`), as `kmodel.memo.swapped` does."""
    load()
    original = _CONTROLLERS.pop(name)
    _ORDERED.clear()
    entry = unregister_source(name)
    part = register_controller(name, reconcile, original.order, proposals)
    clear_all()
    try:
        yield part
    finally:
        unregister_controller(name)
        _CONTROLLERS[name] = original
        _ORDERED.clear()
        restore_source(entry)
        clear_all()
