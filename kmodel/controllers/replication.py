"""The ReplicaSet / ReplicationController controller (SEMANTICS 28 to 37, 8.11).

One implementation serves both kinds, as upstream runs the ReplicaSet code for ReplicationControllers
(SEMANTICS 28): everything here reads only `.key`, `.kind`, `.name`, `.uid`, `.replicas`, `.label_selector` and
`.template`, which `ReplicationController` and `ReplicaSet` both expose.

A sync (`syncReplicaSet`, SEMANTICS 29) is modelled as:
1. the active pods (29.2: not Succeeded/Failed, no deletionTimestamp) are claimed (29.3, 36): adoptions and
   releases are writes of their own, proposed before anything else;
2. once the claim is settled, `diff = |claimed active| - replicas` (29.4), capped at BurstReplicas = 500
   (SEMANTICS 30), becomes one `ReplicaSetCreatePods` or one `ReplicaSetDeletePods`.

Expectations (SEMANTICS 32) are abstracted away: a sync's creates or deletes are one atomic event, so the
controller never runs while a batch of its own is outstanding, which is what expectations guarantee upstream.
Slow-start batching (SEMANTICS 31) only changes what happens when a create fails; creates do not fail in the
model, so `slow_start_batches` documents the batch shape and a create event makes all of its pods at once.
RS status (29.6) is not stored: it is a function of the claimed pods (`claim_pods`).

Work queue (DESIGN principle 1): the cluster keeps each controller's claim (`claim_state` of its pods and of the
orphans: `Cluster.claimed_counts`, `adoptable`, `releasable`) and the controllers whose sync writes something
(`sync_due`: `Cluster.replication_queue`), so `reconcile` visits only those and a sync reads its counts in
O(log n); a scale-down still reads the controller's claimed pods, which the ranking orders.

The arithmetic (`replica_diff`, `burst_capped`) is written with `kmodel.logic` so that the Z3 layer can run it
symbolically (DESIGN principle 4).
"""

from __future__ import annotations

import itertools
from typing import Iterable, Mapping, NamedTuple

import attrs

from kmodel.cluster import Cluster
from kmodel.decisions import replication as decisions
from kmodel.errors import KModelError
from kmodel.events import CONTROLLER, Event
from kmodel.objects import PENDING, POD_RUNNING, UNKNOWN, Controller, OwnerRef, Pod, is_ready_pod
from kmodel.parts import Tie, register_controller, register_ties

"""`BurstReplicas`: at most this many creates or deletes per sync (SEMANTICS 30)."""

SLOW_START_INITIAL_BATCH_SIZE = 1
"""`controller.SlowStartInitialBatchSize` (SEMANTICS 31)."""

MAX_GENERATED_NAME_BASE = 58
"""`SimpleNameGenerator` truncates a generateName base to 63 - 5 characters."""

NANOSECONDS_PER_SECOND = 1_000_000_000
"""The model's clock counts seconds; Go's `time.Duration` that LogarithmicScaleDown takes log2 of counts ns."""

POD_PHASE_ORDINAL = {PENDING: 0, UNKNOWN: 1, POD_RUNNING: 2}
"""`podPhaseToOrdinal` (SEMANTICS 34.2); any other phase maps to 0, as a missing Go map key does."""


# --------------------------------------------------------------------------------------------------------------
# Decision arithmetic (concrete or symbolic)


def slow_start_batches(n: int, initial: int = SLOW_START_INITIAL_BATCH_SIZE) -> tuple[int, ...]:
    """The batch sizes `slowStartBatch` issues `n` creates in: `initial`, then doubling, the last one capped at
    what remains (SEMANTICS 31). `slow_start_batches(10)` is (1, 2, 4, 3)."""
    if not isinstance(n, int) or n < 0:
        raise KModelError(f"slow_start_batches: count: must be a non-negative integer, got {n!r}")
    if not isinstance(initial, int) or initial < 1:
        raise KModelError(f"slow_start_batches: initial: must be a positive integer, got {initial!r}")
    batches = []
    remaining = n
    size = min(remaining, initial)
    while size > 0:
        batches.append(size)
        remaining -= size
        size = min(2 * size, remaining)
    return tuple(batches)


# --------------------------------------------------------------------------------------------------------------
# Claiming (SEMANTICS 36)


def owner_ref(controller: Controller) -> OwnerRef:
    """The controllerRef the controller writes into the pods it creates or adopts."""
    return OwnerRef(controller.kind, controller.name, controller.uid)


def is_claimed(controller: Controller, pod: Pod) -> bool:
    """The pod is this controller's (same kind, name and uid) and its selector still matches (SEMANTICS 36)."""
    return pod.owner == owner_ref(controller) and controller.label_selector.matches(pod.labels)


def is_claimed_active(controller: Controller, pod: Pod) -> bool:
    """A pod the controller counts towards its replicas (SEMANTICS 29.2, 36)."""
    return decisions.is_active(pod) and is_claimed(controller, pod)


class Claim(NamedTuple):
    """What `ClaimPods` decides for one controller; each part sorted by pod name."""

    claimed: tuple[Pod, ...]
    to_adopt: tuple[Pod, ...]
    to_release: tuple[Pod, ...]


def claim_pods(cluster: Cluster, controller: Controller) -> Claim:
    """`claimPods` over the active pods (SEMANTICS 29.2 filters before 29.3 claims, so a terminating or
    terminal pod is never adopted or released), with the cases of `ClaimObject` (SEMANTICS 36):

    - owned by this controller (kind, name and uid) and matching: claimed;
    - owned by this controller, not matching: released (controllers are never "being deleted" in the model: a
      deleted controller is gone at once and its pods are the garbage collector's, SEMANTICS 38);
    - an orphan that matches: adopted (orphans are active here, so never terminating);
    - owned by anyone else, including an earlier controller of the same name with another uid: ignored.

    Reads only the owner index and the orphan index, never every pod. Each pod's case is `claim_state`, the one
    decision the claim index (`Cluster.claimed_counts`, `adoptable`, `releasable`) is built from too.
    """
    cases: dict[int, list[Pod]] = {decisions.CLAIMED: [], decisions.TO_ADOPT: [], decisions.TO_RELEASE: []}
    for pod in itertools.chain(cluster.pods_owned_by(controller.key), cluster.orphan_pods()):
        case = decisions.claim_state(controller, pod)
        if case != decisions.UNRELATED:
            cases[case].append(pod)
    by_name = lambda p: p.name  # noqa: E731
    claimed, adopt, release = (tuple(sorted(cases[case], key=by_name))
                               for case in (decisions.CLAIMED, decisions.TO_ADOPT, decisions.TO_RELEASE))
    return Claim(claimed, adopt, release)


def claimed_active_count(cluster: Cluster, controller: Controller) -> int:
    """How many pods the controller counts now (SEMANTICS 29.2, 29.4). O(log n) for a controller the cluster
    holds (its claim index, `Cluster.claimed_counts`); otherwise a pass over the owner index."""
    if cluster.controllers.get(controller.key) is controller:
        return cluster.claimed_counts.get(controller.key, 0)
    return sum(1 for pod in cluster.pods_owned_by(controller.key) if is_claimed_active(controller, pod))


# --------------------------------------------------------------------------------------------------------------
# Scale-down choice (SEMANTICS 33, 34, 8.11)


def log2_bucket(duration: int) -> int:
    """`int64(math.Log2(float64(d)))` for d > 0, else -1: the bucket of `logarithmicRankDiff`. Integer
    `bit_length` gives the exact floor, where Go's float log2 could in principle round up just below a
    power of two; durations in the model (whole seconds in ns, or counter steps) never sit there."""
    return duration.bit_length() - 1 if duration > 0 else -1


def max_container_restarts(pod: Pod) -> int:
    """`maxContainerRestarts`: the highest restart count among the regular containers (SEMANTICS 34.7, 8.11;
    the sidecar comparison is unconfirmed and the model has no init containers)."""
    return max((c.status.restart_count for c in pod.containers), default=0)


def _ready_time_order(pod: Pod, now: int | None) -> tuple:
    """Step 6: among two Ready pods the one Ready more recently goes first; an unset time first.

    Only pods with equal readiness reach step 6 (step 3 decides otherwise), and two not-ready pods tie here.
    With LogarithmicScaleDown the age `now - readySince` is compared in floor(log2) buckets of Go's
    nanosecond durations; `now` None is upstream's zero `Now`, which compares raw times.
    """
    if not is_ready_pod(pod):
        return ()
    if pod.ready_since is None:
        return (0,)
    if now is None:
        return (1, -pod.ready_since)
    return (1, log2_bucket((now - pod.ready_since) * NANOSECONDS_PER_SECOND))


def _creation_order(pod: Pod, now_index: int | None) -> tuple:
    """Step 8: the newer pod goes first; an unset creation time (creation_index 0) first.

    The model has no creation clock time, only `creation_index`, the uid counter at creation. It stands in for
    creationTimestamp, and its logarithmic buckets are taken relative to `now_index` (the counter now,
    `cluster.next_uid`): age is counted in objects created since, not in seconds, so recently created pods
    stay ordered while pods created long ago become interchangeable, which is what LogarithmicScaleDown is
    for. `now_index` None compares raw indexes (upstream with a zero `Now`).
    """
    if pod.creation_index <= 0:
        return (0,)
    if now_index is None:
        return (1, -pod.creation_index)
    return (1, log2_bucket(now_index - pod.creation_index))


def deletion_order_key(pod: Pod, rank: int = 0, now: int | None = None, now_index: int | None = None) -> tuple:
    """A sort key: pods with smaller keys are deleted first. It follows `ActivePodsWithRanks.Less`
    (SEMANTICS 34) step by step, the first step that differs deciding:

    1. unassigned before assigned; 2. Pending < Unknown < Running; 3. not Ready before Ready; 4. lower
    pod-deletion-cost first; 5. higher rank first; 6. both Ready: Ready more recently first (log2 buckets of
    `now - ready_since`); 7. higher max container restart count first; 8. newer first (log2 buckets of
    `now_index - creation_index`, see `_creation_order`); then the pod name, ascending.

    Confirmed against upstream's `ActivePodsWithRanks.Less` in pkg/controller/controller_utils.go (the
    LogarithmicScaleDown version: the comment's eight rules, `logarithmicRankDiff` over ns durations, zero
    times first via `afterOrZero`, `!Equal` guarding steps 6 and 8 so equal times fall through).

    Where the model departs, deliberately:
    - Upstream orders two different times in the same bucket by lower UID (pseudorandom, since real UIDs are
      random). Model uids are sequential, so that would mean "older first" rather than a random pick; and
      deciding by UID for unequal times while equal times fall through (SEMANTICS 8.11) is not a
      transitive order, so no sort key can express it. The key lets a bucket tie fall through to the later
      steps like an equal time, and ends with the pod name.
    - `sort.Sort` is not stable and upstream ends in "equal"; the model needs one deterministic order, so the
      pod name (unique) is the final tie-break (SEMANTICS 8.11).
    """
    return (
        bool(pod.node_name),
        POD_PHASE_ORDINAL.get(pod.phase, 0),
        is_ready_pod(pod),
        pod.deletion_cost,
        -rank,
        _ready_time_order(pod, now),
        -max_container_restarts(pod),
        _creation_order(pod, now_index),
        pod.name,
    )


def rank_pods_for_deletion(pods: Iterable[Pod], ranks: Mapping[str, int] | None = None, now: int | None = None,
                           now_index: int | None = None) -> tuple[Pod, ...]:
    """The pods in the order `getPodsToDelete` deletes them (SEMANTICS 33, 34).

    `ranks` maps a pod name to its number of co-located related pods (SEMANTICS 33). It is computed over the
    pods of the ReplicaSets sharing a controlling owner (a Deployment); model controllers are standalone, so
    every rank is 0 (the default) and step 5 never decides (SEMANTICS 8.11).
    """
    ranks = ranks or {}
    return tuple(sorted(pods, key=lambda p: deletion_order_key(p, ranks.get(p.name, 0), now, now_index)))


def pods_to_delete(cluster: Cluster, claimed_active: Iterable[Pod], count: int) -> tuple[str, ...]:
    """The first `count` claimed active pods in deletion order, at the cluster's clock and uid counter."""
    ranked = rank_pods_for_deletion(claimed_active, now=cluster.clock, now_index=cluster.next_uid)
    return tuple(p.name for p in ranked[:count])


# --------------------------------------------------------------------------------------------------------------
# Pod creation


def generated_pod_name(controller_name: str, uid: str) -> str:
    """`getPodsPrefix` + `SimpleNameGenerator`: "<controller-name>-" truncated to 58 characters, then a
    suffix. The suffix is the uid's counter digits rather than five random characters, so names are
    deterministic and follow creation order."""
    return f"{controller_name}-"[:MAX_GENERATED_NAME_BASE] + uid.rsplit("-", 1)[-1]


def create_controlled_pod(cluster: Cluster, controller: Controller) -> Cluster:
    """One pod from the controller's template, owned by it. A generated name that is already taken is skipped
    (the API server would answer AlreadyExists and generateName retry with another suffix)."""
    while True:
        cluster, uid = cluster.fresh_uid()
        name = generated_pod_name(controller.name, uid)
        if name not in cluster.pods:
            break
    pod = Pod.from_template(name, controller.template, owner=owner_ref(controller), uid=uid,
                            creation_index=cluster.next_uid)
    return cluster.put_pod(pod)


def api_delete_pod(cluster: Cluster, name: str) -> Cluster:
    """A controller's API delete of a pod (SEMANTICS 54), through the shared `kmodel.user.delete_pod`: a bound
    pod becomes Terminating and its kubelet finishes it (`kubelet.begin_pod_termination`); a pod no node holds
    is removed at once. The unbound case is settled here first so that it does not need the kubelet module,
    which is imported lazily (by `delete_pod`) only for a bound pod."""
    if cluster.pods[name].node_name is None:
        return cluster.remove_pod(name)
    from kmodel.user import delete_pod

    return delete_pod(cluster, name)


# --------------------------------------------------------------------------------------------------------------
# Events


@attrs.frozen
class ReplicaSetAdoptPod(Event):
    """The controller patches its controllerRef into a matching, active orphan (SEMANTICS 36)."""

    actor = CONTROLLER
    controller: str
    pod: str

    def guard(self, cluster: Cluster) -> bool:
        ctl = cluster.controllers.get(self.controller)
        pod = cluster.pods.get(self.pod)
        return (ctl is not None and pod is not None and pod.owner is None and decisions.is_active(pod)
                and ctl.label_selector.matches(pod.labels))

    def apply(self, cluster: Cluster) -> Cluster:
        ctl = cluster.controllers[self.controller]
        return cluster.put_pod(attrs.evolve(cluster.pods[self.pod], owner=owner_ref(ctl)))


@attrs.frozen
class ReplicaSetReleasePod(Event):
    """The controller patches its controllerRef away from an active pod its selector no longer matches; the pod
    keeps running as an orphan (SEMANTICS 36)."""

    actor = CONTROLLER
    controller: str
    pod: str

    def guard(self, cluster: Cluster) -> bool:
        ctl = cluster.controllers.get(self.controller)
        pod = cluster.pods.get(self.pod)
        return (ctl is not None and pod is not None and decisions.is_active(pod) and pod.owner == owner_ref(ctl)
                and not ctl.label_selector.matches(pod.labels))

    def apply(self, cluster: Cluster) -> Cluster:
        return cluster.put_pod(attrs.evolve(cluster.pods[self.pod], owner=None))


@attrs.frozen
class ReplicaSetCreatePods(Event):
    """One sync's creates: `count` pods from the template (SEMANTICS 29.4, 30), never more than the shortfall
    of claimed active pods and never more than BurstReplicas."""

    actor = CONTROLLER
    controller: str
    count: int

    def guard(self, cluster: Cluster) -> bool:
        ctl = cluster.controllers.get(self.controller)
        if ctl is None or not 1 <= self.count <= decisions.BURST_REPLICAS:
            return False
        return claimed_active_count(cluster, ctl) + self.count <= ctl.replicas

    def apply(self, cluster: Cluster) -> Cluster:
        ctl = cluster.controllers[self.controller]
        for _ in range(self.count):
            cluster = create_controlled_pod(cluster, ctl)
        return cluster


@attrs.frozen
class ReplicaSetDeletePods(Event):
    """One sync's deletes (SEMANTICS 29.4, 30, 33): API deletes of claimed active pods, no more than the
    surplus and no more than BurstReplicas. A bound pod becomes Terminating and its kubelet finishes the
    deletion (SEMANTICS 54); a pod no node holds is removed at once (`api_delete_pod`)."""

    actor = CONTROLLER
    controller: str
    pods: tuple[str, ...] = attrs.field(converter=tuple)

    def guard(self, cluster: Cluster) -> bool:
        ctl = cluster.controllers.get(self.controller)
        n = len(self.pods)
        if ctl is None or not 1 <= n <= decisions.BURST_REPLICAS or len(set(self.pods)) != n:
            return False
        for name in self.pods:
            pod = cluster.pods.get(name)
            if pod is None or not is_claimed_active(ctl, pod):
                return False
        return n <= claimed_active_count(cluster, ctl) - ctl.replicas

    def apply(self, cluster: Cluster) -> Cluster:
        for name in self.pods:
            cluster = api_delete_pod(cluster, name)
        return cluster


# --------------------------------------------------------------------------------------------------------------
# Reconcile


def sync_controller(cluster: Cluster, controller: Controller) -> tuple[Event, ...]:
    """The writes one sync of `controller` sends now: its adoptions and releases if there are any, else one
    create or delete for the capped diff over its claimed active pods, else nothing.

    For a controller the cluster holds, the claim comes from the cluster's claim index (O(log n), plus the
    claimed pods themselves for a scale-down, whose ranking reads them all); for any other controller value,
    from `claim_pods`."""
    key = controller.key
    if cluster.controllers.get(key) is not controller:
        return _sync_from_claim(cluster, controller, claim_pods(cluster, controller))
    adopt = sorted(cluster.adoptable.get(key, ()))
    release = sorted(cluster.releasable.get(key, ()))
    if adopt or release:
        return (tuple(ReplicaSetAdoptPod(key, name) for name in adopt)
                + tuple(ReplicaSetReleasePod(key, name) for name in release))
    diff = decisions.burst_capped(decisions.replica_diff(cluster.claimed_counts.get(key, 0), controller.replicas))
    if diff < 0:
        return (ReplicaSetCreatePods(key, -diff),)
    if diff > 0:
        claimed = [p for p in cluster.pods_owned_by(key) if decisions.claim_state(controller, p) == decisions.CLAIMED]
        return (ReplicaSetDeletePods(key, pods_to_delete(cluster, claimed, diff)),)
    return ()


def _sync_from_claim(cluster: Cluster, controller: Controller, claim: Claim) -> tuple[Event, ...]:
    if claim.to_adopt or claim.to_release:
        return (tuple(ReplicaSetAdoptPod(controller.key, p.name) for p in claim.to_adopt)
                + tuple(ReplicaSetReleasePod(controller.key, p.name) for p in claim.to_release))
    diff = decisions.burst_capped(decisions.replica_diff(len(claim.claimed), controller.replicas))
    if diff < 0:
        return (ReplicaSetCreatePods(controller.key, -diff),)
    if diff > 0:
        return (ReplicaSetDeletePods(controller.key, pods_to_delete(cluster, claim.claimed, diff)),)
    return ()


def _syncs(cluster: Cluster) -> list[Event]:
    """Every due controller's sync, in key order (SEMANTICS 29). The due ones come from the replication queue
    (`Cluster.replication_queue`): a controller with nothing to write is not visited, so a round costs
    O(due controllers), not O(controllers + their pods)."""
    out: list[Event] = []
    for key in sorted(cluster.replication_queue):
        out.extend(sync_controller(cluster, cluster.controllers[key]))
    return out


def reconcile(cluster: Cluster) -> tuple[Event, ...]:
    """The syncs' writes as one round applies them (`settle`): every write computed on `cluster`, the pod
    creations last.

    Creations go last because a creation advances the uid counter, which stands in for pods' ages in the
    scale-down ranking (step 8, `_creation_order`): a deletion ranked before another controller's creation in
    the same round would be applied on ages it was not ranked on, and could delete the pod that has just become
    the older one of a tie (found by the Hypothesis engine: tests/regression/test_scale_down_order.py). Each
    controller syncs independently in Kubernetes, so any order of their writes is a real schedule; this is
    the one on which every deletion holds SEMANTICS 34 when it lands.

    An orphan matched by several controllers is proposed for adoption by each: they race, and whichever
    write lands first wins (SEMANTICS 36); the others' guards then fail and `settle` drops them as stale.
    """
    writes = _syncs(cluster)
    return tuple(sorted(writes, key=lambda e: isinstance(e, ReplicaSetCreatePods)))  # stable: key order kept


def _proposals(cluster: Cluster):
    return tuple(_syncs(cluster))


CONTROLLER_PART = register_controller("replication", reconcile, order=40, proposals=_proposals)


def scale_down_ties(before: Cluster, event: ReplicaSetDeletePods, anonymous: frozenset[str]) -> tuple[Tie, ...]:
    """The claimed active pods among which the scale-down's rank (SEMANTICS 34) fell back to age or name: pods
    whose `deletion_order_key` agrees up to those steps, some deleted and some kept (SEMANTICS 34.8, 8.11)."""
    if "Pod" not in anonymous:
        return ()
    ctl = before.controllers[event.controller]
    claimed = [p for p in before.pods_owned_by(ctl.key) if is_claimed_active(ctl, p)]
    deleted = set(event.pods)
    groups: dict[tuple, list[str]] = {}
    for p in claimed:
        groups.setdefault(deletion_order_key(p, 0, before.clock, before.next_uid)[:7], []).append(p.name)
    out = []
    for names in groups.values():
        chosen = frozenset(n for n in names if n in deleted)
        passed = frozenset(names) - chosen
        if chosen and passed:
            out.append(Tie("Pod", chosen, passed, f"{event.controller} scale-down", "SEMANTICS 34.8, 8.11"))
    return tuple(out)


register_ties(ReplicaSetDeletePods, scale_down_ties)
