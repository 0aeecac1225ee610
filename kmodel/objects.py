"""The Kubernetes objects the model knows, as frozen values.

Every object is an `attrs.frozen` class: hashable, comparable, with a repr that is valid Python. Collections are
frozen at the boundary (tuples, `immutables.Map`), so a Cluster built from these values can be hashed, fingerprinted
and shared between states without copies.

Spec fields follow the API with the defaults the API server applies (SEMANTICS 45, 50, 8.1); runtime status
fields (container state, probe streaks, Ready condition, pod IP, deletion timestamp) are what the kubelet and the
API server would write back. Validation is the API server's: `validate()` raises `InvalidObject` naming the object
and the field, and accepts what the API server accepts (a probe on a named port no container declares is valid;
it fails at run time, SEMANTICS 43).

Length: about 650 lines: one frozen class per API object with its validation, which reads best beside the
fields it checks.
"""

from __future__ import annotations

import re
from typing import Mapping

import attrs
import immutables

from kmodel.errors import InvalidObject, KModelError
from kmodel.labels import Selector, label_key_errors, label_value_errors, selector_from_map
from kmodel.memo import Memo

Labels = immutables.Map  # Map[str, str]


def freeze_labels(labels: Mapping[str, str] | None) -> immutables.Map:
    """Labels as an immutable, hashable map (the converter every object uses)."""
    if labels is None:
        return immutables.Map()
    if isinstance(labels, immutables.Map):
        return labels
    return immutables.Map(labels)


def _tuple(xs) -> tuple:
    return tuple(xs) if xs is not None else ()


# --------------------------------------------------------------------------------------------------------------
# Validation helpers (the API server's checks, SEMANTICS 1 to 7, 45)

_DNS1123_LABEL = re.compile(r"[a-z0-9]([-a-z0-9]*[a-z0-9])?")
_DNS1035_LABEL = re.compile(r"[a-z]([-a-z0-9]*[a-z0-9])?")
_IANA_SVC_NAME = re.compile(r"[-a-z0-9]+")
_DNS1123_SUBDOMAIN = re.compile(r"[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*")


def object_name_errors(name: str) -> list[str]:
    """Object names are DNS-1123 subdomains (at most 253 characters)."""
    if not isinstance(name, str) or not name:
        return ["must be a non-empty string"]
    errs = []
    if len(name) > 253:
        errs.append("must be no more than 253 characters")
    if not _DNS1123_SUBDOMAIN.fullmatch(name):
        errs.append("a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.',"
                    " and must start and end with an alphanumeric character")
    return errs


def port_name_errors(name: str) -> list[str]:
    """A port name is an IANA_SVC_NAME: 1 to 15 characters of [-a-z0-9], at least one letter, no '--', no
    leading or trailing '-' (validation.IsValidPortName)."""
    errs = []
    if not 1 <= len(name) <= 15:
        errs.append("must be no more than 15 characters")
    if not _IANA_SVC_NAME.fullmatch(name):
        errs.append("must contain only alpha-numeric characters (a-z, 0-9), and hyphens (-)")
    if "--" in name:
        errs.append("must not contain consecutive hyphens")
    if not re.search(r"[a-z]", name):
        errs.append("must contain at least one letter (a-z)")
    if name.startswith("-") or name.endswith("-"):
        errs.append("must not begin or end with a hyphen")
    return errs


def check_labels(labels: Mapping[str, str], obj: str, field: str) -> None:
    for k, v in labels.items():
        if not isinstance(k, str) or not isinstance(v, str):
            raise InvalidObject(obj, f"{field}[{k!r}]", f"label keys and values must be strings, got {v!r}")
        errs = label_key_errors(k)
        if errs:
            raise InvalidObject(obj, f"{field}[{k!r}]", f"invalid label key: {'; '.join(errs)}")
        errs = label_value_errors(v)
        if errs:
            raise InvalidObject(obj, f"{field}[{k!r}]", f"invalid label value {v!r}: {'; '.join(errs)}")


def check_name(name: str, obj: str) -> None:
    errs = object_name_errors(name)
    if errs:
        raise InvalidObject(obj, "metadata.name", f"invalid name {name!r}: {'; '.join(errs)}")


def check_port_number(port: int, obj: str, field: str) -> None:
    if not isinstance(port, int) or isinstance(port, bool) or not 1 <= port <= 65535:
        raise InvalidObject(obj, field, f"must be between 1 and 65535, inclusive, got {port!r}")


# --------------------------------------------------------------------------------------------------------------
# Nodes


@attrs.frozen
class Resources:
    """Resource quantities in the units the scheduler computes with: millicores and bytes."""

    cpu: int = 0  # millicores
    memory: int = 0  # bytes

    def __add__(self, other: "Resources") -> "Resources":
        return Resources(self.cpu + other.cpu, self.memory + other.memory)

    def __sub__(self, other: "Resources") -> "Resources":
        return Resources(self.cpu - other.cpu, self.memory - other.memory)

    def fits_in(self, other: "Resources") -> bool:
        return self.cpu <= other.cpu and self.memory <= other.memory


GiB = 1024 ** 3
MiB = 1024 ** 2


@attrs.frozen
class Node:
    """A worker node: its labels, what it can allocate (cpu, memory and the kubelet's maxPods, 110 by default),
    whether its kubelet reports Ready, and whether it is cordoned (spec.unschedulable)."""

    name: str
    labels: immutables.Map = attrs.field(factory=immutables.Map, converter=freeze_labels)
    allocatable: Resources = Resources(cpu=4000, memory=16 * GiB)
    max_pods: int = 110
    ready: bool = True
    unschedulable: bool = False

    def validate(self) -> "Node":
        obj = f"Node/{self.name}"
        check_name(self.name, obj)
        check_labels(self.labels, obj, "metadata.labels")
        if self.max_pods < 0:
            raise InvalidObject(obj, "status.allocatable.pods", "must be non-negative")
        if self.allocatable.cpu < 0 or self.allocatable.memory < 0:
            raise InvalidObject(obj, "status.allocatable", "must be non-negative")
        return self


# --------------------------------------------------------------------------------------------------------------
# Containers: probes, hooks, ports, status

HTTP, TCP, EXEC = "http", "tcp", "exec"
LIVENESS, READINESS, STARTUP = "liveness", "readiness", "startup"
PROBE_KINDS = (LIVENESS, READINESS, STARTUP)


@attrs.frozen
class Probe:
    """A probe with the defaults of SetDefaults_Probe (SEMANTICS 45). `port` is a number or a port name for
    http/tcp handlers, None for exec."""

    handler: str = HTTP
    port: int | str | None = None
    path: str = "/"
    initial_delay_seconds: int = 0
    timeout_seconds: int = 1
    period_seconds: int = 10
    success_threshold: int = 1
    failure_threshold: int = 3

    def validate(self, obj: str, field: str, kind: str) -> None:
        if self.handler not in (HTTP, TCP, EXEC):
            raise InvalidObject(obj, field, f"unknown probe handler {self.handler!r}")
        if self.handler in (HTTP, TCP):
            if self.port is None:
                raise InvalidObject(obj, f"{field}.port", "required for an http or tcp probe")
            if isinstance(self.port, str):
                errs = port_name_errors(self.port)
                if errs:
                    raise InvalidObject(obj, f"{field}.port", f"invalid port name {self.port!r}: {'; '.join(errs)}")
            else:
                check_port_number(self.port, obj, f"{field}.port")
        if self.initial_delay_seconds < 0:
            raise InvalidObject(obj, f"{field}.initialDelaySeconds", "must be greater than or equal to 0")
        for name, value in (("timeoutSeconds", self.timeout_seconds), ("periodSeconds", self.period_seconds),
                            ("successThreshold", self.success_threshold),
                            ("failureThreshold", self.failure_threshold)):
            if value < 1:
                raise InvalidObject(obj, f"{field}.{name}", "must be greater than or equal to 1")
        if kind in (LIVENESS, STARTUP) and self.success_threshold != 1:
            raise InvalidObject(obj, f"{field}.successThreshold", "must be 1")


@attrs.frozen
class Hook:
    """A lifecycle handler (postStart or preStop): exec, httpGet or sleep. What it does is not modelled; whether it
    succeeds is a fault event (SEMANTICS 52, 53)."""

    handler: str = EXEC


@attrs.frozen
class ContainerPort:
    container_port: int
    name: str | None = None
    protocol: str = "TCP"


# Container states (v1.ContainerState)
WAITING, RUNNING, TERMINATED = "waiting", "running", "terminated"


@attrs.frozen
class ProbeState:
    """The probe worker's view of one probe: the last result the kubelet acts on and the streaks of raw results
    (SEMANTICS 46: a result flips only after threshold many consecutive identical raw results)."""

    result: bool | None  # None = Unknown
    successes: int = 0
    failures: int = 0


def initial_probe_state(kind: str) -> ProbeState:
    """Before the first probe: readiness fails, liveness succeeds, startup is unknown (SEMANTICS 46)."""
    return ProbeState(result={READINESS: False, LIVENESS: True, STARTUP: None}[kind])


@attrs.frozen
class ContainerStatus:
    """What the kubelet reports for a container.

    `post_start_pending`: the runtime started the entrypoint (`state` is running) but the postStart hook has not
    returned, so the kubelet has not reported it running: it is not started, not ready and not probed
    (SEMANTICS 52, 8.9).
    `stopping`: the kubelet is killing the container (preStop, then TERM); `kill_reason` says why.
    `backoff_until`: CrashLoopBackOff, the earliest clock time the next start may happen (SEMANTICS 51, 8.8).
    `backoff_seconds`: the kubelet's back-off entry for the container, the delay the next crash will wait
    (0: no entry, so the next restart is immediate; SEMANTICS 8.8).
    `exit_code`: the exit code of the last termination (lastState while running again); None: never ran.
    `will_restart`: the restart policy decided to restart the container after its last termination and it has
    not been started since (terminated or waiting in CrashLoopBackOff); False once terminated for good.
    `stop_deadline`: while `stopping`, the clock time the kill's grace period ends (the kubelet stops waiting
    for preStop then). `pre_stop_ran`: the preStop hook was started for the current or last kill
    (SEMANTICS 53, 8.10).
    """

    state: str = WAITING
    reason: str = "ContainerCreating"
    exit_code: int | None = None
    started: bool = False
    ready: bool = False
    restart_count: int = 0
    started_at: int | None = None
    post_start_pending: bool = False
    stopping: bool = False
    pre_stop_pending: bool = False
    kill_reason: str | None = None
    backoff_until: int | None = None
    backoff_seconds: int = 0
    liveness: ProbeState = ProbeState(True)
    readiness: ProbeState = ProbeState(False)
    startup: ProbeState = ProbeState(None)
    will_restart: bool = False
    stop_deadline: int | None = None
    pre_stop_ran: bool = False

    def probe(self, kind: str) -> ProbeState:
        return getattr(self, kind)


@attrs.frozen
class Container:
    """A container: its spec (ports, requests, probes, hooks) and its runtime status."""

    name: str
    ports: tuple[ContainerPort, ...] = attrs.field(default=(), converter=_tuple)
    requests: Resources = Resources()
    liveness_probe: Probe | None = None
    readiness_probe: Probe | None = None
    startup_probe: Probe | None = None
    post_start: Hook | None = None
    pre_stop: Hook | None = None
    status: ContainerStatus = ContainerStatus()

    def probe(self, kind: str) -> Probe | None:
        return getattr(self, f"{kind}_probe")

    def spec(self) -> "Container":
        """The container as a template holds it: the same spec with a fresh status."""
        return attrs.evolve(self, status=ContainerStatus())

    def validate(self, obj: str, field: str) -> None:
        errs = object_name_errors(self.name) if "." not in self.name else ["must not contain dots"]
        if errs or not _DNS1123_LABEL.fullmatch(self.name) or len(self.name) > 63:
            raise InvalidObject(obj, f"{field}.name", f"invalid container name {self.name!r}: must be a DNS-1123 label")
        seen: set[str] = set()
        for i, p in enumerate(self.ports):
            check_port_number(p.container_port, obj, f"{field}.ports[{i}].containerPort")
            if p.protocol not in ("TCP", "UDP", "SCTP"):
                raise InvalidObject(obj, f"{field}.ports[{i}].protocol", f"unsupported protocol {p.protocol!r}")
            if p.name is not None:
                errs = port_name_errors(p.name)
                if errs:
                    raise InvalidObject(obj, f"{field}.ports[{i}].name", f"invalid port name {p.name!r}: {'; '.join(errs)}")
                if p.name in seen:
                    raise InvalidObject(obj, f"{field}.ports[{i}].name", f"duplicate port name {p.name!r}")
                seen.add(p.name)
        if self.requests.cpu < 0 or self.requests.memory < 0:
            raise InvalidObject(obj, f"{field}.resources.requests", "must be non-negative")
        for kind in PROBE_KINDS:
            probe = self.probe(kind)
            if probe is not None:
                probe.validate(obj, f"{field}.{kind}Probe", kind)


# --------------------------------------------------------------------------------------------------------------
# Pods

ALWAYS, ON_FAILURE, NEVER = "Always", "OnFailure", "Never"
PENDING, POD_RUNNING, SUCCEEDED, FAILED, UNKNOWN = "Pending", "Running", "Succeeded", "Failed", "Unknown"


@attrs.frozen
class OwnerRef:
    """A controller owner reference (`controller: true`)."""

    kind: str
    name: str
    uid: str

    @property
    def key(self) -> str:
        return f"{self.kind}/{self.name}"


@attrs.frozen
class PodTemplate:
    """What a controller stamps out: labels and the pod spec."""

    labels: immutables.Map = attrs.field(factory=immutables.Map, converter=freeze_labels)
    containers: tuple[Container, ...] = attrs.field(default=(), converter=_tuple)
    restart_policy: str = ALWAYS
    termination_grace_period_seconds: int = 30
    node_selector: immutables.Map = attrs.field(factory=immutables.Map, converter=freeze_labels)
    volumes: tuple[str, ...] = attrs.field(default=(), converter=_tuple)

    def validate(self, obj: str, field: str) -> None:
        check_labels(self.labels, obj, f"{field}.metadata.labels")
        validate_pod_spec(obj, f"{field}.spec", self.containers, self.restart_policy,
                          self.termination_grace_period_seconds, self.node_selector)


def validate_pod_spec(obj: str, field: str, containers, restart_policy: str, grace: int, node_selector) -> None:
    if not containers:
        raise InvalidObject(obj, f"{field}.containers", "at least one container is required")
    names: set[str] = set()
    for i, c in enumerate(containers):
        c.validate(obj, f"{field}.containers[{i}]")
        if c.name in names:
            raise InvalidObject(obj, f"{field}.containers[{i}].name", f"duplicate container name {c.name!r}")
        names.add(c.name)
    if restart_policy not in (ALWAYS, ON_FAILURE, NEVER):
        raise InvalidObject(obj, f"{field}.restartPolicy", f"unsupported value {restart_policy!r}: "
                                                            "supported values: Always, OnFailure, Never")
    if grace < 0:
        raise InvalidObject(obj, f"{field}.terminationGracePeriodSeconds", "must be greater than or equal to 0")
    check_labels(node_selector, obj, f"{field}.nodeSelector")


@attrs.frozen
class Pod:
    """A pod: containers scheduled together on one node, sharing its volumes (SEED 3).

    `phase`: the kubelet's pod phase (Pending until bound and started; Succeeded or Failed once every container
    has terminated for good; Unknown while its node is lost). `ready`: the Ready condition (SEMANTICS 42, 48),
    with `ready_since` its lastTransitionTime. `deletion_timestamp`: set by an API delete; the pod is terminating
    until the kubelet has stopped its containers (SEMANTICS 54). `creation_index`: creation order (the
    creationTimestamp of SEMANTICS 34.8). `unschedulable_reasons`: why the scheduler found no node.
    """

    name: str
    uid: str = ""
    labels: immutables.Map = attrs.field(factory=immutables.Map, converter=freeze_labels)
    owner: OwnerRef | None = None
    node_name: str | None = None
    containers: tuple[Container, ...] = attrs.field(default=(), converter=_tuple)
    restart_policy: str = ALWAYS
    termination_grace_period_seconds: int = 30
    node_selector: immutables.Map = attrs.field(factory=immutables.Map, converter=freeze_labels)
    volumes: tuple[str, ...] = attrs.field(default=(), converter=_tuple)
    deletion_cost: int = 0
    phase: str = PENDING
    ready: bool = False
    ready_since: int | None = None
    pod_ip: str | None = None
    deletion_timestamp: int | None = None
    creation_index: int = 0
    unschedulable_reasons: tuple[str, ...] = attrs.field(default=(), converter=_tuple)
    daemon: bool = False

    @classmethod
    def from_template(cls, name: str, template: PodTemplate, owner: OwnerRef | None = None, uid: str = "",
                      creation_index: int = 0) -> "Pod":
        return cls(name=name, uid=uid, labels=template.labels, owner=owner,
                   containers=tuple(c.spec() for c in template.containers),
                   restart_policy=template.restart_policy,
                   termination_grace_period_seconds=template.termination_grace_period_seconds,
                   node_selector=template.node_selector, volumes=template.volumes,
                   creation_index=creation_index)

    @property
    def terminating(self) -> bool:
        return self.deletion_timestamp is not None

    @property
    def terminal(self) -> bool:
        return self.phase in (SUCCEEDED, FAILED)

    @property
    def active(self) -> bool:
        """`FilterActivePods`: not Succeeded or Failed, and not being deleted (SEMANTICS 29.2)."""
        return not self.terminal and self.deletion_timestamp is None

    @property
    def requests(self) -> Resources:
        total = Resources()
        for c in self.containers:
            total = total + c.requests
        return total

    def container(self, name: str) -> Container:
        for c in self.containers:
            if c.name == name:
                return c
        raise KeyError(name)

    def with_container(self, container: Container) -> "Pod":
        return attrs.evolve(self, containers=tuple(container if c.name == container.name else c
                                                   for c in self.containers))

    def validate(self) -> "Pod":
        obj = f"Pod/{self.name}"
        check_name(self.name, obj)
        check_labels(self.labels, obj, "metadata.labels")
        validate_pod_spec(obj, "spec", self.containers, self.restart_policy,
                          self.termination_grace_period_seconds, self.node_selector)
        return self


# --------------------------------------------------------------------------------------------------------------
# Services and endpoints


@attrs.frozen
class ServicePort:
    """A Service port; `target_port` defaults to `port` (SEMANTICS 43) and may be a container port name."""

    port: int
    target_port: int | str | None = None
    name: str | None = None
    protocol: str = "TCP"

    @property
    def target(self) -> int | str:
        return self.port if self.target_port is None else self.target_port


@attrs.frozen
class Service:
    """A Service. `selector` None (or empty, which the wire turns into None) means its endpoints are not managed
    by the endpoints controller (SEMANTICS 26, 8.2): it does not select every pod."""

    name: str
    selector: immutables.Map | None = attrs.field(default=None, converter=lambda s: None if not s else freeze_labels(s))
    ports: tuple[ServicePort, ...] = attrs.field(default=(), converter=_tuple)
    publish_not_ready_addresses: bool = False
    labels: immutables.Map = attrs.field(factory=immutables.Map, converter=freeze_labels)

    @property
    def label_selector(self) -> Selector | None:
        """The pods this Service routes to, or None when its endpoints are unmanaged."""
        return None if self.selector is None else _cached_selector_from_map(self.selector)

    def validate(self) -> "Service":
        obj = f"Service/{self.name}"
        if not isinstance(self.name, str) or len(self.name) > 63 or not _DNS1035_LABEL.fullmatch(self.name):
            raise InvalidObject(obj, "metadata.name", f"invalid name {self.name!r}: a Service name must be a DNS-1035 "
                                "label (at most 63 lower case alphanumeric characters or '-', starting with a "
                                "letter and ending with an alphanumeric character)")
        check_labels(self.labels, obj, "metadata.labels")
        if self.selector is not None:
            check_labels(self.selector, obj, "spec.selector")
        names = set()
        for i, p in enumerate(self.ports):
            check_port_number(p.port, obj, f"spec.ports[{i}].port")
            if isinstance(p.target_port, str):
                errs = port_name_errors(p.target_port)
                if errs:
                    raise InvalidObject(obj, f"spec.ports[{i}].targetPort",
                                        f"invalid port name {p.target_port!r}: {'; '.join(errs)}")
            elif p.target_port is not None:
                check_port_number(p.target_port, obj, f"spec.ports[{i}].targetPort")
            if len(self.ports) > 1 and not p.name:
                raise InvalidObject(obj, f"spec.ports[{i}].name", "required when there is more than one port")
            if p.name in names:
                raise InvalidObject(obj, f"spec.ports[{i}].name", f"duplicate port name {p.name!r}")
            names.add(p.name)
        return self


# The Selector of a selector map, by value (`Memo`: a swapped matcher clears it).
_SELECTOR_CACHE = Memo("selector-from-map", 100_000)


def _cached_selector_from_map(m: immutables.Map) -> Selector:
    sel = _SELECTOR_CACHE.get(m)
    if sel is None:
        sel = _SELECTOR_CACHE.remember(m, selector_from_map(dict(m)))
    return sel


@attrs.frozen(order=True)
class EndpointPort:
    name: str | None
    port: int
    protocol: str


@attrs.frozen(order=True)
class EndpointAddress:
    """One pod's address in a Service's Endpoints, with the ports resolved for that pod (SEMANTICS 43)."""

    pod: str
    ip: str
    node: str | None
    ports: tuple[EndpointPort, ...] = attrs.field(default=(), converter=_tuple)


@attrs.frozen
class Endpoints:
    """The Endpoints of a Service (SEMANTICS 40, 8.4): ready `addresses` and `not_ready_addresses`."""

    service: str
    addresses: tuple[EndpointAddress, ...] = attrs.field(default=(), converter=_tuple)
    not_ready_addresses: tuple[EndpointAddress, ...] = attrs.field(default=(), converter=_tuple)


# --------------------------------------------------------------------------------------------------------------
# Controllers


@attrs.frozen
class ReplicationController:
    """A v1 ReplicationController: a map selector of equality terms, defaulted from the template labels when
    empty (SEMANTICS 24, 8.1). The replication controller runs the ReplicaSet code for it (SEMANTICS 28)."""

    name: str
    replicas: int = 1
    selector: immutables.Map = attrs.field(factory=immutables.Map, converter=freeze_labels)
    template: PodTemplate = PodTemplate()
    uid: str = ""
    labels: immutables.Map = attrs.field(factory=immutables.Map, converter=freeze_labels)

    kind = "ReplicationController"

    @classmethod
    def defaulted(cls, name: str, replicas: int | None, selector: Mapping[str, str] | None,
                  template: PodTemplate, uid: str = "", labels: Mapping[str, str] | None = None
                  ) -> "ReplicationController":
        """SetDefaults_ReplicationController: selector and labels from the template when empty, replicas 1."""
        return cls(name=name, replicas=1 if replicas is None else replicas,
                   selector=selector or template.labels, template=template, uid=uid,
                   labels=labels or template.labels)

    @property
    def key(self) -> str:
        return f"{self.kind}/{self.name}"

    @property
    def label_selector(self) -> Selector:
        return _cached_selector_from_map(self.selector)

    def validate(self) -> "ReplicationController":
        obj = self.key
        check_name(self.name, obj)
        if not isinstance(self.replicas, int) or self.replicas < 0:
            raise InvalidObject(obj, "spec.replicas", f"must be greater than or equal to 0, got {self.replicas!r}")
        if not self.selector:
            raise InvalidObject(obj, "spec.selector", "Required value")
        check_labels(self.selector, obj, "spec.selector")
        self.template.validate(obj, "spec.template")
        if not self.label_selector.matches(self.template.labels):
            raise InvalidObject(obj, "spec.template.metadata.labels",
                                f"`selector` does not match template `labels` (selector {dict(self.selector)})")
        return self


@attrs.frozen
class ReplicaSet:
    """An apps/v1 ReplicaSet: a required, non-empty LabelSelector that must match the template (SEMANTICS 25)."""

    name: str
    replicas: int = 1
    selector: Selector = attrs.field(factory=Selector.nothing)
    template: PodTemplate = PodTemplate()
    uid: str = ""
    labels: immutables.Map = attrs.field(factory=immutables.Map, converter=freeze_labels)

    kind = "ReplicaSet"

    @property
    def key(self) -> str:
        return f"{self.kind}/{self.name}"

    @property
    def label_selector(self) -> Selector:
        return self.selector

    def validate(self) -> "ReplicaSet":
        obj = self.key
        check_name(self.name, obj)
        if not isinstance(self.replicas, int) or self.replicas < 0:
            raise InvalidObject(obj, "spec.replicas", f"must be greater than or equal to 0, got {self.replicas!r}")
        if self.selector.is_nothing:
            raise InvalidObject(obj, "spec.selector", "Required value")
        if self.selector.empty:
            raise InvalidObject(obj, "spec.selector", "Invalid value: empty selector is invalid for deployment")
        self.template.validate(obj, "spec.template")
        if not self.selector.matches(self.template.labels):
            raise InvalidObject(obj, "spec.template.metadata.labels",
                                f"`selector` does not match template `labels` (selector {self.selector})")
        return self


Controller = ReplicationController | ReplicaSet


def is_ready_pod(pod: Pod) -> bool:
    """IsPodReady: the Ready condition is True (SEMANTICS 42)."""
    return pod.ready


__all__ = [name for name in dir() if not name.startswith("_")] + ["KModelError"]
