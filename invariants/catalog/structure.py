"""Structure: names and uids are unique, references resolve, and every index equals its recomputation."""

from __future__ import annotations

from collections import Counter

from invariants.registry import ALWAYS, SOMETIMES, STABLE, Violation, invariant


@invariant("unique-uids", kind=ALWAYS, witness="sometimes-many-pods")
def unique_uids(cluster):
    """No two objects share a uid (names are unique per kind by construction: the maps are keyed by name)."""
    uids = [p.uid for p in cluster.pods.values()] + [c.uid for c in cluster.controllers.values()]
    if len(set(uids)) == len(uids):
        return
    for uid, n in Counter(uids).items():
        if n > 1:
            yield Violation("unique-uids", f"uid {uid} is used by {n} objects")


@invariant("bound-pods-on-existing-nodes", kind=STABLE, witness="sometimes-node-gone")
def bound_pods_on_existing_nodes(cluster):
    """At quiescence every bound pod's node exists (the pod garbage collector removes the others)."""
    for node in cluster.pods_by_node:
        if node not in cluster.nodes:
            for pod in cluster.pods_on(node):
                yield Violation("bound-pods-on-existing-nodes", f"pod {pod.name} is bound to missing node {node}",
                                (f"Pod/{pod.name}", f"Node/{node}"))


@invariant("owners-are-live", kind=STABLE, rules=("38", "54"), witness="sometimes-owner-gone")
def owners_are_live(cluster):
    """At quiescence the garbage collector has deleted every pod whose controller owner is gone or has another
    uid (cascading deletion, SEMANTICS 38). Such a pod may still exist only while it terminates on a node that
    is not Ready: only its kubelet removes the object (SEMANTICS 54.3), so in Kubernetes too it stays Terminating,
    its ownerReference dangling, until the node returns or its Node object is deleted."""
    for owner_key in cluster.pods_by_owner:
        for pod in cluster.pods_owned_by(owner_key):
            if cluster.owner_alive(pod) or (pod.terminating and pod.node_name in cluster.not_ready_nodes):
                continue
            if not pod.terminating:
                state = "not being deleted"
            else:
                state = f"terminating on Ready node {pod.node_name}" if pod.node_name else "terminating unbound"
            yield Violation("owners-are-live", f"pod {pod.name} is owned by {owner_key} (uid {pod.owner.uid}), "
                            f"which no longer exists with that uid, and is {state}", (f"Pod/{pod.name}", owner_key))


@invariant("terminated-pods-collected", kind=STABLE, rules=("38",), witness="sometimes-terminated-for-good")
def terminated_pods_collected(cluster):
    """At quiescence no Succeeded or Failed pod is left: the pod garbage collector force-deletes terminated pods
    beyond `--terminated-pod-gc-threshold`, which the model sets to 0 (kmodel/controllers/garbage_collector.py
    says why; upstream's default is 12,500). Read from the pods' phases, not from the terminal-pod index."""
    for pod in cluster.pods.values():
        if pod.phase in ("Succeeded", "Failed"):
            yield Violation("terminated-pods-collected", f"pod {pod.name} is {pod.phase} at quiescence: the pod "
                            "garbage collector left it", (f"Pod/{pod.name}",))


@invariant("indexes-exact", kind=ALWAYS, witness="sometimes-many-pods")
def indexes_exact(cluster):
    """Every derived index equals its recomputation from the objects (DESIGN principle 1)."""
    for name in cluster.index_mismatches():
        yield Violation("indexes-exact", f"index {name} differs from its recomputation")


@invariant("sometimes-many-pods", kind=SOMETIMES, applies=lambda c: bool(c.controllers),
           reached_by=("ScaleController",))
def many_pods(cluster):
    """Some state holds at least three bound pods of one controller."""
    return any(sum(counts.values()) >= 3 for counts in cluster.owner_node_counts.values())


@invariant("sometimes-owner-gone", kind=SOMETIMES, applies=lambda c: bool(c.controllers),
           reached_by=("DeleteController",))
def owner_gone(cluster):
    """Some state holds a pod whose controller owner no longer exists, so cascading deletion has work to do
    (SEMANTICS 38): the states `owners-are-live` speaks of."""
    return bool(cluster.dangling_pods)


@invariant("sometimes-node-gone", kind=SOMETIMES, applies=lambda c: bool(c.nodes) and bool(c.pods or c.controllers),
           reached_by=("RemoveNode",))
def node_gone(cluster):
    """Some state holds a pod bound to a node whose Node object was deleted, so the pod garbage collector has
    work to do: the states `bound-pods-on-existing-nodes` speaks of."""
    return bool(cluster.lost_nodes)
