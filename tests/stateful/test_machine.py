"""The Hypothesis engine over the whole registry: every rule on random runs from the seed scenario, from every
scenario of the catalogue and from generated clusters (`kmodel.generate`, the whole configuration space), and
every SOMETIMES witness reached by those runs (so no safety rule passes vacuously).

A failure raises `RuleBroken`, whose message is the shrunk trace: each step's event and the rule that broke.
"""

from __future__ import annotations

from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import run_state_machine_as_test

import invariants
from kmodel.cluster import Cluster
from kmodel.objects import Container, Node, PodTemplate, ReplicationController
from kmodel import generate, scenarios
from kmodel.stateful import Coverage, make_machine
from tests.strategies import generated_clusters, seed_clusters


def _run(strategy, coverage: Coverage, steps: int = 30) -> None:
    machine = make_machine(strategy, coverage=coverage)
    run_state_machine_as_test(machine, settings=settings(stateful_step_count=steps))


def _run_briefly(strategy, coverage: Coverage) -> None:
    """A few short runs, for clusters of hundreds of pods."""
    machine = make_machine(strategy, coverage=coverage)
    run_state_machine_as_test(machine, settings=settings(max_examples=3, stateful_step_count=3))


def big_controller() -> Cluster:
    """A ReplicationController 502 pods short of its replicas, on two nodes."""
    template = PodTemplate(labels={"app": "big"}, containers=(Container(name="app"),))
    return Cluster.from_objects([Node("node-1"), Node("node-2"),
                                 ReplicationController.defaulted("big", 502, None, template)])


def test_seed_scenario_keeps_every_rule():
    _run(seed_clusters(), Coverage())


def catalogue_clusters():
    """Every scenario of the built-in catalogue (`kmodel.scenarios.CATALOGUE`), each under its own profile."""
    return st.sampled_from(sorted(scenarios.CATALOGUE)).map(lambda name: scenarios.CATALOGUE[name].cluster())


def _run_drawn(strategy, coverage: Coverage, examples: int, steps: int = 30) -> None:
    """Runs over drawn clusters, as `kmodel check --scenario generated` makes them: each may begin with the
    cluster's rollout (by the controllers alone, or settled)."""
    machine = make_machine(strategy, coverage=coverage, settle_first=True, record_initial=True)
    run_state_machine_as_test(machine, settings=settings(stateful_step_count=steps, max_examples=examples))


def test_generated_clusters_keep_every_rule_and_reach_every_witness():
    coverage = Coverage()
    _run_drawn(generate.clusters(), coverage, 200)  # the package's generator, over the whole configuration space
    _run_drawn(catalogue_clusters(), coverage, 60)
    _run_drawn(st.just(scenarios.probes()), coverage, 40)  # a startup probe that can fail before it first passes
    _run(generated_clusters(), coverage)
    _run(generated_clusters(require_liveness=True), coverage)  # liveness kills need failure streaks
    _run(seed_clusters(), coverage)
    _run_briefly(st.just(big_controller()), coverage)  # a diff beyond burstReplicas (SEMANTICS 30)
    wanted = {inv.name for inv in invariants.of_kind(invariants.SOMETIMES)}
    missing = sorted(wanted - coverage.witnesses)
    assert not missing, f"witnesses never reached: {missing} (after {coverage.steps} steps)"


def test_coverage_counts_what_the_engine_did():
    """The engine's bookkeeping, which the throughput benchmark reads: step-rule invocations (events and
    quiescence points), the events of each kind, those settle applied, and where the engine's time went. A
    quiescence point followed by a teardown request is one invocation with one step and two settles; an event
    invocation applies its event up to `max(REPEATS)` times."""
    from kmodel.stateful import REPEATS

    coverage = Coverage()
    _run(seed_clusters(), coverage, steps=20)
    teardowns = sum(coverage.event_counts.get(name, 0) for name in ("DeleteController", "DeleteService", "RemoveNode"))
    assert coverage.invocations * max(REPEATS) >= coverage.steps + coverage.settles - 2 * teardowns > 0
    assert sum(coverage.event_counts.values()) == coverage.steps
    assert coverage.settle_events >= 0 and set(coverage.seconds) == {"model", "rules", "steering"}
    assert coverage.seconds["model"] > 0 and coverage.seconds["rules"] > 0


def test_a_choice_draw_covers_every_option_evenly_and_shrinks_to_the_first():
    """`pick` reduces a 16-bit draw modulo the number of options: draw 0 (where Hypothesis shrinks to) is the
    first option, and over all 65,536 draws no option of a list of up to 16 is favoured by more than one."""
    from kmodel.stateful import CHOICE, pick

    assert pick(["a", "b", "c"], 0) == "a"
    for n in range(1, 17):
        counts = [0] * n
        for draw in range(2**16):
            counts[pick(list(range(n)), draw)] += 1
        assert max(counts) - min(counts) <= 1
    assert CHOICE.validate() is None
