"""What the state's indexes read of each object, remembered (`kmodel.memo`), and one shared object per pod value.

The write path (`Cluster.put_pod` and the other writes in `kmodel.cluster`) and the indexes' recomputation
(`kmodel.recompute`) ask the same pure decisions of the same immutable objects: a pod's work-queue facts, a
Service's Endpoints entry for a pod, a controller's claim on a pod, the Services' selections, a stored Endpoints'
entries. This module answers them once per object and keeps the answers, so a write and the recomputation of the
state it makes share them, and so do successive states (they share every object the write did not touch). Every
answer is a decision of `kmodel.decisions`, asked through its module at call time: a decision swapped with
`kmodel.memo.swapped` is read at once (the swap clears every memo).
"""

from __future__ import annotations

import immutables

from kmodel.decisions import endpoints as endpoint_decisions
from kmodel.decisions import kubelet as kubelet_decisions
from kmodel.decisions import replication as replication_decisions
from kmodel.memo import Memo
from kmodel.objects import FAILED as _FAILED
from kmodel.objects import SUCCEEDED as _SUCCEEDED
from kmodel.objects import Controller, Endpoints, Pod, Service
from kmodel.usage import usage_of

_TERMINAL_PHASES = frozenset((_SUCCEEDED, _FAILED))  # Pod.terminal


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


def _endpoints_due(svc: Service | None, has_stored: bool, stored: tuple | None, mismatched: bool) -> bool:
    """`endpoints.is_stale` from the indexes: Endpoints of a deleted Service are deleted; an unmanaged Service
    is never written (SEMANTICS 26); a managed one is written unless its stored Endpoints are canonical and
    every entry matches."""
    if svc is None:
        return has_stored
    if svc.selector is None:
        return False
    return stored is None or not stored[0] or mismatched


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
