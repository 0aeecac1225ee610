"""The endpoints, kube-proxy and replication rules catch realistic bugs in the decision code (issue 18, item 3).

Each row of the table patches one semantic bug into kmodel/controllers/endpoints.py, proxy.py or replication.py
and asserts that an engine (the `kmodel check` engine `check_cluster`: its settle baseline then Hypothesis runs;
the explorer; or the Hypothesis machine directly) reports a violation under the rule named in the row, checking
that rule alone (so the row shows that this rule, restated from SEMANTICS and upstream without the model's
decision code, is the one that sees the bug). The unmodified model passes the same rules on the same clusters
with their witnesses reached.

Each bug goes in through the `swap` fixture, which clears every memo of the model and the rules (`kmodel.memo`),
so no answer remembered under the real decision hides it.
"""

from __future__ import annotations

import attrs
import pytest
from hypothesis import Phase, settings
from hypothesis import strategies as st
from hypothesis.stateful import run_state_machine_as_test

import invariants
from kmodel import scenarios
from kmodel.check import FAIL, PASS, check_cluster
from kmodel.cluster import Cluster, Config
from kmodel.controllers import proxy, replication
from kmodel.decisions import replication as replication_decisions
from kmodel.decisions import endpoints as endpoint_decisions
from kmodel.explore import ExploreConfig, explore
from kmodel.logic import all_of, any_of, eq, not_
from kmodel.objects import (Container, ContainerPort, Node, OwnerRef, Pod, PodTemplate, Probe, ReplicaSet,
                            ReplicationController, Service, ServicePort)
from kmodel.labels import parse_selector
from kmodel.stateful import RuleBroken, make_machine
from kmodel.settle import settle

# ------------------------------------------------------------------------------------------------------------------
# Clusters with the features the rules speak of


def service_cluster(replicas: int = 2) -> Cluster:
    """Two nodes; a ReplicationController whose pods have two containers (a sidecar first, declaring `metrics`
    and a TCP-only `dns`; the app, declaring `http`, with a readiness probe so pods start not Ready); a Service
    with a named targetPort found in the second container, a UDP port whose named target only exists as TCP (so
    FindPort fails for it on every pod: left out of that subset), and a numbered targetPort no container
    declares; a second Service with publishNotReadyAddresses; and a bare pod both select that never turns Ready."""
    side = Container(name="side", ports=(ContainerPort(9090, name="metrics"), ContainerPort(5353, name="dns")))
    app = Container(name="app", ports=(ContainerPort(8080, name="http"),),
                    readiness_probe=Probe(handler="http", port="http", failure_threshold=1))
    web = ReplicationController.defaulted("web", replicas, None,
                                          PodTemplate(labels={"app": "web", "tier": "web"}, containers=(side, app)))
    # A bare pod both Services select but the controller does not (its selector is the template's labels), whose
    # readiness probe names a port nobody declares: never Ready, so it is a not-ready address even at quiescence.
    stuck = Pod(name="stuck", labels={"tier": "web"}, containers=(
        Container(name="app", ports=(ContainerPort(8080, name="http"),),
                  readiness_probe=Probe(handler="http", port="missing", failure_threshold=1)),))
    svc = Service("web", selector={"tier": "web"},
                  ports=(ServicePort(80, target_port="http", name="http"),
                         ServicePort(53, target_port="dns", name="dns", protocol="UDP"),
                         ServicePort(9000, target_port=9091, name="raw")))
    everyone = Service("all", selector={"tier": "web"}, publish_not_ready_addresses=True,
                       ports=(ServicePort(81, target_port="metrics"),))
    return Cluster.from_objects([Node("node-1"), Node("node-2"), web, stuck, svc, everyone], Config(max_replicas=3))


def overlapping_cluster() -> Cluster:
    """Two controllers with overlapping selectors (`a` selects app=web, which `b`'s pods carry too) and an orphan
    pod both match: one of them adopts it, neither takes the other's pods (SEMANTICS 36)."""
    tpl = lambda v: PodTemplate(labels={"app": "web", "v": v}, containers=(Container(name="c"),))  # noqa: E731
    a = ReplicaSet("a", 1, parse_selector("app=web"), tpl("1"))
    b = ReplicaSet("b", 2, parse_selector("app=web,v=2"), tpl("2"))
    stray = Pod(name="stray", labels={"app": "web", "v": "2"}, containers=(Container(name="c"),))
    return Cluster.from_objects([Node("node-1"), Node("node-2"), a, b, stray], Config(max_replicas=3))


def caught_by_check(cluster: Cluster, rule: str, examples: int = 15) -> set[str]:
    """The rules `check_cluster` (the `kmodel check` engine) reports violated, checking `rule` (and its witness)."""
    names = [rule] + [w for w in (invariants.get(rule).witness,) if w]
    report = check_cluster(cluster, seed=0, max_examples=examples, max_steps=25, rule_names=names, hunt_rounds=0)
    return {r.name for r in report.rules if r.verdict == FAIL}


def caught_by_explorer(cluster: Cluster, rule: str, depth: int = 4) -> set[str]:
    settled = settle(cluster).cluster
    cfg = ExploreConfig(max_depth=depth, max_states=3_000, user_events=("ScaleController", "DeletePod"))
    result = explore(settled, cfg, [rule])
    return {v.rule for v in result.violations}


def caught_by_machine(strategy, rule: str, examples: int = 60) -> set[str]:
    machine = make_machine(strategy, rule_names=[rule])
    with pytest.raises(RuleBroken) as broken:
        run_state_machine_as_test(machine, settings=settings(
            stateful_step_count=25, database=None, derandomize=True, max_examples=examples, deadline=None,
            phases=[Phase.explicit, Phase.generate]))
    return {v.rule for v in broken.value.violations}


# ------------------------------------------------------------------------------------------------------------------
# The bugs


def _publish_inverted(mp):
    mp.setattr(endpoint_decisions, "address_is_ready", lambda pod_ready, publish_not_ready: any_of(not_(publish_not_ready),
                                                                                          pod_ready))


def _terminating_kept(mp):
    mp.setattr(endpoint_decisions, "should_be_in_endpoints",
               lambda terminal, has_ip, terminating, include: all_of(not_(terminal), has_ip))


def _not_ready_ignored(mp):
    membership = endpoint_decisions.endpoint_membership
    mp.setattr(endpoint_decisions, "endpoint_membership", lambda pod, svc, selected=True: (membership(pod, svc, selected)[0],
                                                                                   False))


def _named_port_first_declared(mp):
    original = endpoint_decisions.resolve_target_port

    def first_port(pod, sp):
        if isinstance(sp.target, str):
            return next((p.container_port for c in pod.containers for p in c.ports), None)
        return original(pod, sp)

    mp.setattr(endpoint_decisions, "resolve_target_port", first_port)


def _numbered_port_must_be_declared(mp):
    original = endpoint_decisions.resolve_target_port

    def declared_only(pod, sp):
        if isinstance(sp.target, int):
            declared = {p.container_port for c in pod.containers for p in c.ports}
            return sp.target if sp.target in declared else None
        return original(pod, sp)

    mp.setattr(endpoint_decisions, "resolve_target_port", declared_only)


def _protocol_ignored(mp):
    mp.setattr(endpoint_decisions, "port_matches", lambda port, target, protocol: eq(port.name, target))


def _proxy_routes_not_ready(mp):
    ready = proxy._ready_endpoints

    def with_not_ready(cluster, service, sp):
        yield from ready(cluster, service, sp)
        stored = cluster.endpoints.get(service.name)
        for a in stored.not_ready_addresses if stored else ():
            number = proxy._address_port(a, sp)
            if number is not None:
                yield proxy.ProxyEndpoint(a.pod, a.ip, a.node, number)

    mp.setattr(proxy, "_ready_endpoints", with_not_ready)


def _proxy_always_first(mp):
    route = proxy._route
    mp.setattr(proxy, "_route", lambda cluster, service, sp: route(cluster, service, sp)[:1])


def _proxy_port_by_position(mp):
    mp.setattr(proxy, "_address_port", lambda address, sp: address.ports[0].port if address.ports else None)


def _proxy_fallback_always(mp):
    mp.setattr(proxy, "use_fallback", lambda has_ready: True)


def _ranking_reordered(mp):
    key = replication.deletion_order_key
    mp.setattr(replication, "deletion_order_key",
               lambda pod, rank=0, now=None, now_index=None: (key(pod, rank, now, now_index)[7],)
               + key(pod, rank, now, now_index))  # creation order ahead of readiness and phase


def _burst_two(mp):
    mp.setattr(replication_decisions, "BURST_REPLICAS", 2)


def _no_adoption(mp):
    state = replication_decisions.claim_state
    mp.setattr(replication_decisions, "claim_state", lambda ctl, pod: replication_decisions.UNRELATED if pod.owner is None
               else state(ctl, pod))


def _no_release(mp):
    state = replication_decisions.claim_state
    mp.setattr(replication_decisions, "claim_state", lambda ctl, pod: replication_decisions.CLAIMED
               if state(ctl, pod) == replication_decisions.TO_RELEASE else state(ctl, pod))


def _adoption_without_uid(mp):
    """Adoption patches in a controllerRef that names the controller but not its uid (so the pod is left to the
    garbage collector as the dependent of a missing owner)."""
    def apply(self, cluster):
        ctl = cluster.controllers[self.controller]
        pod = cluster.pods[self.pod]
        return cluster.put_pod(attrs.evolve(pod, owner=OwnerRef(ctl.kind, ctl.name, "")))

    mp.setattr(replication.ReplicaSetAdoptPod, "apply", apply)


def _terminating_counted(mp):
    mp.setattr(replication_decisions, "is_active", lambda pod: not pod.terminal)


CHECK, EXPLORE, MACHINE = "check", "explore", "machine"
SEEDS = st.builds(scenarios.seed, config=st.just(Config()))

BUGS = [
    # (id, patch, cluster, engine, rule that must report it)
    ("publish-branch-inverted", _publish_inverted, service_cluster, CHECK, "publish-not-ready-lists-every-candidate"),
    ("publish-branch-inverted/at-quiescence", _publish_inverted, service_cluster, CHECK, "endpoints-exact"),
    ("terminating-pod-kept-ready", _terminating_kept, service_cluster, CHECK, "terminating-pods-leave-endpoints"),
    ("terminating-pod-kept-ready/every-step", _terminating_kept, service_cluster, EXPLORE,
     "endpoints-sync-due-exactly"),
    ("not-ready-addresses-ignored", _not_ready_ignored, service_cluster, CHECK, "endpoints-sync-exact"),
    ("not-ready-addresses-ignored/old-rule", _not_ready_ignored, service_cluster, CHECK, "endpoints-match-ready-pods"),
    ("named-port-first-declared", _named_port_first_declared, service_cluster, CHECK, "endpoint-ports-per-pod"),
    ("numbered-port-must-be-declared", _numbered_port_must_be_declared, service_cluster, CHECK,
     "endpoint-ports-per-pod"),
    ("protocol-ignored", _protocol_ignored, service_cluster, CHECK, "endpoint-ports-per-pod"),
    ("proxy-routes-not-ready", _proxy_routes_not_ready, service_cluster, CHECK, "routing-exactly-ready-endpoints"),
    ("proxy-always-first-endpoint", _proxy_always_first, service_cluster, CHECK, "routing-exactly-ready-endpoints"),
    ("proxy-port-by-position", _proxy_port_by_position, service_cluster, CHECK, "routing-exactly-ready-endpoints"),
    ("proxy-fallback-with-ready-endpoints", _proxy_fallback_always, service_cluster, MACHINE,
     "routing-exactly-ready-endpoints"),
    ("scale-down-keys-reordered", _ranking_reordered, scenarios.seed, EXPLORE, "scale-down-order"),
    ("burst-changed", _burst_two, scenarios.seed, CHECK, "replication-writes-exact-diff"),
    ("orphans-never-adopted", _no_adoption, overlapping_cluster, CHECK, "replication-sync-due-exactly"),
    ("orphans-never-adopted/at-quiescence", _no_adoption, overlapping_cluster, CHECK,
     "adoption-and-release-complete"),
    ("owned-pods-never-released", _no_release, scenarios.seed, MACHINE, "replication-sync-due-exactly"),
    ("adoption-writes-no-uid", _adoption_without_uid, overlapping_cluster, CHECK, "adopt-and-release-writes"),
    ("filter-active-counts-terminating", _terminating_counted, scenarios.seed, MACHINE,
     "replication-sync-due-exactly"),
]


@pytest.mark.parametrize("patch,make,engine,rule", [b[1:] for b in BUGS], ids=[b[0] for b in BUGS])
def test_engine_reports_the_bug_under_its_rule(swap, patch, make, engine, rule):
    patch(swap)
    if engine == CHECK:
        found = caught_by_check(make(), rule)
    elif engine == EXPLORE:
        found = caught_by_explorer(make(), rule)
    else:
        found = caught_by_machine(st.builds(make), rule)
    assert rule in found


# ------------------------------------------------------------------------------------------------------------------
# The unmodified model keeps them, and reaches their witnesses

NEW_RULES = [
    "endpoints-exact", "endpoints-sync-exact", "endpoint-ports-per-pod", "terminating-pods-leave-endpoints",
    "endpoints-sync-due-exactly", "publish-not-ready-lists-every-candidate", "endpoints-match-ready-pods",
    "routing-exactly-ready-endpoints", "traffic-only-to-ready",
    "replication-writes-exact-diff", "replication-sync-due-exactly", "adoption-and-release-complete",
    "adopt-and-release-writes", "scale-down-order", "no-pod-moves-between-controllers", "burst-limit",
    "replicas-converge",
]


def _with_witnesses(names):
    out = list(names)
    for n in names:
        w = invariants.get(n).witness
        if w and w not in out:
            out.append(w)
    return out


@pytest.mark.parametrize("make", [service_cluster, overlapping_cluster, scenarios.seed])
def test_unmodified_model_keeps_the_rules_and_reaches_the_witnesses(make):
    cluster = make()
    report = check_cluster(cluster, seed=0, max_examples=40, max_steps=30, rule_names=_with_witnesses(NEW_RULES),
                           hunt_rounds=3)
    bad = [(r.name, r.verdict, r.message) for r in report.rules if r.verdict not in (PASS, "not-applicable")]
    assert not bad, bad
    assert report.verdict == PASS


def test_service_cluster_has_every_feature_applicable():
    """The witnesses of the new rules apply to the service cluster (none is passed over as not applicable)."""
    from kmodel.check import applicable_witnesses

    wanted = {invariants.get(n).witness for n in NEW_RULES} - {None, "sometimes-burst-capped", "sometimes-orphan",
                                                               "sometimes-release-due"}
    assert wanted <= applicable_witnesses(service_cluster())
    assert {"sometimes-orphan", "sometimes-release-due"} <= applicable_witnesses(overlapping_cluster())


def test_explorer_keeps_the_endpoint_rules_on_the_service_cluster():
    settled = settle(service_cluster()).cluster
    cfg = ExploreConfig(max_depth=3, max_states=3_000, user_events=("ScaleController", "DeletePod"))
    result = explore(settled, cfg, ["endpoints-sync-due-exactly", "endpoints-sync-exact",
                                    "terminating-pods-leave-endpoints", "routing-exactly-ready-endpoints",
                                    "replication-sync-due-exactly", "replication-writes-exact-diff"])
    assert not result.violations, result.violations[:1]
