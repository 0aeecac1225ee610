"""`kmodel check` on the built-in scenario: real verdicts per rule, JSON shape, reproducibility, usage errors
(issues 2 and 4)."""

from __future__ import annotations

import json

from click.testing import CliRunner

import invariants
from kmodel.cli import main

SMALL = ["--max-examples", "30", "--max-steps", "25"]


def invoke(*args):
    return CliRunner().invoke(main, ["check", *args])


def test_seed_scenario_passes_with_a_verdict_for_every_rule():
    result = invoke("--output-format", "json")
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert report["verdict"] == "pass"
    names = {r["name"] for r in report["rules"]}
    assert names == set(invariants.registry())
    # The seed's one Service has a selector and a named target port every selected pod declares, without
    # publishNotReadyAddresses; no controller of it is ever 500 pods from its replicas; its probes have
    # successThreshold 1, no initial delay and no startup probe; every pod is restartPolicy Always with a grace
    # of 30 s: the rules about those configurations have nothing to speak of here (the catalogue's other
    # scenarios have them). Every seed pod has one container, so no terminating pod can be partly stopped.
    assert {r["name"] for r in report["rules"] if r["verdict"] == "not-applicable"} == {
        "bound-pods-leave-only-when-stopped", "sometimes-terminating-pod-partly-stopped",
        "unmanaged-service-has-no-endpoints", "sometimes-unmanaged-service-beside-pod", "burst-limit",
        "sometimes-burst-capped", "endpoint-ports-per-pod", "sometimes-port-unresolved-on-pod",
        "publish-not-ready-lists-every-candidate", "sometimes-published-not-ready-pod",
        "readiness-flips-at-threshold", "sometimes-ready-after-success-streak", "restart-decision-exact",
        "sometimes-exit-0-stays-down", "startup-kill-at-threshold", "sometimes-startup-probe-failing",
        "zero-grace-deletion-runs-pre-stop", "sometimes-pre-stop-with-zero-grace", "probe-waits-initial-delay",
        "sometimes-probe-in-initial-delay"}
    assert all(r["verdict"] in ("pass", "not-applicable") for r in report["rules"])
    assert report["violations"] == [] and report["findings"] == []


def test_text_output_ends_with_a_summary_line():
    result = invoke(*SMALL)
    assert result.exit_code in (0, 3)
    assert result.stdout.splitlines()[-1].startswith("kmodel check: ")
    assert "replicas-converge" in result.stdout


def test_same_seed_same_report():
    a = json.loads(invoke("--output-format", "json", "--seed", "7", *SMALL).stdout)
    b = json.loads(invoke("--output-format", "json", "--seed", "7", *SMALL).stdout)
    for report in (a, b):
        report.pop("seconds")
    assert a == b


def test_rules_option_restricts_the_check():
    result = invoke("--output-format", "json", "--rules", "replicas-converge,sometimes-scaled-down", *SMALL)
    report = json.loads(result.stdout)
    assert {r["name"] for r in report["rules"]} == {"replicas-converge", "sometimes-scaled-down"}


def test_unknown_rule_is_a_usage_error_listing_known_rules():
    result = invoke("--rules", "no-such-rule")
    assert result.exit_code == 2
    assert "replicas-converge" in result.output and "Traceback" not in result.output


def test_missing_manifest_is_a_usage_error(tmp_path):
    result = invoke(str(tmp_path / "nope.yaml"))
    assert result.exit_code == 2 and "Traceback" not in result.output


def test_kubernetes_profile_also_passes():
    result = invoke("--profile", "kubernetes", "--output-format", "json")
    report = json.loads(result.stdout)
    assert result.exit_code == 0, [r for r in report["rules"] if r["verdict"] != "pass"]


def test_reports_do_not_depend_on_the_hash_seed():
    """`--seed` reproduces a run in any process: the model lists events in a fixed order (persistent maps
    iterate in hash order, which changes with PYTHONHASHSEED)."""
    import os
    import subprocess
    import sys

    reports = []
    for hash_seed in ("1", "2"):
        env = dict(os.environ, PYTHONHASHSEED=hash_seed)
        out = subprocess.run([sys.executable, "-m", "kmodel", "check", "--output-format", "json", *SMALL],
                             capture_output=True, text=True, env=env, check=False).stdout
        report = json.loads(out)
        report.pop("seconds")
        reports.append(report)
    assert reports[0] == reports[1]


def test_explore_engine_checks_every_rule_on_the_seed():
    """`--engine explore`: every state within depth 3 of the settled seed scenario (all faults, scale and
    relabel requests), every rule passes with its witness reached."""
    result = invoke("--engine", "explore", "--output-format", "json")
    report = json.loads(result.stdout)
    assert result.exit_code == 0, [r for r in report["rules"] if r["verdict"] != "pass"]
    assert report["engine"] == "explore" and report["verdict"] == "pass"


def test_a_violation_on_a_manifest_names_its_file_and_line(tmp_path):
    """Text output reads like mypy: `FILE:LINE: rule: message`, the line of the object the violation involves
    (for a pod a controller created, that controller's)."""
    from invariants.registry import ALWAYS, Violation, invariant, unregister

    @invariant("test-no-two-web-pods-running", kind=ALWAYS, witness="sometimes-many-pods")
    def no_two(cluster):
        """At most one pod runs (a deliberately false rule)."""
        running = sorted(p.name for p in cluster.pods.values() if p.pod_ip)
        if len(running) > 1:
            yield Violation("test-no-two-web-pods-running", "two pods run", (f"Pod/{running[1]}",))

    try:
        result = invoke("examples/healthy/web.yaml", "--rules", "test-no-two-web-pods-running",
                        "--trace-dir", str(tmp_path), *SMALL)
    finally:
        unregister("test-no-two-web-pods-running")
    assert result.exit_code == 1, result.output
    assert "examples/healthy/web.yaml:4: test-no-two-web-pods-running: two pods run" in result.stdout  # its document
