"""Built-in scenarios, the seed's first.

`seed()` is the cluster the source chapter describes (SEED 1 to 10): three nodes, each running a per-node
infrastructure pod (logging) beside the scheduled pods; a ReplicationController `web` of three replicas whose
containers have liveness and readiness probes on a named port and both lifecycle hooks; a Service `web` in
front of it targeting that named port; and a ReplicaSet `frontend` with a set-based selector.

`tiny()` is the smallest interesting cluster, for exhaustive exploration: two nodes, one controller of one
replica behind a Service.
"""

from __future__ import annotations

from kmodel.cluster import Config, Cluster
from kmodel.labels import parse_selector
from kmodel.objects import (
    MiB,
    Container,
    ContainerPort,
    Hook,
    Node,
    Pod,
    PodTemplate,
    Probe,
    ReplicaSet,
    ReplicationController,
    Resources,
    Service,
    ServicePort,
)


def web_container() -> Container:
    """nginx-like: a named http port, liveness and readiness probes on it, postStart and preStop hooks."""
    return Container(
        name="web",
        ports=(ContainerPort(8080, name="http"),),
        requests=Resources(cpu=100, memory=128 * MiB),
        liveness_probe=Probe(handler="http", port="http", path="/healthz", failure_threshold=3),
        readiness_probe=Probe(handler="http", port="http", path="/ready", failure_threshold=1),
        post_start=Hook("exec"),
        pre_stop=Hook("exec"),
    )


def system_pod(node: str) -> Pod:
    """A per-node infrastructure pod (a logging agent), bound to its node at creation like a static pod."""
    return Pod(
        name=f"fluentd-{node}",
        labels={"k8s-app": "fluentd"},
        node_name=node,
        daemon=True,
        containers=(Container(name="fluentd", requests=Resources(cpu=100, memory=200 * MiB)),),
    )


def seed(config: Config | None = None, replicas: int = 3, system_pods: bool = True) -> Cluster:
    nodes = [Node(f"node-{i}") for i in (1, 2, 3)]
    web = ReplicationController.defaulted(
        name="web",
        replicas=replicas,
        selector=None,
        template=PodTemplate(labels={"app": "web", "tier": "frontend"}, containers=(web_container(),)),
    )
    service = Service(name="web", selector={"app": "web"}, ports=(ServicePort(80, target_port="http"),))
    frontend = ReplicaSet(
        name="cache",
        replicas=1,
        selector=parse_selector("tier in (cache), environment notin (dev)"),
        template=PodTemplate(labels={"tier": "cache", "environment": "prod"},
                             containers=(Container(name="redis", ports=(ContainerPort(6379, name="redis"),),
                                                   requests=Resources(cpu=200, memory=256 * MiB)),)),
    )
    objects: list[object] = [*nodes]
    if system_pods:
        objects += [system_pod(n.name) for n in nodes]
    objects += [web, service, frontend]
    return Cluster.from_objects(objects, config)


def tiny(config: Config | None = None, hooks: bool = True) -> Cluster:
    container = web_container()
    if not hooks:
        container = Container(name="web", ports=container.ports, readiness_probe=container.readiness_probe,
                              liveness_probe=container.liveness_probe)
    web = ReplicationController.defaulted(
        name="web", replicas=1, selector=None,
        template=PodTemplate(labels={"app": "web"}, containers=(container,)),
    )
    service = Service(name="web", selector={"app": "web"}, ports=(ServicePort(80, target_port="http"),))
    return Cluster.from_objects([Node("node-1"), Node("node-2"), web, service], config)


SCENARIOS = {"seed": seed, "tiny": tiny}
