"""`kmodel explore` on every file of the real-world corpus (kubernetes/examples) with its default bounds (depth 3,
every fault, the requests the witnesses are reached by, settled start), as a user would first run it: no rule is violated by a real manifest, exit 2 only
where Kubernetes itself refuses the file, never a traceback, and an inconclusive report always says what kept it
from a verdict (`ExploreResult.reach_hints`), and following its hint passes. The whole corpus takes about 50 s."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from kmodel.cli import main
from tests.cli.test_realworld_check import refused_as_kubernetes_refuses
from tests.unit.test_manifests import CORPUS, CORPUS_FILES


def run_explore(path, tmp_path, *extra):
    return CliRunner().invoke(main, ["explore", "--no-progress", "--output-format", "json",
                                     "--trace-dir", str(tmp_path), *extra, str(path)])


@pytest.mark.parametrize("name", CORPUS_FILES)
def test_kmodel_explore_on_real_world_file(name, tmp_path):
    """Defaults first; an inconclusive report's hint names the user requests that reach its missing witnesses,
    and following it gives the verdict (every real manifest passes)."""
    path = CORPUS / name
    result = run_explore(path, tmp_path)
    if refused_as_kubernetes_refuses(name, path, result):
        return
    report = json.loads(result.stdout)
    assert report["violations"] == [] and result.exit_code in (0, 3), result.output
    assert report["exhaustive"] is True
    if result.exit_code == 0:
        assert report["verdict"] == "pass" and report["hints"] == [] and report["unreached_witnesses"] == []
    else:
        assert report["verdict"] == "inconclusive" and report["unreached_witnesses"]
        assert report["hints"][0].startswith("never reached: ") and len(report["hints"]) >= 2
        followed = run_explore(path, tmp_path, *following(report))
        assert followed.exit_code == 0, followed.output


def following(report: dict) -> list[str]:
    """The options an inconclusive report's hints name: the user requests it left out (when it allowed none), or
    one more event of depth when states were left unexpanded at the depth bound."""
    extra: list[str] = []
    for hint in report["hints"]:
        if hint.startswith("--user-events: none allowed; `--user-events "):
            extra += hint.split("`")[1].split()
        if "unexpanded at --max-depth" in hint:
            extra += ["--max-depth", str(report["max_depth"] + 1)]
    assert extra, report["hints"]
    return extra
