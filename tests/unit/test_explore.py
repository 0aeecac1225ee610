"""The explorer (kmodel/explore.py, issue 7): exhaustive bounded BFS, canonical fingerprints and symmetry,
shortest counterexamples, eventually-stable reconciliation with lassos, and the pinned state counts."""

from __future__ import annotations

import attrs
import pytest

import invariants
from invariants.registry import unregister
from kmodel import parts
from kmodel import trace as tr
from kmodel.check import CheckReport
from kmodel.cluster import Cluster, Config
from kmodel.decisions import endpoints as endpoint_decisions
from kmodel.controllers.kubelet import ReadinessProbeFails
from kmodel.errors import KModelError
from kmodel.events import step
from kmodel.explore import (
    SETTLE_RULE,
    ExploreConfig,
    ExploreError,
    Fingerprinter,
    _Search,
    check_with_explorer,
    explore,
    fault_classes,
    parse_event_names,
    user_event_classes,
    witness_requests,
)
from kmodel.objects import Container, Node, OwnerRef, Pod, PodTemplate, ReplicationController
from kmodel.scenarios import seed, tiny
from kmodel.scheduler import scheduler
from kmodel.scheduler.framework import ScheduleResult
from kmodel.settle import settle
from kmodel.user import RelabelPod

WEB = "ReplicationController/web"


def settled(cluster: Cluster) -> Cluster:
    result = settle(cluster)
    assert result.quiescent
    return result.cluster


# ------------------------------------------------------------------------------------------------------------------
# Configuration and event names


@pytest.mark.parametrize("kwargs, field", [
    ({"max_depth": -1}, "--max-depth"),
    ({"max_pods": "3"}, "--max-pods"),
    ({"faults": "node,bogus"}, "--faults"),
    ({"user_events": "NodeCrash"}, "--user-events"),
    ({"symmetry": "some"}, "--symmetry"),
])
def test_bad_configuration_is_a_user_error_naming_the_field(kwargs, field):
    with pytest.raises(ExploreError) as err:
        ExploreConfig(**kwargs)
    assert field in str(err.value)
    assert isinstance(err.value, KModelError)


@pytest.mark.parametrize("spec, expected", [
    ("none", set()),
    ("", set()),
    ("node", {"NodeCrash", "NodeRecover"}),
    ("hooks,Tick", {"PostStartHookSucceeds", "PostStartHookFails", "PreStopHookCompletes", "PreStopHookFails",
                    "Tick"}),
    (["ContainerExits", "ReadinessProbeFails"], {"ContainerExits", "ReadinessProbeFails"}),
])
def test_fault_names_and_groups(spec, expected):
    assert parse_event_names(spec, "fault") == frozenset(expected)


def test_all_faults_are_the_concrete_fault_event_classes():
    """`all` names every fault class an event source can yield; the abstract ProbeResult base is not one."""
    names = parse_event_names("all", "fault")
    assert names == frozenset(fault_classes())
    assert "ProbeResult" not in names and {"NodeCrash", "Tick", "LivenessProbeFails"} <= names


# ------------------------------------------------------------------------------------------------------------------
# Fingerprints


def _web_pod(name: str, uid: str, node: str | None, ready: bool = True, index: int = 1) -> Pod:
    return Pod(name=name, uid=uid, labels={"app": "web"}, owner=OwnerRef("ReplicationController", "web", "uid-rc"),
               node_name=node, containers=(Container("web"),), phase="Running" if node else "Pending", ready=ready,
               pod_ip=f"10.0.0.{index}" if node else None, creation_index=index)


def _cluster(*pods: Pod, next_uid: int = 10) -> Cluster:
    rc = ReplicationController(name="web", replicas=2, selector={"app": "web"}, uid="uid-rc",
                               template=PodTemplate(labels={"app": "web"}, containers=(Container("web"),)))
    c = Cluster.from_objects([Node("node-1"), Node("node-2"), rc])
    for p in pods:
        c = c.put_pod(p)
    return attrs.evolve(c, next_uid=next_uid)


def test_pods_that_differ_only_by_the_counter_have_one_fingerprint():
    """A replaced pod (new name, uid, IP and creation index from the counter) is the same state in the symmetric
    modes, a different one in the exact mode."""
    a = _cluster(_web_pod("web-000003", "uid-000003", "node-1", index=3), next_uid=4)
    b = _cluster(_web_pod("web-000009", "uid-000009", "node-1", index=9), next_uid=10)
    for mode in ("full", "pods"):
        fp = Fingerprinter(mode)
        assert fp(a) == fp(b)
    exact = Fingerprinter("off")
    assert exact(a) != exact(b)


def test_swapped_statuses_of_one_controllers_pods_are_one_state():
    """Pods of one controller with swapped statuses (web-1 ready on node-1, web-2 not ready on node-2, and the
    other way round) are one state when equal nodes are interchangeable ("full"); with node names kept ("pods")
    they are two."""
    a = _cluster(_web_pod("web-1", "uid-1", "node-1", True, 1), _web_pod("web-2", "uid-2", "node-2", False, 2))
    b = _cluster(_web_pod("web-1", "uid-1", "node-2", True, 1), _web_pod("web-2", "uid-2", "node-1", False, 2))
    full, pods = Fingerprinter("full"), Fingerprinter("pods")  # digests compare within one fingerprinter
    assert full(a) == full(b)
    assert pods(a) != pods(b)


@pytest.mark.parametrize("mode", ["full", "pods", "off"])
def test_a_status_change_changes_the_fingerprint(mode):
    fp = Fingerprinter(mode)
    a = _cluster(_web_pod("web-1", "uid-1", "node-1", True, 1))
    b = _cluster(_web_pod("web-1", "uid-1", "node-1", False, 1))
    c = attrs.evolve(a, clock=a.clock + 10)
    assert len({fp(a), fp(b), fp(c)}) == 3


def test_queue_order_is_kept_by_the_fingerprint():
    """The scheduler takes queued pods in creation order (SEMANTICS 55.2): two pending pods that differ (here in
    their labels) queued in the other order are a different state, even with identities abstracted."""
    p = _web_pod("web-1", "uid-1", None, index=1)
    q = attrs.evolve(_web_pod("web-2", "uid-2", None, index=2), labels={"app": "web", "extra": "x"})
    a = _cluster(p, q)
    b = _cluster(attrs.evolve(p, creation_index=2), attrs.evolve(q, creation_index=1))
    fp = Fingerprinter("pods")
    assert fp(a) != fp(b)


def test_endpoints_listing_is_part_of_the_state():
    """The same pods with and without their address in the Service's Endpoints are different states."""
    from kmodel.objects import EndpointAddress, Endpoints, Service, ServicePort

    base = _cluster(_web_pod("web-1", "uid-1", "node-1", True, 1))
    base = base.put_service(Service("web", selector={"app": "web"}, ports=(ServicePort(80),)))
    listed = base.put_endpoints(Endpoints("web", addresses=(EndpointAddress("web-1", "10.0.0.1", "node-1"),)))
    empty = base.put_endpoints(Endpoints("web"))
    for mode in ("full", "pods", "off"):
        fp = Fingerprinter(mode)
        assert fp(listed) != fp(empty)


def test_a_pod_whose_listing_changes_gets_a_new_key():
    """Pod keys are remembered per pod object with its latest Endpoints listing: the same pod object listed, then
    not, then listed again, gives each state its own key (the memo never answers for another listing)."""
    from kmodel.objects import EndpointAddress, Endpoints, Service, ServicePort

    base = _cluster(_web_pod("web-1", "uid-1", "node-1", True, 1))
    base = base.put_service(Service("web", selector={"app": "web"}, ports=(ServicePort(80),)))
    listed = base.put_endpoints(Endpoints("web", addresses=(EndpointAddress("web-1", "10.0.0.1", "node-1"),)))
    not_ready = base.put_endpoints(Endpoints("web", not_ready_addresses=(EndpointAddress("web-1", "10.0.0.1",
                                                                                         "node-1"),)))
    fp = Fingerprinter("full")
    first = [fp(listed), fp(not_ready), fp(base)]
    assert len(set(first)) == 3
    assert [fp(listed), fp(not_ready), fp(base)] == first


def test_scaled_down_witness_is_the_plain_definition():
    """`sometimes-scaled-down` passes over a controller holding at most `replicas` pods by its owner key; the
    verdict is the plain one (more claimed active pods than replicas) on fewer, as many and more pods."""
    from invariants.catalog.replication import claimed_active, scaled_down

    pods = [_web_pod(f"web-{i}", f"uid-{i}", "node-1", True, i) for i in range(1, 5)]
    for n in range(5):
        c = _cluster(*pods[:n])
        plain = any(len(claimed_active(c, ctl)) > ctl.replicas for ctl in c.controllers.values())
        assert scaled_down(c) == plain == (n > 2)


def test_explore_restores_the_collector_threshold():
    """A search raises the cyclic collector's generation-0 threshold while it runs, and puts it back."""
    import gc

    before = gc.get_threshold()
    explore(tiny(), ExploreConfig(max_depth=2, faults="none"), rule_names=[])
    assert gc.get_threshold() == before


# ------------------------------------------------------------------------------------------------------------------
# Search, bounds and verdicts


def test_convergence_bound_is_the_fair_steps_of_the_slowest_state():
    """With no fault and no user request the only visited states are the controllers' own steps; the slowest
    is the initial cluster, which needs exactly the steps `settle` takes (eventually-stable reconciliation)."""
    c = tiny()
    result = explore(c, ExploreConfig(faults="none", max_depth=None))
    assert result.exhaustive and result.violations == ()
    assert result.convergence_bound == settle(c).steps


def test_a_settled_cluster_without_faults_is_one_quiescent_state():
    result = explore(settled(tiny()), ExploreConfig(faults="none", max_depth=None))
    assert (result.distinct_states, result.transitions, result.convergence_bound) == (1, 0, 0)
    assert result.complete


def test_max_states_stops_the_search_and_makes_it_inconclusive():
    """DESIGN principle 7: a search stopped before the bounded space was exhausted passes nothing."""
    result = explore(settled(tiny()), ExploreConfig(faults="all", max_depth=None, max_states=50))
    assert result.distinct_states == 50 and not result.exhaustive and not result.complete
    assert result.verdict == "inconclusive"
    assert {r.verdict for r in result.rules if r.kind != "sometimes"} <= {"inconclusive", "not-applicable"}


def test_bounds_prune_and_are_reported():
    result = explore(settled(tiny()), ExploreConfig(faults="node", max_depth=None, max_pods=2))
    assert result.exhaustive and not result.complete and result.pruned["pods"] > 0


def test_an_inconclusive_result_says_what_kept_the_witnesses_out_and_following_it_passes():
    """`reach_hints`: the witnesses never reached, the rules waiting on them, and each cause that applies (the
    depth bound with what it cut, the user requests and faults not allowed); exploring with those lifted
    reaches every witness, so the hints are the way to a conclusive verdict."""
    result = explore(settled(tiny()), ExploreConfig(max_depth=2, faults="node"))
    assert result.verdict == "inconclusive" and result.pruned["depth"] > 0
    hints = result.reach_hints()
    assert "sometimes-scaled-down" in result.unreached_witnesses
    assert hints[0].startswith("never reached: ") and "scale-down-order" in hints[0]
    assert hints[1] == (f"{result.pruned['depth']:,} states were left unexpanded at --max-depth 2: a larger bound "
                        "explores further")
    assert hints[2] == ("--user-events: none allowed; `--user-events DeleteController,DeletePod,RelabelPod,"
                        "RemoveNode,ScaleController` allows the requests that reach sometimes-owner-gone "
                        "(DeleteController); sometimes-terminated-for-good (DeletePod); sometimes-orphan "
                        "(RelabelPod); sometimes-node-gone (RemoveNode); sometimes-many-pods, "
                        "sometimes-routing-choice, sometimes-scaled-down, sometimes-spread-over-nodes "
                        "(ScaleController); `--user-events all` also explores CordonNode, DeleteController, "
                        "DeletePod, DeleteService, RelabelPod, RemoveNode, RouteConnection, ScaleController, "
                        "UncordonNode")
    assert hints[3].startswith("--faults: 2 of ") and "LivenessProbeFails" in hints[3] and len(hints) == 4
    lifted = explore(settled(tiny()), ExploreConfig(max_depth=3, faults="all", user_events="all"))
    assert lifted.verdict == "pass" and lifted.unreached_witnesses == () and lifted.reach_hints() == []


@pytest.mark.parametrize("witness", [i.name for i in invariants.of_kind(invariants.SOMETIMES) if i.reached_by])
def test_the_requests_a_witness_names_reach_it_where_faults_alone_do_not(witness):
    """`reached_by`, which the hints name, is a claim about the model: on the tiny cluster (one replica) every
    fault to depth 3 leaves the witness unreached, and allowing just the requests it names reaches it."""
    requests = invariants.get(witness).reached_by
    assert set(requests) <= set(user_event_classes())
    faults_only = explore(settled(tiny()), ExploreConfig(max_depth=3, faults="all"))
    assert witness in faults_only.unreached_witnesses
    asked = explore(settled(tiny()), ExploreConfig(max_depth=3, faults="all", user_events=",".join(requests)))
    assert witness in asked.reached


def test_witness_requests_are_the_catalog_reached_by_and_an_unknown_one_names_its_witness():
    assert list(witness_requests().items()) == [
        ("DeleteController", ["sometimes-owner-gone"]),
        ("DeletePod", ["sometimes-terminated-for-good"]),
        ("RelabelPod", ["sometimes-orphan"]),
        ("RemoveNode", ["sometimes-node-gone"]),
        ("ScaleController", ["sometimes-many-pods", "sometimes-routing-choice", "sometimes-scaled-down",
                             "sometimes-spread-over-nodes"])]
    invariants.invariant("sometimes-typo", kind=invariants.SOMETIMES, reached_by=("ScaleControler",))(lambda c: False)
    try:
        with pytest.raises(ExploreError, match="invariant sometimes-typo: reached_by names 'ScaleControler'"):
            witness_requests()
    finally:
        unregister("sometimes-typo")


def test_a_stopped_search_says_so_and_with_nothing_cut_the_witnesses_are_out_of_reach():
    stopped = explore(settled(tiny()), ExploreConfig(faults="all", max_depth=None, max_states=50))
    assert ("the search stopped at --max-states 50 before the bounded space was exhausted: a larger "
            "--max-states, or tighter bounds, lets it finish") in stopped.reach_hints()
    # Every event allowed, no bound cutting: the witnesses left are not in the reachable space of this cluster.
    # (A real search allowing every event never ends without a bound: liveness failures raise restart counts forever.)
    result = explore(settled(tiny()), ExploreConfig(max_depth=2, faults="node"))
    everything = attrs.evolve(result, pruned={k: 0 for k in result.pruned},
                              config=ExploreConfig(max_depth=2, faults="all", user_events="all"))
    hints = everything.reach_hints()
    assert len(hints) == 2 and hints[1].startswith("every event was allowed and no bound cut the search")


def test_rule_names_restrict_the_check():
    result = explore(settled(tiny()), ExploreConfig(faults="probes", max_depth=3),
                     rule_names=["readiness-never-restarts"])
    assert [r.name for r in result.rules] == ["readiness-never-restarts"]
    assert result.convergence_bound is None  # no STABLE rule asked for: no settle runs


def test_unknown_rule_name_lists_the_known_ones():
    with pytest.raises(KeyError) as err:
        explore(tiny(), ExploreConfig(max_depth=1), rule_names=["no-such-rule"])
    assert "endpoints-match-ready-pods" in str(err.value)


def test_check_with_explorer_gives_a_check_report():
    report = check_with_explorer(tiny(), max_depth=3)
    assert isinstance(report, CheckReport) and report.engine == "explore"
    assert report.verdict in ("pass", "inconclusive") and report.violations == ()
    assert any(r.name == "endpoints-match-ready-pods" for r in report.rules)
    # the user requests the witnesses are reached by are explored too
    assert {"ScaleController", "RelabelPod"} <= set(report.event_counts)


# ------------------------------------------------------------------------------------------------------------------
# Pinned state counts (a change to the model's state space must be a visible decision)


def test_pinned_count_tiny_node_faults():
    """tiny, settled; nodes crash and recover (no other fault), at most 3 pod objects, no depth bound. Replaced
    pods get new names from the counter, so without the pod-identity abstraction this space is infinite; with
    it, it is 1,352 states. The textbook tie-break by node name (SEMANTICS 60) makes node symmetry unsound here,
    so the search falls back to "pods"."""
    result = explore(settled(tiny()), ExploreConfig(faults="node", max_depth=None, max_pods=3))
    assert (result.distinct_states, result.transitions, result.max_depth) == (1352, 5814, 20)
    assert result.exhaustive and result.symmetry == "pods" and "full symmetry dropped" in result.symmetry_note
    assert result.convergence_bound == 17 and result.violations == ()
    exact = explore(settled(tiny()), ExploreConfig(faults="node", max_depth=None, max_pods=3, symmetry="off",
                                                   max_states=3_000))
    assert not exact.exhaustive  # the counter keeps every replacement cycle new


def test_pinned_count_tiny_probes_and_exits():
    """tiny without hooks, settled; probe results and container exits, at most 2 restarts, no depth bound:
    the whole space (nothing pruned) is 200 states."""
    result = explore(settled(tiny(hooks=False)), ExploreConfig(faults="probes,exits", max_depth=None,
                                                               max_restarts=2))
    assert (result.distinct_states, result.transitions, result.max_depth) == (200, 628, 10)
    assert result.complete and result.symmetry == "full" and result.violations == ()
    assert result.convergence_bound == 6


# ------------------------------------------------------------------------------------------------------------------
# The seed scenario, exhaustively


@pytest.mark.slow
def test_seed_with_node_probe_and_hook_faults_explored_completely():
    """The seed (two replicas, no infrastructure pods, settled) with node crashes, probe results, hook outcomes
    and container exits, and users scaling, relabelling, deleting a controller and removing a node (the
    requests the witnesses are reached by), to depth 4 (about 30,000 states): the bounded space is exhausted,
    every rule holds, every SOMETIMES rule is reached and the convergence bound is reported."""
    c = settled(seed(replicas=2, system_pods=False))
    cfg = ExploreConfig(max_depth=4, max_pods=5, faults="node,probes,hooks,exits",
                        user_events=",".join(witness_requests()))
    result = explore(c, cfg)
    assert result.exhaustive and result.distinct_states > 25_000
    assert result.violations == ()
    assert result.verdict == "pass", [(r.name, r.verdict, r.message) for r in result.rules if r.verdict != "pass"]
    applicable = [i.name for i in invariants.of_kind(invariants.SOMETIMES)
                  if i.applies is None or i.applies(c)]
    assert set(applicable) <= result.reached
    assert result.convergence_bound is not None and result.convergence_bound > 0


# ------------------------------------------------------------------------------------------------------------------
# Broken controllers are found with the shortest trace


@pytest.fixture
def endpoints_ignore_readiness(swap):
    """The broken endpoints controller of the invariants issue: every candidate is a ready address."""
    swap.setattr(endpoint_decisions, "address_is_ready", lambda pod_ready, publish: True)


@pytest.mark.parametrize("symmetry", ["full", "off"])
def test_endpoints_ignoring_readiness_is_found_with_the_shortest_trace(endpoints_ignore_readiness, symmetry):
    """SEMANTICS 40, 42: from the unsettled tiny cluster the first pod is created, bound and started (it has an IP
    but its readiness probe has not passed), and the very next sync lists it as ready: 4 events, the BFS depth
    of the first sync that sees a running pod, so no shorter counterexample exists."""
    result = explore(tiny(), ExploreConfig(max_depth=5, faults="all", symmetry=symmetry))
    assert result.verdict == "fail"
    v = next(v for v in result.violations if v.rule == "readiness-removes-endpoint")
    assert v.kind == "transition" and len(v.events) == 4
    assert [type(e).__name__ for e in v.events] == ["ReplicaSetCreatePods", "SchedulerBindPod",
                                                   "KubeletStartContainer", "EndpointsSync"]
    steps = tr.replay(v.trace())
    hit = tr.violated(steps, "readiness-removes-endpoint")
    assert hit is not None and hit.index == 4


def test_scheduler_choosing_the_most_loaded_node_is_found_in_two_steps(swap):
    """SEMANTICS 60 (textbook profile): a scheduler that picks the most loaded feasible node (ties by the last
    name) binds the first pod to node-2 where node-1 is the least-loaded choice: create, then bind."""
    from kmodel.scheduler.plugins.textbook_spread import rank

    def most_loaded(cluster, pod):
        from kmodel.scheduler.framework import feasible
        from kmodel.scheduler.profiles import profile_of

        profile = profile_of(cluster)
        nodes = [n for n in cluster.nodes.values() if feasible(profile, pod, n, cluster)]
        if not nodes:
            return ScheduleResult(None, ("0/0 nodes are available",), ())
        best = max(nodes, key=lambda n: rank(pod, n, cluster))
        return ScheduleResult(best.name, (), (best.name,))

    swap.setattr(scheduler, "choose_node", most_loaded)
    result = explore(tiny(), ExploreConfig(max_depth=3, faults="none"))
    v = next(v for v in result.violations if v.rule == "schedule-least-loaded")
    assert [type(e).__name__ for e in v.events] == ["ReplicaSetCreatePods", "SchedulerBindPod"]
    assert v.events[1].node == "node-2"


def test_stable_violation_ends_with_the_settle_run():
    """SEMANTICS 29: a replication controller that never creates pods leaves `replicas-converge` broken at
    quiescence; the counterexample is the initial state (depth 0) followed by the fair schedule, and replays."""
    with parts.swapped("replication", lambda cluster: ()):
        result = explore(tiny(), ExploreConfig(max_depth=1, faults="none"))
        v = next(v for v in result.violations if v.rule == "replicas-converge")
        assert v.kind == "stable" and v.depth == 0
        trace = v.trace()
        assert trace.settled and trace.engine == "explore"
        assert tr.violated(tr.replay(trace), "replicas-converge") is not None


def test_a_controller_that_never_quiesces_is_a_lasso():
    """A controller that toggles a pod label every round never lets the fair schedule quiesce: the explorer
    reports the lasso (the state, then the 2-step cycle) under `settle-reaches-quiescence`, and no convergence
    bound. The trace replays to a state from which settle does not quiesce. The flapper is registered as any
    user's controller is (`kmodel.parts.register_controller`)."""

    def flap(cluster):
        out = []
        for name in sorted(cluster.pods_by_owner.get(WEB, {})):
            labels = cluster.pods[name].labels
            out.append(RelabelPod(name, labels.delete("flap") if "flap" in labels else labels.set("flap", "on")))
        return tuple(out)

    start = settled(tiny())  # settled before the flapper exists
    parts.register_controller("flapper", flap)
    try:
        result = explore(start, ExploreConfig(max_depth=1, faults="none"))
        v = result.violations[0]
        assert v.rule == SETTLE_RULE and v.kind == "lasso" and v.depth == 0
        assert v.cycle_start == 0 and len(v.events) == 2
        assert result.convergence_bound is None and result.verdict == "fail"
        replayed = tr.replay(v.trace())
        assert tr.violated(replayed, SETTLE_RULE) is not None
    finally:
        parts.unregister_controller("flapper")


def test_idle_controllers_shortcut_changes_no_settle_outcome(swap):
    """The first controller round is skipped for a state whose sources propose no controller event; the settle
    outcomes and the convergence bound are the same without the shortcut."""
    cfg = ExploreConfig(max_depth=4, faults="probes,hooks")
    with_shortcut = explore(settled(tiny()), cfg)
    swap.setattr(_Search, "_idle_shortcut_valid", lambda self: False)
    without = explore(settled(tiny()), cfg)
    assert with_shortcut.convergence_bound == without.convergence_bound
    assert with_shortcut.settle_states == without.settle_states
    assert [r.verdict for r in with_shortcut.rules] == [r.verdict for r in without.rules]


# ------------------------------------------------------------------------------------------------------------------
# Symmetry: sound, and smaller


def _visited_states(search: _Search) -> list[Cluster]:
    """Re-execute every visited state's path (parent pointers) from the initial cluster."""
    out = []
    for index in range(len(search.parents)):
        c = search.initial
        for event in search.path(index):
            c = step(c, event)
        out.append(c)
    return out


@pytest.mark.parametrize("mode, start, cfg", [
    ("full", "initial", ExploreConfig(max_depth=6, faults="all")),
    ("pods", "settled", ExploreConfig(max_depth=10, faults="node", max_pods=3)),
])
def test_reduced_search_covers_exactly_the_classes_of_the_full_search(mode, start, cfg):
    """Soundness on small spaces: the canonical class of every state the exact search visits is visited by the
    symmetry-reduced search, and it visits nothing else (within the same bounds). The second space replaces pods
    after node crashes, so there the pod identities are what is abstracted."""
    c = tiny() if start == "initial" else settled(tiny())
    exact = _Search(c, cfg, "off", [], False, None)
    exact.run()
    reduced = _Search(c, cfg, mode, [], False, None)
    reduced.run()
    classes = {reduced.fp(s) for s in _visited_states(exact)}
    assert classes == set(reduced.index)
    assert len(reduced.index) < len(exact.index)


def test_reduced_and_full_search_find_the_same_violations(endpoints_ignore_readiness):
    """The symmetry-reduced search finds the same broken rules with equally short traces, visiting fewer states."""
    cfg = dict(max_depth=6, faults="all")
    reduced = explore(tiny(), ExploreConfig(symmetry="full", **cfg))
    full = explore(tiny(), ExploreConfig(symmetry="off", **cfg))
    assert reduced.symmetry == "full"
    assert {(v.rule, len(v.events)) for v in reduced.violations} == {(v.rule, len(v.events)) for v in full.violations}
    assert reduced.violations
    assert reduced.distinct_states < full.distinct_states


def test_a_name_decided_scale_down_drops_pod_symmetry():
    """SEMANTICS 34.8, 8.11: when a user scales down and the pods tie through step 7, age and then the name decide
    which pod goes; pods on different nodes are not interchangeable, so the search falls back to exact states and
    says why."""
    result = explore(settled(seed(replicas=2, system_pods=False)),
                     ExploreConfig(max_depth=2, faults="none", user_events="ScaleController"))
    assert result.symmetry == "off"
    assert "scale-down" in result.symmetry_note and "SEMANTICS 34.8" in result.symmetry_note


def test_hostname_node_selectors_keep_node_names():
    c = tiny()
    rc = c.controllers[WEB]
    template = attrs.evolve(rc.template, node_selector={"kubernetes.io/hostname": "node-1"})
    c = c.put_controller(attrs.evolve(rc, template=template))
    result = explore(c, ExploreConfig(max_depth=2, faults="none"))
    assert result.symmetry == "pods" and "hostname" in result.symmetry_note


# ------------------------------------------------------------------------------------------------------------------
# Traces


def test_counterexample_trace_is_saved_and_loads_back(endpoints_ignore_readiness, tmp_path):
    result = explore(tiny(), ExploreConfig(max_depth=5, faults="none"))
    v = result.violations[0]
    path = v.trace(sources=("scenario:tiny",)).save(tmp_path)
    loaded = tr.load(path)
    assert loaded.events == v.events and loaded.engine == "explore" and loaded.rule == v.rule
    assert tr.violated(tr.replay(loaded), v.rule) is not None


def test_events_of_a_path_replay_to_the_visited_state():
    """Parent pointers rebuild the path: replaying it gives back a state with the visited fingerprint."""
    cfg = ExploreConfig(max_depth=3, faults="probes")
    search = _Search(settled(tiny()), cfg, "full", [], False, None)
    search.run()
    states = _visited_states(search)
    assert [search.fp(c) for c in states] == list(search.index)


def test_readiness_failure_is_one_edge_of_the_search():
    """A sanity check of the search against `kmodel.events`: from the settled tiny cluster the readiness failure
    of its pod is an enabled fault (SEMANTICS 46) and leads to a visited state."""
    c = settled(tiny())
    pod = next(iter(c.pods))
    search = _Search(c, ExploreConfig(max_depth=1, faults="probes"), "full", [], False, None)
    assert ReadinessProbeFails(pod, "web") in search.successors(c)
    search.run()
    assert search.fp(step(c, ReadinessProbeFails(pod, "web"))) in search.index


def test_profile_kubernetes_is_explored_too():
    """SEMANTICS 61: the kubernetes profile's tie-break reads the pod name, so identities are kept there when
    nodes tie; the search still completes and every rule that applies holds."""
    c = tiny(Config(profile="kubernetes"))
    result = explore(c, ExploreConfig(max_depth=4, faults="node"))
    assert result.exhaustive and result.violations == ()
