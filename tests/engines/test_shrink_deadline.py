"""The Hypothesis engine's shrinking is bounded (`kmodel check --shrink-seconds`), and what it reports once the
bound is reached is still a real counterexample: its trace, replayed, breaks the rule it names."""

from __future__ import annotations

from hypothesis.internal.conjecture import engine as hypothesis_engine

from kmodel import scenarios
from kmodel.check import check_cluster, shrink_deadline
from kmodel.decisions import endpoints as endpoint_decisions
from kmodel.trace import Trace, replay, violated


def test_hypothesis_still_reads_the_shrinking_bound():
    # `shrink_deadline` sets this module constant; an upgrade that drops it must fail here, not silently
    # leave `--shrink-seconds` without effect.
    assert isinstance(hypothesis_engine.MAX_SHRINKING_SECONDS, (int, float))


def test_the_bound_is_set_for_the_run_and_restored():
    before = hypothesis_engine.MAX_SHRINKING_SECONDS
    with shrink_deadline(2.5):
        assert hypothesis_engine.MAX_SHRINKING_SECONDS == 2.5
    assert hypothesis_engine.MAX_SHRINKING_SECONDS == before
    with shrink_deadline(None):
        assert hypothesis_engine.MAX_SHRINKING_SECONDS == before


def test_an_unshrunk_counterexample_replays_to_its_violation(swap):
    # A real bug: every address is ready, whatever the pod's readiness (SEMANTICS 39).
    swap.setattr(endpoint_decisions, "address_is_ready", lambda pod_ready, publish_not_ready: True)
    cluster = scenarios.CATALOGUE["seed"].cluster()
    report = check_cluster(cluster, max_examples=40, max_steps=25, hunt_rounds=0, shrink_seconds=0)
    assert report.verdict == "fail"
    found = report.violations[-1]
    steps = replay(Trace(found.initial, found.events, found.rule, found.message))
    assert violated(steps, found.rule) is not None


def test_the_cli_refuses_a_negative_bound():
    from click.testing import CliRunner

    from kmodel.cli import main

    result = CliRunner().invoke(main, ["check", "--shrink-seconds", "-1"])
    assert result.exit_code == 2
    assert "--shrink-seconds" in result.output
