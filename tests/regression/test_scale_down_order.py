"""Counterexample found in session 2, kept as a regression test.

`kmodel check --profile kubernetes` (the Hypothesis engine) reported `scale-down-order`: in one settle round the
replication controller proposed creating a cache pod and, for the web ReplicationController scaled down to 1,
deleting web-000014. The two web pods left were Pending and tied through step 7 of SEMANTICS 34; their ages
(`creation_index` against the uid counter, in log2 buckets) tied too, so the name chose web-000014. The round then
applied the creation first: the counter moved on, the ages fell into different buckets, web-000015 became the
newer one, and the deletion landed on a state where SEMANTICS 34 deletes web-000015 first. The controller's
round now applies its pod creations after its other writes (`replication.reconcile`).

The trace (`data/scale_down_after_creation.json`, as `kmodel check` saved it) replays the 63 events before that
round; the round itself is computed afresh.
"""

from __future__ import annotations

from pathlib import Path

import invariants
from kmodel import trace
from kmodel.controllers import replication
from kmodel.events import step
from kmodel.settle import controller_round, settle

TRACE = Path(__file__).parent / "data" / "scale_down_after_creation.json"


def state_before_the_round():
    saved = trace.load(TRACE)
    cluster = saved.initial
    for event in saved.events[:63]:
        cluster = step(cluster, event)
    return cluster


def test_a_round_deletes_in_semantics_34_order_although_it_creates_pods_too():
    cluster = state_before_the_round()
    broken = []

    def observe(before, event, after):
        broken.extend(invariants.check_transition(before, event, after))

    after, applied = controller_round(cluster, observe)
    deleted = [e for e in applied if isinstance(e, replication.ReplicaSetDeletePods)]
    # Applied before the creation, on the state it was ranked on: the ages still tie there, and the name decides.
    assert [e.pods for e in deleted] == [("web-000014",)]
    assert applied.index(deleted[0]) < min(i for i, e in enumerate(applied)
                                           if isinstance(e, replication.ReplicaSetCreatePods))
    assert broken == []
    assert settle(after, observe=observe).quiescent and broken == []


def test_the_round_creates_after_it_deletes():
    writes = replication.reconcile(state_before_the_round())
    kinds = [type(e).__name__ for e in writes]
    assert kinds == sorted(kinds, key=lambda k: k == "ReplicaSetCreatePods")
    assert "ReplicaSetCreatePods" in kinds and "ReplicaSetDeletePods" in kinds
