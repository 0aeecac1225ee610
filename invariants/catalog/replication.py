"""Replication: replica counts converge, syncs respect the burst limit, scale-down follows the ranking,
and adoption never moves a pod between two live controllers (SEMANTICS 28 to 38)."""

from __future__ import annotations

from invariants.registry import ALWAYS, SOMETIMES, STABLE, TRANSITION, Violation, invariant

BURST_REPLICAS = 500


def claimed_active(cluster, ctl):
    """The pods a controller counts: owned by it (same uid), matching its selector, active (SEMANTICS 29, 36)."""
    sel = ctl.label_selector
    return [p for p in cluster.pods_owned_by(ctl.key)
            if p.owner.uid == ctl.uid and sel.matches(p.labels) and p.active]


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


@invariant("burst-limit", kind=TRANSITION, rules=("30",), witness="sometimes-scaled-down")
def burst_limit(before, event, after):
    """No sync creates or deletes more than burstReplicas = 500 pods (SEMANTICS 30)."""
    name = type(event).__name__
    if name == "ReplicaSetCreatePods" and event.count > BURST_REPLICAS:
        yield Violation("burst-limit", f"{event.controller} created {event.count} pods in one sync")
    if name == "ReplicaSetDeletePods" and len(event.pods) > BURST_REPLICAS:
        yield Violation("burst-limit", f"{event.controller} deleted {len(event.pods)} pods in one sync")


@invariant("replication-writes-bounded-by-diff", kind=TRANSITION, rules=("29",), witness="sometimes-scaled-down")
def writes_bounded_by_diff(before, event, after):
    """A sync never overshoots: creates at most replicas - active pods, deletes at most active - replicas."""
    name = type(event).__name__
    if name not in ("ReplicaSetCreatePods", "ReplicaSetDeletePods"):
        return
    ctl = before.controllers[event.controller]
    active = len(claimed_active(before, ctl))
    if name == "ReplicaSetCreatePods" and active + event.count > ctl.replicas:
        yield Violation("replication-writes-bounded-by-diff",
                        f"{event.controller} had {active} of {ctl.replicas} and created {event.count}")
    if name == "ReplicaSetDeletePods" and active - len(event.pods) < ctl.replicas:
        yield Violation("replication-writes-bounded-by-diff",
                        f"{event.controller} had {active} of {ctl.replicas} and deleted {len(event.pods)}")


@invariant("no-pod-moves-between-controllers", kind=TRANSITION, rules=("36",), witness="sometimes-orphan")
def no_owner_stealing(before, event, after):
    """A pod owned by a live controller is never re-owned by another one: adoption takes orphans only, so
    overlapping selectors do not make controllers fight over pods (SEMANTICS 36)."""
    for name, pod in before.pods.items():
        new = after.pods.get(name)
        if new is None or pod.owner is None or new.owner is None or new.owner == pod.owner:
            continue
        if before.owner_alive(pod):
            yield Violation("no-pod-moves-between-controllers",
                            f"pod {name} moved from {pod.owner.key} to {new.owner.key}",
                            (f"Pod/{name}", pod.owner.key, new.owner.key))


@invariant("sometimes-scaled-down", kind=SOMETIMES, applies=lambda c: bool(c.controllers))
def scaled_down(cluster):
    """Some controller has more active pods than it wants (a scale-down is due)."""
    return any(len(claimed_active(cluster, c)) > c.replicas for c in cluster.controllers.values())


@invariant("sometimes-orphan", kind=SOMETIMES, applies=lambda c: bool(c.controllers))
def orphan(cluster):
    """Some pod has no controller owner while a controller's selector matches it."""
    return any(c.label_selector.matches(p.labels) for p in cluster.orphan_pods() for c in cluster.controllers.values())


@invariant("sometimes-terminating-pod", kind=SOMETIMES, applies=lambda c: bool(c.controllers or c.pods))
def terminating_pod(cluster):
    """Some pod is being deleted."""
    return any(p.terminating for p in cluster.pods.values())
