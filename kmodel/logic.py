"""The concrete/symbolic shim that decision code is written in (DESIGN principle 4).

Selector matching, scheduler filters and scores, the replica diff, endpoint membership and the probe threshold
automaton are written once, against these operators. Given Python values they compute a Python value; given Z3
terms they build a Z3 term. The model runs the decisions concretely; `invariants.smt` runs the very same
functions symbolically, so a proof is about the code that runs.

The concrete path is the hot path: it never imports z3 and costs one type lookup per operand (the operands of
decisions are plain bools, ints, strings, None or tuples of them). Only another type sends the operator to Z3,
and Z3 is only consulted when it has already been imported by the symbolic layer (`sys.modules`), so the model
stays z3-free at run time.
"""

from __future__ import annotations

import sys
from typing import Any, Callable, Iterable, TypeVar

T = TypeVar("T")

Bool = Any  # bool, or a z3 BoolRef
Int = Any  # int, or a z3 ArithRef


def _z3():
    return sys.modules.get("z3")


# Operand types that are never Z3 terms: checking these first keeps the concrete path off `sys.modules`.
_CONCRETE = frozenset((bool, int, str, type(None), float, tuple, frozenset))


def is_symbolic(*xs: Any) -> bool:
    """True when any argument is a Z3 expression."""
    concrete = _CONCRETE
    for x in xs:
        if type(x) not in concrete:
            break
    else:
        return False
    z3 = _z3()
    if z3 is None:
        return False
    return any(isinstance(x, z3.ExprRef) for x in xs)


def all_of(*xs: Bool) -> Bool:
    """Conjunction; `all_of()` is true."""
    if is_symbolic(*xs):
        return _z3().And(*xs)
    for x in xs:
        if not x:
            return False
    return True


def any_of(*xs: Bool) -> Bool:
    """Disjunction; `any_of()` is false."""
    if is_symbolic(*xs):
        return _z3().Or(*xs)
    for x in xs:
        if x:
            return True
    return False


def all_in(items: Iterable[T], pred: Callable[[T], Bool]) -> Bool:
    """Conjunction of `pred` over `items`, short-circuiting in the concrete case."""
    return all_of(*(pred(i) for i in items))


def any_in(items: Iterable[T], pred: Callable[[T], Bool]) -> Bool:
    """Disjunction of `pred` over `items`."""
    return any_of(*(pred(i) for i in items))


def not_(x: Bool) -> Bool:
    if is_symbolic(x):
        return _z3().Not(x)
    return not x


def implies(a: Bool, b: Bool) -> Bool:
    if is_symbolic(a, b):
        return _z3().Implies(a, b)
    return (not a) or bool(b)


def iff(a: Bool, b: Bool) -> Bool:
    if is_symbolic(a, b):
        return a == b
    return bool(a) == bool(b)


def ite(c: Bool, a: Any, b: Any) -> Any:
    """If-then-else as a value."""
    if is_symbolic(c, a, b):
        return _z3().If(c, a, b)
    return a if c else b


def eq(a: Any, b: Any) -> Bool:
    return a == b


def ne(a: Any, b: Any) -> Bool:
    if is_symbolic(a, b):
        return _z3().Not(a == b)
    return a != b


def lt(a: Int, b: Int) -> Bool:
    return a < b


def le(a: Int, b: Int) -> Bool:
    return a <= b


def min_(a: Int, b: Int) -> Int:
    return ite(a <= b, a, b)


def max_(a: Int, b: Int) -> Int:
    return ite(a >= b, a, b)


def idiv(a: Int, b: Int) -> Int:
    """Go's int64 division for non-negative operands (truncating); Z3's `/` on Ints is the same there."""
    if is_symbolic(a, b):
        return a / b
    return a // b


def as_int(x: Bool) -> Int:
    """1 for true, 0 for false."""
    return ite(x, 1, 0)


def sum_of(xs: Iterable[Int]) -> Int:
    total: Int = 0
    for x in xs:
        total = total + x
    return total
