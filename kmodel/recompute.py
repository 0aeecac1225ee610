"""The oracle of the state's indexes: each one recomputed from the objects, and compared with the state's own.

`kmodel.cluster` keeps the derived indexes inside the state and updates them on every write (the hot path); this
module recomputes every one of them from scratch with plain loops over the objects (`_recompute`), for the
structure rule `indexes-exact` (`Cluster.index_mismatches`) and for `Cluster.rebuilt`. It never reads the
state's own indexes, only the objects and the clock, and asks the decisions through `kmodel.facts` (whose answers
the write path shares). The comparison (`_index_mismatches`) walks each index against its recomputation without
freezing the recomputation first.
"""

from __future__ import annotations

import operator
from itertools import compress
from operator import add as _add
from operator import eq as _eq
from operator import not_ as _not
from typing import TYPE_CHECKING

import immutables

from kmodel.decisions import replication as replication_decisions
from kmodel.facts import (
    _FACTS,
    _MISS,
    _SAME_ENTRY,
    _claims_of_controller,
    _due_memo,
    _endpoints_due,
    _entries_of,
    _new_claim,
    _new_entry,
    _new_facts,
    _new_selection,
    _not_ready_of,
    _same_entry,
    _selections_of,
    _stored_entry_memo,
)
from kmodel.memo import Memo
from kmodel.objects import Resources, Service
from kmodel.usage import NodeUsage

if TYPE_CHECKING:  # the state module imports this one
    from kmodel.cluster import Cluster

_NONE: dict = {}  # an empty recomputed index (read-only, shared)


# The derived indexes, each a function of the objects (and, for `timers`, of the clock). `index_mismatches`
# compares each with its recomputation.
DERIVED_INDEXES = (
    "pods_by_node", "pods_by_owner", "orphans", "service_members", "node_usage", "owner_node_counts",
    "unscheduled", "not_ready_nodes", "lost_nodes", "terminal_pods", "dangling_pods", "kubelet_queue",
    "environment_queue", "timers", "timer_times", "claimed_counts", "adoptable", "releasable",
    "replication_queue", "pod_services", "unmanaged_services", "stored_endpoints", "endpoint_mismatches",
    "endpoints_queue",
)


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
