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


@invariant("bound-pods-on-existing-nodes", kind=STABLE, witness="sometimes-many-pods")
def bound_pods_on_existing_nodes(cluster):
    """At quiescence every bound pod's node exists (the pod garbage collector removes the others)."""
    for node in cluster.pods_by_node:
        if node not in cluster.nodes:
            for pod in cluster.pods_on(node):
                yield Violation("bound-pods-on-existing-nodes", f"pod {pod.name} is bound to missing node {node}",
                                (f"Pod/{pod.name}", f"Node/{node}"))


@invariant("owners-are-live", kind=STABLE, rules=("38",), witness="sometimes-many-pods")
def owners_are_live(cluster):
    """At quiescence every owner reference names a live controller with that uid (cascading deletion, SEMANTICS 38)."""
    for owner_key in cluster.pods_by_owner:
        for pod in cluster.pods_owned_by(owner_key):
            if not cluster.owner_alive(pod):
                yield Violation("owners-are-live", f"pod {pod.name} is owned by {owner_key} (uid {pod.owner.uid}), "
                                "which does not exist", (f"Pod/{pod.name}", owner_key))


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
