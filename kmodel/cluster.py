"""The cluster state: one frozen value, the root of everything the engines explore.

`Cluster` is what the API server holds (nodes, pods, services, controllers, endpoints), a logical clock in
seconds, a uid counter and the cluster's configuration (which scheduler profile runs). Collections are persistent
maps (`immutables.Map`): an update costs O(log n) and shares all the rest with the state it came from, so every
intermediate state an engine keeps stays valid and cheap.

Derived indexes that the hot paths need live inside the state and are updated by the same write (DESIGN
principle 1): pods per node, pods per owner, orphans, pods per Service, per-node resource use, per-owner per-node
pod counts, the scheduler's own index, and the controllers' work queues (see `Cluster`), so that every
controller finds its work without scanning every pod or node and a step costs O(log n). They are excluded from
equality and hashing (they are functions of the objects and the clock), and `index_mismatches` compares each
with its recomputation from scratch (`derived`: plain loops over the objects, not the same updates) for the
structure invariant `indexes-exact`.

All writes go through `put_pod`, `remove_pod`, `put_node`, ... so no index can be forgotten. `put_pod` stores
one shared object per pod value (`kmodel.facts.shared_pod`), so that equal pods written in different states are
the same object and everything remembered by object identity (here and in the engines) answers for all of them.

Where the rest lives: what the indexes read of each object, remembered, is `kmodel.facts` (shared by the write
path and the recomputation); the recomputation of every index from scratch and its comparison with the state's
own, `kmodel.recompute`. This module is the state and its write path, about 750 lines, kept whole on purpose:
each write updates every index it touches in one place (`_reindex_pod` is the model's hottest function), so the
index definitions and their updates are read side by side.
"""

from __future__ import annotations

import bisect
import operator
from operator import is_ as _is
from typing import Iterable, Iterator

import attrs
import immutables

from kmodel.decisions import endpoints as endpoint_decisions
from kmodel.decisions import replication as replication_decisions
from kmodel import kinds
from kmodel.facts import (
    _FACTS,
    _MISS,
    _SHARED_IDS,
    _claim_memo,
    _endpoints_due,
    _entries_of,
    _entry_memo,
    _new_entry,
    _new_facts,
    shared_pod,
)
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
from kmodel.records import compile_replace
from kmodel.recompute import DERIVED_INDEXES, _derive, _freeze, _index_mismatches, _recompute
from kmodel.scheduler import index as _sched_index
from kmodel.usage import (  # noqa: F401 - re-exported: the state's usage index holds these values
    DEFAULT_MEMORY_REQUEST,
    DEFAULT_MILLI_CPU_REQUEST,
    NodeUsage,
    nonzero_requests,
    pod_requests,
    usage_of,
)

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


def _flag(m: immutables.Map, key, on: bool) -> immutables.Map:
    """Set membership of `key` in a set-valued map (key -> True)."""
    if on:
        return m if key in m else m.set(key, True)
    return m.delete(key) if key in m else m


def _flag_in(m: immutables.Map, key: str, item: str, on: bool) -> immutables.Map:
    """Membership of `item` in the set `m[key]` (empty sets are dropped)."""
    return _set_add(m, key, item) if on else _set_remove(m, key, item)


def _retime(timers: immutables.Map, times: tuple, name: str, old: tuple, new: tuple, clock: int
            ) -> tuple[immutables.Map, tuple]:
    """Move a pod's deadlines later than the clock from `old` to `new` in the timer index."""
    for t in old:
        if t > clock and t not in new:
            inner = timers[t].delete(name)
            if len(inner):
                timers = timers.set(t, inner)
            else:
                timers = timers.delete(t)
                i = bisect.bisect_left(times, t)
                times = times[:i] + times[i + 1:]
    for t in new:
        if t > clock and t not in old:
            inner = timers.get(t)
            if inner is None:
                timers = timers.set(t, EMPTY.set(name, True))
                i = bisect.bisect_left(times, t)
                times = times[:i] + (t,) + times[i:]
            else:
                timers = timers.set(t, inner.set(name, True))
    return timers, times


def _endpoint_ports_of(pod: Pod) -> list:
    return [c.ports for c in pod.containers]


_PORTS = operator.attrgetter("ports")


def _endpoint_view_changed(old: Pod, new: Pod) -> bool:
    """Whether a pod write (labels aside) can change the pod's entry in a Service's Endpoints: its IP, node,
    Ready condition, phase, deletion, or container ports (SEMANTICS 39, 40, 43). Identity first: a status write
    copies each container's ports by reference."""
    if (old.pod_ip != new.pod_ip or old.node_name != new.node_name or old.ready != new.ready
            or old.phase != new.phase or old.deletion_timestamp != new.deletion_timestamp):
        return True
    a, b = old.containers, new.containers
    if a is b or (len(a) == len(b) and all(map(_is, map(_PORTS, a), map(_PORTS, b)))):
        return False
    return _endpoint_ports_of(old) != _endpoint_ports_of(new)


@attrs.frozen(eq=False)
class Cluster:
    """The whole state. Equality and hash are over the objects, the clock and the counters, not the indexes.

    Work queues (DESIGN principle 1): besides the indexes the scheduler reads, the state carries for each
    controller the set of objects it has work for, kept exact by the same writes, so that `reconcile` reads
    its queue instead of scanning every pod or node and a `settle` round costs O(work + log n):

    - `not_ready_nodes` (node lifecycle), `lost_nodes` (node names that bound pods name but no Node object has),
      `terminal_pods` and `dangling_pods` (pod GC and the garbage collector: `owner_missing` and not
      terminating);
    - `kubelet_queue` (bound pods with `kubelet.has_work`), `environment_queue` (bound pods with
      `kubelet.needs_environment`), and `timers` (time -> pods: the deadlines of bound pods later than the
      clock, `kubelet.pod_deadlines`) with `timer_times` its times in order, so `Tick` finds the next one
      without a scan;
    - `claimed_counts`, `adoptable`, `releasable` (each controller's claim, `replication.claim_state`) and
      `replication_queue` (controllers with `replication.sync_due`);
    - `pod_services` (the Services whose selector matches a pod: `service_members` reversed),
      `unmanaged_services` (no selector, SEMANTICS 26), `stored_endpoints` (each stored Endpoints object as
      entries by pod name, and whether it is in canonical form), `endpoint_mismatches` (managed Service -> pods
      whose desired entry, `endpoints.endpoint_entry`, differs from the stored one) and `endpoints_queue` (the
      Service keys for which `EndpointsSync` would write).

    The decisions that define the queues stay in the controller modules (read at call time, so a patched
    decision is seen by the index and its recomputation alike).
    """

    config: Config = Config()
    clock: int = 0
    next_uid: int = 1
    nodes: immutables.Map = EMPTY  # name -> Node
    pods: immutables.Map = EMPTY  # name -> Pod
    services: immutables.Map = EMPTY  # name -> Service
    controllers: immutables.Map = EMPTY  # "Kind/name" -> ReplicationController | ReplicaSet
    endpoints: immutables.Map = EMPTY  # service name -> Endpoints
    objects: immutables.Map = EMPTY  # (kind, name) -> an object of a registered kind (`kmodel.kinds`)
    # derived indexes
    pods_by_node: immutables.Map = EMPTY  # node -> {pod}
    pods_by_owner: immutables.Map = EMPTY  # owner key -> {pod}
    orphans: immutables.Map = EMPTY  # {pod} without a controller owner
    service_members: immutables.Map = EMPTY  # service -> {pod} whose labels match its selector
    node_usage: immutables.Map = EMPTY  # node -> NodeUsage
    owner_node_counts: immutables.Map = EMPTY  # owner key -> node -> active bound pods
    unscheduled: immutables.Map = EMPTY  # {pod: creation_index}: unbound, active pods (the scheduling queue)
    scheduler_index: object = None  # the scheduler's fast-path index (kmodel.scheduler.index)
    # work queues (see the class docstring)
    not_ready_nodes: immutables.Map = EMPTY  # {node}
    lost_nodes: immutables.Map = EMPTY  # {node name}: bound pods name it, no Node object has it
    terminal_pods: immutables.Map = EMPTY  # {pod}: Succeeded or Failed
    dangling_pods: immutables.Map = EMPTY  # {pod}: not terminating, controller owner gone or another uid
    kubelet_queue: immutables.Map = EMPTY  # {pod}
    environment_queue: immutables.Map = EMPTY  # {pod}
    timers: immutables.Map = EMPTY  # time -> {pod}, times later than the clock
    timer_times: tuple = ()  # the keys of `timers`, ascending
    claimed_counts: immutables.Map = EMPTY  # controller key -> claimed active pods (absent: 0)
    adoptable: immutables.Map = EMPTY  # controller key -> {pod}
    releasable: immutables.Map = EMPTY  # controller key -> {pod}
    replication_queue: immutables.Map = EMPTY  # {controller key}
    pod_services: immutables.Map = EMPTY  # pod -> names of the Services selecting it, sorted
    unmanaged_services: immutables.Map = EMPTY  # {service}
    stored_endpoints: immutables.Map = EMPTY  # service -> (canonical, Map pod -> (ready, EndpointAddress))
    endpoint_mismatches: immutables.Map = EMPTY  # service -> {pod}
    endpoints_queue: immutables.Map = EMPTY  # {service key}

    # ---- identity -------------------------------------------------------------------------------------------
    def _key(self) -> tuple:
        return (self.config, self.clock, self.next_uid, self.nodes, self.pods, self.services, self.controllers,
                self.endpoints, self.objects)

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
        return _evolve(c, scheduler_index=sched_index.build(c))

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
        kind = kinds.kind_of(obj)
        if kind is not None:
            if kind.validate is not None:
                kind.validate(obj)
            if (kind.name, obj.name) in self.objects:  # type: ignore[attr-defined]
                raise InvalidObject(f"{kind.name}/{obj.name}", "metadata.name", "already exists")  # type: ignore
            return self.put_object(obj)
        raise InvalidObject(type(obj).__name__, "kind", "not a modelled object")

    def fresh_uid(self) -> tuple["Cluster", str]:
        """A new uid from the counter (uids are ordered, so `uid` also orders creation)."""
        return _evolve(self, next_uid=self.next_uid + 1), f"uid-{self.next_uid:06d}"

    # ---- reads ----------------------------------------------------------------------------------------------
    def objects_of(self, kind: str) -> Iterator[object]:
        """The objects of a registered kind, in name order."""
        for key in sorted(k for k in self.objects if k[0] == kind):
            yield self.objects[key]

    def put_object(self, obj: object) -> "Cluster":
        """Write an object of a registered kind (`kmodel.kinds`); no built-in index reads these."""
        kind = kinds.kind_of(obj)
        if kind is None:
            raise TypeError(f"{type(obj).__name__} is not a registered kind (kmodel.kinds.register_kind)")
        return _evolve(self, objects=self.objects.set((kind.name, obj.name), obj))  # type: ignore[attr-defined]

    def remove_object(self, kind: str, name: str) -> "Cluster":
        return _evolve(self, objects=self.objects.delete((kind, name)))

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
        """Time passes; deadlines no longer later than the clock leave the timer index."""
        clock = self.clock + seconds
        timers, times = self.timers, self.timer_times
        if times and times[0] <= clock:
            i = bisect.bisect_right(times, clock)
            for t in times[:i]:
                timers = timers.delete(t)
            times = times[i:]
        return _evolve(self, clock=clock, timers=timers, timer_times=times)

    def put_pod(self, pod: Pod) -> "Cluster":
        """Write a pod (stored as the one shared object of its value, `shared_pod`)."""
        if _SHARED_IDS.get(id(pod)) is not pod:
            pod = shared_pod(pod)
        pods = self.pods
        return self._reindex_pod(pods.get(pod.name), pod, pods.set(pod.name, pod))

    def remove_pod(self, name: str) -> "Cluster":
        old = self.pods[name]
        return self._reindex_pod(old, None, self.pods.delete(name))

    def _reindex_pod(self, old: Pod | None, new: Pod | None, pods: immutables.Map) -> "Cluster":
        # The scheduler's hot path (a bind is one put_pod) and the explorer's (probe results, readiness, container
        # starts, node lifecycle marks are pod writes): each index is touched only when a field it depends on
        # changed (identity first: writes copy unchanged fields by reference), what is read of a pod beyond its
        # fields (owner key, usage, the queue decisions) comes from `_pod_facts` (remembered per pod object: the
        # replaced pod's are at hand from its own write), and the new state is assembled by `_with_pod_indexes`
        # rather than `attrs.evolve`.
        name = (new or old).name  # type: ignore[union-attr]
        known = _FACTS
        fo = None if old is None else known.get(id(old)) or _new_facts(old)
        fn = None if new is None else known.get(id(new)) or _new_facts(new)
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
        o_owner = fo[3] if fo is not None else None
        n_owner = fn[3] if fn is not None else None
        if not same_owner:
            if old is not None:
                by_owner = _set_remove(by_owner, o_owner, name) if o_owner else by_owner
                orphans = orphans if o_owner else orphans.delete(name)
            if new is not None:
                by_owner = _set_add(by_owner, n_owner, name) if n_owner else by_owner
                orphans = orphans if n_owner else orphans.set(name, True)
        pod_services = self.pod_services
        o_svcs = pod_services.get(name, ()) if old is not None else ()
        n_svcs = o_svcs
        same_labels = both and (old.labels is new.labels or old.labels == new.labels)  # type: ignore[union-attr]
        if not same_labels:
            selected = []
            for svc_name, svc in self.services.items():
                sel = svc.label_selector
                if sel is None:
                    continue
                was = svc_name in o_svcs
                now = new is not None and sel.matches(new.labels)
                if now:
                    selected.append(svc_name)
                if was and not now:
                    members = _set_remove(members, svc_name, name)
                elif now and not was:
                    members = _set_add(members, svc_name, name)
            n_svcs = tuple(sorted(selected))
            if n_svcs != o_svcs:
                pod_services = pod_services.set(name, n_svcs) if n_svcs else pod_services.delete(name)
        o_use = o_node is not None and not fo[8]  # type: ignore[index]  (bound and not terminal)
        n_use = n_node is not None and not fn[8]  # type: ignore[index]
        if o_use != n_use or (o_use and (o_node != n_node or fo[4] != fn[4])):  # type: ignore[index]
            if o_use:
                u = usage[o_node]
                cpu, memory, nz_cpu, nz_memory = fo[4]  # type: ignore[index]
                req, nz = u.requested, u.nonzero_requested
                u = NodeUsage(Resources(req.cpu - cpu, req.memory - memory), u.pods - 1,
                              Resources(nz.cpu - nz_cpu, nz.memory - nz_memory))
                usage = usage.set(o_node, u) if u.pods else usage.delete(o_node)
            if n_use:
                u = usage.get(n_node, _NO_USAGE)
                cpu, memory, nz_cpu, nz_memory = fn[4]  # type: ignore[index]
                req, nz = u.requested, u.nonzero_requested
                usage = usage.set(n_node, NodeUsage(Resources(req.cpu + cpu, req.memory + memory), u.pods + 1,
                                                    Resources(nz.cpu + nz_cpu, nz.memory + nz_memory)))
        o_spread = o_use and o_owner is not None and fo[7]  # type: ignore[index]  (and not being deleted)
        n_spread = n_use and n_owner is not None and fn[7]  # type: ignore[index]
        if o_spread != n_spread or (o_spread and (o_owner != n_owner or o_node != n_node)):
            if o_spread:
                owner_counts = _count_add(owner_counts, o_owner, o_node, -1)  # type: ignore[arg-type]
            if n_spread:
                owner_counts = _count_add(owner_counts, n_owner, n_node, +1)  # type: ignore[arg-type]
        o_queued = o_node is None and fo is not None and fo[7] and not fo[8]
        n_queued = n_node is None and fn is not None and fn[7] and not fn[8]
        if n_queued:
            if not o_queued or old.creation_index != new.creation_index:  # type: ignore[union-attr]
                unscheduled = unscheduled.set(name, new.creation_index)  # type: ignore[union-attr]
        elif o_queued:
            unscheduled = unscheduled.delete(name)

        # ---- work queues ----
        o_term = fo is not None and fo[8]
        n_term = fn is not None and fn[8]
        terminal = self.terminal_pods
        if o_term != n_term:
            terminal = terminal.set(name, True) if n_term else terminal.delete(name)
        lost = self.lost_nodes
        if o_node != n_node:
            nodes = self.nodes
            if o_node is not None and o_node not in nodes:
                lost = _flag(lost, o_node, o_node in by_node)
            if n_node is not None and n_node not in nodes:
                lost = _flag(lost, n_node, True)
        same_deletion = both and old.deletion_timestamp == new.deletion_timestamp  # type: ignore[union-attr]
        dangling = self.dangling_pods
        if not (same_owner and same_deletion):
            dangling = _flag(dangling, name, new is not None and new.owner is not None and
                             new.deletion_timestamp is None and not self.owner_alive(new))
        kq, envq = self.kubelet_queue, self.environment_queue
        timers, times = self.timers, self.timer_times
        o_bound, n_bound = o_node is not None, n_node is not None
        if not (same_deletion and o_bound == n_bound and old.containers is new.containers):  # type: ignore
            facts = fn if n_bound else _UNBOUND_FACTS
            kq = _flag(kq, name, facts[0])  # type: ignore[index]
            envq = _flag(envq, name, facts[1])  # type: ignore[index]
            o_dl = fo[2] if o_bound else ()  # type: ignore[index]
            if o_dl != facts[2]:  # type: ignore[index]
                timers, times = _retime(timers, times, name, o_dl, facts[2], self.clock)  # type: ignore[index]
        elif n_bound and (old.phase != new.phase or old.ready != new.ready  # type: ignore[union-attr]
                          or old.ready_since != new.ready_since):  # type: ignore[union-attr]
            kq = _flag(kq, name, fn[0])  # type: ignore[index]
        counts, adopt, release, rq = self.claimed_counts, self.adoptable, self.releasable, self.replication_queue
        if self.controllers and (not (same_owner and same_labels) or fo[5] != fn[5]):  # type: ignore[index]
            counts, adopt, release, rq = self._reclaim(old, new, name, counts, adopt, release, rq)
        mismatches, eq = self.endpoint_mismatches, self.endpoints_queue
        if (o_svcs or n_svcs) and (not both or not same_labels or _endpoint_view_changed(old, new)):  # type: ignore
            services, stored = self.services, self.stored_endpoints
            for svc_name in (o_svcs if o_svcs is n_svcs else set(o_svcs).union(n_svcs)):
                if svc_name in n_svcs:
                    entries = _entries_of(services[svc_name])
                    entry = entries[1].get(id(new), _MISS)
                    if entry is _MISS:
                        entry = _new_entry(entries, new)
                else:
                    entry = None
                st = stored.get(svc_name)
                was_empty = svc_name not in mismatches
                mismatches = _flag_in(mismatches, svc_name, name, entry != (st[1].get(name) if st else None))
                if was_empty != (svc_name not in mismatches):
                    eq = _flag(eq, svc_name, st is None or not st[0] or svc_name in mismatches)
        c = _with_pod_indexes(self, pods, by_node, by_owner, orphans, members, usage, owner_counts, unscheduled,
                              terminal, lost, dangling, kq, envq, timers, times, counts, adopt, release, rq,
                              pod_services, mismatches, eq)
        _set_scheduler_index(c, _sched_index.on_pod(self.scheduler_index, c, old, new))
        return c

    def _reclaim(self, old: Pod | None, new: Pod | None, name: str, counts: immutables.Map,
                 adopt: immutables.Map, release: immutables.Map, rq: immutables.Map) -> tuple:
        """The claim index after a pod write: the pod's case for its owner's controller, and for every
        controller while it is an orphan (adoption candidates, SEMANTICS 36)."""
        controllers = self.controllers
        if (old is not None and old.owner is None) or (new is not None and new.owner is None):
            keys: Iterable[str] = controllers.keys()
        else:
            keys = {p.owner.key for p in (old, new) if p is not None}  # type: ignore[union-attr]
        claim_state, due = _claim_memo, replication_decisions.sync_due
        rd = replication_decisions
        unrelated, claimed, to_adopt = rd.UNRELATED, rd.CLAIMED, rd.TO_ADOPT
        for key in keys:
            ctl = controllers.get(key)
            if ctl is None:
                continue
            s_old = claim_state(ctl, old) if old is not None else unrelated
            s_new = claim_state(ctl, new) if new is not None else unrelated
            if s_old == s_new:
                continue
            for state, on in ((s_old, False), (s_new, True)):
                if state == claimed:
                    n = counts.get(key, 0) + (1 if on else -1)
                    counts = counts.set(key, n) if n else counts.delete(key)
                elif state == to_adopt:
                    adopt = _flag_in(adopt, key, name, on)
                elif state != unrelated:
                    release = _flag_in(release, key, name, on)
            rq = _flag(rq, key, due(ctl, counts.get(key, 0), len(adopt.get(key, EMPTY)),
                                    len(release.get(key, EMPTY))))
        return counts, adopt, release, rq

    def put_node(self, node: Node) -> "Cluster":
        old = self.nodes.get(node.name)
        c = _evolve(self, nodes=self.nodes.set(node.name, node),
                    not_ready_nodes=_flag(self.not_ready_nodes, node.name, not node.ready),
                    lost_nodes=_flag(self.lost_nodes, node.name, False))
        object.__setattr__(c, "scheduler_index", _sched_index.on_node(self.scheduler_index, c, old, node))
        return c

    def remove_node(self, name: str) -> "Cluster":
        old = self.nodes[name]
        c = _evolve(self, nodes=self.nodes.delete(name), not_ready_nodes=_flag(self.not_ready_nodes, name, False),
                    lost_nodes=_flag(self.lost_nodes, name, name in self.pods_by_node))
        object.__setattr__(c, "scheduler_index", _sched_index.on_node(self.scheduler_index, c, old, None))
        return c

    def put_service(self, service: Service) -> "Cluster":
        name = service.name
        old_members = self.service_members.get(name, EMPTY)
        members = self.service_members.delete(name) if name in self.service_members else self.service_members
        sel = service.label_selector
        inner = EMPTY
        if sel is not None:
            with inner.mutate() as m:
                for pod in self.pods.values():
                    if sel.matches(pod.labels):
                        m[pod.name] = True
                inner = m.finish()
            if len(inner):
                members = members.set(name, inner)
        pod_services = self.pod_services
        for pod_name in old_members:
            if pod_name not in inner:
                svcs = tuple(s for s in pod_services[pod_name] if s != name)
                pod_services = pod_services.set(pod_name, svcs) if svcs else pod_services.delete(pod_name)
        for pod_name in inner:
            if pod_name not in old_members:
                pod_services = pod_services.set(pod_name, tuple(sorted(pod_services.get(pod_name, ()) + (name,))))
        c = _evolve(self, services=self.services.set(name, service), service_members=members,
                    pod_services=pod_services, unmanaged_services=_flag(self.unmanaged_services, name, sel is None))
        c = c._resync_endpoints_index(name)
        object.__setattr__(c, "scheduler_index", _sched_index.on_service(self.scheduler_index, c))
        return c

    def remove_service(self, name: str) -> "Cluster":
        members = self.service_members.delete(name) if name in self.service_members else self.service_members
        pod_services = self.pod_services
        for pod_name in self.service_members.get(name, EMPTY):
            svcs = tuple(s for s in pod_services[pod_name] if s != name)
            pod_services = pod_services.set(pod_name, svcs) if svcs else pod_services.delete(pod_name)
        endpoints = self.endpoints.delete(name) if name in self.endpoints else self.endpoints
        c = _evolve(self, services=self.services.delete(name), service_members=members, endpoints=endpoints,
                    pod_services=pod_services, unmanaged_services=_flag(self.unmanaged_services, name, False))
        c = c._resync_endpoints_index(name)
        object.__setattr__(c, "scheduler_index", _sched_index.on_service(self.scheduler_index, c))
        return c

    def put_controller(self, controller: Controller) -> "Cluster":
        key = controller.key
        old = self.controllers.get(key)
        c = _evolve(self, controllers=self.controllers.set(key, controller))
        if old is None or old.uid != controller.uid or old.label_selector != controller.label_selector:
            return c._resync_controller_index(key)
        if old.replicas != controller.replicas:
            due = replication_decisions.sync_due(controller, c.claimed_counts.get(key, 0),
                                                 len(c.adoptable.get(key, EMPTY)), len(c.releasable.get(key, EMPTY)))
            object.__setattr__(c, "replication_queue", _flag(c.replication_queue, key, due))
        return c

    def remove_controller(self, key: str) -> "Cluster":
        c = _evolve(self, controllers=self.controllers.delete(key))
        return c._resync_controller_index(key)

    def put_endpoints(self, endpoints: Endpoints) -> "Cluster":
        c = _evolve(self, endpoints=self.endpoints.set(endpoints.service, endpoints))
        return c._resync_endpoints_index(endpoints.service)

    def remove_endpoints(self, service: str) -> "Cluster":
        """Delete the Endpoints stored for a Service key (absent ones are already gone)."""
        if service not in self.endpoints:
            return self
        c = _evolve(self, endpoints=self.endpoints.delete(service))
        return c._resync_endpoints_index(service)

    # ---- whole-object index updates (a write of a Service, Endpoints or controller) -------------------------
    def _resync_endpoints_index(self, name: str) -> "Cluster":
        """Recompute the endpoints indexes of one Service key: O(its selected and stored pods)."""
        stored_eps = self.stored_endpoints
        stored = self.endpoints.get(name)
        entry = _stored_entry(stored) if stored is not None else None
        stored_eps = stored_eps.set(name, entry) if entry is not None else \
            (stored_eps.delete(name) if name in stored_eps else stored_eps)
        mismatches = self.endpoint_mismatches
        found = _mismatches_of(self, name, entry)
        if found:
            mismatches = mismatches.set(name, immutables.Map(dict.fromkeys(found, True)))
        elif name in mismatches:
            mismatches = mismatches.delete(name)
        due = _endpoints_due(self.services.get(name), stored is not None, entry, bool(found))
        return _evolve(self, stored_endpoints=stored_eps, endpoint_mismatches=mismatches,
                       endpoints_queue=_flag(self.endpoints_queue, name, due))

    def _resync_controller_index(self, key: str) -> "Cluster":
        """Recompute one controller key's claim index, and the dangling owners of its pods: O(its pods and the
        orphans), on a create, delete or a change of uid or selector only."""
        ctl = self.controllers.get(key)
        counts, adopt, release, rq = self.claimed_counts, self.adoptable, self.releasable, self.replication_queue
        dangling = self.dangling_pods
        owned = self.pods_by_owner.get(key, EMPTY)
        for pod_name in owned:
            pod = self.pods[pod_name]
            dangling = _flag(dangling, pod_name, pod.deletion_timestamp is None and
                             (ctl is None or ctl.uid != pod.owner.uid))  # type: ignore[union-attr]
        n, to_adopt, to_release = _claims_of(self, ctl) if ctl is not None else (0, [], [])
        counts = counts.set(key, n) if n else (counts.delete(key) if key in counts else counts)
        adopt = _set_to(adopt, key, to_adopt)
        release = _set_to(release, key, to_release)
        due = ctl is not None and replication_decisions.sync_due(ctl, n, len(to_adopt), len(to_release))
        return _evolve(self, claimed_counts=counts, adoptable=adopt, releasable=release,
                       replication_queue=_flag(rq, key, due), dangling_pods=dangling)

    # ---- index checking -------------------------------------------------------------------------------------
    def derived(self) -> dict[str, object]:
        """Every derived index except the scheduler's, recomputed from the objects (and the clock) with plain
        loops: the oracle of the structure rules, and what `rebuilt` installs."""
        return {name: _freeze(name, plain) for name, plain in _derive(self).items()}

    def rebuilt(self) -> "Cluster":
        """The same objects with every index recomputed from scratch (the oracle for the structure rules)."""
        c = Cluster.empty(self.config)
        c = _evolve(c, clock=self.clock, next_uid=self.next_uid, nodes=self.nodes, pods=self.pods,
                    services=self.services, controllers=self.controllers, endpoints=self.endpoints,
                    objects=self.objects, **self.derived())
        object.__setattr__(c, "scheduler_index", _sched_index.build(c))
        return c

    def index_mismatches(self) -> list[str]:
        """Names of the indexes that differ from their recomputation (empty when all are exact). Every index is
        recomputed from scratch (`_recompute`) and compared with it (`_index_mismatches`); the scheduler index
        with the index `build` makes from the recomputed ones (`index.equivalent_to_build`)."""
        plain = _recompute(self)
        out = _index_mismatches(self, plain)
        # the scheduler index is built from the others: from the recomputed ones
        base = self if not out else _evolve(self, **{n: _freeze(n, v) for n, v in zip(DERIVED_INDEXES, plain)})
        if not _sched_index.equivalent_to_build(self.scheduler_index, base):
            out.append("scheduler_index")
        return out


_NO_USAGE = NodeUsage()
_UNBOUND_FACTS = (False, False, ())  # what the kubelet queues hold of a pod no node holds


def _set_to(m: immutables.Map, key: str, items: list) -> immutables.Map:
    if items:
        return m.set(key, immutables.Map(dict.fromkeys(items, True)))
    return m.delete(key) if key in m else m


def _stored_entry(endpoints: Endpoints) -> tuple[bool, immutables.Map]:
    canonical, entries = endpoint_decisions.stored_entries(endpoints)
    return canonical, immutables.Map(entries)


def _mismatches_of(cluster: Cluster, name: str, stored: tuple | None) -> list[str]:
    """Pods whose desired entry for the managed Service `name` differs from its stored entry."""
    svc = cluster.services.get(name)
    if svc is None or svc.selector is None:
        return []
    entries = stored[1] if stored is not None else EMPTY
    members = cluster.service_members.get(name, EMPTY)
    entry_of, pods = _entry_memo, cluster.pods
    out = [p for p in members if entry_of(pods[p], svc) != entries.get(p)]
    out.extend(p for p in entries if p not in members)
    return out


def _claims_of(cluster: Cluster, ctl: Controller, owned=None, orphans=None, claim_state=None
               ) -> tuple[int, list[str], list[str]]:
    """One controller's claim (`replication.claim_state` over its owner key's pods and the orphans; by default
    from the cluster's owner and orphan indexes)."""
    claim_state = claim_state or replication_decisions.claim_state
    n, adopt, release = 0, [], []
    if owned is None:
        owned, orphans = cluster.pods_by_owner.get(ctl.key, EMPTY), cluster.orphans
    for names in (owned, orphans):
        for pod_name in names:
            state = claim_state(ctl, cluster.pods[pod_name])
            if state == replication_decisions.CLAIMED:
                n += 1
            elif state == replication_decisions.TO_ADOPT:
                adopt.append(pod_name)
            elif state == replication_decisions.TO_RELEASE:
                release.append(pod_name)
    return n, adopt, release


def _fset(names: Iterable[str]) -> immutables.Map:
    return immutables.Map(dict.fromkeys(names, True))


def _nested(d: dict) -> immutables.Map:
    return immutables.Map({k: immutables.Map(v) for k, v in d.items()})


# Every write of the model goes through here: a copy without `__init__` (Cluster has no converters or
# validators, so its fields are already valid).
_evolve = compile_replace(Cluster)

_POD_WRITE_FIELDS = ("pods", "pods_by_node", "pods_by_owner", "orphans", "service_members", "node_usage",
                     "owner_node_counts", "unscheduled", "terminal_pods", "lost_nodes", "dangling_pods",
                     "kubelet_queue", "environment_queue", "timers", "timer_times", "claimed_counts", "adoptable",
                     "releasable", "replication_queue", "pod_services", "endpoint_mismatches", "endpoints_queue")


def _compile_with_pod_indexes():
    """`attrs.evolve(cluster, pods=..., <the pod indexes>=...)` as straight-line slot writes: the fields are
    already valid (Cluster has no converters or validators), and a bind is the model's most frequent write."""
    names = [a.name for a in attrs.fields(Cluster)]
    env = {"_new": object.__new__, "Cluster": Cluster}
    lines = [f"def _with_pod_indexes(c, {', '.join(_POD_WRITE_FIELDS)}):", "    n = _new(Cluster)"]
    for i, field in enumerate(names):
        env[f"_set{i}"] = Cluster.__dict__[field].__set__
        lines.append(f"    _set{i}(n, {field if field in _POD_WRITE_FIELDS else 'c.' + field})")
    lines.append("    return n")
    exec("\n".join(lines), env)  # noqa: S102 - generated from the attrs field list above
    return env["_with_pod_indexes"]


_with_pod_indexes = _compile_with_pod_indexes()
_set_scheduler_index = Cluster.__dict__["scheduler_index"].__set__  # the slot write `object.__setattr__` does
