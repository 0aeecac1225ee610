"""The model's memos, one mechanism (DESIGN: speed lives behind a seam).

The engines ask the same pure decisions about the same immutable objects in state after state (a pod's work-queue
facts, a Service's Endpoints entry for a pod, a kubelet write), so the model remembers answers by object
identity or by value. Every such table is a `Memo`:

- **bounded**: `remember` clears it when it holds `limit` answers;
- **keep-alive**: a memo keyed by `id(obj)` keeps `obj` (`keep=`), so no identity in it can be reused by another
  object while the answer is there, and an answer found by an object's identity is that object's;
- **registered**: `clear_all()` empties every memo of the model and of the rules at once.

A memo's answers are functions of its key and of the model's code, never of the functions' identities: the code is
fixed while a memo is filled. To run the model with a decision swapped (a bug-catching test, a what-if), use
`swapped`, which sets the attribute and clears every memo on the way in and out, so no answer computed with the
old decision survives; the test suite's `swap` fixture (tests/conftest.py) does the same for one test. A
decision set by hand without `swapped` is not supported (answers computed before it may be returned), and a
cluster built before the swap keeps the indexes it was built with.
"""

from __future__ import annotations

import contextlib
from typing import Any, Iterator

__all__ = ["Memo", "clear_all", "memos", "swapped", "Swaps"]

_MEMOS: dict[str, "Memo"] = {}


class Memo(dict):
    """A bounded, registered table of answers (see the module docstring). A `dict`, so a lookup is the C
    `dict.get`; `remember` is the one way answers go in."""

    __slots__ = ("name", "limit", "kept")

    def __init__(self, name: str, limit: int, keep: bool = False) -> None:
        super().__init__()
        self.name = name
        self.limit = limit
        self.kept: list | None = [] if keep else None
        _MEMOS[name] = self

    def remember(self, key: Any, value: Any, obj: Any = None) -> Any:
        """Store `value` at `key` (clearing the memo first when full) and return it; a keep-alive memo also keeps
        `obj`, the object whose identity `key` holds."""
        if len(self) >= self.limit:
            self.clear()
        self[key] = value
        if self.kept is not None:
            self.kept.append(obj)
        return value

    def clear(self) -> None:
        dict.clear(self)
        if self.kept is not None:
            self.kept.clear()

    def __repr__(self) -> str:
        return f"Memo({self.name!r}, {len(self)}/{self.limit})"


def memos() -> dict[str, Memo]:
    """Every registered memo by name."""
    return dict(_MEMOS)


def clear_all() -> None:
    """Empty every registered memo."""
    for memo in _MEMOS.values():
        memo.clear()


@contextlib.contextmanager
def swapped(*swaps: tuple[Any, str, Any]) -> Iterator[None]:
    """Run with attributes swapped: `swapped((module_or_class, "name", replacement), ...)`. Every memo is
    cleared when the swap begins and again when it is undone."""
    undo = Swaps()
    try:
        for target, name, value in swaps:
            undo.setattr(target, name, value)
        yield
    finally:
        undo.undo()


class Swaps:
    """Swapped attributes to undo later (the `swap` fixture of the test suite is one per test)."""

    def __init__(self) -> None:
        self._saved: list[tuple[Any, str, Any, bool]] = []

    def setattr(self, target: Any, name: str, value: Any) -> None:
        """Set `target.name = value`, remembering the old value, and clear every memo."""
        if isinstance(target, type):  # the class's own attribute, as stored (a staticmethod stays one)
            had = name in vars(target)
            old = vars(target).get(name)
        else:
            had = hasattr(target, name)
            old = getattr(target, name, None)
        self._saved.append((target, name, old, had))
        setattr(target, name, value)
        clear_all()

    def undo(self) -> None:
        """Restore every swapped attribute (last first) and clear every memo."""
        while self._saved:
            target, name, old, had = self._saved.pop()
            if had:
                setattr(target, name, old)
            else:
                delattr(target, name)
        clear_all()
