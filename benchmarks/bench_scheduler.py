"""Scheduler hot path: the fast path (`index.py`) against the reference scan, in the same run (DESIGN: a ratio,
not a wall-clock time).

Skipped by the default test run (pyproject's addopts has --benchmark-skip). Run:

    /tmp/venvtest/bin/pytest benchmarks/bench_scheduler.py --benchmark-only -p no:cacheprovider -o addopts="" \
        --benchmark-json=/tmp/bench.json
    /tmp/venvtest/bin/python benchmarks/ratios.py /tmp/bench.json

Workloads:
- `test_place_one`: one queued pod of a ReplicaSet in a cluster of N nodes already running N other pods; a
  placement = `choose_node` + `step(SchedulerBindPod)`, producing a new immutable Cluster.
- `test_burst`: 10,000 queued pods of one ReplicaSet placed one after the other on N empty nodes, as
  kube-scheduler places them: one scheduling cycle per pod against the scheduler's cache, which assumes each
  placed pod (`kmodel.scheduler.cache`: a persistent value, every intermediate cache stays valid). Fast: the
  cache's cycles under the textbook profile; `choose_node` + `step(SchedulerBindPod)` under kubernetes, whose
  fast path keeps no trees. Reference: `reference.schedule` (the scan) + `step(SchedulerBindPod)`, the Cluster
  being its cache; it places fewer pods, recorded in `extra_info["pods"]`, because it is O(N) per pod.
- `test_burst_bound` (textbook, fast only): the same burst plus its binding cycle, every placement's Binding
  write stepped on the Cluster (`scheduler.bind_all`): a new immutable Cluster per placement, the engines' path.
  `ratios.py` compares it with the reference burst, which binds too.
Inputs are built outside the timed region (`benchmark.pedantic` with `setup`; clusters are immutable values,
so one build serves every round). `extra_info` = {"impl", "nodes", "pods" (placements per round), "profile"},
plus for bursts "kib_per_state": the memory that keeping every intermediate state of the burst alive costs,
per state (caches for `test_burst` fast, Clusters otherwise), measured with tracemalloc in a separate untimed run.
"""

from __future__ import annotations

import gc
import os
import tracemalloc

import pytest

from kmodel.cluster import Cluster, Config
from kmodel.events import step
from kmodel.labels import parse_selector
from kmodel.objects import MiB, Container, Node, OwnerRef, Pod, PodTemplate, ReplicaSet, Resources
from kmodel.scheduler import cache, reference
from kmodel.scheduler.scheduler import SchedulerBindPod, bind_all, choose_node

NODE_COUNTS = (100, 1_000, 5_000, 20_000)
BURST = 10_000
# Reference placements per burst round (O(N) each): chosen so a round takes seconds, not minutes.
REFERENCE_BURST = {100: 2_000, 1_000: 300, 5_000: 60}
KUBERNETES_BURST = {"fast": 500, "reference": 50}
TEMPLATE = PodTemplate(labels={"app": "frontend"},
                       containers=(Container("php", requests=Resources(100, 64 * MiB)),))
RS = ReplicaSet("frontend", replicas=BURST, selector=parse_selector("app=frontend"), template=TEMPLATE,
                uid="uid-frontend")
OWNER = OwnerRef("ReplicaSet", "frontend", "uid-frontend")

_CLUSTERS: dict = {}
# The inputs are large, long-lived and immutable: CPython's cyclic GC would traverse all of them at every full
# collection triggered inside the timed region (they contain no cycles, so it can never free any of them).
# `gc.freeze()` after building them takes them out of the collector's view, as an engine that keeps a big
# initial state would do. KMODEL_BENCH_GC=plain keeps the collector's default behaviour, for comparison.
FREEZE_INPUTS = os.environ.get("KMODEL_BENCH_GC", "freeze") != "plain"


def _keep(key, cluster: Cluster) -> Cluster:
    _CLUSTERS[key] = cluster
    if FREEZE_INPUTS:
        gc.collect()
        gc.freeze()
    return cluster


def _nodes(n: int) -> list[Node]:
    return [Node(f"node-{i:05d}", allocatable=Resources(16_000, 64 * 1024 * MiB), max_pods=110) for i in range(n)]


def _pending(count: int) -> list[Pod]:
    return [Pod.from_template(f"frontend-{i:05d}", TEMPLATE, owner=OWNER) for i in range(count)]


def burst_cluster(nodes: int, pods: int, profile: str) -> Cluster:
    """N empty nodes, the ReplicaSet, and `pods` of its pods queued (creation order = name order)."""
    key = ("burst", nodes, pods, profile)
    if key not in _CLUSTERS:
        _keep(key, Cluster.from_objects([RS, *_nodes(nodes), *_pending(pods)], config=Config(profile=profile)))
    return _CLUSTERS[key]


def one_pod_cluster(nodes: int, profile: str) -> Cluster:
    """N nodes each running one pod of another ReplicaSet, and one queued frontend pod."""
    key = ("one", nodes, profile)
    if key not in _CLUSTERS:
        other = OwnerRef("ReplicaSet", "backend", "uid-backend")
        running = [Pod(f"backend-{i:05d}", labels={"app": "backend"}, owner=other, node_name=f"node-{i:05d}",
                       containers=(Container("c", requests=Resources(250, 256 * MiB)),)) for i in range(nodes)]
        _keep(key, Cluster.from_objects([*_nodes(nodes), *running, *_pending(1)], config=Config(profile=profile)))
    return _CLUSTERS[key]


@pytest.fixture(scope="module", autouse=True)
def burst_inputs():
    """The textbook bursts' clusters, built before any benchmark runs, smallest first: built later, each would
    sit in a heap fragmented by whichever benchmarks ran before it (the reference scans allocate a lot), and
    the 20,000-node figure would measure that history as much as the code."""
    for nodes in NODE_COUNTS:
        burst_cluster(nodes, BURST, "textbook")


def fast_choice(cluster: Cluster, pod: Pod) -> str | None:
    return choose_node(cluster, pod).node


def reference_choice(cluster: Cluster, pod: Pod) -> str | None:
    return reference.schedule(cluster, pod).node


CHOOSERS = {"fast": fast_choice, "reference": reference_choice}


def place(cluster: Cluster, names: list[str], choose) -> Cluster:
    """Each placement: choose a node for the pod, then step the bind event (guard + apply)."""
    for name in names:
        cluster = step(cluster, SchedulerBindPod(name, choose(cluster, cluster.pods[name])))
    return cluster


def place_and_count(cluster: Cluster, names: list[str], choose) -> int:
    """`place`, returning how many pods are still queued: the final state is dropped inside the timed region
    (pytest-benchmark would otherwise keep one round's result alive through the next round, and the cyclic
    GC would traverse it there)."""
    return len(place(cluster, names, choose).unscheduled)


def place_keeping_states(cluster: Cluster, names: list[str], choose) -> list[Cluster]:
    states = [cluster]
    for name in names:
        states.append(step(states[-1], SchedulerBindPod(name, choose(states[-1], states[-1].pods[name]))))
    return states


def cycles_and_count(cluster: Cluster, names: list[str], _choose=None) -> int:
    """The burst's scheduling cycles on the scheduler cache; how many pods found no node."""
    placements, _ = cache.schedule_burst(cluster, names)
    return sum(node is None for _, node in placements)


def cycles_keeping_states(cluster: Cluster, names: list[str], _choose=None) -> list:
    return [cache.snapshot(cluster)] + [cycle.cache for cycle in cache.cycles(cluster, names)]


def cycles_and_bind(cluster: Cluster, names: list[str], _choose=None) -> int:
    """The burst's cycles, then its binding cycle on the Cluster; how many pods are still queued."""
    placements, _ = cache.schedule_burst(cluster, names)
    return len(bind_all(cluster, placements).unscheduled)


def cycles_and_bind_keeping_states(cluster: Cluster, names: list[str], _choose=None) -> list[Cluster]:
    placements, _ = cache.schedule_burst(cluster, names)
    states = [cluster]
    for pod, node in placements:
        states.append(step(states[-1], SchedulerBindPod(pod, node)))
    return states


def kib_per_state(cluster: Cluster, names: list[str], choose, keeping=place_keeping_states) -> float:
    """Memory retained by keeping every intermediate state of the burst, per state, in KiB."""
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        states = keeping(cluster, names, choose)
        after = tracemalloc.get_traced_memory()[0]
    finally:
        tracemalloc.stop()
    assert len(states) == len(names) + 1
    return round((after - before) / len(names) / 1024, 3)


def queued_names(cluster: Cluster, count: int) -> list[str]:
    return sorted(cluster.unscheduled, key=cluster.unscheduled.get)[:count]


def _params():
    for nodes in NODE_COUNTS:
        yield pytest.param("fast", "textbook", nodes, id=f"fast-textbook-{nodes}")
        yield pytest.param("reference", "textbook", nodes, id=f"reference-textbook-{nodes}")
    yield pytest.param("fast", "kubernetes", 1_000, id="fast-kubernetes-1000")
    yield pytest.param("reference", "kubernetes", 1_000, id="reference-kubernetes-1000")


@pytest.mark.parametrize("impl, profile, nodes", list(_params()))
def test_place_one(benchmark, impl, profile, nodes):
    cluster = one_pod_cluster(nodes, profile)
    names = queued_names(cluster, 1)
    choose = CHOOSERS[impl]
    benchmark.extra_info.update({"impl": impl, "nodes": nodes, "pods": 1, "profile": profile,
                                 "gc": "inputs frozen" if FREEZE_INPUTS else "plain"})
    rounds = 200 if impl == "fast" and profile == "textbook" else max(5, 20_000 // nodes)
    queued = benchmark.pedantic(place_and_count, setup=lambda: ((cluster, names, choose), {}), rounds=rounds,
                                iterations=1)
    assert queued == 0


def _burst_params():
    for nodes in NODE_COUNTS:
        yield pytest.param("fast", "textbook", nodes, BURST, id=f"fast-textbook-{nodes}")
        if nodes in REFERENCE_BURST:
            yield pytest.param("reference", "textbook", nodes, REFERENCE_BURST[nodes],
                               id=f"reference-textbook-{nodes}")
    for impl, count in KUBERNETES_BURST.items():
        yield pytest.param(impl, "kubernetes", 1_000, count, id=f"{impl}-kubernetes-1000")


@pytest.mark.parametrize("impl, profile, nodes, pods", list(_burst_params()))
def test_burst(benchmark, impl, profile, nodes, pods):
    cluster = burst_cluster(nodes, pods, profile)
    names = queued_names(cluster, pods)
    choose = CHOOSERS[impl]
    on_cache = impl == "fast" and profile == "textbook"
    run, keeping = (cycles_and_count, cycles_keeping_states) if on_cache else (place_and_count, place_keeping_states)
    benchmark.extra_info.update({"impl": impl, "nodes": nodes, "pods": pods, "profile": profile,
                                 "states": "scheduler caches" if on_cache else "clusters",
                                 "gc": "inputs frozen" if FREEZE_INPUTS else "plain"})
    # The cycles take about 0.1 s a round: 41 rounds (4 s) so that a busy spell of the shared host, which
    # slowed half of 15 rounds in two CI runs (bimodal rounds, 93 vs 127 ms), cannot move the median.
    rounds = 41 if on_cache else 3
    left = benchmark.pedantic(run, setup=lambda: ((cluster, names, choose), {}), rounds=rounds, iterations=1)
    assert left == 0
    # measured after the timed rounds, so the 10,000 states it frees do not disturb them
    benchmark.extra_info["kib_per_state"] = kib_per_state(cluster, names, choose, keeping)


@pytest.mark.parametrize("nodes", NODE_COUNTS, ids=[f"fast-textbook-{n}" for n in NODE_COUNTS])
def test_burst_bound(benchmark, nodes):
    cluster = burst_cluster(nodes, BURST, "textbook")
    names = queued_names(cluster, BURST)
    benchmark.extra_info.update({"impl": "fast", "nodes": nodes, "pods": BURST, "profile": "textbook",
                                 "states": "clusters", "gc": "inputs frozen" if FREEZE_INPUTS else "plain"})
    queued = benchmark.pedantic(cycles_and_bind, setup=lambda: ((cluster, names), {}), rounds=3, iterations=1)
    assert queued == 0
    benchmark.extra_info["kib_per_state"] = kib_per_state(cluster, names, None, cycles_and_bind_keeping_states)
