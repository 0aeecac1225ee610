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
one shared object per pod value (`shared_pod`), so that equal pods written in different states are the same
object and everything remembered by object identity (here and in the engines) answers for all of them.
"""

from __future__ import annotations

import bisect
import operator
from itertools import compress
from operator import add as _add
from operator import eq as _eq
from operator import is_ as _is
from operator import not_ as _not
from typing import Iterable, Iterator

import attrs
import immutables

from kmodel.decisions import endpoints as endpoint_decisions
from kmodel.decisions import kubelet as kubelet_decisions
from kmodel.decisions import replication as replication_decisions
from kmodel.memo import Memo
from kmodel.objects import FAILED as _FAILED
from kmodel.objects import SUCCEEDED as _SUCCEEDED
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
from kmodel.scheduler import index as _sched_index
from kmodel.usage import (  # noqa: F401 - re-exported: the state's usage index holds these values
    DEFAULT_MEMORY_REQUEST,
    DEFAULT_MILLI_CPU_REQUEST,
    NodeUsage,
    nonzero_requests,
    pod_requests,
    usage_of,
)

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


# The derived indexes, each a function of the objects (and, for `timers`, of the clock). `index_mismatches`
# compares each with its recomputation.
DERIVED_INDEXES = (
    "pods_by_node", "pods_by_owner", "orphans", "service_members", "node_usage", "owner_node_counts",
    "unscheduled", "not_ready_nodes", "lost_nodes", "terminal_pods", "dangling_pods", "kubelet_queue",
    "environment_queue", "timers", "timer_times", "claimed_counts", "adoptable", "releasable",
    "replication_queue", "pod_services", "unmanaged_services", "stored_endpoints", "endpoint_mismatches",
    "endpoints_queue",
)


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
        raise InvalidObject(type(obj).__name__, "kind", "not a modelled object")

    def fresh_uid(self) -> tuple["Cluster", str]:
        """A new uid from the counter (uids are ordered, so `uid` also orders creation)."""
        return _evolve(self, next_uid=self.next_uid + 1), f"uid-{self.next_uid:06d}"

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
                    services=self.services, controllers=self.controllers, endpoints=self.endpoints, **self.derived())
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


# One shared object per pod value written (hash-consing). Engines write equal pods over and over in different
# states: the explorer's settle runs replace a crashed node's pods with pods of the same name, uid and status from
# many explored states, and each such pod then goes through the same binds, starts and hooks. Storing the first
# object written for a value, instead of each equal copy, lets everything remembered by object identity (the work
# queue facts and Endpoints entries here, the kubelet's remembered writes, the explorer's fingerprints) answer
# for all of them. Exact: the stored pod equals the pod written (attrs equality over every Pod field; no field is
# left out of it), so every reader sees the value that was written. `_SHARED_IDS` answers a pod that is already
# the shared object without hashing it. Bounded: both are cleared when full.
_SHARED_LIMIT = 16_384
_SHARED = Memo("shared-pods", _SHARED_LIMIT)
_SHARED_IDS = Memo("shared-pod-ids", _SHARED_LIMIT)


def shared_pod(pod: Pod) -> Pod:
    """The shared object equal to `pod` (see `_SHARED`)."""
    if _SHARED_IDS.get(id(pod)) is pod:
        return pod
    found = _SHARED.get(pod)
    if found is None:
        if len(_SHARED) >= _SHARED_LIMIT:
            _SHARED.clear()
            _SHARED_IDS.clear()
        _SHARED[pod] = found = pod
        _SHARED_IDS[id(pod)] = pod
    return found


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


def _endpoints_due(svc: Service | None, has_stored: bool, stored: tuple | None, mismatched: bool) -> bool:
    """`endpoints.is_stale` from the indexes: Endpoints of a deleted Service are deleted; an unmanaged Service
    is never written (SEMANTICS 26); a managed one is written unless its stored Endpoints are canonical and
    every entry matches."""
    if svc is None:
        return has_stored
    if svc.selector is None:
        return False
    return stored is None or not stored[0] or mismatched


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


# Memos of the decisions the indexes are made of, by object identity (`kmodel.memo`). Pods, Services, controllers
# and Endpoints are immutable values shared between successive states, so the oracle's recomputation of a state
# only evaluates the decisions for the objects its last writes made, and an Endpoints sync, the index update that
# follows it and the pod write before it share their answers. Exact: an answer is a pure function of the
# object(s) and of the model's code (a decision swapped with `kmodel.memo.swapped` clears every memo), and a memo
# keeps every object it answers for, so no identity in it can be reused by another object while it is there: an
# answer found by an object's identity is that object's. As for the indexes themselves, a cluster built before a
# swap keeps the indexes it was built with. Bounded: a memo (or one object's table) is cleared when full.
_TABLE_LIMIT = 8_192
_MISS = object()  # not in a table (some answers are None)


def _remember(answers: dict, kept: list, obj, value):
    """Add the answer for `obj` to one object's table (`answers`, `kept`), clearing it first when full."""
    if len(answers) >= _TABLE_LIMIT:
        answers.clear()
        kept.clear()
    answers[id(obj)] = value
    kept.append(obj)
    return value


# `_pod_facts` per pod object (the memo keeps the pod).
_FACTS = Memo("pod-facts", _TABLE_LIMIT, keep=True)


def _pod_facts(pod: Pod) -> tuple:
    """What the write path and the recomputation read of one pod, remembered per pod object (`_FACTS`):
    (`kubelet.has_work`, `kubelet.needs_environment`, `kubelet.pod_deadlines`, the owner key or None, `usage_of`,
    `replication.is_active`, node name, not being deleted, terminal, the owner uid or None, creation index,
    labels, (cpu, memory, 1, non-zero cpu, non-zero memory): what the pod adds to its node's `NodeUsage`)."""
    facts = _FACTS.get(id(pod))
    return _new_facts(pod) if facts is None else facts


def _new_facts(pod: Pod) -> tuple:
    kd = kubelet_decisions
    owner = pod.owner
    use = usage_of(pod)
    value = (kd.has_work(pod), kd.needs_environment(pod), kd.pod_deadlines(pod), None if owner is None else owner.key,
             use, replication_decisions.is_active(pod), pod.node_name, pod.deletion_timestamp is None,
             pod.phase in _TERMINAL_PHASES, None if owner is None else owner.uid, pod.creation_index, pod.labels,
             (use[0], use[1], 1, use[2], use[3]))
    shared = _FACT_VALUES.get(value)
    if shared is None:
        shared = _FACT_VALUES.remember(value, value)
    return _FACTS.remember(id(pod), shared, pod)


# Equal facts are one object (hash-consing, as `shared_pod` does for pods): a pod whose write changed nothing the
# indexes read (a restart count, a deletion cost) has the very facts object of the pod it replaced, so the pod fold
# of `_recompute` can be remembered by the identity of its pods' facts (`_FOLDS`). Exact: a shared facts object
# equals the facts computed. Bounded: cleared when full (pods already holding a facts object keep it).
_FACT_VALUES = Memo("pod-fact-values", _TABLE_LIMIT)


# Two-object decisions, one table per first object: id(first object) -> [first object, answers by id(second
# object), kept second objects, ...]. One dict lookup per pair, without a key tuple.
_PAIR_OUTER_LIMIT = 256
_ENTRIES = Memo("endpoint-entries", _PAIR_OUTER_LIMIT)  # id(service) -> [service, {id(pod): entry}, kept pods]
# id(controller) -> [controller, {id(pod): claim state}, kept pods, {(n, adopt, release): due}]
_CLAIMS = Memo("claims", _PAIR_OUTER_LIMIT)
_NONE: dict = {}  # an empty recomputed index (read-only, shared)


def _entries_of(svc: Service) -> list:
    """The `_ENTRIES` table of a Service: `endpoints.endpoint_entry` per pod."""
    table = _ENTRIES.get(id(svc))
    if table is not None and table[0] is svc:
        return table
    return _ENTRIES.remember(id(svc), [svc, {}, []])


def _new_entry(table: list, pod: Pod):
    return _remember(table[1], table[2], pod, endpoint_decisions.endpoint_entry(pod, table[0]))


def _entry_memo(pod: Pod, svc: Service):
    """`endpoints.endpoint_entry(pod, svc)`, remembered."""
    table = _entries_of(svc)
    entry = table[1].get(id(pod), _MISS)
    return _new_entry(table, pod) if entry is _MISS else entry


def remembered_entry(pod: Pod, service: Service):
    """`endpoints.endpoint_entry(pod, service)`, remembered per pair of objects (see `_ENTRIES`)."""
    return _entry_memo(pod, service)


def _claims_of_controller(ctl: Controller) -> list:
    """The `_CLAIMS` table of a controller: `claim_state` per pod, and `sync_due` per claim count (a function of
    the controller and three counts)."""
    table = _CLAIMS.get(id(ctl))
    if table is not None and table[0] is ctl:
        return table
    return _CLAIMS.remember(id(ctl), [ctl, {}, [], {}])


def _new_claim(table: list, pod: Pod) -> int:
    return _remember(table[1], table[2], pod, replication_decisions.claim_state(table[0], pod))


def _due_memo(table: list, n: int, to_adopt: int, to_release: int) -> bool:
    """`replication.sync_due(ctl, n, to_adopt, to_release)`, remembered in the controller's `_CLAIMS` table."""
    dues = table[3]
    key = (n, to_adopt, to_release)
    due = dues.get(key)
    if due is None:
        if len(dues) >= _TABLE_LIMIT:
            dues.clear()
        due = dues[key] = replication_decisions.sync_due(table[0], n, to_adopt, to_release)
    return due


def _claim_memo(ctl: Controller, pod: Pod) -> int:
    """`replication.claim_state(ctl, pod)`, remembered."""
    table = _claims_of_controller(ctl)
    state = table[1].get(id(pod))
    return _new_claim(table, pod) if state is None else state


# What the recomputation reads of the Services map, remembered by its identity (writes that change no Service
# keep the same map): the managed Services' selectors in name order, the unmanaged Services (SEMANTICS 26), and
# per labels object (pods of one template share theirs) the names of the Services whose selector matches it.
# Exact: each is a function of the map's Services and, for the matches, of the labels; the map and the labels
# objects are kept. The dicts are shared by the recomputations that read them and never written once built.
_SELECTIONS_LIMIT = 64
# id(services) -> (services, selectors, unmanaged, {id(labels): names}, kept labels)
_SELECTIONS = Memo("service-selections", _SELECTIONS_LIMIT)


def _selections_of(services: immutables.Map) -> tuple:
    hit = _SELECTIONS.get(id(services))
    if hit is not None and hit[0] is services:
        return hit
    selectors = tuple(sorted((name, svc.label_selector) for name, svc in services.items() if svc.selector is not None))
    unmanaged = {n: True for n, svc in services.items() if svc.selector is None}
    return _SELECTIONS.remember(id(services), (services, selectors, unmanaged, {}, []))


def _new_selection(memo: tuple, labels) -> tuple[str, ...]:
    """The names of the Services (of `memo`) whose selector matches `labels`, in name order."""
    return _remember(memo[3], memo[4], labels, tuple(name for name, sel in memo[1] if sel.matches(labels)))


# The not-ready nodes, remembered by the identity of the nodes map (a function of its Node objects).
_NODE_SETS = Memo("not-ready-nodes", _SELECTIONS_LIMIT)  # id(nodes) -> (nodes, {name: True} of the nodes not Ready)


def _not_ready_of(nodes: immutables.Map) -> dict:
    hit = _NODE_SETS.get(id(nodes))
    if hit is not None and hit[0] is nodes:
        return hit[1]
    value = {n: True for n, node in nodes.items() if not node.ready}
    _NODE_SETS.remember(id(nodes), (nodes, value))
    return value


# The pod fold of `_recompute`: every index that is a function of the pods' facts (`_pod_facts`), the clock, the
# controllers (a live owned pod dangles unless its owner's uid is there) and the Services' selections, remembered
# by the identity of those inputs: the pod names in map order, each pod's facts object (equal facts are one object,
# `_FACT_VALUES`), the clock, the controllers map and the selections entry. Exact: the fold reads nothing else, and
# an entry keeps its inputs alive, so no id in its key is reused while it is remembered. Many states share their
# pods' facts and differ elsewhere (container statuses no queue decision reads, the Endpoints, the nodes): the
# 1,031 states of the explorer's benchmark have 81 distinct folds. The result's dicts are shared and read-only.
# Bounded: cleared when full.
_FOLDS = Memo("pod-folds", 4_096)  # key -> (facts list, controllers, selections, the fold)


def _pod_fold(pods: immutables.Map, clock: int, controllers: immutables.Map, selections: tuple) -> tuple:
    """(pods_by_node, pods_by_owner, orphans, service_members, node_usage, owner_node_counts, unscheduled,
    terminal_pods, dangling_pods, kubelet_queue, environment_queue, timers, pod_services) as plain dicts."""
    facts_list = list(map(_FACTS.get, map(id, pods.values())))
    if None in facts_list:
        facts_list = [facts or _new_facts(pod) for facts, pod in zip(facts_list, pods.values())]
    names = tuple(pods.keys())
    key = (names, tuple(map(id, facts_list)), clock, id(controllers), id(selections))
    hit = _FOLDS.get(key)
    if hit is not None:
        return hit[3]
    fold = _fold_pods(names, facts_list, clock, controllers, selections)
    _FOLDS.remember(key, (facts_list, controllers, selections, fold))
    return fold


def _fold_pods(names: tuple, facts_list: list, clock: int, controllers: immutables.Map, selections: tuple) -> tuple:
    """`_pod_fold`, computed: one pass over the pods' facts."""
    by_node: dict = {}
    by_owner: dict = {}
    orphans: dict = {}
    usage: dict = {}
    owner_counts: dict = {}
    unscheduled: dict = {}
    terminal: dict = {}
    dangling: dict = {}
    kq: dict = {}
    envq: dict = {}
    timers: dict = {}
    members: dict = {}
    pod_services: dict = {}
    selectors, selected_get = selections[1], selections[3].get
    for name, facts in zip(names, facts_list):
        work, env, deadlines, owner_key, _, _, node, live, is_terminal, owner_uid, created, labels, use = facts
        if owner_key is None:
            orphans[name] = True
        else:
            owned = by_owner.get(owner_key)
            if owned is None:
                by_owner[owner_key] = {name: True}
            else:
                owned[name] = True
            if live:
                ctl = controllers.get(owner_key)
                if ctl is None or ctl.uid != owner_uid:
                    dangling[name] = True
        if is_terminal:
            terminal[name] = True
        if node is None:
            if live and not is_terminal:
                unscheduled[name] = created
        else:
            on_node = by_node.get(node)
            if on_node is None:
                by_node[node] = {name: True}
            else:
                on_node[name] = True
            if not is_terminal:
                u = usage.get(node)
                usage[node] = use if u is None else tuple(map(_add, u, use))
                if live and owner_key is not None:
                    per_node = owner_counts.get(owner_key)
                    if per_node is None:
                        owner_counts[owner_key] = {node: 1}
                    else:
                        per_node[node] = per_node.get(node, 0) + 1
            if work:
                kq[name] = True
            if env:
                envq[name] = True
            for t in deadlines:
                if t > clock:
                    at = timers.get(t)
                    if at is None:
                        timers[t] = {name: True}
                    else:
                        at[name] = True
        if selectors:
            selected = selected_get(id(labels))
            if selected is None:
                selected = _new_selection(selections, labels)
            if selected:
                pod_services[name] = selected
                for svc_name in selected:
                    inner = members.get(svc_name)
                    if inner is None:
                        members[svc_name] = {name: True}
                    else:
                        inner[name] = True
    return (by_node, by_owner, orphans, members, usage, owner_counts, unscheduled, terminal, dangling, kq, envq,
            timers, pod_services)


def _recompute(cluster: Cluster) -> tuple:
    """Every index of `DERIVED_INDEXES`, in that order, recomputed from the objects with plain dicts and tuples
    (see `Cluster.derived`, which freezes them, and `index_mismatches`, which compares them as they are): one
    pass over the pods' facts (`_pod_fold`), then the controllers' claims and the Services' endpoints. Nothing is
    carried over from the Cluster's own indexes; what is remembered is per object (the decisions of `_pod_facts`,
    `_CLAIMS`, `_ENTRIES`, `_SELECTIONS`, `_NODE_SETS`) or per identical inputs (`_FOLDS`), so the recomputation
    of a state costs O(objects) plain dict writes and evaluates decisions only for objects no earlier
    recomputation or write has seen. The result's dicts are read-only (some are shared with other
    recomputations)."""
    pods, nodes, services, controllers = cluster.pods, cluster.nodes, cluster.services, cluster.controllers
    clock = cluster.clock
    selections = _selections_of(services)
    (by_node, by_owner, orphans, members, usage, owner_counts, unscheduled, terminal, dangling, kq, envq, timers,
     pod_services) = _pod_fold(pods, clock, controllers, selections)
    # replication claims (SEMANTICS 29.2, 36): each controller's owned pods and the orphans
    counts: dict = {}
    adopt: dict = {}
    release: dict = {}
    rq: dict = {}
    if controllers:
        claimed_state, adopt_state = replication_decisions.CLAIMED, replication_decisions.TO_ADOPT
        release_state = replication_decisions.TO_RELEASE
        for key, ctl in controllers.items():
            memo = _claims_of_controller(ctl)
            states_get = memo[1].get
            n = 0
            to_adopt: dict = {}
            to_release: dict = {}
            for names in (by_owner.get(key, ()), orphans):
                for pod_name in names:
                    pod = pods[pod_name]
                    state = states_get(id(pod))
                    if state is None:
                        state = _new_claim(memo, pod)
                    if state == claimed_state:
                        n += 1
                    elif state == adopt_state:
                        to_adopt[pod_name] = True
                    elif state == release_state:
                        to_release[pod_name] = True
            if n:
                counts[key] = n
            if to_adopt:
                adopt[key] = to_adopt
            if to_release:
                release[key] = to_release
            due = memo[3].get((n, len(to_adopt), len(to_release)))
            if due is None:
                due = _due_memo(memo, n, len(to_adopt), len(to_release))
            if due:
                rq[key] = True
    # endpoints (SEMANTICS 26, 39, 40, 43)
    stored_eps: dict = {}
    mismatches: dict = {}
    eq: dict = {}
    endpoints = cluster.endpoints
    for name in (services.keys() if not endpoints else set(services.keys()).union(endpoints.keys())):
        svc = services.get(name)
        stored = endpoints.get(name)
        if stored is None:
            entry = None
        else:
            entry = stored_eps[name] = _stored_entry_memo(stored)
        found = _mismatches_of_plain(pods, svc, entry, members.get(name)) if svc is not None and \
            svc.selector is not None else None
        if found:
            mismatches[name] = dict.fromkeys(found, True)
        if _endpoints_due(svc, stored is not None, entry, bool(found)):
            eq[name] = True
    lost = {n: True for n in by_node if n not in nodes} if not all(map(nodes.__contains__, by_node)) else _NONE
    return (by_node, by_owner, orphans, members, usage, owner_counts, unscheduled, _not_ready_of(nodes), lost,
            terminal, dangling, kq, envq, timers, tuple(sorted(timers)) if timers else (), counts, adopt, release,
            rq, pod_services, selections[2], stored_eps, mismatches, eq)


def _derive(cluster: Cluster) -> dict[str, object]:
    """`_recompute` by index name."""
    return dict(zip(DERIVED_INDEXES, _recompute(cluster)))


def _usage_value(u: tuple) -> NodeUsage:
    return NodeUsage(Resources(u[0], u[1]), u[2], Resources(u[3], u[4]))


def _usage_same(value: NodeUsage, u: tuple) -> bool:
    req, nz = value.requested, value.nonzero_requested
    return req.cpu == u[0] and req.memory == u[1] and value.pods == u[2] and nz.cpu == u[3] and nz.memory == u[4]


def _freeze(name: str, plain):
    """An index of `_recompute` as the Cluster holds it."""
    if name == "timer_times":
        return plain
    if name == "node_usage":
        return immutables.Map({node: _usage_value(u) for node, u in plain.items()})
    if name == "stored_endpoints":
        return immutables.Map({k: (canonical, immutables.Map(entries)) for k, (canonical, entries) in plain.items()})
    if name in _NESTED:
        return immutables.Map({k: immutables.Map(v) for k, v in plain.items()})
    return immutables.Map(plain)


def _same_set(value: immutables.Map | None, plain: dict) -> bool:
    """A set-valued map (every value True) has exactly the keys of `plain`."""
    return value is not None and len(value) == len(plain) and all(map(value.__contains__, plain))


def _same_map(value: immutables.Map | None, plain: dict) -> bool:
    """A map equals a dict whose values are never None (every index's)."""
    if value is None or len(value) != len(plain):
        return False
    get = value.get
    for k, v in plain.items():
        if get(k) != v:
            return False
    return True


def _same_nested(inner_same):
    def same(value: immutables.Map, plain: dict) -> bool:
        if len(value) != len(plain):
            return False
        get = value.get
        for k, inner in plain.items():
            if not inner_same(get(k), inner):
                return False
        return True
    return same


def _same_usage(value: immutables.Map, plain: dict) -> bool:
    if len(value) != len(plain):
        return False
    get = value.get
    for k, u in plain.items():
        v = get(k)
        if v is None or not _usage_same(v, u):
            return False
    return True


def _same_stored(value: immutables.Map, plain: dict) -> bool:
    if len(value) != len(plain):
        return False
    get = value.get
    for k, (canonical, entries) in plain.items():
        v = get(k)
        if v is None or v[0] != canonical or not _same_map(v[1], entries):
            return False
    return True


# How each index is compared with its recomputation (`_recompute`'s plain form), without freezing it first.
_SET_INDEXES = ("orphans", "not_ready_nodes", "lost_nodes", "terminal_pods", "dangling_pods", "kubelet_queue",
                "environment_queue", "replication_queue", "unmanaged_services", "endpoints_queue")
_NESTED = frozenset(("pods_by_node", "pods_by_owner", "service_members", "owner_node_counts", "timers",
                     "adoptable", "releasable", "endpoint_mismatches"))
_COMPARE = {
    **{name: _same_set for name in _SET_INDEXES},
    **{name: _same_nested(_same_set) for name in _NESTED if name != "owner_node_counts"},
    "owner_node_counts": _same_nested(_same_map),
    "unscheduled": _same_map, "claimed_counts": _same_map, "pod_services": _same_map,
    "node_usage": _same_usage, "stored_endpoints": _same_stored,
    "timer_times": lambda value, plain: value == plain,
}

# Indexes found equal to a recomputation, by identity: index name -> {id(index value): (value, recomputation)}.
# Successive states share every index their last write did not touch, so most indexes of a state were already
# compared, as the very same object, with the recomputation of an earlier state. If that earlier recomputation
# equals this state's (plain `==` of dicts and tuples, done in C), the index equals this state's recomputation
# too: each comparison of `_COMPARE` reads only the value of the recomputation, so it gives the same answer for
# equal recomputations. Every index is still compared with its recomputation from scratch; only the second walk
# over an index already known equal to an equal recomputation is saved. An entry keeps the index value (its
# identity is not reused while remembered, so an entry found by `id(value)` is this value's, and comparing the
# entry with `(value, recomputation)` by `==` compares the recomputations). Empty indexes found empty are
# remembered too. Bounded: cleared when full.
_VERIFIED_LIMIT = 4_096
_VERIFIED: dict[str, Memo] = {name: Memo(f"verified-{name}", _VERIFIED_LIMIT) for name in DERIVED_INDEXES}

# Per index of `DERIVED_INDEXES`, in order: (name, comparison, its `_VERIFIED` dict, whether it is a map). An
# empty recomputation of a map index is answered without a comparison call: every comparison of `_COMPARE` holds
# for an empty dict exactly when the index is an empty map (a None index is reported, not raised on).
_CHECKS = tuple((name, _COMPARE[name], _VERIFIED[name], name != "timer_times") for name in DERIVED_INDEXES)
_KNOWN = tuple(_VERIFIED[name] for name in DERIVED_INDEXES)
_POSITIONS = range(len(DERIVED_INDEXES))
_INDEX_VALUES = operator.attrgetter(*DERIVED_INDEXES)
_dict_get = dict.get


def _index_mismatches(cluster: Cluster, plain: tuple) -> list[str]:
    """The names of the indexes of `DERIVED_INDEXES` that differ from `plain` (`_recompute(cluster)`).

    First, for every index at once and in C (`map`), whether `_VERIFIED` holds the pair (this very index object,
    a recomputation equal to this one); only the others are compared, and remembered when exact."""
    values = _INDEX_VALUES(cluster)
    remembered = list(map(_eq, map(_dict_get, _KNOWN, map(id, values)), zip(values, plain)))
    if all(remembered):
        return []
    out = []
    for i in compress(_POSITIONS, map(_not, remembered)):
        name, same, known, is_map = _CHECKS[i]
        value, p = values[i], plain[i]
        if is_map and not p:
            exact = value is not None and len(value) == 0
        else:
            exact = same(value, p)
        if not exact:
            out.append(name)
            continue
        if len(known) >= _VERIFIED_LIMIT:
            known.clear()
        known[id(value)] = (value, p)
    return out


_STORED = Memo("stored-entries", _TABLE_LIMIT)  # id(endpoints) -> (endpoints, its answer)


def _stored_entry_memo(endpoints: Endpoints) -> tuple[bool, dict]:
    """`endpoints.stored_entries`, remembered per Endpoints object."""
    hit = _STORED.get(id(endpoints))
    if hit is not None and hit[0] is endpoints:
        return hit[1]
    value = endpoint_decisions.stored_entries(endpoints)
    _STORED.remember(id(endpoints), (endpoints, value))
    return value


# Whether a stored Endpoints entry equals a desired one, by the identity of the stored entry: (stored, desired,
# equal). Both are immutable (a flag and a frozen EndpointAddress), so equality is a function of the two objects;
# the stored entries of one Endpoints object meet the same desired entries state after state (attrs' `==` of
# EndpointAddress runs in Python). Bounded: cleared when full.
_SAME_ENTRY = Memo("same-entry", _TABLE_LIMIT)


def _same_entry(stored: tuple, entry) -> tuple:
    return _SAME_ENTRY.remember(id(stored), (stored, entry, entry == stored))


def _mismatches_of_plain(pods: immutables.Map, svc: Service, stored: tuple | None, selected: dict | None
                         ) -> list[str]:
    """`_mismatches_of` for the recomputation: `selected` are the managed Service's pods (None: none). A stored
    entry is never None, so when every stored pod was met among the selected ones no stored pod is left over."""
    entries = stored[1] if stored is not None else _NONE
    out = []
    if selected:
        memo = _entries_of(svc)
        entries_get, known, same_get = entries.get, memo[1].get, _SAME_ENTRY.get
        listed = 0
        for p in selected:
            pod = pods[p]
            entry = known(id(pod), _MISS)
            if entry is _MISS:
                entry = _new_entry(memo, pod)
            st = entries_get(p)
            if st is None:
                if entry is not None:
                    out.append(p)
                continue
            listed += 1
            if entry is not st:
                same = same_get(id(st))
                if same is None or same[0] is not st or same[1] is not entry:
                    same = _same_entry(st, entry)
                if not same[2]:
                    out.append(p)
        if listed != len(entries):
            out.extend(p for p in entries if p not in selected)
    else:
        out.extend(entries)
    return out


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
