"""The proof framework (invariants.smt.framework): verdicts, replay, budgets, the registry (DESIGN principle 7)."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
import z3

from invariants.smt import framework
from invariants.smt.framework import (
    PROVED,
    Counterexample,
    EncodingError,
    Inconclusive,
    ProofContext,
    Proved,
    ProofResult,
    UnknownProof,
    combine,
    exit_code,
    proof,
    run,
    unregister,
)


@pytest.fixture
def temporary_proofs():
    names: list[str] = []
    yield names
    for n in names:
        unregister(n)


def _register(names, name, fn):
    names.append(name)
    proof(name)(fn)


def test_unsat_negation_is_proved():
    x = z3.Int("x")
    v = ProofContext("t", 5_000).check(x + 1 > x, decode=lambda m: None, replay=lambda w: True)
    assert v == PROVED


def test_sat_negation_is_a_counterexample_once_it_replays():
    x = z3.Int("x")
    ctx = ProofContext("t", 5_000)
    v = ctx.check(x < 10, assumptions=[x >= 0], decode=lambda m: {"x": m.eval(x).as_long()},
                  replay=lambda w: not w["x"] < 10)
    assert isinstance(v, Counterexample) and v.witness["x"] >= 10


def test_a_counterexample_that_does_not_replay_raises_loudly():
    """DESIGN principle 7: an encoding that disagrees with the code is an error, never a verdict."""
    x = z3.Int("x")
    with pytest.raises(EncodingError, match="does not replay"):
        ProofContext("t", 5_000).check(x < 10, decode=lambda m: {"x": m.eval(x).as_long()},
                                       replay=lambda w: False)


def test_prefer_shrinks_the_witness_without_restricting_the_proof():
    x = z3.Int("x")
    ctx = ProofContext("t", 5_000)
    v = ctx.check(x < 1000, decode=lambda m: m.eval(x).as_long(), replay=lambda w: w >= 1000,
                  prefer=[x <= 1000])
    assert v == Counterexample(1000)


def test_z3_unknown_is_inconclusive_never_a_pass():
    """Nonlinear integer arithmetic Z3 cannot settle in 300 ms: the verdict must be Inconclusive."""
    a, b, c = z3.Ints("a b c")
    claim = a * a * a + b * b * b != c * c * c
    v = ProofContext("t", 300).check(claim, assumptions=[a > 10 ** 6, b > 10 ** 6, c > 10 ** 6],
                                     decode=lambda m: None, replay=lambda w: True)
    assert isinstance(v, Inconclusive)
    assert "unknown" in v.reason


def test_a_spent_budget_is_inconclusive_before_asking_z3():
    ctx = ProofContext("t", 1)
    ctx.started -= 1.0
    v = ctx.check(z3.BoolVal(True), decode=lambda m: None, replay=lambda w: True)
    assert isinstance(v, Inconclusive) and "budget" in v.reason
    assert ctx.queries == 0


def test_python_bool_claims_are_accepted():
    assert ProofContext("t", 1_000).check(True, decode=lambda m: None, replay=lambda w: True) == PROVED


@pytest.mark.parametrize("verdicts, expected", [
    ([PROVED, PROVED], PROVED),
    ([PROVED, Inconclusive("a"), PROVED], Inconclusive("a")),
    ([Inconclusive("a"), Counterexample(1)], Counterexample(1)),
    ([Counterexample(1), Counterexample(2)], Counterexample(1)),
    ([], PROVED),
])
def test_combine_counterexample_beats_inconclusive_beats_proved(verdicts, expected):
    assert combine(verdicts) == expected


def test_combine_is_lazy_after_a_counterexample():
    sent = []

    def gen():
        for i, v in enumerate([PROVED, Counterexample("w"), PROVED]):
            sent.append(i)
            yield v

    assert combine(gen()) == Counterexample("w")
    assert sent == [0, 1]


@pytest.mark.parametrize("kinds, code", [
    ([Proved()], 0), ([], 0), ([Proved(), Counterexample(1)], 1), ([Proved(), Inconclusive("t")], 3),
    ([Counterexample(1), Inconclusive("t")], 1),
])
def test_exit_codes(kinds, code):
    assert exit_code([ProofResult(f"p{i}", v, 0.0, v.witness) for i, v in enumerate(kinds)]) == code


def test_duplicate_proof_names_are_rejected(temporary_proofs):
    _register(temporary_proofs, "tmp-dup", lambda ctx: PROVED)
    with pytest.raises(ValueError, match="already registered"):
        proof("tmp-dup")(lambda ctx: PROVED)


def test_unknown_proof_names_list_the_known_ones():
    with pytest.raises(UnknownProof) as err:
        run(["no-such-proof"])
    assert "no-such-proof" in str(err.value)
    assert "selector-notin" in str(err.value) and "schedule-least-loaded" in str(err.value)


def test_run_times_each_proof_and_reports_its_witness(temporary_proofs):
    x = z3.Int("tmp.x")
    _register(temporary_proofs, "tmp-cex", lambda ctx: ctx.check(
        x > 0, decode=lambda m: {"x": m.eval(x, model_completion=True).as_long()}, replay=lambda w: w["x"] <= 0))
    [result] = run(["tmp-cex"], timeout_ms=5_000)
    assert result.verdict_name == "counterexample"
    assert result.witness == result.verdict.witness and result.witness["x"] <= 0
    assert result.seconds >= 0
    doc = result.to_json()
    assert json.loads(json.dumps(doc)) == {"name": "tmp-cex", "verdict": "counterexample",
                                           "seconds": doc["seconds"], "witness": result.witness}


def test_a_proof_must_return_a_verdict(temporary_proofs):
    _register(temporary_proofs, "tmp-bad", lambda ctx: True)
    with pytest.raises(TypeError, match="not a verdict"):
        run(["tmp-bad"])


def test_timeout_must_be_positive():
    with pytest.raises(ValueError):
        ProofContext("t", 0)


def test_witness_json_renders_objects_generically():
    from kmodel.objects import Node, ProbeState

    out = framework.to_jsonable({"node": Node("n1", labels={"a": "b"}), "s": ProbeState(True), "t": (1, 2)})
    assert out["node"]["kind"] == "Node" and out["node"]["labels"] == {"a": "b"}
    assert out["s"] == {"kind": "ProbeState", "result": True, "successes": 0, "failures": 0}
    assert out["t"] == [1, 2]
    json.dumps(out)


def test_importing_kmodel_does_not_import_z3():
    """kmodel stays z3-free at run time: `kmodel.labels.overlap` imports the proof layer lazily."""
    code = ("import sys, kmodel, kmodel.labels, kmodel.cluster, kmodel.settle; "
            "print('z3' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


# ---------------------------------------------------------------------------------------------------------------
# A proof names the registry invariants it covers (issue 18 item 6)


def test_every_registered_proof_names_at_least_one_registered_invariant():
    from invariants.registry import SOMETIMES, registry

    known = registry()
    for name, p in framework.proofs().items():
        assert p.invariants, f"proof {name} names no invariant"
        for inv in p.invariants:
            assert inv in known, f"proof {name} names {inv!r}, which the registry does not hold"
            assert known[inv].kind != SOMETIMES, f"proof {name} names the witness {inv!r}, not a rule"
    framework.check_invariant_names(framework.proofs().values())


def test_an_unknown_invariant_name_is_an_error_before_anything_runs(temporary_proofs):
    from invariants.smt.framework import UnknownProofInvariant

    ran = []
    temporary_proofs.append("tmp-bad-invariant")
    proof("tmp-bad-invariant", invariants=("selector-semantics", "no-such-rule"))(
        lambda ctx: ran.append(1) or PROVED)
    with pytest.raises(UnknownProofInvariant, match="no-such-rule") as err:
        run(["selector-notin", "tmp-bad-invariant"])
    assert "tmp-bad-invariant" in str(err.value) and "selector-semantics" not in str(err.value)
    assert ran == []


def test_an_unknown_invariant_name_is_exit_code_2_in_kmodel_prove(temporary_proofs):
    from click.testing import CliRunner

    from kmodel.commands.prove import prove

    temporary_proofs.append("tmp-bad-invariant-cli")
    proof("tmp-bad-invariant-cli", invariants=("no-such-rule",))(lambda ctx: PROVED)
    result = CliRunner().invoke(prove, ["tmp-bad-invariant-cli"])
    assert result.exit_code == 2
    assert "no-such-rule" in result.output


def test_a_counterexample_names_the_invariants_in_text_and_json(temporary_proofs):
    from click.testing import CliRunner

    from kmodel.commands.prove import prove

    x = z3.Int("tmp.named.x")
    temporary_proofs.append("tmp-named-cex")
    proof("tmp-named-cex", rules=("49", "8.7"), invariants=("restart-decision-exact", "restart-follows-policy"))(
        lambda ctx: ctx.check(x != 4, decode=lambda m: {"x": m.eval(x, model_completion=True).as_long()},
                              replay=lambda w: w["x"] == 4))
    [result] = run(["tmp-named-cex"])
    assert result.breaks == ("restart-decision-exact", "restart-follows-policy")
    doc = result.to_json()
    assert doc["invariants"] == ["restart-decision-exact", "restart-follows-policy"]
    assert doc["rules"] == ["49", "8.7"]
    text = CliRunner().invoke(prove, ["tmp-named-cex"])
    assert text.exit_code == 1
    assert "    breaks: restart-decision-exact, restart-follows-policy (SEMANTICS 49, 8.7)" in text.output.splitlines()
    as_json = json.loads(CliRunner().invoke(prove, ["tmp-named-cex", "--output-format", "json"]).output)
    assert as_json["proofs"][0]["invariants"] == ["restart-decision-exact", "restart-follows-policy"]


def test_a_proved_proof_breaks_nothing():
    [result] = run(["selector-notin"])
    assert result.verdict == PROVED and result.breaks == ()
    assert "invariants" not in result.to_json()
