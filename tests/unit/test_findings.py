"""kmodel.findings: static findings on manifests, each with its rule, message and FILE:LINE locations."""

from __future__ import annotations

import itertools
import textwrap
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import given
from hypothesis import strategies as st

from kmodel.errors import KModelError
from kmodel.findings import (
    CAPACITY_SHORT,
    NAMED_PORT_MISSING,
    RULES,
    SELECTOR_OVERLAP,
    SERVICE_SELECTS_NOTHING,
    Finding,
    find_all,
    overlap_witness,
    render_text,
)
from kmodel.labels import Requirement, Selector, parse_selector
from kmodel.manifests import load, load_text

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "examples"


def y(text: str) -> str:
    return textwrap.dedent(text).lstrip("\n")


def rc(name: str, labels: dict, replicas: int = 1, selector: dict | None = None, container: str = "",
       namespace: str = "default") -> str:
    """A ReplicationController manifest; `container` is extra YAML under the container (6 spaces in)."""
    lab = ", ".join(f"{k}: {v}" for k, v in labels.items())
    sel = ", ".join(f"{k}: {v}" for k, v in (selector or labels).items())
    return y(f"""
        apiVersion: v1
        kind: ReplicationController
        metadata: {{name: {name}, namespace: {namespace}}}
        spec:
          replicas: {replicas}
          selector: {{{sel}}}
          template:
            metadata: {{labels: {{{lab}}}}}
            spec:
              containers:
                - name: c
                  image: x
    """) + textwrap.indent(container, " " * 10) + "---\n"


def deployment(name: str, match: dict, labels: dict, replicas: int = 1) -> str:
    ml = ", ".join(f"{k}: {v}" for k, v in match.items())
    lab = ", ".join(f"{k}: {v}" for k, v in labels.items())
    return y(f"""
        apiVersion: apps/v1
        kind: Deployment
        metadata: {{name: {name}}}
        spec:
          replicas: {replicas}
          selector: {{matchLabels: {{{ml}}}}}
          template:
            metadata: {{labels: {{{lab}}}}}
            spec:
              containers: [{{name: c, image: x}}]
    """) + "---\n"


def service(name: str, selector: dict | None, ports: str = "[{port: 80}]") -> str:
    sel = "" if selector is None else "selector: {" + ", ".join(f"{k}: {v}" for k, v in selector.items()) + "}"
    return y(f"""
        apiVersion: v1
        kind: Service
        metadata: {{name: {name}}}
        spec:
          {sel}
          ports: {ports}
    """) + "---\n"


def pod(name: str, labels: dict, container: str = "") -> str:
    lab = ", ".join(f"{k}: {v}" for k, v in labels.items())
    return y(f"""
        apiVersion: v1
        kind: Pod
        metadata: {{name: {name}, labels: {{{lab}}}}}
        spec:
          containers:
            - name: c
              image: x
    """) + textwrap.indent(container, " " * 6) + "---\n"


def rules_of(text: str, nodes: int = 3) -> list[str]:
    return [f.rule for f in find_all(load_text(text, "t.yaml"), nodes=nodes)]


# ------------------------------------------------------------------------------------------------------------------
# Witnesses for selector overlap (SEMANTICS 15 to 19)

WITNESS_CASES = [
    ("app=web", "app=web,tier=front", {"app": "web", "tier": "front"}),
    ("app=web", "app=db", None),
    ("app in (a,b)", "app notin (a)", {"app": "b"}),
    ("app", "!app", None),
    ("app!=x", "tier=y", {"tier": "y"}),          # 16: != matches an absent key
    ("x>5", "x<7", {"x": "6"}),                   # 18: Gt/Lt need the key, numerically
    ("x>5", "x<6", None),
    ("x>5,x notin (6,7)", "x<9", {"x": "8"}),
    ("a,!a", "b", None),                          # 14: a contradiction matches nothing
    ("", "app=x", {"app": "x"}),                  # 20: Everything
    ("x in ()", "x", {"x": ""}),                  # 19: x in () is x=""
]


@pytest.mark.parametrize("a, b, witness", WITNESS_CASES)
def test_overlap_witness(a, b, witness):
    """SEMANTICS 14 to 20: the witness matches both selectors, or there is none."""
    got = overlap_witness(parse_selector(a), parse_selector(b))
    assert got == witness


def test_overlap_with_nothing_is_none():
    """SEMANTICS 20, 21: labels.Nothing() matches no label set."""
    assert overlap_witness(Selector.nothing(), parse_selector("")) is None


_KEYS = ("a", "b")
_VALUES = ("", "1", "2", "x")
_UNIVERSE = (None, "", "0", "1", "2", "3", "4", "5", "6", "7", "x", "y")


@st.composite
def _requirement(draw):
    key = draw(st.sampled_from(_KEYS))
    op = draw(st.sampled_from(["=", "!=", "in", "notin", "exists", "!", "gt", "lt"]))
    if op in ("exists", "!"):
        values: tuple = ()
    elif op in ("gt", "lt"):
        values = (draw(st.sampled_from(["1", "5"])),)
    elif op in ("=", "!="):
        values = (draw(st.sampled_from(_VALUES)),)
    else:
        values = tuple(draw(st.lists(st.sampled_from(_VALUES), min_size=1, max_size=3)))
    return Requirement(key, op, values)


_selectors = st.lists(_requirement(), max_size=3).map(Selector)


@given(_selectors, _selectors)
def test_overlap_witness_agrees_with_brute_force(a, b):
    """SEMANTICS 15 to 19: a returned witness matches both; when none is returned, no label set over the keys
    (absent, or any value a bound or set could distinguish) matches both."""
    w = overlap_witness(a, b)
    if w is not None:
        assert a.matches(w) and b.matches(w)
        return
    for values in itertools.product(_UNIVERSE, repeat=len(_KEYS)):
        labels = {k: v for k, v in zip(_KEYS, values) if v is not None}
        assert not (a.matches(labels) and b.matches(labels)), labels


# ------------------------------------------------------------------------------------------------------------------
# selector-overlap


def test_selector_overlap_example():
    """SEMANTICS 36, 37: the canary Deployment's pods match the old RC's selector."""
    path = EXAMPLES / "broken" / "selector-overlap.yaml"
    [f] = find_all(load(path))
    assert f.rule == SELECTOR_OVERLAP
    assert f.locations == ((str(path), 10, "ReplicationController/shop"), (str(path), 30, "Deployment/shop-canary"))
    assert "{app: shop, track: canary}" in f.message


def test_selector_overlap_on_shared_key_gives_witness():
    """Two Deployments whose selectors share a key and a value: a witness label set."""
    text = deployment("a", {"app": "web"}, {"app": "web", "v": "one"}) + deployment(
        "b", {"app": "web", "tier": "x"}, {"app": "web", "tier": "x"})
    [f] = find_all(load_text(text))
    assert f.rule == SELECTOR_OVERLAP and "Deployment/a" in f.message and "Deployment/b" in f.message
    assert "tier: x" in f.message


@pytest.mark.parametrize("text", [
    rc("a", {"app": "a"}) + rc("b", {"app": "b"}),              # same key, different values: no pod matches both
    rc("a", {"name": "a"}) + rc("b", {"role": "b"}),            # disjoint keys and no pod carries both
    rc("a", {"app": "a"}) + rc("b", {"app": "a"}, namespace="other"),  # selectors select within a namespace
])
def test_no_selector_overlap(text):
    assert SELECTOR_OVERLAP not in rules_of(text)


def test_selector_overlap_disjoint_keys_reported_when_a_pod_matches_both():
    """SEMANTICS 37: a bare pod carrying both label sets is claimed by whichever controller syncs first."""
    text = rc("a", {"name": "redis"}) + rc("b", {"sentinel": "enabled"}) + pod("p", {"name": "redis", "sentinel": "enabled"})
    [f] = [f for f in find_all(load_text(text)) if f.rule == SELECTOR_OVERLAP]
    assert "Pod/p" in f.message


# ------------------------------------------------------------------------------------------------------------------
# service-selects-nothing


def test_service_selects_nothing_example():
    """SEMANTICS 26, 39: a selector that matches nothing leaves the endpoints empty; the closest template is
    named."""
    path = EXAMPLES / "broken" / "service-selects-nothing.yaml"
    [f] = find_all(load(path))
    assert f.rule == SERVICE_SELECTS_NOTHING and f.locations == ((str(path), 29, "Service/checkout"),)
    assert "app=check-out" in f.message and "closest: Deployment/checkout" in f.message


@pytest.mark.parametrize("text", [
    service("s", None, "[{port: 80}]"),                          # SEMANTICS 26: no selector, unmanaged
    service("s", {"app": "a"}) + rc("a", {"app": "a"}),          # matches a template
    service("s", {"app": "a"}) + pod("p", {"app": "a", "x": "y"}),  # matches a bare pod
])
def test_service_selects_something(text):
    assert SERVICE_SELECTS_NOTHING not in rules_of(text)


def test_service_selecting_unmodelled_workload_is_not_flagged():
    """A Service in front of a StatefulSet selects its pods, which the model does not read."""
    text = service("db", {"app": "db"}) + y("""
        apiVersion: apps/v1
        kind: StatefulSet
        metadata: {name: db}
        spec:
          selector: {matchLabels: {app: db}}
          template:
            metadata: {labels: {app: db}}
    """)
    loaded = load_text(text)
    assert [n.kind for n in loaded.not_modelled] == ["StatefulSet"] and find_all(loaded) == []


# ------------------------------------------------------------------------------------------------------------------
# named-port-missing


def test_named_port_missing_example():
    """SEMANTICS 43 (targetPort by name, per pod) and 8.5 (a probe on an undeclared port errors)."""
    path = EXAMPLES / "broken" / "named-port-missing.yaml"
    found = find_all(load(path))
    assert [f.rule for f in found] == [NAMED_PORT_MISSING, NAMED_PORT_MISSING]
    probe, svc = found
    assert probe.locations == ((str(path), 25, "ReplicationController/api"),)
    assert "readinessProbe" in probe.message and "'healthz'" in probe.message and "never ready" in probe.message
    assert svc.locations[0] == (str(path), 36, "Service/api") and "'web'" in svc.message


@pytest.mark.parametrize("container, service_ports, expected", [
    ("ports: [{name: http, containerPort: 80}]\n", "[{port: 80, targetPort: http}]", []),
    ("ports: [{name: http, containerPort: 80}]\n", "[{port: 80, targetPort: 8080}]", []),  # numbers need no port
    ("ports: [{name: dns, containerPort: 53, protocol: UDP}]\n", "[{port: 53, targetPort: dns}]",
     [NAMED_PORT_MISSING]),                                     # SEMANTICS 43: the protocol must match too
    ("ports: [{name: dns, containerPort: 53, protocol: UDP}]\n",
     "[{port: 53, targetPort: dns, protocol: UDP}]", []),
    ("", "[{port: 80, targetPort: http}]", [NAMED_PORT_MISSING]),
])
def test_named_target_port(container, service_ports, expected):
    text = rc("a", {"app": "a"}, container=container) + service("s", {"app": "a"}, service_ports)
    assert rules_of(text) == expected


@pytest.mark.parametrize("probe, effect", [
    ("readinessProbe", "never ready"),
    ("startupProbe", "startup never succeeds"),
    ("livenessProbe", "guards nothing"),
])
def test_probe_on_undeclared_port(probe, effect):
    """SEMANTICS 8.5: the prober errors and throws the result away, so each probe kind fails differently."""
    container = f"ports: [{{name: http, containerPort: 80}}]\n{probe}:\n  httpGet: {{port: healthz}}\n"
    [f] = find_all(load_text(pod("p", {"app": "p"}, container)))
    assert f.rule == NAMED_PORT_MISSING and effect in f.message and "(it declares http)" in f.message


def test_probe_port_declared_by_another_container_is_missing():
    """The kubelet resolves a probe's port name in the probe's own container only."""
    text = y("""
        apiVersion: v1
        kind: Pod
        metadata: {name: p}
        spec:
          containers:
            - name: app
              image: x
              readinessProbe:
                tcpSocket: {port: admin}
            - name: sidecar
              image: x
              ports: [{name: admin, containerPort: 9000}]
    """)
    [f] = find_all(load_text(text, "p.yaml"))
    assert f.rule == NAMED_PORT_MISSING and f.locations == (("p.yaml", 9, "Pod/p"),)


# ------------------------------------------------------------------------------------------------------------------
# capacity-short


def test_capacity_short_example():
    """SEMANTICS 55 (NodeResourcesFit): 20 CPU of requests on 12 CPU of nodes."""
    path = EXAMPLES / "broken" / "capacity-short.yaml"
    [f] = find_all(load(path))
    assert f.rule == CAPACITY_SHORT and f.locations == ((str(path), 8, "ReplicationController/batch"),)
    assert "request 20 CPU" in f.message and "allocate 12 CPU" in f.message
    assert find_all(load(path), nodes=5) == []


def test_capacity_short_pod_count():
    """SEMANTICS 55: allocatable `pods` (maxPods) caps the pods per node."""
    node = "apiVersion: v1\nkind: Node\nmetadata: {name: n}\nstatus: {allocatable: {pods: '2'}}\n---\n"
    [f] = find_all(load_text(node + rc("a", {"app": "a"}, replicas=3)))
    assert f.rule == CAPACITY_SHORT and "ask for 3 pods" in f.message and "holds at most 2 pods" in f.message


def test_capacity_short_memory_and_unschedulable_nodes():
    nodes = y("""
        apiVersion: v1
        kind: Node
        metadata: {name: a}
        status: {allocatable: {memory: 1Gi}}
        ---
        apiVersion: v1
        kind: Node
        metadata: {name: b}
        spec: {unschedulable: true}
        status: {allocatable: {memory: 8Gi}}
        ---
    """)
    text = nodes + rc("w", {"app": "w"}, replicas=2, container="resources: {requests: {memory: 512Mi}}\n") + \
        pod("p", {"x": "y"}, "resources: {requests: {memory: 100Mi}}\n")
    [f] = find_all(load_text(text))
    assert "request 1124Mi of memory" in f.message and "allocates 1Gi" in f.message


def test_capacity_short_pod_too_big_for_any_node():
    text = pod("huge", {"a": "b"}, "resources: {requests: {cpu: '6'}}\n")
    [f] = find_all(load_text(text, "h.yaml"), nodes=3)
    assert f.rule == CAPACITY_SHORT and "more than any node allocates" in f.message
    assert f.locations == (("h.yaml", 5, "Pod/huge"),)


def test_capacity_short_node_selector_matches_no_node():
    """NodeAffinity filter: a nodeSelector no node satisfies keeps the pods Pending."""
    text = pod("gpu", {"a": "b"}).replace("spec:\n", "spec:\n  nodeSelector: {accelerator: tpu}\n")
    [f] = find_all(load_text(text))
    assert f.rule == CAPACITY_SHORT and "nodeSelector" in f.message and "--nodes" in f.message
    assert find_all(load_text(text.replace("accelerator: tpu", "kubernetes.io/os: linux"))) == []


def test_capacity_fits():
    assert rules_of(rc("a", {"app": "a"}, replicas=300)) == []  # 3 x 110 pods
    assert rules_of(rc("a", {"app": "a"}, replicas=331)) == [CAPACITY_SHORT]


# ------------------------------------------------------------------------------------------------------------------
# All rules


def test_healthy_example_has_no_findings():
    loaded = load(EXAMPLES / "healthy")
    assert loaded.not_modelled == () and find_all(loaded) == []


def test_find_all_selects_rules_and_rejects_unknown():
    loaded = load(EXAMPLES / "broken")
    assert {f.rule for f in find_all(loaded)} == set(RULES)
    assert {f.rule for f in find_all(loaded, rules=[CAPACITY_SHORT])} == {CAPACITY_SHORT}
    with pytest.raises(KModelError, match="unknown finding rule"):
        find_all(loaded, rules=["no-such-rule"])


def test_finding_render_and_json():
    f = Finding("r", "m", (("a.yaml", 3, "Pod/x"), ("b.yaml", 4, "Service/y")))
    assert f.render() == "a.yaml:3: r: m\nb.yaml:4: note: Service/y"
    assert render_text([f, f]).count("a.yaml:3: r: m") == 2
    assert f.to_json() == {"rule": "r", "message": "m", "locations": [
        {"file": "a.yaml", "line": 3, "object": "Pod/x"}, {"file": "b.yaml", "line": 4, "object": "Service/y"}]}


BROKEN_EXAMPLES = {
    "selector-overlap.yaml": [(SELECTOR_OVERLAP, 10)],
    "service-selects-nothing.yaml": [(SERVICE_SELECTS_NOTHING, 29)],
    "named-port-missing.yaml": [(NAMED_PORT_MISSING, 25), (NAMED_PORT_MISSING, 36)],
    "capacity-short.yaml": [(CAPACITY_SHORT, 8)],
}


def test_every_broken_example_is_covered():
    assert sorted(p.name for p in (EXAMPLES / "broken").glob("*.yaml")) == sorted(BROKEN_EXAMPLES)


@pytest.mark.parametrize("name", sorted(BROKEN_EXAMPLES))
def test_broken_example_through_cli(name, tmp_path):
    """`kmodel check` on a broken example: exit 1, `FILE:LINE: rule-name: message` on stdout, no traceback."""
    from kmodel.cli import main

    path = EXAMPLES / "broken" / name
    result = CliRunner().invoke(main, ["check", str(path), "--rules", "unique-uids", "--max-steps", "3",
                                       "--trace-dir", str(tmp_path)])
    assert result.exit_code == 1, result.output
    for rule, line in BROKEN_EXAMPLES[name]:
        assert f"{path}:{line}: {rule}: " in result.stdout, result.stdout
    assert "Traceback" not in result.output


def test_broken_example_through_cli_json(tmp_path):
    from kmodel.cli import main

    path = EXAMPLES / "broken" / "capacity-short.yaml"
    result = CliRunner().invoke(main, ["check", str(path), "--rules", "unique-uids", "--max-steps", "3",
                                       "--output-format", "json", "--trace-dir", str(tmp_path)])
    import json

    report = json.loads(result.stdout)
    assert result.exit_code == 1 and report["verdict"] == "fail"
    assert report["findings"][0]["rule"] == CAPACITY_SHORT
    assert report["findings"][0]["locations"][0] == {"file": str(path), "line": 8,
                                                     "object": "ReplicationController/batch"}
