"""Selector relations and identities in Z3 (invariants.smt.selectors, invariants.smt.selectors.overlap/implies/equivalent):
SEMANTICS 14 to 23. Differential tests run the symbolic encoding and the concrete matcher on the same label sets."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from invariants.smt import selectors as smt_selectors
from invariants.smt.domains import DomainError, SymbolicLabels, ValueDomain, evaluate
from invariants.smt.framework import Counterexample, ProofContext, Proved
from kmodel.labels import (
    NOT_IN,
    MappingView,
    Requirement,
    Selector,
    label_value_errors,
    parse_selector,
    selector_from_label_selector,
)
from kmodel.logic import all_of, not_
from tests.strategies_labels import LABEL_VALUES_FOR_MATCHING, POOL_KEYS, label_sets, pool_selectors

VALID_VALUES = [v for v in LABEL_VALUES_FOR_MATCHING if not label_value_errors(v)] + ["00", "5", "6", "zz"]
valid_label_sets = label_sets(values=st.sampled_from(VALID_VALUES))


def ctx() -> ProofContext:
    return ProofContext("test", 20_000)


# ---------------------------------------------------------------------------------------------------------------
# Differential: the symbolic encoding and the concrete matcher agree (SEMANTICS 15 to 20)

@given(pool_selectors(), valid_label_sets)
def test_symbolic_matching_agrees_with_concrete_matching_semantics_15_to_19(selector, ls):
    view = SymbolicLabels("L", ValueDomain.for_selectors(selector), POOL_KEYS)
    symbolic = selector.matches_view(view)
    assert evaluate(symbolic, view.substitution(ls)) == selector.matches(ls)


@given(pool_selectors(), pool_selectors(), valid_label_sets)
def test_overlap_is_complete_and_its_witness_is_matched_by_both_semantics_15_to_20(a, b, ls):
    witness = smt_selectors.overlap(a, b)
    if a.matches(ls) and b.matches(ls):
        assert witness is not None
    if witness is not None:
        assert a.matches(witness) and b.matches(witness)
        assert not label_value_errors("") and all(not label_value_errors(v) for v in witness.values())


@given(pool_selectors(), pool_selectors(), valid_label_sets)
def test_implies_has_no_concrete_counterexample_semantics_15_to_20(a, b, ls):
    if a.matches(ls) and not b.matches(ls):
        assert not smt_selectors.implies(a, b)
    if smt_selectors.equivalent(a, b):
        assert a.matches(ls) == b.matches(ls)


@given(pool_selectors(), st.text(alphabet="0123456789ab-._", max_size=20))
def test_every_value_has_an_exact_representative_semantics_15_to_18(selector, value):
    """The finite domain is exact: a value and its representative answer every requirement alike."""
    if label_value_errors(value):
        return
    domain = ValueDomain.for_selectors(selector)
    rep = domain.values[domain.representative(value)]
    for r in selector.requirements:
        assert r.matches({r.key: value}) == r.matches({r.key: rep})


# ---------------------------------------------------------------------------------------------------------------
# invariants.smt.selectors.overlap / implies / equivalent, table-driven

OVERLAP_CASES = [
    # (a, b, overlaps)
    ("app=web", "app=db", False),
    ("app=web", "app!=web", False),
    ("app=web", "app notin (db)", True),
    ("app!=web", "tier", True),               # absent app matches != (SEMANTICS 16)
    ("app notin (a,b)", "!app", True),
    ("app", "!app", False),
    ("app in (a,b)", "app in (b,c)", True),
    ("app in (a,b)", "app in (c,d)", False),
    ("x>5", "x<7", True),                      # x=6
    ("x>5", "x<6", False),                     # no integer between (SEMANTICS 18)
    ("x>5", "!x", False),                      # Gt requires the key
    ("x>01,x<03", "x notin (2,02)", True),     # "002" is 2 as well
    ("x>5", "x=6", True),
    ("x>5", "x=06", True),
    ("x>5", "x=abc", False),
    ("", "", True),                            # Everything overlaps Everything with {}
    ("a,!a", "", False),                       # a contradiction is not detected syntactically, but matches nothing
]


@pytest.mark.parametrize("a, b, overlaps", OVERLAP_CASES)
def test_overlap_table_semantics_15_to_20(a, b, overlaps):
    witness = smt_selectors.overlap(a, b)
    assert (witness is not None) == overlaps
    if witness is not None:
        assert parse_selector(a).matches(witness) and parse_selector(b).matches(witness)


def test_overlap_with_nothing_is_none_and_everything_overlaps_everything_semantics_20():
    assert smt_selectors.overlap(Selector.nothing(), "") is None
    assert smt_selectors.overlap(Selector.nothing(), Selector.nothing()) is None
    assert smt_selectors.overlap(Selector.everything(), "app=web") == {"app": "web"}
    assert smt_selectors.overlap("", "") == {}


def test_overlap_witness_is_minimal():
    assert smt_selectors.overlap("app!=web", "tier=front") == {"tier": "front"}


@pytest.mark.parametrize("a, b, expected", [
    ("app=web", "app", True),
    ("app", "app=web", False),
    ("app=web,tier=front", "app=web", True),
    ("app in (a)", "app=a", True),
    ("x>5", "x", True),
    ("x>5", "x>4", True),
    ("x>4", "x>5", False),
    ("app=web", "", True),
    ("", "app=web", False),
    ("!app", "app!=web", True),
    ("app!=web", "!app", False),
])
def test_implies_table_semantics_15_to_18(a, b, expected):
    assert smt_selectors.implies(a, b) is expected
    assert smt_selectors.implies(Selector.nothing(), b) is True


@pytest.mark.parametrize("a, b, expected", [
    ("a!=x", "a notin (x)", True),
    ("a=x", "a==x", True),
    ("a=x", "a in (x)", True),
    ("a in (x,y)", "a in (y,x)", True),
    ("a notin (x)", "a,a!=x", False),           # notin also matches an absent key
    ("a,!a", "b,!b", True),                       # both match nothing
    ("a,!a", Selector.nothing(), True),
    ("", Selector.nothing(), False),
])
def test_equivalent_table_semantics_15_to_21(a, b, expected):
    assert smt_selectors.equivalent(a, b) is expected


def test_rc_map_selector_and_label_selector_are_equivalent_semantics_23():
    from kmodel.objects import ReplicationController

    rc = ReplicationController(name="rc", selector={"app": "web", "tier": "front"})
    ls = selector_from_label_selector({"matchLabels": {"app": "web", "tier": "front"}})
    assert smt_selectors.equivalent(rc.label_selector, ls)


def test_wrong_argument_types_are_rejected():
    with pytest.raises(TypeError):
        smt_selectors.overlap({"app": "web"}, "")  # type: ignore[arg-type]


def test_domain_refuses_values_it_was_not_built_for():
    view = SymbolicLabels("L", ValueDomain.for_selectors(parse_selector("a=x")))
    with pytest.raises(DomainError):
        view.value_in("a", ("y",))


# ---------------------------------------------------------------------------------------------------------------
# The proofs, and their wrong variants


@pytest.mark.parametrize("fn", [smt_selectors.prove_not_equals, smt_selectors.prove_notin,
                                smt_selectors.prove_rc_map_selector, smt_selectors.prove_round_trip])
def test_selector_identities_are_proved_semantics_15_16_21_23(fn):
    assert fn(ctx()) == Proved()


class NotinRequiresKey(Requirement):
    """A wrong `notin` that, like the textbook, requires the key (SEMANTICS 7: "No")."""

    def matches_view(self, view):
        if self.operator == NOT_IN:
            return all_of(view.has(self.key), not_(view.value_in(self.key, self.values)))
        return super().matches_view(view)

    def matches(self, ls):
        return bool(self.matches_view(MappingView(ls)))


def test_notin_requiring_the_key_gives_a_counterexample_that_replays_semantics_16(monkeypatch):
    wrong = [(NotinRequiresKey(r.key, r.operator, r.values), rhs) for r, rhs in smt_selectors.IDENTITY_CASES["notin"]]
    monkeypatch.setitem(smt_selectors.IDENTITY_CASES, "notin", wrong)
    verdict = smt_selectors.prove_notin(ctx())
    assert isinstance(verdict, Counterexample)
    w = verdict.witness
    assert "k" not in w["labels"]  # the absent key is exactly where the textbook notin goes wrong
    assert w["lhs_matches"] is False and w["rhs_matches"] is True


def test_a_wrong_not_equals_gives_a_counterexample_that_replays_semantics_16(monkeypatch):
    from kmodel.labels import NOT_EQUALS

    class NotEqualsRequiresKey(Requirement):
        def matches_view(self, view):
            if self.operator == NOT_EQUALS:
                return all_of(view.has(self.key), not_(view.value_in(self.key, self.values)))
            return super().matches_view(view)

        def matches(self, ls):
            return bool(self.matches_view(MappingView(ls)))

    cases = [(NotEqualsRequiresKey(lhs.key, lhs.operator, lhs.values), rhs)
             for lhs, rhs in smt_selectors.IDENTITY_CASES["not-equals"][:1]]
    monkeypatch.setitem(smt_selectors.IDENTITY_CASES, "not-equals", cases)
    verdict = smt_selectors.prove_not_equals(ctx())
    assert isinstance(verdict, Counterexample) and verdict.witness["labels"] == {}
