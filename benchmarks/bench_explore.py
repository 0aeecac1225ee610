"""Explorer throughput: distinct states per second on the seed scenario, and fingerprinting against a reference.

Skipped by the default test run (pyproject's addopts has --benchmark-skip). Run:

    /tmp/venvtest/bin/pytest benchmarks/bench_explore.py --benchmark-only -p no:cacheprovider -o addopts="" \
        --benchmark-json=/tmp/bench_explore.json
    /tmp/venvtest/bin/python benchmarks/bench_explore.py /tmp/bench_explore.json

Workloads:
- `test_explore_seed[checks]`: the seed scenario (three nodes with their infrastructure pods, the web
  ReplicationController of three replicas behind its Service, the cache ReplicaSet), settled, with node crashes,
  probe results and hook outcomes, explored to depth 4 (1,031 distinct states under full symmetry; 1,880 in
  "all", where a settle run's tie-break between unlike nodes drops the search to pods-only symmetry). `checks` is
  what runs on the way: "all" (every ALWAYS and TRANSITION rule plus eventually-stable reconciliation, a settle
  run from every state), "safety" (ALWAYS and TRANSITION only), "none" (the bare search: successors, steps,
  fingerprints). SOMETIMES witnesses are evaluated in every mode, until each is reached.
- `test_fingerprint[impl]`: fingerprints of the states one exploration visits: "fast" (`Fingerprinter`, interned
  and cached by object identity) against "reference" (blake2b of the exact state's JSON, `kmodel.trace`'s
  canonical serialisation), a ratio in the same run (DESIGN, conventions).

`extra_info`: distinct_states, transitions, states_per_second (the explorer's own clock, best round), the
symmetry mode used, the build of the model that ran ("compiled" or "pure", `kmodel.COMPILED`). The summary
divides the distinct states by the median round's time. The issue's target is >= 10,000 distinct states per
second on one core for the seed scenario; the summary says, for each kind of check and the build, whether it is
met (`ratios.py` prints it in CI).
"""

from __future__ import annotations

import gc
import hashlib
import json
import sys

import pytest

import invariants
import kmodel
from kmodel.explore import ExploreConfig, Fingerprinter, _Search, explore
from kmodel.scenarios import seed
from kmodel.settle import settle

TARGET = 10_000
BUILD = "compiled" if kmodel.COMPILED else "pure"  # which build of the model runs (setup.py)
CONFIG = ExploreConfig(max_depth=4, faults="node,probes,hooks")
_STATES: dict = {}


def seed_settled():
    if "seed" not in _STATES:
        _STATES["seed"] = settle(seed()).cluster
        gc.collect()
        gc.freeze()
    return _STATES["seed"]


def rule_names(checks: str) -> list[str] | None:
    if checks == "all":
        return None
    if checks == "safety":
        return [i.name for i in invariants.of_kind(invariants.ALWAYS, invariants.TRANSITION)]
    return []


@pytest.mark.parametrize("checks", ["all", "safety", "none"])
def test_explore_seed(benchmark, checks):
    cluster = seed_settled()
    names = rule_names(checks)
    best: dict = {}

    def run():
        result = explore(cluster, CONFIG, names)
        if not best or result.states_per_second > best["states_per_second"]:
            best.update(states_per_second=result.states_per_second, distinct_states=result.distinct_states,
                        transitions=result.transitions, symmetry=result.symmetry, verdict=result.verdict,
                        violations=len(result.violations))
        return result.distinct_states

    # A round takes 0.1 to 0.2 s without settles: 9 of them, so that a busy spell of the shared host cannot move
    # the median; with a settle from every state a round takes about 1 s: 3.
    states = benchmark.pedantic(run, rounds=3 if checks == "all" else 9, iterations=1)
    assert states > 1_000 and best["violations"] == 0
    benchmark.extra_info.update({"workload": "explore_seed", "checks": checks, "target": TARGET,
                                 "states_per_second": round(best["states_per_second"], 1),
                                 "distinct_states": best["distinct_states"], "transitions": best["transitions"],
                                 "symmetry": best["symmetry"], "build": BUILD})


def visited_states() -> list:
    if "visited" not in _STATES:
        search = _Search(seed_settled(), ExploreConfig(max_depth=3, faults="node,probes,hooks", symmetry="off"),
                         "off", [], False, None)
        search.run()
        states = []
        for index in range(len(search.parents)):
            c = search.initial
            for event in search.path(index):
                c = event.apply(c)
            states.append(c)
        _STATES["visited"] = states
    return _STATES["visited"]


def reference_fingerprint(cluster) -> bytes:
    from kmodel.trace import encode_cluster

    body = json.dumps(encode_cluster(cluster), sort_keys=True, separators=(",", ":"))
    return hashlib.blake2b(body.encode(), digest_size=16).digest()


@pytest.mark.parametrize("impl", ["fast", "reference"])
def test_fingerprint(benchmark, impl):
    states = visited_states()

    def run():
        fp = Fingerprinter("pods").__call__ if impl == "fast" else reference_fingerprint
        return len({fp(c) for c in states})

    distinct = benchmark.pedantic(run, rounds=3, iterations=1)
    assert distinct <= len(states)
    benchmark.extra_info.update({"workload": "fingerprint", "impl": "fingerprint-" + impl, "states": len(states),
                                 "distinct": distinct})


def report(data: dict) -> str:
    lines = []
    seeds = [b for b in data["benchmarks"] if b.get("extra_info", {}).get("workload") == "explore_seed"]
    for b in seeds:
        info = b["extra_info"]
        rate = info["distinct_states"] / b["stats"]["median"]  # the median round (the best is in extra_info)
        met = "MET   " if rate >= TARGET else "MISSED"
        lines.append(f"explore seed, checks={info['checks']:6}: {info['distinct_states']:,} states, "
                     f"{rate:,.0f} states/s (target {TARGET:,}: {met}), symmetry "
                     f"{info['symmetry']}, {info.get('build', 'pure')} build")
    fps = {b["extra_info"]["impl"]: b for b in data["benchmarks"]
           if b.get("extra_info", {}).get("workload") == "fingerprint"}
    if {"fingerprint-fast", "fingerprint-reference"} <= set(fps):
        fast, ref = fps["fingerprint-fast"], fps["fingerprint-reference"]
        n = fast["extra_info"]["states"]
        lines.append(f"fingerprint: fast {fast['stats']['median'] / n * 1e6:.1f} us/state, reference "
                     f"{ref['stats']['median'] / n * 1e6:.1f} us/state, ratio "
                     f"{ref['stats']['median'] / fast['stats']['median']:.1f}x")
    return "\n".join(lines)


if __name__ == "__main__":
    if len(sys.argv) != 2:
        print("usage: python benchmarks/bench_explore.py BENCH.json", file=sys.stderr)
        sys.exit(2)
    with open(sys.argv[1], encoding="utf-8") as f:
        print(report(json.load(f)))
