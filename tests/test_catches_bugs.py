"""The suite catches bugs: each deliberate bug, patched into the model for one test, is reported by the stateful
engine (in the active profile, `ci` under CI) through the rule it breaks. A verification suite is only as good
as the bugs it catches; each test asserts which rule fired, not just that something failed.
"""

from __future__ import annotations

import pytest
from hypothesis import Phase, settings
from hypothesis.stateful import run_state_machine_as_test

from hypothesis import strategies as st

from kmodel import labels, scenarios
from kmodel.controllers import endpoints, garbage_collector, kubelet, replication
from kmodel.decisions import replication as replication_decisions
from kmodel.decisions import endpoints as endpoint_decisions
from kmodel.objects import Endpoints
from kmodel.scheduler import reference
from kmodel.scheduler import scheduler as scheduler_mod
from kmodel.scheduler.framework import ScheduleResult
from kmodel.stateful import RuleBroken, make_machine
from tests.strategies import generated_clusters, seed_clusters


def rules_broken(strategy, steps: int = 30) -> set[str]:
    """Run the stateful engine with the bug in place; return the rules of the first violation found. Shrinking
    is left out: these tests ask which rule fires, and the CLI's check shows shrunk traces.

    Derandomized in every profile, as the `ci` profile is: a random search that finds a bug in most runs would
    make a flaky test (one of these missed its bug in 7 to 13% of random runs of 300 examples); a derandomized
    one finds it in every run, or in none, visibly."""
    machine = make_machine(strategy)
    phases = [Phase.explicit, Phase.generate, Phase.target]
    with pytest.raises(RuleBroken) as broken:
        run_state_machine_as_test(machine, settings=settings(stateful_step_count=steps, database=None, phases=phases,
                                                             derandomize=True,
                                                             max_examples=max(settings().max_examples, 300)))
    return {v.rule for v in broken.value.violations}


def test_scheduler_picking_the_most_loaded_node(swap):
    def most_loaded(cluster, pod):
        feasible = [n for n in sorted(cluster.nodes) if scheduler_mod.SchedulerBindPod(pod.name, n).guard(cluster)]
        if not feasible:
            return reference.schedule(cluster, pod)
        owner = pod.owner.key if pod.owner else ""
        worst = max(feasible, key=lambda n: (cluster.owner_pods_on(owner, n), cluster.usage(n).pods, n))
        return ScheduleResult(worst, (), (worst,))

    swap.setattr(scheduler_mod, "choose_node", most_loaded)
    assert "schedule-least-loaded" in rules_broken(seed_clusters())


def test_endpoints_ignoring_readiness(swap):
    swap.setattr(endpoint_decisions, "address_is_ready", lambda pod_ready, publish_not_ready: True)
    assert rules_broken(seed_clusters()) & {"readiness-removes-endpoint", "endpoints-match-ready-pods"}


def notin_requiring_the_key(self, labels_):
    """A matcher with a bug: `notin` and `!=` require the key (SEMANTICS 16 says an absent key matches)."""
    if self.is_nothing:
        return False
    for r in self.requirements:
        if r.operator in ("!=", "notin"):
            if r.key not in labels_ or labels_[r.key] in r.values:
                return False
        elif not r.matches(labels_):
            return False
    return True


def test_notin_requiring_the_key(swap):
    swap.setattr(labels.Selector, "matches", notin_requiring_the_key)
    assert "selector-semantics" in rules_broken(seed_clusters())


def test_replication_counting_terminating_pods(swap):
    swap.setattr(replication_decisions, "is_active", lambda pod: not pod.terminal)
    # Either symptom: a lost node's terminating pods are never replaced (convergence), or a sync's writes are
    # computed from a count that includes them (it deletes or creates more than the real diff), or, first of
    # all since it is checked on every state, the controller's sync is not due when FilterActivePods says it is.
    assert rules_broken(seed_clusters()) & {"replicas-converge", "replication-writes-bounded-by-diff",
                                            "replication-sync-due-exactly"}


def test_liveness_restarting_under_restart_policy_never(swap):
    original = kubelet.should_restart
    swap.setattr(kubelet, "should_restart",
                        lambda policy, exit_code, killed_by_probe: killed_by_probe or original(policy, exit_code, False))
    clusters = generated_clusters(restart_policies=("Never",), require_liveness=True)
    assert "restart-follows-policy" in rules_broken(clusters)


def test_failed_post_start_leaving_the_container_ready(swap):
    swap.setattr(kubelet.PostStartHookFails, "apply", kubelet.PostStartHookSucceeds.apply)
    assert "post-start-failure-kills" in rules_broken(st.builds(scenarios.tiny))


def test_scale_down_deleting_the_oldest_pod_first(swap):
    def oldest_first(pod, now_index):
        if pod.creation_index <= 0 or now_index is None:
            return (0,)
        return (1, -replication.log2_bucket(now_index - pod.creation_index))

    swap.setattr(replication, "_creation_order", oldest_first)
    assert "scale-down-order" in rules_broken(seed_clusters())


def test_service_without_selector_treated_as_everything(swap):
    desired, stale = endpoints.desired_endpoints, endpoints.is_stale

    def everything(cluster, name):
        svc = cluster.services.get(name)
        if svc is None or svc.selector is not None:
            return desired(cluster, name)
        pods = sorted(cluster.pods.values(), key=lambda p: p.name)
        addrs = [(endpoints.endpoint_address(p, svc), p.ready) for p in pods]
        return Endpoints(name, tuple(a for a, r in addrs if a and r), tuple(a for a, r in addrs if a and not r))

    def everything_stale(cluster, name):
        svc = cluster.services.get(name)
        if svc is not None and svc.selector is None:
            return cluster.endpoints.get(name) != everything(cluster, name)
        return stale(cluster, name)

    swap.setattr(endpoints, "desired_endpoints", everything)
    swap.setattr(endpoints, "is_stale", everything_stale)
    # The endpoints controller syncing a selectorless Service is itself the bug: the ALWAYS rule restating when a
    # sync is due sees it on the state before the write, the rule restating what a sync writes on the write,
    # the rule on unmanaged Endpoints after it.
    assert rules_broken(generated_clusters()) & {"unmanaged-service-has-no-endpoints", "endpoints-sync-due-exactly",
                                                 "endpoints-sync-exact"}


def test_garbage_collector_leaving_the_dependents_of_a_deleted_controller(swap):
    """Orphan propagation where Kubernetes' default is background cascading deletion (SEMANTICS 38): found
    only because the engine deletes controllers at quiescence points (`kmodel.user.teardown_requests`)."""
    swap.setattr(garbage_collector, "dependents_of_missing_owners", lambda cluster: [])
    assert "owners-are-live" in rules_broken(seed_clusters())


def test_pod_gc_leaving_the_pods_of_a_deleted_node(swap):
    swap.setattr(garbage_collector, "orphaned_pods", lambda cluster: [])
    assert "bound-pods-on-existing-nodes" in rules_broken(seed_clusters())
