"""kube-scheduler as a pure reconciler: its two writes as events, and what it proposes (SEMANTICS 55 to 62).

Events (actor CONTROLLER):
- `SchedulerBindPod(pod, node)`: the Binding write, `spec.nodeName = node`. Enabled when the pod exists, is
  unbound, not terminal and not being deleted (the scheduler skips deleted pods), and the node exists and passes
  the profile's filters (through their fast forms, `Profile.feasible_for_shape`, which the differential tests
  hold to the readable `framework.feasible`; the guard is on the bind hot path). The guard does **not** ask
  for the best node: optimality is the invariant `schedule-least-loaded`'s to check, so a wrong choice is caught
  by a rule rather than hidden by a guard.
  Binding clears the recorded unschedulable reasons (PodScheduled becomes True).
- `SchedulerMarkUnschedulable(pod, reasons)`: the PodScheduled=False/Unschedulable status write with the FitError
  reasons. Enabled while the pod is queued and the reasons differ from those recorded, so it is proposed once
  per distinct verdict.

`reconcile(cluster)` walks the scheduling queue (`Cluster.unscheduled`, creation order: PrioritySort with equal
priorities orders by creation, SEMANTICS 55) and proposes one write per queued pod: the fast path's choice
(`choose_node`), or the unschedulable verdict. Like the real scheduler's cache, which *assumes* a pod on its node
before the bind completes, each proposal is computed on the state with the earlier binds of the same round
assumed, so `settle` (which applies a round's writes in order) never places two pods on a stale view. Under the
textbook profile the round's cycles run on that cache itself (`kmodel.scheduler.cache`); under kubernetes, the
assumed state is the Cluster with the binds applied.

The event source offered to the engines (`enabled`) is the prefix of that list up to the first bind: every bind
an engine may pick is optimal in the state it is applied to, the scheduler's one-pod-at-a-time cycle. (Later
binds of the round assume the first one, so offering them before it would let an engine apply a choice made
for a state that does not exist.)
"""

from __future__ import annotations

from typing import Iterable, Iterator

import attrs

from kmodel.cluster import Cluster
from kmodel.events import CONTROLLER, Event, step
from kmodel.objects import Pod
from kmodel.parts import Tie, register_controller, register_ties
from kmodel.scheduler import cache as sched_cache
from kmodel.scheduler import index as fast
from kmodel.scheduler import reference
from kmodel.scheduler.framework import ScheduleResult, feasible
from kmodel.scheduler.profiles import PROFILES, profile_of


def choose_node(cluster: Cluster, pod: Pod) -> ScheduleResult:
    """The scheduling decision for a pod through the fast path, built from the profile's plugins' fast forms:
    O(1) for a queued pod under a rank profile the index serves (the textbook one: the group tree's root), one
    pass per plugin for a weighted-sum profile (the kubernetes one: `index.weighted_fast`). Unschedulable pods,
    and profiles whose plugins have no fast forms, go to the reference scan, which also gathers the rejection
    reasons."""
    profile = profile_of(cluster)  # an unknown name is the user error naming the known profiles
    if profile.rank is None:
        return fast.weighted_fast(cluster, pod)
    if profile.cache_refusal is None:
        key = fast.textbook_choice(cluster, pod)
        if key is not None:
            return ScheduleResult(key[2], (), (key[2],))
    return reference.schedule(cluster, pod)


def _compile_bound():
    """`attrs.evolve(pod, node_name=node, unschedulable_reasons=())` as straight-line slot writes (the pod is
    already valid and Pod has no validators; the converters would return the same values): a bind is the
    scheduler's hot path."""
    changed = {"node_name": "node_name", "unschedulable_reasons": "()"}
    env = {"_new": object.__new__, "Pod": Pod}
    lines = ["def bound(p, node_name):", "    n = _new(Pod)"]
    for i, a in enumerate(attrs.fields(Pod)):
        env[f"_set{i}"] = Pod.__dict__[a.name].__set__
        lines.append(f"    _set{i}(n, {changed.get(a.name, 'p.' + a.name)})")
    lines.append("    return n")
    exec("\n".join(lines), env)  # noqa: S102 - generated from the attrs field list above
    return env["bound"]


bound = _compile_bound()


def bind_all(cluster: Cluster, placements: Iterable[tuple[str, str | None]]) -> Cluster:
    """The binding cycle after a burst of the scheduler cache's cycles (`cache.schedule_burst`): each placement's
    Binding write, in order, as a guarded `SchedulerBindPod` step."""
    for pod, node in placements:
        if node is not None:
            cluster = step(cluster, SchedulerBindPod(pod, node))
    return cluster


def _schedulable(pod: Pod | None) -> bool:
    return pod is not None and pod.node_name is None and pod.deletion_timestamp is None and not pod.terminal


@attrs.frozen
class SchedulerBindPod(Event):
    """The scheduler binds a queued pod to a node that passes the profile's filters (SEMANTICS 55)."""

    actor = CONTROLLER
    pod: str
    node: str

    def guard(self, cluster: Cluster) -> bool:
        pod = cluster.pods.get(self.pod)
        if pod is None or pod.node_name is not None or pod.deletion_timestamp is not None or pod.terminal:
            return False
        node = cluster.nodes.get(self.node)
        if node is None:
            return False
        profile = PROFILES[cluster.config.profile]
        if profile.fast:
            return profile.feasible_for_shape(profile.pod_shape(pod), node, cluster.node_usage.get(self.node))
        return feasible(profile, pod, node, cluster)

    def apply(self, cluster: Cluster) -> Cluster:
        return cluster.put_pod(bound(cluster.pods[self.pod], self.node))


@attrs.frozen
class SchedulerMarkUnschedulable(Event):
    """The scheduler records why no node fits (PodScheduled=False, reason Unschedulable, SEMANTICS 55)."""

    actor = CONTROLLER
    pod: str
    reasons: tuple[str, ...] = attrs.field(converter=tuple)

    def guard(self, cluster: Cluster) -> bool:
        pod = cluster.pods.get(self.pod)
        return _schedulable(pod) and pod.unschedulable_reasons != self.reasons  # type: ignore[union-attr]

    def apply(self, cluster: Cluster) -> Cluster:
        return cluster.put_pod(attrs.evolve(cluster.pods[self.pod], unschedulable_reasons=self.reasons))


def queue(cluster: Cluster) -> list[str]:
    """The scheduling queue: unbound, active pods in creation order (name breaks ties)."""
    return [name for _, name in sorted((i, n) for n, i in cluster.unscheduled.items())]


def _walk(cluster: Cluster, stop_at_bind: bool) -> Iterator[Event]:
    assumed = cluster
    for name in queue(cluster):
        pod = assumed.pods[name]
        result = choose_node(assumed, pod)
        if result.node is not None:
            event = SchedulerBindPod(name, result.node)
            yield event
            if stop_at_bind:
                return
            assumed = event.apply(assumed)
        elif result.reasons != pod.unschedulable_reasons:
            yield SchedulerMarkUnschedulable(name, result.reasons)


def _walk_cache(cluster: Cluster) -> Iterator[Event]:
    """`_walk` for the textbook profile: the cycles run on the scheduler cache (`kmodel.scheduler.cache`), which
    assumes each bind in O(groups x log n) instead of writing it to a Cluster. The cluster with the round's
    binds applied is built only for an unschedulable pod, whose FitError reasons the reference scan gathers."""
    assumed, applied = cluster, 0
    binds: list[SchedulerBindPod] = []
    for cycle in sched_cache.cycles(cluster):
        if cycle.node is not None:
            event = SchedulerBindPod(cycle.pod, cycle.node)
            binds.append(event)
            yield event
            continue
        for event in binds[applied:]:
            assumed = event.apply(assumed)
        applied = len(binds)
        pod = assumed.pods[cycle.pod]
        reasons = reference.schedule(assumed, pod).reasons
        if reasons != pod.unschedulable_reasons:
            yield SchedulerMarkUnschedulable(cycle.pod, reasons)


def reconcile(cluster: Cluster) -> tuple[Event, ...]:
    """One proposal per queued pod, each computed with the round's earlier binds assumed (module docstring)."""
    index = cluster.scheduler_index
    if index is not None and index.profile == cluster.config.profile:  # the index serves it: so does the cache
        return tuple(_walk_cache(cluster))
    return tuple(_walk(cluster, stop_at_bind=False))


def _proposals(cluster: Cluster) -> tuple[Event, ...]:
    """The proposals up to and including the first bind (see the module docstring)."""
    return tuple(_walk(cluster, stop_at_bind=True))


CONTROLLER_PART = register_controller("scheduler", reconcile, order=50, proposals=_proposals)


def bind_ties(before: Cluster, event: SchedulerBindPod, anonymous: frozenset[str]) -> tuple[Tie, ...]:
    """The nodes among which the bind's node was picked by name (a rank profile's last key, SEMANTICS 60) or by
    the seeded tie-break, which reads the pod's name (a weighted profile, SEMANTICS 61): what the explorer's
    symmetry guard must know (`kmodel.parts.Tie`). A rank profile breaks ties by the node name alone, so while
    nodes keep their names (`"Node"` not in `anonymous`) there is nothing to say."""
    pod = before.pods[event.pod]
    profile = profile_of(before)
    if profile.rank is not None:
        if "Node" not in anonymous:
            return ()
        ranks = {name: tuple(profile.rank(pod, node, before))[:-1] for name, node in before.nodes.items()
                 if feasible(profile, pod, node, before)}
        if not ranks:
            return ()
        best = min(ranks.values())
        tied = [n for n, r in ranks.items() if r == best]
        why, reads_pod_name = "SEMANTICS 60", False
    else:
        tied = list(reference.schedule(before, pod).top_nodes)
        why, reads_pod_name = "SEMANTICS 61", True
    if len(tied) < 2:
        return ()
    return (Tie("Node", frozenset((event.node,)), frozenset(tied) - {event.node}, f"binding {event.pod}", why,
                reads_pod_name),)


register_ties(SchedulerBindPod, bind_ties)
