"""Generated clusters: the configuration space as an input of the engines (issue 18).

A bug in a branch of the model that no scenario reaches is invisible to every engine. `clusters()` is a
Hypothesis strategy over small clusters (at most three nodes and four pods, so that each is small enough to
explore) that varies every field the model reads:

- nodes: pod capacity (`maxPods` 1, 2, 3 or 110) and cpu/memory close to the load, labels for nodeSelector,
  zones (topology.kubernetes.io/zone, for PodTopologySpread's zone term), cordoned (spec.unschedulable) and
  NotReady nodes;
- workloads: ReplicationControllers (equality selectors) and ReplicaSets (set-based selectors: In, NotIn,
  Exists, DoesNotExist, !=), two controllers whose selectors overlap, bare pods (of every restart policy;
  RC and RS templates are `Always`, which upstream validation demands), bare pods a controller can adopt, and
  pods whose ownerReference names a present controller with an earlier uid;
- pod specs: one or two containers, container ports named and numbered over TCP, UDP and SCTP, requests
  (0 included), probes of every kind (liveness, readiness, startup) and handler (http, tcp, exec) with every
  threshold (failureThreshold 1 to 3, successThreshold 1 to 3 for readiness), an initial delay, a probe on a
  port name nobody declares, postStart and preStop hooks, termination grace periods 0 and 30, nodeSelector;
- Services with and without a selector, with publishNotReadyAddresses, one or two ports whose targetPort is
  a name (declared or not) or a number, of each protocol;
- both scheduler profiles.

Every generated cluster is valid as the API server validates (`Cluster.from_objects`). `FEATURES` names each
configuration feature with a predicate on a cluster, so a run can say which features it drew (`features_of`,
`kmodel check --coverage`); a rule whose witness needs a feature no drawn cluster had stays `not-applicable`
or `inconclusive`, never `pass` (the witness's `applies`).
"""

from __future__ import annotations

from typing import Callable, Iterable, Iterator, Mapping

from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import seed as hyp_seed
from hypothesis import strategies as st

from kmodel.cluster import KUBERNETES, TEXTBOOK, Cluster, Config
from kmodel.labels import (
    DOES_NOT_EXIST,
    EXISTS,
    IN,
    NOT_EQUALS,
    NOT_IN,
    parse_selector,
)
from kmodel.objects import (
    EXEC,
    HTTP,
    TCP,
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

# The label vocabulary is small on purpose: selectors of different objects meet on the same keys and values.
APPS = ("web", "api")
TIERS = ("frontend", "backend")

# Set-based selectors for ReplicaSets; each generated ReplicaSet takes one that matches its template's labels
# (validation demands it), so several operators meet one label set.
RS_SELECTORS = (
    "app={app}",
    "app in ({app}), tier notin (db)",
    "app, !legacy",
    "app={app},env!=dev",
    "tier in (frontend,backend)",
    "app notin (cache), tier",
    "tier={tier}",
    "app={app},env",
)

PORT_NAMES = ("http", "metrics")
PROTOCOLS = ("TCP", "TCP", "UDP", "SCTP")
MAX_PODS = 4  # replicas plus bare pods, so that every generated cluster stays small enough to explore


@st.composite
def probes(draw, kind: str, port_names: tuple) -> Probe:
    """A probe of `kind` with any handler, port (a declared name, an undeclared name, a number) and thresholds.
    successThreshold varies for readiness only: validation requires 1 for liveness and startup probes."""
    handler = draw(st.sampled_from((HTTP, HTTP, TCP, EXEC)))
    port: int | str | None = None
    if handler != EXEC:
        # A declared name most of the time, now and then a number or a name no container port has (the probe
        # can never succeed: SEMANTICS 46, the kubelet reports the port unresolvable).
        port = draw(st.sampled_from(port_names * 5 + (8080, "admin")))
    return Probe(handler=handler, port=port,
                 initial_delay_seconds=draw(st.sampled_from((0, 0, 0, 10))),
                 failure_threshold=draw(st.integers(1, 3)),
                 success_threshold=draw(st.integers(1, 3)) if kind == "readiness" else 1)


@st.composite
def containers(draw, name: str, require_liveness: bool = False) -> Container:
    """One container: ports, requests, probes and hooks, each present or not."""
    n_ports = draw(st.integers(0, 2))
    names = PORT_NAMES[:n_ports]
    ports = tuple(ContainerPort(8080 + i, name=draw(st.sampled_from((n, n, None))),
                                protocol=draw(st.sampled_from(PROTOCOLS)))
                  for i, n in enumerate(names))
    declared: tuple = tuple(p.name for p in ports if p.name) or (8080,)
    liveness = draw(probes("liveness", declared) if require_liveness else st.none() | probes("liveness", declared))
    return Container(
        name=name,
        ports=ports,
        requests=Resources(cpu=draw(st.sampled_from((0, 100, 500))), memory=draw(st.sampled_from((0, 128 * MiB)))),
        liveness_probe=liveness,
        readiness_probe=draw(st.none() | probes("readiness", declared)),
        startup_probe=draw(st.none() | st.none() | probes("startup", declared)),
        post_start=draw(st.none() | st.just(Hook(EXEC))),
        pre_stop=draw(st.none() | st.just(Hook(EXEC))),
    )


@st.composite
def pod_specs(draw, restart_policies: tuple[str, ...], require_liveness: bool = False) -> dict:
    """The fields a pod template and a bare pod share: containers, restart policy, grace period, nodeSelector."""
    n = draw(st.integers(1, 2))
    cs = tuple(draw(containers(f"c{i}" if n > 1 else "app", require_liveness and i == 0)) for i in range(n))
    return {"containers": cs, "restart_policy": draw(st.sampled_from(restart_policies)),
            "termination_grace_period_seconds": draw(st.sampled_from((0, 30, 30))),
            "node_selector": draw(st.sampled_from(({}, {}, {}, {"disk": "ssd"})))}


@st.composite
def workload_labels(draw) -> dict[str, str]:
    labels = {"app": draw(st.sampled_from(APPS)), "tier": draw(st.sampled_from(TIERS))}
    if draw(st.booleans()):
        labels["env"] = draw(st.sampled_from(("prod", "dev", "")))  # "" is present: `env` exists (SEMANTICS 17)
    return labels


def matching_rs_selectors(labels: Mapping[str, str]) -> list[str]:
    """The `RS_SELECTORS` that match `labels` (a ReplicaSet's selector must match its template)."""
    out = []
    for text in RS_SELECTORS:
        s = text.format(app=labels.get("app", "web"), tier=labels.get("tier", "frontend"))
        if parse_selector(s).matches(labels):
            out.append(s)
    return out


@st.composite
def nodes(draw) -> list[Node]:
    n = draw(st.integers(1, 3))
    out = []
    for i in range(1, n + 1):
        labels = {"disk": draw(st.sampled_from(("ssd", "hdd")))}
        zone = draw(st.sampled_from((None, None, "zone-a", "zone-b")))
        if zone is not None:
            labels["topology.kubernetes.io/zone"] = zone
        out.append(Node(f"node-{i}", labels=labels,
                        max_pods=draw(st.sampled_from((1, 2, 3, 110, 110))),
                        allocatable=Resources(cpu=draw(st.sampled_from((600, 1000, 4000))),
                                              memory=draw(st.sampled_from((512 * MiB, 4096 * MiB)))),
                        unschedulable=draw(st.integers(0, 5)) == 0,
                        ready=draw(st.integers(0, 7)) != 0))
    return out


@st.composite
def services(draw, index: int) -> Service:
    """A Service with a selector from the label vocabulary or none (unmanaged), one or two ports."""
    selector = draw(st.sampled_from(({"app": "web"}, {"app": "api"}, {"tier": "frontend"},
                                     {"app": "web", "tier": "backend"}, None)))
    n_ports = draw(st.integers(1, 2))
    ports = tuple(ServicePort(80 + i, target_port=draw(st.sampled_from(("http", "metrics", 8080, 8081, None))),
                              name=f"p{i}" if n_ports > 1 else None, protocol=draw(st.sampled_from(PROTOCOLS)))
                  for i in range(n_ports))
    return Service(f"svc-{index}", selector=selector, ports=ports,
                   publish_not_ready_addresses=draw(st.integers(0, 3)) == 0)


@st.composite
def clusters(draw, profile: str | None = None, require_liveness: bool = False) -> Cluster:
    """A small valid cluster over the whole configuration space (the module docstring)."""
    config = Config(profile=profile or draw(st.sampled_from((TEXTBOOK, KUBERNETES))), seed=draw(st.integers(0, 3)),
                    max_replicas=3)
    objects: list[object] = list(draw(nodes()))
    budget = MAX_PODS
    for i in range(draw(st.integers(1, 2))):
        labels = draw(workload_labels())
        spec = draw(pod_specs(("Always",), require_liveness))
        template = PodTemplate(labels=labels, **spec)
        replicas = draw(st.integers(0, min(3, budget)))
        budget -= replicas
        if draw(st.booleans()):
            objects.append(ReplicationController.defaulted(f"rc-{i}", replicas, None, template))
        else:
            selector = draw(st.sampled_from(matching_rs_selectors(labels)))
            objects.append(ReplicaSet(f"rs-{i}", replicas, parse_selector(selector), template))
    controllers = [o for o in objects if isinstance(o, (ReplicationController, ReplicaSet))]
    for i in range(min(budget, draw(st.sampled_from((0, 1, 1, 2))))):
        spec = draw(pod_specs(("Always", "OnFailure", "Never")))
        # Now and then a pod left by an earlier controller of a present one's name: its ownerReference carries
        # another uid, so it is a dependent of a missing owner, neither that controller's pod nor an orphan.
        owner = None
        if controllers and draw(st.integers(0, 5)) == 0:
            ctl = draw(st.sampled_from(controllers))
            owner = OwnerRef(type(ctl).__name__, ctl.name, "uid-stale")
        # controller.kubernetes.io/pod-deletion-cost now and then: an adopted bare pod is ordered by it on
        # scale-down (SEMANTICS 34.4)
        objects.append(Pod(f"pod-{i}", labels=draw(workload_labels()), owner=owner,
                           deletion_cost=draw(st.sampled_from((0, 0, 0, -3, 5))), **spec))
    for i in range(draw(st.integers(0, 2))):
        objects.append(draw(services(i)))
    return Cluster.from_objects(objects, config)


# --------------------------------------------------------------------------------------------------------------
# Configuration features: what a cluster has, for coverage reports


def _specs(cluster: Cluster) -> Iterator[object]:
    """Every pod spec the cluster has or can create: its pods and its controllers' templates."""
    yield from cluster.pods.values()
    for ctl in cluster.controllers.values():
        yield ctl.template


def _containers(cluster: Cluster) -> Iterator[Container]:
    for spec in _specs(cluster):
        yield from spec.containers


def _probes(cluster: Cluster) -> Iterator[tuple[str, Probe, Container]]:
    for c in _containers(cluster):
        for kind in ("liveness", "readiness", "startup"):
            p = c.probe(kind)
            if p is not None:
                yield kind, p, c


def _operators(cluster: Cluster) -> set[str]:
    ops = set()
    for ctl in cluster.controllers.values():
        if isinstance(ctl, ReplicaSet):
            ops |= {r.operator for r in ctl.selector.requirements}
    return ops


def _overlapping_controllers(cluster: Cluster) -> bool:
    ctls = list(cluster.controllers.values())
    return any(a is not b and a.label_selector.matches(b.template.labels) for a in ctls for b in ctls)


def _adoptable_bare_pod(cluster: Cluster) -> bool:
    return any(p.owner is None and not p.daemon and c.label_selector.matches(p.labels)
               for p in cluster.pods.values() for c in cluster.controllers.values())


def _demand(cluster: Cluster) -> int:
    return sum(c.replicas for c in cluster.controllers.values()) + sum(1 for _ in cluster.pods.values())


def _service_ports(cluster: Cluster) -> Iterator[ServicePort]:
    for s in cluster.services.values():
        yield from s.ports


def _undeclared_probe_port(cluster: Cluster) -> bool:
    for _, p, c in _probes(cluster):
        if isinstance(p.port, str) and p.port not in {cp.name for cp in c.ports}:
            return True
    return False


FEATURES: dict[str, Callable[[Cluster], bool]] = {
    "profile-textbook": lambda c: c.config.profile == TEXTBOOK,
    "profile-kubernetes": lambda c: c.config.profile == KUBERNETES,
    "liveness-probe": lambda c: any(k == "liveness" for k, _, _ in _probes(c)),
    "readiness-probe": lambda c: any(k == "readiness" for k, _, _ in _probes(c)),
    "startup-probe": lambda c: any(k == "startup" for k, _, _ in _probes(c)),
    "probe-success-threshold>1": lambda c: any(p.success_threshold > 1 for _, p, _ in _probes(c)),
    "probe-failure-threshold=1": lambda c: any(p.failure_threshold == 1 for _, p, _ in _probes(c)),
    "probe-failure-threshold>1": lambda c: any(p.failure_threshold > 1 for _, p, _ in _probes(c)),
    "probe-initial-delay": lambda c: any(p.initial_delay_seconds > 0 for _, p, _ in _probes(c)),
    "probe-exec": lambda c: any(p.handler == EXEC for _, p, _ in _probes(c)),
    "probe-tcp": lambda c: any(p.handler == TCP for _, p, _ in _probes(c)),
    "probe-http": lambda c: any(p.handler == HTTP for _, p, _ in _probes(c)),
    "probe-undeclared-port": _undeclared_probe_port,
    "restart-always": lambda c: any(s.restart_policy == "Always" for s in _specs(c)),
    "restart-on-failure": lambda c: any(s.restart_policy == "OnFailure" for s in _specs(c)),
    "restart-never": lambda c: any(s.restart_policy == "Never" for s in _specs(c)),
    "grace-0": lambda c: any(s.termination_grace_period_seconds == 0 for s in _specs(c)),
    "post-start-hook": lambda c: any(x.post_start is not None for x in _containers(c)),
    "pre-stop-hook": lambda c: any(x.pre_stop is not None for x in _containers(c)),
    "multi-container-pod": lambda c: any(len(s.containers) > 1 for s in _specs(c)),
    "zero-request": lambda c: any(x.requests.cpu == 0 or x.requests.memory == 0 for x in _containers(c)),
    "replication-controller": lambda c: any(isinstance(x, ReplicationController) for x in c.controllers.values()),
    "replica-set": lambda c: any(isinstance(x, ReplicaSet) for x in c.controllers.values()),
    "selector-in": lambda c: IN in _operators(c),
    "selector-notin": lambda c: NOT_IN in _operators(c),
    "selector-exists": lambda c: EXISTS in _operators(c),
    "selector-does-not-exist": lambda c: DOES_NOT_EXIST in _operators(c),
    "selector-not-equals": lambda c: NOT_EQUALS in _operators(c),
    "overlapping-controllers": _overlapping_controllers,
    "bare-pod": lambda c: any(p.owner is None and not p.daemon for p in c.pods.values()),
    "adoptable-bare-pod": _adoptable_bare_pod,
    "service-with-selector": lambda c: any(s.selector is not None for s in c.services.values()),
    "service-without-selector": lambda c: any(s.selector is None for s in c.services.values()),
    "publish-not-ready-addresses": lambda c: any(s.publish_not_ready_addresses for s in c.services.values()),
    "named-target-port": lambda c: any(isinstance(p.target, str) for p in _service_ports(c)),
    "numbered-target-port": lambda c: any(isinstance(p.target, int) for p in _service_ports(c)),
    "multi-port-service": lambda c: any(len(s.ports) > 1 for s in c.services.values()),
    "udp": lambda c: any(p.protocol == "UDP" for p in _service_ports(c)),
    "sctp": lambda c: any(p.protocol == "SCTP" for p in _service_ports(c)),
    "node-selector": lambda c: any(len(s.node_selector) > 0 for s in _specs(c)),
    "cordoned-node": lambda c: any(n.unschedulable for n in c.nodes.values()),
    "not-ready-node": lambda c: any(not n.ready for n in c.nodes.values()),
    "max-pods-near-load": lambda c: bool(c.nodes) and min(n.max_pods for n in c.nodes.values()) <= max(1, _demand(c)),
    "cpu-near-load": lambda c: bool(c.nodes) and min(n.allocatable.cpu for n in c.nodes.values()) <= 1000,
    "several-nodes": lambda c: len(c.nodes) > 1,
    "zones": lambda c: any("topology.kubernetes.io/zone" in n.labels for n in c.nodes.values()),
    "pod-deletion-cost": lambda c: any(p.deletion_cost != 0 for p in c.pods.values()),
    "empty-label-value": lambda c: any("" in p.labels.values() for p in c.pods.values()),
    "stale-owner-reference": lambda c: any(p.owner is not None and getattr(c.controllers.get(p.owner.key), "uid", None)
                                           != p.owner.uid for p in c.pods.values()),
}


def features_of(cluster: Cluster) -> set[str]:
    """The configuration features `cluster` has (`FEATURES`)."""
    return {name for name, has in FEATURES.items() if has(cluster)}


def feature_counts(clusters_seen: Iterable[Cluster]) -> dict[str, int]:
    """How many of `clusters_seen` have each feature, every feature listed (0 where none had it)."""
    counts = dict.fromkeys(FEATURES, 0)
    for c in clusters_seen:
        for name in features_of(c):
            counts[name] += 1
    return counts


def sample(n: int, seed: int = 0, strategy: st.SearchStrategy[Cluster] | None = None) -> list[Cluster]:
    """`n` clusters drawn from `strategy` (default `clusters()`), the same ones for the same seed: for engines
    that take one cluster at a time (the explorer). Hypothesis draws them, small ones first."""
    strategy = strategy if strategy is not None else clusters()
    out: list[Cluster] = []

    @hyp_seed(seed)
    @settings(max_examples=n, database=None, phases=[Phase.generate], deadline=None, derandomize=False,
              suppress_health_check=list(HealthCheck))
    @given(strategy)
    def collect(cluster: Cluster) -> None:
        if len(out) < n:
            out.append(cluster)

    collect()
    return out


def describe(cluster: Cluster) -> str:
    """One line naming what a (generated) cluster holds, for reports: nodes with their capacity, controllers,
    bare pods and Services."""
    parts = [f"profile {cluster.config.profile}"]
    for n in cluster.nodes.values():
        flags = [f"maxPods {n.max_pods}", f"cpu {n.allocatable.cpu}m"]
        flags += ["cordoned"] if n.unschedulable else []
        flags += ["NotReady"] if not n.ready else []
        parts.append(f"Node/{n.name} ({', '.join(flags)})")
    for c in cluster.controllers.values():
        t = c.template
        parts.append(f"{c.key} (replicas {c.replicas}, selector {c.label_selector}, {len(t.containers)} "
                     f"container(s), restartPolicy {t.restart_policy}, grace {t.termination_grace_period_seconds})")
    for p in cluster.pods.values():
        if p.owner is None and not p.daemon:
            parts.append(f"Pod/{p.name} (restartPolicy {p.restart_policy}, {len(p.containers)} container(s))")
    for s in cluster.services.values():
        ports = ", ".join(f"{p.port}->{p.target}/{p.protocol}" for p in s.ports)
        parts.append(f"Service/{s.name} (selector {dict(s.selector) if s.selector else None}, {ports}"
                     f"{', publishNotReadyAddresses' if s.publish_not_ready_addresses else ''})")
    return "; ".join(parts)
