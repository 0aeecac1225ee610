"""Two builds of kmodel side by side, in one run: before and after a change (issue 19: "each within 10% of
before, or faster").

    python3 benchmarks/versus.py --before /tmp/before-venv/bin/python --after /tmp/after-venv/bin/python \
        --before-tree /tmp/before --after-tree /tmp/after [--rounds 5] [--only burst,settle]

Each interpreter runs every workload once per round, the two alternating workload by workload (before, after,
after, before, ...), so that a busy spell of the shared machine lands on both; the report gives each side's
median and the ratio of the medians (after / before for times, before / after for rates: > 1 is faster).
Each workload runs in a fresh process from a neutral working directory (so the installed build, compiled or
pure, is what runs, never the source tree), with the tree's own `benchmarks/` on `sys.path` for its inputs.

Workloads (each prints one number):
- `burst-textbook-1000`: seconds for the scheduler cache's cycles of 10,000 queued pods on 1,000 nodes
  (bench_scheduler's `test_burst`, fast path).
- `place-kubernetes-1000`: seconds per placement (`choose_node` + the bind step) of one queued pod on 1,000
  nodes running 1,000 pods, under the kubernetes profile (bench_scheduler's `test_place_one`).
- `settle-500`: microseconds per applied event of `settle` after a 1,000-replica scale-up on 500 nodes
  (bench_settle's `test_settle`).
- `explore-none`, `explore-safety`, `explore-all`: distinct states per second of the explorer on the settled
  seed to depth 4 with node, probe and hook faults (bench_explore's `test_explore_seed`); `explore-safety` checks
  the ALWAYS and TRANSITION rules both builds have (`--rules-of` names the build whose rule set is used; a rule
  the change added is measured apart as `explore-safety-all`, every safety rule of each build).
- `hypothesis`: applied events per second of the Hypothesis machine on the seed (bench_engine's `run_once`).
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys

PRELUDE = """
import gc, json, sys, time
sys.path.insert(0, {bench!r})
sys.path.append({tree!r})  # after site-packages: `tests.strategies` from the tree, kmodel as installed
import kmodel
assert not kmodel.__file__.startswith({tree!r} + "/kmodel/"), kmodel.__file__
"""

SNIPPETS = {
    "burst-textbook-1000": ("time", """
import bench_scheduler as b
from kmodel.scheduler import cache
cluster = b.burst_cluster(1000, b.BURST, "textbook")
gc.collect(); gc.freeze()
t = time.perf_counter()
placements, _ = cache.schedule_burst(cluster)
out = time.perf_counter() - t
assert sum(1 for _, n in placements if n) == b.BURST
"""),
    "place-kubernetes-1000": ("time", """
import bench_scheduler as b
from kmodel.events import step
from kmodel.scheduler.scheduler import SchedulerBindPod, choose_node
cluster = b.one_pod_cluster(1000, "kubernetes")
gc.collect(); gc.freeze()
pod = next(iter(cluster.pods[n] for n in cluster.unscheduled))
n = 100
t = time.perf_counter()
for _ in range(n):
    step(cluster, SchedulerBindPod(pod.name, choose_node(cluster, pod).node))
out = (time.perf_counter() - t) / n
"""),
    "settle-500": ("time", """
import bench_settle as b
from kmodel.settle import settle
start = b.scaled_cluster(500)
gc.collect(); gc.freeze()
t = time.perf_counter()
result = settle(start)
out = (time.perf_counter() - t) / result.steps * 1e6
assert result.quiescent
"""),
    "explore-none": ("rate", """
import bench_explore as b
from kmodel.explore import explore
out = explore(b.seed_settled(), b.CONFIG, []).states_per_second
"""),
    "explore-safety": ("rate", """
import bench_explore as b
import invariants
from kmodel.explore import explore
names = [n for n in {rules!r} if n in invariants.registry()]
out = explore(b.seed_settled(), b.CONFIG, names).states_per_second
"""),
    "explore-safety-all": ("rate", """
import bench_explore as b
from kmodel.explore import explore
out = explore(b.seed_settled(), b.CONFIG, b.rule_names("safety")).states_per_second
"""),
    "explore-all": ("rate", """
import bench_explore as b
from kmodel.explore import explore
out = explore(b.seed_settled(), b.CONFIG, None).states_per_second
"""),
    "hypothesis": ("rate", """
import bench_engine as b
b.run_once(b.SEEDS[0])
r = b.run_once(b.SEEDS[1])
out = r["events"] / r["wall_s"]
"""),
}


def safety_rules(python: str) -> list[str]:
    code = ("import json, invariants; print(json.dumps([i.name for i in "
            "invariants.of_kind(invariants.ALWAYS, invariants.TRANSITION)]))")
    return json.loads(subprocess.run([python, "-c", code], cwd="/tmp", capture_output=True, text=True,
                                     check=True).stdout)


def run(python: str, tree: str, name: str, rules: list[str]) -> float:
    _, body = SNIPPETS[name]
    code = PRELUDE.format(bench=f"{tree}/benchmarks", tree=tree) + body.format(rules=rules) + "\nprint(json.dumps(out))\n"
    done = subprocess.run([python, "-c", code], cwd="/tmp", capture_output=True, text=True)
    if done.returncode != 0:
        raise SystemExit(f"{name} failed under {python}:\n{done.stderr[-2000:]}")
    return float(done.stdout.strip().splitlines()[-1])


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--before", required=True)
    parser.add_argument("--after", required=True)
    parser.add_argument("--before-tree", required=True)
    parser.add_argument("--after-tree", required=True)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--only", default=",".join(SNIPPETS))
    parser.add_argument("--rules-of", choices=("before", "after"), default="before")
    args = parser.parse_args(argv)
    names = [n for n in args.only.split(",") if n]
    rules = safety_rules(args.before if args.rules_of == "before" else args.after)
    sides = {"before": (args.before, args.before_tree), "after": (args.after, args.after_tree)}
    results: dict[str, dict[str, list[float]]] = {n: {"before": [], "after": []} for n in names}
    for r in range(args.rounds):
        for i, name in enumerate(names):
            order = ("before", "after") if (r + i) % 2 == 0 else ("after", "before")
            for side in order:
                python, tree = sides[side]
                results[name][side].append(run(python, tree, name, rules))
        print(f"round {r + 1}/{args.rounds} done", file=sys.stderr)
    print(f"{'workload':24} {'before':>12} {'after':>12}  ratio (>1: after is faster)")
    for name in names:
        kind = SNIPPETS[name][0]
        b, a = (statistics.median(results[name][s]) for s in ("before", "after"))
        ratio = b / a if kind == "time" else a / b
        unit = "s" if kind == "time" and "settle" not in name else ("us/ev" if "settle" in name else "/s")
        print(f"{name:24} {b:>12.4g} {a:>12.4g}  {ratio:5.2f}  ({unit}, median of {args.rounds})")
    print(json.dumps(results), file=sys.stderr)


if __name__ == "__main__":
    main()
