"""The status proofs (invariants.smt.status): the pod phase against upstream getPhase (SEMANTICS 48, 8.6) and
ContainerStatus.ready against UpdatePodStatus (SEMANTICS 46, 47, 52, 8.9).

Differential: the restatements, run on concrete pods, agree with what the kubelet writes on the pods of
drawn statuses that the reachable-state facts allow; wrong decisions give counterexamples that replay.
"""

from __future__ import annotations

import pytest
import z3
from hypothesis import given
from hypothesis import strategies as st

from invariants.smt import status as S
from invariants.smt.framework import Counterexample, ProofContext, Proved
from kmodel.controllers import kubelet
from kmodel.decisions import kubelet as kubelet_decisions
from kmodel.logic import all_in, all_of, any_in, eq, ite, ne, not_
from kmodel.objects import (
    ALWAYS,
    FAILED,
    NEVER,
    ON_FAILURE,
    PENDING,
    POD_RUNNING,
    RUNNING,
    SUCCEEDED,
    TERMINATED,
    WAITING,
    Container,
    ContainerStatus,
)


def ctx() -> ProofContext:
    return ProofContext("test", 30_000)


def test_pod_phase_is_proved_semantics_48_8_6():
    assert S.prove_pod_phase(ctx()) == Proved()


def test_container_ready_is_proved_semantics_46_47_52():
    assert S.prove_container_ready(ctx()) == Proved()


def _status(state, code, will_restart=False):
    return Container("c", status=ContainerStatus(state=state, exit_code=code, will_restart=will_restart,
                                                 started_at=0 if state == RUNNING else None))


@pytest.mark.parametrize("policy, terminating, containers, phase", [
    (ALWAYS, False, [_status(WAITING, None)], PENDING),
    (ALWAYS, False, [_status(RUNNING, None), _status(WAITING, None)], PENDING),
    (ALWAYS, False, [_status(TERMINATED, 0, True)], POD_RUNNING),
    (ON_FAILURE, False, [_status(TERMINATED, 0), _status(TERMINATED, 0)], SUCCEEDED),
    (ON_FAILURE, False, [_status(TERMINATED, 0), _status(TERMINATED, 1, True)], POD_RUNNING),
    (NEVER, False, [_status(TERMINATED, 0), _status(TERMINATED, 1)], FAILED),
    (NEVER, False, [_status(TERMINATED, 1), _status(RUNNING, None)], POD_RUNNING),
    (ALWAYS, True, [_status(TERMINATED, 0), _status(TERMINATED, 137)], FAILED),
    (ALWAYS, True, [_status(TERMINATED, 0), _status(TERMINATED, 0)], SUCCEEDED),
    (ALWAYS, True, [_status(WAITING, 0), _status(TERMINATED, 0)], FAILED),  # waiting after an exit: not succeeded
])
def test_upstream_get_phase_table_semantics_48_8_6(policy, terminating, containers, phase):
    containers = [c if i == 0 else Container(f"c{i}", status=c.status) for i, c in enumerate(containers)]
    assert S.upstream_phase(policy, terminating, [c.status for c in containers]) == phase
    assert S.replay_phase({"containers": containers, "restart_policy": policy, "terminating": terminating}) == phase


def test_the_restatement_agrees_with_the_kubelet_on_every_reachable_single_container_status():
    """Every combination the reachable-state facts allow, on one container, through `pod_status`."""
    seen = 0
    for policy in S.POLICIES:
        for terminating in (False, True):
            for state in S.STATES:
                for code in S.EXIT_CODES:
                    for psp in (False, True):
                        for wr in (False, True):
                            status = ContainerStatus(state=state, exit_code=code, post_start_pending=psp,
                                                     will_restart=wr, started_at=0 if state == RUNNING else None)
                            facts = S.reachable(policy, z3.BoolVal(terminating), status)
                            if not all(z3.is_true(z3.simplify(z3.BoolVal(f) if isinstance(f, bool) else f))
                                       for f in facts):
                                continue
                            seen += 1
                            w = {"containers": [Container("c", status=status)], "restart_policy": policy,
                                 "terminating": terminating}
                            assert S.replay_phase(w) == S.upstream_phase(policy, terminating, [status]), w
    assert seen > 20


def never_run_ignores_post_start(c):
    return all_of(eq(c.status.exit_code, None), ne(c.status.state, RUNNING))


def live_ignores_restart(c):
    return eq(c.status.state, RUNNING)


def _phase(never=kubelet_decisions.has_never_run, live=kubelet_decisions.is_live, done=kubelet_decisions.exited_0):
    return lambda containers: ite(any_in(containers, never), PENDING,
                                  ite(any_in(containers, live), POD_RUNNING,
                                      ite(all_in(containers, done), SUCCEEDED, FAILED)))


@pytest.mark.parametrize("wrong", [
    _phase(never=never_run_ignores_post_start),       # a first postStart reported as running
    _phase(live=live_ignores_restart),                 # a pending restart read as terminated for good
    _phase(done=lambda c: eq(c.status.exit_code, 0)),  # waiting after exit 0 read as succeeded
    lambda containers: ite(any_in(containers, kubelet_decisions.has_never_run), PENDING,   # Failed before Succeeded
                           ite(any_in(containers, kubelet_decisions.is_live), POD_RUNNING,
                               ite(any_in(containers, kubelet_decisions.exited_0), SUCCEEDED, FAILED))),
])
def test_wrong_phases_give_counterexamples_that_replay_semantics_48(swap, wrong):
    swap.setattr(kubelet_decisions, "containers_phase", wrong)
    verdict = S.prove_pod_phase(ctx())
    assert isinstance(verdict, Counterexample)
    assert S.replay_phase(verdict.witness) != verdict.witness["expected_phase"]


def _ready(psp=True, started=True, readiness=True, running=True):
    def ready(c):
        s = c.status
        ok = True if c.readiness_probe is None or not readiness else eq(s.readiness.result, True)
        return all_of(eq(s.state, RUNNING) if running else True, not_(s.post_start_pending) if psp else True,
                      s.started if started else True, ok)
    return ready


@pytest.mark.parametrize("wrong", [
    _ready(psp=False),        # ready while postStart runs
    _ready(started=False),    # ready before the startup probe passed
    _ready(readiness=False),  # readiness ignored
    _ready(running=False),    # ready while not running
])
def test_wrong_ready_flags_give_counterexamples_that_replay_semantics_47_52(swap, wrong):
    swap.setattr(kubelet, "container_ready", wrong)
    verdict = S.prove_container_ready(ctx())
    assert isinstance(verdict, Counterexample)
    assert S.replay_ready(verdict.witness["container"]) != verdict.witness["expected_ready"]


@given(st.sampled_from(S.STATES), st.booleans(), st.booleans(), st.booleans(), st.booleans(), st.booleans())
def test_upstream_ready_agrees_with_the_kubelet_semantics_46_47(state, psp, readiness, startup, r_ok, s_ok):
    from kmodel.objects import EXEC, Probe, ProbeState

    psp = psp and state == RUNNING
    c = Container("c", readiness_probe=Probe(handler=EXEC) if readiness else None,
                  startup_probe=Probe(handler=EXEC) if startup else None,
                  status=ContainerStatus(state=state, post_start_pending=psp, readiness=ProbeState(r_ok),
                                         startup=ProbeState(True if s_ok else None),
                                         started_at=0 if state == RUNNING else None))
    c = Container("c", readiness_probe=c.readiness_probe, startup_probe=c.startup_probe,
                  status=ContainerStatus(**{**{f: getattr(c.status, f) for f in (
                      "state", "post_start_pending", "readiness", "startup", "started_at")},
                      "started": bool(S.upstream_started(c))}))
    assert S.replay_ready(c) == bool(S.upstream_ready(c))
