"""The Hypothesis engine over the whole registry: every rule on random runs from the seed scenario and from
generated clusters, and every SOMETIMES witness reached by those runs (so no safety rule passes vacuously).

A failure raises `RuleBroken`, whose message is the shrunk trace: each step's event and the rule that broke.
"""

from __future__ import annotations

from hypothesis import settings
from hypothesis.stateful import run_state_machine_as_test

import invariants
from kmodel.stateful import Coverage, make_machine
from tests.strategies import generated_clusters, seed_clusters


def _run(strategy, coverage: Coverage, steps: int = 30) -> None:
    machine = make_machine(strategy, coverage=coverage)
    run_state_machine_as_test(machine, settings=settings(stateful_step_count=steps))


def test_seed_scenario_keeps_every_rule():
    _run(seed_clusters(), Coverage())


def test_generated_clusters_keep_every_rule_and_reach_every_witness():
    coverage = Coverage()
    _run(generated_clusters(), coverage)
    _run(generated_clusters(require_liveness=True), coverage)  # liveness kills need failure streaks
    _run(seed_clusters(), coverage)
    wanted = {inv.name for inv in invariants.of_kind(invariants.SOMETIMES)}
    missing = sorted(wanted - coverage.witnesses)
    assert not missing, f"witnesses never reached: {missing} (after {coverage.steps} steps)"


def test_coverage_counts_what_the_engine_did():
    """The engine's bookkeeping, which the throughput benchmark reads: step-rule invocations (events and
    quiescence points), the events of each kind, those settle applied, and where the engine's time went."""
    coverage = Coverage()
    _run(seed_clusters(), coverage, steps=20)
    assert coverage.invocations >= coverage.steps + coverage.settles > 0
    assert sum(coverage.event_counts.values()) == coverage.steps
    assert coverage.settle_events >= 0 and set(coverage.seconds) == {"model", "rules", "steering"}
    assert coverage.seconds["model"] > 0 and coverage.seconds["rules"] > 0
