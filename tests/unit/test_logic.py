"""The concrete/symbolic shim: the same operator gives the Python value on Python inputs and an equivalent
Z3 term on Z3 inputs (DESIGN principle 4)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kmodel import logic

z3 = pytest.importorskip("z3")

BINARY = [logic.implies, logic.iff, logic.eq, logic.ne]
INT_BINARY = [logic.lt, logic.le, logic.min_, logic.max_, logic.idiv]


def z3_value(term):
    v = z3.simplify(term)
    if z3.is_true(v):
        return True
    if z3.is_false(v):
        return False
    return v.as_long()


@given(st.lists(st.booleans(), max_size=4))
def test_all_any_agree(xs):
    syms = [z3.BoolVal(x) for x in xs]
    assert logic.all_of(*xs) == all(xs)
    assert logic.any_of(*xs) == any(xs)
    if xs:
        assert z3_value(logic.all_of(*syms)) == all(xs)
        assert z3_value(logic.any_of(*syms)) == any(xs)


@pytest.mark.parametrize("op", BINARY)
@given(a=st.booleans(), b=st.booleans())
def test_boolean_operators_agree(op, a, b):
    assert z3_value(op(z3.BoolVal(a), z3.BoolVal(b))) == op(a, b)


@pytest.mark.parametrize("op", INT_BINARY)
@given(a=st.integers(0, 1000), b=st.integers(1, 1000))
def test_integer_operators_agree(op, a, b):
    assert z3_value(op(z3.IntVal(a), z3.IntVal(b))) == op(a, b)


@given(c=st.booleans(), a=st.integers(), b=st.integers())
def test_ite_agrees(c, a, b):
    assert logic.ite(c, a, b) == (a if c else b)
    assert z3_value(logic.ite(z3.BoolVal(c), z3.IntVal(a), z3.IntVal(b))) == (a if c else b)


def test_concrete_path_does_not_need_z3_terms():
    assert logic.is_symbolic(1, True, "x") is False
    assert logic.is_symbolic(z3.Int("x")) is True
    assert logic.is_symbolic(1, None, (2,), z3.Int("x")) is True  # a term after concrete operands
    assert logic.sum_of([1, 2, 3]) == 6 and logic.as_int(True) == 1
