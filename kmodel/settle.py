"""Run the controllers to quiescence, fairly, with a bound (DESIGN principle 3).

`settle` is the fair controller schedule of the STABLE rules: in a fixed round-robin order every registered
controller (`kmodel.parts`, a user's included) proposes its writes against the current state and they are applied (each re-checked against its guard, since an
earlier write in the round may have made it stale). When a whole round proposes nothing, the environment gets a
turn: in the `healthy` environment (faults have stopped) pending hooks complete and probes report success, as a
healthy application would; only when that too is quiet does time pass, straight to the next timer (back-off,
initial delay, grace period). When nothing at all can happen the cluster is quiescent. Hitting `max_steps` is
reported as such (`quiescent=False`), never as a pass.

Cost: every controller reads its work queue from the state (`Cluster`'s work queues), so a round costs O(work
proposed + log n) rather than a scan of every pod and node, and so does the environment's turn (the environment
queue, and the timer index for `Tick`). `benchmarks/bench_settle.py` measures the cost per applied event as the
cluster grows.
"""

from __future__ import annotations

from typing import Callable

import attrs

from kmodel import parts
from kmodel.cluster import Cluster
from kmodel.events import Event


def controllers() -> tuple[tuple[str, Callable[[Cluster], tuple[Event, ...]]], ...]:
    """The registered controllers (`kmodel.parts`) in their fixed round-robin order, as (name, reconcile)."""
    return tuple((part.name, part.reconcile) for part in parts.controllers())


@attrs.frozen
class SettleResult:
    """The cluster reached, the number of events applied, whether it is quiescent (False: the bound was hit),
    and the events in order when they were recorded."""

    cluster: Cluster
    steps: int
    quiescent: bool
    events: tuple[Event, ...] = ()


Observer = Callable[[Cluster, Event, Cluster], None]


def _apply(cluster: Cluster, event: Event, applied: list[Event], observe: Observer | None) -> Cluster:
    after = event.apply(cluster)
    applied.append(event)
    if observe is not None:
        observe(cluster, event, after)
    return after


def controller_round(cluster: Cluster, observe: Observer | None = None) -> tuple[Cluster, list[Event]]:
    """One fair round: every controller proposes against the current state; stale proposals are dropped."""
    applied: list[Event] = []
    for part in parts.controllers():
        for event in part.reconcile(cluster):
            if event.guard(cluster):
                cluster = _apply(cluster, event, applied, observe)
    return cluster, applied


def environment_step(cluster: Cluster, healthy: bool, observe: Observer | None = None
                     ) -> tuple[Cluster, list[Event]]:
    """The environment's turn once controllers are quiet: the registered healthy environment (hooks complete,
    probes succeed), else the clock's event lets time pass."""
    applied: list[Event] = []
    if healthy:
        for part in parts.environment():
            for event in part.healthy(cluster):
                if event.guard(cluster):
                    cluster = _apply(cluster, event, applied, observe)
        if applied:
            return cluster, applied
    tick = parts.clock()
    if tick is not None and tick.guard(cluster):
        return _apply(cluster, tick, applied, observe), applied
    return cluster, applied


def settle(cluster: Cluster, max_steps: int = 100_000, healthy: bool = True, record: bool = False,
           observe: Observer | None = None) -> SettleResult:
    """Apply controller writes in fair rounds until nothing is proposed (see the module docstring).
    `observe(before, event, after)` sees every step, so engines check TRANSITION rules on settle's steps too."""
    steps = 0
    trace: list[Event] = []
    while steps < max_steps:
        cluster, applied = controller_round(cluster, observe)
        if not applied:
            cluster, applied = environment_step(cluster, healthy, observe)
            if not applied:
                return SettleResult(cluster, steps, True, tuple(trace))
        steps += len(applied)
        if record:
            trace.extend(applied)
    return SettleResult(cluster, steps, False, tuple(trace))
