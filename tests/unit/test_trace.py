"""kmodel.trace and `kmodel replay`: traces saved as JSON, loaded back exactly, replayed deterministically."""

from __future__ import annotations

import io
import json
from pathlib import Path

import attrs
import immutables
import pytest
from click.testing import CliRunner

import invariants
from invariants.registry import Violation, unregister
from kmodel.cluster import Cluster
from kmodel.commands.replay import replay as replay_command
from kmodel.errors import KModelError
from kmodel.events import step
from kmodel.labels import Selector, parse_selector
from kmodel.manifests import load, load_text
from kmodel.objects import (
    Container,
    ContainerPort,
    EndpointAddress,
    EndpointPort,
    Endpoints,
    Hook,
    Node,
    OwnerRef,
    Pod,
    PodTemplate,
    Probe,
    ReplicaSet,
    Service,
    ServicePort,
)
from kmodel.settle import settle
from kmodel.trace import (
    Trace,
    TraceError,
    changes,
    decode,
    decode_cluster,
    encode,
    encode_cluster,
    export_yaml,
    load as load_trace,
    render_json,
    render_table,
    replay,
    violated,
)
from kmodel.user import DeletePod, ScaleController

ROOT = Path(__file__).resolve().parents[2]
HEALTHY = ROOT / "examples" / "healthy"


@pytest.fixture
def rules():
    """Register temporary rules for one test and remove them afterwards."""
    names: list[str] = []

    def register(name: str, kind: str, fn) -> None:
        invariants.invariant(name, kind=kind)(fn)
        names.append(name)

    yield register
    for n in names:
        unregister(n)


def healthy_cluster() -> Cluster:
    return load(HEALTHY).to_cluster(nodes=3)


def settled_events(cluster: Cluster) -> tuple:
    return settle(cluster, record=True).events


def ready_pods(cluster: Cluster) -> list[str]:
    return sorted(p.name for p in cluster.pods.values() if p.ready)


# ------------------------------------------------------------------------------------------------------------------
# Encoding


VALUES = [
    None, 3, "x", True, (1, "a"), immutables.Map({"a": "b"}), immutables.Map({1: "x"}),
    parse_selector("app=web,tier in (a,b),!x"), Selector.nothing(), Selector.everything(),
    Pod(name="p", labels={"app": "web"}, owner=OwnerRef("ReplicaSet", "rs", "uid-1"), node_name="n",
        containers=(Container("c", ports=(ContainerPort(80, "http"),), readiness_probe=Probe(port="http"),
                              pre_stop=Hook()),), deletion_timestamp=4),
    ReplicaSet(name="rs", selector=parse_selector("app=web"), template=PodTemplate(labels={"app": "web"})),
    Service(name="s", selector=None, ports=(ServicePort(80, "http", "web"),)),
    Endpoints("s", addresses=(EndpointAddress("p", "10.0.0.1", "n", (EndpointPort("web", 8080, "TCP"),)),)),
    Node(name="n", labels={"zone": "a"}),
    DeletePod("p"), ScaleController("ReplicaSet/rs", 2),
]


@pytest.mark.parametrize("value", VALUES, ids=lambda v: type(v).__name__)
def test_encode_decode_round_trip(value):
    """Generic attrs encoding: JSON-ready, and decoding gives an equal value of the same type."""
    data = json.loads(json.dumps(encode(value)))
    back = decode(data)
    assert back == value and type(back) is type(value)


def test_cluster_round_trip_recomputes_indexes():
    """A cluster is stored as its objects; indexes are rebuilt on load and are exact (DESIGN principle 1)."""
    cluster = settle(healthy_cluster()).cluster
    back = decode_cluster(json.loads(json.dumps(encode_cluster(cluster))))
    assert back == cluster and back.index_mismatches() == []
    assert back.pods_by_node == cluster.pods_by_node and len(back.endpoints) == 1


@pytest.mark.parametrize("data, problem", [
    ({"$type": "kmodel_no_such_module.Evil"}, "unknown type"),
    ({"$type": "subprocess.Popen", "args": ["true"]}, "unknown type"),
    ({"$type": "kmodel.objects.freeze_labels"}, "unknown type"),
    ({"$type": "kmodel.objects.Node", "nonsense": 1}, "cannot rebuild"),
    ({"$selector": "a in"}, "bad selector"),
    ({"what": 1}, "unexpected object"),
])
def test_decode_refuses_what_is_not_a_model_value(data, problem):
    """A trace can only name the model's own classes and loaded event classes: never arbitrary code."""
    import sys

    with pytest.raises(TraceError, match=problem):
        decode(data)
    assert "kmodel_no_such_module" not in sys.modules


# ------------------------------------------------------------------------------------------------------------------
# Saving and loading


def test_save_is_stable_and_loads_back(tmp_path):
    cluster = healthy_cluster()
    trace = Trace(initial=cluster, events=settled_events(cluster)[:5], rule="some-rule", message="m",
                  engine="hypothesis", seed=7)
    path = trace.save(tmp_path / "traces")
    assert path.parent == tmp_path / "traces" and path.name.startswith("some-rule-") and path.suffix == ".json"
    assert trace.save(tmp_path / "traces") == path  # same counterexample, same file
    back = load_trace(path)
    assert back == trace and back.initial.index_mismatches() == []


@pytest.mark.parametrize("content, problem", [
    ("{not json", "not JSON"),
    ("[1, 2]", "not a kmodel trace"),
    ('{"kmodel-trace": 1, "rule": "r", "initial": {}}', "no 'events'"),
    ('{"kmodel-trace": 1, "rule": "r", "initial": {"$cluster": 1, "bogus": 1}, "events": []}',
     "unknown cluster field"),
    ('{"kmodel-trace": 1, "rule": "r", "initial": {"$cluster": 1}, "events": '
     '[{"$type": "kmodel.objects.Node", "name": "n"}]}', "is not an event"),
])
def test_bad_trace_files(tmp_path, content, problem):
    path = tmp_path / "t.json"
    path.write_text(content)
    with pytest.raises(TraceError, match=problem) as info:
        load_trace(path)
    assert isinstance(info.value, KModelError) and str(path) in str(info.value)


# ------------------------------------------------------------------------------------------------------------------
# Replay


def test_replay_finds_the_always_violation_at_its_step(rules):
    """Every state is checked against the ALWAYS rules, as the Hypothesis engine checks them."""
    def at_most_one_ready(cluster):
        ready = ready_pods(cluster)
        if len(ready) > 1:
            yield Violation("test-at-most-one-ready", f"{len(ready)} ready", tuple(f"Pod/{n}" for n in ready))

    rules("test-at-most-one-ready", invariants.ALWAYS, at_most_one_ready)
    cluster = healthy_cluster()
    events = settled_events(cluster)
    trace = Trace(initial=cluster, events=events, rule="test-at-most-one-ready")
    steps = replay(trace)
    assert len(steps) == len(events) + 1 and steps[0].event is None and steps[0].before is steps[0].after
    first = violated(steps, "test-at-most-one-ready")
    assert first is not None and len(ready_pods(first.after)) == 2 and len(ready_pods(first.before)) == 1
    again = replay(trace)  # deterministic
    assert [s.violations for s in again] == [s.violations for s in steps]


def test_replay_checks_transition_rules(rules):
    def no_scale_down(before, event, after):
        if isinstance(event, ScaleController) and event.replicas < before.controllers[event.controller].replicas:
            yield Violation("test-no-scale-down", f"{event.controller} scaled down")

    rules("test-no-scale-down", invariants.TRANSITION, no_scale_down)
    cluster = healthy_cluster()
    key = next(iter(cluster.controllers))
    trace = Trace(initial=cluster, events=(ScaleController(key, 4), ScaleController(key, 1)),
                  rule="test-no-scale-down")
    steps = replay(trace)
    assert [bool(s.violations) for s in steps] == [False, False, True]


def test_replay_checks_stable_rules_only_at_quiescence(rules):
    """STABLE rules speak of settled states; the engine checks them after settle, and so does replay."""
    rules("test-stable-no-endpoints", invariants.STABLE,
          lambda c: [Violation("test-stable-no-endpoints", "endpoints exist")] if c.endpoints else [])
    cluster = healthy_cluster()
    events = settled_events(cluster)
    mid = Trace(initial=cluster, events=events[:8], rule="test-stable-no-endpoints")
    assert violated(replay(mid), "test-stable-no-endpoints") is None
    end = Trace(initial=cluster, events=events, rule="test-stable-no-endpoints", settled=True)
    assert violated(replay(end), "test-stable-no-endpoints").index == len(events)


def test_replay_stops_at_an_event_that_is_not_enabled():
    cluster = healthy_cluster()
    trace = Trace(initial=cluster, events=(DeletePod("no-such-pod"), DeletePod("other")), rule="r")
    steps = replay(trace)
    assert len(steps) == 2 and steps[1].not_enabled and steps[1].after is cluster


def test_changes_names_objects_and_fields():
    cluster = healthy_cluster()
    events = settled_events(cluster)
    c1 = step(cluster, events[0])
    added = changes(cluster, c1)
    assert any(line.startswith("+Pod/web-") for line in added)
    bind = next(e for e in events if type(e).__name__ == "SchedulerBindPod")
    c = cluster
    for e in events[: events.index(bind)]:
        c = step(c, e)
    assert changes(c, step(c, bind)) == [f"Pod/{bind.pod}: node_name None → {bind.node}"]
    assert changes(c, c) == []
    assert changes(c, c.tick(5)) == ["clock 0 → 5"]


def test_render_table_and_json(rules):
    rules("test-no-ready", invariants.ALWAYS,
          lambda c: [Violation("test-no-ready", "a pod is ready")] if ready_pods(c) else [])
    cluster = healthy_cluster()
    trace = Trace(initial=cluster, events=settled_events(cluster), rule="test-no-ready", message="a pod is ready")
    steps = replay(trace)
    from rich.console import Console

    out = io.StringIO()
    render_table(trace, steps, Console(file=out, width=200))
    text = out.getvalue()
    assert "trace of test-no-ready" in text and "ReadinessProbeSucceeds" in text and "test-no-ready" in text
    data = render_json(trace, steps, "t.json")
    assert data["verdict"] == "violated" and data["violated_at"] == violated(steps, "test-no-ready").index
    assert data["steps"][0]["event"] is None and data["steps"][1]["event"]["$type"].endswith("ReplicaSetCreatePods")
    json.dumps(data)


def test_export_yaml_one_list_per_step_and_loads_back():
    """The objects at each step as Kubernetes YAML; the initial step loads back as the same objects."""
    cluster = healthy_cluster()
    events = settled_events(cluster)[:4]
    text = export_yaml(Trace(initial=cluster, events=events, rule="r"))
    assert text.count("\n---\n") == len(events) + 1 and "# step 1: ReplicaSetCreatePods" in text
    first = text.split("\n---\n")[1]
    loaded = load_text(first, "export.yaml")
    back = {o.key: o.obj for o in loaded.objects}
    for key, ctl in cluster.controllers.items():
        assert attrs.evolve(back[key], uid=ctl.uid) == ctl
    for name, svc in cluster.services.items():
        assert back[f"Service/{name}"] == svc
    for name, node in cluster.nodes.items():
        assert back[f"Node/{name}"] == node


def test_export_yaml_of_a_later_step_lists_pods_and_endpoints():
    cluster = healthy_cluster()
    events = settled_events(cluster)
    text = export_yaml(Trace(initial=cluster, events=events, rule="r"))
    last = load_text(text.split("\n---\n")[-1], "last.yaml")
    assert len([o for o in last.objects if o.key.startswith("Pod/")]) == 3
    assert [n.kind for n in last.not_modelled] == ["Endpoints"]


# ------------------------------------------------------------------------------------------------------------------
# `kmodel replay`


def _saved(tmp_path, rule: str, events=None) -> Path:
    cluster = healthy_cluster()
    events = settled_events(cluster) if events is None else events
    return Trace(initial=cluster, events=events, rule=rule, message="m", engine="hypothesis", seed=1).save(tmp_path)


def test_replay_command_exit_1_while_violated(tmp_path, rules):
    rules("test-no-ready", invariants.ALWAYS,
          lambda c: [Violation("test-no-ready", "a pod is ready")] if ready_pods(c) else [])
    path = _saved(tmp_path, "test-no-ready")
    export = tmp_path / "steps.yaml"
    result = CliRunner().invoke(replay_command, [str(path), "--export-yaml", str(export)])
    assert result.exit_code == 1, result.output
    assert f"{path}: test-no-ready: still violated at step" in result.stdout
    assert export.read_text().startswith("# kmodel trace of test-no-ready")
    result = CliRunner().invoke(replay_command, [str(path), "--output-format", "json"])
    assert result.exit_code == 1 and json.loads(result.stdout)["verdict"] == "violated"


def test_replay_command_exit_0_once_the_rule_holds(tmp_path):
    """A trace of a rule that no longer breaks (here: not registered at all) replays to exit 0."""
    path = _saved(tmp_path, "test-rule-that-is-gone")
    result = CliRunner().invoke(replay_command, [str(path)])
    assert result.exit_code == 0 and "no longer violated" in result.stdout


def test_replay_command_reports_where_a_stale_trace_stops(tmp_path):
    path = _saved(tmp_path, "r", events=(DeletePod("ghost"),))
    result = CliRunner().invoke(replay_command, [str(path)])
    assert result.exit_code == 0 and "step 1 (DeletePod) is not enabled" in result.stdout


@pytest.mark.parametrize("content", [None, "{oops", '{"kmodel-trace": 1, "rule": "r", "initial": {"$cluster": 1}, '
                                                  '"events": [{"$type": "os.system"}]}'])
def test_replay_command_bad_input_exits_2(tmp_path, content):
    path = tmp_path / "t.json"
    if content is not None:
        path.write_text(content)
    result = CliRunner().invoke(replay_command, [str(path)])
    assert result.exit_code == 2 and result.stderr.startswith("error: ") and "Traceback" not in result.output


def test_check_violation_replays_to_the_same_violation(tmp_path, rules):
    """`kmodel check` on an example saves a trace; `kmodel replay` breaks the same rule with it."""
    from kmodel.cli import main

    def at_most_one_ready(cluster):
        if len(ready_pods(cluster)) > 1:
            yield Violation("test-at-most-one-ready", "two pods are ready")

    rules("test-at-most-one-ready", invariants.ALWAYS, at_most_one_ready)
    traces = tmp_path / "traces"
    result = CliRunner().invoke(main, ["check", str(HEALTHY), "--rules", "test-at-most-one-ready",
                                       "--trace-dir", str(traces)])
    assert result.exit_code == 1, result.output
    [path] = list(traces.glob("test-at-most-one-ready-*.json"))
    trace = load_trace(path)
    steps = replay(trace)
    assert violated(steps, "test-at-most-one-ready").index == len(trace.events)
    result = CliRunner().invoke(main, ["replay", str(path)])
    assert result.exit_code == 1 and "test-at-most-one-ready: still violated" in result.stdout
