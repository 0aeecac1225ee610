"""The replication rules of the catalog (invariants/catalog/replication.py): where `burst-limit` has anything to
speak of, and that it catches a sync that ignores burstReplicas (SEMANTICS 30)."""

from __future__ import annotations

import pytest

from invariants.catalog.replication import _can_exceed_burst
from kmodel.check import check_cluster
from kmodel.cluster import Cluster
from kmodel.decisions import replication as replication_decisions
from kmodel.objects import Container, Node, PodTemplate, ReplicationController
from kmodel.scenarios import seed

BURST = ("burst-limit", "sometimes-burst-capped")


def rc(replicas: int) -> ReplicationController:
    return ReplicationController.defaulted("big", replicas, None,
                                           PodTemplate(labels={"app": "big"}, containers=(Container(name="app"),)))


def big(replicas: int) -> Cluster:
    return Cluster.from_objects([Node("node-1"), Node("node-2"), rc(replicas)])


@pytest.mark.parametrize("replicas, applies", [(3, False), (500, False), (501, True), (2_000, True)])
def test_the_burst_witness_applies_only_where_a_diff_can_exceed_500(replicas, applies):
    assert _can_exceed_burst(big(replicas)) is applies


def test_burst_limit_is_not_applicable_on_the_seed_and_checked_with_evidence_on_a_big_controller():
    """The seed's controllers are never 500 pods away from their replicas, so the rule has nothing to speak of
    (it used to pass there on the witness of a scale-down); a 502-replica controller starts 502 pods short,
    its first sync creates 500 and the next 2."""
    on_seed = {r.name: r.verdict for r in check_cluster(seed(), max_examples=3, max_steps=5).rules}
    assert [on_seed[name] for name in BURST] == ["not-applicable", "not-applicable"]
    checked = {r.name: r.verdict for r in check_cluster(big(502), max_examples=2, max_steps=3,
                                                        rule_names=BURST).rules}
    assert [checked[name] for name in BURST] == ["pass", "pass"]


def test_a_sync_without_the_burst_cap_breaks_burst_limit_on_the_baseline_whatever_the_runs_draw(swap):
    """`kmodel check` settles the cluster first, checking every step: the uncapped first sync is reported with
    that one-step trace, even by random runs too short to draw it."""
    swap.setattr(replication_decisions, "BURST_REPLICAS", 10_000)
    report = check_cluster(big(502), max_examples=1, max_steps=1, rule_names=BURST)
    assert report.verdict == "fail" and [v.rule for v in report.violations] == ["burst-limit"]
    assert "created 502 pods in one sync" in report.violations[0].message
    assert [type(e).__name__ for e in report.violations[0].events] == ["ReplicaSetCreatePods"]
