"""The fast path against the reference (SEMANTICS 55 to 61): differential tests over generated histories.

Hypothesis draws a small heterogeneous cluster (capacities, max pods, zone and disk labels) and a history of
writes: node add, remove, cordon, uncordon, crash, recover, relabel; pod creation (owned by one of three
controllers or bare, with requests and nodeSelectors), binds (the fast path's choice, or an arbitrary feasible
node), deletions (graceful and final), phase changes; Service creation and removal. After every write, for every
queued pod, `choose_node` (fast path) and `reference.schedule` must agree: the same node or both none (with the
same reasons) for textbook, and the same top set and node for kubernetes. The Cluster's indexes (the scheduler's
trees included) must equal their recomputation, and every state kept along the way must still give its answer
at the end (persistence: no later write changed an older state).
"""

from __future__ import annotations

import attrs
from hypothesis import event, given
from hypothesis import strategies as st

from kmodel.cluster import Cluster, Config
from kmodel.labels import parse_selector
from kmodel.objects import (
    MiB,
    Container,
    Node,
    OwnerRef,
    Pod,
    PodTemplate,
    ReplicaSet,
    ReplicationController,
    Resources,
    Service,
)
from kmodel.scheduler import framework, index, reference
from kmodel.scheduler.plugins.pod_topology_spread import ZONE
from kmodel.scheduler.profiles import profile_of
from kmodel.scheduler.scheduler import SchedulerBindPod, choose_node

TEMPLATE = PodTemplate(labels={"app": "web"}, containers=(Container("c"),))
CONTROLLERS = [
    ReplicaSet("web", replicas=3, selector=parse_selector("app=web"), template=TEMPLATE),
    ReplicaSet("api", replicas=3, selector=parse_selector("app in (api)"),
               template=PodTemplate(labels={"app": "api"}, containers=(Container("c"),))),
    ReplicationController("db", replicas=2, selector={"app": "db"},
                          template=PodTemplate(labels={"app": "db"}, containers=(Container("c"),))),
]
APPS = {"ReplicaSet/web": "web", "ReplicaSet/api": "api", "ReplicationController/db": "db"}

node_labels = st.fixed_dictionaries({}, optional={ZONE: st.sampled_from(["z1", "z2"]), "disk": st.just("ssd")})
requests = st.sampled_from([Resources(0, 0), Resources(0, 0), Resources(100, 0), Resources(500, 256 * MiB),
                            Resources(0, 1024 * MiB), Resources(1500, 0), Resources(250, 512 * MiB)])


@st.composite
def nodes(draw, name: str, healthy: bool = False) -> Node:
    """A node with a heterogeneous capacity; unless `healthy`, possibly cordoned or not Ready."""
    return Node(name, labels=draw(node_labels),
                allocatable=Resources(draw(st.sampled_from([4000, 4000, 4000, 2000, 1000, 0])),
                                      draw(st.sampled_from([4096 * MiB, 4096 * MiB, 4096 * MiB, 2048 * MiB,
                                                            1024 * MiB, 0]))),
                max_pods=draw(st.sampled_from([110, 110, 110, 3, 2, 1])),
                ready=healthy or draw(st.sampled_from([True, True, True, False])),
                unschedulable=not healthy and draw(st.sampled_from([False, False, False, True])))


@st.composite
def pods(draw, name: str, cluster: Cluster) -> Pod:
    owner_key = draw(st.sampled_from(sorted(APPS) + [None]))
    app = APPS[owner_key] if owner_key else draw(st.sampled_from(["web", "api", "db", "solo"]))
    owner = None
    if owner_key:
        kind, ctl_name = owner_key.split("/")
        owner = OwnerRef(kind, ctl_name, cluster.controllers[owner_key].uid)
    n_containers = draw(st.integers(1, 2))
    containers = tuple(Container(f"c{i}", requests=draw(requests)) for i in range(n_containers))
    selector = draw(st.sampled_from([{}, {}, {}, {}, {"disk": "ssd"}, {ZONE: "z1"}]))
    return Pod(name, labels={"app": app}, owner=owner, containers=containers, node_selector=selector)


def check_agreement(cluster: Cluster) -> list[tuple[str, framework.ScheduleResult]]:
    """Fast path == reference for every queued pod; returns the answers for the persistence check."""
    answers = []
    for name in sorted(cluster.unscheduled):
        pod = cluster.pods[name]
        fast, ref = choose_node(cluster, pod), reference.schedule(cluster, pod)
        assert fast.node == ref.node, (name, fast, ref)
        if ref.node is None:
            assert fast.reasons == ref.reasons
        if cluster.config.profile == "kubernetes":
            assert fast.top_nodes == ref.top_nodes, (name, fast, ref)
        answers.append((name, fast))
        if len(ref.top_nodes) > 1:
            event("tie among top nodes")
        feasible = sum(1 for n in cluster.nodes.values()
                       if framework.feasible(profile_of(cluster), pod, n, cluster))
        event(f"feasible nodes: {min(feasible, 3)}{'+' if feasible >= 3 else ''}")
    return answers


def step_write(data, cluster: Cluster, counter: list[int]) -> Cluster:
    """One write drawn from the palette (module docstring)."""
    kinds = ["add_node", "create_pod", "create_pod", "create_pod", "bind", "bind", "bind", "bind_any"]
    if cluster.nodes:
        kinds += ["remove_node", "toggle_cordon", "toggle_ready", "relabel_node"]
    if cluster.pods:
        kinds += ["delete_pod", "finish_pod", "terminate_pod"]
    kinds += ["service"]
    kind = data.draw(st.sampled_from(kinds), label="write")
    counter[0] += 1
    if kind == "add_node":
        return cluster.create(data.draw(nodes(f"node-{counter[0]}")))
    if kind == "remove_node":
        return cluster.remove_node(data.draw(st.sampled_from(sorted(cluster.nodes))))
    if kind in ("toggle_cordon", "toggle_ready", "relabel_node"):
        node = cluster.nodes[data.draw(st.sampled_from(sorted(cluster.nodes)))]
        if kind == "toggle_cordon":
            return cluster.put_node(attrs.evolve(node, unschedulable=not node.unschedulable))
        if kind == "toggle_ready":
            return cluster.put_node(attrs.evolve(node, ready=not node.ready))
        return cluster.put_node(attrs.evolve(node, labels=data.draw(node_labels)))
    if kind == "create_pod":
        return cluster.create(data.draw(pods(f"pod-{counter[0]}", cluster)))
    if kind in ("bind", "bind_any"):
        if not cluster.unscheduled:
            return cluster
        name = data.draw(st.sampled_from(sorted(cluster.unscheduled)))
        if kind == "bind":
            target = choose_node(cluster, cluster.pods[name]).node
        else:
            profile = profile_of(cluster)
            ok = [n for n in sorted(cluster.nodes)
                  if framework.feasible(profile, cluster.pods[name], cluster.nodes[n], cluster)]
            target = data.draw(st.sampled_from(ok)) if ok else None
        if target is None:
            return cluster
        event = SchedulerBindPod(name, target)
        assert event.guard(cluster)
        return event.apply(cluster)
    if kind == "service":
        if cluster.services and data.draw(st.booleans()):
            return cluster.remove_service(data.draw(st.sampled_from(sorted(cluster.services))))
        app = data.draw(st.sampled_from(["web", "api", "db", "solo"]))
        name = f"svc-{counter[0]}"
        return cluster.create(Service(name, selector={"app": app}))
    name = data.draw(st.sampled_from(sorted(cluster.pods)))
    pod = cluster.pods[name]
    if kind == "delete_pod":
        return cluster.remove_pod(name)
    if kind == "finish_pod":
        return cluster.put_pod(attrs.evolve(pod, phase=data.draw(st.sampled_from(["Succeeded", "Failed"]))))
    return cluster.put_pod(attrs.evolve(pod, deletion_timestamp=cluster.clock))


def run_history(data, profile: str) -> None:
    config = Config(profile=profile, seed=data.draw(st.integers(0, 3), label="seed"))
    n_nodes = data.draw(st.integers(0, 8), label="nodes")
    cluster = Cluster.from_objects([data.draw(nodes(f"node-{i}", healthy=True)) for i in range(n_nodes)] + CONTROLLERS,
                                   config=config)
    counter = [100]
    kept = []
    for _ in range(data.draw(st.integers(1, 60), label="writes")):
        cluster = step_write(data, cluster, counter)
        kept.append((cluster, check_agreement(cluster)))
        assert cluster.index_mismatches() == []
    for state, answers in kept:
        for name, answer in answers:
            assert choose_node(state, state.pods[name]) == answer


@given(st.data())
def test_textbook_fast_path_matches_reference_semantics_60(data):
    run_history(data, "textbook")


@given(st.data())
def test_weighted_fast_path_matches_reference_semantics_56_to_61(data):
    run_history(data, "kubernetes")


@given(st.data())
def test_fast_feasibility_matches_framework_filters_semantics_55(data):
    """`Profile.feasible_for_shape` (used by the trees and the bind guard) is the profile's `all_of` of filters."""
    node = data.draw(nodes("n"))
    bound = [Pod(f"b{i}", node_name="n", containers=(Container("c", requests=data.draw(requests)),))
             for i in range(data.draw(st.integers(0, 3)))]
    cluster = Cluster.from_objects([node] + bound)
    pod = data.draw(pods("p", Cluster.from_objects(CONTROLLERS)))
    profile = profile_of(cluster)
    expected = framework.feasible(profile, pod, node, cluster)
    assert profile.feasible_for_shape(profile.pod_shape(pod), node, cluster.node_usage.get("n")) == expected
