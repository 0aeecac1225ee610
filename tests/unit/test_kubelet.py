"""The kubelet (kmodel.controllers.kubelet): SEMANTICS 45 to 54 and 8.5 to 8.10."""

from __future__ import annotations

import attrs
import pytest
from hypothesis import given
from hypothesis import strategies as st

from kmodel.cluster import Cluster
from kmodel.errors import EventNotEnabled, InvalidObject
from kmodel.events import step
from kmodel.controllers import kubelet as k
from kmodel.decisions import kubelet as kubelet_decisions
from kmodel.controllers.node_lifecycle import node_faults
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
    ContainerPort,
    ContainerStatus,
    Hook,
    Node,
    Pod,
    Probe,
    ProbeState,
)

# --------------------------------------------------------------------------------------------------------------
# Helpers


def make(*containers: Container, restart_policy: str = ALWAYS, grace: int = 30, node_ready: bool = True,
         pods: int = 1) -> Cluster:
    objs: list = [Node("n1", ready=node_ready)]
    for i in range(pods):
        objs.append(Pod(name="p" if i == 0 else f"p{i}", node_name="n1", containers=containers or (Container("c"),),
                        restart_policy=restart_policy, termination_grace_period_seconds=grace))
    return Cluster.from_objects(objs)


def pod(cluster: Cluster, name: str = "p") -> Pod:
    return cluster.pods[name]


def status(cluster: Cluster, container: str = "c", name: str = "p") -> ContainerStatus:
    return cluster.pods[name].container(container).status


def guarded(cluster: Cluster, events) -> list:
    return [e for e in events if e.guard(cluster)]


def kubelet_events(cluster: Cluster) -> list:
    """Every kubelet event enabled: controller writes, environment faults, time."""
    return guarded(cluster, [*k.reconcile(cluster), *k.kubelet_faults(cluster), *k.time_passes(cluster)])


def run_kubelet(cluster: Cluster, limit: int = 100) -> Cluster:
    """Apply the kubelet's own proposals until it proposes nothing (no environment, no time)."""
    for _ in range(limit):
        proposals = k.reconcile(cluster)
        if not proposals:
            return cluster
        cluster = step(cluster, proposals[0])
    raise AssertionError("the kubelet did not quiesce")


def settle_healthy(cluster: Cluster, limit: int = 500) -> Cluster:
    """Kubelet proposals, else the healthy environment, else time: settle's schedule for the kubelet alone."""
    for _ in range(limit):
        events = k.reconcile(cluster) or k.healthy_environment(cluster) or guarded(cluster, k.time_passes(cluster))
        if not events:
            return cluster
        cluster = step(cluster, events[0])
    raise AssertionError("no quiescence")


def started(cluster: Cluster, container: str = "c", name: str = "p") -> Cluster:
    return step(cluster, k.KubeletStartContainer(name, container))


def delete(cluster: Cluster, name: str = "p") -> Cluster:
    return cluster.put_pod(k.begin_pod_termination(cluster.pods[name], cluster.clock))


def fail_probe(cluster: Cluster, cls, times: int, container: str = "c") -> Cluster:
    for _ in range(times):
        cluster = step(cluster, cls("p", container))
    return cluster


# --------------------------------------------------------------------------------------------------------------
# SEMANTICS 46: the threshold automaton


T, F = True, False


@pytest.mark.parametrize(
    "initial, success_threshold, failure_threshold, raw, expected",
    [
        # readiness starts as Failure; threshold 1 acts on every result
        (F, 1, 1, [T, F, T, T, F], [T, F, T, T, F]),
        # readiness with the default failureThreshold 3: two failures are tolerated, the third flips
        (F, 1, 3, [T, F, F, F], [T, T, T, F]),
        # interleaved: a success resets the failure streak
        (T, 1, 3, [F, F, T, F, F, T, F, F, F], [T, T, T, T, T, T, T, T, F]),
        # successThreshold 3: only three consecutive successes make it ready, a failure restarts the count
        (F, 3, 1, [T, T, F, T, T, T, T], [F, F, F, F, F, T, T]),
        (F, 3, 3, [T, T, T, F, F, T, F], [F, F, T, T, T, T, T]),
        # liveness starts as Success: three failures (default) flip it
        (T, 1, 3, [F, F, F], [T, T, F]),
        # startup starts Unknown and stays Unknown below both thresholds
        (None, 1, 3, [F, F, F], [None, None, F]),
        (None, 1, 3, [F, T], [None, T]),
    ],
)
def test_probe_step_flips_after_threshold_consecutive_results_semantics_46(
        initial, success_threshold, failure_threshold, raw, expected):
    state = ProbeState(initial)
    results = []
    for r in raw:
        state = k.probe_step(state, r, success_threshold, failure_threshold)
        results.append(state.result)
    assert results == expected


def upstream_worker(initial, raw, success_threshold, failure_threshold):
    """prober/worker.go doProbe: one run counter over the last raw result, zero value Success."""
    last, run, result = True, 0, initial
    out = []
    for r in raw:
        if r == last:
            run += 1
        else:
            last, run = r, 1
        if not ((not r and run < failure_threshold) or (r and run < success_threshold)):
            result = r
        out.append(result)
    return out


@given(initial=st.sampled_from([True, False, None]), raw=st.lists(st.booleans(), max_size=12),
       success_threshold=st.integers(1, 4), failure_threshold=st.integers(1, 4))
def test_probe_step_matches_upstream_worker_semantics_46(initial, raw, success_threshold, failure_threshold):
    state = ProbeState(initial)
    ours = []
    for r in raw:
        state = k.probe_step(state, r, success_threshold, failure_threshold)
        assert 0 <= state.successes <= success_threshold and 0 <= state.failures <= failure_threshold
        ours.append(state.result)
    # upstream's counter starts with lastResult = Success: the first successes extend that run, which is the
    # same as counting from zero.
    assert ours == upstream_worker(initial, raw, success_threshold, failure_threshold)


# --------------------------------------------------------------------------------------------------------------
# SEMANTICS 49, 50, 8.7: the restart decision


@pytest.mark.parametrize(
    "policy, exit_code, killed_by_probe, restart",
    [
        (ALWAYS, 0, False, True),
        (ALWAYS, 1, False, True),
        (ALWAYS, 137, True, True),
        (ALWAYS, 0, True, True),
        (ON_FAILURE, 0, False, False),
        (ON_FAILURE, 1, False, True),
        (ON_FAILURE, 137, False, True),
        (ON_FAILURE, 137, True, True),
        (ON_FAILURE, 0, True, True),  # 8.7: a liveness/startup kill restarts whatever the exit code
        (NEVER, 0, False, False),
        (NEVER, 1, False, False),
        (NEVER, 137, True, False),
        (NEVER, 0, True, False),
    ],
)
def test_should_restart_table_semantics_49_50_8_7(policy, exit_code, killed_by_probe, restart):
    assert k.should_restart(policy, exit_code, killed_by_probe) is restart


@pytest.mark.parametrize("policy, code, restarts, phase", [
    (ALWAYS, 0, True, POD_RUNNING),
    (ALWAYS, 1, True, POD_RUNNING),
    (ON_FAILURE, 0, False, SUCCEEDED),
    (ON_FAILURE, 1, True, POD_RUNNING),
    (NEVER, 0, False, SUCCEEDED),
    (NEVER, 1, False, FAILED),
])
def test_container_exit_applies_restart_policy_semantics_50(policy, code, restarts, phase):
    c = started(make(restart_policy=policy))
    c = step(c, k.ContainerExits("p", "c", code))
    s = status(c)
    assert s.exit_code == code and s.will_restart is restarts
    assert pod(c).phase == phase
    assert (k.KubeletStartContainer("p", "c").guard(c)) is restarts


def test_no_restart_once_the_pod_is_terminating_semantics_8_7():
    c = delete(started(make(restart_policy=ALWAYS)))
    c = step(c, k.KubeletStopContainer("p", "c"))
    s = status(c)
    assert s.state == TERMINATED and not s.will_restart
    assert not k.KubeletStartContainer("p", "c").guard(c)


# --------------------------------------------------------------------------------------------------------------
# SEMANTICS 51, 8.8: CrashLoopBackOff


@pytest.mark.parametrize("entry, ran_for, delay, next_entry", [
    (0, 0, 0, 10),        # first crash: immediate restart
    (10, 5, 10, 20),
    (20, 5, 20, 40),
    (160, 5, 160, 300),   # capped at 300
    (300, 5, 300, 300),
    (300, 600, 300, 300),  # exactly 600 s of running is not yet expired
    (300, 601, 0, 10),    # more than 600 s: reset, immediate again
])
def test_backoff_step_table_semantics_8_8(entry, ran_for, delay, next_entry):
    assert k.backoff_step(entry, ran_for) == (delay, next_entry)


def test_crash_loop_delays_are_0_10_20_40_80_160_300_300_semantics_51_8_8():
    c = make()
    delays = []
    for _ in range(8):
        c = started(c)
        c = step(c, k.ContainerExits("p", "c", 1))
        s = status(c)
        if s.backoff_until is None:
            assert s.state == TERMINATED and s.will_restart
            delays.append(0)
        else:
            assert s.state == WAITING and s.reason == k.CRASH_LOOP_BACK_OFF and pod(c).phase == POD_RUNNING
            assert not k.KubeletStartContainer("p", "c").guard(c)
            assert k.next_deadline(c) == s.backoff_until
            delays.append(s.backoff_until - c.clock)
            c = step(c, k.Tick())
        assert k.reconcile(c) == (k.KubeletStartContainer("p", "c"),)
    assert delays == [0, 10, 20, 40, 80, 160, 300, 300]
    assert status(started(c)).restart_count == 8


def test_backoff_resets_after_600_s_of_running_semantics_8_8():
    c = make()
    for _ in range(3):  # build up an entry of 40 s
        c = started(c)
        c = step(c, k.ContainerExits("p", "c", 1))
        if status(c).backoff_until is not None:
            c = step(c, k.Tick())
    c = started(c)
    assert status(c).backoff_seconds == 40
    long_run = step(c.tick(601), k.ContainerExits("p", "c", 1))
    assert status(long_run).state == TERMINATED and status(long_run).backoff_seconds == 10
    short_run = step(c.tick(600), k.ContainerExits("p", "c", 1))
    assert status(short_run).reason == k.CRASH_LOOP_BACK_OFF
    assert status(short_run).backoff_until == short_run.clock + 40


# --------------------------------------------------------------------------------------------------------------
# SEMANTICS 47, 52, 8.9: start, postStart


def test_start_without_probes_is_started_and_ready_semantics_47():
    c = started(make())
    s = status(c)
    assert (s.state, s.started, s.ready, s.restart_count) == (RUNNING, True, True, 0)
    assert pod(c).phase == POD_RUNNING and pod(c).ready and pod(c).ready_since == c.clock
    assert pod(c).pod_ip is not None


def test_readiness_probe_not_ready_until_it_passes_semantics_46_47():
    c = started(make(Container("c", readiness_probe=Probe(port=80))))
    assert status(c).started and not status(c).ready and not pod(c).ready
    c = step(c, k.ReadinessProbeSucceeds("p", "c"))
    assert status(c).ready and pod(c).ready


def test_post_start_pending_blocks_ready_and_probes_semantics_52_8_9():
    c = started(make(Container("c", readiness_probe=Probe(port=80), liveness_probe=Probe(port=80),
                               post_start=Hook())))
    s = status(c)
    assert s.post_start_pending and not s.started and not s.ready
    assert pod(c).phase == PENDING and not pod(c).ready and pod(c).pod_ip is not None
    for cls in (k.ReadinessProbeSucceeds, k.ReadinessProbeFails, k.LivenessProbeFails):
        with pytest.raises(EventNotEnabled):
            step(c, cls("p", "c"))
    with pytest.raises(EventNotEnabled):
        step(c, k.ContainerExits("p", "c", 0))
    assert set(k.healthy_environment(c)) == {k.PostStartHookSucceeds("p", "c")}
    c = step(c, k.PostStartHookSucceeds("p", "c"))
    assert status(c).started and not status(c).ready and pod(c).phase == POD_RUNNING
    c = step(c, k.ReadinessProbeSucceeds("p", "c"))
    assert status(c).ready and pod(c).ready


@pytest.mark.parametrize("policy, restarts, phase", [(ALWAYS, True, POD_RUNNING), (NEVER, False, FAILED)])
def test_post_start_failure_kills_and_runs_pre_stop_semantics_52_8_9_8_10(policy, restarts, phase):
    c = started(make(Container("c", post_start=Hook(), pre_stop=Hook()), restart_policy=policy))
    c = step(c, k.PostStartHookFails("p", "c"))
    s = status(c)
    assert s.stopping and s.kill_reason == k.POST_START_KILL and s.pre_stop_pending and s.pre_stop_ran
    assert not s.ready and pod(c).phase == PENDING
    assert not k.KubeletStopContainer("p", "c").guard(c)  # waits for preStop
    assert not k.PostStartHookSucceeds("p", "c").guard(c)
    c = step(c, k.PreStopHookCompletes("p", "c"))
    assert k.reconcile(c) == (k.KubeletStopContainer("p", "c"),)
    c = step(c, k.KubeletStopContainer("p", "c"))
    s = status(c)
    assert (s.state, s.exit_code, s.reason, s.will_restart) == (TERMINATED, 137, "Error", restarts)
    assert pod(c).phase == phase


# --------------------------------------------------------------------------------------------------------------
# SEMANTICS 53, 8.10: preStop


def _liveness_kill(c: Cluster) -> Cluster:
    return fail_probe(c, k.LivenessProbeFails, 3)


def _deletion(c: Cluster) -> Cluster:
    return delete(c)


@pytest.mark.parametrize("trigger, kill_reason", [(_deletion, k.DELETION_KILL), (_liveness_kill, k.LIVENESS_KILL)])
def test_pre_stop_runs_on_every_kubelet_kill_semantics_53_8_10(trigger, kill_reason):
    c = started(make(Container("c", liveness_probe=Probe(port=80), pre_stop=Hook())))
    c = trigger(c)
    s = status(c)
    assert s.stopping and s.pre_stop_pending and s.pre_stop_ran and s.kill_reason == kill_reason
    assert s.stop_deadline == c.clock + 30
    assert k.reconcile(c) == ()
    c = step(c, k.PreStopHookCompletes("p", "c"))
    c = step(c, k.KubeletStopContainer("p", "c"))
    assert status(c).state != RUNNING and status(c).pre_stop_ran


def test_pre_stop_never_runs_when_the_container_exits_by_itself_semantics_53_8_10():
    c = started(make(Container("c", pre_stop=Hook()), restart_policy=NEVER))
    c = step(c, k.ContainerExits("p", "c", 1))
    s = status(c)
    assert s.state == TERMINATED and not s.pre_stop_ran and not s.stopping and s.kill_reason is None
    assert not k.PreStopHookCompletes("p", "c").guard(c)


def test_deletion_with_grace_0_still_runs_pre_stop_for_1_s_semantics_8_10():
    c = delete(started(make(Container("c", pre_stop=Hook()), grace=0)))
    s = status(c)
    assert s.pre_stop_pending and s.stop_deadline == c.clock + 1


def test_liveness_kill_with_grace_0_skips_pre_stop_semantics_53():
    c = _liveness_kill(started(make(Container("c", liveness_probe=Probe(port=80), pre_stop=Hook()), grace=0)))
    s = status(c)
    assert s.stopping and not s.pre_stop_pending and not s.pre_stop_ran
    assert k.KubeletStopContainer("p", "c").guard(c)


def test_grace_deadline_ends_the_wait_for_pre_stop_semantics_53():
    c = delete(started(make(Container("c", pre_stop=Hook()), grace=5)))
    assert not k.KubeletStopContainer("p", "c").guard(c)
    assert k.next_deadline(c) == c.clock + 5
    c = step(c, k.Tick())
    assert not k.PreStopHookCompletes("p", "c").guard(c)
    assert k.reconcile(c) == (k.KubeletStopContainer("p", "c"),)


def test_pre_stop_failure_only_records_and_termination_continues_semantics_53():
    c = delete(started(make(Container("c", pre_stop=Hook()))))
    failed = step(c, k.PreStopHookFails("p", "c"))
    assert failed == step(c, k.PreStopHookCompletes("p", "c"))
    assert k.KubeletStopContainer("p", "c").guard(failed)


# --------------------------------------------------------------------------------------------------------------
# SEMANTICS 49, 8.7: liveness, startup and readiness effects


def test_readiness_failure_never_restarts_semantics_49():
    c = started(make(Container("c", readiness_probe=Probe(port=80, failure_threshold=2))))
    c = step(c, k.ReadinessProbeSucceeds("p", "c"))
    assert pod(c).ready
    c = step(c, k.ReadinessProbeFails("p", "c"))
    assert pod(c).ready  # below the threshold
    c = fail_probe(c, k.ReadinessProbeFails, 5)
    s = status(c)
    assert (s.state, s.ready, s.stopping, s.restart_count) == (RUNNING, False, False, 0)
    assert not pod(c).ready and pod(c).ready_since is None and pod(c).phase == POD_RUNNING
    assert k.reconcile(c) == ()


@pytest.mark.parametrize("policy, restarts, phase", [
    (ALWAYS, True, POD_RUNNING), (ON_FAILURE, True, POD_RUNNING), (NEVER, False, FAILED)])
def test_liveness_failure_kills_then_restart_policy_semantics_49_8_7(policy, restarts, phase):
    c = started(make(Container("c", liveness_probe=Probe(port=80, failure_threshold=3)), restart_policy=policy))
    c = fail_probe(c, k.LivenessProbeFails, 2)
    assert not status(c).stopping
    c = step(c, k.LivenessProbeFails("p", "c"))
    assert status(c).stopping and status(c).kill_reason == k.LIVENESS_KILL
    assert not k.LivenessProbeFails("p", "c").guard(c)  # on hold until a new container
    c = step(c, k.KubeletStopContainer("p", "c"))
    s = status(c)
    assert s.exit_code == 137 and s.will_restart is restarts and pod(c).phase == phase
    c = run_kubelet(c)
    if restarts:
        s = status(c)
        assert s.restart_count == 1 and s.state == RUNNING and s.liveness == ProbeState(True)


def test_readiness_keeps_probing_a_container_being_killed_upstream_worker():
    c = started(make(Container("c", liveness_probe=Probe(port=80, failure_threshold=1),
                               readiness_probe=Probe(port=80, failure_threshold=1), pre_stop=Hook())))
    c = step(c, k.ReadinessProbeSucceeds("p", "c"))
    c = step(c, k.LivenessProbeFails("p", "c"))
    assert status(c).stopping and status(c).ready and pod(c).ready  # ready falls when the container stops
    c = step(c, k.ReadinessProbeFails("p", "c"))
    assert not pod(c).ready


def test_startup_probe_gates_liveness_and_readiness_semantics_46():
    c = started(make(Container("c", startup_probe=Probe(port=80, failure_threshold=2),
                               liveness_probe=Probe(port=80), readiness_probe=Probe(port=80))))
    assert not status(c).started
    for cls in (k.LivenessProbeFails, k.ReadinessProbeSucceeds):
        assert not cls("p", "c").guard(c)
    c = step(c, k.StartupProbeSucceeds("p", "c"))
    assert status(c).started and not status(c).ready
    assert not k.StartupProbeSucceeds("p", "c").guard(c)  # startup pauses once it succeeded (8.5)
    assert k.LivenessProbeFails("p", "c").guard(c) and k.ReadinessProbeSucceeds("p", "c").guard(c)


def test_startup_without_readiness_probe_is_ready_on_success_semantics_47():
    c = started(make(Container("c", startup_probe=Probe(port=80))))
    assert not status(c).ready
    c = step(c, k.StartupProbeSucceeds("p", "c"))
    assert status(c).ready and pod(c).ready


def test_startup_failure_kills_like_liveness_semantics_49():
    c = started(make(Container("c", startup_probe=Probe(port=80, failure_threshold=2)), restart_policy=NEVER))
    c = fail_probe(c, k.StartupProbeFails, 2)
    assert status(c).stopping and status(c).kill_reason == k.STARTUP_KILL
    c = run_kubelet(c)
    assert status(c).exit_code == 137 and pod(c).phase == FAILED


def test_liveness_and_startup_stop_on_a_terminating_pod_readiness_continues_semantics_8_5():
    c = started(make(Container("c", startup_probe=Probe(port=80), liveness_probe=Probe(port=80),
                               readiness_probe=Probe(port=80), pre_stop=Hook())))
    c = delete(c)
    s = status(c)
    # the startup worker records Success and stops, so the container counts as started
    assert s.started and s.startup.result is True and s.liveness.result is True
    assert not k.StartupProbeFails("p", "c").guard(c) and not k.LivenessProbeFails("p", "c").guard(c)
    assert k.ReadinessProbeSucceeds("p", "c").guard(c)


def test_fault_palette_leaves_out_probe_stutters_semantics_46():
    c = started(make(Container("c", liveness_probe=Probe(port=80))))
    c = step(c, k.LivenessProbeSucceeds("p", "c"))  # the success streak is full now
    faults = set(k.kubelet_faults(c))
    assert k.LivenessProbeFails("p", "c") in faults and k.LivenessProbeSucceeds("p", "c") not in faults
    assert step(c, k.LivenessProbeSucceeds("p", "c")) == c  # still admitted: a stutter
    c = step(c, k.LivenessProbeFails("p", "c"))
    assert k.LivenessProbeSucceeds("p", "c") in set(k.kubelet_faults(c))


def test_probe_initial_delay_and_tick_semantics_46():
    c = started(make(Container("c", readiness_probe=Probe(port=80, initial_delay_seconds=15))))
    assert not k.ReadinessProbeSucceeds("p", "c").guard(c)
    assert k.next_deadline(c) == 15
    c = step(c, k.Tick())
    assert c.clock == 15 and k.ReadinessProbeSucceeds("p", "c").guard(c)
    assert k.next_deadline(c) is None and not k.Tick().guard(c)


@pytest.mark.parametrize("port, can_succeed", [(80, True), ("http", True), ("metrics", False)])
def test_probe_on_a_missing_named_port_can_only_fail_semantics_43(port, can_succeed):
    c = started(make(Container("c", ports=(ContainerPort(8080, name="http"),), readiness_probe=Probe(port=port))))
    assert k.ReadinessProbeSucceeds("p", "c").guard(c) is can_succeed
    assert k.ReadinessProbeFails("p", "c").guard(c)


def test_probe_event_on_a_stopped_container_is_not_enabled_semantics_46():
    c = started(make(Container("c", readiness_probe=Probe(port=80), liveness_probe=Probe(port=80)),
                     restart_policy=NEVER))
    c = step(c, k.ContainerExits("p", "c", 0))
    for cls in k.PROBE_EVENTS.values():
        with pytest.raises(EventNotEnabled):
            step(c, cls("p", "c"))


# --------------------------------------------------------------------------------------------------------------
# SEMANTICS 48, 8.6: pod phase and Ready


def _c(name: str, **status_fields) -> Container:
    return Container(name, status=ContainerStatus(**status_fields))


RUN = dict(state=RUNNING, started=True, ready=True, started_at=0)
DONE0 = dict(state=TERMINATED, exit_code=0)
DONE1 = dict(state=TERMINATED, exit_code=1)
RESTART = dict(state=TERMINATED, exit_code=1, will_restart=True)
LOOP = dict(state=WAITING, reason="CrashLoopBackOff", exit_code=1, will_restart=True, backoff_until=10)
NEW = dict()
POST_START_FIRST = dict(state=RUNNING, started_at=0, post_start_pending=True)
POST_START_AGAIN = dict(state=RUNNING, started_at=0, post_start_pending=True, exit_code=1, restart_count=1)


@pytest.mark.parametrize("statuses, phase", [
    ([NEW], PENDING),
    ([NEW, RUN], PENDING),  # upstream getPhase: a container that never ran keeps the pod Pending
    ([POST_START_FIRST], PENDING),
    ([POST_START_AGAIN], POD_RUNNING),
    ([RUN], POD_RUNNING),
    ([RUN, DONE0], POD_RUNNING),
    ([RESTART], POD_RUNNING),
    ([LOOP, DONE0], POD_RUNNING),
    ([DONE0], SUCCEEDED),
    ([DONE0, DONE0], SUCCEEDED),
    ([DONE0, DONE1], FAILED),
    ([DONE1], FAILED),
    # a deleted pod whose container waited in back-off after exiting 0: stopped but not succeeded (getPhase)
    ([dict(state=WAITING, reason="CrashLoopBackOff", exit_code=0)], FAILED),
])
def test_pod_phase_table_semantics_48_8_6(statuses, phase):
    p = Pod(name="p", node_name="n1", containers=tuple(_c(f"c{i}", **s) for i, s in enumerate(statuses)))
    assert k.pod_phase(p) == phase


def test_phase_and_ready_are_remembered_per_containers_tuple_only(swap):
    """`containers_summary` answers from its memo only for the very containers tuple and the very decision
    functions it was computed with: other containers, equal or not, and a patched decision are computed afresh."""
    run = Pod(name="p", node_name="n1", containers=(_c("c0", **RUN),))
    assert (k.pod_phase(run), kubelet_decisions.containers_summary(run.containers)) == (POD_RUNNING, (POD_RUNNING, True))
    done = attrs.evolve(run, containers=(_c("c0", **DONE1),))
    assert k.pod_phase(done) == FAILED and k.pod_phase(run) == POD_RUNNING
    assert kubelet_decisions.status_stale(attrs.evolve(run, phase=POD_RUNNING, ready=True)) is False
    swap.setattr(kubelet_decisions, "containers_phase", lambda containers: SUCCEEDED)
    assert k.pod_phase(run) == SUCCEEDED
    swap.undo()
    assert k.pod_phase(run) == POD_RUNNING


@given(st.lists(st.sampled_from([NEW, RUN, DONE0, DONE1, RESTART, LOOP, POST_START_FIRST, POST_START_AGAIN]),
                min_size=1, max_size=3))
def test_remembered_phase_and_ready_equal_the_decisions(statuses):
    """The memo is invisible: phase and ContainersReady are the decision functions' values for the containers."""
    containers = tuple(_c(f"c{i}", **s) for i, s in enumerate(statuses))
    pod = Pod(name="p", node_name="n1", containers=containers)
    for _ in range(2):
        assert k.pod_phase(pod) == kubelet_decisions.containers_phase(containers)
        assert kubelet_decisions.containers_summary(containers) == (kubelet_decisions.containers_phase(containers), kubelet_decisions.containers_ready(containers))


@pytest.mark.parametrize("ready_flags, phase, pod_ready", [
    ([True], POD_RUNNING, True),
    ([True, True], POD_RUNNING, True),
    ([True, False], POD_RUNNING, False),
    ([False], POD_RUNNING, False),
])
def test_pod_ready_iff_every_container_ready_semantics_48(ready_flags, phase, pod_ready):
    p = Pod(name="p", node_name="n1",
            containers=tuple(_c(f"c{i}", **{**RUN, "ready": r}) for i, r in enumerate(ready_flags)))
    out = k.pod_status(p, clock=7)
    assert out.phase == phase and out.ready is pod_ready
    assert out.ready_since == (7 if pod_ready else None)


def test_terminal_pod_is_never_ready_semantics_8_6():
    p = Pod(name="p", node_name="n1", containers=(_c("c", **{**DONE0, "ready": True}),), ready=True)
    assert not k.pod_status(p, 3).ready


def test_ready_since_is_the_transition_time_semantics_34_6():
    c = make(Container("c"), Container("d", readiness_probe=Probe(port=80)))
    c = started(started(c), "d")
    assert not pod(c).ready
    c = c.tick(4)
    c = step(c, k.ReadinessProbeSucceeds("p", "d"))
    assert pod(c).ready and pod(c).ready_since == 4
    c = step(c.tick(3), k.ReadinessProbeSucceeds("p", "d"))
    assert pod(c).ready_since == 4  # no transition


def test_two_containers_pod_ready_only_when_both_ready_semantics_48():
    c = make(Container("a"), Container("b", readiness_probe=Probe(port=80)))
    c = started(c, "a")
    assert pod(c).phase == PENDING and not pod(c).ready
    c = started(c, "b")
    assert pod(c).phase == POD_RUNNING and not pod(c).ready
    c = step(c, k.ReadinessProbeSucceeds("p", "b"))
    assert pod(c).ready


# --------------------------------------------------------------------------------------------------------------
# SEMANTICS 54: deletion


def test_kubelet_deletes_the_pod_after_termination_semantics_54_3():
    c = delete(started(make(Container("c", pre_stop=Hook()))))
    assert pod(c).deletion_timestamp == c.clock
    assert not k.KubeletDeletePod("p").guard(c)
    c = step(c, k.PreStopHookCompletes("p", "c"))
    c = step(c, k.KubeletStopContainer("p", "c"))
    assert k.reconcile(c) == (k.KubeletDeletePod("p"),)
    c = step(c, k.KubeletDeletePod("p"))
    assert "p" not in c.pods and c.index_mismatches() == []


def test_deleting_a_crash_looping_pod_drops_the_restart_semantics_54():
    c = make()
    c = started(c)
    c = step(c, k.ContainerExits("p", "c", 1))
    c = started(c)
    c = step(c, k.ContainerExits("p", "c", 1))
    assert status(c).reason == k.CRASH_LOOP_BACK_OFF
    c = delete(c)
    assert not status(c).will_restart and k.next_deadline(c) is None
    c = run_kubelet(c)
    assert "p" not in c.pods


def test_begin_pod_termination_is_idempotent():
    c = delete(started(make(Container("c", pre_stop=Hook()))))
    later = c.tick(3)
    assert k.begin_pod_termination(pod(later), later.clock) == pod(c)


def test_kill_container_unknown_name_is_a_kmodel_error():
    c = started(make())
    with pytest.raises(InvalidObject, match="Pod/p.*no container named 'x'"):
        k.kill_container(pod(c), "x", k.LIVENESS_KILL, c.clock)


# --------------------------------------------------------------------------------------------------------------
# The kubelet as a controller


def test_kubelet_acts_only_on_ready_nodes():
    c = make(Container("c", readiness_probe=Probe(port=80)), node_ready=False)
    assert k.reconcile(c) == () and list(k.kubelet_faults(c)) == []
    with pytest.raises(EventNotEnabled):
        step(c, k.KubeletStartContainer("p", "c"))
    unbound = Cluster.from_objects([Node("n1"), Pod(name="p", containers=(Container("c"),))])
    assert k.reconcile(unbound) == ()


def test_pod_ip_assigned_at_first_start_and_kept_semantics_39():
    c = make(pods=3)
    assert all(p.pod_ip is None for p in c.pods.values())
    for name in ("p", "p1", "p2"):
        c = started(c, name=name)
    ips = {p.pod_ip for p in c.pods.values()}
    assert len(ips) == 3 and None not in ips
    ip = pod(c).pod_ip
    c = step(c, k.ContainerExits("p", "c", 1))
    c = started(c)
    assert pod(c).pod_ip == ip and status(c).restart_count == 1


def test_sync_pod_status_restores_ready_after_the_node_returns():
    c = started(make())
    c = c.put_pod(attrs.evolve(pod(c), ready=False, ready_since=None))  # the node lifecycle controller's write
    assert k.reconcile(c) == (k.KubeletSyncPodStatus("p"),)
    c = run_kubelet(c)
    assert pod(c).ready


def test_settle_with_healthy_environment_reaches_ready_and_quiescence():
    container = Container("c", ports=(ContainerPort(8080, name="http"),),
                          startup_probe=Probe(port="http", initial_delay_seconds=5),
                          readiness_probe=Probe(port="http", success_threshold=2),
                          liveness_probe=Probe(port="http"), post_start=Hook(), pre_stop=Hook())
    c = settle_healthy(make(container, pods=2))
    assert all(p.ready and p.phase == POD_RUNNING for p in c.pods.values())
    assert k.reconcile(c) == () and k.healthy_environment(c) == ()
    c = settle_healthy(delete(c))
    assert "p" not in c.pods and pod(c, "p1").ready


def test_unresolvable_readiness_port_never_becomes_ready_but_settles():
    c = settle_healthy(make(Container("c", readiness_probe=Probe(port="nope"))))
    assert status(c).state == RUNNING and not pod(c).ready


# --------------------------------------------------------------------------------------------------------------
# Random walks: guards, status consistency, preStop discipline


SHAPES = [
    Container("c"),
    Container("c", readiness_probe=Probe(port=80, failure_threshold=2), pre_stop=Hook()),
    Container("c", liveness_probe=Probe(port=80, failure_threshold=1, initial_delay_seconds=3),
              post_start=Hook(), pre_stop=Hook()),
    Container("c", startup_probe=Probe(port=80, failure_threshold=2), readiness_probe=Probe(port="x")),
]


@given(data=st.data(), shape=st.sampled_from(SHAPES), policy=st.sampled_from([ALWAYS, ON_FAILURE, NEVER]),
       grace=st.sampled_from([0, 2, 30]), second=st.booleans())
def test_random_kubelet_walk_keeps_its_invariants(data, shape, policy, grace, second):
    containers = (shape, Container("d", readiness_probe=Probe(port=80))) if second else (shape,)
    c = make(*containers, restart_policy=policy, grace=grace)
    for _ in range(25):
        for e in k.reconcile(c):
            assert e.guard(c), e
        events = kubelet_events(c)
        if not pod(c).terminating and "p" in c.pods:
            events.append(None)  # stands for an API delete
        if not events:
            break
        e = data.draw(st.sampled_from(events))
        before = c
        c = delete(c) if e is None else step(c, e)
        assert c.clock >= before.clock
        if "p" not in c.pods:
            break
        p = pod(c)
        if e is not None and not isinstance(e, k.Tick):
            assert k.pod_status(p, c.clock) == p  # status is written in the same step
        assert not p.ready or p.phase == POD_RUNNING
        assert (p.ready_since is not None) == p.ready or e is None
        for ct in p.containers:
            s = ct.status
            assert s.ready == bool(k.container_ready(ct))
            assert not (s.post_start_pending and s.ready)
            if isinstance(e, k.ContainerExits) and e.container == ct.name:
                assert not s.pre_stop_ran and not s.stopping
            if p.terminating:
                assert not s.will_restart


# --------------------------------------------------------------------------------------------------------------
# The kubelet's work queues agree with what it proposes (DESIGN principle 1: work found through indexes)


def brute_next_deadline(cluster: Cluster) -> int | None:
    """The earliest deadline later than the clock, by a scan of every pod of a running kubelet."""
    later = [d for p in k.kubelet_pods(cluster) for c in p.containers for d in kubelet_decisions.container_deadlines(p, c)
             if d > cluster.clock]
    return min(later) if later else None


def brute_reconcile(cluster: Cluster) -> tuple:
    """The kubelet's writes by a scan of every pod of a running kubelet (no queue)."""
    return tuple(e for p in k.kubelet_pods(cluster) for e in k.pod_proposals(p, cluster.clock))


def brute_healthy(cluster: Cluster) -> tuple:
    """The healthy environment by a scan of every pod of a running kubelet (no queue)."""
    out = []
    for p in k.kubelet_pods(cluster):
        for c in p.containers:
            s = c.status
            if s.state != RUNNING:
                continue
            if s.post_start_pending and not s.stopping:
                out.append(k.PostStartHookSucceeds(p.name, c.name))
            if s.stopping and s.pre_stop_pending:
                out.append(k.PreStopHookCompletes(p.name, c.name))
            for kind in ("startup", "readiness"):
                if c.probe(kind) is not None and s.probe(kind).result is not True:
                    out.append(k.PROBE_EVENTS[kind, True](p.name, c.name))
    return tuple(e for e in out if e.guard(cluster))


@given(st.data(), st.sampled_from([ALWAYS, NEVER, ON_FAILURE]))
def test_queue_decisions_agree_with_the_kubelet_on_random_runs_semantics_46_to_54(data, policy):
    """At every state of a random kubelet run, what the kubelet finds through its queues is what a scan of every
    pod finds: `reconcile` (SEMANTICS 47 to 54), `healthy_environment` (SEMANTICS 46, 52, 53) and `next_deadline`
    (SEMANTICS 51, 53); `status_stale` is `pod_status(pod) != pod` (SEMANTICS 48); a pod with a proposal has
    work (`has_work`); `probe_moves` is `probe_step`'s change (SEMANTICS 46)."""
    web = Container("c", ports=(ContainerPort(8080, name="http"),), liveness_probe=Probe(port="http"),
                    readiness_probe=Probe(port="http", initial_delay_seconds=5), post_start=Hook(), pre_stop=Hook())
    c = make(web, Container("d", startup_probe=Probe(port=80)), restart_policy=policy, pods=2)
    for _ in range(30):
        assert k.next_deadline(c) == brute_next_deadline(c)
        assert k.reconcile(c) == brute_reconcile(c)
        assert k.healthy_environment(c) == brute_healthy(c)
        for p in c.pods.values():
            assert kubelet_decisions.status_stale(p) == (k.pod_status(p, c.clock) != p)
            if k.pod_proposals(p, c.clock):
                assert kubelet_decisions.has_work(p) and p.name in c.kubelet_queue
            for ct in p.containers:
                for kind in ("liveness", "readiness", "startup"):
                    probe = ct.probe(kind)
                    if probe is not None:
                        state = ct.status.probe(kind)
                        for success in (True, False):
                            assert k.probe_moves(state, success, probe) == (
                                k.probe_step(state, success, probe.success_threshold, probe.failure_threshold) != state)
        events = kubelet_events(c) + list(k.healthy_environment(c)) + list(node_faults(c))  # a kubelet may stop
        c = step(c, data.draw(st.sampled_from(events)))
        assert c.index_mismatches() == []


def test_a_pod_waiting_for_its_back_off_stays_queued_and_proposes_nothing_semantics_51():
    """The kubelet queue holds a pod in CrashLoopBackOff (its restart is due later), but `reconcile` proposes
    nothing for it until the clock reaches the back-off; `Tick` goes straight there."""
    c = make(Container("c"))
    c = run_kubelet(c)
    c = step(c, k.ContainerExits("p", "c", 1))
    c = run_kubelet(c)  # first restart is immediate
    c = step(c, k.ContainerExits("p", "c", 1))
    s = status(c)
    assert s.reason == k.CRASH_LOOP_BACK_OFF and "p" in c.kubelet_queue and k.reconcile(c) == ()
    assert k.next_deadline(c) == s.backoff_until and c.timer_times == (s.backoff_until,)
    later = step(c, k.Tick())
    assert later.clock == s.backoff_until and k.reconcile(later) == (k.KubeletStartContainer("p", "c"),)


def test_kubelet_writes_are_remembered_per_pod_object_event_and_clock(swap):
    """A kubelet write applied to one pod object at one clock gives the very pod computed the first time (so the
    states of an exploration share it); a patched decision or event is computed afresh, and the memo is
    invisible: the pod equals the one computed without it."""
    c = started(make(Container("c", readiness_probe=Probe(port=80))))
    other = c.put_pod(attrs.evolve(pod(c), labels={"x": "1"}))  # another state holding another pod object
    assert pod(step(c, k.ReadinessProbeSucceeds("p", "c"))) is pod(step(c, k.ReadinessProbeSucceeds("p", "c")))
    shared = pod(step(c, k.ReadinessProbeSucceeds("p", "c")))
    assert pod(step(other, k.ReadinessProbeSucceeds("p", "c"))) is not shared
    fresh = k.pod_status(k.probe_result(pod(c), pod(c).container("c"), k.READINESS, True, c.clock), c.clock)
    assert pod(step(c, k.ReadinessProbeSucceeds("p", "c"))) == fresh and fresh.ready
    assert pod(step(c, k.ReadinessProbeFails("p", "c"))) != fresh  # the event is part of the key
    later = c.tick(5)
    assert pod(step(later, k.ReadinessProbeSucceeds("p", "c"))).ready_since == 5  # and so is the clock
    swap.setattr(k, "container_ready", lambda container: False)
    assert not pod(step(c, k.ReadinessProbeSucceeds("p", "c"))).ready
    swap.undo()
    assert pod(step(c, k.ReadinessProbeSucceeds("p", "c"))).ready
    swap.setattr(k.PostStartHookFails, "apply", k.PostStartHookSucceeds.apply)
    hooked = started(make(Container("c", post_start=Hook())))
    assert not status(step(hooked, k.PostStartHookFails("p", "c"))).stopping
    swap.undo()
    assert status(step(hooked, k.PostStartHookFails("p", "c"))).stopping


def test_begin_pod_termination_is_remembered_per_pod_object_and_clock():
    c = started(make())
    p = pod(c)
    assert k.begin_pod_termination(p, 3) is k.begin_pod_termination(p, 3)
    assert k.begin_pod_termination(p, 3).deletion_timestamp == 3
    assert k.begin_pod_termination(p, 4).deletion_timestamp == 4
