"""`kmodel prove` stays one of the engines (issue 18 item 6): a decision bug patched into the model makes
`kmodel prove` exit 1, and the failing proof names the registry invariant that checks the same behaviour, in
the text output (`breaks: ...`) and in the JSON (`invariants`).

The bugs are patched into the module the decision lives in (the proofs look decisions up at proof time), as a
contributor's mistake would be: a threshold off by one, a policy branch inverted, a diff with its sign flipped.
"""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from kmodel.commands.prove import prove
from kmodel.controllers import kubelet
from kmodel.decisions import kubelet as kubelet_decisions
from kmodel.decisions import replication as replication_decisions
from kmodel.decisions import endpoints as endpoint_decisions
from kmodel.logic import all_of, any_of, eq, ite, le, min_, not_
from kmodel.objects import ALWAYS, FAILED, ON_FAILURE, PENDING, POD_RUNNING, SUCCEEDED, ProbeState


def probe_threshold_off_by_one(state, success, success_threshold, failure_threshold):
    successes = ite(success, min_(state.successes + 1, success_threshold), 0)
    failures = ite(success, 0, min_(state.failures + 1, failure_threshold))
    result = ite(all_of(success, le(success_threshold, successes)), True,
                 ite(all_of(not_(success), le(failure_threshold - 1, failures)), False, state.result))
    return ProbeState(result, successes, failures)


def on_failure_inverted(restart_policy, exit_code, killed_by_probe):
    return any_of(eq(restart_policy, ALWAYS),
                  all_of(eq(restart_policy, ON_FAILURE), any_of(eq(exit_code, 0), killed_by_probe)))


def backoff_resets_at_600(backoff_seconds, ran_for):
    expired = any_of(eq(backoff_seconds, 0), ran_for >= 600)
    return ite(expired, 0, backoff_seconds), ite(expired, 10, min_(backoff_seconds * 2, 300))


def phase_ignores_pending_restart(containers):
    return ite(any_in_(containers, kubelet_decisions.has_never_run), PENDING,
               ite(any_in_(containers, lambda c: eq(c.status.state, "running")), POD_RUNNING,
                   ite(all_of(*[kubelet_decisions.exited_0(c) for c in containers]), SUCCEEDED, FAILED)))


def any_in_(items, pred):
    return any_of(*[pred(i) for i in items])


def ready_during_post_start(container):
    s = container.status
    ok = True if container.readiness_probe is None else eq(s.readiness.result, True)
    return all_of(eq(s.state, "running"), ok)  # neither postStart nor the startup probe waited for


BUGS = [
    # (module, attribute, wrong decision, the proof that fails, an invariant it must name)
    (kubelet, "probe_step", probe_threshold_off_by_one, "probe-threshold-automaton", "liveness-kill-at-threshold"),
    (kubelet, "should_restart", on_failure_inverted, "liveness-kill-restart", "restart-decision-exact"),
    (kubelet, "backoff_step", backoff_resets_at_600, "crash-loop-back-off", "back-off-exact"),
    (kubelet_decisions, "containers_phase", phase_ignores_pending_restart, "pod-phase-get-phase",
     "pod-phase-follows-containers"),
    (kubelet, "container_ready", ready_during_post_start, "container-ready", "container-ready-exact"),
    (replication_decisions, "replica_diff", lambda active, desired: desired - active, "replicas-converge",
     "replication-writes-exact-diff"),
    (endpoint_decisions, "address_is_ready", lambda pod_ready, publish: pod_ready, "endpoints-membership",
     "endpoints-exact"),
]


@pytest.mark.parametrize("module, attr, wrong, failing, rule", BUGS, ids=[b[1] + "-" + b[3] for b in BUGS])
def test_a_patched_decision_bug_fails_kmodel_prove_naming_the_rule(swap, module, attr, wrong, failing, rule):
    swap.setattr(module, attr, wrong)
    text = CliRunner().invoke(prove, [failing])
    assert text.exit_code == 1, text.output
    lines = text.output.splitlines()
    assert lines[0].startswith("counterexample") and failing in lines[0]
    assert lines[1].startswith("    breaks: ") and rule in lines[1].split("breaks: ", 1)[1].split(" (")[0]
    assert "(SEMANTICS " in lines[1]
    doc = json.loads(CliRunner().invoke(prove, [failing, "--output-format", "json"]).output)
    [entry] = doc["proofs"]
    assert entry["verdict"] == "counterexample" and rule in entry["invariants"]
    assert doc["exit_code"] == 1


def test_the_whole_prove_run_exits_1_and_names_the_rule_for_an_off_by_one_threshold(swap):
    """The bare command (every proof) reports the bug: exit 1, the automaton's proof names its rules, and the
    proofs of other decisions are still proved."""
    swap.setattr(kubelet, "probe_step", probe_threshold_off_by_one)
    result = CliRunner().invoke(prove, ["--output-format", "json"])
    assert result.exit_code == 1
    doc = json.loads(result.output)
    failed = {p["name"]: p for p in doc["proofs"] if p["verdict"] == "counterexample"}
    assert set(failed) == {"probe-threshold-automaton"}
    assert {"liveness-kill-at-threshold", "readiness-flips-at-threshold"} <= set(failed["probe-threshold-automaton"]
                                                                               ["invariants"])
    assert all(p["verdict"] == "proved" for p in doc["proofs"] if p["name"] not in failed)
