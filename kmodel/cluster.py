"""The cluster state: one frozen value, the root of everything the engines explore.

`Cluster` is what the API server holds (nodes, pods, services, controllers, endpoints), a logical clock in
seconds, a uid counter and the cluster's configuration (which scheduler profile runs). Collections are persistent
maps (`immutables.Map`): an update costs O(log n) and shares all the rest with the state it came from, so every
intermediate state an engine keeps stays valid and cheap.

Derived indexes that the hot paths need live inside the state and are updated by the same write (DESIGN
principle 1): pods per node, pods per owner, orphans, pods per Service, per-node resource use, per-owner per-node
pod counts, and the scheduler's own index. They are excluded from equality and hashing (they are functions of the
objects), and `check_indexes` recomputes them from scratch for the structure invariants.

All writes go through `put_pod`, `remove_pod`, `put_node`, ... so no index can be forgotten.
"""

from __future__ import annotations

from typing import Iterable, Iterator

import attrs
import immutables

from kmodel.objects import (
    Controller,
    Endpoints,
    Node,
    Pod,
    ReplicaSet,
    ReplicationController,
    Resources,
    Service,
)
from kmodel.objects import FAILED as _FAILED
from kmodel.objects import SUCCEEDED as _SUCCEEDED

_TERMINAL_PHASES = frozenset((_SUCCEEDED, _FAILED))  # Pod.terminal

EMPTY = immutables.Map()

TEXTBOOK, KUBERNETES = "textbook", "kubernetes"
PROFILES = (TEXTBOOK, KUBERNETES)


@attrs.frozen
class Config:
    """How the modelled control plane is configured.

    `profile`: which scheduler profile runs (DESIGN principle 6). `seed`: the seed of the kubernetes profile's
    random tie-break among top-scoring nodes (SEMANTICS 61). `max_replicas` bounds user scale events so that
    engines see a finite set of them.
    """

    profile: str = TEXTBOOK
    seed: int = 0
    max_replicas: int = 5


@attrs.frozen
class NodeUsage:
    """What the scheduler counts on a node: the summed requests and the number of bound, non-terminal pods."""

    requested: Resources = Resources()
    pods: int = 0
    # LeastAllocated's NonZeroRequested: requests with the scheduler's defaults for missing ones (SEMANTICS 57)
    nonzero_requested: Resources = Resources()


# The scheduler's defaults for a container without a request (schedutil.DefaultMilliCPURequest and
# DefaultMemoryRequest, SEMANTICS 57). The model cannot tell a missing request from an explicit 0: both count.
DEFAULT_MILLI_CPU_REQUEST = 100
DEFAULT_MEMORY_REQUEST = 200 * 1024 * 1024


def pod_requests(pod: Pod) -> Resources:
    """`pod.requests` (the sum over its containers) without building intermediate values on the hot path."""
    containers = pod.containers
    if len(containers) == 1:
        return containers[0].requests
    cpu = memory = 0
    for c in containers:
        r = c.requests
        cpu += r.cpu
        memory += r.memory
    return Resources(cpu, memory)


def _usage_of(pod: Pod) -> tuple[int, int, int, int]:
    """(cpu, memory, non-zero cpu, non-zero memory) requested by the pod: `pod_requests` and `nonzero_requests`
    in one pass, as plain ints (the bind hot path)."""
    cpu = memory = nz_cpu = nz_memory = 0
    for c in pod.containers:
        r = c.requests
        cpu += r.cpu
        memory += r.memory
        nz_cpu += r.cpu or DEFAULT_MILLI_CPU_REQUEST
        nz_memory += r.memory or DEFAULT_MEMORY_REQUEST
    return cpu, memory, nz_cpu, nz_memory


def nonzero_requests(pod: Pod) -> Resources:
    """The pod's requests as LeastAllocated counts them: each container's missing (zero) cpu or memory request
    counts as 100m or 200 MiB (`schedutil.GetNonzeroRequests`, SEMANTICS 57)."""
    cpu = memory = 0
    for c in pod.containers:
        r = c.requests
        cpu += r.cpu or DEFAULT_MILLI_CPU_REQUEST
        memory += r.memory or DEFAULT_MEMORY_REQUEST
    return Resources(cpu, memory)


def _set_add(m: immutables.Map, key: str, item: str) -> immutables.Map:
    inner = m.get(key, EMPTY)
    return m.set(key, inner.set(item, True))


def _set_remove(m: immutables.Map, key: str, item: str) -> immutables.Map:
    inner = m.get(key)
    if inner is None or item not in inner:
        return m
    inner = inner.delete(item)
    return m.set(key, inner) if len(inner) else m.delete(key)


def _count_add(m: immutables.Map, key: str, sub: str, delta: int) -> immutables.Map:
    inner = m.get(key, EMPTY)
    n = inner.get(sub, 0) + delta
    inner = inner.set(sub, n) if n else inner.delete(sub)
    return m.set(key, inner) if len(inner) else m.delete(key)


def counts_on_node(pod: Pod) -> bool:
    """A pod uses its node's capacity while bound and not terminal (Succeeded/Failed pods hold nothing)."""
    return pod.node_name is not None and not pod.terminal


def counts_for_spread(pod: Pod) -> bool:
    """A pod counts for spreading while bound and active: terminating pods are not counted (SEMANTICS 8.13)."""
    return pod.node_name is not None and pod.active


@attrs.frozen(eq=False)
class Cluster:
    """The whole state. Equality and hash are over the objects, the clock and the counters, not the indexes."""

    config: Config = Config()
    clock: int = 0
    next_uid: int = 1
    nodes: immutables.Map = EMPTY  # name -> Node
    pods: immutables.Map = EMPTY  # name -> Pod
    services: immutables.Map = EMPTY  # name -> Service
    controllers: immutables.Map = EMPTY  # "Kind/name" -> ReplicationController | ReplicaSet
    endpoints: immutables.Map = EMPTY  # service name -> Endpoints
    # derived indexes
    pods_by_node: immutables.Map = EMPTY  # node -> {pod}
    pods_by_owner: immutables.Map = EMPTY  # owner key -> {pod}
    orphans: immutables.Map = EMPTY  # {pod} without a controller owner
    service_members: immutables.Map = EMPTY  # service -> {pod} whose labels match its selector
    node_usage: immutables.Map = EMPTY  # node -> NodeUsage
    owner_node_counts: immutables.Map = EMPTY  # owner key -> node -> active bound pods
    unscheduled: immutables.Map = EMPTY  # {pod: creation_index}: unbound, active pods (the scheduling queue)
    scheduler_index: object = None  # the scheduler's fast-path index (kmodel.scheduler.index)

    # ---- identity -------------------------------------------------------------------------------------------
    def _key(self) -> tuple:
        return (self.config, self.clock, self.next_uid, self.nodes, self.pods, self.services, self.controllers,
                self.endpoints)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Cluster):
            return NotImplemented
        return self is other or self._key() == other._key()

    def __hash__(self) -> int:
        return hash(self._key())

    # ---- named constructors ---------------------------------------------------------------------------------
    @classmethod
    def empty(cls, config: Config | None = None) -> "Cluster":
        from kmodel.scheduler import index as sched_index

        c = cls(config=config or Config())
        return attrs.evolve(c, scheduler_index=sched_index.build(c))

    @classmethod
    def from_objects(cls, objects: Iterable[object], config: Config | None = None) -> "Cluster":
        """A cluster holding the given objects, validated as the API server would. Pods, controllers and nodes
        without a uid get one; pods keep the order given as their creation order."""
        c = cls.empty(config)
        for obj in objects:
            c = c.create(obj)
        return c

    def create(self, obj: object) -> "Cluster":
        """Validate and add one object (an API create). Raises `InvalidObject` for what the API rejects."""
        from kmodel.errors import InvalidObject

        if isinstance(obj, Node):
            obj.validate()
            if obj.name in self.nodes:
                raise InvalidObject(f"Node/{obj.name}", "metadata.name", "already exists")
            return self.put_node(obj)
        if isinstance(obj, Service):
            obj.validate()
            if obj.name in self.services:
                raise InvalidObject(f"Service/{obj.name}", "metadata.name", "already exists")
            return self.put_service(obj)
        if isinstance(obj, (ReplicationController, ReplicaSet)):
            obj.validate()
            if obj.key in self.controllers:
                raise InvalidObject(obj.key, "metadata.name", "already exists")
            c, uid = self.fresh_uid()
            return c.put_controller(attrs.evolve(obj, uid=obj.uid or uid))
        if isinstance(obj, Pod):
            obj.validate()
            if obj.name in self.pods:
                raise InvalidObject(f"Pod/{obj.name}", "metadata.name", "already exists")
            c, uid = self.fresh_uid()
            return c.put_pod(attrs.evolve(obj, uid=obj.uid or uid, creation_index=c.next_uid))
        raise InvalidObject(type(obj).__name__, "kind", "not a modelled object")

    def fresh_uid(self) -> tuple["Cluster", str]:
        """A new uid from the counter (uids are ordered, so `uid` also orders creation)."""
        return attrs.evolve(self, next_uid=self.next_uid + 1), f"uid-{self.next_uid:06d}"

    # ---- reads ----------------------------------------------------------------------------------------------
    def pod(self, name: str) -> Pod:
        return self.pods[name]

    def node(self, name: str) -> Node:
        return self.nodes[name]

    def controller(self, key: str) -> Controller:
        return self.controllers[key]

    def pods_on(self, node: str) -> Iterator[Pod]:
        for name in self.pods_by_node.get(node, EMPTY):
            yield self.pods[name]

    def pods_owned_by(self, owner_key: str) -> Iterator[Pod]:
        for name in self.pods_by_owner.get(owner_key, EMPTY):
            yield self.pods[name]

    def orphan_pods(self) -> Iterator[Pod]:
        for name in self.orphans:
            yield self.pods[name]

    def pods_selected_by(self, service: str) -> Iterator[Pod]:
        for name in self.service_members.get(service, EMPTY):
            yield self.pods[name]

    def usage(self, node: str) -> NodeUsage:
        return self.node_usage.get(node, NodeUsage())

    def owner_pods_on(self, owner_key: str, node: str) -> int:
        return self.owner_node_counts.get(owner_key, EMPTY).get(node, 0)

    def owner_alive(self, pod: Pod) -> bool:
        """The pod's controller owner exists with the uid the reference names."""
        if pod.owner is None:
            return False
        ctl = self.controllers.get(pod.owner.key)
        return ctl is not None and ctl.uid == pod.owner.uid

    # ---- writes (each keeps every index exact) --------------------------------------------------------------
    def tick(self, seconds: int) -> "Cluster":
        return attrs.evolve(self, clock=self.clock + seconds)

    def put_pod(self, pod: Pod) -> "Cluster":
        old = self.pods.get(pod.name)
        return self._reindex_pod(old, pod, pods=self.pods.set(pod.name, pod))

    def remove_pod(self, name: str) -> "Cluster":
        old = self.pods[name]
        return self._reindex_pod(old, None, pods=self.pods.delete(name))

    def _reindex_pod(self, old: Pod | None, new: Pod | None, pods: immutables.Map) -> "Cluster":
        # The scheduler's hot path (a bind is one put_pod): each index is touched only when a field it depends
        # on changed (identity first: writes copy unchanged fields by reference), properties are inlined, and
        # the new state is assembled by `_with_pod_indexes` rather than `attrs.evolve`.
        name = (new or old).name  # type: ignore[union-attr]
        by_node, by_owner, orphans = self.pods_by_node, self.pods_by_owner, self.orphans
        members, usage, owner_counts = self.service_members, self.node_usage, self.owner_node_counts
        unscheduled = self.unscheduled
        o_node = old.node_name if old is not None else None
        n_node = new.node_name if new is not None else None
        if o_node != n_node:
            if o_node is not None:
                by_node = _set_remove(by_node, o_node, name)
            if n_node is not None:
                by_node = _set_add(by_node, n_node, name)
        both = old is not None and new is not None
        same_owner = both and (old.owner is new.owner or old.owner == new.owner)  # type: ignore[union-attr]
        o_owner = old.owner.key if old is not None and old.owner is not None else None
        n_owner = (o_owner if same_owner else new.owner.key) if new is not None and new.owner is not None else None
        if not same_owner:
            if old is not None:
                by_owner = _set_remove(by_owner, o_owner, name) if o_owner else by_owner
                orphans = orphans if o_owner else orphans.delete(name)
            if new is not None:
                by_owner = _set_add(by_owner, n_owner, name) if n_owner else by_owner
                orphans = orphans if n_owner else orphans.set(name, True)
        if not both or (old.labels is not new.labels and old.labels != new.labels):  # type: ignore[union-attr]
            for svc_name, svc in self.services.items():
                sel = svc.label_selector
                if sel is None:
                    continue
                was = old is not None and sel.matches(old.labels)
                now = new is not None and sel.matches(new.labels)
                if was and not now:
                    members = _set_remove(members, svc_name, name)
                elif now and not was:
                    members = _set_add(members, svc_name, name)
        o_use = o_node is not None and old.phase not in _TERMINAL_PHASES  # type: ignore[union-attr]
        n_use = n_node is not None and new.phase not in _TERMINAL_PHASES  # type: ignore[union-attr]
        if o_use != n_use or (o_use and (o_node != n_node or (old.containers is not new.containers  # type: ignore
                                                              and old.requests != new.requests))):  # type: ignore
            if o_use:
                u = usage[o_node]
                cpu, memory, nz_cpu, nz_memory = _usage_of(old)  # type: ignore[arg-type]
                req, nz = u.requested, u.nonzero_requested
                u = NodeUsage(Resources(req.cpu - cpu, req.memory - memory), u.pods - 1,
                              Resources(nz.cpu - nz_cpu, nz.memory - nz_memory))
                usage = usage.set(o_node, u) if u.pods else usage.delete(o_node)
            if n_use:
                u = usage.get(n_node, _NO_USAGE)
                cpu, memory, nz_cpu, nz_memory = _usage_of(new)  # type: ignore[arg-type]
                req, nz = u.requested, u.nonzero_requested
                usage = usage.set(n_node, NodeUsage(Resources(req.cpu + cpu, req.memory + memory), u.pods + 1,
                                                    Resources(nz.cpu + nz_cpu, nz.memory + nz_memory)))
        o_spread = o_use and o_owner is not None and old.deletion_timestamp is None  # type: ignore[union-attr]
        n_spread = n_use and n_owner is not None and new.deletion_timestamp is None  # type: ignore[union-attr]
        if o_spread != n_spread or (o_spread and (o_owner != n_owner or o_node != n_node)):
            if o_spread:
                owner_counts = _count_add(owner_counts, o_owner, o_node, -1)  # type: ignore[arg-type]
            if n_spread:
                owner_counts = _count_add(owner_counts, n_owner, n_node, +1)  # type: ignore[arg-type]
        o_queued = o_node is None and old is not None and old.deletion_timestamp is None and \
            old.phase not in _TERMINAL_PHASES
        n_queued = n_node is None and new is not None and new.deletion_timestamp is None and \
            new.phase not in _TERMINAL_PHASES
        if n_queued:
            if not o_queued or old.creation_index != new.creation_index:  # type: ignore[union-attr]
                unscheduled = unscheduled.set(name, new.creation_index)  # type: ignore[union-attr]
        elif o_queued:
            unscheduled = unscheduled.delete(name)
        c = _with_pod_indexes(self, pods, by_node, by_owner, orphans, members, usage, owner_counts, unscheduled)
        object.__setattr__(c, "scheduler_index", _sched_index.on_pod(self.scheduler_index, c, old, new))
        return c

    def put_node(self, node: Node) -> "Cluster":
        old = self.nodes.get(node.name)
        c = attrs.evolve(self, nodes=self.nodes.set(node.name, node))
        from kmodel.scheduler import index as sched_index

        return attrs.evolve(c, scheduler_index=sched_index.on_node(self.scheduler_index, c, old, node))

    def remove_node(self, name: str) -> "Cluster":
        old = self.nodes[name]
        c = attrs.evolve(self, nodes=self.nodes.delete(name))
        from kmodel.scheduler import index as sched_index

        return attrs.evolve(c, scheduler_index=sched_index.on_node(self.scheduler_index, c, old, None))

    def put_service(self, service: Service) -> "Cluster":
        members = self.service_members.delete(service.name) if service.name in self.service_members \
            else self.service_members
        sel = service.label_selector
        if sel is not None:
            inner = EMPTY
            with inner.mutate() as m:
                for pod in self.pods.values():
                    if sel.matches(pod.labels):
                        m[pod.name] = True
                inner = m.finish()
            if len(inner):
                members = members.set(service.name, inner)
        c = attrs.evolve(self, services=self.services.set(service.name, service), service_members=members)
        return attrs.evolve(c, scheduler_index=_sched_index.on_service(self.scheduler_index, c))

    def remove_service(self, name: str) -> "Cluster":
        members = self.service_members.delete(name) if name in self.service_members else self.service_members
        endpoints = self.endpoints.delete(name) if name in self.endpoints else self.endpoints
        c = attrs.evolve(self, services=self.services.delete(name), service_members=members, endpoints=endpoints)
        return attrs.evolve(c, scheduler_index=_sched_index.on_service(self.scheduler_index, c))

    def put_controller(self, controller: Controller) -> "Cluster":
        return attrs.evolve(self, controllers=self.controllers.set(controller.key, controller))

    def remove_controller(self, key: str) -> "Cluster":
        return attrs.evolve(self, controllers=self.controllers.delete(key))

    def put_endpoints(self, endpoints: Endpoints) -> "Cluster":
        return attrs.evolve(self, endpoints=self.endpoints.set(endpoints.service, endpoints))

    def remove_endpoints(self, service: str) -> "Cluster":
        """Delete the Endpoints stored for a Service key (absent ones are already gone)."""
        if service not in self.endpoints:
            return self
        return attrs.evolve(self, endpoints=self.endpoints.delete(service))

    # ---- index checking -------------------------------------------------------------------------------------
    def rebuilt(self) -> "Cluster":
        """The same objects with every index recomputed from scratch (the oracle for the structure rules)."""
        c = Cluster.empty(self.config)
        c = attrs.evolve(c, clock=self.clock, next_uid=self.next_uid, controllers=self.controllers,
                         endpoints=self.endpoints)
        for node in self.nodes.values():
            c = c.put_node(node)
        for svc in self.services.values():
            c = c.put_service(svc)
        for pod in self.pods.values():
            c = c.put_pod(pod)
        return c

    def index_mismatches(self) -> list[str]:
        """Names of the indexes that differ from their recomputation (empty when all are exact)."""
        fresh = self.rebuilt()
        out = []
        for name in ("pods_by_node", "pods_by_owner", "orphans", "service_members", "node_usage",
                     "owner_node_counts", "unscheduled"):
            if getattr(self, name) != getattr(fresh, name):
                out.append(name)
        from kmodel.scheduler import index as sched_index

        if not sched_index.equivalent(self.scheduler_index, fresh.scheduler_index):
            out.append("scheduler_index")
        return out


_NO_USAGE = NodeUsage()


def _compile_with_pod_indexes():
    """`attrs.evolve(cluster, pods=..., <the pod indexes>=...)` as straight-line slot writes: the fields are
    already valid (Cluster has no converters or validators), and a bind is the model's most frequent write."""
    changed = ("pods", "pods_by_node", "pods_by_owner", "orphans", "service_members", "node_usage",
               "owner_node_counts", "unscheduled")
    names = [a.name for a in attrs.fields(Cluster)]
    env = {"_new": object.__new__, "Cluster": Cluster}
    lines = [f"def _with_pod_indexes(c, {', '.join(changed)}):", "    n = _new(Cluster)"]
    for i, field in enumerate(names):
        env[f"_set{i}"] = Cluster.__dict__[field].__set__
        lines.append(f"    _set{i}(n, {field if field in changed else 'c.' + field})")
    lines.append("    return n")
    exec("\n".join(lines), env)  # noqa: S102 - generated from the attrs field list above
    return env["_with_pod_indexes"]


_with_pod_indexes = _compile_with_pod_indexes()

from kmodel.scheduler import index as _sched_index  # noqa: E402  (index.py imports nothing from this module)
