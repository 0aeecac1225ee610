"""Object kinds a user registers: one registration per kind (issue 19, item 3).

The built-in kinds (Node, Pod, Service, ReplicationController, ReplicaSet, Endpoints) have their own fields in
`Cluster` and their own indexes. A kind of the user's (a custom resource their controller reconciles) is one
`register_kind(Kind(...))`, and then:

- the state holds its objects in `Cluster.objects` (keyed by `(kind, name)`: `put_object`, `remove_object`,
  `objects_of`), compared, hashed, fingerprinted, saved in traces and replayed like every other object;
- `Cluster.create` admits it through its `validate` (an API create: `InvalidObject` for what the API would
  reject, a duplicate name refused);
- `kmodel check FILE` reads it from manifests of its `apiVersion` and `kind` with its `read`, whose field
  readers report `FILE:LINE: Kind/name: field: what is wrong` (`kmodel.manifests.Fields`);
- `--export-yaml` writes it back with its `export`.

A registered kind's objects may name nodes or pods in ways the explorer cannot see, so a cluster that holds any
is explored without node symmetry (`kmodel.explore`): sound, at the cost of the reduction.

The class must be a frozen attrs class with a `name` field (and is decoded from traces by its module, which
`modules()` lists for `kmodel.trace`).
"""

from __future__ import annotations

from typing import Any, Callable

import attrs

__all__ = ["Kind", "register_kind", "unregister_kind", "kinds", "kind_of", "kind_named", "modules"]


@attrs.frozen
class Kind:
    """One registered kind.

    `read(fields, data, metadata) -> object`: the object a manifest document describes (`fields` is the
    document's `kmodel.manifests.Fields`: `fields.string(value, path, required=...)`, `integer`, `boolean`,
    `mapping`, `sequence`, `string_map`, each raising the FILE:LINE error of that path). `export(obj) -> dict`:
    the manifest of an object (`apiVersion`, `kind`, `metadata`, ...). `validate(obj)`: raise
    `kmodel.errors.InvalidObject` for what the API would reject (default: nothing)."""

    name: str
    api_version: str
    cls: type
    read: Callable[[Any, dict, dict], Any] | None = None
    export: Callable[[Any], dict] | None = None
    validate: Callable[[Any], None] | None = None


_KINDS: dict[str, Kind] = {}
_BY_CLASS: dict[type, Kind] = {}


def register_kind(kind: Kind) -> Kind:
    """Register (or replace) a kind. Its name may not be a built-in kind's."""
    if kind.name in _BUILT_IN:
        raise ValueError(f"{kind.name} is a built-in kind")
    if not attrs.has(kind.cls) or "name" not in attrs.fields_dict(kind.cls):
        raise ValueError(f"{kind.cls.__name__}: a kind's class must be an attrs class with a `name` field")
    old = _KINDS.pop(kind.name, None)
    if old is not None:
        _BY_CLASS.pop(old.cls, None)
    _KINDS[kind.name] = kind
    _BY_CLASS[kind.cls] = kind
    return kind


def unregister_kind(name: str) -> None:
    kind = _KINDS.pop(name, None)
    if kind is not None:
        _BY_CLASS.pop(kind.cls, None)


def kinds() -> tuple[Kind, ...]:
    """The registered kinds, by name."""
    return tuple(_KINDS[n] for n in sorted(_KINDS))


def kind_of(obj: object) -> Kind | None:
    """The registered kind of an object, or None (a built-in object, or no registered kind)."""
    return _BY_CLASS.get(type(obj))


def kind_named(api_version: str, name: str) -> Kind | None:
    """The registered kind a manifest's `apiVersion` and `kind` name, or None."""
    kind = _KINDS.get(name)
    return kind if kind is not None and kind.api_version == api_version else None


def modules() -> set[str]:
    """The modules of the registered kinds' classes (a trace may name their types)."""
    return {k.cls.__module__ for k in _KINDS.values()}


_BUILT_IN = frozenset(("Node", "Pod", "Service", "ReplicationController", "ReplicaSet", "Endpoints", "Deployment"))
