"""`kmodel check`: run the registered rules on a cluster through an engine and give every rule a verdict.

Verdicts follow DESIGN principle 7, no pass without evidence:
- `fail`: the rule was violated (with the violation and its shrunk trace);
- `pass`: no violation, and the rule's SOMETIMES witness was reached, so the states it speaks of occurred;
- `inconclusive`: no violation, but the witness was never reached (the check would have been vacuous), or
  the engine hit a bound;
- `not-applicable`: the cluster has nothing the rule speaks of (no container with a hook, say), decided
  statically before the run.
A SOMETIMES rule passes when reached. The overall verdict is `fail` if any rule failed, else `inconclusive` if
any was inconclusive, else `pass`.
"""

from __future__ import annotations

import contextlib
import time
from typing import Iterable, Iterator

import attrs
from hypothesis import HealthCheck, Phase, Verbosity, settings
from hypothesis import seed as hyp_seed
from hypothesis import strategies as st
from hypothesis.errors import Flaky
from hypothesis.internal.conjecture import engine as _hypothesis_engine
from hypothesis.stateful import run_state_machine_as_test

import invariants
from kmodel.cluster import Cluster
from kmodel.settle import settle
from kmodel.stateful import Coverage, RuleBroken, make_machine

PASS, FAIL, INCONCLUSIVE, NOT_APPLICABLE = "pass", "fail", "inconclusive", "not-applicable"


@attrs.frozen
class RuleVerdict:
    name: str
    kind: str
    verdict: str
    message: str = ""
    witness: str | None = None


@attrs.frozen
class ViolationReport:
    rule: str
    message: str
    objects: tuple[str, ...]
    initial: Cluster | None
    events: tuple
    trace_file: str | None = None


@attrs.frozen
class CheckReport:
    verdict: str
    rules: tuple[RuleVerdict, ...]
    violations: tuple[ViolationReport, ...]
    engine: str
    seed: int
    steps: int
    seconds: float
    event_counts: dict = attrs.field(factory=dict, eq=False)


def rule_lines(rules: Iterable[RuleVerdict]) -> list[str]:
    """One line per rule for text reports: VERDICT, name, kind, and why when it is not a pass."""
    rules = list(rules)
    width = max((len(r.name) for r in rules), default=10)
    return [f"{r.verdict.upper():<15}{r.name:<{width}}  ({r.kind})"
            + (f"  {r.message}" if r.message and r.verdict != PASS else "") for r in rules]


def verdict_counts(rules: Iterable[RuleVerdict]) -> str:
    """`N rules: a fail, b pass, ...` for summary lines."""
    counts: dict[str, int] = {}
    for r in rules:
        counts[r.verdict] = counts.get(r.verdict, 0) + 1
    parts = ", ".join(f"{n} {k}" for k, n in sorted(counts.items()))
    return f"{sum(counts.values())} rules: {parts}"


def overall(verdicts: Iterable[str]) -> str:
    vs = list(verdicts)
    if FAIL in vs:
        return FAIL
    if INCONCLUSIVE in vs:
        return INCONCLUSIVE
    return PASS


def rule_verdicts(rules: list, violated: dict[str, str], reached: set[str], applicable: set[str],
                  bound_hit: bool) -> list[RuleVerdict]:
    out = []
    for inv in rules:
        if inv.name in violated:
            out.append(RuleVerdict(inv.name, inv.kind, FAIL, violated[inv.name], inv.witness))
            continue
        if inv.kind == invariants.SOMETIMES:
            if inv.name not in applicable:
                out.append(RuleVerdict(inv.name, inv.kind, NOT_APPLICABLE, "nothing in the cluster can reach it"))
            elif inv.name in reached:
                out.append(RuleVerdict(inv.name, inv.kind, PASS, "reached"))
            else:
                out.append(RuleVerdict(inv.name, inv.kind, INCONCLUSIVE, "never reached"))
            continue
        if inv.witness is not None and inv.witness not in applicable:
            out.append(RuleVerdict(inv.name, inv.kind, NOT_APPLICABLE,
                                   f"witness {inv.witness} cannot be reached in this cluster", inv.witness))
        elif bound_hit:
            out.append(RuleVerdict(inv.name, inv.kind, INCONCLUSIVE, "the engine hit a bound", inv.witness))
        elif inv.witness is not None and inv.witness not in reached:
            out.append(RuleVerdict(inv.name, inv.kind, INCONCLUSIVE,
                                   f"no violation, but witness {inv.witness} was never reached", inv.witness))
        else:
            out.append(RuleVerdict(inv.name, inv.kind, PASS, "", inv.witness))
    return out


def applicable_witnesses(cluster: Cluster) -> set[str]:
    return {inv.name for inv in invariants.of_kind(invariants.SOMETIMES) if inv.applies is None or inv.applies(cluster)}


@contextlib.contextmanager
def shrink_deadline(seconds: float | None) -> Iterator[None]:
    """Bound how long Hypothesis shrinks a failure to `seconds` (None: leave its own bound, five minutes).

    A run over a generated cluster costs a settle and every rule, so shrinking one counterexample can take the
    whole five minutes Hypothesis allows, far longer than a CI step wants (a mutant of the grace period took 317
    s, nearly all of it shrinking). Hypothesis has no public setting for this: its engine reads the module
    constant `MAX_SHRINKING_SECONDS` when shrinking starts and, past it, stops and reports the smallest failure
    found so far (`ExitReason.very_slow_shrinking`, Hypothesis issue 2340), which is a real counterexample, only
    less shrunk. `tests/engines/test_shrink_deadline.py` fails if an upgrade removes the constant."""
    if seconds is None or not hasattr(_hypothesis_engine, "MAX_SHRINKING_SECONDS"):
        yield
        return
    saved = _hypothesis_engine.MAX_SHRINKING_SECONDS
    _hypothesis_engine.MAX_SHRINKING_SECONDS = seconds
    try:
        yield
    finally:
        _hypothesis_engine.MAX_SHRINKING_SECONDS = saved


def run_hypothesis(cluster: Cluster | st.SearchStrategy, seed: int = 0, max_examples: int = 60, max_steps: int = 40,
                   rule_names: Iterable[str] | None = None, shrink_seconds: float | None = None
                   ) -> tuple[Coverage, RuleBroken | None]:
    """Run the stateful engine from `cluster`, or from clusters drawn from a strategy (each run's cluster is
    counted in the coverage); a run may begin with the cluster's own rollout (`make_machine(settle_first=True)`).
    Returns what it reached and the shrunk failure, if any; `shrink_seconds` bounds the shrinking
    (`shrink_deadline`; Hypothesis' own five minutes when None)."""
    coverage = Coverage()
    if isinstance(cluster, Cluster):
        machine = make_machine(st.just(cluster), rule_names=rule_names, coverage=coverage, settle_first=True)
    else:
        machine = make_machine(cluster, rule_names=rule_names, coverage=coverage, settle_first=True,
                               record_initial=True)
    machine = hyp_seed(seed)(machine)
    # No target phase: below 1,000 examples Hypothesis runs one hill-climbing pass over every choice of the best
    # run of each `target()` label with no bound on its runs, and a run here costs a settle and every rule. It
    # took half the time of `--scenario all` (55 s against 28 s, the same verdicts, every witness reached) and 3.5
    # minutes on a generated cluster under one mutant, before any shrinking. The pytest suite keeps it.
    cfg = settings(max_examples=max_examples, stateful_step_count=max_steps, deadline=None, database=None,
                   verbosity=Verbosity.quiet, derandomize=False, print_blob=False,
                   suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                                          HealthCheck.filter_too_much, HealthCheck.large_base_example],
                   phases=[Phase.generate, Phase.shrink])
    try:
        with shrink_deadline(shrink_seconds):
            run_state_machine_as_test(machine, settings=cfg)
    except RuleBroken as broken:
        return coverage, broken
    except Flaky as flaky:  # pragma: no cover - the model is deterministic; say so loudly if not
        raise RuntimeError(f"the model behaved non-deterministically: {flaky}") from flaky
    return coverage, None


def settle_checked(cluster: Cluster, names: Iterable[str] | None, max_steps: int):
    """Settle `cluster` (the deterministic baseline both engines start from) checking the ALWAYS and TRANSITION
    rules of `names` (all when None) on every step. Returns the settle result and the first step's violations
    with the events up to and including that step, or no violations and None."""
    found: list = []
    steps = [0]

    def observe(before: Cluster, event, after: Cluster) -> None:
        if not found:
            steps[0] += 1
            found.extend(invariants.check_transition(before, event, after, names=names))
            found.extend(invariants.check(after, kinds=(invariants.ALWAYS,), names=names))

    result = settle(cluster, max_steps=max_steps, record=True, observe=observe)
    return result, found, (result.events[:steps[0]] if found else None)


def check_cluster(cluster: Cluster, seed: int = 0, max_examples: int = 60, max_steps: int = 40,
                  rule_names: Iterable[str] | None = None, engine: str = "hypothesis",
                  hunt_rounds: int = 4, shrink_seconds: float | None = None) -> CheckReport:
    """Check every registered rule (or the named ones) on `cluster`, searching up to `hunt_rounds` more times
    for witnesses the first search did not reach; `shrink_seconds` bounds each search's shrinking."""
    started = time.perf_counter()
    names = None if rule_names is None else list(rule_names)
    rules = invariants.of_kind(names=names, profile=cluster.config.profile)
    checked = [inv.name for inv in rules if inv.kind != invariants.SOMETIMES]
    violated: dict[str, str] = {}
    violations: list[ViolationReport] = []
    applicable = applicable_witnesses(cluster)

    # The deterministic baseline: the cluster settles, and every ALWAYS and TRANSITION rule holds on the way,
    # whatever the random runs draw; at quiescence the STABLE rules hold.
    if engine != "hypothesis":
        raise ValueError(f"unknown engine {engine!r}")
    baseline, on_the_way, way = settle_checked(cluster, checked, 50_000)
    bound_hit = not baseline.quiescent
    if baseline.quiescent and not on_the_way:
        on_the_way = invariants.check(baseline.cluster, kinds=(invariants.STABLE,), names=checked)
        way = baseline.events
    for v in on_the_way:
        violated.setdefault(v.rule, v.message)
        violations.append(ViolationReport(v.rule, v.message, v.objects, cluster, way))
    coverage, broken = run_hypothesis(cluster, seed, max_examples, max_steps, checked, shrink_seconds)
    # Witness hunting: while an applicable witness is unreached and nothing broke, search again with the next
    # seeds, so a rule is not left inconclusive merely because one search missed the states it speaks of.
    for extra in range(1, hunt_rounds + 1):
        wanted = {inv.name for inv in rules if inv.kind == invariants.SOMETIMES and inv.name in applicable}
        wanted |= {inv.witness for inv in rules if inv.witness in applicable}
        if broken is not None or wanted <= coverage.witnesses:
            break
        more, broken = run_hypothesis(cluster, seed + extra, max_examples, max_steps, checked, shrink_seconds)
        coverage.witnesses |= more.witnesses
        coverage.steps += more.steps
        for name, n in more.event_counts.items():
            coverage.event_counts[name] = coverage.event_counts.get(name, 0) + n
    if broken is not None:
        for v in broken.violations:
            if v.rule not in violated:  # a rule the baseline broke keeps the baseline's report
                violated[v.rule] = v.message
                violations.append(ViolationReport(v.rule, v.message, v.objects, broken.initial, broken.events))
    if not baseline.quiescent:
        violated.setdefault("settle-reaches-quiescence", f"not quiescent after {baseline.steps} steps")
    verdicts = rule_verdicts(rules, violated, coverage.witnesses, applicable, bound_hit)
    return CheckReport(overall(v.verdict for v in verdicts), tuple(verdicts), tuple(violations), engine, seed,
                       coverage.steps, time.perf_counter() - started, dict(coverage.event_counts))


def check_generated(strategy: st.SearchStrategy | None = None, seed: int = 0, examples: int = 100,
                    max_steps: int = 30, rule_names: Iterable[str] | None = None, hunt_rounds: int = 2,
                    shrink_seconds: float | None = None) -> tuple[CheckReport, Coverage]:
    """`kmodel check --scenario generated`: every registered rule (or the named ones) on runs from `examples`
    clusters drawn from `strategy` (default `kmodel.generate.clusters()`), each run a cluster and a trace of up
    to `max_steps` steps; Hypothesis shrinks a failure to a small cluster and a short trace, which the report
    keeps as the counterexample's initial cluster (replayable like any trace).

    Verdicts as for one cluster, over the drawn clusters: a witness is not-applicable only when no drawn cluster
    could reach it (its feature was never generated), inconclusive when some could and none did, so no rule
    passes on a feature no run had. While applicable witnesses are unreached, up to `hunt_rounds` more searches
    run with the next seeds."""
    from kmodel.generate import clusters

    started = time.perf_counter()
    strategy = strategy if strategy is not None else clusters()
    names = None if rule_names is None else list(rule_names)
    rules = invariants.of_kind(names=names)
    checked = [inv.name for inv in rules if inv.kind != invariants.SOMETIMES]
    coverage, broken = run_hypothesis(strategy, seed, examples, max_steps, checked, shrink_seconds)
    for extra in range(1, hunt_rounds + 1):
        wanted = {inv.name for inv in rules if inv.kind == invariants.SOMETIMES} | {inv.witness for inv in rules}
        if broken is not None or (wanted & coverage.applicable) <= coverage.witnesses:
            break
        more, broken = run_hypothesis(strategy, seed + extra, examples, max_steps, checked, shrink_seconds)
        coverage.merge(more)
    violated: dict[str, str] = {}
    violations: list[ViolationReport] = []
    if broken is not None:
        for v in broken.violations:
            if v.rule not in violated:
                violated[v.rule] = v.message
                violations.append(ViolationReport(v.rule, v.message, v.objects, broken.initial, broken.events))
    verdicts = rule_verdicts(rules, violated, coverage.witnesses, coverage.applicable, False)
    report = CheckReport(overall(v.verdict for v in verdicts), tuple(verdicts), tuple(violations), "hypothesis",
                         seed, coverage.steps, time.perf_counter() - started, dict(coverage.event_counts))
    return report, coverage
