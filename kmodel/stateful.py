"""The Hypothesis engine: random runs of the model with shrinking (DESIGN, engines).

One `RuleBasedStateMachine` drives the model. Its only step rule draws the next event from `enabled(cluster)`,
so a new event class is explored without a new rule; after every step it checks the registry's ALWAYS and
TRANSITION rules; at quiescence points it settles the cluster (faults stopped, fair controller schedule) and
checks the STABLE rules on the settled state, then carries on from there. The requests that end the scenario's
story (`kmodel.user.teardown_requests`: deleting a controller, a Service, a Node) are not among the step's
events: at one quiescence point in `TEARDOWN_ONE_IN` the settled cluster gets one of them, and settles again, so
that cascading deletion and the pod garbage collector are checked without most runs losing their workload.
`target()` steers towards rich states (pods not ready, restarts, pending pods) in the suite's runs (`kmodel
check` leaves Hypothesis' target phase out: see `kmodel.check.run_hypothesis`), and `event()` labels show
coverage under `--hypothesis-show-statistics`.

How a step's event is drawn decides which bugs a run can meet, so the draw is shaped (constants below): the
actor first (controllers, faults, user requests), then the class, then the event, repeated while it stays
enabled (`REPEATS`: probe failure streaks, repeated crashes); half the runs are swarm runs that leave out a
drawn part of the requests and faults for the whole run (`SWARM`); runs over drawn clusters may begin with the
controllers' rollout alone or settled (`ROLLOUTS`), which opens the kubelet's windows (a new container's
startup probe and postStart hook) that the first quiescence point would close.

A broken rule raises `RuleBroken`, which carries the violation and the trace (initial cluster and events) of
the run; Hypothesis shrinks it to a minimal trace. Reached SOMETIMES witnesses are collected in `Coverage`.
"""

from __future__ import annotations

import zlib
from time import perf_counter
from typing import Callable, Iterable

import attrs
from hypothesis import event as hyp_event
from hypothesis import strategies as st
from hypothesis import target
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule

import invariants
from kmodel.cluster import Cluster
from kmodel.events import ACTORS, CONTROLLER, USER, Event, enabled
from kmodel.generate import features_of
from kmodel.settle import controller_round, settle
from kmodel.user import TEARDOWN, teardown_requests


# How often a step is a quiescence point instead of an event: settling skips over transient states, so most
# steps are single events.
SETTLE_ONE_IN = 6

# How often a quiescence point is followed by a teardown request (and a second settle): one step in 48, so a bit
# over half of the runs of 40 steps have one, mostly late in the run.
TEARDOWN_ONE_IN = 8

# A choice among the n options of the current state (event kinds, then events of a kind): a 16-bit draw reduced
# modulo n. n is small, so the choice is uniform within n / 65,536, and it shrinks towards the first option.
# The draws are the step rule's arguments, which Hypothesis draws in one go, rather than interactive `st.data()`
# draws, whose per-draw bookkeeping cost more than the model's step (about 200 microseconds per step).
CHOICE = st.integers(0, 2**16 - 1)

# How many times in a row the chosen event is applied while it stays enabled (the same event: same class, same
# object): once for draws 0 to 4 (where draws shrink to), then 2, 3 or 4 times. Behaviours that need a run of
# the same fault (failureThreshold probe failures in a row, a container crashing again after its back-off) are
# otherwise drawn with a probability that falls geometrically with the run's length.
REPEATS = (1, 1, 1, 1, 1, 2, 3, 4)
REPEAT = st.integers(0, len(REPEATS) - 1)

# How a run over drawn clusters begins (`make_machine(settle_first=True)`): from the cluster as written, after
# the controllers alone have rolled it out (pods running, hooks and probes not yet answered), or once settled.
# The controllers' rollout is drawn twice as often as the others: it opens the kubelet's windows (a new
# container's startup probe, its postStart hook, its first exit) that random steps alone reach slowly and the
# first quiescence point closes.
NO_ROLLOUT, CONTROLLERS_ROLLOUT, SETTLED_ROLLOUT = "none", "controllers", "settled"
ROLLOUTS = (NO_ROLLOUT, CONTROLLERS_ROLLOUT, CONTROLLERS_ROLLOUT, SETTLED_ROLLOUT)

# Swarm testing (Groce et al., ISSTA 2012): half the runs (bit 63 of the draw) use a drawn part of the user
# requests and faults for the whole run: a class is left out when both bits its name hashes to (crc32 modulo
# 30, and that plus 32) are set, a chance of one in four; and one swarm run in four (bits 30 and 31) makes no
# user request at all, so the faults get half the steps. Controllers' writes and time passing are never left
# out. A run without node crashes and cordons gets deep into the kubelet's behaviours, one without probe
# results into the controllers'; the other half keeps the whole palette, for bugs that need many kinds of
# event together (a scale-down among pods of every readiness). The draw shrinks to 0: the whole palette.
SWARM = st.integers(0, 2**64 - 1)
ALWAYS_ALLOWED = frozenset({"Tick"})
NO_REQUESTS = 0b11 << 30


def pick(options: list, choice: int):
    """The option a `CHOICE` draw selects."""
    return options[choice % len(options)]


class RuleBroken(AssertionError):
    """A registered rule was violated; `trace` replays it from `initial`."""

    def __init__(self, violations: list, initial: Cluster, events: tuple[Event, ...], settled: bool) -> None:
        self.violations = violations
        self.initial = initial
        self.events = events
        self.settled = settled
        lines = [f"rule {v.rule} broken: {v.message}" for v in violations]
        lines.append(f"after {len(events)} events{' and settle' if settled else ''}:")
        lines += [f"  {i + 1:3d}. {e!r}" for i, e in enumerate(events)]
        super().__init__("\n".join(lines))


@attrs.define
class Coverage:
    """What runs reached: SOMETIMES witnesses, event classes, steps taken.

    `steps` counts the events the step rule applied (teardown requests included), `settle_events` those
    `settle` applied at quiescence points, `invocations` the step rule's calls (an event, or a quiescence point
    and perhaps a teardown request), `settles` the settle runs (two at a quiescence point with a teardown).
    `seconds` splits the engine's own time: "model" (listing enabled events, applying them, the controllers'
    work in settle), "rules" (ALWAYS, TRANSITION and STABLE rules and SOMETIMES witnesses) and "steering" (the
    richness observations behind `target()`); the rest of a run's wall time is Hypothesis'.
    """

    witnesses: set[str] = attrs.Factory(set)
    # The clusters runs started from (`record_initial`): the witnesses some of them can reach (`applies`) and
    # how many had each configuration feature (`kmodel.generate.FEATURES`).
    applicable: set[str] = attrs.Factory(set)
    features: dict[str, int] = attrs.Factory(dict)
    clusters: int = 0
    event_counts: dict[str, int] = attrs.Factory(dict)
    steps: int = 0
    settles: int = 0
    settle_events: int = 0
    invocations: int = 0
    seconds: dict[str, float] = attrs.Factory(lambda: {"model": 0.0, "rules": 0.0, "steering": 0.0})

    def merge_state(self, cluster: Cluster, names: Iterable[str]) -> None:
        """Record the witnesses `cluster` reaches; a witness already reached is not evaluated again."""
        todo = [n for n in names if n not in self.witnesses]
        if todo:
            self.witnesses |= invariants.witnesses(cluster, names=todo)

    def record_initial(self, cluster: Cluster) -> None:
        """Count a run's initial cluster: its applicable witnesses and its configuration features."""
        self.clusters += 1
        self.applicable |= {inv.name for inv in invariants.of_kind(invariants.SOMETIMES)
                            if inv.applies is None or inv.applies(cluster)}
        for name in features_of(cluster):
            self.features[name] = self.features.get(name, 0) + 1

    def merge(self, other: "Coverage") -> None:
        """Add what another run reached and counted."""
        self.witnesses |= other.witnesses
        self.applicable |= other.applicable
        self.clusters += other.clusters
        self.steps += other.steps
        for name, n in other.features.items():
            self.features[name] = self.features.get(name, 0) + n
        for name, n in other.event_counts.items():
            self.event_counts[name] = self.event_counts.get(name, 0) + n

    def reach(self, cluster: Cluster, rules: Iterable[invariants.Invariant]) -> None:
        """`merge_state` for witness rules already looked up (the engine's per-state path)."""
        profile = cluster.config.profile
        for inv in rules:
            if inv.name not in self.witnesses and inv.applies_to(profile) and inv.predicate(cluster):
                self.witnesses.add(inv.name)


def richness(cluster: Cluster) -> dict[str, float]:
    """Observations `target()` steers towards: pods not ready, restarts, pending pods, and probe failure
    streaks (a liveness kill needs failureThreshold failures in a row)."""
    not_ready = restarts = streak = 0
    for p in cluster.pods.values():
        not_ready += bool(p.node_name and not p.ready)
        for c in p.containers:
            restarts += c.status.restart_count
            streak = max(streak, c.status.liveness.failures, c.status.startup.failures)
    pending = sum(1 for p in cluster.pods.values() if p.node_name is None)
    return {"pods not ready": float(not_ready), "restarts": float(min(restarts, 10)),
            "pending pods": float(pending), "probe failure streak": float(streak)}


def make_machine(initial: st.SearchStrategy[Cluster], rule_names: Iterable[str] | None = None,
                 actors: Iterable[str] = ACTORS, coverage: Coverage | None = None,
                 settle_bound: int = 5_000, event_filter: Callable[[Event], bool] | None = None,
                 settle_first: bool = False, record_initial: bool = False, swarm: bool = True
                 ) -> type[RuleBasedStateMachine]:
    """A state machine class over clusters drawn from `initial`, checking the named rules (all when None).

    `settle_first`: a run may begin with the cluster's own rollout (a drawn choice among `ROLLOUTS`, shrinking to
    none): by the controllers alone, or a quiescence point, every rule checked on the way.
    `record_initial`: count each run's initial cluster in the coverage (`Coverage.record_initial`), for runs
    over many generated clusters. `swarm`: each run draws the user requests and faults it may use (`SWARM`)."""
    names = None if rule_names is None else tuple(rule_names)
    actors = tuple(actors)
    cov = coverage if coverage is not None else Coverage()
    safety = [i for i in invariants.of_kind(invariants.ALWAYS, invariants.TRANSITION, names=names)]
    stable = invariants.of_kind(invariants.STABLE, names=names)
    witness_rules = invariants.of_kind(invariants.SOMETIMES)
    spent = cov.seconds
    # The rules of each kind that apply under a profile, looked up once per profile rather than per state.
    by_profile: dict[str, tuple[list, list, list]] = {}

    def rules_for(profile: str) -> tuple[list, list, list]:
        found = by_profile.get(profile)
        if found is None:
            found = by_profile[profile] = (
                [i.predicate for i in safety if i.kind == invariants.ALWAYS and i.applies_to(profile)],
                [i.predicate for i in safety if i.kind == invariants.TRANSITION and i.applies_to(profile)],
                [i.predicate for i in stable if i.applies_to(profile)])
        return found

    def reach(cluster: Cluster) -> None:
        if len(cov.witnesses) < len(witness_rules):
            cov.reach(cluster, witness_rules)

    class KubernetesMachine(RuleBasedStateMachine):
        coverage = cov

        def __init__(self) -> None:
            super().__init__()
            self.cluster: Cluster | None = None
            self.initial: Cluster | None = None
            self.events: list[Event] = []
            self.best: dict[str, float] = {}
            self.left_out = 0  # the swarm draw (`SWARM`)

        @initialize(cluster=initial, rollout=st.sampled_from(ROLLOUTS) if settle_first else st.just(NO_ROLLOUT),
                    left_out=SWARM if swarm else st.just(0))
        def start(self, cluster: Cluster, rollout: str, left_out: int) -> None:
            self.cluster = self.initial = cluster
            self.left_out = left_out
            if record_initial:
                cov.record_initial(cluster)
            self._check_state(settled=False)
            if rollout == SETTLED_ROLLOUT:
                self.quiesce()
            elif rollout == CONTROLLERS_ROLLOUT:
                self.controllers_only()

        def _fail(self, violations: list, settled: bool) -> None:
            raise RuleBroken(violations, self.initial, tuple(self.events), settled)

        def _check_state(self, settled: bool) -> None:
            started = perf_counter()
            always = rules_for(self.cluster.config.profile)[0]
            violations = [v for predicate in always for v in predicate(self.cluster)]
            if violations:
                self._fail(violations, settled)
            reach(self.cluster)
            spent["rules"] += perf_counter() - started

        @rule(settle_point=st.integers(0, SETTLE_ONE_IN - 1), kind=CHOICE, which=CHOICE, repeat=REPEAT)
        def next_event(self, settle_point: int, kind: int, which: int, repeat: int) -> None:
            """One enabled event (applied again while it stays enabled, `REPEATS[repeat]` times in all), or now
            and then (one draw in `SETTLE_ONE_IN`) a quiescence point."""
            cov.invocations += 1
            if settle_point == SETTLE_ONE_IN - 1:
                self.quiesce()
                if kind % TEARDOWN_ONE_IN == TEARDOWN_ONE_IN // 2:  # not 0, where draws shrink to
                    self.tear_down(which)
                return
            started = perf_counter()
            by_class: dict[str, list[Event]] = {}
            for e in enabled(self.cluster, actors, skip=(TEARDOWN,)):
                if event_filter is None or event_filter(e):
                    by_class.setdefault(type(e).__name__, []).append(e)
            spent["model"] += perf_counter() - started
            if self.left_out:
                by_class = self._swarm(by_class)
            if not by_class:
                return
            # Two draws: the kind of event, then which one. A uniform draw over all events would drown the
            # rare kinds (a probe failure among dozens of scale and cordon requests). The kind is drawn by actor
            # first (controllers, faults, user requests: a third each when all have events), so the eight
            # requests a user can always make do not starve the controllers' rollout of a new pod, in whose
            # windows the kubelet's faults happen (a startup probe failing before it first passes).
            by_actor: dict[str, list[str]] = {}
            for name in sorted(by_class):
                by_actor.setdefault(by_class[name][0].actor, []).append(name)
            actors_now = sorted(by_actor)
            names = by_actor[pick(actors_now, kind)]
            ev = pick(by_class[pick(names, kind // len(actors_now))], which)
            self._take(ev)
            for _ in range(REPEATS[repeat] - 1):
                if not ev.guard(self.cluster):
                    break
                self._take(ev)

        def _swarm(self, by_class: dict[str, list[Event]]) -> dict[str, list[Event]]:
            """The events of the classes this run's swarm draw allows (the controllers' always; all of them if
            the draw would leave nothing)."""
            if not self.left_out >> 63:  # half the runs keep the whole palette
                return by_class
            no_requests = self.left_out & NO_REQUESTS == NO_REQUESTS
            kept = {}
            for name, events in by_class.items():
                actor = events[0].actor
                bit = zlib.crc32(name.encode()) % 30
                if actor == CONTROLLER or name in ALWAYS_ALLOWED or \
                        not (no_requests and actor == USER) and (self.left_out >> bit) & (self.left_out >> (bit + 32)) & 1 == 0:
                    kept[name] = events
            return kept or by_class

        def tear_down(self, which: int) -> None:
            """One teardown request on the settled cluster, then quiescence again (the module docstring)."""
            if USER not in actors:
                return
            by_class: dict[str, list[Event]] = {}
            for e in teardown_requests(self.cluster):
                if e.guard(self.cluster) and (event_filter is None or event_filter(e)):
                    by_class.setdefault(type(e).__name__, []).append(e)
            if by_class:  # the kind of request first, as for events: five Services do not drown one controller
                kinds = sorted(by_class)
                self._take(pick(by_class[pick(kinds, which)], which // len(kinds)))
                self.quiesce()

        def _take(self, ev: Event) -> None:
            """Apply an enabled event and check the TRANSITION rules on the edge and the ALWAYS rules after it."""
            started = perf_counter()
            before = self.cluster
            after = ev.apply(before)  # `step` without its guard: `enabled` has just checked it
            spent["model"] += perf_counter() - started
            self.events.append(ev)
            self.cluster = after
            name = type(ev).__name__
            cov.event_counts[name] = cov.event_counts.get(name, 0) + 1
            cov.steps += 1
            hyp_event(name)
            started = perf_counter()
            violations = [v for predicate in rules_for(before.config.profile)[1]
                          for v in predicate(before, ev, after)]
            spent["rules"] += perf_counter() - started
            if violations:
                self._fail(violations, False)
            self._check_state(settled=False)

        def controllers_only(self) -> None:
            """The controllers' fair rounds until they propose nothing, the environment silent: pods are created,
            bound and started, and wait there with hooks pending and probes unknown, where the kubelet's faults
            (a startup probe failing, a postStart hook failing, a first exit) can act on them. The ALWAYS and
            TRANSITION rules are checked on every write; STABLE rules are not (this is no quiescence)."""
            for _ in range(settle_bound):
                before = self.cluster
                steps: list = []

                def observe(b: Cluster, ev: Event, a: Cluster) -> None:
                    steps.append((b, ev, a))

                after, applied = controller_round(before, observe)
                if not applied:
                    return
                transition = rules_for(before.config.profile)[1]
                for b, ev, a in steps:
                    self.events.append(ev)
                    self.cluster = a
                    violations = [v for predicate in transition for v in predicate(b, ev, a)]
                    if violations:
                        self._fail(violations, False)
                    self._check_state(settled=False)

        def quiesce(self) -> None:
            """Faults stop; the controllers settle; STABLE rules must hold there (eventually-stable reconciliation)."""
            broken: list = []
            checking = [0.0]
            last = [None]  # the last state observe checked
            always, transition, stable_rules = rules_for(self.cluster.config.profile)

            def observe(before: Cluster, ev: Event, after: Cluster) -> None:
                if broken:
                    return
                started = perf_counter()
                last[0] = after
                self.events.append(ev)
                reach(after)
                broken.extend(v for predicate in transition for v in predicate(before, ev, after))
                broken.extend(v for predicate in always for v in predicate(after))
                checking[0] += perf_counter() - started

            started = perf_counter()
            result = settle(self.cluster, max_steps=settle_bound, observe=observe)
            spent["model"] += perf_counter() - started - checking[0]
            spent["rules"] += checking[0]
            cov.settles += 1
            cov.settle_events += result.steps
            hyp_event("settle")
            if broken:
                self._fail(broken, True)
            if not result.quiescent:
                from invariants.registry import Violation

                self._fail([Violation("settle-reaches-quiescence",
                                      f"controllers still active after {result.steps} steps")], True)
            self.cluster = result.cluster
            if result.cluster is not last[0]:  # the settled state is the last one observe checked, if any
                self._check_state(settled=True)
            started = perf_counter()
            violations = [v for predicate in stable_rules for v in predicate(self.cluster)]
            spent["rules"] += perf_counter() - started
            if violations:
                self._fail(violations, True)

        @invariant()
        def observe_richness(self) -> None:
            if self.cluster is not None:
                started = perf_counter()
                for label, value in richness(self.cluster).items():
                    self.best[label] = max(self.best.get(label, 0.0), value)
                spent["steering"] += perf_counter() - started

        def teardown(self) -> None:
            """Steer generation towards runs that reach rich states (one `target` per label per run)."""
            for label, value in self.best.items():
                target(value, label=label)

    return KubernetesMachine
