"""`kmodel explore` (kmodel/commands/explore.py, issue 7): JSON fields, text summary, exit codes 0/1/2/3, saved
and replayable counterexample traces."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from invariants.registry import SOMETIMES, invariant, unregister
from kmodel.cli import main
from kmodel.decisions import endpoints as endpoint_decisions

MANIFEST = """\
apiVersion: v1
kind: ReplicationController
metadata:
  name: web
spec:
  replicas: 1
  template:
    metadata:
      labels:
        app: web
    spec:
      containers:
      - name: web
        image: nginx
        ports:
        - containerPort: 8080
          name: http
        readinessProbe:
          httpGet:
            path: /ready
            port: http
---
apiVersion: v1
kind: Service
metadata:
  name: web
spec:
  selector:
    app: web
  ports:
  - port: 80
    targetPort: http
"""


def run(*args: str):
    return CliRunner().invoke(main, ["explore", "--no-progress", *args])


def test_json_report_has_the_issue_fields_and_exit_code_follows_the_verdict(tmp_path):
    result = run("--scenario", "tiny", "--max-depth", "3", "--faults", "probes", "--user-events", "none",
                 "--output-format", "json", "--trace-dir", str(tmp_path))
    doc = json.loads(result.stdout)
    for field in ("distinct_states", "transitions", "max_depth", "states_per_second", "convergence_bound", "rules",
                  "violations"):
        assert field in doc
    assert doc["source"] == "scenario:tiny" and doc["start"] == "settled"
    assert doc["distinct_states"] > 1 and doc["max_depth"] == 3 and doc["violations"] == []
    assert doc["exhaustive"] is True
    assert {"name", "kind", "verdict", "message"} <= set(doc["rules"][0])
    # tiny cannot reach every witness (one replica never spreads), so some rules stay inconclusive: exit 3
    assert doc["verdict"] == "inconclusive" and result.exit_code == 3
    assert "sometimes-spread-over-nodes" in doc["unreached_witnesses"]
    assert doc["hints"][0].startswith("never reached: ") and any("--user-events" in h for h in doc["hints"])


def test_text_summary_line(tmp_path):
    result = run("--scenario", "tiny", "--max-depth", "2", "--faults", "none", "--trace-dir", str(tmp_path))
    last = result.stdout.strip().splitlines()[-1]
    assert last.startswith("kmodel explore: ")
    assert "distinct states" in last and "convergence bound" in last and "symmetry" in last


def test_an_inconclusive_text_report_says_why_before_the_summary(tmp_path):
    result = run("--scenario", "tiny", "--max-depth", "2", "--faults", "node", "--trace-dir", str(tmp_path))
    lines = result.stdout.strip().splitlines()
    assert result.exit_code == 3
    first = next(i for i, line in enumerate(lines) if line.startswith("inconclusive: never reached: "))
    assert lines[first + 1].startswith("  - ") and "--max-depth 2" in lines[first + 1]
    assert lines[-1].startswith("kmodel explore: inconclusive")


def test_manifests_are_explored(tmp_path):
    path = tmp_path / "web.yaml"
    path.write_text(MANIFEST)
    result = run(str(path), "--nodes", "2", "--max-depth", "3", "--faults", "node", "--output-format", "json",
                 "--trace-dir", str(tmp_path / "traces"))
    doc = json.loads(result.stdout)
    assert doc["source"] == str(path) and doc["violations"] == []
    assert result.exit_code in (0, 3)


@pytest.mark.parametrize("args, needle", [
    (("--faults", "node,volcano"), "--faults: unknown event 'volcano'"),
    (("--user-events", "Tick"), "--user-events: unknown event 'Tick'"),
    (("--user-events", "ScaleController,CreatePod"), "--user-events: CreatePod needs the spec of the object it "
                                                     "creates, which no palette of requests invents"),
    (("--rules", "no-such-rule"), "unknown invariant 'no-such-rule'"),
    (("--scenario", "tiny", "--replicas", "2"), "--replicas"),
])
def test_bad_input_exits_2_with_one_line(args, needle):
    result = run(*args)
    assert result.exit_code == 2
    assert needle in result.output and "Traceback" not in result.output


def test_a_witness_reached_by_an_unknown_request_exits_2_naming_it():
    invariant("sometimes-typo", kind=SOMETIMES, reached_by=("ScaleControler",))(lambda c: False)
    try:
        result = run("--scenario", "tiny", "--max-depth", "1")
    finally:
        unregister("sometimes-typo")
    assert result.exit_code == 2 and "Traceback" not in result.output
    assert result.stderr.startswith("error: invariant sometimes-typo: reached_by names 'ScaleControler'")


def test_bad_manifest_exits_2(tmp_path):
    path = tmp_path / "bad.yaml"
    path.write_text("apiVersion: v1\nkind: Pod\nmetadata:\n  name: Bad_Name\nspec:\n  containers: []\n")
    result = run(str(path))
    assert result.exit_code == 2 and "bad.yaml" in result.output


def test_stopping_at_max_states_is_inconclusive(tmp_path):
    result = run("--scenario", "tiny", "--max-depth", "20", "--max-states", "30", "--trace-dir", str(tmp_path))
    assert result.exit_code == 3
    assert "NOT exhaustive" in result.stdout.splitlines()[-1]


def test_violation_exits_1_and_saves_a_replayable_trace(swap, tmp_path):
    """SEMANTICS 40, 42: an endpoints controller that ignores readiness is caught; the saved trace replays with
    `kmodel replay` and still breaks the rule (exit 1)."""
    swap.setattr(endpoint_decisions, "address_is_ready", lambda pod_ready, publish: True)
    traces = tmp_path / "traces"
    result = run("--scenario", "tiny", "--start", "initial", "--max-depth", "4", "--faults", "none",
                 "--output-format", "json", "--trace-dir", str(traces))
    assert result.exit_code == 1
    doc = json.loads(result.stdout)
    v = next(v for v in doc["violations"] if v["rule"] == "readiness-removes-endpoint")
    assert v["length"] == 4 and v["kind"] == "transition"
    trace_file = v["trace"]["file"]
    assert trace_file and trace_file.startswith(str(traces))
    replayed = CliRunner().invoke(main, ["replay", trace_file, "--output-format", "json"])
    assert replayed.exit_code == 1, replayed.output


def test_text_output_shows_the_counterexample(swap, tmp_path):
    swap.setattr(endpoint_decisions, "address_is_ready", lambda pod_ready, publish: True)
    result = run("--scenario", "tiny", "--start", "initial", "--max-depth", "4", "--faults", "none",
                 "--trace-dir", str(tmp_path))
    assert result.exit_code == 1
    out = result.stdout
    assert "readiness-removes-endpoint" in out and "EndpointsSync(service='web')" in out
    assert "kmodel replay" in out and out.strip().splitlines()[-1].startswith("kmodel explore: fail")


def test_symmetry_off_reports_exact_states(tmp_path):
    result = run("--scenario", "tiny", "--max-depth", "3", "--faults", "probes", "--symmetry", "off",
                 "--output-format", "json", "--trace-dir", str(tmp_path))
    assert json.loads(result.stdout)["symmetry"] == "off"


def test_check_engine_explore_uses_the_explorer(tmp_path):
    """`kmodel check --engine explore` calls `check_with_explorer` and reports its verdicts."""
    result = CliRunner().invoke(main, ["check", "--engine", "explore", "--max-steps", "2", "--output-format", "json",
                                       "--rules", "endpoints-match-ready-pods", "--trace-dir", str(tmp_path)])
    doc = json.loads(result.stdout)
    assert doc["engine"] == "explore"
    assert [r["name"] for r in doc["rules"]][0] == "endpoints-match-ready-pods"
    assert result.exit_code in (0, 3)
