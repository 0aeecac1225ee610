"""How long each Z3 proof takes (issue 5: all of `kmodel prove` under 60 s on this 2-core machine; the one-step
scheduling lemma in milliseconds at any size).

Skipped by the default test run (pyproject's addopts has --benchmark-skip). Run:

    /tmp/venvtest/bin/pytest benchmarks/bench_proofs.py --benchmark-only -p no:cacheprovider -o addopts="" \
        --benchmark-json=/tmp/proofs.json

One benchmark per registered proof (`extra_info`: name, verdict, queries = solver calls), plus the pieces whose
cost the issue names: the one-step least-loaded lemma, the 50-node flat pipeline, and the pipeline at several
sizes, so the growth with the cluster size is visible. Every round builds the encoding afresh (the encoding is
part of the cost) and must end Proved.
"""

from __future__ import annotations

import pytest

from invariants.smt import proofs
from invariants.smt import scheduling
from invariants.smt.framework import DEFAULT_TIMEOUT_MS, ProofContext, Proved

ALL = list(proofs())


def _timed(benchmark, fn, name: str, rounds: int = 3):
    box: dict = {}

    def once():
        ctx = ProofContext(name, DEFAULT_TIMEOUT_MS)
        box["verdict"] = fn(ctx)
        box["queries"] = ctx.queries
        return box["verdict"]

    verdict = benchmark.pedantic(once, rounds=rounds, iterations=1, warmup_rounds=0)
    benchmark.extra_info.update({"name": name, "verdict": verdict.kind, "queries": box["queries"]})
    assert verdict == Proved(), verdict


@pytest.mark.parametrize("name", ALL)
def test_proof(benchmark, name):
    _timed(benchmark, proofs()[name].fn, name)


def test_one_step_least_loaded_lemma(benchmark):
    """Valid for every cluster size, so its cost does not grow with it."""
    _timed(benchmark, lambda ctx: scheduling.step_lemma(ctx, scheduling.NODE_SELECTOR), "step-lemma", rounds=10)


@pytest.mark.parametrize("nodes", [5, 10, 20, 50])
def test_flat_pipeline(benchmark, nodes):
    _timed(benchmark, lambda ctx: scheduling.pipeline_size(ctx, nodes, scheduling.NODE_SELECTOR),
           f"pipeline-{nodes}-nodes")
    benchmark.extra_info["nodes"] = nodes


def test_all_proofs_under_60_seconds(benchmark):
    from invariants.smt import run

    def everything():
        return run()

    results = benchmark.pedantic(everything, rounds=1, iterations=1)
    benchmark.extra_info.update({"name": "all", "verdict": "proved" if all(
        r.verdict == Proved() for r in results) else "not proved",
        "seconds": {r.name: round(r.seconds, 3) for r in results}})
    assert all(r.verdict == Proved() for r in results)
    assert sum(r.seconds for r in results) < 60
