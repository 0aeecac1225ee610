"""What a ReplicaSet or ReplicationController sync decides (SEMANTICS 29, 30, 36): which pods count (`is_active`),
each pod's case in ClaimObject (`claim_state`), the capped replica diff and whether a sync writes anything
(`sync_due`). Pure functions of API objects and counts: the controller (`kmodel.controllers.replication`) and the
state's claim indexes (`kmodel.cluster`) both read them from here.
"""

from __future__ import annotations

from kmodel.logic import Int, max_, min_
from kmodel.objects import Controller, Pod


BURST_REPLICAS = 500


def replica_diff(active: Int, desired: Int) -> Int:
    """`diff = len(filteredPods) - replicas` (SEMANTICS 29.4): positive is a surplus to delete, negative a
    shortfall to create."""
    return active - desired


def burst_capped(diff: Int) -> Int:
    """The diff with its magnitude capped at BurstReplicas = 500, sign kept (SEMANTICS 30)."""
    return max_(min_(diff, BURST_REPLICAS), -BURST_REPLICAS)


def is_active(pod: Pod) -> bool:
    """`FilterActivePods`: not Succeeded or Failed, and not being deleted (SEMANTICS 29.2). Terminating pods are
    not counted, so their replacements are created at once."""
    return pod.active


# What `claim_pods` makes of one pod for one controller (the claim index, `Cluster.claimed_counts`,
# `Cluster.adoptable`, `Cluster.releasable`, keeps these per controller).
UNRELATED, CLAIMED, TO_ADOPT, TO_RELEASE = 0, 1, 2, 3


def claim_state(controller: Controller, pod: Pod) -> int:
    """One pod's case in `claim_pods` (SEMANTICS 29.2, 36): CLAIMED, TO_ADOPT, TO_RELEASE or UNRELATED."""
    if not is_active(pod):
        return UNRELATED
    owner = pod.owner
    if owner is None:
        return TO_ADOPT if controller.label_selector.matches(pod.labels) else UNRELATED
    if owner.uid != controller.uid or owner.name != controller.name or owner.kind != controller.kind:
        return UNRELATED
    return CLAIMED if controller.label_selector.matches(pod.labels) else TO_RELEASE


def sync_due(controller: Controller, claimed: int, to_adopt: int, to_release: int) -> bool:
    """Whether a sync of the controller writes anything (`sync_controller` is non-empty): adoptions or releases
    are due, or the capped diff is not 0. The replication queue (`Cluster.replication_queue`) holds exactly the
    controllers for which this holds."""
    return bool(to_adopt or to_release) or burst_capped(replica_diff(claimed, controller.replicas)) != 0
