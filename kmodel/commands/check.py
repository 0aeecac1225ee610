"""`kmodel check [MANIFEST...]`: static findings and every registered rule, with a verdict per rule.

With no manifest the built-in seed scenario is checked. Text output reads like mypy or ruff
(`FILE:LINE: rule-name: message`, then a summary line); `--output-format json` prints one object with `verdict`,
`rules`, `findings`, `violations` and `not_modelled`. Progress goes to stderr; stdout holds only the report.
"""

from __future__ import annotations

import json
from pathlib import Path

import click

from kmodel.cli import EXIT_FAIL, EXIT_INCONCLUSIVE, EXIT_PASS
from kmodel.check import rule_lines, verdict_counts
from kmodel.cluster import PROFILES, Config


def _violation_json(v, trace_file, loaded):
    return {
        "rule": v.rule,
        "message": v.message,
        "location": violation_location(loaded, v, v.initial),
        "objects": list(v.objects),
        "trace": {"file": trace_file, "events": [repr(e) for e in v.events]},
    }


@click.command("check")
@click.argument("manifests", nargs=-1, type=click.Path(path_type=Path))
@click.option("--engine", type=click.Choice(["hypothesis", "explore"]), default="hypothesis", show_default=True,
              help="Random runs with shrinking, or the exhaustive bounded explorer.")
@click.option("--seed", type=int, default=0, show_default=True, help="Seed of the Hypothesis engine.")
@click.option("--max-steps", type=click.IntRange(1), default=None,
              help="Events per run (Hypothesis, default 30) or depth bound (explorer, default 3).")
@click.option("--max-examples", type=click.IntRange(1), default=60, show_default=True,
              help="Runs of the Hypothesis engine.")
@click.option("--rules", "rule_names", default=None, help="Comma-separated rule names to check (default: all).")
@click.option("--nodes", type=click.IntRange(1), default=3, show_default=True,
              help="Equal nodes to add when the manifests declare none.")
@click.option("--profile", type=click.Choice(PROFILES), default="textbook", show_default=True,
              help="Scheduler profile: the seed's textbook rule or the real kube-scheduler defaults.")
@click.option("--output-format", type=click.Choice(["text", "json"]), default="text", show_default=True)
@click.option("--trace-dir", type=click.Path(path_type=Path), default=Path(".kmodel/traces"), show_default=True)
def check(manifests, engine, seed, max_steps, max_examples, rule_names, nodes, profile, output_format, trace_dir):
    """Check the rules on MANIFEST files or directories (or the built-in seed scenario)."""
    import invariants
    from kmodel.check import check_cluster

    config = Config(profile=profile, seed=seed)
    names = None
    if rule_names:
        names = [n.strip() for n in rule_names.split(",") if n.strip()]
        for n in names:
            try:
                invariants.get(n)
            except KeyError as err:
                raise click.BadParameter(str(err), param_hint="--rules") from None
    findings, not_modelled, source, loaded = [], [], "scenario:seed", None
    if manifests:
        from kmodel import findings as findings_mod
        from kmodel.manifests import load_manifests

        loaded = load_manifests([str(m) for m in manifests])
        cluster = loaded.to_cluster(nodes=nodes, config=config)
        findings = list(findings_mod.find_all(loaded, nodes=nodes))
        not_modelled = list(loaded.not_modelled)
        source = ", ".join(str(m) for m in manifests)
    else:
        from kmodel.scenarios import seed as seed_scenario

        cluster = seed_scenario(config)
    if engine == "explore":
        from kmodel.explore import check_with_explorer

        report = check_with_explorer(cluster, max_depth=max_steps or 3, rule_names=names)
    else:
        report = check_cluster(cluster, seed=seed, max_examples=max_examples, max_steps=max_steps or 30,
                               rule_names=names)
    trace_files = _save_traces(report, trace_dir, engine, seed)
    verdict = report.verdict
    if findings and verdict != "fail":
        verdict = "fail"
    if output_format == "json":
        click.echo(json.dumps({
            "verdict": verdict,
            "source": source,
            "engine": engine,
            "seed": seed,
            "steps": report.steps,
            "seconds": round(report.seconds, 3),
            "rules": [{"name": r.name, "kind": r.kind, "verdict": r.verdict, "message": r.message}
                      for r in report.rules],
            "findings": [f.to_json() for f in findings],
            "violations": [_violation_json(v, t, loaded) for v, t in zip(report.violations, trace_files)],
            "not_modelled": [n.to_json() for n in not_modelled],
        }, indent=2))
    else:
        _print_text(report, findings, not_modelled, trace_files, verdict, source, loaded)
    raise SystemExit({"pass": EXIT_PASS, "fail": EXIT_FAIL, "inconclusive": EXIT_INCONCLUSIVE}[verdict])


def _save_traces(report, trace_dir: Path, engine: str, seed: int) -> list[str | None]:
    out: list[str | None] = []
    for v in report.violations:
        try:
            from kmodel.trace import Trace
        except ImportError:  # traces arrive with the manifests issue
            out.append(None)
            continue
        trace = Trace(initial=v.initial, events=tuple(v.events), rule=v.rule, message=v.message,
                      engine=engine, seed=seed)
        out.append(str(trace.save(trace_dir)))
    return out


def violation_location(loaded, violation, initial) -> str | None:
    """`FILE:LINE` of the manifest object a violation involves: the object itself, or for a pod a controller
    created, the controller that owns it in the initial cluster or whose generated names it carries."""
    if loaded is None:
        return None
    keys = list(violation.objects)
    for key in list(keys):
        kind, _, name = key.partition("/")
        if kind == "Pod":
            pod = initial.pods.get(name) if initial is not None else None
            if pod is not None and pod.owner is not None:
                keys.append(pod.owner.key)
            keys += [c.key for c in (initial.controllers.values() if initial is not None else ())
                     if name.startswith(c.name + "-")]
    for key in keys:
        src = loaded.source(key)
        if src is not None:
            return f"{src.file}:{src.line}"
    return None


def _print_text(report, findings, not_modelled, trace_files, verdict, source, loaded=None) -> None:
    for f in findings:
        click.echo(f.render())
    for n in not_modelled:
        click.echo(n.render())
    for v, t in zip(report.violations, trace_files):
        click.echo(f"{violation_location(loaded, v, v.initial) or source}: {v.rule}: {v.message}")
        for i, e in enumerate(v.events, 1):
            click.echo(f"    {i:3d}. {e!r}")
        if t:
            click.echo(f"    trace saved to {t} (replay with: kmodel replay {t})")
    for line in rule_lines(report.rules):
        click.echo(line)
    click.echo(f"kmodel check: {verdict} ({source}; {verdict_counts(report.rules)}; {len(findings)} findings; "
               f"{report.steps} steps by {report.engine} in {report.seconds:.1f}s)")
