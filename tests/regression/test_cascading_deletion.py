"""Counterexamples found while building kmodel, kept as regression tests: cascading deletion.

1. The first exhaustive search that deleted controllers (session 8: `kmodel check --engine explore`, the seed
   scenario) reported `owners-are-live` after `DeleteController(ReplicaSet/cache)` and `NodeCrash(node-1)`: at
   quiescence a cache pod on the crashed node still named the deleted ReplicaSet. The garbage collector had
   deleted it (a graceful delete, SEMANTICS 38), but only the pod's kubelet removes the object (SEMANTICS 54.3),
   and that kubelet was down: Kubernetes leaves the pod Terminating, its ownerReference dangling, until the node
   returns. The rule was too strong (no engine had deleted a controller before, so it had never been
   exercised); it now allows exactly that pod, and still catches a dependent nobody deletes.
"""

from __future__ import annotations

import invariants
from kmodel.controllers import garbage_collector
from kmodel.controllers.node_lifecycle import NodeCrash, NodeRecover
from kmodel.events import step
from kmodel.scenarios import seed
from kmodel.settle import settle
from kmodel.user import DeleteController


def stable_violations(cluster) -> list:
    return [v.message for v in invariants.check(cluster, kinds=(invariants.STABLE,), names=["owners-are-live"])]


def on_node_1(cluster, owner: str) -> list[str]:
    return sorted(p.name for p in cluster.pods_owned_by(owner) if p.node_name == "node-1")


def test_a_dependent_terminating_on_a_crashed_node_keeps_its_dangling_owner_until_the_node_returns():
    c = settle(seed()).cluster
    stuck = on_node_1(c, "ReplicaSet/cache")
    assert stuck
    c = step(step(c, DeleteController("ReplicaSet/cache")), NodeCrash("node-1"))
    settled = settle(c)
    assert settled.quiescent
    c = settled.cluster
    assert all(c.pods[name].terminating and c.pods[name].owner.key == "ReplicaSet/cache" for name in stuck)
    assert stable_violations(c) == []
    back = settle(step(c, NodeRecover("node-1"))).cluster  # the kubelet finishes the delete
    assert not set(stuck) & set(back.pods) and stable_violations(back) == []


def test_a_dependent_nobody_deletes_still_breaks_the_rule(swap):
    swap.setattr(garbage_collector, "dependents_of_missing_owners", lambda cluster: [])
    c = settle(step(settle(seed()).cluster, DeleteController("ReplicaSet/cache"))).cluster
    found = stable_violations(c)
    assert found and all("which no longer exists with that uid, and is not being deleted" in m for m in found)
