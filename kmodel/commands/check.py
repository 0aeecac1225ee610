"""`kmodel check [MANIFEST...]`: static findings and every registered rule, with a verdict per rule.

With no manifest the built-in seed scenario is checked; `--scenario NAME` checks another of the catalogue
(`--list-scenarios`), and `--scenario generated` checks `--examples` clusters drawn over the whole
configuration space (`kmodel.generate`), the counterexample naming the (shrunk) cluster that broke a rule.
`--coverage` adds which configuration features the checked clusters had and which witnesses the runs reached.
Text output reads like mypy or ruff
(`FILE:LINE: rule-name: message`, then a summary line); `--output-format json` prints one object with `verdict`,
`rules`, `findings`, `violations` and `not_modelled`. Progress goes to stderr; stdout holds only the report.
"""

from __future__ import annotations

import json
from pathlib import Path

import click

from kmodel.cli import EXIT_FAIL, EXIT_INCONCLUSIVE, EXIT_PASS
from kmodel.check import rule_lines, verdict_counts
from kmodel.cluster import Config
from kmodel.commands.options import PROFILE, echo_warnings, validation_options


GENERATED, ALL = "generated", "all"


def _check_one(cluster, engine, seed, max_steps, max_examples, names, shrink_seconds=None):
    """One cluster through the chosen engine."""
    if engine == "explore":
        from kmodel.explore import check_with_explorer

        return check_with_explorer(cluster, max_depth=max_steps or 3, rule_names=names)
    from kmodel.check import check_cluster

    return check_cluster(cluster, seed=seed, max_examples=max_examples, max_steps=max_steps or 30, rule_names=names,
                         shrink_seconds=shrink_seconds)


def _run_scenario(name, engine, seed, examples, max_steps, max_examples, names, profile, shrink_seconds=None):
    """A built-in scenario (or the generated clusters) through the chosen engine: (report, coverage or None,
    cluster or None)."""
    from kmodel import scenarios

    if name == GENERATED:
        return _check_generated(engine, seed, examples, max_steps, max_examples, names, profile, shrink_seconds)
    built = scenarios.CATALOGUE[name]
    cluster = built.cluster(Config(profile=profile or built.profile, seed=seed))
    return _check_one(cluster, engine, seed, max_steps, max_examples, names, shrink_seconds), None, cluster


def _violation_json(v, trace_file, loaded):
    from kmodel.generate import describe

    return {
        "rule": v.rule,
        "message": v.message,
        "cluster": describe(v.initial) if v.initial is not None else None,
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
@click.option("--profile", type=PROFILE, default=None,
              help="Scheduler profile: the seed's textbook rule, the real kube-scheduler defaults, or one a "
                   "`kmodel.parts` entry point registers (default: the scenario's own, textbook for manifests; both "
                   "for --scenario generated).")
@click.option("--scenario", default=None, metavar="NAME",
              help="A built-in scenario to check instead of manifests (see --list-scenarios), 'generated', or "
                   "'all' (the catalogue and the generated clusters).")
@click.option("--list-scenarios", is_flag=True, default=False, help="List the built-in scenarios and exit.")
@click.option("--examples", type=click.IntRange(1), default=None,
              help="Clusters drawn by --scenario generated (default 200 for the Hypothesis engine, 20 for the "
                   "explorer, which explores each in turn).")
@click.option("--coverage", "show_coverage", is_flag=True, default=False,
              help="Also report the configuration features checked and the witnesses reached.")
@click.option("--shrink-seconds", type=click.FloatRange(0), default=20.0, show_default=True,
              help="How long the Hypothesis engine may shrink a counterexample, from when shrinking starts; the "
                   "report keeps the smallest found by then (0: the failure as first found).")
@click.option("--output-format", type=click.Choice(["text", "json"]), default="text", show_default=True)
@click.option("--trace-dir", type=click.Path(path_type=Path), default=Path(".kmodel/traces"), show_default=True)
@validation_options
def check(manifests, engine, seed, max_steps, max_examples, rule_names, nodes, profile, scenario, list_scenarios,
          examples, shrink_seconds, show_coverage, output_format, trace_dir):
    """Check the rules on MANIFEST files or directories (or a built-in scenario, the seed by default)."""
    import invariants
    from kmodel import scenarios

    if list_scenarios:
        _list_scenarios(output_format)
        return
    if examples is None:
        examples = 20 if engine == "explore" else 200
    if scenario is not None and manifests:
        raise click.UsageError("--scenario checks a built-in scenario: give it or MANIFEST files, not both")
    if scenario is not None and scenario not in (GENERATED, ALL) and scenario not in scenarios.CATALOGUE:
        raise click.BadParameter(f"unknown scenario {scenario!r}; known: "
                                 f"{', '.join([*scenarios.CATALOGUE, GENERATED, ALL])}", param_hint="--scenario")
    names = None
    if rule_names is not None:
        names = [n.strip() for n in rule_names.split(",") if n.strip()]
        if not names:  # a check of nothing is never a pass
            raise click.BadParameter(f"names no rule ({rule_names!r}); give rule names, or leave --rules out to "
                                     "check every rule", param_hint="--rules")
        for n in names:
            try:
                invariants.get(n)
            except KeyError as err:
                raise click.BadParameter(str(err), param_hint="--rules") from None
    findings, not_modelled, source, loaded = [], [], f"scenario:{scenario or 'seed'}", None
    coverage, cluster, per_scenario = None, None, []
    if manifests:
        from kmodel import findings as findings_mod
        from kmodel.manifests import load_manifests

        loaded = load_manifests([str(m) for m in manifests])
        echo_warnings(loaded)
        cluster = loaded.to_cluster(nodes=nodes, config=Config(profile=profile or "textbook", seed=seed))
        findings = list(findings_mod.find_all(loaded, nodes=nodes))
        not_modelled = list(loaded.not_modelled)
        source = ", ".join(str(m) for m in manifests)
        report = _check_one(cluster, engine, seed, max_steps, max_examples, names, shrink_seconds)
    elif scenario == ALL:
        from kmodel.explore import merge_reports
        from kmodel.stateful import Coverage

        coverage = Coverage()
        for name in [*scenarios.CATALOGUE, GENERATED]:
            one, one_coverage, one_cluster = _run_scenario(name, engine, seed, examples, max_steps, max_examples,
                                                           names, profile, shrink_seconds)
            per_scenario.append((name, one))
            if one_coverage is not None:
                coverage.merge(one_coverage)
            else:
                coverage.record_initial(one_cluster)
            click.echo(f"scenario:{name}: {one.verdict} ({verdict_counts(one.rules)}; {one.steps} steps in "
                       f"{one.seconds:.1f}s)", err=True)
        report = merge_reports([one for _, one in per_scenario], engine)
    else:
        report, coverage, cluster = _run_scenario(scenario or "seed", engine, seed, examples, max_steps,
                                                  max_examples, names, profile, shrink_seconds)
    trace_files = _save_traces(report, trace_dir, engine, seed)
    verdict = report.verdict
    if per_scenario:  # every scenario must pass on its own: a rule inconclusive on one is not passed by another
        from kmodel.check import overall

        verdict = overall(one.verdict for _, one in per_scenario)
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
            **({"scenarios": [{"name": n, "verdict": one.verdict, "seconds": round(one.seconds, 3),
                               "rules": [{"name": r.name, "verdict": r.verdict, "message": r.message}
                                         for r in one.rules if r.verdict != "pass"]}
                              for n, one in per_scenario]} if per_scenario else {}),
            **({"coverage": _coverage_json(report, coverage, cluster)} if show_coverage else {}),
        }, indent=2))
    else:
        for name, one in per_scenario:
            click.echo(f"scenario:{name}: {one.verdict} ({verdict_counts(one.rules)})"
                       + "".join(f"\n    {r.verdict.upper()} {r.name}: {r.message}" for r in one.rules
                                 if r.verdict not in ("pass", "not-applicable")))
        _print_text(report, findings, not_modelled, trace_files, verdict, source, loaded)
        if show_coverage:
            _print_coverage(_coverage_json(report, coverage, cluster))
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
        if source == f"scenario:{GENERATED}" and v.initial is not None:
            from kmodel.generate import describe

            click.echo(f"    generated cluster: {describe(v.initial)}")
        for i, e in enumerate(v.events, 1):
            click.echo(f"    {i:3d}. {e!r}")
        if t:
            click.echo(f"    trace saved to {t} (replay with: kmodel replay {t})")
    for line in rule_lines(report.rules):
        click.echo(line)
    click.echo(f"kmodel check: {verdict} ({source}; {verdict_counts(report.rules)}; {len(findings)} findings; "
               f"{report.steps} steps by {report.engine} in {report.seconds:.1f}s)")


def _list_scenarios(output_format: str) -> None:
    from kmodel import scenarios

    rows = [(s.name, s.summary) for s in scenarios.CATALOGUE.values()]
    rows.append((GENERATED, "Clusters drawn over the whole configuration space (kmodel.generate), --examples of "
                            "them; a counterexample names the shrunk cluster."))
    rows.append((ALL, "Every scenario above and the generated clusters, one after the other; each must pass."))
    if output_format == "json":
        click.echo(json.dumps([{"name": n, "summary": t} for n, t in rows], indent=2))
        return
    width = max(len(n) for n, _ in rows)
    for name, summary in rows:
        click.echo(f"{name:<{width}}  {summary}")


def _check_generated(engine, seed, examples, max_steps, max_examples, names, profile, shrink_seconds=None):
    """`--scenario generated`: the Hypothesis engine over `examples` drawn clusters, or the explorer on each of
    them (the verdicts merged: `kmodel.explore.merge_reports`)."""
    from kmodel import generate

    strategy = generate.clusters(profile=profile)
    if engine == "explore":
        from kmodel.explore import check_with_explorer, merge_reports
        from kmodel.stateful import Coverage

        coverage = Coverage()
        reports = []
        for cluster in generate.sample(examples, seed, strategy):
            coverage.record_initial(cluster)
            reports.append(check_with_explorer(cluster, max_depth=max_steps or 3, rule_names=names))
            if reports[-1].verdict == "fail":
                break
        report = merge_reports(reports)
        coverage.witnesses = {r.name for r in report.rules if r.kind == "sometimes" and r.verdict == "pass"}
        return report, coverage, None
    from kmodel.check import check_generated

    report, coverage = check_generated(strategy, seed=seed, examples=examples, max_steps=max_steps or 30,
                                       rule_names=names, shrink_seconds=shrink_seconds)
    return report, coverage, None


def _coverage_json(report, coverage, cluster) -> dict:
    """Which configuration features the checked clusters had (counts over the drawn clusters, or the one
    cluster's), and which witnesses were reached, applicable but unreached, or not applicable."""
    from kmodel.generate import FEATURES, features_of

    if coverage is not None:
        features = {name: coverage.features.get(name, 0) for name in FEATURES}
        clusters = coverage.clusters
    else:
        have = features_of(cluster)
        features = {name: int(name in have) for name in FEATURES}
        clusters = 1
    witnesses = {r.name: r.verdict for r in report.rules if r.kind == "sometimes"}
    return {"clusters": clusters, "features": features,
            "features_missing": sorted(n for n, k in features.items() if k == 0),
            "witnesses_reached": sorted(n for n, v in witnesses.items() if v == "pass"),
            "witnesses_unreached": sorted(n for n, v in witnesses.items() if v == "inconclusive"),
            "witnesses_not_applicable": sorted(n for n, v in witnesses.items() if v == "not-applicable")}


def _print_coverage(cov: dict) -> None:
    n = cov["clusters"]
    click.echo(f"coverage: {n} cluster{'s' if n != 1 else ''} checked")
    had = [f"{name} ({k})" if n > 1 else name for name, k in cov["features"].items() if k]
    click.echo(f"  features present: {', '.join(had) or 'none'}")
    click.echo(f"  features absent: {', '.join(cov['features_missing']) or 'none'}")
    click.echo(f"  witnesses reached ({len(cov['witnesses_reached'])}): {', '.join(cov['witnesses_reached']) or 'none'}")
    click.echo(f"  witnesses unreached ({len(cov['witnesses_unreached'])}): "
               f"{', '.join(cov['witnesses_unreached']) or 'none'}")
    click.echo(f"  witnesses not applicable ({len(cov['witnesses_not_applicable'])}): "
               f"{', '.join(cov['witnesses_not_applicable']) or 'none'}")
