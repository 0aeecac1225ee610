"""Fast copies of frozen attrs records with some fields replaced.

`attrs.evolve` runs `__init__` (every converter and validator) for each copy. The model's hot writes (every
Cluster write, the kubelet's status writes) copy values whose fields are already valid, so they use
`compile_replace(cls)`: the same result as `attrs.evolve(obj, **changes)`, generated as straight-line slot
writes from the class's attrs field list. Use it only where the new values are already of the fields' types.
"""

from __future__ import annotations

from typing import Any, Callable

import attrs

_KEEP = object()


def compile_replace(cls: type) -> Callable[..., Any]:
    """`replace(obj, **changes)` for the frozen, slotted attrs class `cls`."""
    names = [a.name for a in attrs.fields(cls)]
    env = {"_new": object.__new__, "cls": cls, "_KEEP": _KEEP}
    lines = [f"def replace(o, *, {', '.join(f'{n}=_KEEP' for n in names)}):", "    n = _new(cls)"]
    for i, field in enumerate(names):
        env[f"_set{i}"] = cls.__dict__[field].__set__
        lines.append(f"    _set{i}(n, o.{field} if {field} is _KEEP else {field})")
    lines.append("    return n")
    exec("\n".join(lines), env)  # noqa: S102 - generated from the attrs field list above
    return env["replace"]
