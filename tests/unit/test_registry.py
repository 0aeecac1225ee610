"""The invariants registry: registration, duplicate names, lookup of unknown names, and checking."""

from __future__ import annotations

import pytest

import invariants
from invariants.registry import ALWAYS, SOMETIMES, STABLE, TRANSITION, Violation, invariant, unregister
from kmodel import scenarios


def test_every_safety_rule_names_a_registered_witness():
    reg = invariants.registry()
    for inv in reg.values():
        if inv.kind != SOMETIMES:
            assert inv.witness in reg and reg[inv.witness].kind == SOMETIMES, inv.name


def test_every_rule_has_a_doc_line():
    for inv in invariants.registry().values():
        assert inv.doc, inv.name


def test_duplicate_name_raises():
    name = next(iter(invariants.registry()))
    with pytest.raises(ValueError, match="already registered"):
        invariant(name)(lambda cluster: ())


def test_unknown_name_lists_the_known_ones():
    with pytest.raises(KeyError) as err:
        invariants.get("no-such-rule")
    assert "replicas-converge" in str(err.value)


def test_unknown_kind_raises():
    with pytest.raises(ValueError, match="unknown invariant kind"):
        invariant("x", kind="eventually")


def test_user_rule_is_picked_up_by_check():
    @invariant("test-no-pods-named-forbidden", kind=ALWAYS, witness="sometimes-many-pods")
    def no_forbidden(cluster):
        """No pod is called forbidden."""
        for name in cluster.pods:
            if name.startswith("fluentd"):
                yield Violation("test-no-pods-named-forbidden", f"pod {name}", (f"Pod/{name}",))

    try:
        violations = invariants.check(scenarios.seed(), names=["test-no-pods-named-forbidden"])
        assert {v.rule for v in violations} == {"test-no-pods-named-forbidden"}
        assert len(violations) == 3  # one system pod per node
    finally:
        unregister("test-no-pods-named-forbidden")


def test_kinds_partition_the_catalog():
    kinds = {inv.kind for inv in invariants.registry().values()}
    assert kinds == {ALWAYS, TRANSITION, STABLE, SOMETIMES}


def test_initial_seed_scenario_satisfies_always_rules():
    assert invariants.check(scenarios.seed(), kinds=(ALWAYS,)) == []
