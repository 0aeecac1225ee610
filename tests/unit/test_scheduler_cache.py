"""The scheduler cache (`kmodel.scheduler.cache`): scheduling cycles against assumed pods.

The oracle is the engines' own path: choose a node on the Cluster (`choose_node`), then step the Binding write
(`SchedulerBindPod`), pod after pod. Over generated histories (the differential tests' palette of node, pod and
Service writes, then a queue of heterogeneous pods), every cycle must choose that node (or none), and after it
the cache's index must be `index.equivalent` to the Cluster's after the binds, with the same node usage. Every
cache kept along the way must be unchanged at the end (persistence).
"""

from __future__ import annotations

import pytest
from hypothesis import event, given
from hypothesis import strategies as st

from kmodel.cluster import Cluster, Config
from kmodel.events import step
from kmodel.labels import parse_selector
from kmodel.objects import Container, Node, OwnerRef, Pod, PodTemplate, ReplicaSet, Resources, Service
from kmodel.scheduler import cache, index
from kmodel.scheduler import scheduler as scheduler_mod
from kmodel.scheduler.scheduler import SchedulerBindPod, SchedulerMarkUnschedulable, choose_node, reconcile
from tests.unit.test_scheduler_differential import CONTROLLERS, nodes, pods, step_write


def sequential(cluster: Cluster, names: list[str]) -> list[tuple[str, str | None, Cluster]]:
    """The oracle: `choose_node` then the Binding write, one pod at a time."""
    out = []
    for name in names:
        node = choose_node(cluster, cluster.pods[name]).node
        if node is not None:
            cluster = step(cluster, SchedulerBindPod(name, node))
        out.append((name, node, cluster))
    return out


def queue_of(cluster: Cluster) -> list[str]:
    return [n for _, n in sorted((i, n) for n, i in cluster.unscheduled.items())]


@st.composite
def queued_clusters(draw) -> Cluster:
    """A textbook cluster after a drawn history, with a queue of pods waiting."""
    n_nodes = draw(st.integers(0, 6), label="nodes")
    cluster = Cluster.from_objects([draw(nodes(f"node-{i}", healthy=True)) for i in range(n_nodes)] + CONTROLLERS,
                                   config=Config(profile="textbook"))
    counter = [100]
    data = _Draws(draw)
    for _ in range(draw(st.integers(0, 25), label="writes")):
        cluster = step_write(data, cluster, counter)
    for _ in range(draw(st.integers(1, 12), label="queued")):
        counter[0] += 1
        cluster = cluster.create(draw(pods(f"pod-{counter[0]}", cluster)))
    return cluster


class _Draws:
    """`step_write` draws through `data.draw`; inside a composite strategy that is `draw`."""

    def __init__(self, draw) -> None:
        self.draw = lambda strategy, label=None: draw(strategy)


@given(queued_clusters())
def test_cycles_choose_what_choose_then_bind_chooses_semantics_60(cluster):
    names = queue_of(cluster)
    expected = sequential(cluster, names)
    kept = []
    for cycle, (name, node, bound) in zip(cache.cycles(cluster), expected, strict=True):
        assert (cycle.pod, cycle.node) == (name, node)
        assert index.equivalent(cycle.cache.index, bound.scheduler_index)
        for n in cluster.nodes:
            assert cache.node_usage(cycle.cache, n) == bound.usage(n)
        kept.append((cycle.cache, cycle.cache.index.groups, dict(cycle.cache.assumed)))
        event("unschedulable" if node is None else "placed")
    for c, groups, assumed in kept:  # persistence: later cycles changed no earlier cache
        assert c.index.groups is groups and dict(c.assumed) == assumed


@given(queued_clusters())
def test_bind_all_is_the_sequential_binding_cycle(cluster):
    names = queue_of(cluster)
    placements, last = cache.schedule_burst(cluster, names)
    final = sequential(cluster, names)[-1][2]
    bound = scheduler_mod.bind_all(cluster, placements)
    assert bound == final and bound.index_mismatches() == []
    assert dict(last.assumed) == {p: n for p, n in placements if n is not None}


@given(queued_clusters())
def test_reconcile_proposes_what_it_proposed_by_applying_each_bind(cluster):
    """`reconcile` runs its textbook cycles on the cache; the proposals are those of choosing on the Cluster
    with the round's earlier binds applied, unschedulable verdicts included."""
    expected = []
    assumed = cluster
    for name in queue_of(cluster):
        pod = assumed.pods[name]
        result = choose_node(assumed, pod)
        if result.node is not None:
            ev = SchedulerBindPod(name, result.node)
            expected.append(ev)
            assumed = ev.apply(assumed)
        elif result.reasons != pod.unschedulable_reasons:
            expected.append(SchedulerMarkUnschedulable(name, result.reasons))
    assert list(reconcile(cluster)) == expected


TEMPLATE = PodTemplate(labels={"app": "web"}, containers=(Container("c", requests=Resources(1000, 0)),))
RS = ReplicaSet("web", replicas=5, selector=parse_selector("app=web"), template=TEMPLATE, uid="uid-web")
OWNER = OwnerRef("ReplicaSet", "web", "uid-web")


def web_cluster(n_pods: int, profile: str = "textbook") -> Cluster:
    objects = [RS, Node("a", allocatable=Resources(2000, 1 << 30)), Node("b", allocatable=Resources(1000, 1 << 30)),
               Service("web", selector={"app": "web"})]
    objects += [Pod.from_template(f"web-{i}", TEMPLATE, owner=OWNER) for i in range(n_pods)]
    return Cluster.from_objects(objects, config=Config(profile=profile))


def test_spread_then_full_nodes_leave_the_rest_queued():
    """3 cores for 1-core pods: a, b, a; then no node fits and the pods stay queued, unassumed."""
    placements, last = cache.schedule_burst(web_cluster(5))
    assert placements == (("web-0", "a"), ("web-1", "b"), ("web-2", "a"), ("web-3", None), ("web-4", None))
    assert dict(last.assumed) == {"web-0": "a", "web-1": "b", "web-2": "a"}
    assert cache.node_usage(last, "a").pods == 2 and cache.node_usage(last, "a").requested.cpu == 2000


def test_earlier_caches_stay_valid():
    cycles = list(cache.cycles(web_cluster(3)))
    first = cycles[0].cache
    assert cache.choose(first, first.snapshot.pods["web-1"]) == "b"  # as if web-2's later cycle never ran
    assert cache.choose(cycles[1].cache, first.snapshot.pods["web-2"]) == "a"


def _assume_first(cluster: Cluster, node: str):
    first = cache.snapshot(cluster)
    return cache.assume(first, cluster.pods["web-0"], node)


def _full_b() -> Cluster:
    """web-1 already bound on b, which holds one 1-core pod."""
    c = web_cluster(2)
    return step(c, SchedulerBindPod("web-1", "b"))


def test_assume_takes_any_node_that_fits():
    c = web_cluster(2)
    assumed = cache.assume(cache.snapshot(c), c.pods["web-0"], "b")  # the choice is a; b fits too
    assert dict(assumed.assumed) == {"web-0": "b"}
    assert cache.choose(assumed, c.pods["web-1"]) == "a"
    assert index.equivalent(assumed.index, step(c, SchedulerBindPod("web-0", "b")).scheduler_index)


@pytest.mark.parametrize("problem, act", [
    ("not the textbook profile", lambda: cache.snapshot(web_cluster(1, "kubernetes"))),
    ("a pod assumed twice", lambda: list(cache.cycles(web_cluster(2), ["web-0", "web-0"]))),
    ("a pod that is not queued", lambda: cache.choose(cache.snapshot(web_cluster(0)), Pod("other"))),
    ("an unknown pod", lambda: list(cache.cycles(web_cluster(1), ["nope"]))),
    ("an unknown node", lambda: _assume_first(web_cluster(1), "nope")),
    ("a node the pod does not fit on", lambda: _assume_first(_full_b(), "b")),
])
def test_cycles_refuse_what_the_queue_does_not_hold(problem, act):
    with pytest.raises(cache.CacheError):
        act()
