"""Kubernetes YAML in: strict loading with FILE:LINE errors, converted into the model's objects.

What is read, and how:

- **YAML**: PyYAML's safe loader, made strict: a mapping that repeats a key is an error (kubectl rejects it too;
  PyYAML alone would keep the last value silently). Every document is composed first, so each field of each
  object keeps the line it was written on; errors and findings say `FILE:LINE` for nested fields.
- **Files**: multi-document files; directories recursively (`*.yaml`, `*.yml`, `*.json`, in sorted order, hidden
  files and directories skipped, so `.kmodel/traces/` is never read as manifests). Empty documents are skipped,
  as kubectl does.
- **Kinds**: v1 Pod, Service, ReplicationController, Node; apps/v1 ReplicaSet; apps/v1 Deployment, which becomes
  the ReplicaSet its first rollout creates (named `<deployment>-<pod-template-hash>`, with the
  `pod-template-hash` label added to its selector, labels and template, as the Deployment controller does; the
  hash is FNV-32a of the template as written, safe-encoded as Kubernetes does, but not byte-identical to
  Kubernetes' hash of the Go object). Rollouts themselves are not modelled. `kind: List` items are read one by
  one. Every other kind, and a known kind under an apiVersion the model does not read (extensions/v1beta1
  Deployment), is listed as *not modelled* with its file and line, never dropped silently.
- **Defaults** are the API server's: replicas 1, restartPolicy Always, terminationGracePeriodSeconds 30, probe
  timings (SEMANTICS 45), httpGet path "/", port protocol TCP, Service targetPort = port (SEMANTICS 43),
  ReplicationController selector and labels from the template (SEMANTICS 24, 8.1), container requests from
  limits where only the limit is set (SetDefaults_Pod).
- **Validation** is the API server's where the model reads the field: names, labels (SEMANTICS 1 to 7),
  selectors (SEMANTICS 21, 22, 24, 25), ports, probes, quantities, types. Fields the model does not read (images
  aside, which are required) are not checked. Every problem is a `ManifestError` printed
  `FILE:LINE: Kind/name: field.path: what is wrong`.

Abstractions, chosen because the model has no place for them: one namespace (objects keep their namespace for
the findings; two objects of one kind and name in different namespaces are an error), grpc probes are probed like
tcpSocket probes on their port, init containers, volumes' contents, hostPorts, affinity, taints and tolerations
are not read, pods' `ownerReferences` and `status` are ignored (a pod is created bare; a controller whose
selector matches adopts it, SEMANTICS 36).

Length: about 1,100 lines of io, not of the model: one reader per kind, the quantity parser and the located
field readers (`Fields`) they share.
"""

from __future__ import annotations

import json
import math
import os
import re
from fractions import Fraction
from pathlib import Path
from typing import Any, Iterable, Iterator, Mapping

import attrs
import immutables
import yaml

from kmodel import kinds, schema
from kmodel.errors import InvalidLabelSelector, InvalidObject, KModelError, ManifestError
from kmodel.labels import Selector, label_key_errors, label_value_errors, selector_from_label_selector
from kmodel.objects import (
    EXEC,
    HTTP,
    TCP,
    Container,
    ContainerPort,
    Hook,
    Node,
    Pod,
    PodTemplate,
    Probe,
    ReplicaSet,
    ReplicationController,
    Resources,
    Service,
    ServicePort,
)

__all__ = [
    "MODELLED", "POD_TEMPLATE_HASH", "DELETION_COST", "MANIFEST_SUFFIXES",
    "Source", "LoadedObject", "NotModelled", "LoadedManifests",
    "load", "load_manifests", "load_text", "manifest_files", "parse_quantity", "cpu_millis", "memory_bytes",
    "pod_template_hash", "format_path", "parse_path",
]

MANIFEST_SUFFIXES = (".yaml", ".yml", ".json")

#: The (apiVersion, kind) pairs the model reads.
MODELLED = (("v1", "Pod"), ("v1", "Service"), ("v1", "ReplicationController"), ("v1", "Node"),
            ("apps/v1", "ReplicaSet"), ("apps/v1", "Deployment"))
_MODELLED_KINDS = {k for _, k in MODELLED}

POD_TEMPLATE_HASH = "pod-template-hash"
DELETION_COST = "controller.kubernetes.io/pod-deletion-cost"

# Paths recorded per document: a bound against YAML alias bombs (a few aliases can name millions of paths).
_MAX_PATHS = 200_000


# ------------------------------------------------------------------------------------------------------------------
# Field paths


_IDENT = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


def format_path(path: Iterable[Any]) -> str:
    """`("spec", "containers", 0, "ports")` as `spec.containers[0].ports`; keys that are not identifiers (label
    keys such as `app.kubernetes.io/name`) in brackets."""
    out = ""
    for seg in path:
        if isinstance(seg, int) and not isinstance(seg, bool):
            out += f"[{seg}]"
        elif isinstance(seg, str) and _IDENT.fullmatch(seg):
            out += f".{seg}" if out else seg
        else:
            out += f"[{seg}]"
    return out


_PATH_TOKEN = re.compile(r"""\.?([A-Za-z_][A-Za-z0-9_]*)|\[(\d+)\]|\['((?:[^'\\]|\\.)*)'\]|\["((?:[^"\\]|\\.)*)"\]|\[([^\]]*)\]""")


def parse_path(text: str) -> tuple:
    """The inverse of `format_path`, also reading the `['key']` form of `kmodel.objects` messages. Stops at the
    first piece it cannot read (the rest is not a path)."""
    out: list[Any] = []
    pos = 0
    while pos < len(text):
        m = _PATH_TOKEN.match(text, pos)
        if m is None or m.end() == pos:
            break
        ident, index, sq, dq, raw = m.groups()
        if ident is not None:
            out.append(ident)
        elif index is not None:
            out.append(int(index))
        else:
            out.append(next(g for g in (sq, dq, raw) if g is not None))
        pos = m.end()
    return tuple(out)


# ------------------------------------------------------------------------------------------------------------------
# Sources


@attrs.frozen
class Source:
    """Where an object was written: file, line of the document, the kind and name as written (a Deployment's
    ReplicaSet is sourced to the Deployment), its namespace, and the line of every field path in it
    (`format_path` strings relative to the object, e.g. `spec.template.spec.containers[0].ports[0].name`)."""

    file: str
    line: int
    kind: str
    name: str
    namespace: str = "default"
    fields: immutables.Map = attrs.field(factory=immutables.Map, repr=False)

    @property
    def ref(self) -> str:
        return f"{self.kind}/{self.name}"

    def line_of(self, field: str | Iterable[Any]) -> int:
        """The line of `field` (a path string or tuple), or of its nearest written ancestor; the object's line
        when none of it was written."""
        path = parse_path(field) if isinstance(field, str) else tuple(field)
        return _resolve_line(path, lambda p: self.fields.get(format_path(p)), self.line)

    def location(self, field: str | Iterable[Any] = ()) -> tuple[str, int, str]:
        """`(file, line, "Kind/name")`, the form findings use."""
        return (self.file, self.line_of(field), self.ref)


_HANDLER_KEYS = ("httpGet", "tcpSocket", "grpc", "exec", "sleep")


def _resolve_line(path: tuple, lookup, default: int) -> int:
    """The line of the longest written prefix of `path`. A probe's `port` (the model's flat form) is looked up
    under whichever handler (httpGet, tcpSocket, grpc) holds it."""
    best = default
    prefix: tuple = ()
    for seg in path:
        line = lookup(prefix + (seg,))
        if line is None and seg == "port":
            for handler in _HANDLER_KEYS:
                line = lookup(prefix + (handler, seg))
                if line is not None:
                    prefix = prefix + (handler,)
                    break
        if line is None:
            return best
        prefix = prefix + (seg,)
        best = line
    return best


@attrs.frozen
class LoadedObject:
    """A model object and where it came from. `selector` is the controller's selector as the user wrote it (for
    a Deployment without the pod-template-hash term), None for objects that are not controllers."""

    obj: Any
    source: Source
    selector: Selector | None = None

    @property
    def key(self) -> str:
        """The model's name for it: `Pod/web-1`, `Service/web`, `ReplicaSet/web-5d8b7c9f4`, `Node/node-1`."""
        return model_key(self.obj)


def model_key(obj: Any) -> str:
    if isinstance(obj, (ReplicationController, ReplicaSet)):
        return obj.key
    registered = kinds.kind_of(obj)
    return f"{registered.name if registered is not None else type(obj).__name__}/{obj.name}"


@attrs.frozen
class NotModelled:
    """A document the model does not read, listed in the report so that nothing is dropped silently."""

    kind: str
    api_version: str
    name: str
    file: str
    line: int
    reason: str
    namespace: str = "default"
    pod_labels: immutables.Map | None = None  # a workload's pod template labels (StatefulSet, DaemonSet, ...)

    def __str__(self) -> str:
        return self.render()

    def render(self) -> str:
        """`FILE:LINE: note: Kind/name (apiVersion) is not modelled: reason`, the report's line for it."""
        what = f"{self.kind}/{self.name}" if self.name else self.kind
        return f"{self.file}:{self.line}: note: {what} ({self.api_version}) is not modelled: {self.reason}"

    def to_json(self) -> dict:
        return {"kind": self.kind, "apiVersion": self.api_version, "name": self.name, "namespace": self.namespace,
                "file": self.file, "line": self.line, "reason": self.reason}


@attrs.frozen
class LoadedManifests:
    """What `load` read: the model objects with their sources, the documents that are not modelled, the files
    read, and the schema errors kept as warnings (`--validate warn`, `kmodel.schema`)."""

    objects: tuple[LoadedObject, ...] = ()
    not_modelled: tuple[NotModelled, ...] = ()
    files: tuple[str, ...] = ()
    warnings: tuple[str, ...] = ()

    def of_type(self, *types: type) -> list[LoadedObject]:
        return [o for o in self.objects if isinstance(o.obj, types)]

    @property
    def nodes(self) -> list[LoadedObject]:
        return self.of_type(Node)

    @property
    def pods(self) -> list[LoadedObject]:
        return self.of_type(Pod)

    @property
    def services(self) -> list[LoadedObject]:
        return self.of_type(Service)

    @property
    def controllers(self) -> list[LoadedObject]:
        return self.of_type(ReplicationController, ReplicaSet)

    def source(self, key: str) -> Source | None:
        """The source of a model object by its key (`Pod/web`, `ReplicaSet/web-5d8b7c9f4`), if it was loaded."""
        for o in self.objects:
            if o.key == key:
                return o.source
        return None

    def cluster_nodes(self, nodes: int = 3) -> list[Node]:
        """The nodes from the manifests, or `nodes` equal nodes `node-1`..`node-N` with the default allocatable
        (4 CPU, 16 GiB, 110 pods) and the well-known labels a kubelet sets (hostname, os, arch)."""
        written = [o.obj for o in self.nodes]
        if written:
            return written
        if not isinstance(nodes, int) or isinstance(nodes, bool) or nodes < 0:
            raise KModelError(f"--nodes: must be a non-negative integer, got {nodes!r}")
        return [generated_node(i) for i in range(1, nodes + 1)]

    def to_cluster(self, nodes: int = 3, config=None):
        """A Cluster holding the nodes (see `cluster_nodes`) and then every other object in the order written.
        Raises ManifestError (with the object's line) for anything the API server would refuse."""
        from kmodel.cluster import Cluster

        cluster = Cluster.empty(config)
        for node in self.cluster_nodes(nodes):
            cluster = _create(cluster, node, self)
        for o in self.objects:
            if not isinstance(o.obj, Node):
                cluster = _create(cluster, o.obj, self)
        return cluster


def generated_node(i: int) -> Node:
    name = f"node-{i}"
    return Node(name=name, labels={"kubernetes.io/hostname": name, "kubernetes.io/os": "linux",
                                   "kubernetes.io/arch": "amd64"})


def _create(cluster, obj, loaded: LoadedManifests):
    try:
        return cluster.create(obj)
    except InvalidObject as e:
        src = loaded.source(model_key(obj))
        if src is None:
            raise
        raise ManifestError(src.file, src.line_of(e.field), src.ref, e.field, e.problem) from None


# ------------------------------------------------------------------------------------------------------------------
# Quantities (k8s.io/apimachinery/pkg/api/resource)

_DECIMAL_SUFFIXES = {"n": -9, "u": -6, "m": -3, "": 0, "k": 3, "M": 6, "G": 9, "T": 12, "P": 15, "E": 18}
_BINARY_SUFFIXES = {"Ki": 10, "Mi": 20, "Gi": 30, "Ti": 40, "Pi": 50, "Ei": 60}
_SUFFIX_CHARS = set("eEinumkKMGTP")
_MAX_EXPONENT = 1000  # far beyond anything meaningful; keeps `1e999999999` from building a huge number


class QuantityError(ValueError):
    pass


def parse_quantity(text: str) -> Fraction:
    """resource.ParseQuantity: `[+-]digits[.digits]` (either part may be empty, not both: the documented
    `[0-9.]+` with at least one digit) followed by a decimal SI suffix (n u m k M G T P E), a binary SI suffix (Ki Mi Gi Ti Pi Ei) or a decimal
    exponent (`e3`, `E-2`). Returns the exact value. Raises QuantityError with Kubernetes' reason."""
    if not isinstance(text, str) or text == "":
        raise QuantityError("quantities must match the regular expression "
                            "'^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'")
    s, pos, end = text, 0, len(text)
    positive = True
    if s[0] in "+-":
        positive = s[0] == "+"
        pos = 1
    start = pos
    while pos < end and s[pos].isascii() and s[pos].isdigit():
        pos += 1
    num = s[start:pos]
    denom = ""
    if pos < end and s[pos] == ".":
        pos += 1
        dstart = pos
        while pos < end and s[pos].isascii() and s[pos].isdigit():
            pos += 1
        denom = s[dstart:pos]
    if not num and not denom:
        raise QuantityError("unable to parse quantity's numeric part")
    suffix_start = pos
    while pos < end and s[pos] in _SUFFIX_CHARS:
        pos += 1
    if pos < end and s[pos] in "+-":
        pos += 1
    while pos < end and s[pos].isascii() and s[pos].isdigit():
        pos += 1
    if pos != end:
        raise QuantityError("quantities must match the regular expression "
                            "'^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'")
    suffix = s[suffix_start:]
    mantissa = Fraction(int(num or "0")) + (Fraction(int(denom), 10 ** len(denom)) if denom else 0)
    if suffix in _DECIMAL_SUFFIXES:
        value = mantissa * Fraction(10) ** _DECIMAL_SUFFIXES[suffix]
    elif suffix in _BINARY_SUFFIXES:
        value = mantissa * 2 ** _BINARY_SUFFIXES[suffix]
    elif len(suffix) > 1 and suffix[0] in "eE" and re.fullmatch(r"[+-]?[0-9]+", suffix[1:]):
        exponent = int(suffix[1:])
        if abs(exponent) > _MAX_EXPONENT:
            raise QuantityError("quantity is too great")
        value = mantissa * Fraction(10) ** exponent
    else:
        raise QuantityError("unable to parse quantity's suffix")
    return value if positive else -value


def cpu_millis(text: str) -> int:
    """A cpu quantity in millicores, rounded up as Quantity.MilliValue does."""
    return math.ceil(parse_quantity(text) * 1000)


def memory_bytes(text: str) -> int:
    """A memory quantity in bytes, rounded up as Quantity.Value does."""
    return math.ceil(parse_quantity(text))


# ------------------------------------------------------------------------------------------------------------------
# Strict YAML


class _StrictLoader(yaml.SafeLoader):
    """SafeLoader that refuses a mapping with a repeated key (kubectl's strict decoding does too)."""

    def construct_mapping(self, node, deep=False):
        if isinstance(node, yaml.MappingNode):
            seen: dict = {}
            for key_node, _ in node.value:
                if key_node.tag == "tag:yaml.org,2002:merge":
                    continue
                key = self.construct_object(key_node, deep=True)
                try:
                    first = seen.get(key)
                except TypeError:
                    continue  # unhashable: the base class reports it
                if first is not None:
                    raise yaml.constructor.ConstructorError(
                        None, None, f"duplicate key {key!r} (first at line {first})", key_node.start_mark)
                seen[key] = key_node.start_mark.line + 1
        return super().construct_mapping(node, deep=deep)


def _node_map(root: yaml.Node) -> dict[tuple, yaml.Node]:
    """Every field path of a composed document and the node written there (the key's node for mapping values,
    so a path's line is the line of its key)."""
    out: dict[tuple, yaml.Node] = {}
    on_path: set[int] = set()

    def walk(node: yaml.Node, path: tuple) -> None:
        if len(out) >= _MAX_PATHS or id(node) in on_path:
            return
        on_path.add(id(node))
        if isinstance(node, yaml.MappingNode):
            for key_node, value_node in node.value:
                if not isinstance(key_node, yaml.ScalarNode):
                    continue
                key = key_node.value
                if key_node.tag == "tag:yaml.org,2002:int":
                    try:
                        key = int(key)
                    except ValueError:
                        pass
                sub = path + (key,)
                out.setdefault(sub, key_node)
                out.setdefault(sub + ("$value",), value_node)
                walk(value_node, sub)
        elif isinstance(node, yaml.SequenceNode):
            for i, item in enumerate(node.value):
                sub = path + (i,)
                out.setdefault(sub, item)
                out.setdefault(sub + ("$value",), item)
                walk(item, sub)
        on_path.discard(id(node))

    out[()] = root
    walk(root, ())
    return out


def _documents(text: str, file: str) -> Iterator[tuple[Any, dict[tuple, yaml.Node], int]]:
    """(data, nodes by path, first line) per non-empty document."""
    loader = _StrictLoader(text)
    try:
        while True:
            try:
                if not loader.check_node():
                    return
                node = loader.get_node()
                if node is None:
                    continue
                data = loader.construct_document(node)
            except yaml.MarkedYAMLError as e:
                mark = e.problem_mark or e.context_mark
                line = mark.line + 1 if mark is not None else None
                problem = e.problem or str(e)
                if e.context and "duplicate key" not in problem:
                    problem = f"{e.context}: {problem}"
                raise ManifestError(file, line, "", "", f"invalid YAML: {problem}") from None
            except yaml.YAMLError as e:
                raise ManifestError(file, None, "", "", f"invalid YAML: {e}") from None
            except RecursionError:
                raise ManifestError(file, None, "", "", "invalid YAML: nested too deeply") from None
            if data is None:
                continue
            yield data, _node_map(node), node.start_mark.line + 1
    finally:
        loader.dispose()


# ------------------------------------------------------------------------------------------------------------------
# The document being converted


_YAML11_BOOLS = {"y", "Y", "yes", "Yes", "YES", "n", "N", "no", "No", "NO", "true", "True", "TRUE", "false",
                 "False", "FALSE", "on", "On", "ON", "off", "Off", "OFF"}


class _Doc:
    """One object being converted: reads typed fields and raises ManifestError with the line of each field."""

    def __init__(self, file: str, nodes: dict[tuple, yaml.Node], base: tuple, line: int, kind: str,
                 name: str) -> None:
        self.file, self.nodes, self.base, self.line = file, nodes, base, line
        self.kind, self.name = kind, name

    @property
    def ref(self) -> str:
        return f"{self.kind}/{self.name}" if self.name else self.kind

    def line_of(self, path: tuple) -> int:
        def lookup(p: tuple) -> int | None:
            node = self.nodes.get(self.base + p)
            return node.start_mark.line + 1 if node is not None else None
        return _resolve_line(tuple(path), lookup, self.line)

    def raw(self, path: tuple) -> str | None:
        """The text of a scalar as written (before YAML 1.1 typed it)."""
        node = self.nodes.get(self.base + tuple(path) + ("$value",))
        return node.value if isinstance(node, yaml.ScalarNode) else None

    def error(self, path: tuple | str, problem: str) -> ManifestError:
        path = parse_path(path) if isinstance(path, str) else tuple(path)
        return ManifestError(self.file, self.line_of(path), self.ref, format_path(path), problem)

    def source(self, namespace: str) -> Source:
        fields = {}
        n = len(self.base)
        for p, node in self.nodes.items():
            if len(p) > n and p[:n] == self.base and p[-1] != "$value":
                fields[format_path(p[n:])] = node.start_mark.line + 1
        return Source(self.file, self.line, self.kind, self.name, namespace, immutables.Map(fields))

    # ---- typed reads ---------------------------------------------------------------------------------------
    def what(self, path: tuple, value: Any) -> str:
        """How YAML read a value, for type errors: `the boolean true (YAML 1.1 reads unquoted `on` as a boolean;
        quote it: "on")`."""
        raw = self.raw(path)
        if isinstance(value, bool):
            if raw is not None and raw not in ("true", "false"):
                return (f"the boolean {str(value).lower()} (YAML 1.1 reads the unquoted `{raw}` as a boolean; "
                        f"quote it: \"{raw}\")")
            return f"the boolean {str(value).lower()}"
        if isinstance(value, (int, float)):
            shown = raw if raw is not None else repr(value)
            return f"the number {shown} (quote it if you mean the string: \"{shown}\")"
        if value is None:
            return "null"
        if isinstance(value, Mapping):
            return "a mapping"
        if isinstance(value, list):
            return "a list"
        if isinstance(value, str):
            return f"the string {json.dumps(value)}"
        return f"{type(value).__name__} {value!r}"

    def mapping(self, data: Any, path: tuple, required: bool = False) -> dict:
        if data is None:
            if required:
                raise self.error(path, "Required value")
            return {}
        if not isinstance(data, Mapping):
            raise self.error(path, f"must be a mapping, got {self.what(path, data)}")
        return dict(data)

    def sequence(self, data: Any, path: tuple) -> list:
        if data is None:
            return []
        if not isinstance(data, list):
            raise self.error(path, f"must be a list, got {self.what(path, data)}")
        return data

    def string(self, data: Any, path: tuple, required: bool = False, default: str | None = None) -> str | None:
        if data is None:
            if required:
                raise self.error(path, "Required value")
            return default
        if not isinstance(data, str):
            raise self.error(path, f"must be a string, got {self.what(path, data)}")
        if required and data == "":
            raise self.error(path, "Required value")
        return data

    def integer(self, data: Any, path: tuple, default: int | None = None, minimum: int | None = None,
                required: bool = False) -> int | None:
        if data is None:
            if required:
                raise self.error(path, "Required value")
            return default
        if isinstance(data, bool) or not isinstance(data, int):
            raise self.error(path, f"must be an integer, got {self.what(path, data)}")
        if minimum is not None and data < minimum:
            raise self.error(path, f"must be greater than or equal to {minimum}, got {data}")
        if not -(1 << 31) <= data < (1 << 31):
            raise self.error(path, f"must fit in a 32-bit integer, got {data}")
        return data

    def boolean(self, data: Any, path: tuple, default: bool = False) -> bool:
        if data is None:
            return default
        if not isinstance(data, bool):
            raise self.error(path, f"must be a boolean, got {self.what(path, data)}")
        return data

    def int_or_string(self, data: Any, path: tuple, default: int | str | None = None) -> int | str | None:
        if data is None:
            return default
        if isinstance(data, bool) or not isinstance(data, (int, str)):
            raise self.error(path, f"must be an integer or a port name, got {self.what(path, data)}")
        return data

    def string_map(self, data: Any, path: tuple, what: str) -> dict[str, str]:
        """A map of strings (labels, annotations, selectors, nodeSelector): non-string keys and values are the
        classic YAML 1.1 trap (`on`, `yes`, `1.0` unquoted) and are reported as such. A null value is "", as
        Go's JSON decoding makes it."""
        m = self.mapping(data, path)
        out: dict[str, str] = {}
        for k, v in m.items():
            if not isinstance(k, str):
                raise self.error(path, f"{what} keys must be strings, got {self.what(path, k)}")
            if v is None:
                v = ""
            if not isinstance(v, str):
                raise self.error(path + (k,), f"{what} values must be strings, got {self.what(path + (k,), v)}")
            out[k] = v
        return out

    def labels(self, data: Any, path: tuple, what: str = "label") -> dict[str, str]:
        labels = self.string_map(data, path, what)
        for k, v in labels.items():
            errs = label_key_errors(k)
            if errs:
                raise self.error(path + (k,), f"invalid label key {k!r}: {'; '.join(errs)}")
            errs = label_value_errors(v)
            if errs:
                raise self.error(path + (k,), f"invalid label value {v!r}: {'; '.join(errs)}")
        return labels

    def quantity(self, data: Any, path: tuple) -> Fraction | None:
        if data is None:
            return None
        if isinstance(data, bool) or not isinstance(data, (str, int, float)):
            raise self.error(path, f"must be a quantity such as 500m or 1Gi, got {self.what(path, data)}")
        text = data if isinstance(data, str) else (self.raw(path) or repr(data))
        try:
            value = parse_quantity(text)
        except QuantityError as e:
            raise self.error(path, f"invalid quantity {text!r}: {e}") from None
        if value < 0:
            raise self.error(path, f"must be greater than or equal to 0, got {text!r}")
        return value


# ------------------------------------------------------------------------------------------------------------------
# Conversion


def _required_str(doc: _Doc, data: Mapping, key: str, path: tuple = ()) -> str:
    return doc.string(data.get(key), path + (key,), required=True)  # type: ignore[return-value]


_DNS1035_LABEL = re.compile(r"[a-z]([-a-z0-9]*[a-z0-9])?")


def _probe(doc: _Doc, data: Any, path: tuple) -> Probe | None:
    if data is None:
        return None
    m = doc.mapping(data, path)
    handlers = [h for h in ("exec", "httpGet", "tcpSocket", "grpc") if m.get(h) is not None]
    if not handlers:
        raise doc.error(path, "must specify a handler type (exec, httpGet, tcpSocket or grpc)")
    if len(handlers) > 1:
        raise doc.error(path + (handlers[1],), "may not specify more than 1 handler type")
    kind = handlers[0]
    h = doc.mapping(m[kind], path + (kind,))
    port: int | str | None = None
    probe_path = "/"
    if kind == "exec":
        handler = EXEC
        doc.sequence(h.get("command"), path + (kind, "command"))
    elif kind == "httpGet":
        handler = HTTP
        port = doc.int_or_string(h.get("port"), path + (kind, "port"))
        if port is None:
            raise doc.error(path + (kind, "port"), "Required value")
        probe_path = doc.string(h.get("path"), path + (kind, "path"), default="/") or "/"
    elif kind == "tcpSocket":
        handler = TCP
        port = doc.int_or_string(h.get("port"), path + (kind, "port"))
        if port is None:
            raise doc.error(path + (kind, "port"), "Required value")
    else:  # grpc: probed on its port like a TCP probe (the model does not speak the health protocol)
        handler = TCP
        port = doc.integer(h.get("port"), path + (kind, "port"), required=True)
    ints = {}
    for field, default in (("initialDelaySeconds", 0), ("timeoutSeconds", 1), ("periodSeconds", 10),
                           ("successThreshold", 1), ("failureThreshold", 3)):
        value = doc.integer(m.get(field), path + (field,), default=default, minimum=0)
        if value == 0:
            value = default  # SetDefaults_Probe: a zero (unset) value gets the default
        ints[field] = value
    return Probe(handler=handler, port=port, path=probe_path, initial_delay_seconds=ints["initialDelaySeconds"],
                 timeout_seconds=ints["timeoutSeconds"], period_seconds=ints["periodSeconds"],
                 success_threshold=ints["successThreshold"], failure_threshold=ints["failureThreshold"])


def _hook(doc: _Doc, data: Any, path: tuple) -> Hook | None:
    if data is None:
        return None
    m = doc.mapping(data, path)
    handlers = [h for h in ("exec", "httpGet", "tcpSocket", "sleep") if m.get(h) is not None]
    if not handlers:
        raise doc.error(path, "must specify a handler type (exec, httpGet, tcpSocket or sleep)")
    if len(handlers) > 1:
        raise doc.error(path + (handlers[1],), "may not specify more than 1 handler type")
    kind = handlers[0]
    h = doc.mapping(m[kind], path + (kind,))
    if kind in ("httpGet", "tcpSocket") and h.get("port") is None:
        raise doc.error(path + (kind, "port"), "Required value")
    if kind in ("httpGet", "tcpSocket"):
        doc.int_or_string(h.get("port"), path + (kind, "port"))
    if kind == "sleep":
        doc.integer(h.get("seconds"), path + (kind, "seconds"), required=True, minimum=0)
    return Hook(handler={"exec": EXEC, "httpGet": HTTP, "tcpSocket": TCP, "sleep": "sleep"}[kind])


def _resources(doc: _Doc, data: Any, path: tuple) -> Resources:
    """Requests in millicores and bytes; a resource with only a limit requests its limit (SetDefaults_Pod);
    a request above its limit is refused (ValidateResourceRequirements)."""
    m = doc.mapping(data, path)
    limits = doc.mapping(m.get("limits"), path + ("limits",))
    requests = doc.mapping(m.get("requests"), path + ("requests",))
    out = {}
    for res in ("cpu", "memory"):
        lim = doc.quantity(limits.get(res), path + ("limits", res))
        req = doc.quantity(requests.get(res), path + ("requests", res))
        if req is None:
            req = lim
        elif lim is not None and req > lim:
            raise doc.error(path + ("requests", res), f"must be less than or equal to {res} limit")
        out[res] = 0 if req is None else (math.ceil(req * 1000) if res == "cpu" else math.ceil(req))
    return Resources(cpu=out["cpu"], memory=out["memory"])


def _container(doc: _Doc, data: Any, path: tuple) -> Container:
    m = doc.mapping(data, path)
    name = _required_str(doc, m, "name", path)
    doc.string(m.get("image"), path + ("image",), required=True)
    ports = []
    for i, p in enumerate(doc.sequence(m.get("ports"), path + ("ports",))):
        pp = path + ("ports", i)
        pm = doc.mapping(p, pp)
        number = doc.integer(pm.get("containerPort"), pp + ("containerPort",), required=True)
        ports.append(ContainerPort(container_port=number,  # type: ignore[arg-type]
                                   name=doc.string(pm.get("name"), pp + ("name",)) or None,
                                   protocol=doc.string(pm.get("protocol"), pp + ("protocol",), default="TCP")))
    lifecycle = doc.mapping(m.get("lifecycle"), path + ("lifecycle",))
    return Container(
        name=name, ports=tuple(ports), requests=_resources(doc, m.get("resources"), path + ("resources",)),
        liveness_probe=_probe(doc, m.get("livenessProbe"), path + ("livenessProbe",)),
        readiness_probe=_probe(doc, m.get("readinessProbe"), path + ("readinessProbe",)),
        startup_probe=_probe(doc, m.get("startupProbe"), path + ("startupProbe",)),
        post_start=_hook(doc, lifecycle.get("postStart"), path + ("lifecycle", "postStart")),
        pre_stop=_hook(doc, lifecycle.get("preStop"), path + ("lifecycle", "preStop")),
    )


@attrs.frozen
class _PodSpec:
    containers: tuple
    restart_policy: str
    grace: int
    node_selector: dict
    volumes: tuple
    node_name: str | None


def _pod_spec(doc: _Doc, data: Any, path: tuple, in_template: bool) -> _PodSpec:
    m = doc.mapping(data, path, required=True)
    containers = doc.sequence(m.get("containers"), path + ("containers",))
    if not containers:
        raise doc.error(path + ("containers",), "Required value: at least one container is required")
    parsed = tuple(_container(doc, c, path + ("containers", i)) for i, c in enumerate(containers))
    restart = doc.string(m.get("restartPolicy"), path + ("restartPolicy",), default="Always") or "Always"
    if in_template and restart != "Always":
        raise doc.error(path + ("restartPolicy",),
                        f"Unsupported value: {restart!r}: supported values: \"Always\" (a controller's pods "
                        "always restart)")
    grace = doc.integer(m.get("terminationGracePeriodSeconds"), path + ("terminationGracePeriodSeconds",),
                        default=30, minimum=0)
    node_selector = doc.labels(m.get("nodeSelector"), path + ("nodeSelector",), "nodeSelector")
    volumes = []
    for i, v in enumerate(doc.sequence(m.get("volumes"), path + ("volumes",))):
        vm = doc.mapping(v, path + ("volumes", i))
        volumes.append(_required_str(doc, vm, "name", path + ("volumes", i)))
    node_name = doc.string(m.get("nodeName"), path + ("nodeName",)) or None
    if in_template:
        node_name = None  # a template's nodeName pins every pod to one node; not modelled for controllers
    return _PodSpec(parsed, restart, grace, node_selector, tuple(volumes), node_name)  # type: ignore[arg-type]


def _template(doc: _Doc, data: Any, path: tuple) -> PodTemplate:
    m = doc.mapping(data, path, required=True)
    meta = doc.mapping(m.get("metadata"), path + ("metadata",))
    labels = doc.labels(meta.get("labels"), path + ("metadata", "labels"))
    spec = _pod_spec(doc, m.get("spec"), path + ("spec",), in_template=True)
    return PodTemplate(labels=labels, containers=spec.containers, restart_policy=spec.restart_policy,
                       termination_grace_period_seconds=spec.grace, node_selector=spec.node_selector,
                       volumes=spec.volumes)


def _validated(doc: _Doc, obj: Any) -> Any:
    """`obj.validate()`, with InvalidObject re-raised as ManifestError at the line of its field."""
    try:
        return obj.validate()
    except InvalidObject as e:
        raise doc.error(e.field, e.problem) from None


def _label_selector(doc: _Doc, data: Any, path: tuple) -> Selector:
    if data is None:
        raise doc.error(path, "Required value")
    m = doc.mapping(data, path)
    exprs = m.get("matchExpressions")
    if isinstance(exprs, list):
        for i, expr in enumerate(exprs):
            if isinstance(expr, Mapping):
                for field in ("key", "operator"):
                    doc.string(expr.get(field), path + ("matchExpressions", i, field))
    try:
        return selector_from_label_selector(m)
    except InvalidLabelSelector as e:
        errors = str(e).split("; ")
        head, sep, rest = errors[0].partition(": ")
        sub = parse_path(head) if sep else ()
        if sub and " " not in head:
            problem = rest if len(errors) == 1 else str(e)
        else:
            sub, problem = (), str(e)
        raise doc.error(path + sub, problem) from None


def _pod(doc: _Doc, m: Mapping, meta: Mapping) -> Pod:
    labels = doc.labels(meta.get("labels"), ("metadata", "labels"))
    annotations = doc.string_map(meta.get("annotations"), ("metadata", "annotations"), "annotation")
    cost = 0
    if DELETION_COST in annotations:
        text = annotations[DELETION_COST]
        if not re.fullmatch(r"[+-]?[0-9]+", text) or not -(1 << 31) <= int(text) < (1 << 31):
            raise doc.error(("metadata", "annotations", DELETION_COST),
                            f"invalid pod deletion cost {text!r}: must be a 32-bit integer")
        cost = int(text)
    spec = _pod_spec(doc, m.get("spec"), ("spec",), in_template=False)
    pod = Pod(name=doc.name, labels=labels, containers=spec.containers, restart_policy=spec.restart_policy,
              termination_grace_period_seconds=spec.grace, node_selector=spec.node_selector,
              volumes=spec.volumes, deletion_cost=cost, node_name=spec.node_name)
    return _validated(doc, pod)


def _service(doc: _Doc, m: Mapping, meta: Mapping) -> Service:
    if not _DNS1035_LABEL.fullmatch(doc.name) or len(doc.name) > 63:
        raise doc.error(("metadata", "name"), f"invalid Service name {doc.name!r}: a DNS-1035 label must consist "
                                              "of lower case alphanumeric characters or '-', start with a letter "
                                              "and end with an alphanumeric character (at most 63 characters)")
    labels = doc.labels(meta.get("labels"), ("metadata", "labels"))
    spec = doc.mapping(m.get("spec"), ("spec",), required=True)
    selector = doc.labels(spec.get("selector"), ("spec", "selector"), "selector")
    svc_type = doc.string(spec.get("type"), ("spec", "type"), default="ClusterIP")
    cluster_ip = doc.string(spec.get("clusterIP"), ("spec", "clusterIP"))
    ports = []
    raw_ports = doc.sequence(spec.get("ports"), ("spec", "ports"))
    for i, p in enumerate(raw_ports):
        pp = ("spec", "ports", i)
        pm = doc.mapping(p, pp)
        number = doc.integer(pm.get("port"), pp + ("port",), required=True)
        target = doc.int_or_string(pm.get("targetPort"), pp + ("targetPort",))
        ports.append(ServicePort(port=number,  # type: ignore[arg-type]
                                 target_port=number if target in (None, 0, "") else target,
                                 name=doc.string(pm.get("name"), pp + ("name",)) or None,
                                 protocol=doc.string(pm.get("protocol"), pp + ("protocol",), default="TCP")))
        if ports[-1].protocol not in ("TCP", "UDP", "SCTP"):
            raise doc.error(pp + ("protocol",), f"Unsupported value: {ports[-1].protocol!r}: supported values: "
                                                "\"SCTP\", \"TCP\", \"UDP\"")
    if not ports and svc_type != "ExternalName" and cluster_ip != "None":
        raise doc.error(("spec", "ports"), "Required value (only a headless or ExternalName Service may have "
                                           "no ports)")
    svc = Service(name=doc.name, selector=selector, ports=tuple(ports), labels=labels,
                  publish_not_ready_addresses=doc.boolean(spec.get("publishNotReadyAddresses"),
                                                          ("spec", "publishNotReadyAddresses")))
    return _validated(doc, svc)


def _replicas(doc: _Doc, spec: Mapping) -> int:
    replicas = doc.integer(spec.get("replicas"), ("spec", "replicas"), default=1)
    if replicas is not None and replicas < 0:  # type: ignore[operator]
        raise doc.error(("spec", "replicas"), f"must be greater than or equal to 0, got {replicas}")
    return replicas  # type: ignore[return-value]


def _replication_controller(doc: _Doc, m: Mapping, meta: Mapping) -> tuple[ReplicationController, Selector]:
    labels = doc.labels(meta.get("labels"), ("metadata", "labels"))
    spec = doc.mapping(m.get("spec"), ("spec",), required=True)
    replicas = _replicas(doc, spec)
    selector = doc.labels(spec.get("selector"), ("spec", "selector"), "selector")
    if spec.get("template") is None:
        raise doc.error(("spec", "template"), "Required value")
    template = _template(doc, spec.get("template"), ("spec", "template"))
    rc = ReplicationController.defaulted(doc.name, replicas, selector, template, labels=labels)
    rc = _validated(doc, rc)
    return rc, rc.label_selector


def _replica_set(doc: _Doc, m: Mapping, meta: Mapping, deployment: bool) -> tuple[ReplicaSet, Selector]:
    labels = doc.labels(meta.get("labels"), ("metadata", "labels"))
    spec = doc.mapping(m.get("spec"), ("spec",), required=True)
    replicas = _replicas(doc, spec)
    selector = _label_selector(doc, spec.get("selector"), ("spec", "selector"))
    if selector.empty:
        raise doc.error(("spec", "selector"), "Invalid value: empty selector is invalid for deployment")
    if spec.get("template") is None:
        raise doc.error(("spec", "template"), "Required value")
    template = _template(doc, spec.get("template"), ("spec", "template"))
    name = doc.name
    written = selector
    if deployment:
        if not selector.matches(template.labels):
            raise doc.error(("spec", "template", "metadata", "labels"),
                            f"Invalid value: `selector` does not match template `labels` (selector {selector})")
        h = pod_template_hash(m.get("spec", {}).get("template"))
        from kmodel.labels import EQUALS, Requirement

        template = attrs.evolve(template, labels=template.labels.set(POD_TEMPLATE_HASH, h))
        selector = selector.add(Requirement(POD_TEMPLATE_HASH, EQUALS, (h,)))
        labels = dict(template.labels)
        name = f"{doc.name}-{h}"
    rs = ReplicaSet(name=name, replicas=replicas, selector=selector, template=template, labels=labels)
    rs = _validated(doc, rs)
    return rs, written


def _node(doc: _Doc, m: Mapping, meta: Mapping) -> Node:
    labels = doc.labels(meta.get("labels"), ("metadata", "labels"))
    spec = doc.mapping(m.get("spec"), ("spec",))
    status = doc.mapping(m.get("status"), ("status",))
    key = "allocatable" if status.get("allocatable") is not None else "capacity"
    alloc = doc.mapping(status.get(key), ("status", key))
    default = Node(name=doc.name)
    cpu = doc.quantity(alloc.get("cpu"), ("status", key, "cpu"))
    memory = doc.quantity(alloc.get("memory"), ("status", key, "memory"))
    pods = doc.quantity(alloc.get("pods"), ("status", key, "pods"))
    ready = True
    for i, cond in enumerate(doc.sequence(status.get("conditions"), ("status", "conditions"))):
        c = doc.mapping(cond, ("status", "conditions", i))
        if c.get("type") == "Ready":
            ready = doc.string(c.get("status"), ("status", "conditions", i, "status")) == "True"
    node = Node(name=doc.name, labels=labels,
                allocatable=Resources(
                    cpu=default.allocatable.cpu if cpu is None else math.ceil(cpu * 1000),
                    memory=default.allocatable.memory if memory is None else math.ceil(memory)),
                max_pods=default.max_pods if pods is None else math.ceil(pods),
                ready=ready, unschedulable=doc.boolean(spec.get("unschedulable"), ("spec", "unschedulable")))
    return _validated(doc, node)


_SAFE_ALPHANUMS = "bcdfghjklmnpqrstvwxz2456789"


def pod_template_hash(template: Any) -> str:
    """The `pod-template-hash` of a Deployment's template: FNV-32a of the template (canonical JSON) encoded
    with rand.SafeEncodeString, as `controller.ComputeHash` encodes its hash."""
    data = json.dumps(template, sort_keys=True, separators=(",", ":"), default=str).encode()
    h = 0x811C9DC5
    for b in data:
        h = ((h ^ b) * 0x01000193) & 0xFFFFFFFF
    return "".join(_SAFE_ALPHANUMS[ord(c) % len(_SAFE_ALPHANUMS)] for c in str(h))


# ------------------------------------------------------------------------------------------------------------------
# Loading


def _object(file: str, data: Any, nodes: dict, base: tuple, line: int,
            objects: list[LoadedObject], not_modelled: list[NotModelled], depth: int = 0,
            warnings: list[str] | None = None) -> None:
    doc = _Doc(file, nodes, base, line, "", "")
    if not isinstance(data, Mapping):
        what = "a list" if isinstance(data, list) else f"the scalar {data!r}"
        raise doc.error((), f"a manifest must be a mapping with apiVersion, kind and metadata, got {what}")
    kind = doc.string(data.get("kind"), ("kind",), required=True)
    doc.kind = kind  # type: ignore[assignment]
    api_version = doc.string(data.get("apiVersion"), ("apiVersion",), required=True)
    if kind == "List" or (kind.endswith("List") and kind[:-4] in _MODELLED_KINDS):  # type: ignore[union-attr]
        if depth > 0:
            raise doc.error(("kind",), "a List may not contain another List")
        items = doc.sequence(data.get("items"), ("items",))
        per_item: dict[int, dict[tuple, yaml.Node]] = {}
        n = len(base)
        for p, node in nodes.items():
            if len(p) > n + 1 and p[:n] == base and p[n] == "items" and isinstance(p[n + 1], int):
                per_item.setdefault(p[n + 1], {})[p[n + 2:]] = node
        for i, item in enumerate(items):
            sub = per_item.get(i, {})
            root = sub.get(())
            _object(file, item, sub, (), root.start_mark.line + 1 if root is not None else line,
                    objects, not_modelled, depth + 1, warnings)
        return
    meta = doc.mapping(data.get("metadata"), ("metadata",))
    registered = kinds.kind_named(api_version, kind)  # type: ignore[arg-type]
    modelled = (api_version, kind) in MODELLED or (registered is not None and registered.read is not None)
    name = doc.string(meta.get("name"), ("metadata", "name"), required=modelled) or ""
    doc.name = name
    namespace = doc.string(meta.get("namespace"), ("metadata", "namespace"), default="default") or "default"
    if not modelled and registered is None:
        _schema_check(doc, data, warnings)
    if not modelled:
        if kind in _MODELLED_KINDS:
            reads = " or ".join(v for v, k in MODELLED if k == kind)
            reason = f"kmodel reads {kind} only as {reads}"
        else:
            reason = "kind not in the model (it reads Pod, Service, ReplicationController, Node, ReplicaSet, " \
                     "Deployment)"
        not_modelled.append(NotModelled(kind, api_version, name, file, line, reason,  # type: ignore[arg-type]
                                        namespace, _workload_pod_labels(data)))
        return
    written_selector = None
    if registered is not None:
        obj: Any = registered.read(doc, data, meta)  # type: ignore[misc]
    elif kind == "Pod":
        obj = _pod(doc, data, meta)
    elif kind == "Service":
        obj = _service(doc, data, meta)
    elif kind == "ReplicationController":
        obj, written_selector = _replication_controller(doc, data, meta)
    elif kind == "ReplicaSet":
        obj, written_selector = _replica_set(doc, data, meta, deployment=False)
    elif kind == "Deployment":
        obj, written_selector = _replica_set(doc, data, meta, deployment=True)
    else:
        obj = _node(doc, data, meta)
    if registered is None:  # after the reader, whose messages for the fields it reads are the more precise
        _schema_check(doc, data, warnings)
    objects.append(LoadedObject(obj, doc.source(namespace), written_selector))


# The field readers a registered kind's `read` is given (`kmodel.kinds.Kind`): `string`, `integer`, `boolean`,
# `mapping`, `sequence`, `string_map`, `int_or_string`, each raising `ManifestError` with the FILE:LINE of its path.
Fields = _Doc


def _schema_check(doc: _Doc, data: Mapping, warnings: list[str] | None) -> None:
    """The document against the Kubernetes schema (`kmodel.schema`): its earliest error raised (strict), or kept
    as a warning (warn)."""
    found = schema.first_problem(dict(data), doc.line_of)
    if found is None:
        return
    error = doc.error(found[0], found[1])
    if schema.mode() == schema.WARN and warnings is not None:
        warnings.append(str(error))
        return
    raise error


def _workload_pod_labels(data: Mapping) -> immutables.Map | None:
    """The pod template labels of a workload the model does not read (StatefulSet, DaemonSet, Job, CronJob, an
    old-apiVersion Deployment), best effort: so that a Service selecting its pods is not reported as selecting
    nothing. Nothing here is validated."""
    path = ("spec", "jobTemplate", "spec", "template", "metadata", "labels") if data.get("kind") == "CronJob" \
        else ("spec", "template", "metadata", "labels")
    node: Any = data
    for key in path:
        if not isinstance(node, Mapping):
            return None
        node = node.get(key)
    if not isinstance(node, Mapping) or not all(isinstance(k, str) and isinstance(v, str) for k, v in node.items()):
        return None
    return immutables.Map(node)


def load_text(text: str, file: str = "<string>") -> LoadedManifests:
    """Load manifests from a string (named `file` in messages)."""
    objects: list[LoadedObject] = []
    not_modelled: list[NotModelled] = []
    warnings: list[str] = []
    for data, nodes, line in _documents(text, file):
        _object(file, data, nodes, (), line, objects, not_modelled, warnings=warnings)
    return _checked(LoadedManifests(tuple(objects), tuple(not_modelled), (file,), tuple(warnings)))


def manifest_files(paths: Iterable[str | os.PathLike]) -> list[str]:
    """The files to read: each file as given, each directory's `*.yaml`, `*.yml` and `*.json` recursively in
    sorted order, skipping hidden files and directories."""
    out: list[str] = []
    for p in paths:
        path = Path(p)
        if path.is_dir():
            found = []
            for root, dirs, files in os.walk(path):
                dirs[:] = sorted(d for d in dirs if not d.startswith("."))
                for f in files:
                    if not f.startswith(".") and f.endswith(MANIFEST_SUFFIXES):
                        found.append(os.path.join(root, f))
            if not found:  # a check of nothing is never a pass
                raise ManifestError(str(p), None, "", "", "directory holds no *.yaml, *.yml or *.json file")
            out.extend(sorted(found))
        elif path.exists():
            out.append(str(p))
        else:
            raise ManifestError(str(p), None, "", "", "no such file or directory")
    return out


def load_manifests(paths: Iterable[str | os.PathLike]) -> LoadedManifests:
    """`load(*paths)` for a list of paths."""
    return load(*paths)


def load(*paths: str | os.PathLike) -> LoadedManifests:
    """Load every manifest in the given files and directories (see `manifest_files`)."""
    objects: list[LoadedObject] = []
    not_modelled: list[NotModelled] = []
    warnings: list[str] = []
    files = manifest_files(paths)
    for file in files:
        try:
            with open(file, "rb") as f:
                raw = f.read()
        except OSError as e:
            raise ManifestError(file, None, "", "", f"cannot read: {e.strerror or e}") from None
        try:
            text = raw.decode("utf-8-sig")
        except UnicodeDecodeError as e:
            raise ManifestError(file, None, "", "", f"not UTF-8 text: {e.reason} at byte {e.start}") from None
        for data, nodes, line in _documents(text, file):
            _object(file, data, nodes, (), line, objects, not_modelled, warnings=warnings)
    return _checked(LoadedManifests(tuple(objects), tuple(not_modelled), tuple(files), tuple(warnings)))


def _checked(loaded: LoadedManifests) -> LoadedManifests:
    """Two objects the model would hold under one name: the same object twice (the API server says
    AlreadyExists), or one name in two namespaces (the model has one namespace)."""
    seen: dict[str, Source] = {}
    for o in loaded.objects:
        key = o.key
        first = seen.get(key)
        if first is not None:
            src = o.source
            if first.namespace != src.namespace:
                problem = (f"{src.ref} is also defined in namespace {first.namespace!r} at {first.file}:"
                           f"{first.line}; kmodel models a single namespace, so names must be unique across them")
            else:
                problem = f"already defined at {first.file}:{first.line} (the API server answers AlreadyExists)"
            raise ManifestError(src.file, src.line_of("metadata.name"), src.ref, "metadata.name", problem)
        seen[key] = o.source
    return loaded
