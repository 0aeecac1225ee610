"""The kube-proxy rules of the catalog (invariants/catalog/proxy.py): when the witness of `traffic-only-to-ready`,
a routing choice between ready and not-ready addresses, can be reached at all."""

from __future__ import annotations

import pytest

import invariants
from invariants.catalog.proxy import _service_can_choose
from kmodel.check import check_cluster
from kmodel.cluster import Cluster
from kmodel.explore import ExploreConfig, explore
from kmodel.objects import Container, Node, Pod, PodTemplate, ReplicationController, Service, ServicePort
from kmodel.settle import settle

APP = Container(name="app")


def pod(name: str, **labels: str) -> Pod:
    return Pod(name=name, labels=labels, containers=(APP,))


def rc(name: str, replicas: int = 1, **labels: str) -> ReplicationController:
    return ReplicationController.defaulted(name, replicas, None, PodTemplate(labels=labels, containers=(APP,)))


def svc(**selector: str) -> Service:
    return Service(name="db", selector=selector or None, ports=(ServicePort(5432),))


@pytest.mark.parametrize("objects, can_choose", [
    ([svc(app="db"), pod("db", app="db")], False),                      # one bare pod: never two addresses
    ([svc(app="db"), pod("db", app="db"), rc("web", app="web")], False),  # a controller the Service does not select
    ([svc(app="db"), pod("a", app="db"), pod("b", app="db")], True),    # two bare pods
    ([svc(app="db"), rc("db", replicas=1, app="db")], True),            # a controller: scaled, or replacing a pod
    ([svc(app="db"), pod("db", app="web")], False),                     # selects nothing
    ([svc(), pod("a", app="db"), pod("b", app="db")], False),           # no selector: endpoints unmanaged (SEMANTICS 26)
], ids=["one-pod", "one-pod-other-controller", "two-pods", "controller", "nothing-selected", "unmanaged"])
def test_a_routing_choice_needs_a_service_that_can_hold_two_pods(objects, can_choose):
    cluster = Cluster.from_objects([Node("node-1"), Node("node-2"), *objects])
    assert _service_can_choose(cluster) is can_choose


def test_one_pod_behind_a_service_leaves_traffic_only_to_ready_not_applicable_and_the_witness_is_out_of_reach():
    """The javaee example's shape (a Service in front of one bare pod, beside an unrelated controller): the
    rule is not-applicable rather than inconclusive, and every user request and fault to depth 4 indeed never
    reaches the witness (the over-approximation is sound here)."""
    cluster = Cluster.from_objects([Node("node-1"), Node("node-2"), svc(app="db"), pod("db", app="db"),
                                    rc("web", app="web")])
    verdicts = {r.name: r.verdict for r in check_cluster(cluster, max_examples=5, max_steps=10).rules}
    assert verdicts["traffic-only-to-ready"] == verdicts["sometimes-routing-choice"] == "not-applicable"
    result = explore(settle(cluster).cluster, ExploreConfig(max_depth=4, faults="all", user_events="all"),
                     rule_names=[i.name for i in invariants.of_kind(invariants.SOMETIMES)])
    assert result.exhaustive and "sometimes-routing-choice" not in result.reached
