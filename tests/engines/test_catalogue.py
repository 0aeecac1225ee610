"""The engines over the configuration space (issue 18): every catalogue scenario and the generated clusters pass
on the unmodified model with every applicable witness reached, the catalogue has every configuration feature of
`kmodel.generate.FEATURES`, and a bug in a branch the seed never takes is found by `--scenario generated` with
a counterexample naming the (shrunk) cluster, replayable like any trace."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from kmodel import generate, scenarios
from kmodel.check import check_cluster, check_generated
from kmodel.cli import main
from kmodel.controllers import kubelet


def invoke(*args):
    return CliRunner().invoke(main, ["check", *args])


@pytest.mark.parametrize("name", sorted(scenarios.CATALOGUE))
def test_every_catalogue_scenario_passes_with_every_applicable_witness_reached(name):
    report = check_cluster(scenarios.CATALOGUE[name].cluster())
    bad = [(r.name, r.verdict, r.message) for r in report.rules if r.verdict not in ("pass", "not-applicable")]
    assert report.verdict == "pass" and not bad, bad


def test_the_catalogue_has_every_configuration_feature():
    have = set().union(*(generate.features_of(s.cluster()) for s in scenarios.CATALOGUE.values()))
    assert set(generate.FEATURES) - have == set()


def test_generated_clusters_pass_at_ci_strength_and_draw_every_feature():
    """`kmodel check --scenario generated` at its default strength: 200 clusters, every rule passes with its
    witness reached (two not-applicable: a sync beyond burstReplicas needs 500 pods, which no generated cluster
    has), and every configuration feature was drawn."""
    report, coverage = check_generated(examples=200)
    bad = [(r.name, r.verdict, r.message) for r in report.rules if r.verdict != "pass"]
    assert report.verdict == "pass", bad
    assert {name for name, _, _ in bad} == {"burst-limit", "sometimes-burst-capped"}
    assert coverage.clusters >= 200 and all(coverage.features[f] > 0 for f in generate.FEATURES), coverage.features


def test_generated_clusters_are_valid_and_small_enough_to_explore():
    for cluster in generate.sample(60, seed=3):
        pods = len(cluster.pods) + sum(c.replicas for c in cluster.controllers.values())
        assert 1 <= len(cluster.nodes) <= 3 and pods <= generate.MAX_PODS
        for ctl in cluster.controllers.values():  # RC and RS templates are Always, as upstream validation demands
            assert ctl.template.restart_policy == "Always" and ctl.label_selector.matches(ctl.template.labels)


def test_sampling_is_reproducible():
    a = [generate.describe(c) for c in generate.sample(10, seed=5)]
    assert a == [generate.describe(c) for c in generate.sample(10, seed=5)]


def test_list_scenarios_names_the_catalogue_and_generated():
    result = invoke("--list-scenarios", "--output-format", "json")
    assert result.exit_code == 0
    names = [row["name"] for row in json.loads(result.stdout)]
    assert names == [*scenarios.CATALOGUE, "generated", "all"]
    assert all(row["summary"] for row in json.loads(result.stdout))


def test_unknown_scenario_is_a_usage_error_listing_the_known_ones():
    result = invoke("--scenario", "nope")
    assert result.exit_code == 2 and "probes" in result.output and "generated" in result.output


def test_scenario_and_manifests_together_are_a_usage_error(tmp_path):
    (tmp_path / "x.yaml").write_text("")
    result = invoke("--scenario", "probes", str(tmp_path / "x.yaml"))
    assert result.exit_code == 2


def test_coverage_reports_features_and_witnesses():
    result = invoke("--scenario", "restart-policies", "--coverage", "--output-format", "json")
    doc = json.loads(result.stdout)
    assert result.exit_code == 0, result.output
    cov = doc["coverage"]
    assert cov["clusters"] == 1 and cov["features"]["restart-on-failure"] == 1 and cov["features"]["udp"] == 0
    assert "sometimes-exit-0-stays-down" in cov["witnesses_reached"]
    assert "sometimes-unmanaged-service-beside-pod" in cov["witnesses_not_applicable"]


def test_a_bug_the_seed_cannot_see_is_found_on_generated_clusters_with_the_cluster_named(monkeypatch, swap, tmp_path):
    """OnFailure restarting a container that exited 0: the seed has only restartPolicy Always, so its check
    passes; the generated clusters have OnFailure pods, and the report names the shrunk cluster and saves a trace
    that replays to the same violation."""
    original = kubelet.should_restart

    def restarts_success(policy, exit_code, killed_by_probe):
        return True if policy == "OnFailure" else original(policy, exit_code, killed_by_probe)

    swap.setattr(kubelet, "should_restart", restarts_success)
    monkeypatch.chdir(tmp_path)
    assert invoke("--max-examples", "20").exit_code == 0  # the seed: restartPolicy Always only
    result = invoke("--scenario", "generated", "--examples", "200", "--output-format", "json")
    doc = json.loads(result.stdout)
    assert result.exit_code == 1 and doc["verdict"] == "fail", result.output
    violation = doc["violations"][0]
    assert "OnFailure" in violation["cluster"]
    replay = CliRunner().invoke(main, ["replay", violation["trace"]["file"]])
    assert violation["rule"] in replay.output
