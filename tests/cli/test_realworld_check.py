"""`kmodel check` on every file of the real-world corpus (kubernetes/examples), as a user would run it: exit 0 or
1, or 2 only where Kubernetes itself refuses the file; never a traceback; unmodelled kinds listed.

Each file is first checked with a small budget; a file left inconclusive (a witness not reached) is checked
again with the default budget, which is what a user gets."""

from __future__ import annotations

import json
import re

import pytest
from click.testing import CliRunner

from kmodel.cli import main
from tests.unit.test_manifests import CORPUS, CORPUS_FILES, REJECTED_BY_KUBERNETES

SMALL = ["--max-examples", "20", "--max-steps", "20"]


def run_check(path, extra):
    result = CliRunner().invoke(main, ["check", "--output-format", "json", *extra, str(path)])
    return result


def refused_as_kubernetes_refuses(name, path, result) -> bool:
    """What every command owes every file: no traceback, and exit 2 with `error: FILE:LINE` exactly for the files
    Kubernetes itself refuses. True for those files (nothing more to check)."""
    assert result.exception is None or isinstance(result.exception, SystemExit), result.output
    assert "Traceback" not in result.output
    if name not in REJECTED_BY_KUBERNETES:
        return False
    assert result.exit_code == 2, (REJECTED_BY_KUBERNETES[name], result.output)
    assert result.stderr.startswith(f"error: {path}:")
    return True


@pytest.mark.parametrize("name", CORPUS_FILES)
def test_kmodel_check_on_real_world_file(name, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # traces, if any, go under the test's own directory
    path = CORPUS / name
    result = run_check(path, SMALL)
    if result.exit_code == 3:
        result = run_check(path, [])
    if refused_as_kubernetes_refuses(name, path, result):
        return
    assert result.exit_code in (0, 1), result.output
    report = json.loads(result.stdout)
    assert report["verdict"] == ("pass" if result.exit_code == 0 else "fail")
    text = path.read_text()
    for entry in report["not_modelled"]:
        assert f"kind: {entry['kind']}" in text


CORPUS_DIRS = sorted({str((CORPUS / name).parent.relative_to(CORPUS)) for name in CORPUS_FILES})


@pytest.mark.parametrize("directory", CORPUS_DIRS)
def test_kmodel_check_on_real_world_directory_gives_one_verdict_with_either_engine(directory, tmp_path, monkeypatch):
    """`kmodel check DIR`, as a user checks an app whole (recursively), with the Hypothesis engine and with the
    explorer (`--engine explore`, which allows the user requests the witnesses are `reached_by`): never a
    traceback, never inconclusive, the same exit code from both; a refusal (exit 2) names FILE:LINE (a file
    Kubernetes refuses, an object defined twice, another namespace)."""
    monkeypatch.chdir(tmp_path)
    path = CORPUS / directory
    codes = []
    for engine in ("hypothesis", "explore"):
        result = run_check(path, ["--engine", engine])
        assert result.exception is None or isinstance(result.exception, SystemExit), result.output
        assert "Traceback" not in result.output and result.exit_code in (0, 1, 2), (engine, result.output)
        if result.exit_code == 2:
            assert re.match(rf"error: {re.escape(str(path))}/\S+:\d+: ", result.stderr), result.stderr
        codes.append(result.exit_code)
    assert codes[0] == codes[1], codes


def test_the_corpus_has_its_59_directories():
    assert len(CORPUS_DIRS) == 59
