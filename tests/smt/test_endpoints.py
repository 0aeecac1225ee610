"""The endpoint membership proof (invariants.smt.endpoints): SEMANTICS 39 to 43, 8.4.

Differential: the Endpoints controller's `endpoint_membership` on a symbolic pod, with a concrete pod
substituted, says what `desired_endpoints` does for that pod. Wrong variants give counterexamples that replay.
"""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from invariants.smt import endpoints as E
from invariants.smt.domains import Symbols, evaluate
from invariants.smt.framework import Counterexample, ProofContext, Proved
from kmodel.decisions import endpoints as endpoint_decisions
from kmodel.logic import all_of, any_of, not_
from kmodel.objects import FAILED, PENDING, POD_RUNNING, SUCCEEDED, Container, ContainerPort, Pod


def ctx() -> ProofContext:
    return ProofContext("test", 30_000)


ports = st.builds(ContainerPort, st.sampled_from([8080, 53, 9000]),
                  name=st.sampled_from([None, "http", "dns", "metrics"]),
                  protocol=st.sampled_from(["TCP", "UDP"]))


@st.composite
def pods(draw):
    containers = []
    for ci in range(draw(st.integers(1, 2))):
        ps = draw(st.lists(ports, max_size=1))
        containers.append(Container(f"c{ci}", ports=tuple(ps)))
    phase = draw(st.sampled_from([PENDING, POD_RUNNING, SUCCEEDED, FAILED]))
    ready = draw(st.booleans()) and phase not in (SUCCEEDED, FAILED)
    ip = draw(st.sampled_from([None, "10.1.2.3"]))
    return Pod(name="p", uid="uid-000001", labels=draw(st.sampled_from([{}, {"app": "web"},
                                                                        {"app": "web", "tier": "frontend"},
                                                                        {"app": "db", "tier": "frontend"}])),
               node_name="n1" if ip else None, containers=tuple(containers), phase=phase, ready=ready,
               pod_ip=ip, deletion_timestamp=draw(st.sampled_from([None, 5])))


@given(st.sampled_from(E.SERVICE_SHAPES), pods())
def test_symbolic_membership_agrees_with_desired_endpoints_semantics_39_40_43(service, pod):
    sym = Symbols("d.")
    [spod] = E.symbolic_pods(service, 1, sym)
    selected = service.label_selector.matches_view(spod.labels)
    in_ready, in_not_ready = endpoint_decisions.endpoint_membership(spod, service, selected)
    subst = spod.substitution(pod)
    listed = E.replay_membership(service, [pod])[pod.name]
    assert evaluate(in_ready, subst) == listed["ready"]
    assert evaluate(in_not_ready, subst) == listed["not_ready"]
    assert evaluate(E.port_resolved_spec(spod, service), subst) == (
        not service.ports or any(endpoint_decisions.resolve_target_port(pod, sp) is not None for sp in service.ports))


def test_endpoints_membership_is_proved_for_20_pods_semantics_39_to_43():
    assert E.prove_endpoints_membership(ctx()) == Proved()


@pytest.mark.parametrize("attr, wrong, claim_word", [
    # terminating pods kept without publishNotReadyAddresses (SEMANTICS 39)
    ("should_be_in_endpoints", lambda terminal, ip, terminating, include: all_of(not_(terminal), ip), "terminating"),
    # pods without an IP listed (SEMANTICS 39)
    ("should_be_in_endpoints", lambda terminal, ip, terminating, include: not_(terminal), "IP"),
    # publishNotReadyAddresses ignored (SEMANTICS 40)
    ("address_is_ready", lambda ready, publish: ready, ""),
    # a named port matched without its protocol (SEMANTICS 43)
    ("port_matches", lambda port, target, protocol: port.name == target, "port"),
])
def test_wrong_membership_rules_give_counterexamples_that_replay(swap, attr, wrong, claim_word):
    swap.setattr(endpoint_decisions, attr, wrong)
    verdict = E.prove_endpoints_membership(ctx())
    assert isinstance(verdict, Counterexample)
    assert claim_word in verdict.witness["claim"] or claim_word == ""
    assert verdict.witness["pods"]


def test_witness_pods_are_real_pods_of_a_real_cluster(swap):
    swap.setattr(endpoint_decisions, "address_is_ready", lambda ready, publish: any_of(ready, not_(publish)))
    verdict = E.service_membership(ctx(), E.SERVICE_SHAPES[0], count=3)
    assert isinstance(verdict, Counterexample)
    for pod in verdict.witness["pods"]:
        assert isinstance(pod, Pod)
        pod.validate()


def _drops_not_ready(original):
    def membership(pod, service, selected=True):
        in_ready, _ = original(pod, service, selected)
        return in_ready, False
    return membership


def test_a_controller_that_never_lists_not_ready_addresses_is_caught_semantics_40(swap):
    """Every old claim is one-sided about notReadyAddresses; the converse and the exact claims are not."""
    swap.setattr(endpoint_decisions, "endpoint_membership", _drops_not_ready(endpoint_decisions.endpoint_membership))
    verdict = E.prove_endpoints_membership(ctx())
    assert isinstance(verdict, Counterexample)
    assert "not-ready" in verdict.witness["claim"] or "notReady" in verdict.witness["claim"]


def test_publish_not_ready_addresses_dropping_terminating_pods_is_caught_semantics_39_8_4(swap):
    swap.setattr(endpoint_decisions, "should_be_in_endpoints",
                        lambda terminal, ip, terminating, include: all_of(not_(terminal), ip, not_(terminating)))
    verdict = E.prove_endpoints_membership(ctx())
    assert isinstance(verdict, Counterexample)
    assert verdict.witness["service"].publish_not_ready_addresses
    assert any(p.terminating for p in verdict.witness["pods"])


@given(st.sampled_from(E.SERVICE_SHAPES), pods())
def test_the_selection_restatement_agrees_with_the_selector_semantics_23(service, pod):
    sym = Symbols("sel.")
    [spod] = E.symbolic_pods(service, 1, sym)
    assert evaluate(E.selected_spec(spod, service), spod.substitution(pod)) == \
        service.label_selector.matches(pod.labels)
