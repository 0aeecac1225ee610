"""Exit codes mean what they say (issue 22, item 3): an internal error is exit 4 with one line, never 1 (the code
of a violation); a run that would check nothing is a usage error, never a pass."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from kmodel.cli import EXIT_INTERNAL, EXIT_USAGE, main
from kmodel.decisions import endpoints as endpoint_decisions


def crashing(pod_ready, publish_not_ready):
    raise ZeroDivisionError("a bug in a decision")


@pytest.mark.parametrize("command", [["check", "--max-examples", "2"], ["explore", "--max-depth", "1", "--no-progress"]])
def test_a_crash_in_the_model_exits_4_with_one_line(swap, command):
    swap.setattr(endpoint_decisions, "address_is_ready", crashing)
    result = CliRunner().invoke(main, command)
    assert result.exit_code == EXIT_INTERNAL, result.output
    lines = [ln for ln in result.output.splitlines() if ln.startswith("internal error:")]
    assert len(lines) == 1 and "ZeroDivisionError: a bug in a decision" in lines[0] and "please report" in lines[0]
    assert "Traceback" not in result.output


@pytest.mark.parametrize("command", [["check", "--rules", ","], ["check", "--rules", ""],
                                     ["explore", "--rules", " , ", "--no-progress"]])
def test_rules_naming_no_rule_is_a_usage_error(command):
    result = CliRunner().invoke(main, command)
    assert result.exit_code == EXIT_USAGE and "names no rule" in result.output, result.output


def test_an_empty_directory_is_a_usage_error(tmp_path):
    (tmp_path / "README.md").write_text("no manifests here")
    result = CliRunner().invoke(main, ["check", str(tmp_path)])
    assert result.exit_code == EXIT_USAGE and "holds no *.yaml" in result.output, result.output
