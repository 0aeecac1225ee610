"""Manifests validated against the Kubernetes OpenAPI schema of a chosen version, as the API server does (issue 22).

kubectl validates strictly by default (`--validate=strict`): an unknown field (`replcas: 3`, a probe's
`initialDelaySecond`) is refused, not dropped. kmodel does the same with the JSON schemas of the
`kubernetes-validate` package, which ships the upstream OpenAPI documents of every release in a strict variant
(`additionalProperties: false` everywhere): every document of a kind the schemas know is checked before kmodel
reads it, and the first error, the one at the earliest line, is reported as `FILE:LINE: Kind/name: field.path:
what is wrong`. Kinds the schemas do not know (a custom resource, a kind registered with `kmodel.kinds`, an
apiVersion the release no longer serves) are not checked here; the reader lists the ones it does not model.

For the fields kmodel itself reads, its reader runs first, so its messages (the YAML 1.1 traps: `on`, `yes` and
unquoted numbers as label values) are the ones given; the schema then finds what the reader does not read.

Modes: `strict` (the default: an error stops the load, exit 2), `warn` (errors become warnings on stderr and the
load goes on), `off`. The version defaults to the newest the package ships. Validators are built once per
(version, apiVersion, kind) and kept, so a document costs one schema walk.
"""

from __future__ import annotations

import contextlib
import json
import re
from typing import Any, Callable, Iterator

STRICT, WARN, OFF = "strict", "warn", "off"
MODES = (STRICT, WARN, OFF)

_SETTINGS: dict[str, str | None] = {"mode": STRICT, "version": None}


class UnknownVersion(ValueError):
    """A Kubernetes version the schemas do not cover."""


def versions() -> list[str]:
    """The Kubernetes releases whose schemas are installed (e.g. "1.37.0")."""
    from kubernetes_validate import utils

    return utils.all_versions()


def default_version() -> str:
    from kubernetes_validate import utils

    return utils.major_minor(utils.latest_version())


def resolve_version(version: str | None) -> str:
    """The installed schema release for `version` ("1.30", "v1.30.2"): the newest not newer than it."""
    from kubernetes_validate import utils

    if version is None:
        return utils.latest_version()
    wanted = version[1:] if version.startswith("v") else version
    if not re.fullmatch(r"\d+\.\d+(\.\d+)?", wanted):
        raise UnknownVersion(f"{version!r} is not a Kubernetes version (like 1.31)")
    mm = utils.major_minor(wanted)
    from packaging.version import Version

    found = [v for v in utils.all_versions() if Version(utils.major_minor(v)) <= Version(mm)]
    if not found or Version(mm) > Version(utils.major_minor(utils.latest_version())):
        raise UnknownVersion(f"no schemas for Kubernetes {version} (installed: {versions()[0]} to {versions()[-1]})")
    return found[-1]


@contextlib.contextmanager
def validation(mode: str = STRICT, version: str | None = None) -> Iterator[None]:
    """Load manifests under this mode and Kubernetes version while the block runs (`kmodel check --validate`,
    `--kubernetes-version`)."""
    if mode not in MODES:
        raise ValueError(f"validation mode {mode!r}; one of {', '.join(MODES)}")
    resolved = resolve_version(version) if mode != OFF else None
    saved = dict(_SETTINGS)
    _SETTINGS.update(mode=mode, version=resolved)
    try:
        yield
    finally:
        _SETTINGS.update(saved)


def mode() -> str:
    return _SETTINGS["mode"] or STRICT


_VALIDATORS: dict[tuple[str, str, str], Any] = {}
_NO_SCHEMA = object()


def _validator(version: str, api_version: str, kind: str):
    key = (version, api_version, kind)
    found = _VALIDATORS.get(key)
    if found is not None:
        return None if found is _NO_SCHEMA else found
    import jsonschema
    from kubernetes_validate import utils
    from referencing import Registry, Resource

    group = re.sub(r"^([^./]*)(?:\.[^/]*)?/", r"\1-", api_version)
    folder = f"kubernetes-json-schema/v{version}-local-strict"
    try:
        schema = utils.schema_contents(f"{folder}/{kind.lower()}-{group}.json", version)
    except (FileNotFoundError, OSError):
        _VALIDATORS[key] = _NO_SCHEMA
        return None
    definitions = utils.schema_contents(f"{folder}/_definitions.json", version)
    registry = Resource.from_contents(definitions) @ (Resource.from_contents(schema) @ Registry())
    validator = _VALIDATORS[key] = jsonschema.validators.Draft202012Validator(schema, registry=registry)
    return validator


def problems(data: dict) -> list[tuple[tuple, str]]:
    """Every schema error of one document as (field path, what is wrong), under the current settings; [] when
    the mode is off or the schemas do not know the document's kind."""
    if mode() == OFF:
        return []
    api_version, kind = data.get("apiVersion"), data.get("kind")
    if not isinstance(api_version, str) or not isinstance(kind, str):
        return []
    validator = _validator(_SETTINGS["version"] or resolve_version(None), api_version, kind)
    if validator is None or _larger_than(data, _WALK_BUDGET):
        return []
    return [found for error in validator.iter_errors(data) for found in _described(error)]


# A document whose YAML aliases expand beyond this many values is not walked (a "billion laughs" document would
# make the schema walk every expanded path); the reader's own bounds apply to it.
_WALK_BUDGET = 200_000


def _larger_than(data: Any, budget: int) -> bool:
    """Whether walking `data` as the validator does (shared sub-trees once per reference) meets more than
    `budget` values."""
    todo, seen = [data], 0
    while todo:
        value = todo.pop()
        seen += 1
        if seen > budget:
            return True
        if isinstance(value, dict):
            todo.extend(value.values())
        elif isinstance(value, list):
            todo.extend(value)
    return False


def _described(error) -> Iterator[tuple[tuple, str]]:
    """An error as kubectl words it, at the path of the field it is about."""
    path = tuple(error.absolute_path)
    if error.validator == "additionalProperties" and isinstance(error.instance, dict):
        known = set(error.schema.get("properties", {}))
        patterns = error.schema.get("patternProperties", {})
        for name in error.instance:
            if name not in known and not any(re.search(p, name) for p in patterns):
                yield path + (name,), f'unknown field "{name}"'
        return
    if error.validator == "required" and isinstance(error.validator_value, list):
        missing = [n for n in error.validator_value if isinstance(error.instance, dict) and n not in error.instance]
        for name in missing or error.validator_value[:1]:
            yield path + (name,), "Required value"
        return
    if error.validator == "type":
        wanted = error.validator_value if isinstance(error.validator_value, list) else [error.validator_value]
        wanted = [w for w in wanted if w != "null"]
        yield path, f"must be {' or '.join(_TYPE_WORDS.get(w, w) for w in wanted)}, got {_what(error.instance)}"
        return
    if error.validator == "enum":
        yield path, f"Unsupported value: {error.instance!r}: supported values: " + \
            ", ".join(repr(v) for v in error.validator_value if v is not None)
        return
    yield path, error.message


_TYPE_WORDS = {"integer": "an integer", "string": "a string", "object": "a mapping", "array": "a list",
               "boolean": "a boolean", "number": "a number"}


def _what(value: Any) -> str:
    if isinstance(value, bool):
        return f"the boolean {str(value).lower()}"
    if isinstance(value, (int, float)):
        return f"the number {value!r}"
    if isinstance(value, str):
        return f"the string {json.dumps(value)}"
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    return "null" if value is None else type(value).__name__


def first_problem(data: dict, line_of: Callable[[tuple], int]) -> tuple[tuple, str] | None:
    """The schema error at the earliest line of the document (then the first in path order), or None."""
    found = problems(data)
    if not found:
        return None
    return min(found, key=lambda p: (line_of(p[0]), [str(k) for k in p[0]]))
