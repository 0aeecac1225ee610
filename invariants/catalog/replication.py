"""Replication: replica counts converge, syncs respect the burst limit, scale-down follows the ranking,
and adoption never moves a pod between two live controllers (SEMANTICS 28 to 38)."""

from __future__ import annotations

from invariants.catalog.shared import changed_pods, for_events, per_object, per_pair, pod_fact, some_pod
from invariants.registry import SOMETIMES, STABLE, TRANSITION, Violation, invariant

BURST_REPLICAS = 500


_MATCHES: dict = {}


def selector_matches(selector, labels) -> bool:
    """`selector.matches(labels)`, remembered per pair of objects and the matcher it was asked with: a pure
    function of both, and successive states share these immutable objects (pods of one template share their
    labels object), while these rules ask it for every pod in every state. The entry keeps both objects (their
    identities are not reused while remembered) and the matcher (a patched one is not answered from the memo;
    `shared.per_pair`, looked up here first: these rules ask it for every pod in every state)."""
    fn = type(selector).matches
    hit = _MATCHES.get((id(selector), id(labels)))
    if hit is not None and hit[0] is selector and hit[1] is labels and hit[2] is fn:
        return hit[3]
    return per_pair(_MATCHES, selector, labels, lambda s, lab: bool(fn(s, lab)), fn)


def claimed_active(cluster, ctl):
    """The pods a controller counts: owned by it (same uid), matching its selector, active (SEMANTICS 29, 36)."""
    sel = ctl.label_selector
    return [p for p in cluster.pods_owned_by(ctl.key)
            if p.owner.uid == ctl.uid and selector_matches(sel, p.labels) and p.active]


@invariant("replicas-converge", kind=STABLE, rules=("29", "30", "36"), witness="sometimes-scaled-down")
def replicas_converge(cluster):
    """At quiescence each RC/RS has exactly `replicas` active pods; those the nodes cannot hold are Pending with
    the scheduler's reasons recorded (the shortfall is exactly the Pending pods)."""
    for key, ctl in cluster.controllers.items():
        pods = claimed_active(cluster, ctl)
        if len(pods) != ctl.replicas:
            yield Violation("replicas-converge", f"{key} wants {ctl.replicas} replicas but has {len(pods)} active pods",
                            (key, *(f"Pod/{p.name}" for p in pods)))
        for p in pods:
            if p.node_name is None and not p.unschedulable_reasons:
                yield Violation("replicas-converge", f"{key}: pod {p.name} is neither scheduled nor reported "
                                "unschedulable", (key, f"Pod/{p.name}"))


_REPLICATION_WRITES = ("ReplicaSetCreatePods", "ReplicaSetDeletePods")


@invariant("burst-limit", kind=TRANSITION, rules=("30",), witness="sometimes-burst-capped")
@for_events(*_REPLICATION_WRITES)
def burst_limit(before, event, after):
    """No sync creates or deletes more than burstReplicas = 500 pods (SEMANTICS 30)."""
    name = type(event).__name__
    if name == "ReplicaSetCreatePods" and event.count > BURST_REPLICAS:
        yield Violation("burst-limit", f"{event.controller} created {event.count} pods in one sync")
    if name == "ReplicaSetDeletePods" and len(event.pods) > BURST_REPLICAS:
        yield Violation("burst-limit", f"{event.controller} deleted {len(event.pods)} pods in one sync")


@invariant("replication-writes-bounded-by-diff", kind=TRANSITION, rules=("29",), witness="sometimes-scaled-down")
@for_events(*_REPLICATION_WRITES)
def writes_bounded_by_diff(before, event, after):
    """A sync never overshoots: creates at most replicas - active pods, deletes at most active - replicas."""
    name = type(event).__name__
    ctl = before.controllers[event.controller]
    active = len(claimed_active(before, ctl))
    if name == "ReplicaSetCreatePods" and active + event.count > ctl.replicas:
        yield Violation("replication-writes-bounded-by-diff",
                        f"{event.controller} had {active} of {ctl.replicas} and created {event.count}")
    if name == "ReplicaSetDeletePods" and active - len(event.pods) < ctl.replicas:
        yield Violation("replication-writes-bounded-by-diff",
                        f"{event.controller} had {active} of {ctl.replicas} and deleted {len(event.pods)}")


def _bucket(duration: int) -> int:
    """floor(log2(d)) for d > 0, else -1: LogarithmicScaleDown's comparison of times (SEMANTICS 34)."""
    return duration.bit_length() - 1 if duration > 0 else -1


def _deleted_before(a, b, clock: int, next_uid: int) -> bool:
    """Does SEMANTICS 34 (ActivePodsWithRanks.Less, ranks 0 for standalone controllers, 8.11) put pod `a`
    strictly before pod `b` in deletion order? Written from the rule list, step by step; a tie through step 8
    is "no preference". Times: Ready lastTransitionTime in seconds (compared as nanosecond log2 buckets) and
    the creation order `creation_index` (the model's creationTimestamp, bucketed by objects created since)."""
    phase = {"Pending": 0, "Unknown": 1, "Running": 2}
    steps = [
        (a.node_name is not None, b.node_name is not None),  # 1. unassigned first
        (phase.get(a.phase, 0), phase.get(b.phase, 0)),  # 2. Pending < Unknown < Running
        (a.ready, b.ready),  # 3. not Ready first
        (a.deletion_cost, b.deletion_cost),  # 4. lower deletion cost first
    ]
    if a.ready and b.ready:  # 6. Ready more recently first
        steps.append((_bucket((clock - a.ready_since) * 10 ** 9) if a.ready_since is not None else -2,
                      _bucket((clock - b.ready_since) * 10 ** 9) if b.ready_since is not None else -2))
    restarts = [max((c.status.restart_count for c in p.containers), default=0) for p in (a, b)]
    steps.append((-restarts[0], -restarts[1]))  # 7. more restarts first
    steps.append((_bucket(next_uid - a.creation_index), _bucket(next_uid - b.creation_index)))  # 8. newer first
    for x, y in steps:
        if x != y:
            return x < y
    return False


@invariant("scale-down-order", kind=TRANSITION, rules=("33", "34", "8.11"), witness="sometimes-scaled-down")
@for_events("ReplicaSetDeletePods")
def scale_down_order(before, event, after):
    """Scale-down deletes pods in SEMANTICS 34 order: unscheduled, pending, not ready, cheaper, more recently
    ready, more restarted and newer pods go first; no pod it keeps ranks strictly before one it deletes."""
    ctl = before.controllers[event.controller]
    deleted = set(event.pods)
    kept = [p for p in claimed_active(before, ctl) if p.name not in deleted]
    for name in event.pods:
        gone = before.pods[name]
        for k in kept:
            if _deleted_before(k, gone, before.clock, before.next_uid):
                yield Violation("scale-down-order", f"{event.controller} deleted {name} but kept {k.name}, which "
                                "SEMANTICS 34 deletes first", (event.controller, f"Pod/{name}", f"Pod/{k.name}"))
                return


@invariant("no-pod-moves-between-controllers", kind=TRANSITION, rules=("36",), witness="sometimes-orphan")
def no_owner_stealing(before, event, after):
    """A pod owned by a live controller is never re-owned by another one: adoption takes orphans only, so
    overlapping selectors do not make controllers fight over pods (SEMANTICS 36)."""
    # Only a pod the step rewrote can have changed owner; the violations come from the plain loop, in its order.
    for _, pod, new in changed_pods(before, after):
        if pod.owner is not None and new.owner is not None and new.owner != pod.owner:
            return _owner_moves(before, after)
    return ()


def _owner_moves(before, after):
    """The violations of `no-pod-moves-between-controllers`."""
    for name, pod in before.pods.items():
        new = after.pods.get(name)
        if new is None or new is pod or pod.owner is None or new.owner is None or new.owner == pod.owner:
            continue
        if before.owner_alive(pod):
            yield Violation("no-pod-moves-between-controllers",
                            f"pod {name} moved from {pod.owner.key} to {new.owner.key}",
                            (f"Pod/{name}", pod.owner.key, new.owner.key))


_CONTROLLER_VIEWS: dict = {}


def _controller_views(controllers) -> tuple:
    """(controller, key, selector) of each controller, remembered per `controllers` map: the key and the
    selector are functions of the controller's spec, and most steps do not write the map (`shared.per_object`)."""
    return per_object(_CONTROLLER_VIEWS, controllers,
                      lambda ctls: tuple((c, c.key, c.label_selector) for c in ctls.values()))


_ACTIVE_BY_UID: dict = {}


def _active_by_owner_uid(pods) -> dict:
    """Active pods per controller owner uid, remembered per `pods` map (a function of the pods; the entry keeps
    the map; `shared.per_object`). A controller's claimed active pods are active and owned with its uid, so this
    bounds their number."""
    return per_object(_ACTIVE_BY_UID, pods, _count_active_by_owner_uid)


def _count_active_by_owner_uid(pods) -> dict:
    counts: dict = {}
    for p in pods.values():
        if p.owner is not None and p.active:
            counts[p.owner.uid] = counts.get(p.owner.uid, 0) + 1
    return counts


@invariant("sometimes-scaled-down", kind=SOMETIMES, applies=lambda c: bool(c.controllers),
           reached_by=("ScaleController",))
def scaled_down(cluster):
    """Some controller has more active pods than it wants (a scale-down is due). The pods it counts are among
    those its owner key holds and among the active pods owned with its uid, so a controller holding no more than
    `replicas` of either is passed over unread."""
    by_owner = cluster.pods_by_owner
    for c, key, _ in _controller_views(cluster.controllers):
        if len(by_owner.get(key, ())) > c.replicas and _active_by_owner_uid(cluster.pods).get(c.uid, 0) > c.replicas \
                and len(claimed_active(cluster, c)) > c.replicas:
            return True
    return False


def _can_exceed_burst(cluster) -> bool:
    """Some controller wants more than burstReplicas pods, or holds more than that beyond what it wants: only
    then can a sync's diff exceed the cap (user scaling moves `replicas` by one within `Config.max_replicas`)."""
    return any(ctl.replicas > BURST_REPLICAS or len(cluster.pods_by_owner.get(key, ())) > ctl.replicas + BURST_REPLICAS
               for key, ctl in cluster.controllers.items())


@invariant("sometimes-burst-capped", kind=SOMETIMES, applies=_can_exceed_burst)
def burst_capped(cluster):
    """Some controller is more than burstReplicas = 500 pods away from its replicas, so its next sync must cap
    its writes (SEMANTICS 30): the states `burst-limit` speaks of."""
    return any(abs(len(claimed_active(cluster, ctl)) - ctl.replicas) > BURST_REPLICAS
               for ctl in cluster.controllers.values())


_SELECTED: dict = {}


def _selected_by_a_controller(views: tuple, matchers: tuple, labels) -> bool:
    """Some controller's selector of `views` matches `labels` (`matchers[i]` is the matcher installed now for
    `views[i]`'s selector). Remembered per (views, labels) pair of objects and the matchers asked: a pure function
    of the selectors, the labels and the matcher functions (`shared.per_pair`)."""
    return per_pair(_SELECTED, views, labels, lambda views_, labels_: any(
        bool(fn(sel, labels_)) for fn, (_, _, sel) in zip(matchers, views_)), matchers)


@invariant("sometimes-orphan", kind=SOMETIMES, applies=lambda c: bool(c.controllers), reached_by=("RelabelPod",))
def orphan(cluster):
    """Some pod has no controller owner while a controller's selector matches it."""
    if not cluster.orphans:
        return False
    views = _controller_views(cluster.controllers)
    matchers = tuple([type(sel).matches for _, _, sel in views])
    memo, listed = _SELECTED, id(views)
    for pod in cluster.orphan_pods():
        labels = pod.labels
        hit = memo.get((listed, id(labels)))  # `_selected_by_a_controller`'s own lookup, inlined (every state)
        if hit is not None and hit[0] is views and hit[1] is labels and hit[2] == matchers:
            if hit[3]:
                return True
        elif _selected_by_a_controller(views, matchers, labels):
            return True
    return False


_TERMINATING = pod_fact(lambda pod: pod.terminating)


@invariant("sometimes-terminating-pod", kind=SOMETIMES, applies=lambda c: bool(c.controllers or c.pods))
def terminating_pod(cluster):
    """Some pod is being deleted."""
    return some_pod(cluster, _TERMINATING)
