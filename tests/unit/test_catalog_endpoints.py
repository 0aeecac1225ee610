"""The endpoints rules of the catalog (invariants/catalog/endpoints.py): which clusters their witnesses apply to,
so that no rule passes on a cluster that never holds the states it speaks of."""

from __future__ import annotations

import pytest

from invariants.catalog.endpoints import _has_unmanaged_service
from kmodel.check import check_cluster
from kmodel.cluster import Cluster
from kmodel.objects import Container, Node, Pod, PodTemplate, ReplicationController, Service, ServicePort
from kmodel.scenarios import seed

APP = Container(name="app")
UNMANAGED = ("unmanaged-service-has-no-endpoints", "sometimes-unmanaged-service-beside-pod")


def external(selector: dict | None = None) -> Service:
    """A Service in front of something outside the cluster: no selector, its Endpoints written by the user."""
    return Service(name="db", selector=selector, ports=(ServicePort(5432),))


def rc(replicas: int = 1) -> ReplicationController:
    return ReplicationController.defaulted("web", replicas, None, PodTemplate(labels={"app": "web"}, containers=(APP,)))


@pytest.mark.parametrize("objects, applies", [
    ([external(), rc()], True),                                    # pods will run beside the selectorless Service
    ([external(), Pod("a", containers=(APP,))], True),             # a bare pod
    ([external()], False),                                         # no pod can ever run
    ([external({"app": "db"}), rc()], False),                      # every Service has a selector: managed
], ids=["controller", "bare-pod", "no-pods", "managed"])
def test_the_unmanaged_service_witness_applies_where_a_selectorless_service_meets_pods(objects, applies):
    assert _has_unmanaged_service(Cluster.from_objects([Node("node-1"), *objects])) is applies


def test_unmanaged_service_rule_is_checked_beside_running_pods_and_not_applicable_on_the_seed():
    """SEMANTICS 26: the seed's only Service has a selector, so the rule has nothing to speak of there (it used to
    pass on the seed, its witness being a readiness state of selected pods); beside a selectorless Service the
    witness is reached once a pod runs, and the rule passes with evidence."""
    on_seed = {r.name: r.verdict for r in check_cluster(seed(), max_examples=5, max_steps=10).rules}
    assert [on_seed[name] for name in UNMANAGED] == ["not-applicable", "not-applicable"]
    cluster = Cluster.from_objects([Node("node-1"), external(), rc()])
    beside = {r.name: r.verdict for r in check_cluster(cluster, max_examples=10, max_steps=15).rules}
    assert [beside[name] for name in UNMANAGED] == ["pass", "pass"]
