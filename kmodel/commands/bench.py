"""`kmodel bench`: a scheduler profile's placements per second beside a reference profile's, as a ratio measured
in one run, with a regression check a user's CI can run (issue 19, item 6).

    kmodel bench --profile pools --import mypkg.plugins:register --nodes 1000,5000
    kmodel bench --profile pools --import mypkg.plugins:register --save bench-baseline.json
    kmodel bench --profile pools --import mypkg.plugins:register --baseline bench-baseline.json --max-drop 0.10

`--import MODULE` imports a module that registers its profile on import; `MODULE:FUNCTION` also calls that
function (the form of a `kmodel.parts` entry point).

Workload, per node count N: N nodes of equal capacity (16 cores, 64 GiB, 110 pods), a ReplicaSet whose `--pods`
pods are queued, and each pod placed as the engines place it: `choose_node` (the fast forms the profile's
plugins carry, or its readable forms where they have none) and the guarded Binding write
(`SchedulerBindPod`), one pod after the other on the state the previous bind left. The two profiles alternate
round by round (`--rounds`, median), so a busy spell of a shared machine lands on both; the ratio is the
profile's placements per second over the reference's (`--against`, default `textbook`). Which build runs,
compiled or pure (`kmodel.COMPILED`), is printed beside the figures.

`--save FILE` stores the ratios; `--baseline FILE` compares with stored ones and exits 1 when a ratio fell by
more than `--max-drop` (a share: 0.10 is 10%) at any node count, 0 otherwise. Exit 2: an unknown profile, a
module that does not import, a baseline file that cannot be read or does not match the run's node counts.
"""

from __future__ import annotations

import gc
import importlib
import json
import statistics
import time
from pathlib import Path

import click

import kmodel
from kmodel.allocation import few_collections
from kmodel.cluster import Cluster, Config
from kmodel.errors import KModelError
from kmodel.events import step
from kmodel.labels import parse_selector
from kmodel.objects import GiB, MiB, Container, Node, OwnerRef, Pod, PodTemplate, ReplicaSet, Resources
from kmodel.scheduler.profiles import profile_named
from kmodel.scheduler.scheduler import SchedulerBindPod, choose_node, queue

EXIT_OK, EXIT_REGRESSED = 0, 1


class BenchError(KModelError):
    """Bad `kmodel bench` input."""


def _queued_cluster(nodes: int, pods: int, profile: str) -> Cluster:
    template = PodTemplate(labels={"app": "bench"}, containers=(Container("c", requests=Resources(100, 64 * MiB)),))
    rs = ReplicaSet("bench", replicas=pods, selector=parse_selector("app=bench"), template=template, uid="uid-bench")
    owner = OwnerRef("ReplicaSet", "bench", "uid-bench")
    objs = [rs] + [Node(f"node-{i:05d}", allocatable=Resources(16_000, 64 * GiB)) for i in range(nodes)]
    objs += [Pod.from_template(f"bench-{i:05d}", template, owner=owner) for i in range(pods)]
    return Cluster.from_objects(objs, config=Config(profile=profile))


def placements_per_second(cluster) -> float:
    """Place every queued pod of `cluster` as the engines do, one after the other; placements per second."""
    names = queue(cluster)
    with few_collections():
        return len(names) / _place(cluster, names)


def _place(cluster, names) -> float:
    started = time.perf_counter()
    for name in names:
        result = choose_node(cluster, cluster.pods[name])
        if result.node is None:
            raise BenchError(f"bench: pod {name} fits no node under profile {cluster.config.profile!r}: the "
                             "workload's pods must be schedulable (its nodes carry no labels, its pods no pool)")
        cluster = step(cluster, SchedulerBindPod(name, result.node))
    return time.perf_counter() - started


def measure(profile: str, against: str, node_counts: list[int], pods: int, rounds: int) -> dict:
    """Per node count: the median placements per second of both profiles and their ratio (after one untimed
    round of each, which warms up what a first round would pay for)."""
    out: dict = {"profile": profile, "against": against, "pods": pods, "rounds": rounds,
                 "build": "compiled" if kmodel.COMPILED else "pure", "nodes": {}}
    for n in node_counts:
        clusters = {p: _queued_cluster(n, pods, p) for p in (profile, against)}
        # the inputs are large and acyclic: out of the cyclic collector's view, as bench_scheduler.py does, so a
        # full collection inside a timed round does not walk them
        gc.collect()
        gc.freeze()
        rates: dict[str, list[float]] = {profile: [], against: []}
        for p in (profile, against):
            placements_per_second(clusters[p])
        for r in range(rounds):
            for p in ((profile, against) if r % 2 == 0 else (against, profile)):
                rates[p].append(placements_per_second(clusters[p]))
        mine, theirs = statistics.median(rates[profile]), statistics.median(rates[against])
        out["nodes"][str(n)] = {"placements_per_second": round(mine, 1), "against_per_second": round(theirs, 1),
                                "ratio": round(mine / theirs, 4)}
    return out


def regressions(result: dict, baseline: dict, max_drop: float) -> list[str]:
    """The node counts whose ratio fell by more than `max_drop` against the baseline's."""
    out = []
    for n, now in result["nodes"].items():
        then = baseline.get("nodes", {}).get(n)
        if then is None:
            raise BenchError(f"--baseline: no figure for {n} nodes (it has {', '.join(baseline.get('nodes', {}))})")
        if now["ratio"] < then["ratio"] * (1 - max_drop):
            out.append(f"{n} nodes: ratio {now['ratio']:.3f}, baseline {then['ratio']:.3f} (a drop of "
                       f"{1 - now['ratio'] / then['ratio']:.1%}, more than {max_drop:.0%})")
    return out


@click.command()
@click.option("--profile", required=True, help="the scheduler profile to measure (a registered name)")
@click.option("--against", default="textbook", show_default=True, help="the reference profile of the ratio")
@click.option("--import", "modules", multiple=True,
              help="a module to import first (it registers the profile), or MODULE:FUNCTION to call its register")
@click.option("--nodes", default="1000,5000", show_default=True, help="comma-separated node counts")
@click.option("--pods", type=click.IntRange(1), default=200, show_default=True, help="queued pods placed per round")
@click.option("--rounds", type=click.IntRange(1), default=5, show_default=True)
@click.option("--save", type=click.Path(dir_okay=False, path_type=Path), help="write the ratios here")
@click.option("--baseline", type=click.Path(dir_okay=False, path_type=Path), help="compare with these ratios")
@click.option("--max-drop", type=click.FloatRange(0, 1), default=0.10, show_default=True)
@click.option("--json", "as_json", is_flag=True, help="print the figures as JSON")
def bench(profile, against, modules, nodes, pods, rounds, save, baseline, max_drop, as_json):
    """Placements per second of a scheduler profile beside another's, and a regression check."""
    for spec in modules:
        module, _, register = spec.partition(":")
        try:
            loaded = importlib.import_module(module)
        except ImportError as err:
            raise BenchError(f"--import {spec}: {err}") from None
        if register:
            fn = getattr(loaded, register, None)
            if not callable(fn):
                raise BenchError(f"--import {spec}: {module} has no function {register!r}")
            fn()
    for name in (profile, against):
        profile_named(name)  # an unknown name lists the known ones (exit 2)
    try:
        counts = [int(n) for n in nodes.split(",") if n.strip()]
    except ValueError:
        raise BenchError(f"--nodes: {nodes!r} is not a comma-separated list of node counts") from None
    if not counts or any(n < 1 for n in counts):
        raise BenchError(f"--nodes: {nodes!r} names no positive node count")
    stored = None
    if baseline is not None:
        try:
            stored = json.loads(baseline.read_text())
        except (OSError, ValueError) as err:
            raise BenchError(f"--baseline {baseline}: {err}") from None
        if not isinstance(stored, dict) or not isinstance(stored.get("nodes"), dict):
            raise BenchError(f"--baseline {baseline}: not a `kmodel bench --save` file")
        if (stored.get("profile"), stored.get("against")) != (profile, against):
            raise BenchError(f"--baseline {baseline}: it measured {stored.get('profile')!r} against "
                             f"{stored.get('against')!r}, not {profile!r} against {against!r}")
    result = measure(profile, against, counts, pods, rounds)
    if save is not None:
        save.write_text(json.dumps(result, indent=2) + "\n")
    failed = regressions(result, stored, max_drop) if stored is not None else []
    if as_json:
        click.echo(json.dumps({**result, "regressions": failed}, indent=2))
    else:
        click.echo(f"profile {profile} against {against}, {pods} placements per round, median of {rounds} "
                   f"({result['build']} build)")
        for n, fig in result["nodes"].items():
            click.echo(f"  {int(n):>7,} nodes: {fig['placements_per_second']:>10,.0f}/s against "
                       f"{fig['against_per_second']:>10,.0f}/s, ratio {fig['ratio']:.3f}")
        for line in failed:
            click.echo(f"REGRESSION {line}")
    click.get_current_context().exit(EXIT_REGRESSED if failed else EXIT_OK)
