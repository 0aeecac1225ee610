"""`kmodel prove` (kmodel/commands/prove.py): verdicts, JSON, exit codes 0/1/2/3 (issue 5, DESIGN principle 7)."""

from __future__ import annotations

import json

import pytest
import z3
from click.testing import CliRunner

from invariants.smt.framework import proof, proofs, unregister
from kmodel.commands.prove import prove


def invoke(*args: str):
    return CliRunner().invoke(prove, list(args))


def test_every_proof_is_proved_and_exit_code_is_0():
    result = invoke("--output-format", "json")
    assert result.exit_code == 0, result.output
    doc = json.loads(result.output)
    names = [p["name"] for p in doc["proofs"]]
    assert names == list(proofs())
    assert {p["verdict"] for p in doc["proofs"]} == {"proved"}
    assert all(isinstance(p["seconds"], float) for p in doc["proofs"])
    assert doc["exit_code"] == 0 and doc["summary"]["proved"] == len(names)
    assert sum(p["seconds"] for p in doc["proofs"]) < 60


def test_text_output_names_each_proof_and_a_summary():
    result = invoke("selector-notin", "liveness-kill-restart")
    assert result.exit_code == 0
    lines = result.output.splitlines()
    assert lines[0].startswith("proved") and "selector-notin" in lines[0]
    assert "liveness-kill-restart" in lines[1]
    assert lines[-1].startswith("2 proofs: 2 proved, 0 counterexample, 0 inconclusive")


def test_a_tiny_timeout_is_inconclusive_and_exit_code_3():
    """No proof can pass on `unknown`: a 1 ms budget must give Inconclusive, never Proved."""
    result = invoke("schedule-least-loaded", "--timeout-ms", "1", "--output-format", "json")
    assert result.exit_code == 3, result.output
    [entry] = json.loads(result.output)["proofs"]
    assert entry["verdict"] == "inconclusive" and "reason" in entry


def test_unknown_is_inconclusive_even_when_z3_runs_out_of_time():
    a, b, c = z3.Ints("cli.a cli.b cli.c")
    proof("tmp-hard")(lambda ctx: ctx.check(a * a * a + b * b * b != c * c * c,
                                            assumptions=[a > 10 ** 6, b > 10 ** 6, c > 10 ** 6],
                                            decode=lambda m: None, replay=lambda w: True))
    try:
        result = invoke("tmp-hard", "--timeout-ms", "200")
    finally:
        unregister("tmp-hard")
    assert result.exit_code == 3
    assert result.output.startswith("inconclusive")


def test_a_counterexample_gives_exit_code_1_and_its_witness_in_json():
    x = z3.Int("cli.x")
    proof("tmp-cex")(lambda ctx: ctx.check(
        x * 2 != 6, decode=lambda m: {"x": m.eval(x, model_completion=True).as_long()},
        replay=lambda w: w["x"] * 2 == 6))
    try:
        result = invoke("tmp-cex", "selector-notin", "--output-format", "json")
        text = invoke("tmp-cex")
    finally:
        unregister("tmp-cex")
    assert result.exit_code == 1
    doc = json.loads(result.output)
    assert doc["proofs"][0] == {"name": "tmp-cex", "verdict": "counterexample",
                                "seconds": doc["proofs"][0]["seconds"], "witness": {"x": 3}}
    assert "witness" not in doc["proofs"][1]
    assert text.exit_code == 1 and 'witness: {"x": 3}' in text.output


def test_unknown_proof_name_is_exit_code_2_and_lists_the_known_ones():
    result = invoke("no-such-proof")
    assert result.exit_code == 2
    assert "no-such-proof" in result.output and "selector-notin" in result.output


@pytest.mark.parametrize("args", [["--timeout-ms", "0"], ["--timeout-ms", "x"], ["--output-format", "yaml"]])
def test_bad_options_are_exit_code_2(args):
    assert invoke(*args).exit_code == 2


def test_list_shows_every_proof_with_its_summary():
    result = invoke("--list")
    assert result.exit_code == 0
    for name, p in proofs().items():
        assert f"{name}: {p.doc}" in result.output


def test_the_kmodel_group_offers_prove():
    from kmodel.cli import main

    result = CliRunner().invoke(main, ["prove", "selector-notin"])
    assert result.exit_code == 0 and "selector-notin" in result.output
