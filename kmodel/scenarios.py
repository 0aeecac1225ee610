"""Built-in scenarios, the seed's first, and the catalogue of named scenarios the engines check.

`seed()` is the cluster the source chapter describes (SEED 1 to 10): three nodes, each running a per-node
infrastructure pod (logging) beside the scheduled pods; a ReplicationController `web` of three replicas whose
containers have liveness and readiness probes on a named port and both lifecycle hooks; a Service `web` in
front of it targeting that named port; and a ReplicaSet `frontend` with a set-based selector.

`tiny()` is the smallest interesting cluster, for exhaustive exploration: two nodes, one controller of one
replica behind a Service.

`CATALOGUE` names every built-in scenario (`kmodel check --scenario NAME`, `kmodel check --list-scenarios`). Beside
the seed, each scenario exercises configuration the seed does not have, so that a bug in that part of the model
is seen by the engines and a user can read what is verified: probe thresholds and handlers (`probes`), restart
policies on bare pods (`restart-policies`), hooks on multi-container pods with grace 0 (`hooks`), Service ports
over every protocol, publishNotReadyAddresses and selectorless Services (`services`), every selector operator
with overlapping controllers and an adoptable pod (`selectors`), nodes near their capacity, cordoned and
NotReady, nodeSelector, under the kubernetes profile (`capacity`), and the seed under the kubernetes profile
(`seed-kubernetes`). Together they have every feature of `kmodel.generate.FEATURES` (a test says so); the
generated clusters (`--scenario generated`) cover the space between them.
"""

from __future__ import annotations

from typing import Callable

import attrs

from kmodel.cluster import KUBERNETES, TEXTBOOK, Config, Cluster
from kmodel.labels import parse_selector
from kmodel.objects import (
    MiB,
    Container,
    ContainerPort,
    Hook,
    Node,
    OwnerRef,
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


ZONE = "topology.kubernetes.io/zone"


def _config(config: Config | None, profile: str) -> Config:
    """`config`, or the scenario's own default configuration with its scheduler profile."""
    return config if config is not None else Config(profile=profile)


def _service(name: str, selector: dict | None, *ports: ServicePort, publish: bool = False) -> Service:
    return Service(name=name, selector=selector, ports=ports, publish_not_ready_addresses=publish)


def probes(config: Config | None = None) -> Cluster:
    """Probes of every kind and handler with thresholds the seed lacks: readiness over http on a named port
    with successThreshold 2 and failureThreshold 2 after an initial delay; liveness over tcp on a numbered port
    with failureThreshold 1; a startup probe (exec, failureThreshold 2). Two replicas behind a Service, and a
    bare pod whose readiness probe names a port its container does not declare, so it never becomes ready
    (SEMANTICS 45 to 47, 49)."""
    container = Container(
        name="app",
        ports=(ContainerPort(8080, name="http"),),
        requests=Resources(cpu=100, memory=64 * MiB),
        readiness_probe=Probe(handler="http", port="http", path="/ready", initial_delay_seconds=10,
                              success_threshold=2, failure_threshold=2),
        liveness_probe=Probe(handler="tcp", port=8080, failure_threshold=1),
        startup_probe=Probe(handler="exec", failure_threshold=2),
    )
    rc = ReplicationController.defaulted("probed", 2, None, PodTemplate(labels={"app": "probed"},
                                                                        containers=(container,)))
    misprobed = Pod(name="misprobed", labels={"app": "misprobed"}, containers=(Container(
        name="app", ports=(ContainerPort(8080, name="http"),), readiness_probe=Probe(port="admin")),))
    return Cluster.from_objects([Node("node-1"), Node("node-2"), rc, misprobed,
                                 _service("probed", {"app": "probed"}, ServicePort(80, target_port="http"))],
                                _config(config, TEXTBOOK))


def restart_policies(config: Config | None = None) -> Cluster:
    """Bare pods of each restart policy (SEMANTICS 48 to 51): `once` (OnFailure, liveness failureThreshold 1,
    grace 0), `never` (Never, readiness), `always` (Always, no probe); a Service selects all three."""
    def pod(name: str, policy: str, **probes) -> Pod:
        c = Container(name="job", ports=(ContainerPort(8080, name="http"),), **probes)
        return Pod(name=name, labels={"app": "batch"}, containers=(c,), restart_policy=policy,
                   termination_grace_period_seconds=0 if policy == "OnFailure" else 30)
    return Cluster.from_objects([
        Node("node-1"), Node("node-2"),
        pod("once", "OnFailure", liveness_probe=Probe(handler="http", port="http", failure_threshold=1)),
        pod("never", "Never", readiness_probe=Probe(handler="tcp", port="http", failure_threshold=1)),
        pod("always", "Always"),
        _service("batch", {"app": "batch"}, ServicePort(80, target_port=8080)),
    ], _config(config, TEXTBOOK))


def hooks(config: Config | None = None) -> Cluster:
    """Lifecycle hooks on a two-container pod with grace 0 (SEMANTICS 52 to 54, 8.9, 8.10): `main` has postStart
    and preStop and a readiness probe, `sidecar` a preStop hook and a liveness probe of failureThreshold 1, so
    a kubelet kill meets a preStop hook; a second controller keeps the default grace of 30 s."""
    main = Container(name="main", ports=(ContainerPort(8080, name="http"),), post_start=Hook("exec"),
                     pre_stop=Hook("exec"), readiness_probe=Probe(handler="http", port="http", failure_threshold=1))
    sidecar = Container(name="sidecar", ports=(ContainerPort(9090, name="metrics"),), pre_stop=Hook("exec"),
                        liveness_probe=Probe(handler="http", port="metrics", failure_threshold=1))
    fast = ReplicationController.defaulted("fast", 1, None, PodTemplate(
        labels={"app": "hooked", "grace": "zero"}, containers=(main, sidecar), termination_grace_period_seconds=0))
    slow = ReplicationController.defaulted("slow", 1, None, PodTemplate(
        labels={"app": "hooked", "grace": "default"}, containers=(main,)))
    return Cluster.from_objects([Node("node-1"), Node("node-2"), fast, slow,
                                 _service("hooked", {"app": "hooked"}, ServicePort(80, target_port="http"))],
                                _config(config, TEXTBOOK))


def services(config: Config | None = None) -> Cluster:
    """Services as users write them (SEMANTICS 26, 39 to 44): container ports over TCP, UDP and SCTP; a Service
    with a named target port, one with a numbered UDP port, one with two ports of which one names a port no
    container declares, one with publishNotReadyAddresses, one without a selector; pods whose readiness
    fails now and then."""
    container = Container(
        name="server",
        ports=(ContainerPort(8080, name="http"), ContainerPort(53, name="dns", protocol="UDP"),
               ContainerPort(9000, name="assoc", protocol="SCTP")),
        readiness_probe=Probe(handler="http", port="http", failure_threshold=1),
    )
    rc = ReplicationController.defaulted("server", 2, None, PodTemplate(labels={"app": "server"},
                                                                        containers=(container,)))
    return Cluster.from_objects([
        Node("node-1"), Node("node-2"), rc,
        _service("http", {"app": "server"}, ServicePort(80, target_port="http")),
        _service("dns", {"app": "server"}, ServicePort(53, target_port=53, protocol="UDP")),
        _service("mixed", {"app": "server"}, ServicePort(9000, target_port="assoc", name="assoc", protocol="SCTP"),
                 ServicePort(81, target_port="grpc", name="grpc")),
        _service("peers", {"app": "server"}, ServicePort(80, target_port="http"), publish=True),
        _service("external", None, ServicePort(80)),
    ], _config(config, TEXTBOOK))


def selectors(config: Config | None = None) -> Cluster:
    """Every selector operator (SEMANTICS 15 to 19, 28, 36, 38): ReplicaSets selecting `tier in (cache),
    environment notin (dev, test)`, `app, !legacy` and `app=api,env!=dev`, a ReplicationController selecting
    `app=api` that overlaps the last, a bare pod those two may adopt, one that `!legacy` keeps out, and one whose
    ownerReference names api-rc with an earlier uid (the garbage collector's)."""
    def template(labels: dict) -> PodTemplate:
        return PodTemplate(labels=labels, containers=(Container(name="app", ports=(ContainerPort(8080, name="http"),),
                                                                readiness_probe=Probe(port="http", failure_threshold=1)),))
    cache = ReplicaSet("cache", 1, parse_selector("tier in (cache), environment notin (dev, test)"),
                       template({"tier": "cache", "environment": "prod"}))
    modern = ReplicaSet("modern", 1, parse_selector("app, !legacy"), template({"app": "web"}))
    api = ReplicaSet("api", 1, parse_selector("app=api,env!=dev"), template({"app": "api", "env": "prod"}))
    api_rc = ReplicationController.defaulted("api-rc", 1, None, template({"app": "api"}))
    stray = Pod(name="stray", labels={"app": "web", "legacy": "yes"},
                containers=(Container(name="app", ports=(ContainerPort(8080, name="http"),)),))
    orphan = Pod(name="orphan", labels={"app": "api", "env": "prod"},
                 containers=(Container(name="app", ports=(ContainerPort(8080, name="http"),)),))
    # A pod left by an earlier controller of the same name: its ownerReference's uid is not api-rc's, so it is
    # a dependent of a missing owner (SEMANTICS 36, 38), neither api-rc's pod nor an orphan.
    stale = Pod(name="stale", labels={"app": "api"}, owner=OwnerRef("ReplicationController", "api-rc", "uid-stale"),
                containers=(Container(name="app", ports=(ContainerPort(8080, name="http"),)),))
    return Cluster.from_objects([Node("node-1"), Node("node-2"), cache, modern, api, api_rc, stray, orphan, stale,
                                 _service("api", {"app": "api"}, ServicePort(80, target_port="http"))],
                                _config(config, TEXTBOOK))


def capacity(config: Config | None = None) -> Cluster:
    """Nodes near their capacity in two zones under the kubernetes profile (SEMANTICS 55 to 62; the zone term of
    PodTopologySpread's system defaults): `small` holds two pods,
    `tight` 600 millicores and 512 MiB, `cordoned` is unschedulable and `down` NotReady; a controller of three
    replicas (500m each, a request of 0 memory) with nodeSelector disk=ssd beside one without requests."""
    nodes = [
        Node("small", labels={"disk": "ssd", ZONE: "zone-a"}, max_pods=2),
        Node("tight", labels={"disk": "ssd", ZONE: "zone-b"}, allocatable=Resources(cpu=600, memory=512 * MiB)),
        Node("cordoned", labels={"disk": "ssd", ZONE: "zone-a"}, unschedulable=True),
        Node("down", labels={"disk": "hdd", ZONE: "zone-b"}, ready=False),
    ]
    heavy = ReplicationController.defaulted("heavy", 3, None, PodTemplate(
        labels={"app": "heavy"}, node_selector={"disk": "ssd"},
        containers=(Container(name="app", requests=Resources(cpu=500, memory=0)),)))
    light = ReplicationController.defaulted("light", 1, None, PodTemplate(
        labels={"app": "light"}, containers=(Container(name="app"),)))
    return Cluster.from_objects([*nodes, heavy, light], _config(config, KUBERNETES))


def scale_down(config: Config | None = None) -> Cluster:
    """A ReplicaSet of one replica that adopts two bare pods of its selector, one of them with a
    controller.kubernetes.io/pod-deletion-cost of 5 (SEMANTICS 34.4, 36): the sync after the adoption deletes
    one, and with both unassigned and Pending the deletion cost decides which (the lower cost goes first)."""
    labels = {"app": "web", "track": ""}  # an empty label value is a value: `track` exists (SEMANTICS 17)
    template = PodTemplate(labels=labels, containers=(Container(name="app"),))
    rs = ReplicaSet("web", 1, parse_selector("app=web"), template)
    pods = [Pod("web-cheap", labels=labels, containers=(Container(name="app"),)),
            Pod("web-costly", labels=labels, containers=(Container(name="app"),), deletion_cost=5)]
    return Cluster.from_objects([Node("node-1"), Node("node-2"), rs, *pods], _config(config, TEXTBOOK))


def least_allocated(config: Config | None = None) -> Cluster:
    """Under the kubernetes profile, `busy` already runs two pods without requests and `quiet` one pod requesting
    50m and 64 MiB; a controller then places one pod requesting 100m and 128 MiB (SEMANTICS 57): LeastAllocated
    counts a pod without requests as 100m and 200 MiB (NonZeroRequested), so `busy` is the more loaded node."""
    nodes = [Node("busy", allocatable=Resources(cpu=2000, memory=2048 * MiB)),
             Node("quiet", allocatable=Resources(cpu=2000, memory=2048 * MiB))]
    idle = [Pod(f"idle-{i}", labels={"app": "idle"}, node_name="busy", containers=(Container(name="app"),))
            for i in (1, 2)]
    small = Pod("small", labels={"app": "small"}, node_name="quiet",
                containers=(Container(name="app", requests=Resources(cpu=50, memory=64 * MiB)),))
    web = ReplicationController.defaulted("web", 1, None, PodTemplate(
        labels={"app": "web"}, containers=(Container(name="app", requests=Resources(cpu=100, memory=128 * MiB)),)))
    return Cluster.from_objects([*nodes, *idle, small, web], _config(config, KUBERNETES))


def seed_kubernetes(config: Config | None = None) -> Cluster:
    """The seed under the kubernetes scheduling profile (SEMANTICS 56 to 62)."""
    return seed(_config(config, KUBERNETES))


@attrs.frozen
class Scenario:
    """A named built-in scenario: how to build it (from a `Config`, or its own default when None) and what it is."""

    name: str
    build: Callable[[Config | None], Cluster] = attrs.field(eq=False)
    summary: str

    @property
    def profile(self) -> str:
        """The scheduler profile the scenario runs under unless told otherwise."""
        return self.build(None).config.profile

    def cluster(self, config: Config | None = None) -> Cluster:
        return self.build(config)


def _summary(fn: Callable) -> str:
    return " ".join((fn.__doc__ or "").strip().split("\n\n")[0].split())


CATALOGUE: dict[str, Scenario] = {
    name: Scenario(name, fn, _summary(fn) if fn not in (seed, tiny) else summary)
    for name, fn, summary in (
        ("seed", seed, "The source chapter's cluster: three nodes with a logging pod each, a ReplicationController "
                       "of three behind a Service (probes and hooks on a named port), a set-based ReplicaSet."),
        ("tiny", tiny, "Two nodes, one controller of one replica behind a Service: the smallest interesting cluster."),
        ("probes", probes, ""),
        ("restart-policies", restart_policies, ""),
        ("hooks", hooks, ""),
        ("services", services, ""),
        ("selectors", selectors, ""),
        ("capacity", capacity, ""),
        ("scale-down", scale_down, ""),
        ("least-allocated", least_allocated, ""),
        ("seed-kubernetes", seed_kubernetes, ""),
    )
}

SCENARIOS = {name: s.build for name, s in CATALOGUE.items()}
