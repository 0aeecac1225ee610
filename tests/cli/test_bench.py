"""`kmodel bench`: a profile's placements per second beside another's, the saved baseline and the regression
check's exit codes (issue 19, item 6)."""

from __future__ import annotations

import json

from click.testing import CliRunner

from kmodel.cli import main
from kmodel.commands.bench import regressions
from tests.extension import pool_plugins

SMALL = ["--nodes", "5,20", "--pods", "5", "--rounds", "1"]


def run(*args):
    return CliRunner().invoke(main, ["bench", *args])


def test_the_ratio_of_two_built_in_profiles_in_one_run(tmp_path):
    saved = tmp_path / "baseline.json"
    result = run("--profile", "kubernetes", *SMALL, "--json", "--save", str(saved))
    assert result.exit_code == 0, result.output
    figures = json.loads(result.output)
    assert figures["profile"] == "kubernetes" and figures["against"] == "textbook"
    assert set(figures["nodes"]) == {"5", "20"} and figures["build"] in ("compiled", "pure")
    for fig in figures["nodes"].values():
        assert fig["placements_per_second"] > 0 and fig["against_per_second"] > 0
        # the ratio is of the unrounded medians; the rates shown are rounded to 0.1/s
        assert abs(fig["ratio"] - fig["placements_per_second"] / fig["against_per_second"]) < 0.01 * fig["ratio"]
    assert json.loads(saved.read_text())["nodes"].keys() == figures["nodes"].keys()


def test_a_ratio_that_fell_is_a_regression_exit_1(tmp_path):
    baseline = tmp_path / "baseline.json"
    baseline.write_text(json.dumps({"profile": "kubernetes", "against": "textbook",
                                    "nodes": {"5": {"ratio": 1e9}, "20": {"ratio": 1e9}}}))
    result = run("--profile", "kubernetes", *SMALL, "--baseline", str(baseline))
    assert result.exit_code == 1 and "REGRESSION 5 nodes" in result.output


def test_regressions_compares_each_node_count_with_its_baseline():
    now = {"nodes": {"5": {"ratio": 0.89}, "20": {"ratio": 0.95}}}
    then = {"nodes": {"5": {"ratio": 1.0}, "20": {"ratio": 1.0}}}
    assert [r.split(":")[0] for r in regressions(now, then, 0.10)] == ["5 nodes"]
    assert regressions(now, then, 0.2) == []


def test_bad_input_is_exit_2_with_the_reason(tmp_path):
    assert run("--profile", "nope", *SMALL).exit_code == 2
    assert run("--profile", "kubernetes", "--nodes", "x", "--rounds", "1").exit_code == 2
    assert run("--profile", "kubernetes", "--import", "no.such.module", *SMALL).exit_code == 2
    other = tmp_path / "other.json"
    other.write_text(json.dumps({"profile": "textbook", "against": "kubernetes", "nodes": {}}))
    result = run("--profile", "kubernetes", *SMALL, "--baseline", str(other))
    assert result.exit_code == 2 and "not 'kubernetes' against 'textbook'" in result.output
    broken = tmp_path / "broken.json"
    broken.write_text("{")
    assert run("--profile", "kubernetes", *SMALL, "--baseline", str(broken)).exit_code == 2


def test_a_user_profile_is_benchmarked_after_its_module_registers_it():
    try:
        result = run("--profile", "pools", "--import", "tests.extension.pool_plugins:register", *SMALL)
        assert result.exit_code == 0, result.output
        assert "profile pools against textbook" in result.output
    finally:
        pool_plugins.unregister_all()
