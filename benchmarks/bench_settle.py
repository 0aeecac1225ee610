"""`settle` and `step` cost per event as the cluster grows (issue 3: "cost growing with log n, not n").

Skipped by the default test run (pyproject's addopts has --benchmark-skip). Run:

    /tmp/venvtest/bin/pytest benchmarks/bench_settle.py --benchmark-only -p no:cacheprovider -o addopts="" -n 0 \
        --benchmark-json=/tmp/bench_settle.json
    /tmp/venvtest/bin/python benchmarks/bench_settle.py /tmp/bench_settle.json

The 20,000-node cases are marked `slow` (CI's short mode, `-m "not slow"`, skips them).

Workload, at N = 500, 5,000 and 20,000 nodes (default capacity, 110 pods each):
- the cluster: N nodes; a ReplicaSet `backend` of N replicas behind a Service `backend` (one plain pod per
  node, settled: every pod Running and Ready, the endpoints written); a ReplicaSet `frontend` of 10 replicas
  whose container is the seed's web container (named port, liveness and readiness probes, postStart and
  preStop hooks) behind a Service `frontend`, settled too. So objects grow with N: N nodes, N + 10 pods.
- the change: `frontend` scaled by 1,000 replicas (a `ScaleController` step, outside the timed region).
- `test_settle`: `settle` from there to quiescence (healthy environment): the replication creates (two bursts of
  500, SEMANTICS 30), 1,000 binds, container starts, postStart hooks returning, readiness successes, status
  writes and endpoints syncs. `extra_info`: nodes, pods, events (what settle applied), and from the median
  round, seconds and microseconds per event.
- `test_step`: the same events, recorded once, replayed through `step` alone (guard + apply, no controller
  proposing anything): the cost of the writes themselves, against which `test_settle` shows what the
  controllers' `reconcile` calls add per event.

What should hold: microseconds per event stay roughly flat from 500 to 20,000 nodes (a persistent map update
is O(log n); controllers find their work through indexes kept in the state, not by scanning every pod or node).
Inputs are built outside the timed region (`benchmark.pedantic` with `setup`); they are immutable, so one build
serves every round. Input clusters are frozen out of the cyclic GC's view (`gc.freeze()`), as in
bench_scheduler.py: they hold no cycles, and a full collection inside the timed region would otherwise walk all
of them.
"""

from __future__ import annotations

import gc
import json
import sys

import pytest

from kmodel.cluster import Cluster
from kmodel.events import step
from kmodel.labels import parse_selector
from kmodel.objects import MiB, Container, Node, PodTemplate, ReplicaSet, Resources, Service, ServicePort
from kmodel.scenarios import web_container
from kmodel.settle import settle
from kmodel.user import ScaleController

NODE_COUNTS = (500, 5_000, 20_000)
SLOW_FROM = 20_000
SCALE_BY = 1_000
FRONTEND_START = 10
ROUNDS = {500: 5, 5_000: 5, 20_000: 3}

_INPUTS: dict = {}


def base_cluster(nodes: int) -> Cluster:
    """The settled cluster before the scale-up (see the module docstring)."""
    backend = ReplicaSet("backend", replicas=nodes, selector=parse_selector("app=backend"),
                         template=PodTemplate(labels={"app": "backend"},
                                              containers=(Container("app", requests=Resources(100, 64 * MiB)),)))
    frontend = ReplicaSet("frontend", replicas=FRONTEND_START, selector=parse_selector("app=frontend"),
                          template=PodTemplate(labels={"app": "frontend"}, containers=(web_container(),)))
    services = [Service("backend", selector={"app": "backend"}, ports=(ServicePort(80, target_port=8080),)),
                Service("frontend", selector={"app": "frontend"}, ports=(ServicePort(80, target_port="http"),))]
    nodes_ = [Node(f"node-{i:05d}") for i in range(nodes)]
    result = settle(Cluster.from_objects([*nodes_, backend, frontend, *services]), max_steps=10_000_000)
    assert result.quiescent
    return result.cluster


def scaled_cluster(nodes: int) -> Cluster:
    """The settled cluster with `frontend` scaled by SCALE_BY (built once per node count, then kept)."""
    if nodes not in _INPUTS:
        base = base_cluster(nodes)
        scaled = step(base, ScaleController("ReplicaSet/frontend", FRONTEND_START + SCALE_BY))
        _INPUTS[nodes] = scaled
        gc.collect()
        gc.freeze()
    return _INPUTS[nodes]


def recorded_events(nodes: int) -> tuple:
    key = ("events", nodes)
    if key not in _INPUTS:
        result = settle(scaled_cluster(nodes), record=True)
        _INPUTS[key] = result.events
    return _INPUTS[key]


def settle_steps(cluster: Cluster) -> int:
    """Settle and return the number of events applied (the final state is dropped inside the timed region)."""
    result = settle(cluster, max_steps=1_000_000)
    assert result.quiescent
    return result.steps


def replay(cluster: Cluster, events: tuple) -> int:
    for event in events:
        cluster = step(cluster, event)
    return len(cluster.pods)


def _params():
    for nodes in NODE_COUNTS:
        marks = [pytest.mark.slow] if nodes >= SLOW_FROM else []
        yield pytest.param(nodes, id=str(nodes), marks=marks)


def _record(benchmark, workload: str, nodes: int, events: int, pods: int) -> None:
    median = benchmark.stats.stats.median
    benchmark.extra_info.update({"workload": workload, "nodes": nodes, "pods": pods, "events": events,
                                 "median_s": median, "seconds_per_event": median / events,
                                 "us_per_event": round(median / events * 1e6, 2)})


@pytest.mark.parametrize("nodes", list(_params()))
def test_settle(benchmark, nodes):
    cluster = scaled_cluster(nodes)
    steps = benchmark.pedantic(settle_steps, setup=lambda: ((cluster,), {}), rounds=ROUNDS[nodes], iterations=1)
    assert steps >= 3 * SCALE_BY
    _record(benchmark, "settle", nodes, steps, len(cluster.pods))


@pytest.mark.parametrize("nodes", list(_params()))
def test_step(benchmark, nodes):
    cluster = scaled_cluster(nodes)
    events = recorded_events(nodes)
    pods = benchmark.pedantic(replay, setup=lambda: ((cluster, events), {}), rounds=ROUNDS[nodes], iterations=1)
    assert pods == len(cluster.pods) + SCALE_BY
    _record(benchmark, "step", nodes, len(events), len(cluster.pods))


# ---- summary ---------------------------------------------------------------------------------------------------

def report(data: dict) -> str:
    rows = sorted((b["extra_info"] for b in data["benchmarks"] if "us_per_event" in b.get("extra_info", {})),
                  key=lambda r: (r["workload"], r["nodes"]))
    lines = [f"{'workload':9} {'nodes':>6} {'pods':>6} {'events':>7} {'median s':>9} {'us/event':>9}"]
    for r in rows:
        lines.append(f"{r['workload']:9} {r['nodes']:>6} {r['pods']:>6} {r['events']:>7} {r['median_s']:>9.3f} "
                     f"{r['us_per_event']:>9.1f}")
    by = {(r["workload"], r["nodes"]): r for r in rows}
    lines.append("")
    for workload in ("settle", "step"):
        small, large = by.get((workload, NODE_COUNTS[0])), by.get((workload, NODE_COUNTS[-1]))
        if small and large:
            growth = large["us_per_event"] / small["us_per_event"]
            n_ratio = large["nodes"] / small["nodes"]
            lines.append(f"{workload}: per-event cost x{growth:.2f} from {small['nodes']:,} to {large['nodes']:,} "
                         f"nodes (n x{n_ratio:.0f}; log2 n x{_log_ratio(large['nodes'], small['nodes']):.2f})")
    return "\n".join(lines)


def _log_ratio(a: int, b: int) -> float:
    import math

    return math.log2(a) / math.log2(b)


def main(argv: list[str]) -> int:
    if len(argv) != 2:
        print("usage: python benchmarks/bench_settle.py BENCH.json", file=sys.stderr)
        return 2
    with open(argv[1], encoding="utf-8") as f:
        print(report(json.load(f)))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
