"""Selector relations and identities, decided by Z3 over `Selector.matches_view` itself (SEMANTICS 14 to 23).

`overlap(a, b)` (a label set both select, or None), `implies(a, b)` and `equivalent(a, b)` are what
`kmodel.labels` exposes; they run the project's own matching code on a symbolic label set (`SymbolicLabels`),
whose finite value domain is exact for the selectors involved (see `invariants.smt.domains`), so the answers hold
for every label set, not a sample. Every witness is checked with the concrete `Selector.matches` before it is
returned.

The identities are proved for a generic instance: matching compares keys and values only by equality (and Gt/Lt
bounds by their number), so a key and values that nothing else mentions stand for all keys and values.
"""

from __future__ import annotations

import functools
from typing import Any, Mapping

import z3

from invariants.smt.domains import SymbolicLabels, ValueDomain
from invariants.smt.framework import (
    PROVED,
    Counterexample,
    Inconclusive,
    ProofContext,
    ProofInconclusive,
    Verdict,
    combine,
    proof,
)
from kmodel.labels import (
    DOUBLE_EQUALS,
    EQUALS,
    IN,
    NOT_EQUALS,
    NOT_IN,
    Requirement,
    Selector,
    parse_selector,
    selector_from_label_selector,
    selector_from_map,
    selector_to_label_selector,
)
from kmodel.logic import iff, not_

__all__ = ["overlap", "implies", "equivalent", "Negated", "as_selector", "label_set_for", "check_equivalent",
           "IDENTITY_CASES"]


class Negated:
    """The complement of a matcher (a Requirement or Selector): for stating identities such as `k!=v == not k=v`."""

    def __init__(self, inner: Any) -> None:
        self.inner = inner

    def matches_view(self, view: Any) -> Any:
        return not_(self.inner.matches_view(view))

    def matches(self, labels: Mapping[str, str]) -> bool:
        return not self.inner.matches(labels)

    def __str__(self) -> str:
        return f"not ({self.inner})"

    def __repr__(self) -> str:
        return f"Negated({self.inner!r})"


def as_selector(x: Any) -> Selector:
    """A `Selector`, or selector text parsed with `parse_selector`."""
    if isinstance(x, Selector):
        return x
    if isinstance(x, str):
        return parse_selector(x)
    raise TypeError(f"expected a kmodel.labels.Selector or selector text, not {type(x).__name__} ({x!r})")


def label_set_for(*matchers: Any) -> SymbolicLabels:
    """A fresh symbolic label set whose domain is exact for these matchers."""
    return SymbolicLabels("labels", ValueDomain.for_selectors(*matchers))


def _minimal(witness: dict[str, str], keep: Any) -> dict[str, str]:
    """Drop the keys the witness does not need (checked concretely with `keep(labels) -> bool`)."""
    out = dict(witness)
    for key in sorted(witness):
        trial = {k: v for k, v in out.items() if k != key}
        if keep(trial):
            out = trial
    return out


def _solve(*formulas: Any, labels: SymbolicLabels) -> dict[str, str] | None:
    """A label set satisfying every formula, or None. No timeout: these problems are small and finite."""
    solver = z3.Solver()
    for f in formulas:
        solver.add(z3.BoolVal(f) if isinstance(f, bool) else f)
    for c in labels.constraints():
        solver.add(c)
    result = solver.check()
    if result == z3.unsat:
        return None
    if result == z3.unknown:  # pragma: no cover - finite, quantifier-free problems
        raise ProofInconclusive(f"Z3 answered unknown: {solver.reason_unknown()}")
    return labels.decode(solver.model())


@functools.lru_cache(maxsize=4096)
def _overlap(a: Selector, b: Selector) -> tuple[tuple[str, str], ...] | None:
    labels = label_set_for(a, b)
    witness = _solve(a.matches_view(labels), b.matches_view(labels), labels=labels)
    if witness is None:
        return None
    if not (a.matches(witness) and b.matches(witness)):
        from invariants.smt.framework import EncodingError

        raise EncodingError(f"overlap({a}, {b}): witness {witness!r} is not matched by both")
    witness = _minimal(witness, lambda ls: a.matches(ls) and b.matches(ls))
    return tuple(sorted(witness.items()))


def overlap(a: Selector | str, b: Selector | str) -> dict[str, str] | None:
    """A label set that both selectors match, or None when no label set does (SEMANTICS 15 to 20).

    Handles Everything (matches all), Nothing (matches none), absent keys for `!=`/`notin` and Gt/Lt bounds.
    """
    found = _overlap(as_selector(a), as_selector(b))
    return None if found is None else dict(found)


@functools.lru_cache(maxsize=4096)
def _counter_to_implication(a: Selector, b: Selector) -> tuple[tuple[str, str], ...] | None:
    labels = label_set_for(a, b)
    witness = _solve(a.matches_view(labels), not_(b.matches_view(labels)), labels=labels)
    if witness is None:
        return None
    if not (a.matches(witness) and not b.matches(witness)):
        from invariants.smt.framework import EncodingError

        raise EncodingError(f"implies({a}, {b}): witness {witness!r} does not separate them")
    witness = _minimal(witness, lambda ls: a.matches(ls) and not b.matches(ls))
    return tuple(sorted(witness.items()))


def implies(a: Selector | str, b: Selector | str) -> bool:
    """Every label set that `a` matches, `b` matches too."""
    return _counter_to_implication(as_selector(a), as_selector(b)) is None


def equivalent(a: Selector | str, b: Selector | str) -> bool:
    """`a` and `b` match exactly the same label sets."""
    a, b = as_selector(a), as_selector(b)
    return implies(a, b) and implies(b, a)


# ---------------------------------------------------------------------------------------------------------------
# Proofs


def check_equivalent(ctx: ProofContext, lhs: Any, rhs: Any, what: str) -> Verdict:
    """Prove that two matchers (anything with `matches_view` and `matches`) select the same label sets.

    Witness: the separating label set and the two answers; replay runs the concrete `matches` of both.
    """
    labels = label_set_for(lhs, rhs)
    claim = iff(lhs.matches_view(labels), rhs.matches_view(labels))

    def decode(model: z3.ModelRef) -> dict[str, Any]:
        ls = labels.decode(model)
        return {"identity": what, "lhs": str(lhs), "rhs": str(rhs), "labels": ls,
                "lhs_matches": lhs.matches(ls), "rhs_matches": rhs.matches(ls)}

    def replay(w: dict[str, Any]) -> bool:
        return lhs.matches(w["labels"]) != rhs.matches(w["labels"])

    return ctx.check(claim, assumptions=labels.constraints(), decode=decode, replay=replay, what=what)


# Generic key and values: no other requirement mentions them (module docstring).
_K, _V, _W = "k", "v", "w"

IDENTITY_CASES = {
    "not-equals": [
        (Requirement(_K, NOT_EQUALS, (_V,)), Negated(Requirement(_K, EQUALS, (_V,)))),
        (Requirement(_K, NOT_EQUALS, ("",)), Negated(Requirement(_K, EQUALS, ("",)))),
        (Requirement(_K, EQUALS, (_V,)), Requirement(_K, DOUBLE_EQUALS, (_V,))),
        (Requirement(_K, EQUALS, (_V,)), Requirement(_K, IN, (_V,))),
        (Requirement(_K, NOT_EQUALS, (_V,)), Requirement(_K, NOT_IN, (_V,))),
    ],
    "notin": [
        (Requirement(_K, NOT_IN, (_V,)), Negated(Requirement(_K, IN, (_V,)))),
        (Requirement(_K, NOT_IN, (_V, _W)), Negated(Requirement(_K, IN, (_V, _W)))),
        (Requirement(_K, NOT_IN, ("", _V)), Negated(Requirement(_K, IN, ("", _V)))),
    ],
}


def identity_verdict(ctx: ProofContext, cases: list[tuple[Any, Any]]) -> Verdict:
    return combine(check_equivalent(ctx, lhs, rhs, f"{lhs} == {rhs}") for lhs, rhs in cases)


@proof("selector-not-equals", rules=("15", "16"), invariants=("selector-semantics",))
def prove_not_equals(ctx: ProofContext) -> Verdict:
    """`k!=v` matches exactly the label sets `k=v` does not, absent key included (and `=`, `==`, `in (v)` agree)."""
    return identity_verdict(ctx, IDENTITY_CASES["not-equals"])


@proof("selector-notin", rules=("15", "16"), invariants=("selector-semantics",))
def prove_notin(ctx: ProofContext) -> Verdict:
    """`k notin (S)` matches exactly the label sets `k in (S)` does not: an absent key matches notin."""
    return identity_verdict(ctx, IDENTITY_CASES["notin"])


# Label maps that an RC's selector may hold, from the generic one-pair map up to a prefixed key and an empty value.
RC_SELECTOR_MAPS: tuple[dict[str, str], ...] = (
    {"app": "web"},
    {"app": "web", "tier": "frontend"},
    {"example.com/app": "v", "k": ""},
    {"a": "x", "b": "x", "c": "y"},
)


def rc_selector_cases(maps: tuple[dict[str, str], ...] = RC_SELECTOR_MAPS) -> list[tuple[Any, Any]]:
    """(the RC's map selector, the equal LabelSelector as a ReplicaSet holds it) for each map (SEMANTICS 23, 21)."""
    from kmodel.objects import ReplicaSet, ReplicationController

    cases = []
    for m in maps:
        rc = ReplicationController(name="rc", selector=m)
        rs = ReplicaSet(name="rs", selector=selector_from_label_selector({"matchLabels": dict(m)}))
        cases.append((rc.label_selector, rs.label_selector))
        expressions = [{"key": k, "operator": "In", "values": [v]} for k, v in m.items()]
        cases.append((selector_from_map(m), selector_from_label_selector({"matchExpressions": expressions})))
    return cases


@proof("selector-rc-map-equals-label-selector", rules=("21", "23", "24", "28"), invariants=("selector-semantics",))
def prove_rc_map_selector(ctx: ProofContext) -> Verdict:
    """A ReplicationController's map selector and the equal LabelSelector (matchLabels, or In expressions)
    match the same label sets."""
    return identity_verdict(ctx, rc_selector_cases())


ROUND_TRIP_SELECTORS = ("a=x,b!=y", "a in (x,y),!b", "a notin (x),b", "a==x,a in (x,y)", "", "a,a notin ()")


@proof("selector-label-selector-round-trip", rules=("21", "22"), invariants=("selector-semantics",))
def prove_round_trip(ctx: ProofContext) -> Verdict:
    """`selector_to_label_selector` then `selector_from_label_selector` gives back an equivalent selector."""
    cases = []
    for s in [parse_selector(text) for text in ROUND_TRIP_SELECTORS] + [Selector.nothing()]:
        cases.append((s, selector_from_label_selector(selector_to_label_selector(s))))
    return identity_verdict(ctx, cases)


__all__ += ["prove_not_equals", "prove_notin", "prove_rc_map_selector", "prove_round_trip", "RC_SELECTOR_MAPS",
            "rc_selector_cases", "identity_verdict", "PROVED", "Counterexample", "Inconclusive"]
