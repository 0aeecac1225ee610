"""kmodel.manifests: strict YAML loading with FILE:LINE errors, API-server defaults, quantities, the corpus."""

from __future__ import annotations

import textwrap
from fractions import Fraction
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st

from kmodel import schema
from kmodel.errors import KModelError, ManifestError
from kmodel.labels import parse_selector
from kmodel.manifests import (
    POD_TEMPLATE_HASH,
    LoadedManifests,
    QuantityError,
    cpu_millis,
    format_path,
    load,
    load_text,
    memory_bytes,
    parse_path,
    parse_quantity,
)
from kmodel.objects import EXEC, HTTP, TCP, GiB, MiB, Node, Pod, ReplicaSet, ReplicationController, Service

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "examples"
CORPUS = ROOT / "tests" / "data" / "realworld" / "kubernetes-examples"


def y(text: str) -> str:
    return textwrap.dedent(text).lstrip("\n")


def only(loaded: LoadedManifests, cls=object):
    objs = [o for o in loaded.objects if isinstance(o.obj, cls)]
    assert len(objs) == 1, objs
    return objs[0]


POD = y("""
    apiVersion: v1
    kind: Pod
    metadata:
      name: web
      labels:
        app: web
    spec:
      containers:
        - name: app
          image: example.com/app:1
""")


# ------------------------------------------------------------------------------------------------------------------
# Quantities (resource.ParseQuantity; values as Kubernetes' quantity_test.go gives them)


@pytest.mark.parametrize("text, value", [
    ("0", 0), ("1", 1), ("100m", Fraction(1, 10)), ("1.5", Fraction(3, 2)), (".5", Fraction(1, 2)), ("1.", 1),
    ("+1", 1), ("-1", -1), ("1n", Fraction(1, 10 ** 9)), ("1u", Fraction(1, 10 ** 6)), ("1k", 1000),
    ("1M", 10 ** 6), ("1G", 10 ** 9), ("1T", 10 ** 12), ("1P", 10 ** 15), ("1E", 10 ** 18), ("1Ki", 1024),
    ("1Mi", 1024 ** 2), ("1Gi", 1024 ** 3), ("1Ti", 1024 ** 4), ("1Pi", 1024 ** 5), ("1Ei", 1024 ** 6),
    ("1.5Gi", 3 * 1024 ** 3 // 2), ("1e3", 1000), ("1E3", 1000), ("5e-3", Fraction(5, 1000)),
    ("12e+2", 1200), ("0.1m", Fraction(1, 10000)), ("007", 7),
])
def test_parse_quantity_exact(text, value):
    """resource.ParseQuantity: decimal SI, binary SI and exponent suffixes, exactly (no floats)."""
    assert parse_quantity(text) == value


@pytest.mark.parametrize("text", ["", ".", "1GB", "1K", "1 Gi", "Gi", "1e", "1.2.3", "1i", "--1", "1e1e1",
                                  "Mi1", "1Kib", "one"])
def test_parse_quantity_rejects(text):
    """Text outside the quantity grammar (`^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$` plus known suffixes)."""
    with pytest.raises(QuantityError):
        parse_quantity(text)


@pytest.mark.parametrize("text, millis", [("1", 1000), ("500m", 500), ("0.25", 250), ("1.0001", 1001),
                                          ("1u", 1), ("2k", 2_000_000)])
def test_cpu_millis_round_up(text, millis):
    """Quantity.MilliValue rounds up: 1u of cpu is 1m."""
    assert cpu_millis(text) == millis


@pytest.mark.parametrize("text, n", [("128Mi", 128 * MiB), ("1G", 10 ** 9), ("1.5", 2), ("512k", 512_000)])
def test_memory_bytes_round_up(text, n):
    assert memory_bytes(text) == n


# ------------------------------------------------------------------------------------------------------------------
# Paths


@pytest.mark.parametrize("path, text", [
    (("spec", "containers", 0, "ports", 1, "name"), "spec.containers[0].ports[1].name"),
    (("metadata", "labels", "app.kubernetes.io/name"), "metadata.labels[app.kubernetes.io/name]"),
    (("metadata", "labels", "app"), "metadata.labels.app"),
])
def test_format_and_parse_path(path, text):
    assert format_path(path) == text
    assert parse_path(text) == path


def test_parse_path_reads_objects_quoted_keys():
    """kmodel.objects writes label keys as `metadata.labels['key']`."""
    assert parse_path("spec.template.metadata.labels['a.b/c']") == ("spec", "template", "metadata", "labels", "a.b/c")


# ------------------------------------------------------------------------------------------------------------------
# What loads, with the API server's defaults


def test_pod_defaults():
    """SEMANTICS 50: restartPolicy Always; terminationGracePeriodSeconds 30; ports TCP."""
    pod = only(load_text(POD), Pod).obj
    assert pod.name == "web" and dict(pod.labels) == {"app": "web"}
    assert pod.restart_policy == "Always" and pod.termination_grace_period_seconds == 30
    assert pod.containers[0].name == "app" and pod.requests.cpu == 0


def test_container_ports_requests_probes_hooks():
    """SEMANTICS 45 probe defaults; requests in millicores and bytes; hook handlers."""
    text = y("""
        apiVersion: v1
        kind: Pod
        metadata: {name: full}
        spec:
          containers:
            - name: app
              image: x
              ports:
                - {name: http, containerPort: 8080}
                - {containerPort: 53, protocol: UDP}
              resources:
                requests: {cpu: 250m, memory: 64Mi}
              readinessProbe:
                httpGet: {port: http}
              livenessProbe:
                tcpSocket: {port: 8080}
                periodSeconds: 5
              startupProbe:
                exec: {command: [ls]}
                failureThreshold: 30
              lifecycle:
                postStart: {exec: {command: [sh]}}
                preStop: {httpGet: {port: 80, path: /quit}}
    """)
    c = only(load_text(text), Pod).obj.containers[0]
    assert [(p.name, p.container_port, p.protocol) for p in c.ports] == [("http", 8080, "TCP"), (None, 53, "UDP")]
    assert (c.requests.cpu, c.requests.memory) == (250, 64 * MiB)
    r = c.readiness_probe
    assert (r.handler, r.port, r.path, r.timeout_seconds, r.period_seconds, r.success_threshold,
            r.failure_threshold, r.initial_delay_seconds) == (HTTP, "http", "/", 1, 10, 1, 3, 0)
    assert (c.liveness_probe.handler, c.liveness_probe.port, c.liveness_probe.period_seconds) == (TCP, 8080, 5)
    assert (c.startup_probe.handler, c.startup_probe.failure_threshold) == (EXEC, 30)
    assert c.post_start.handler == EXEC and c.pre_stop.handler == HTTP


def test_grpc_probe_is_probed_like_tcp():
    text = POD + "      livenessProbe:\n        grpc: {port: 9000}\n"
    probe = only(load_text(text), Pod).obj.containers[0].liveness_probe
    assert (probe.handler, probe.port) == (TCP, 9000)


def test_requests_default_to_limits():
    """SetDefaults_Pod: a resource with only a limit requests its limit."""
    text = POD + "      resources:\n        limits: {cpu: '1', memory: 1Gi}\n        requests: {cpu: 100m}\n"
    c = only(load_text(text), Pod).obj.containers[0]
    assert (c.requests.cpu, c.requests.memory) == (100, GiB)


def test_numeric_quantities_read_as_written():
    """`cpu: 0.5` is a YAML float; the quantity is read from the text as written."""
    text = POD + "      resources:\n        requests: {cpu: 0.5, memory: 1000}\n"
    c = only(load_text(text), Pod).obj.containers[0]
    assert (c.requests.cpu, c.requests.memory) == (500, 1000)


def test_service_defaults_target_port_to_port():
    """SEMANTICS 43: targetPort defaults to port; a named targetPort stays a name."""
    text = y("""
        apiVersion: v1
        kind: Service
        metadata: {name: web}
        spec:
          selector: {app: web}
          publishNotReadyAddresses: true
          ports:
            - {name: a, port: 80}
            - {name: b, port: 443, targetPort: https, protocol: TCP}
    """)
    svc = only(load_text(text), Service).obj
    assert [(p.port, p.target_port) for p in svc.ports] == [(80, 80), (443, "https")]
    assert dict(svc.selector) == {"app": "web"} and svc.publish_not_ready_addresses


def test_service_without_selector_is_unmanaged():
    """SEMANTICS 26, 8.2: no selector (or an empty one) is None, not "every pod"."""
    text = y("""
        apiVersion: v1
        kind: Service
        metadata: {name: ext}
        spec:
          selector: {}
          ports: [{port: 80}]
    """)
    assert only(load_text(text), Service).obj.selector is None


def test_replication_controller_defaults_selector_and_labels_from_template():
    """SEMANTICS 24, 8.1: selector and labels from the template; replicas 1."""
    text = y("""
        apiVersion: v1
        kind: ReplicationController
        metadata: {name: rc}
        spec:
          template:
            metadata: {labels: {app: rc}}
            spec:
              containers: [{name: c, image: x}]
    """)
    o = only(load_text(text), ReplicationController)
    assert o.obj.replicas == 1 and dict(o.obj.selector) == {"app": "rc"} and dict(o.obj.labels) == {"app": "rc"}
    assert o.key == "ReplicationController/rc" and o.selector == parse_selector("app=rc")


def test_replica_set_selector_from_label_selector():
    """SEMANTICS 21, 25: matchLabels and matchExpressions."""
    text = y("""
        apiVersion: apps/v1
        kind: ReplicaSet
        metadata: {name: rs}
        spec:
          replicas: 0
          selector:
            matchLabels: {app: rs}
            matchExpressions:
              - {key: tier, operator: In, values: [front, back]}
          template:
            metadata: {labels: {app: rs, tier: front}}
            spec:
              containers: [{name: c, image: x}]
    """)
    rs = only(load_text(text), ReplicaSet).obj
    assert rs.replicas == 0 and rs.selector == parse_selector("app=rs,tier in (back,front)")


def test_deployment_becomes_its_replica_set():
    """A Deployment is read as the ReplicaSet its first rollout creates: `<name>-<hash>`, with the
    pod-template-hash label in its selector, labels and template; sourced to the Deployment (SEMANTICS 25)."""
    text = y("""
        apiVersion: apps/v1
        kind: Deployment
        metadata: {name: web}
        spec:
          replicas: 2
          selector: {matchLabels: {app: web}}
          template:
            metadata: {labels: {app: web}}
            spec:
              containers: [{name: c, image: x}]
    """)
    o = only(load_text(text, "d.yaml"), ReplicaSet)
    h = o.obj.template.labels[POD_TEMPLATE_HASH]
    assert o.obj.name == f"web-{h}" and o.obj.replicas == 2
    assert o.obj.selector == parse_selector(f"app=web,{POD_TEMPLATE_HASH}={h}")
    assert o.selector == parse_selector("app=web")  # as written
    assert (o.source.kind, o.source.name, o.source.ref) == ("Deployment", "web", "Deployment/web")
    assert load_text(text).objects[0].obj.name == o.obj.name  # the hash is stable


def test_node_allocatable_and_conditions():
    text = y("""
        apiVersion: v1
        kind: Node
        metadata: {name: big, labels: {zone: a}}
        spec: {unschedulable: true}
        status:
          allocatable: {cpu: "7500m", memory: 30Gi, pods: "50"}
          conditions: [{type: Ready, status: "False"}]
    """)
    node = only(load_text(text), Node).obj
    assert (node.allocatable.cpu, node.allocatable.memory, node.max_pods) == (7500, 30 * GiB, 50)
    assert node.unschedulable and not node.ready and dict(node.labels) == {"zone": "a"}


def test_to_cluster_makes_equal_nodes_when_none_are_written():
    """--nodes N: N equal nodes node-1..node-N with the kubelet's well-known labels."""
    cluster = load_text(POD).to_cluster(nodes=2)
    assert sorted(cluster.nodes) == ["node-1", "node-2"]
    assert cluster.nodes["node-1"].labels["kubernetes.io/hostname"] == "node-1"
    assert "web" in cluster.pods and cluster.pods["web"].uid


def test_to_cluster_uses_written_nodes():
    text = POD + "---\napiVersion: v1\nkind: Node\nmetadata: {name: only}\n"
    assert list(load_text(text).to_cluster(nodes=5).nodes) == ["only"]


def test_to_cluster_rejects_negative_node_count():
    with pytest.raises(KModelError, match="--nodes"):
        load_text(POD).to_cluster(nodes=-1)


def test_multi_document_list_and_empty_documents():
    """Several documents per file, `kind: List` items, and empty documents (skipped, as kubectl does)."""
    text = "---\n" + POD + "---\n---\n" + y("""
        apiVersion: v1
        kind: List
        items:
          - apiVersion: v1
            kind: Service
            metadata: {name: s}
            spec: {selector: {app: web}, ports: [{port: 80}]}
    """)
    loaded = load_text(text, "m.yaml")
    assert [o.key for o in loaded.objects] == ["Pod/web", "Service/s"]
    assert loaded.objects[1].source.line == 17


def test_not_modelled_kinds_and_api_versions_are_listed():
    """Unknown kinds, and known kinds under an apiVersion the model does not read, are listed, never dropped. (The
    StatefulSet stub has no selector, which its schema requires: validation is off for this listing.)"""
    text = y("""
        apiVersion: apps/v1
        kind: StatefulSet
        metadata: {name: db}
        spec:
          template:
            metadata: {labels: {app: db}}
        ---
        apiVersion: extensions/v1beta1
        kind: Deployment
        metadata: {name: old}
        ---
        apiVersion: kustomize.config.k8s.io/v1beta1
        kind: Kustomization
    """)
    with schema.validation(schema.OFF):
        loaded = load_text(text, "n.yaml")
    assert loaded.objects == ()
    got = [(n.kind, n.api_version, n.name, n.line) for n in loaded.not_modelled]
    assert got == [("StatefulSet", "apps/v1", "db", 1), ("Deployment", "extensions/v1beta1", "old", 8),
                   ("Kustomization", "kustomize.config.k8s.io/v1beta1", "", 12)]
    assert "apps/v1" in loaded.not_modelled[1].reason
    assert loaded.not_modelled[0].render().startswith("n.yaml:1: note: StatefulSet/db (apps/v1) is not modelled: ")
    assert dict(loaded.not_modelled[0].pod_labels) == {"app": "db"}
    assert loaded.not_modelled[0].to_json()["kind"] == "StatefulSet"


def test_null_label_value_is_empty_string():
    """Go's JSON decoding turns a null map value into "" (a valid label value, SEMANTICS 6)."""
    text = POD.replace("app: web", "app:")
    assert dict(only(load_text(text), Pod).obj.labels) == {"app": ""}


def test_field_lines_are_recorded():
    """Every field path keeps the line of its key, so findings can point at nested fields."""
    text = y("""
        apiVersion: v1
        kind: ReplicationController
        metadata:
          name: rc
        spec:
          selector:
            app: rc
          template:
            metadata:
              labels:
                app: rc
            spec:
              containers:
                - name: c
                  image: x
                  ports:
                    - name: http
                      containerPort: 80
    """)
    src = only(load_text(text, "f.yaml"), ReplicationController).source
    assert src.file == "f.yaml" and src.line == 1
    assert src.line_of("spec.selector") == 6
    assert src.line_of("spec.template.spec.containers[0].ports[0].name") == 17
    assert src.line_of("spec.template.spec.containers[0].readinessProbe.port") == 14  # nearest written ancestor
    assert src.location("spec.selector.app") == ("f.yaml", 7, "ReplicationController/rc")


def test_directories_are_read_recursively_sorted_skipping_hidden(tmp_path):
    (tmp_path / "b").mkdir()
    (tmp_path / ".kmodel" / "traces").mkdir(parents=True)
    (tmp_path / "b" / "z.yml").write_text(POD.replace("name: web", "name: z"))
    (tmp_path / "a.yaml").write_text(POD.replace("name: web", "name: a"))
    (tmp_path / "c.json").write_text('{"apiVersion": "v1", "kind": "Node", "metadata": {"name": "n"}}')
    (tmp_path / "notes.txt").write_text("not a manifest")
    (tmp_path / ".kmodel" / "traces" / "t.json").write_text('{"kmodel-trace": 1}')
    loaded = load(tmp_path)
    assert [o.key for o in loaded.objects] == ["Pod/a", "Pod/z", "Node/n"]
    assert [Path(f).name for f in loaded.files] == ["a.yaml", "z.yml", "c.json"]


# ------------------------------------------------------------------------------------------------------------------
# Bad input: every problem is FILE:LINE: Kind/name: field.path: what is wrong

BAD = [
    ("yaml syntax", "apiVersion: v1\nkind: Pod\nmetadata: {name: [x\n", 4, "", "invalid YAML"),
    ("duplicate key", POD + "metadata: {name: again}\n", 11, "", "duplicate key 'metadata' (first at line 3)"),
    ("not a mapping", "- a\n- b\n", 1, "", "must be a mapping"),
    ("scalar document", "just text\n", 1, "", "must be a mapping"),
    ("missing apiVersion", POD.replace("apiVersion: v1\n", ""), 1, "Pod: apiVersion", "Required value"),
    ("missing kind", POD.replace("kind: Pod\n", ""), 1, "kind", "Required value"),
    ("missing name", POD.replace("  name: web\n", ""), 3, "Pod: metadata.name", "Required value"),
    ("kind not a string", POD.replace("kind: Pod", "kind: 7"), 2, "kind", "must be a string, got the number 7"),
    ("label on is a boolean", POD.replace("app: web", "canary: on"), 6, "Pod/web: metadata.labels.canary",
     "YAML 1.1 reads the unquoted `on` as a boolean; quote it: \"on\""),
    ("label yes is a boolean", POD.replace("app: web", "enabled: yes"), 6, "metadata.labels.enabled",
     "the boolean true"),
    ("label number", POD.replace("app: web", "version: 1.10"), 6, "metadata.labels.version",
     "the number 1.10 (quote it"),
    ("label key not a string", POD.replace("app: web", "1: web"), 5, "metadata.labels", "keys must be strings"),
    ("invalid label value", POD.replace("app: web", "app: my app"), 6, "metadata.labels.app",
     "invalid label value 'my app'"),
    ("invalid label key", POD.replace("app: web", "a/b/c: web"), 6, "metadata.labels[a/b/c]",
     "invalid label key"),
    ("invalid name", POD.replace("name: web", "name: Web_1"), 4, "Pod/Web_1: metadata.name", "invalid name"),
    ("invalid service name", y("""
        apiVersion: v1
        kind: Service
        metadata: {name: 1svc}
        spec: {ports: [{port: 80}]}
     """), 3, "Service/1svc: metadata.name", "DNS-1035"),
    ("service without ports", y("""
        apiVersion: v1
        kind: Service
        metadata: {name: svc}
        spec: {selector: {app: x}}
     """), 4, "spec.ports", "Required value"),
    ("no containers", POD.replace("  containers:\n    - name: app\n      image: example.com/app:1\n",
                                  "  containers: []\n"), 8, "spec.containers", "at least one container"),
    ("no image", POD.replace("      image: example.com/app:1\n", ""), 9, "spec.containers[0].image",
     "Required value"),
    ("invalid port name", POD + "      ports:\n        - {name: HTTP_PORT, containerPort: 80}\n", 12,
     "spec.containers[0].ports[0].name", "invalid port name 'HTTP_PORT'"),
    ("port out of range", POD + "      ports:\n        - {containerPort: 70000}\n", 12,
     "spec.containers[0].ports[0].containerPort", "between 1 and 65535"),
    ("lower-case protocol", POD + "      ports:\n        - {containerPort: 80, protocol: tcp}\n", 12,
     "spec.containers[0].ports[0].protocol", "unsupported protocol 'tcp'"),
    ("wrong type", POD.replace("    - name: app", "    - name: 42"), 9, "spec.containers[0].name",
     "must be a string, got the number 42"),
    ("containers not a list", POD.replace("  containers:\n    - name: app\n      image: example.com/app:1\n",
                                          "  containers: {name: app}\n"), 8, "spec.containers", "must be a list"),
    ("bad quantity", POD + "      resources:\n        requests: {memory: 1GB}\n", 12,
     "spec.containers[0].resources.requests.memory", "invalid quantity '1GB'"),
    ("negative quantity", POD + "      resources:\n        requests: {cpu: -1}\n", 12,
     "spec.containers[0].resources.requests.cpu", "greater than or equal to 0"),
    ("request above limit", POD + "      resources:\n        limits: {cpu: 1}\n        requests: {cpu: 2}\n", 13,
     "spec.containers[0].resources.requests.cpu", "less than or equal to cpu limit"),
    ("probe without handler", POD + "      livenessProbe: {periodSeconds: 3}\n", 11,
     "spec.containers[0].livenessProbe", "must specify a handler type"),
    ("probe with two handlers", POD + "      livenessProbe:\n        exec: {command: [x]}\n"
                                      "        tcpSocket: {port: 1}\n", 13,
     "spec.containers[0].livenessProbe.tcpSocket", "more than 1 handler"),
    ("probe named port invalid", POD + "      readinessProbe:\n        httpGet: {port: Not_A_Port}\n", 12,
     "spec.containers[0].readinessProbe.port", "invalid port name"),
    ("liveness success threshold", POD + "      livenessProbe:\n        exec: {command: [x]}\n"
                                         "        successThreshold: 2\n", 13,
     "spec.containers[0].livenessProbe.successThreshold", "must be 1"),
    ("negative probe delay", POD + "      livenessProbe:\n        exec: {command: [x]}\n"
                                   "        initialDelaySeconds: -5\n", 13,
     "spec.containers[0].livenessProbe.initialDelaySeconds", "greater than or equal to 0"),
    ("bad restart policy", POD + "  restartPolicy: Sometimes\n", 11, "spec.restartPolicy", "unsupported value"),
]

RC = y("""
    apiVersion: v1
    kind: ReplicationController
    metadata:
      name: rc
    spec:
      replicas: 2
      selector:
        app: rc
      template:
        metadata:
          labels:
            app: rc
        spec:
          containers:
            - name: c
              image: x
""")

RS = y("""
    apiVersion: apps/v1
    kind: ReplicaSet
    metadata:
      name: rs
    spec:
      replicas: 2
      selector:
        matchLabels:
          app: rs
      template:
        metadata:
          labels:
            app: rs
        spec:
          containers:
            - name: c
              image: x
""")

BAD += [
    ("negative replicas", RC.replace("replicas: 2", "replicas: -1"), 6, "ReplicationController/rc: spec.replicas",
     "greater than or equal to 0"),
    ("replicas as a string", RC.replace("replicas: 2", "replicas: \"2\""), 6, "spec.replicas",
     "must be an integer, got the string \"2\""),
    ("rc selector does not match template", RC.replace("    app: rc\n  template", "    app: other\n  template"),
     11, "spec.template.metadata.labels", "does not match"),
    ("rc without selector or template labels", RC.replace("  selector:\n    app: rc\n", "").replace(
        "    metadata:\n      labels:\n        app: rc\n", ""), 5, "spec.selector", "Required value"),
    ("rc without template", RC.split("  template:")[0], 5, "spec.template", "Required value"),
    ("rc restart policy not Always", RC + "      restartPolicy: Never\n", 17,
     "spec.template.spec.restartPolicy", "supported values: \"Always\""),
    ("rc selector value boolean", RC.replace("    app: rc\n  template", "    app: off\n  template"), 8,
     "spec.selector.app", "the boolean false"),
    ("rs selector missing", RS.replace("  selector:\n    matchLabels:\n      app: rs\n", ""), 5, "spec.selector",
     "Required value"),
    ("rs selector empty", RS.replace("    matchLabels:\n      app: rs\n", "    {}\n"), 7, "spec.selector",
     "empty selector is invalid"),
    ("rs selector In without values", RS.replace("    matchLabels:\n      app: rs\n",
                                                 "    matchExpressions:\n      - {key: app, operator: In}\n"),
     9, "ReplicaSet/rs: spec.selector.matchExpressions[0].values", "must be specified when operator is \"In\""),
    ("rs selector bad operator", RS.replace("    matchLabels:\n      app: rs\n",
                                            "    matchExpressions:\n      - {key: app, operator: Gt, values: ['1']}\n"),
     9, "spec.selector.matchExpressions[0].operator", "Unsupported value"),
    ("rs selector operator not a string", RS.replace("    matchLabels:\n      app: rs\n",
                                                     "    matchExpressions:\n      - {key: app, operator: {In: 1}}\n"),
     9, "spec.selector.matchExpressions[0].operator", "must be a string, got a mapping"),
    ("rs selector bad value", RS.replace("      app: rs\n  template", "      app: -rs\n  template"), 9,
     "spec.selector.matchLabels.app", "invalid label value"),
    ("rs selector mismatch", RS.replace("        app: rs\n    spec", "        app: other\n    spec"), 12,
     "spec.template.metadata.labels", "does not match"),
    ("deployment selector mismatch", RS.replace("ReplicaSet", "Deployment").replace(
        "        app: rs\n    spec", "        app: other\n    spec"), 12, "Deployment/rs: spec.template.metadata.labels",
     "does not match"),
    ("node bad pods quantity", y("""
        apiVersion: v1
        kind: Node
        metadata: {name: n}
        status:
          allocatable: {pods: lots}
     """), 5, "Node/n: status.allocatable.pods", "invalid quantity"),
    ("duplicate object", POD + "---\n" + POD, 15, "Pod/web: metadata.name", "already defined at bad.yaml:1"),
    ("one name in two namespaces", POD + "---\n" + POD.replace("  name: web\n", "  name: web\n  namespace: b\n"),
     15, "metadata.name", "single namespace"),
    ("pod deletion cost", POD.replace("  labels:", "  annotations:\n    controller.kubernetes.io/pod-deletion-cost: "
                                                "high\n  labels:"), 6, "metadata.annotations", "deletion cost"),
    ("list inside list", y("""
        apiVersion: v1
        kind: List
        items:
          - apiVersion: v1
            kind: List
            items: []
     """), 5, "kind", "may not contain another List"),
]


@pytest.mark.parametrize("name, text, line, where, problem", BAD, ids=[b[0] for b in BAD])
def test_bad_input_names_file_line_field(name, text, line, where, problem):
    """Every problem is one ManifestError: `FILE:LINE: Kind/name: field.path: what is wrong` (SEMANTICS 1 to 7,
    21 to 25, 45 for the rules behind each)."""
    with pytest.raises(ManifestError) as info:
        load_text(text, "bad.yaml")
    err = info.value
    message = str(err)
    assert message.startswith(f"bad.yaml:{line}: "), message
    assert where in message and problem in message, message
    assert err.file == "bad.yaml" and err.line == line


def test_missing_file_is_a_manifest_error(tmp_path):
    with pytest.raises(ManifestError, match="no such file"):
        load(tmp_path / "nope.yaml")


def test_non_utf8_file_is_a_manifest_error(tmp_path):
    f = tmp_path / "latin1.yaml"
    f.write_bytes(b"apiVersion: v1\nkind: Pod\nmetadata: {name: caf\xe9}\n")
    with pytest.raises(ManifestError, match="not UTF-8"):
        load(f)


def test_alias_bomb_is_bounded():
    """YAML aliases that would name billions of paths are loaded without enumerating them."""
    lines = ["a0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
    for i in range(1, 9):
        lines.append(f"a{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * 10) + "]")
    text = "\n".join(lines) + "\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: bomb}\n"
    with schema.validation(schema.OFF):
        loaded = load_text(text)
    assert [n.kind for n in loaded.not_modelled] == ["ConfigMap"]
    # Strict, the unknown top-level fields are refused at once; a document whose aliases expand past the schema's
    # walk budget (`kmodel.schema._WALK_BUDGET`) is left to the reader's bounds instead of being walked.
    with pytest.raises(ManifestError, match="unknown field"):
        load_text("a0: [x]\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: small}\n")
    assert [n.kind for n in load_text(text).not_modelled] == ["ConfigMap"]


# ------------------------------------------------------------------------------------------------------------------
# Examples, through the CLI

INVALID_EXAMPLES = {
    "yaml-syntax.yaml": (12, "invalid YAML"),
    "duplicate-key.yaml": (11, "duplicate key 'selector'"),
    "not-a-mapping.yaml": (2, "must be a mapping"),
    "missing-apiversion.yaml": (2, "Pod: apiVersion: Required value"),
    "missing-kind.yaml": (2, "kind: Required value"),
    "missing-name.yaml": (4, "Service: metadata.name: Required value"),
    "label-not-string.yaml": (8, "Pod/feature-flags: metadata.labels.canary: label values must be strings"),
    "invalid-label.yaml": (7, "Pod/bad-label: metadata.labels.app: invalid label value"),
    "invalid-selector.yaml": (10, "ReplicaSet/bad-selector: spec.selector.matchExpressions[0].values"),
    "selector-mismatch.yaml": (13, "Deployment/mismatch: spec.template.metadata.labels"),
    "negative-replicas.yaml": (7, "ReplicationController/negative: spec.replicas"),
    "invalid-port-name.yaml": (11, "Pod/bad-port-name: spec.containers[0].ports[0].name"),
    "wrong-type.yaml": (7, "ReplicationController/wrong-type: spec.replicas: must be an integer"),
    "bad-quantity.yaml": (12, "Pod/bad-quantity: spec.containers[0].resources.requests.memory"),
    "duplicate-object.yaml": (15, "Service/twice: metadata.name: already defined"),
    "probe-two-handlers.yaml": (13, "Pod/two-handlers: spec.containers[0].livenessProbe.tcpSocket"),
}


def test_every_invalid_example_is_covered():
    assert sorted(p.name for p in (EXAMPLES / "invalid").glob("*.yaml")) == sorted(INVALID_EXAMPLES)


@pytest.mark.parametrize("name", sorted(INVALID_EXAMPLES))
def test_invalid_example_through_cli_exits_2_with_file_line(name):
    """`kmodel check` on a bad manifest: exit 2, one line `FILE:LINE: Kind/name: field: problem`, no traceback."""
    from kmodel.cli import main

    line, fragment = INVALID_EXAMPLES[name]
    path = EXAMPLES / "invalid" / name
    result = CliRunner().invoke(main, ["check", str(path)])
    assert result.exit_code == 2, result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)
    assert f"{path}:{line}: " in result.stderr and fragment in result.stderr, result.stderr
    assert "Traceback" not in result.output


# ------------------------------------------------------------------------------------------------------------------
# The real-world corpus (kubernetes/examples): loads, or is refused only where Kubernetes refuses it

REJECTED_BY_KUBERNETES = {
    "_archived/openshift-origin/etcd-controller.yaml":
        "spec.selector is written twice; kubectl's strict decoding refuses duplicate keys",
    "_archived/openshift-origin/etcd-discovery-controller.yaml":
        "spec.selector is written twice; kubectl's strict decoding refuses duplicate keys",
    "_archived/openshift-origin/openshift-controller.yaml":
        "spec.selector is written twice; kubectl's strict decoding refuses duplicate keys",
    "_archived/storage/vitess/vttablet-pod-template.yaml":
        "a template with {{placeholders}}: labels and name are not valid until substituted",
    "_archived/sysdig-cloud/sysdig-rc.yaml":
        "ReplicationController without a selector and without template labels to default it from",
    "_archived/volumes/aws_ebs/aws-ebs-web.yaml": "port protocol 'tcp' (must be TCP, UDP or SCTP)",
    "_archived/volumes/cinder/cinder-web.yaml": "port protocol 'tcp' (must be TCP, UDP or SCTP)",
    # Refused by the schema (kmodel.schema, strict as kubectl's default), since issue 22:
    "_archived/volumes/fibre_channel/fc.yaml": "fc.lun is the placeholder string '<ADD LUN ID Here>' (an integer)",
    "_archived/volumes/rbd/rbd.yaml": "rbd.imageformat is not a field of RBDVolumeSource (unknown field)",
    "_archived/volumes/scaleio/pod.yaml": "scaleIO.protectionDoamin, a typo of protectionDomain (unknown field)",
    "_archived/volumes/storageos/storageos-pod.yaml": "storageos.pool is not a field of StorageOSVolumeSource",
}

CORPUS_FILES = sorted(str(p.relative_to(CORPUS)) for p in CORPUS.rglob("*") if p.suffix in (".yaml", ".yml"))


def test_corpus_is_complete():
    """156 manifests of kubernetes/examples with their LICENSE, as shared/realworld holds them."""
    assert len(CORPUS_FILES) == 156
    assert (CORPUS / "LICENSE").is_file()


@pytest.mark.parametrize("name", CORPUS_FILES)
def test_corpus_file_loads_or_is_rejected_as_kubernetes_would(name):
    """Every real-world file loads (unmodelled kinds listed, a cluster built, findings computed) or raises
    ManifestError with FILE:LINE where Kubernetes itself refuses the file; nothing else is raised."""
    from kmodel.findings import find_all

    path = CORPUS / name
    if name in REJECTED_BY_KUBERNETES:
        with pytest.raises(ManifestError) as info:
            load(path)
        assert str(info.value).startswith(f"{path}:") and info.value.line is not None
        return
    loaded = load(path)
    assert loaded.objects or loaded.not_modelled
    text = path.read_text()
    for n in loaded.not_modelled:
        assert f"kind: {n.kind}" in text and n.line >= 1
    cluster = loaded.to_cluster(nodes=3)
    assert len(cluster.pods) == len(loaded.pods)
    for f in find_all(loaded):
        assert f.locations and f.locations[0][0] == str(path)


def test_corpus_summary():
    """What the corpus run finds, as reported in the README: files loaded, kinds not modelled, findings."""
    from collections import Counter

    from kmodel.findings import find_all

    loaded_files, not_modelled, rules = 0, Counter(), Counter()
    for name in CORPUS_FILES:
        if name in REJECTED_BY_KUBERNETES:
            continue
        loaded = load(CORPUS / name)
        loaded_files += 1
        not_modelled.update(n.kind for n in loaded.not_modelled)
        rules.update(f.rule for f in find_all(loaded))
    assert loaded_files == 145
    assert sum(not_modelled.values()) == 10 and not_modelled["StatefulSet"] == 2
    assert set(rules) <= {"service-selects-nothing", "selector-overlap", "named-port-missing", "capacity-short"}
    assert rules["service-selects-nothing"] == 40


# ------------------------------------------------------------------------------------------------------------------
# Robustness: no input ends in anything but a KModelError


def _seed_documents() -> list[dict]:
    import yaml

    docs = []
    for path in sorted((EXAMPLES / "healthy").glob("*.yaml")) + sorted((EXAMPLES / "broken").glob("*.yaml")):
        docs += [d for d in yaml.safe_load_all(path.read_text()) if isinstance(d, dict)]
    return docs


_SEEDS = _seed_documents()
_ODD_VALUES = [None, 0, -1, 1.5, "x", "", True, [], {}, ["a"], {"a": 1}, "on", 2 ** 40, "1Gi", "-5",
               {"port": "http"}, [{"name": 1}]]


def _paths(d, prefix=()):
    yield prefix
    if isinstance(d, dict):
        for k, v in d.items():
            yield from _paths(v, prefix + (k,))
    elif isinstance(d, list):
        for i, v in enumerate(d):
            yield from _paths(v, prefix + (i,))


@given(st.data())
@settings(deadline=None)
def test_mutated_manifests_load_or_raise_manifest_error(data):
    """Any field of a valid manifest replaced by a value of another type: the load succeeds (and the findings
    and the cluster can be computed) or raises KModelError naming FILE:LINE; never another exception."""
    import copy

    import yaml

    from kmodel.findings import find_all

    doc = copy.deepcopy(data.draw(st.sampled_from(_SEEDS)))
    for _ in range(data.draw(st.integers(1, 3))):
        paths = [p for p in _paths(doc) if p]
        path = data.draw(st.sampled_from(paths))
        target = doc
        for key in path[:-1]:
            target = target[key]
        target[path[-1]] = copy.deepcopy(data.draw(st.sampled_from(_ODD_VALUES)))
    try:
        loaded = load_text(yaml.safe_dump(doc), "m.yaml")
        find_all(loaded)
        loaded.to_cluster()
    except ManifestError as e:
        assert str(e).startswith("m.yaml")
    except KModelError:
        pass
