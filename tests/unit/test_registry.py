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


def test_speaks_of_reads_a_rule_s_event_filter():
    from invariants.catalog.shared import for_events
    from kmodel.controllers.kubelet import LivenessProbeFails, ReadinessProbeFails, Tick

    @for_events("LivenessProbeFails", prefix="Readiness")
    def filtered(before, event, after):
        yield Violation("x", "always")

    rule = invariants.Invariant("x", TRANSITION, filtered)
    assert invariants.speaks_of(rule, LivenessProbeFails) and invariants.speaks_of(rule, ReadinessProbeFails)
    assert not invariants.speaks_of(rule, Tick)
    # what speaks_of leaves out, the rule answers with no violation
    assert list(filtered(None, Tick(), None)) == []
    unfiltered = invariants.Invariant("y", TRANSITION, lambda before, event, after: ())
    assert invariants.speaks_of(unfiltered, Tick)
    # every filtered catalog rule says so, and speaks of at least one event class of the model
    from kmodel.events import Event, load_actors

    load_actors()
    todo, classes = list(Event.__subclasses__()), set()
    while todo:
        cls = todo.pop()
        classes.add(cls)
        todo.extend(cls.__subclasses__())
    for inv in invariants.of_kind(TRANSITION):
        if hasattr(inv.predicate, "speaks_of"):
            assert any(invariants.speaks_of(inv, cls) for cls in classes), inv.name
