"""A user's own object kind (`maintenance.py`: NodeMaintenance and the controller that cordons its node), registered
from outside `kmodel/`: read from manifests with FILE:LINE errors, admitted by `Cluster.create`, held in the state,
settled, explored and checked by its own rules, saved in traces and exported as YAML; and a bug in its
controller caught by the engines."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from kmodel import parts
from kmodel.check import check_cluster
from kmodel.cli import main
from kmodel.cluster import Cluster
from kmodel.errors import InvalidObject, ManifestError
from kmodel.explore import ExploreConfig, check_with_explorer
from kmodel.manifests import load_text
from kmodel.settle import settle
from kmodel.trace import Trace, decode_cluster, encode_cluster, export_yaml, replay
from tests.extension import maintenance

MANIFESTS = """\
apiVersion: v1
kind: ReplicationController
metadata: {name: web}
spec:
  replicas: 3
  selector: {app: web}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers: [{name: app, image: nginx}]
---
apiVersion: example.com/v1
kind: NodeMaintenance
metadata: {name: kernel-upgrade}
spec:
  nodeName: node-1
  reason: kernel upgrade
"""


@pytest.fixture
def registered():
    maintenance.register()
    yield maintenance
    maintenance.unregister_all()


def loaded_cluster(text: str = MANIFESTS, nodes: int = 2) -> Cluster:
    return load_text(text, "app.yaml").to_cluster(nodes=nodes)


def test_manifests_of_the_kind_are_read_into_the_state(registered):
    c = loaded_cluster()
    assert list(c.objects_of(maintenance.KIND)) == [maintenance.NodeMaintenance("kernel-upgrade", "node-1",
                                                                               "kernel upgrade")]
    assert not load_text(MANIFESTS, "app.yaml").not_modelled


def test_without_the_registration_the_kind_is_listed_as_not_modelled():
    loaded = load_text(MANIFESTS, "app.yaml")
    assert [(n.kind, n.name) for n in loaded.not_modelled] == [("NodeMaintenance", "kernel-upgrade")]


def test_a_bad_field_is_reported_at_its_line(registered):
    bad = MANIFESTS.replace("  nodeName: node-1\n", "  nodeName: [node-1]\n")
    with pytest.raises(ManifestError) as e:
        loaded_cluster(bad)
    assert str(e.value).startswith("app.yaml:16:") and "NodeMaintenance/kernel-upgrade" in str(e.value) \
        and "spec.nodeName" in str(e.value)


def test_the_api_create_runs_the_kinds_validation(registered):
    c = Cluster.empty()
    with pytest.raises(InvalidObject, match="spec.nodeName"):
        c.create(maintenance.NodeMaintenance("m", ""))
    c = c.create(maintenance.NodeMaintenance("m", "node-1"))
    with pytest.raises(InvalidObject, match="already exists"):
        c.create(maintenance.NodeMaintenance("m", "node-2"))


def test_settle_runs_the_kinds_controller(registered):
    result = settle(loaded_cluster())
    assert result.quiescent
    assert result.cluster.nodes["node-1"].unschedulable and not result.cluster.nodes["node-2"].unschedulable
    assert result.cluster.index_mismatches() == []


@pytest.mark.parametrize("engine", ["hypothesis", "explore"])
def test_the_engines_check_the_kinds_rules_and_reach_the_witness(registered, engine):
    c = loaded_cluster()
    if engine == "explore":
        report = check_with_explorer(c, rule_names=maintenance.RULES, config=ExploreConfig(max_depth=3, faults="node"))
    else:
        report = check_cluster(c, max_examples=10, max_steps=20, rule_names=maintenance.RULES, hunt_rounds=0)
    assert report.verdict == "pass", [(r.name, r.verdict, r.reason) for r in report.rules]


def cordon_the_wrong_node(cluster):
    """A bug: the controller cordons the first node in name order that is not under maintenance."""
    named = maintenance.maintained(cluster)
    return tuple(maintenance.MaintenanceCordonNode(n) for n in sorted(cluster.nodes)
                 if n not in named and not cluster.nodes[n].unschedulable)[:1]


@pytest.mark.parametrize("engine", ["hypothesis", "explore"])
def test_a_bug_in_the_kinds_controller_is_caught(registered, engine):
    c = loaded_cluster()
    with parts.swapped(maintenance.NAME, cordon_the_wrong_node):
        if engine == "explore":
            report = check_with_explorer(c, rule_names=maintenance.RULES, config=ExploreConfig(max_depth=3))
        else:
            report = check_cluster(c, max_examples=10, max_steps=20, rule_names=maintenance.RULES, hunt_rounds=0)
    assert report.verdict == "fail"
    assert {v.rule for v in report.violations} & {"maintained-nodes-cordoned",
                                                 "maintenance-cordons-only-maintained-nodes"}


def test_traces_keep_the_kinds_objects(registered):
    c = settle(loaded_cluster()).cluster
    again = decode_cluster(json.loads(json.dumps(encode_cluster(c))))
    assert again == c and list(again.objects_of(maintenance.KIND)) == list(c.objects_of(maintenance.KIND))
    text = export_yaml(Trace(loaded_cluster(), (), "maintained-nodes-cordoned"), replay(
        Trace(loaded_cluster(), (), "maintained-nodes-cordoned")))
    assert "kind: NodeMaintenance" in text and "nodeName: node-1" in text
    first = text.split("---\n", 1)[1]
    reread = load_text(first, "exported.yaml").to_cluster(nodes=0)
    assert list(reread.objects_of(maintenance.KIND)) == list(c.objects_of(maintenance.KIND))


def test_the_explorer_drops_symmetry_for_a_cluster_holding_the_kind(registered):
    from kmodel.explore import explore

    result = explore(loaded_cluster(), ExploreConfig(max_depth=2, faults="node"), rule_names=maintenance.RULES)
    assert result.symmetry == "off" and "no symmetry reduction" in result.symmetry_note


def test_kmodel_check_on_the_manifest_file(registered, tmp_path):
    path = tmp_path / "app.yaml"
    path.write_text(MANIFESTS)
    result = CliRunner().invoke(main, ["check", str(path), "--nodes", "2", "--rules", ",".join(maintenance.RULES),
                                       "--output-format", "json"])
    assert result.exit_code == 0, result.output
    verdicts = {r["name"]: r["verdict"] for r in json.loads(result.output)["rules"]}
    assert verdicts == {name: "pass" for name in maintenance.RULES}
