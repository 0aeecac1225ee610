"""Errors a user can cause.

Every error that bad input can provoke (a malformed selector, an invalid label, an impossible object spec, a
broken manifest) is a `KModelError`. The CLI turns them into a one-line message and exit code 2; nothing a user
types may end in a traceback. Messages name the object and the field, and the file and line when there is one.
"""

from __future__ import annotations


class KModelError(ValueError):
    """Root of every error a user can cause."""


class InvalidLabel(KModelError):
    """A label key or value that Kubernetes' ValidateLabels rejects (SEMANTICS 1 to 7)."""


class SelectorSyntaxError(KModelError):
    """Text that `labels.Parse` rejects (SEMANTICS 8 to 14)."""


class InvalidLabelSelector(KModelError):
    """A metav1.LabelSelector that LabelSelectorAsSelector or its validation rejects (SEMANTICS 21, 22)."""


class InvalidObject(KModelError):
    """An object the API server would reject: names the object and the field."""

    def __init__(self, obj: str, field: str, problem: str) -> None:
        self.obj = obj
        self.field = field
        self.problem = problem
        super().__init__(f"{obj}: {field}: {problem}")


class EventNotEnabled(KModelError):
    """`step` was asked to apply an event whose guard does not hold in the given cluster."""


class ManifestError(KModelError):
    """A manifest that cannot be loaded: printed as FILE:LINE: Kind/name: field.path: what is wrong."""

    def __init__(self, file: str, line: int | None, obj: str, field: str, problem: str) -> None:
        self.file = file
        self.line = line
        self.obj = obj
        self.field = field
        self.problem = problem
        where = f"{file}:{line}" if line is not None else file
        parts = [where, obj, field, problem]
        super().__init__(": ".join(p for p in parts if p))
