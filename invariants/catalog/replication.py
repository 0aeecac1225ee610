"""Replication: replica counts converge, syncs respect the burst limit, scale-down follows the ranking,
and adoption never moves a pod between two live controllers (SEMANTICS 28 to 38)."""

from __future__ import annotations

import attrs

from invariants.catalog.shared import changed_pods, for_events, per_object, per_pair, pod_fact, some_pod
from invariants.registry import ALWAYS, SOMETIMES, STABLE, TRANSITION, Violation, invariant
from kmodel.controllers import replication as _replication_controller  # only its proposals, the actual side
from kmodel.memo import Memo

BURST_REPLICAS = 500


_MATCHES = Memo("rules-selector-matches", 4_096)


def selector_matches(selector, labels) -> bool:
    """`selector.matches(labels)`, remembered per pair of objects: a pure function of both, and successive states
    share these immutable objects (pods of one template share their labels object), while these rules ask it for
    every pod in every state. The entry keeps both objects (their identities are not reused while remembered;
    `shared.per_pair`, looked up here first: these rules ask it for every pod in every state)."""
    hit = _MATCHES.get((id(selector), id(labels)))
    if hit is not None and hit[0] is selector and hit[1] is labels:
        return hit[3]
    return per_pair(_MATCHES, selector, labels, lambda s, lab: bool(s.matches(lab)))


def active(pod) -> bool:
    """FilterActivePods, restated (SEMANTICS 29.2): phase neither Succeeded nor Failed, and no deletionTimestamp.
    A terminating pod is not counted, so its replacement is due at once."""
    return pod.phase != "Succeeded" and pod.phase != "Failed" and pod.deletion_timestamp is None


def owned_by(pod, ctl) -> bool:
    """The pod's controllerRef names this controller: kind, name and uid (SEMANTICS 36; another uid is an
    earlier controller of the same name, whose pods this one ignores)."""
    o = pod.owner
    return o is not None and o.uid == ctl.uid and o.name == ctl.name and o.kind == ctl.kind


def claimed_active(cluster, ctl):
    """The pods a controller counts: owned by it (same uid), matching its selector, active (SEMANTICS 29, 36)."""
    sel = ctl.label_selector
    return [p for p in cluster.pods_owned_by(ctl.key)
            if owned_by(p, ctl) and selector_matches(sel, p.labels) and active(p)]


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
    # 8. newer first; a zero creationTimestamp (creation_index 0: never stamped) first of all
    steps.append(tuple(_bucket(next_uid - p.creation_index) if p.creation_index > 0 else -2 for p in (a, b)))
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
        ctl = before.controllers.get(pod.owner.key)
        if ctl is not None and ctl.uid == pod.owner.uid:  # the owner is alive: same key, same uid (SEMANTICS 36)
            yield Violation("no-pod-moves-between-controllers",
                            f"pod {name} moved from {pod.owner.key} to {new.owner.key}",
                            (f"Pod/{name}", pod.owner.key, new.owner.key))


_CONTROLLER_VIEWS = Memo("rules-controller-views", 1_024)


def _controller_views(controllers) -> tuple:
    """(controller, key, selector) of each controller, remembered per `controllers` map: the key and the
    selector are functions of the controller's spec, and most steps do not write the map (`shared.per_object`)."""
    return per_object(_CONTROLLER_VIEWS, controllers,
                      lambda ctls: tuple((c, c.key, c.label_selector) for c in ctls.values()))


_ACTIVE_BY_UID = Memo("rules-active-by-owner-uid", 1_024)


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


_SELECTED = Memo("rules-selected-by-a-controller", 4_096)


def _selected_by_a_controller(views: tuple, labels) -> bool:
    """Some controller's selector of `views` matches `labels`. Remembered per (views, labels) pair of objects: a
    pure function of the selectors and the labels (`shared.per_pair`)."""
    return per_pair(_SELECTED, views, labels, lambda views_, labels_: any(
        bool(sel.matches(labels_)) for _, _, sel in views_))


@invariant("sometimes-orphan", kind=SOMETIMES, applies=lambda c: bool(c.controllers), reached_by=("RelabelPod",))
def orphan(cluster):
    """Some pod has no controller owner while a controller's selector matches it."""
    if not cluster.orphans:
        return False
    views = _controller_views(cluster.controllers)
    memo, listed = _SELECTED, id(views)
    for pod in cluster.orphan_pods():
        labels = pod.labels
        hit = memo.get((listed, id(labels)))  # `_selected_by_a_controller`'s own lookup, inlined (every state)
        if hit is not None and hit[0] is views and hit[1] is labels:
            if hit[3]:
                return True
        elif _selected_by_a_controller(views, labels):
            return True
    return False


_TERMINATING = pod_fact(lambda pod: pod.terminating)


@invariant("sometimes-terminating-pod", kind=SOMETIMES, applies=lambda c: bool(c.controllers or c.pods))
def terminating_pod(cluster):
    """Some pod is being deleted."""
    return some_pod(cluster, _TERMINATING)


# --------------------------------------------------------------------------------------------------------------
# Exactly the writes SEMANTICS 29, 30 and 36 demand, restated (the model's are its proposals and its events)


@invariant("replication-writes-exact-diff", kind=TRANSITION, rules=("29.2", "29.4", "30"),
           witness="sometimes-replacement-due")
@for_events(*_REPLICATION_WRITES)
def writes_exact_diff(before, event, after):
    """A sync creates exactly min(replicas - active, 500) pods when it is short, and deletes exactly
    min(active - replicas, 500) when it has too many (`diff`, capped at burstReplicas; the active pods counted
    exclude terminating and terminal ones), never in the wrong direction (SEMANTICS 29.2, 29.4, 30)."""
    name = type(event).__name__
    ctl = before.controllers.get(event.controller)
    if ctl is None:
        yield Violation("replication-writes-exact-diff", f"a sync of missing {event.controller} wrote pods")
        return
    diff = len(claimed_active(before, ctl)) - ctl.replicas
    want = min(abs(diff), BURST_REPLICAS)
    if name == "ReplicaSetCreatePods":
        count, short = event.count, diff < 0
        verb = "create"
    else:
        count, short = len(event.pods), diff > 0
        verb = "delete"
    if not short or count != want:
        yield Violation("replication-writes-exact-diff",
                        f"{event.controller} had {ctl.replicas + diff} active pods of {ctl.replicas} and chose to "
                        f"{verb} {count}; SEMANTICS 29.4 and 30 {verb} "
                        f"{want if short else 0}", (event.controller,))


def _claim_problems(cluster, ctl) -> tuple:
    """(orphans to adopt, pods to release, claimed active count) of one controller, from SEMANTICS 29.2 and 36:
    an active orphan its selector matches is adopted; an active pod it owns that its selector no longer matches
    is released (the model never keeps a deleted controller, so "being deleted" does not arise); the others it
    owns and matches are claimed. Terminating and terminal pods are neither adopted, released nor counted."""
    sel = ctl.label_selector
    adopt = tuple(sorted(p.name for p in cluster.orphan_pods() if active(p) and selector_matches(sel, p.labels)))
    release, claimed = [], 0
    for p in cluster.pods_owned_by(ctl.key):
        if owned_by(p, ctl) and active(p):
            if selector_matches(sel, p.labels):
                claimed += 1
            else:
                release.append(p.name)
    return adopt, tuple(sorted(release)), claimed


_DUE = Memo("rules-due-controllers", 1_024)


def due_controllers(cluster) -> dict:
    """Controller key -> why its sync has work now (adoptions, releases, or a diff), for exactly the controllers
    SEMANTICS 29 and 36 give work to. Remembered per (controllers, pods) pair of maps (`shared.per_pair`)."""
    def compute(controllers, pods):
        out = {}
        for key, ctl in controllers.items():
            adopt, release, claimed = _claim_problems(cluster, ctl)
            if adopt or release or claimed != ctl.replicas:
                out[key] = (adopt, release, claimed)
        return out

    return per_pair(_DUE, cluster.controllers, cluster.pods, compute)


_PROPOSING = Memo("rules-proposing-controllers", 1_024)


def _proposing(cluster) -> frozenset:
    """The keys of the controllers the replication controller proposes writes for now (its `reconcile`: the
    actual side). Which controllers propose is a function of the controllers and the pods (the clock and the uid
    counter only order a scale-down's victims), so it is remembered per (controllers, pods) pair of maps."""
    rc = _replication_controller
    return per_pair(_PROPOSING, cluster.controllers, cluster.pods,
                    lambda *_: frozenset(e.controller for e in rc.reconcile(cluster)))


@invariant("replication-sync-due-exactly", kind=ALWAYS, rules=("29.2", "29.3", "29.4", "36"),
           witness="sometimes-replacement-due")
def replication_sync_due_exactly(cluster):
    """In every state the replication controller proposes writes for exactly the controllers that have work by
    SEMANTICS 29 and 36: an active orphan its selector matches (adopt), an active pod it owns that its selector no
    longer matches (release), or a number of claimed active pods (terminating and terminal ones not counted)
    other than `replicas`. So a deleted pod is replaced at once, and no controller acts without cause."""
    if not cluster.controllers:
        return
    due = due_controllers(cluster)
    proposed = _proposing(cluster)
    for key in sorted(set(due) ^ proposed):
        if key in due:
            adopt, release, claimed = due[key]
            yield Violation("replication-sync-due-exactly",
                            f"{key} proposes nothing, but SEMANTICS 29/36 give it work: adopt {list(adopt)}, release "
                            f"{list(release)}, {claimed} claimed active pods of {cluster.controllers[key].replicas}",
                            (key,))
        else:
            yield Violation("replication-sync-due-exactly", f"{key} proposes writes although it has every pod it "
                            "wants and nothing to adopt or release", (key,))


@invariant("adoption-and-release-complete", kind=STABLE, rules=("29.2", "36"), witness="sometimes-orphan")
def adoption_and_release_complete(cluster):
    """At quiescence no active orphan matches a controller's selector (it would have been adopted) and no active
    pod owned by a live controller fails that controller's selector (it would have been released), computed from
    every pod rather than the owner and orphan indexes (SEMANTICS 36)."""
    ctls = list(cluster.controllers.values())
    for name, pod in cluster.pods.items():
        if not active(pod):
            continue
        if pod.owner is None:
            for ctl in ctls:
                if selector_matches(ctl.label_selector, pod.labels):
                    yield Violation("adoption-and-release-complete", f"orphan {name} matches {ctl.key} but was "
                                    "never adopted", (f"Pod/{name}", ctl.key))
        else:
            ctl = cluster.controllers.get(pod.owner.key)
            if ctl is not None and owned_by(pod, ctl) and not selector_matches(ctl.label_selector, pod.labels):
                yield Violation("adoption-and-release-complete", f"{ctl.key} still owns {name}, which its selector "
                                "no longer matches", (f"Pod/{name}", ctl.key))


@invariant("adopt-and-release-writes", kind=TRANSITION, rules=("36",), witness="sometimes-release-due")
@for_events("ReplicaSetAdoptPod", "ReplicaSetReleasePod")
def adopt_and_release_writes(before, event, after):
    """An adoption takes only an active orphan the controller's selector matches and writes the controller's own
    ref (kind, name, uid) into it; a release takes only an active pod the controller owns that its selector no
    longer matches and leaves it an orphan that keeps running; neither touches anything else of the pod
    (SEMANTICS 36)."""
    ctl = before.controllers.get(event.controller)
    pod, new = before.pods.get(event.pod), after.pods.get(event.pod)
    where = (f"Pod/{event.pod}", event.controller)
    if ctl is None or pod is None or new is None:
        yield Violation("adopt-and-release-writes", f"{type(event).__name__} of {event.pod} by {event.controller}, "
                        "one of which does not exist", where)
        return
    matches = selector_matches(ctl.label_selector, pod.labels)
    if type(event).__name__ == "ReplicaSetAdoptPod":
        if pod.owner is not None or not active(pod) or not matches:
            yield Violation("adopt-and-release-writes", f"{event.controller} adopted {event.pod}, which is not an "
                            "active orphan its selector matches", where)
        elif not owned_by(new, ctl) or attrs.evolve(new, owner=None) != pod:
            yield Violation("adopt-and-release-writes", f"{event.controller}'s adoption of {event.pod} wrote "
                            f"{new.owner} or changed more than the owner", where)
    else:
        if not owned_by(pod, ctl) or not active(pod) or matches:
            yield Violation("adopt-and-release-writes", f"{event.controller} released {event.pod}, which is not an "
                            "active pod it owns that its selector no longer matches", where)
        elif new.owner is not None or attrs.evolve(pod, owner=None) != new:
            yield Violation("adopt-and-release-writes", f"{event.controller}'s release of {event.pod} left "
                            f"{new.owner} or changed more than the owner", where)


@invariant("sometimes-replacement-due", kind=SOMETIMES, applies=lambda c: bool(c.controllers))
def replacement_due(cluster):
    """Some controller owns a terminating pod while it has fewer claimed active pods than it wants: the
    terminating pod is not counted and its replacement is due now (SEMANTICS 29.2, 37)."""
    if not some_pod(cluster, _TERMINATING):
        return False
    for key, (_, _, claimed) in due_controllers(cluster).items():
        if claimed < cluster.controllers[key].replicas and any(
                p.deletion_timestamp is not None for p in cluster.pods_owned_by(key)):
            return True
    return False


@invariant("sometimes-release-due", kind=SOMETIMES, applies=lambda c: bool(c.controllers))
def release_due(cluster):
    """Some active pod is owned by a live controller whose selector no longer matches it: a release is due
    (SEMANTICS 36)."""
    return any(release for _, release, _ in due_controllers(cluster).values())
