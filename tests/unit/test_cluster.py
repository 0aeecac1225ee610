"""The cluster state: named constructors, API validation on create, persistence, and exact indexes."""

from __future__ import annotations

import attrs
import pytest
from hypothesis import given
from hypothesis import strategies as st

from kmodel.cluster import Cluster, Config
from kmodel.errors import InvalidObject
from kmodel.labels import parse_selector
from kmodel.objects import (
    Container,
    Node,
    OwnerRef,
    Pod,
    PodTemplate,
    ReplicaSet,
    ReplicationController,
    Resources,
    Service,
    ServicePort,
)
from kmodel import scenarios

APP = Container(name="app", requests=Resources(cpu=100, memory=1000))


def test_empty_cluster_has_nothing():
    c = Cluster.empty()
    assert (len(c.nodes), len(c.pods), c.clock) == (0, 0, 0)
    assert c.config == Config()


def test_from_objects_assigns_uids_in_creation_order():
    c = Cluster.from_objects([Pod("a", containers=(APP,)), Pod("b", containers=(APP,))])
    assert c.pods["a"].uid < c.pods["b"].uid
    assert c.pods["a"].creation_index < c.pods["b"].creation_index


def test_create_rejects_duplicates_with_object_and_field():
    c = Cluster.from_objects([Node("n1")])
    with pytest.raises(InvalidObject, match=r"Node/n1: metadata.name: already exists"):
        c.create(Node("n1"))


@pytest.mark.parametrize("obj, field", [
    (ReplicaSet("rs", 1, parse_selector("app=x"), PodTemplate(labels={"app": "y"}, containers=(APP,))),
     "spec.template.metadata.labels"),  # SEMANTICS 25: selector must match the template
    (ReplicaSet("rs", 1, parse_selector(""), PodTemplate(labels={"app": "y"}, containers=(APP,))),
     "spec.selector"),  # SEMANTICS 25: empty selector invalid
    (ReplicationController("rc", -1, {"app": "x"}, PodTemplate(labels={"app": "x"}, containers=(APP,))),
     "spec.replicas"),
    (ReplicationController("rc", 1, {"app": "x"}, PodTemplate(labels={"app": "y"}, containers=(APP,))),
     "spec.template.metadata.labels"),  # SEMANTICS 24
    (Pod("p", containers=()), "spec.containers"),
    (Pod("Bad_Name", containers=(APP,)), "metadata.name"),
    (Pod("p", labels={"Example.com/x": "1"}, containers=(APP,)), "metadata.labels"),
    (Service("s", selector={"app": "x"}, ports=(ServicePort(80, target_port="Not_A_Port"),)), "spec.ports[0].targetPort"),
])
def test_invalid_objects_name_object_and_field(obj, field):
    with pytest.raises(InvalidObject) as err:
        Cluster.empty().create(obj)
    assert err.value.field.startswith(field)
    assert str(err.value).startswith(err.value.obj)


def test_rc_selector_defaults_from_template():
    """SEMANTICS 24, 8.1: an empty RC selector is defaulted from the template labels."""
    rc = ReplicationController.defaulted("web", None, None, PodTemplate(labels={"app": "web"}, containers=(APP,)))
    assert dict(rc.selector) == {"app": "web"} and rc.replicas == 1 and dict(rc.labels) == {"app": "web"}


def test_writes_are_persistent():
    c1 = Cluster.from_objects([Node("n1"), Pod("p", containers=(APP,))])
    c2 = c1.put_pod(attrs.evolve(c1.pods["p"], node_name="n1"))
    assert c1.pods["p"].node_name is None and c2.pods["p"].node_name == "n1"
    assert c1.usage("n1").pods == 0 and c2.usage("n1").pods == 1
    assert c1 != c2 and hash(c1) != hash(c2)


def test_equality_ignores_how_indexes_were_built():
    c = scenarios.seed()
    assert c == c.rebuilt() and hash(c) == hash(c.rebuilt())


def test_seed_indexes_are_exact():
    assert scenarios.seed().index_mismatches() == []


OWNER = OwnerRef("ReplicaSet", "rs", "uid-x")


@st.composite
def pod_writes(draw):
    name = draw(st.sampled_from(["a", "b", "c"]))
    if draw(st.integers(0, 4)) == 0:
        return ("remove", name)
    return ("put", Pod(
        name, uid=f"u-{name}", labels=draw(st.sampled_from([{}, {"app": "web"}, {"app": "db"}])),
        owner=draw(st.sampled_from([None, OWNER])), node_name=draw(st.sampled_from([None, "n1", "n2"])),
        containers=(APP,), phase=draw(st.sampled_from(["Pending", "Running", "Succeeded"])),
        deletion_timestamp=draw(st.sampled_from([None, 5]))))


@given(st.lists(pod_writes(), max_size=25))
def test_indexes_stay_exact_under_any_writes(writes):
    """Every index equals its recomputation after any sequence of pod writes (DESIGN principle 1)."""
    c = Cluster.from_objects([Node("n1"), Node("n2"), Service("web", selector={"app": "web"}, ports=(ServicePort(80),))])
    for kind, arg in writes:
        if kind == "remove":
            if arg in c.pods:
                c = c.remove_pod(arg)
        else:
            c = c.put_pod(arg)
        assert c.index_mismatches() == []
