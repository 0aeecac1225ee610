"""The kubelet's rules are independent oracles: each semantic bug of the table, patched into one kubelet (or node
lifecycle) decision, is reported by an engine through the rule that states the decision, and on the unpatched
model every cluster of the table keeps those rules and reaches their witnesses.

Engine: the explorer (`kmodel.explore.explore`), exhaustive within small bounds, so each verdict is
deterministic; one case runs `kmodel.check.check_cluster` (the Hypothesis engine) end to end. The clusters are
tiny (one node, one pod or one controller of one replica) and some start from a pod whose status is already
far along (a back-off entry of 160 s, a clock past the 600 s reset) so that a deep behaviour is one step away.

Each bug goes in through the `swap` fixture, which clears every memo (`kmodel.memo`: the kubelet's remembered
writes, summaries, probe moves and faults among them), so a swapped helper or constant is seen at once.
"""

from __future__ import annotations

import contextlib

import attrs
import pytest

import invariants
from kmodel import parts
from kmodel.check import check_cluster
from kmodel.cluster import Cluster
from kmodel.controllers import kubelet, node_lifecycle
from kmodel.decisions import kubelet as kubelet_decisions
from kmodel.explore import ExploreConfig, explore
from kmodel.objects import (
    Container,
    ContainerPort,
    ContainerStatus,
    Hook,
    Node,
    Pod,
    PodTemplate,
    Probe,
    ProbeState,
    ReplicationController,
)
from kmodel import scenarios

# The rules this file is about, and their witnesses.
RULES = (
    "liveness-kill-at-threshold", "startup-kill-at-threshold", "readiness-flips-at-threshold",
    "start-resets-container", "start-only-when-due", "restart-decision-exact", "back-off-exact",
    "restart-state-consistent", "container-ready-exact", "pod-phase-follows-containers",
    "restart-policy-at-quiescence", "pre-stop-on-every-kill", "zero-grace-deletion-runs-pre-stop",
    "kubelet-acts-only-on-ready-nodes", "node-lifecycle-acts-only-on-lost-nodes", "pods-on-lost-nodes-not-ready",
)


# --------------------------------------------------------------------------------------------------------------
# Clusters


def app(**spec) -> Container:
    return Container(name="app", ports=(ContainerPort(8080, name="http"),), **spec)


def probe(**kw) -> Probe:
    return Probe(handler="http", port="http", **kw)


def controller(container: Container, policy: str = "Always", grace: int = 30) -> Cluster:
    """One node and a controller of one replica: the pod is created, bound and started by the controllers."""
    rc = ReplicationController.defaulted("web", 1, None, PodTemplate(
        labels={"app": "web"}, containers=(container,), restart_policy=policy,
        termination_grace_period_seconds=grace))
    return Cluster.from_objects([Node("node-1"), rc])


def running_pod(policy: str = "Always", clock: int = 0, **status) -> Cluster:
    """One node and one bare pod on it whose container runs (it ran before: exit code 1 last time), with the
    status fields given (a back-off entry, a start time, ...)."""
    s = ContainerStatus(state="running", reason="", exit_code=1, started=True, ready=True, restart_count=2,
                        started_at=0, **status)
    pod = Pod(name="p", uid="uid-1", node_name="node-1", containers=(attrs.evolve(app(), status=s),),
              restart_policy=policy, phase="Running", ready=True, ready_since=0, pod_ip="10.0.0.1")
    cluster = Cluster.from_objects([Node("node-1"), pod])
    return cluster.tick(clock) if clock else cluster


def crash_looping_pod(until: int) -> Cluster:
    """A bare pod whose container waits in CrashLoopBackOff until `until` (the clock is 0)."""
    s = ContainerStatus(state="waiting", reason="CrashLoopBackOff", exit_code=1, restart_count=2, started_at=0,
                        backoff_seconds=20, backoff_until=until, will_restart=True)
    pod = Pod(name="p", uid="uid-1", node_name="node-1", containers=(attrs.evolve(app(), status=s),),
              phase="Running", pod_ip="10.0.0.1")
    return Cluster.from_objects([Node("node-1"), pod])


def restarting_pod(**status) -> Cluster:
    """A bare pod whose container terminated and restarts at once (no back-off delay), with the status given."""
    s = ContainerStatus(state="terminated", reason="Error", exit_code=1, restart_count=1, started_at=0,
                        backoff_seconds=10, will_restart=True, **status)
    c = attrs.evolve(app(liveness_probe=probe(failure_threshold=3)), status=s)
    pod = Pod(name="p", uid="uid-1", node_name="node-1", containers=(c,), phase="Running", pod_ip="10.0.0.1")
    return Cluster.from_objects([Node("node-1"), pod])


LIVENESS_3 = controller(app(liveness_probe=probe(failure_threshold=3)))
LIVENESS_2 = controller(app(liveness_probe=probe(failure_threshold=2)))
STARTUP_2 = controller(app(startup_probe=probe(failure_threshold=2)), policy="OnFailure")
READINESS_2_2 = controller(app(readiness_probe=probe(success_threshold=2, failure_threshold=2)))
ON_FAILURE = controller(app(), policy="OnFailure")
NEVER = controller(app(), policy="Never")
PRE_STOP_LIVENESS = controller(app(liveness_probe=probe(failure_threshold=1), pre_stop=Hook("exec")))
PRE_STOP_POST_START = controller(app(post_start=Hook("exec"), pre_stop=Hook("exec")), policy="OnFailure")
PRE_STOP_ZERO_GRACE = controller(app(pre_stop=Hook("exec")), grace=0)
TWO_NODES = Cluster.from_objects([Node("node-1"), Node("node-2"), ReplicationController.defaulted(
    "web", 1, None, PodTemplate(labels={"app": "web"}, containers=(app(),)))])

PROBES = "probes,Tick"
EXITS = "exits,Tick"


def explored(cluster: Cluster, faults: str, depth: int, users: str = "none", rules=RULES):
    config = ExploreConfig(max_depth=depth, faults=faults, user_events=users, max_states=50_000)
    names = list(rules) + sorted({invariants.get(r).witness for r in rules if invariants.get(r).witness})
    return explore(cluster, config, rule_names=names)


# --------------------------------------------------------------------------------------------------------------
# The bugs


def probe_step_threshold(shift: int, kinds_success: bool = False):
    """`probe_step` with its failure threshold (or, with `kinds_success`, its success threshold) moved by
    `shift`: a kill one failure early (-1) or late (+1), ready one success early."""
    original = kubelet.probe_step

    def buggy(state, success, success_threshold, failure_threshold):
        if kinds_success:
            return original(state, success, max(1, success_threshold + shift), failure_threshold)
        return original(state, success, success_threshold, max(1, failure_threshold + shift))
    return buggy


def success_keeps_failures(state, success, success_threshold, failure_threshold):
    """A success that does not reset the failure streak (upstream starts a new run on every change of result)."""
    new = BUGLESS["probe_step"](state, success, success_threshold, failure_threshold)
    return attrs.evolve(new, failures=state.failures) if success else new


def on_failure_inverted(restart_policy, exit_code, killed_by_probe):
    """OnFailure restarting a zero exit and not a failure."""
    if restart_policy == "OnFailure":
        return exit_code == 0
    return restart_policy == "Always"


def backoff(initial=10, cap=300, double=True, reset=600, first_immediate=True):
    def step(entry, ran_for):
        expired = entry == 0 or ran_for > reset
        delay = (0 if first_immediate else initial) if expired else entry
        new = initial if expired else min(entry * 2 if double else entry + initial, cap)
        return delay, new
    return step


def no_pre_stop_unless(reasons):
    """`kill_container` that runs preStop only for the kill reasons given."""
    original = kubelet.kill_container

    def kill(pod, name, reason, clock):
        out = original(pod, name, reason, clock)
        if reason in reasons:
            return out
        c = out.container(name)
        return out.with_container(attrs.evolve(c, status=attrs.evolve(c.status, pre_stop_pending=False,
                                                                        pre_stop_ran=False)))
    return kill


def start_keeping_liveness(container, clock):
    """A restart that keeps the old liveness worker's failure streak."""
    new = BUGLESS["started_container"](container, clock)
    return attrs.evolve(new, status=attrs.evolve(new.status, liveness=container.status.liveness))


BUGLESS = {"probe_step": kubelet.probe_step, "started_container": kubelet.started_container}


def mark_nothing_not_ready(cluster):
    return tuple(e for e in BUGLESS_NODE_RECONCILE(cluster) if type(e).__name__ != "NodeLifecycleMarkPodNotReady")


BUGLESS_NODE_RECONCILE = node_lifecycle.reconcile


def every_queued_pod(cluster, queue):
    """The kubelet's queue read without asking whether the pod's node is Ready."""
    return sorted((cluster.pods[name] for name in queue), key=lambda p: (p.node_name, p.name))

# (id, what is patched, the cluster, faults, depth, user requests, the rule that must report it)
BUGS = [
    ("liveness kill one failure early", (kubelet, "probe_step", probe_step_threshold(-1)), LIVENESS_3, PROBES, 6,
     "none", "liveness-kill-at-threshold"),
    ("liveness kill one failure late", (kubelet, "probe_step", probe_step_threshold(+1)), LIVENESS_2, PROBES, 6,
     "none", "liveness-kill-at-threshold"),
    ("a success keeps the failure streak", (kubelet, "probe_step", success_keeps_failures), LIVENESS_3, PROBES, 7,
     "none", "liveness-kill-at-threshold"),
    ("startup kill one failure early", (kubelet, "probe_step", probe_step_threshold(-1)), STARTUP_2, PROBES, 5,
     "none", "startup-kill-at-threshold"),
    ("ready one success early", (kubelet, "probe_step", probe_step_threshold(-1, True)), READINESS_2_2, PROBES, 5,
     "none", "readiness-flips-at-threshold"),
    ("not ready one failure early", (kubelet, "probe_step", probe_step_threshold(-1)), READINESS_2_2, PROBES, 7,
     "none", "readiness-flips-at-threshold"),
    ("ready ignoring the readiness probe", (kubelet, "container_ready", lambda c: c.status.state == "running"
                                            and not c.status.post_start_pending and c.status.started),
     READINESS_2_2, PROBES, 4, "none", "container-ready-exact"),
    ("OnFailure inverted", (kubelet, "should_restart", on_failure_inverted), ON_FAILURE, EXITS, 5, "none",
     "restart-decision-exact"),
    ("Never restarting a failure", (kubelet, "should_restart", lambda p, code, probe: p != "Never" or code != 0),
     NEVER, EXITS, 5, "none", "restart-state-consistent"),
    ("Always not restarting a zero exit", (kubelet, "should_restart", lambda p, code, probe: p != "Never" and (
        code != 0 or probe)), controller(app()), EXITS, 5, "none", "restart-decision-exact"),
    ("first restart delayed 10 s", (kubelet, "backoff_step", backoff(first_immediate=False)), ON_FAILURE, EXITS, 5,
     "none", "back-off-exact"),
    ("back-off +10 instead of doubling", (kubelet, "backoff_step", backoff(double=False)),
     running_pod(backoff_seconds=20), EXITS, 1, "none", "back-off-exact"),
    ("back-off cap 600 s", (kubelet, "backoff_step", backoff(cap=600)), running_pod(backoff_seconds=160), EXITS, 1,
     "none", "back-off-exact"),
    ("back-off initial 20 s", (kubelet, "backoff_step", backoff(initial=20)), running_pod(backoff_seconds=0), EXITS,
     1, "none", "back-off-exact"),
    ("back-off never reset", (kubelet, "backoff_step", backoff(reset=10**9)),
     running_pod(backoff_seconds=80, clock=700), EXITS, 1, "none", "back-off-exact"),
    ("start before the back-off expires", (kubelet, "can_start", lambda pod, c, clock: not pod.terminating
                                           and kubelet_decisions.startable(c)), crash_looping_pod(until=20), EXITS, 1, "none",
     "start-only-when-due"),
    ("restart keeps the liveness streak", (kubelet, "started_container", start_keeping_liveness),
     restarting_pod(liveness=ProbeState(True, 0, 2)), EXITS, 1, "none", "start-resets-container"),
    ("phase ignoring the exit code", (kubelet_decisions, "exited_0", lambda c: c.status.state == "terminated"), NEVER, EXITS, 5,
     "none", "pod-phase-follows-containers"),
    ("preStop skipped on a liveness kill", (kubelet, "kill_container", no_pre_stop_unless(("Killing",))),
     PRE_STOP_LIVENESS, PROBES, 5, "none", "pre-stop-on-every-kill"),
    ("preStop skipped on a postStart failure", (kubelet, "kill_container",
                                                no_pre_stop_unless(("Killing", "LivenessProbeFailed"))),
     PRE_STOP_POST_START, "hooks", 5, "none", "pre-stop-on-every-kill"),
    ("no 1 s minimum for a grace-0 deletion", (kubelet, "kill_grace", lambda pod: pod.termination_grace_period_seconds),
     PRE_STOP_ZERO_GRACE, "none", 4, "DeletePod", "zero-grace-deletion-runs-pre-stop"),
    ("kubelet acting on a crashed node", ((kubelet, "kubelet_runs", lambda cluster, pod: pod.node_name is not None),
                                          (kubelet, "queued_pods", every_queued_pod)),
     TWO_NODES, "node", 5, "none", "kubelet-acts-only-on-ready-nodes"),
    ("pods on a crashed node never marked not Ready", ("controller", "node-lifecycle", mark_nothing_not_ready),
     TWO_NODES, "node", 4, "none", "pods-on-lost-nodes-not-ready"),
]


@pytest.mark.parametrize("bug", BUGS, ids=[b[0] for b in BUGS])
def test_the_explorer_reports_each_bug_through_its_rule(bug, swap):
    """A patch is (module, function, replacement), or ("controller", name, reconcile): a controller's decision
    swapped through `kmodel.parts.swapped`."""
    _, patches, cluster, faults, depth, users, rule = bug
    with contextlib.ExitStack() as stack:
        for module, name, value in (patches if isinstance(patches[0], tuple) else (patches,)):
            if module == "controller":
                stack.enter_context(parts.swapped(name, value))
            else:
                swap.setattr(module, name, value)
        result = explored(cluster, faults, depth, users)
    broken = {v.rule for v in result.violations}
    assert rule in broken, f"{rule} not reported; reported: {sorted(broken)}"


CLEAN = {}
for _bug in BUGS:
    CLEAN.setdefault(id(_bug[2]), _bug)


@pytest.mark.parametrize("bug", list(CLEAN.values()), ids=[b[0] for b in CLEAN.values()])
def test_on_the_model_the_same_searches_keep_the_rules_and_reach_the_witnesses(bug):
    _, _, cluster, faults, depth, users, rule = bug
    result = explored(cluster, faults, depth + 3, users)
    assert not result.violations, [str(v.message) for v in result.violations]
    witness = invariants.get(rule).witness
    if invariants.get(witness).applies(cluster):
        assert witness in result.reached, f"{witness} not reached"


@pytest.mark.parametrize("cluster, witness, faults, depth, users", [
    (LIVENESS_3, "sometimes-liveness-kill-after-streak", PROBES, 6, "none"),
    (STARTUP_2, "sometimes-startup-probe-failing", PROBES, 5, "none"),
    (READINESS_2_2, "sometimes-ready-after-success-streak", PROBES, 5, "none"),
    (ON_FAILURE, "sometimes-exit-0-stays-down", EXITS, 5, "none"),
    (ON_FAILURE, "sometimes-crash-loop-back-off", EXITS, 6, "none"),
    (PRE_STOP_LIVENESS, "sometimes-pre-stop-on-probe-kill", PROBES, 5, "none"),
    (PRE_STOP_ZERO_GRACE, "sometimes-pre-stop-with-zero-grace", "none", 4, "DeletePod"),
    (TWO_NODES, "sometimes-pod-on-not-ready-node", "node", 4, "none"),
])
def test_every_new_witness_is_reached_on_a_cluster_with_its_feature(cluster, witness, faults, depth, users):
    assert invariants.get(witness).applies(cluster)
    result = explored(cluster, faults, depth, users)
    assert not result.violations, [str(v.message) for v in result.violations]
    assert witness in result.reached


def test_the_witnesses_are_not_applicable_without_their_feature():
    bare = controller(app())
    for witness in ("sometimes-liveness-kill-after-streak", "sometimes-startup-probe-failing",
                    "sometimes-ready-after-success-streak", "sometimes-exit-0-stays-down",
                    "sometimes-pre-stop-on-probe-kill", "sometimes-pre-stop-with-zero-grace"):
        assert not invariants.get(witness).applies(bare), witness
    assert not invariants.get("sometimes-pod-on-not-ready-node").applies(Cluster.from_objects([Node("node-1")]))
    # a liveness kill with grace 0 runs no preStop (setTerminationGracePeriod), so that witness cannot apply
    assert not invariants.get("sometimes-pre-stop-on-probe-kill").applies(
        controller(app(liveness_probe=probe(), pre_stop=Hook("exec")), grace=0))


def test_check_cluster_reports_a_liveness_kill_one_failure_early(swap):
    """The Hypothesis engine, end to end through `kmodel check`'s entry point."""
    swap.setattr(kubelet, "probe_step", probe_step_threshold(-1))
    report = check_cluster(LIVENESS_2, max_examples=30, max_steps=30, hunt_rounds=0,
                           rule_names=["liveness-kill-at-threshold", "sometimes-liveness-kill-after-streak"])
    verdicts = {r.name: r.verdict for r in report.rules}
    assert verdicts["liveness-kill-at-threshold"] == "fail"
