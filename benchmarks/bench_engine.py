"""Throughput of the Hypothesis stateful engine on the seed scenario (issue 4: at least 2,000 steps per second).

Skipped by the default test run (pyproject's addopts has --benchmark-skip). Run:

    /tmp/venvtest/bin/pytest benchmarks/bench_engine.py --benchmark-only -p no:cacheprovider -o addopts="" -n 0 \
        --benchmark-json=/tmp/bench_engine.json
    /tmp/venvtest/bin/python benchmarks/bench_engine.py /tmp/bench_engine.json

Workload: `kmodel.stateful.make_machine` over `tests.strategies.seed_clusters()` (the seed scenario, both scheduler
profiles) with every registered rule, run by `run_state_machine_as_test` with `RUNS` test cases of at most
`STEPS` rule invocations each (no example database, every phase but shrinking, which only runs after a
failure). A round is one such run under `hypothesis.seed(SEEDS[i])`: explicit seeds make the runs the same
whatever the code's speed or source (a derandomized run's seed follows the source of the test), so rounds,
and measurements of two versions of the model, explore the same test cases.

Two rates, from each round's wall time (the median round is reported):
- rule invocations per second: calls of the machine's step rule (an enabled event, or a quiescence point);
- applied events per second, the issue's "steps": the events the step rule applied plus the events `settle`
  applied at quiescence points (each of them is checked against every ALWAYS and TRANSITION rule, like a step).

And where a step's time goes, per applied event and per invocation (from `Coverage.seconds`, the engine's own
clocks): the pure model (`enabled` listing, applying events, the controllers' work in settle), the initial
clusters (building the seed scenario for each test case, which the strategy does), rule checking (ALWAYS,
TRANSITION, STABLE rules and SOMETIMES witnesses), steering (`target()` observations), and Hypothesis (the rest of
the wall time: drawing, the state machine runner, the target optimiser, test-case bookkeeping).
"""

from __future__ import annotations

import json
import statistics
import sys
import time

from hypothesis import HealthCheck, Phase, seed, settings
from hypothesis.stateful import run_state_machine_as_test

TARGET_EVENTS_PER_SECOND = 2_000
RUNS = 30
STEPS = 50
SEEDS = (0, 1, 2, 3, 4)
PARTS = ("model", "initial", "rules", "steering", "hypothesis")


def run_once(seed_value: int = 0) -> dict:
    """One engine run under a Hypothesis seed; its counts and clocks."""
    from kmodel import scenarios
    from kmodel.stateful import Coverage, make_machine
    from tests.strategies import seed_clusters

    original = scenarios.seed
    building = [0.0]

    def timed_seed(*args, **kwargs):
        started = time.perf_counter()
        cluster = original(*args, **kwargs)
        building[0] += time.perf_counter() - started
        return cluster

    coverage = Coverage()
    scenarios.seed = timed_seed  # the strategy's builder: building each test case's cluster is model time
    try:
        machine = seed(seed_value)(make_machine(seed_clusters(), coverage=coverage))
    finally:
        scenarios.seed = original
    cfg = settings(max_examples=RUNS, stateful_step_count=STEPS, derandomize=False, database=None, deadline=None,
                   phases=[Phase.explicit, Phase.reuse, Phase.generate, Phase.target],
                   suppress_health_check=list(HealthCheck))
    started = time.perf_counter()
    run_state_machine_as_test(machine, settings=cfg)
    wall = time.perf_counter() - started
    events = coverage.steps + coverage.settle_events
    split = dict(coverage.seconds)
    split["initial"] = building[0]
    split["hypothesis"] = wall - sum(split.values())
    return {"wall_s": wall, "invocations": coverage.invocations, "events": events, "step_events": coverage.steps,
            "settle_events": coverage.settle_events, "settles": coverage.settles, "seconds": split,
            "witnesses": len(coverage.witnesses)}


def summarise(runs: list[dict]) -> dict:
    """Medians over rounds: rates and the per-step split in microseconds."""
    med = statistics.median
    out = {
        "rounds": len(runs),
        "invocations_per_s": round(med(r["invocations"] / r["wall_s"] for r in runs), 1),
        "events_per_s": round(med(r["events"] / r["wall_s"] for r in runs), 1),
        "events_per_invocation": round(med(r["events"] / r["invocations"] for r in runs), 3),
        "median_wall_s": round(med(r["wall_s"] for r in runs), 3),
        "median_events": med(r["events"] for r in runs),
        "median_invocations": med(r["invocations"] for r in runs),
        "target_events_per_s": TARGET_EVENTS_PER_SECOND,
    }
    for part in PARTS:
        out[f"us_per_event_{part}"] = round(med(r["seconds"][part] / r["events"] for r in runs) * 1e6, 1)
        out[f"us_per_invocation_{part}"] = round(med(r["seconds"][part] / r["invocations"] for r in runs) * 1e6, 1)
    return out


def test_engine_throughput(benchmark):
    runs: list[dict] = []
    seeds = iter(SEEDS)

    def round_() -> int:
        result = run_once(next(seeds))
        runs.append(result)
        return result["events"]

    run_once(SEEDS[0])  # warm-up: imports, the catalog, selector caches
    events = benchmark.pedantic(round_, rounds=len(SEEDS), iterations=1)
    assert events > 0
    benchmark.extra_info.update({"workload": "engine_seed", "runs": RUNS, "steps": STEPS, "seeds": list(SEEDS),
                                 **summarise(runs)})


# ---- summary ---------------------------------------------------------------------------------------------------

def report(data: dict) -> str:
    lines = []
    for bench in data["benchmarks"]:
        info = bench.get("extra_info", {})
        if info.get("workload") != "engine_seed":
            continue
        met = info["events_per_s"] >= info["target_events_per_s"]
        lines += [
            f"seed scenario, {info['runs']} runs x <= {info['steps']} invocations, median of {info['rounds']} rounds "
            f"(seeds {info['seeds']}):",
            f"  rule invocations/s {info['invocations_per_s']:>10,.0f}",
            f"  applied events/s   {info['events_per_s']:>10,.0f}   ({info['events_per_invocation']:.2f} per "
            f"invocation; target >= {info['target_events_per_s']:,}: {'MET' if met else 'MISSED'})",
            "  time per applied event / per invocation (us):",
        ]
        for part in PARTS:
            lines.append(f"    {part:10} {info[f'us_per_event_{part}']:>8.1f} {info[f'us_per_invocation_{part}']:>8.1f}")
    return "\n".join(lines)


def main(argv: list[str]) -> int:
    if len(argv) != 2:
        print("usage: python benchmarks/bench_engine.py BENCH.json", file=sys.stderr)
        return 2
    with open(argv[1], encoding="utf-8") as f:
        print(report(json.load(f)))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
