"""Hypothesis strategies for clusters the engines start from: the seed scenario, the tiny scenario, and generated
clusters with heterogeneous nodes, restart policies, probes and hooks."""

from __future__ import annotations

from hypothesis import strategies as st

from kmodel.cluster import KUBERNETES, TEXTBOOK, Config
from kmodel.objects import (
    MiB,
    Container,
    ContainerPort,
    Hook,
    Node,
    PodTemplate,
    Probe,
    ReplicaSet,
    ReplicationController,
    Resources,
    Service,
    ServicePort,
)
from kmodel.cluster import Cluster
from kmodel.labels import parse_selector
from kmodel import scenarios

profiles = st.sampled_from([TEXTBOOK, KUBERNETES])


@st.composite
def containers(draw, name: str = "app", require_liveness: bool = False) -> Container:
    port_name = draw(st.sampled_from(["http", "web"]))
    probe_port = draw(st.sampled_from([port_name, port_name, "metrics"]))  # sometimes a name nobody declares
    return Container(
        name=name,
        ports=(ContainerPort(8080, name=port_name),),
        requests=Resources(cpu=draw(st.sampled_from([0, 100, 500])), memory=draw(st.sampled_from([0, 128 * MiB]))),
        liveness_probe=draw((st.nothing() if require_liveness else st.none())
                            | st.builds(Probe, port=st.just(probe_port), failure_threshold=st.integers(1, 2))),
        readiness_probe=draw(st.none() | st.builds(Probe, port=st.just(port_name),
                                                  failure_threshold=st.integers(1, 2),
                                                  success_threshold=st.integers(1, 2))),
        startup_probe=draw(st.none() | st.builds(Probe, port=st.just(port_name), failure_threshold=st.just(1))),
        post_start=draw(st.none() | st.just(Hook("exec"))),
        pre_stop=draw(st.none() | st.just(Hook("exec"))),
    )


@st.composite
def generated_clusters(draw, restart_policies=("Always", "OnFailure", "Never"), require_liveness: bool = False
                       ) -> Cluster:
    """Clusters of 1 to 3 heterogeneous nodes, one RC or RS (equality or set-based selector) of 0 to 3 replicas
    whose template varies restart policy, probes (one on a port nobody declares), hooks, grace period and node
    selector, and a Service with a selector, another selector, or none (unmanaged)."""
    config = Config(profile=draw(profiles), seed=draw(st.integers(0, 3)), max_replicas=3)
    n_nodes = draw(st.integers(1, 3))
    nodes = [Node(f"node-{i}", max_pods=draw(st.sampled_from([2, 3, 110])),
                  allocatable=Resources(cpu=draw(st.sampled_from([1000, 4000])), memory=4096 * MiB),
                  labels={"disk": draw(st.sampled_from(["ssd", "hdd"]))})
             for i in range(1, n_nodes + 1)]
    policy = draw(st.sampled_from(restart_policies))
    template = PodTemplate(labels={"app": "web", "tier": "frontend"},
                           containers=(draw(containers(require_liveness=require_liveness)),),
                           restart_policy=policy,
                           node_selector=draw(st.sampled_from([{}, {}, {"disk": "ssd"}])),
                           termination_grace_period_seconds=draw(st.sampled_from([0, 30])))
    objects: list[object] = [*nodes]
    if draw(st.booleans()):
        objects.append(ReplicationController.defaulted("web", draw(st.integers(0, 3)), None, template))
    else:
        objects.append(ReplicaSet("web", draw(st.integers(0, 3)),
                                  parse_selector(draw(st.sampled_from(["app=web", "app in (web), tier notin (db)",
                                                                       "app, !legacy"]))), template))
    svc_selector = draw(st.sampled_from([{"app": "web"}, {"tier": "frontend"}, None]))
    objects.append(Service("web", selector=svc_selector,
                           ports=(ServicePort(80, target_port=draw(st.sampled_from(["http", 8080]))),),
                           publish_not_ready_addresses=draw(st.booleans())))
    return Cluster.from_objects(objects, config)


def seed_clusters() -> st.SearchStrategy[Cluster]:
    return st.builds(scenarios.seed, config=st.builds(Config, profile=profiles, seed=st.integers(0, 3)))


def initial_clusters() -> st.SearchStrategy[Cluster]:
    """The engines' starting points: the seed scenario among generated clusters."""
    return st.one_of(seed_clusters(), st.builds(scenarios.tiny), generated_clusters())
