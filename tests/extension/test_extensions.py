"""Worked extensions, each in its own module beside this one and nothing under `kmodel/` edited: a controller
(`node_labeler.py`) and two scheduler plugins in profiles of their own (`pool_plugins.py`), registered, then
explored, settled and checked by their own rules through every engine; and a bug in each caught by an engine.

Each test registers the parts for itself and removes them afterwards (the `registered` fixtures), so the rest of
the suite, which runs in the same processes, sees the model as it ships.
"""

from __future__ import annotations

import pytest

from kmodel import parts
from kmodel.check import check_cluster
from kmodel.cluster import Cluster, Config
from kmodel.explore import ExploreConfig, check_with_explorer, explore
from kmodel.labels import parse_selector
from kmodel.objects import Container, Node, PodTemplate, ReplicaSet
from kmodel.scenarios import tiny
from kmodel.scheduler import profiles
from kmodel.settle import controllers, settle
from tests.extension import node_labeler, pool_plugins


def checked(cluster, rules, engine: str):
    """`kmodel check` on the cluster with these rules, through the Hypothesis machine or the explorer."""
    if engine == "explore":
        return check_with_explorer(cluster, rule_names=rules, config=ExploreConfig(max_depth=3, faults="node,probes"))
    return check_cluster(cluster, max_examples=10, max_steps=20, rule_names=rules, hunt_rounds=0)


@pytest.fixture
def labeler():
    node_labeler.register()
    yield node_labeler
    node_labeler.unregister_all()


@pytest.fixture
def pools():
    pool_plugins.register()
    yield pool_plugins
    pool_plugins.unregister_all()


# ---- a controller --------------------------------------------------------------------------------------------

def test_a_registered_controller_joins_the_fair_round_after_the_built_in_ones(labeler):
    names = [name for name, _ in controllers()]
    assert names[-1] == node_labeler.NAME and names[:-1] == ["node-lifecycle", "garbage-collector", "replication",
                                                             "scheduler", "kubelet", "endpoints"]


def test_settle_runs_the_user_controller_to_quiescence(labeler):
    result = settle(tiny())
    assert result.quiescent
    bound = [p for p in result.cluster.pods.values() if p.node_name]
    assert bound and all(p.labels[node_labeler.LABEL] == p.node_name for p in bound)


@pytest.mark.parametrize("engine", ["hypothesis", "explore"])
def test_every_engine_checks_the_user_rules_and_reaches_their_witness(labeler, engine):
    report = checked(tiny(), node_labeler.RULES, engine)
    verdicts = {r.name: r.verdict for r in report.rules}
    assert {name: verdicts[name] for name in node_labeler.RULES} == {name: "pass" for name in node_labeler.RULES}
    assert all(v == "pass" for v in verdicts.values()), verdicts


def test_the_explorer_branches_over_the_user_controller_writes(labeler):
    result = explore(tiny(), ExploreConfig(max_depth=3, faults="none"), rule_names=node_labeler.RULES)
    assert result.event_counts.get("NodeLabelerLabelPod", 0) > 0
    assert result.verdict == "pass"


def wrong_node(cluster):
    """A bug: the controller labels each pod with the first node's name."""
    first = min(cluster.nodes) if cluster.nodes else ""
    return tuple(node_labeler.NodeLabelerLabelPod(name, pod.node_name) if pod.node_name == first else
                 node_labeler.NodeLabelerLabelPod(name, first)
                 for name, pod in sorted(cluster.pods.items())
                 if pod.node_name is not None and pod.labels.get(node_labeler.LABEL) != pod.node_name)


def never_labels(cluster):
    """A bug: the controller does nothing."""
    return ()


def test_the_explorer_reports_a_user_controller_that_never_acts(labeler):
    with parts.swapped(node_labeler.NAME, never_labels):
        result = explore(tiny(), ExploreConfig(max_depth=1, faults="none"), rule_names=node_labeler.RULES)
    assert {v.rule for v in result.violations} == {"bound-pods-carry-their-node"}


def test_hypothesis_reports_a_user_controller_that_never_acts(labeler):
    """A small search is enough: `check_cluster`'s deterministic baseline settles the cluster first and checks
    the STABLE rules at quiescence, where the unlabelled pods are, whatever the random runs draw."""
    with parts.swapped(node_labeler.NAME, never_labels):
        report = check_cluster(tiny(), max_examples=5, max_steps=10, rule_names=node_labeler.RULES, hunt_rounds=0)
    assert "bound-pods-carry-their-node" in {v.rule for v in report.violations}


def test_a_guarded_write_for_another_node_is_never_applied(labeler):
    """`wrong_node` proposes writes whose guard fails (the pod is not on that node): settle drops them, so the
    labels of pods off the first node stay missing and the STABLE rule reports it."""
    with parts.swapped(node_labeler.NAME, wrong_node):
        result = explore(tiny(), ExploreConfig(max_depth=1, faults="none"), rule_names=node_labeler.RULES)
    assert result.verdict in ("pass", "fail")  # two nodes: which one holds the pod decides
    assert all(v.rule == "bound-pods-carry-their-node" for v in result.violations)


# ---- scheduler plugins ---------------------------------------------------------------------------------------

def pooled_cluster(profile: str) -> Cluster:
    """Three nodes, two of them in pool `a` (one on the fast tier, room for two pods), and a ReplicaSet of three
    pool-`a` pods."""
    nodes = [Node("n1", labels={pool_plugins.POOL: "a"}),
             Node("n2", labels={pool_plugins.POOL: "a", pool_plugins.TIER: "fast"}, max_pods=2),
             Node("n3", labels={pool_plugins.POOL: "b"})]
    template = PodTemplate(labels={"app": "web", pool_plugins.POOL: "a"}, containers=(Container("c"),))
    rs = ReplicaSet("web", replicas=3, selector=parse_selector("app=web"), template=template, uid="uid-web")
    return Cluster.from_objects(nodes + [rs], config=Config(profile=profile))


@pytest.mark.parametrize("profile", ["pools", "pools-weighted"])
def test_a_user_profile_schedules_through_its_plugins(pools, profile):
    settled = settle(pooled_cluster(profile)).cluster
    assert {p.node_name for p in settled.pods.values()} <= {"n1", "n2"}
    if profile == "pools-weighted":
        # FastTier x3 outweighs spreading for a best-effort pod: the fast node fills up first
        assert sum(p.node_name == "n2" for p in settled.pods.values()) == 2


def test_the_rank_profile_with_a_user_filter_is_served_by_the_index_and_cache(pools):
    assert profiles.PROFILES["pools"].cache_refusal is None
    assert pooled_cluster("pools").scheduler_index is not None
    assert pooled_cluster("pools-weighted").scheduler_index is None


@pytest.mark.parametrize("profile", ["pools", "pools-weighted"])
@pytest.mark.parametrize("engine", ["hypothesis", "explore"])
def test_the_user_profile_passes_the_user_and_model_rules(pools, profile, engine):
    rules = pool_plugins.RULES + ("scheduler-forms-agree", "node-capacity-respected", "sometimes-spread-over-nodes")
    report = checked(pooled_cluster(profile), rules, engine)
    assert {r.name: r.verdict for r in report.rules if r.verdict != "pass"} == {}


@pytest.mark.parametrize("engine", ["hypothesis", "explore"])
def test_a_bug_in_the_user_filter_fast_form_is_caught(pools, engine):
    broken = profiles.with_filter(profiles.PROFILES["pools"], "NodePool", fast=pool_plugins.broken_pool_filter().fast)
    with profiles.installed(broken):
        report = checked(pooled_cluster("pools"), pool_plugins.RULES + ("scheduler-forms-agree",), engine)
    assert {v.rule for v in report.violations} & {"pods-stay-in-their-pool", "scheduler-forms-agree"}


def test_the_oracle_rules_do_not_claim_a_user_profile(pools):
    """The independent oracle states the upstream profiles only: under a user's profile its rules are not
    checked (not passed), and the user's own rule speaks for their plugin."""
    import invariants

    names = {inv.name for inv in invariants.of_kind(profile="pools")}
    assert "schedule-least-loaded" not in names and "scheduler-forms-agree" in names
    assert "pods-stay-in-their-pool" in names


# ---- entry points ----------------------------------------------------------------------------------------------

def test_an_entry_point_of_group_kmodel_parts_registers_a_users_parts(monkeypatch):
    """A package declares `node_labeler = "tests.extension.node_labeler:register"` in the group `kmodel.parts`:
    `parts.load` imports the module and calls the function, before any engine reads a registry."""
    from importlib import metadata

    entry = metadata.EntryPoint("node_labeler", "tests.extension.node_labeler:register", parts.ENTRY_POINT_GROUP)
    monkeypatch.setattr(parts.metadata, "entry_points",
                        lambda group: [entry] if group == parts.ENTRY_POINT_GROUP else [])
    monkeypatch.setattr(parts, "_loaded", False)
    try:
        assert [name for name, _ in controllers()][-1] == node_labeler.NAME
    finally:
        node_labeler.unregister_all()


def test_an_entry_point_of_group_kmodel_rules_registers_a_users_rules(monkeypatch):
    import importlib
    from importlib import metadata

    import invariants

    registry = importlib.import_module("invariants.registry")  # `invariants.registry` the attribute is a function

    entry = metadata.EntryPoint("pools", "tests.extension.pool_plugins:register", registry.ENTRY_POINT_GROUP)
    monkeypatch.setattr(registry.metadata, "entry_points",
                        lambda group: [entry] if group == registry.ENTRY_POINT_GROUP else [])
    monkeypatch.setattr(registry, "_catalog_loaded", False)  # the built-in modules are imported already
    try:
        assert "pods-stay-in-their-pool" in invariants.registry()
        assert "pools" in profiles.PROFILES
    finally:
        pool_plugins.unregister_all()
