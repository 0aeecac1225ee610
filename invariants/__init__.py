"""kmodel's invariants: the registry, the built-in catalog, and the Z3 proofs."""

from invariants.registry import (
    ALWAYS,
    KINDS,
    SOMETIMES,
    STABLE,
    TRANSITION,
    Invariant,
    Violation,
    check,
    check_transition,
    get,
    invariant,
    of_kind,
    registry,
    speaks_of,
    witnesses,
)

__all__ = ["ALWAYS", "KINDS", "SOMETIMES", "STABLE", "TRANSITION", "Invariant", "Violation", "check",
           "check_transition", "get", "invariant", "of_kind", "registry", "speaks_of",
           "witnesses"]
