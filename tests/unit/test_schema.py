"""Schema validation of manifests (`kmodel.schema`, issue 22 item 1): typos and wrong types refused with the field
path and its line, as kubectl's strict validation refuses them; `warn` keeps going; `off` reads as before."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from kmodel import schema
from kmodel.cli import main
from kmodel.errors import ManifestError
from kmodel.manifests import load_text

RC = """\
apiVersion: v1
kind: ReplicationController
metadata: {name: web}
spec:
  replicas: 2
  selector: {app: web}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers:
      - name: app
        image: nginx
        livenessProbe:
          initialDelaySeconds: 3
          tcpSocket: {port: 80}
"""

CASES = [
    # (what is changed, into what, the line, the field path, the message)
    ("  replicas: 2\n", "  replcas: 2\n", 5, "spec.replcas", 'unknown field "replcas"'),
    ("          initialDelaySeconds: 3\n", "          initialDelaySecond: 3\n", 14,
     "spec.template.spec.containers[0].livenessProbe.initialDelaySecond", 'unknown field "initialDelaySecond"'),
    ("  replicas: 2\n", "  replicas: two\n", 5, "spec.replicas", 'must be an integer, got the string "two"'),
    ("          tcpSocket: {port: 80}\n", "          tcpSocket: {}\n", 15,
     "spec.template.spec.containers[0].livenessProbe.tcpSocket.port", "Required value"),
]


@pytest.mark.parametrize("old, new, line, path, message", CASES, ids=[c[3] for c in CASES])
def test_a_schema_error_is_refused_at_its_line(old, new, line, path, message):
    with pytest.raises(ManifestError) as e:
        load_text(RC.replace(old, new), "rc.yaml")
    text = str(e.value)
    assert text.startswith(f"rc.yaml:{line}: ReplicationController/web: {path}: "), text
    assert message in text


def test_a_valid_manifest_loads():
    assert [o.key for o in load_text(RC, "rc.yaml").objects] == ["ReplicationController/web"]


def test_warn_keeps_loading_and_says_what_it_found():
    with schema.validation(schema.WARN):
        loaded = load_text(RC.replace("  replicas: 2\n", "  replcas: 2\n"), "rc.yaml")
    assert loaded.objects and loaded.warnings == ('rc.yaml:5: ReplicationController/web: spec.replcas: '
                                                  'unknown field "replcas"',)


def test_off_reads_as_before():
    with schema.validation(schema.OFF):
        assert load_text(RC.replace("  replicas: 2\n", "  replcas: 2\n"), "rc.yaml").objects


def test_kinds_the_schemas_do_not_know_are_left_to_the_reader():
    crd = "apiVersion: example.com/v1\nkind: Widget\nmetadata: {name: w}\nspec: {anything: 1}\n"
    assert [n.kind for n in load_text(crd, "w.yaml").not_modelled] == ["Widget"]


def test_an_older_release_is_chosen_by_version():
    assert schema.resolve_version("1.30").startswith("1.30")
    with pytest.raises(schema.UnknownVersion):
        schema.resolve_version("9.99")
    with pytest.raises(schema.UnknownVersion):
        schema.resolve_version("latest")


def test_the_cli_options(tmp_path):
    path = tmp_path / "rc.yaml"
    path.write_text(RC.replace("  replicas: 2\n", "  replcas: 2\n"))
    refused = CliRunner().invoke(main, ["check", str(path)])
    assert refused.exit_code == 2 and 'spec.replcas: unknown field "replcas"' in refused.output
    # One rule: the point is that warn goes on, not which witnesses a five-run search happens to reach.
    warned = CliRunner().invoke(main, ["check", "--validate", "warn", "--max-examples", "5", "--rules",
                                       "replicas-converge", str(path)])
    assert warned.exit_code in (0, 1) and "warning:" in warned.output and "spec.replcas" in warned.output
    bad = CliRunner().invoke(main, ["check", "--kubernetes-version", "0.1", str(path)])
    assert bad.exit_code == 2 and "--kubernetes-version" in bad.output


def test_kinds_kmodel_does_not_model_are_validated_too():
    stub = "apiVersion: apps/v1\nkind: StatefulSet\nmetadata: {name: db}\nspec:\n  template: {}\n"
    with pytest.raises(ManifestError, match="spec.selector: Required value"):
        load_text(stub, "s.yaml")


def test_the_readers_own_message_comes_first_for_the_fields_it_reads():
    # kmodel's reader explains YAML 1.1's `on`; the schema would only say "must be a string".
    with pytest.raises(ManifestError, match="YAML 1.1 reads the unquoted `on` as a boolean"):
        load_text(RC.replace("labels: {app: web}}", "labels: {app: web, canary: on}}"), "rc.yaml")
