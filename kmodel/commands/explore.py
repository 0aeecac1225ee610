"""`kmodel explore [MANIFEST...]`: exhaustive bounded exploration of a cluster, with a verdict per rule.

The cluster is the MANIFEST files or directories given (nodes added as `--nodes` equal nodes when none is
declared), or a built-in scenario of the catalogue (`--scenario NAME`, `kmodel check --list-scenarios`), or
`--examples` clusters drawn over the configuration space (`--scenario generated`: each explored in turn, the
verdicts merged as `kmodel.explore.merge_rule_verdicts` says). By default the search starts from the settled
cluster (`--start settled`: the controllers have done their work) and explores every fault the environment may
inject (`--faults`: class names or the groups node, probes, hooks, exits, time; "all", "none") and the user
requests named by `--user-events` (by default "witnesses": the requests the registered witnesses are reached by,
`kmodel.explore.witness_requests`), within `--max-depth`, `--max-pods`, `--max-restarts`, `--max-clock` and
`--max-states`.

Output: text (counterexamples, one line per rule, a summary) or `--output-format json`: one object with
`verdict`, `distinct_states`, `transitions`, `max_depth`, `states_per_second`, `convergence_bound`, `rules` and
`violations` (each with its saved trace file), `unreached_witnesses` and `hints` (what kept them out of the
search: `ExploreResult.reach_hints`), and the bounds. A progress bar (states, states/s, depth) goes to
stderr; stdout holds only the report. Counterexamples are saved as trace files (`kmodel replay FILE`).

Exit codes: 0 every rule holds on the whole bounded space; 1 a rule is violated; 2 bad input or usage;
3 inconclusive (the search stopped at `--max-states` before the bounded space was exhausted, or a rule's
witness was never reached so its pass would be vacuous).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from kmodel.check import rule_lines, verdict_counts
from kmodel.cluster import Config
from kmodel.commands.options import PROFILE, echo_warnings, validation_options
from kmodel.errors import KModelError

EXIT_PASS, EXIT_FAIL, EXIT_USAGE, EXIT_INCONCLUSIVE = 0, 1, 2, 3
_EXIT = {"pass": EXIT_PASS, "fail": EXIT_FAIL, "inconclusive": EXIT_INCONCLUSIVE}


GENERATED = "generated"
WITNESSES = "witnesses"


def _load_cluster(manifests, scenario, replicas, system_pods, nodes, profile):
    if manifests:
        from kmodel.manifests import load_manifests

        loaded = load_manifests([str(m) for m in manifests])
        echo_warnings(loaded)
        return loaded.to_cluster(nodes=nodes, config=Config(profile=profile or "textbook")), \
            ", ".join(str(m) for m in manifests)
    from kmodel import scenarios

    if scenario == "seed":
        return scenarios.seed(Config(profile=profile or "textbook"), replicas=replicas if replicas is not None else 3,
                              system_pods=system_pods), "scenario:seed"
    if replicas is not None or not system_pods:
        raise KModelError("--replicas and --no-system-pods apply to --scenario seed only")
    if scenario not in scenarios.CATALOGUE:
        raise KModelError(f"--scenario: unknown scenario {scenario!r}; known: "
                          f"{', '.join([*scenarios.CATALOGUE, GENERATED])}")
    built = scenarios.CATALOGUE[scenario]
    return built.cluster(Config(profile=profile or built.profile)), f"scenario:{scenario}"


class _Progress:
    """A rich progress display on stderr: states, states per second, BFS depth."""

    def __init__(self, enabled: bool) -> None:
        self.progress = None
        if not enabled:
            return
        from rich.console import Console
        from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

        self.progress = Progress(SpinnerColumn(), TextColumn("[bold]exploring"),
                                 TextColumn("{task.fields[states]:>9,} states"),
                                 TextColumn("{task.fields[rate]:>8,.0f} states/s"),
                                 TextColumn("depth {task.fields[depth]}"), TimeElapsedColumn(),
                                 console=Console(file=sys.stderr), transient=True)
        self.task = self.progress.add_task("explore", total=None, states=0, rate=0.0, depth=0)

    def __enter__(self) -> "_Progress":
        if self.progress is not None:
            self.progress.start()
        return self

    def __exit__(self, *exc) -> None:
        if self.progress is not None:
            self.progress.stop()

    def __call__(self, states: int, transitions: int, depth: int, seconds: float) -> None:
        if self.progress is not None:
            self.progress.update(self.task, states=states, depth=depth,
                                 rate=states / seconds if seconds > 0 else 0.0)


@click.command("explore")
@click.argument("manifests", nargs=-1, type=click.Path(path_type=Path))
@click.option("--scenario", default="seed", show_default=True, metavar="NAME",
              help="Built-in scenario to explore when no manifest is given (kmodel check --list-scenarios), or "
                   "'generated'.")
@click.option("--examples", type=click.IntRange(1), default=20, show_default=True,
              help="Clusters drawn by --scenario generated, each explored in turn.")
@click.option("--seed", "draw_seed", type=int, default=0, show_default=True,
              help="Seed of the draws of --scenario generated.")
@click.option("--replicas", type=click.IntRange(0), default=None,
              help="Replicas of the seed scenario's ReplicationController (default 3).")
@click.option("--system-pods/--no-system-pods", default=True, show_default=True,
              help="Whether the seed scenario has its per-node infrastructure pods.")
@click.option("--nodes", type=click.IntRange(1), default=3, show_default=True,
              help="Equal nodes to add when the manifests declare none.")
@click.option("--profile", type=PROFILE, default=None,
              help="Scheduler profile (default: the scenario's own; textbook for manifests).")
@click.option("--start", type=click.Choice(["settled", "initial"]), default="settled", show_default=True,
              help="Explore from the settled cluster, or from the cluster as written.")
@click.option("--max-depth", type=click.IntRange(0), default=3, show_default=True,
              help="Events from the start (the seed with the witnesses' requests: about 15,000 states at 3, "
                   "190,000 at 4).")
@click.option("--max-pods", type=click.IntRange(0), default=None, help="Pod objects in a state.")
@click.option("--max-restarts", type=click.IntRange(0), default=None, help="Highest container restart count.")
@click.option("--max-clock", type=click.IntRange(0), default=None, help="Clock, in seconds.")
@click.option("--max-states", type=click.IntRange(1), default=1_000_000, show_default=True,
              help="Distinct states after which the search stops (inconclusive).")
@click.option("--faults", default="all", show_default=True,
              help="Fault events allowed: class names or groups (node, probes, hooks, exits, time), all, none.")
@click.option("--user-events", default=WITNESSES, show_default=True,
              help="User requests allowed: class names (ScaleController, DeletePod, DeleteController, RemoveNode, "
                   "...), all, none, or 'witnesses': the requests the witnesses are reached by. Creations are "
                   "refused: the explorer invents no new objects.")
@click.option("--symmetry", type=click.Choice(["full", "pods", "off"]), default="full", show_default=True,
              help="Merge states equal up to renaming interchangeable nodes and pods (full), pods only, or none; "
                   "the explorer falls back when a name decides between states it would merge.")
@click.option("--check-settle-steps", is_flag=True, default=False,
              help="Also check ALWAYS and TRANSITION rules on every step of the settle runs.")
@click.option("--rules", "rule_names", default=None, help="Comma-separated rule names to check (default: all).")
@click.option("--output-format", type=click.Choice(["text", "json"]), default="text", show_default=True)
@click.option("--trace-dir", type=click.Path(path_type=Path), default=Path(".kmodel/traces"), show_default=True)
@click.option("--progress/--no-progress", default=True, show_default=True, help="Progress bar on stderr.")
@validation_options
def explore(manifests, scenario, examples, draw_seed, replicas, system_pods, nodes, profile, start, max_depth,
            max_pods, max_restarts, max_clock, max_states, faults, user_events, symmetry, check_settle_steps,
            rule_names, output_format, trace_dir, progress):
    """Explore every state reachable within the bounds and check every rule (exit 0 pass, 1 violation,
    2 bad input, 3 inconclusive)."""
    import invariants
    from kmodel.explore import ExploreConfig, witness_requests
    from kmodel.explore import explore as run_explore

    try:
        names = None
        if rule_names is not None:
            names = [n.strip() for n in rule_names.split(",") if n.strip()]
            if not names:  # a check of nothing is never a pass
                raise KModelError(f"--rules: names no rule ({rule_names!r}); give rule names, or leave --rules out "
                                  "to check every rule")
            from kmodel.explore import SETTLE_RULE

            for n in names:
                if n != SETTLE_RULE:
                    try:
                        invariants.get(n)
                    except KeyError as err:
                        raise KModelError(f"--rules: {err}") from None
        requests = witness_requests()  # a witness reached_by an unknown request is bad input: said before the search
        if user_events == WITNESSES:
            user_events = sorted(requests) or "none"
        cfg = ExploreConfig(max_depth=max_depth, max_pods=max_pods, max_restarts=max_restarts, max_clock=max_clock,
                            faults=faults, user_events=user_events, max_states=max_states, symmetry=symmetry,
                            check_settle_steps=check_settle_steps)
        if scenario == GENERATED and not manifests:
            if replicas is not None or not system_pods:
                raise KModelError("--replicas and --no-system-pods apply to --scenario seed only")
            _explore_generated(cfg, names, examples, draw_seed, profile, start, output_format, trace_dir, progress)
        cluster, source = _load_cluster(manifests, scenario, replicas, system_pods, nodes, profile)
        if start == "settled":
            from kmodel.settle import settle

            cluster = settle(cluster, max_steps=cfg.settle_bound).cluster
        with _Progress(progress) as bar:
            result = run_explore(cluster, cfg, names, progress=bar)
    except KModelError as err:
        click.echo(f"error: {err}", err=True)
        raise SystemExit(EXIT_USAGE) from None
    files = _save_traces(result, trace_dir, [str(m) for m in manifests])
    if output_format == "json":
        doc = {"source": source, "start": start, **result.to_json(files)}
        click.echo(json.dumps(doc, indent=2))
    else:
        _print_text(result, files, source)
    raise SystemExit(_EXIT[result.verdict])


def _explore_generated(cfg, names, examples, draw_seed, profile, start, output_format, trace_dir, progress):
    """`--scenario generated`: explore each of `examples` drawn clusters in turn (stopping at the first that
    breaks a rule), then one report: the verdicts merged over the clusters, each cluster's line, and the
    counterexamples with the generated cluster that broke the rule."""
    from kmodel import generate
    from kmodel.check import overall
    from kmodel.explore import explore as run_explore
    from kmodel.explore import merge_rule_verdicts
    from kmodel.settle import settle

    results = []
    for cluster in generate.sample(examples, draw_seed, generate.clusters(profile=profile)):
        if start == "settled":
            cluster = settle(cluster, max_steps=cfg.settle_bound).cluster
        with _Progress(progress) as bar:
            results.append((cluster, run_explore(cluster, cfg, names, progress=bar)))
        if results[-1][1].verdict == "fail":
            break
    rules = merge_rule_verdicts(r.rules for _, r in results)
    verdict = overall(r.verdict for r in rules)
    files = [f for _, r in results for f in _save_traces(r, trace_dir, [])]
    violations = [(c, v) for c, r in results for v in r.violations]
    if output_format == "json":
        click.echo(json.dumps({
            "source": f"scenario:{GENERATED}", "start": start, "verdict": verdict,
            "clusters": [{"cluster": generate.describe(c), "verdict": r.verdict, "distinct_states": r.distinct_states,
                          "exhaustive": r.exhaustive, "seconds": round(r.seconds, 3)} for c, r in results],
            "distinct_states": sum(r.distinct_states for _, r in results),
            "rules": [{"name": r.name, "kind": r.kind, "verdict": r.verdict, "message": r.message} for r in rules],
            "violations": [{"rule": v.rule, "message": v.message, "cluster": generate.describe(c), "trace": f,
                            "events": [repr(e) for e in v.events]} for (c, v), f in zip(violations, files)],
        }, indent=2))
    else:
        for (c, v), f in zip(violations, files):
            click.echo(f"scenario:{GENERATED}: {v.rule}: {v.message}")
            click.echo(f"    generated cluster: {generate.describe(c)}")
            for i, e in enumerate(v.events, 1):
                click.echo(f"    {i:3d}. {e!r}")
            if f:
                click.echo(f"    trace saved to {f} (replay with: kmodel replay {f})")
        for line in rule_lines(rules):
            click.echo(line)
        click.echo(f"kmodel explore: {verdict} (scenario:{GENERATED}; {len(results)} clusters; {verdict_counts(rules)}; "
                   f"{sum(r.distinct_states for _, r in results):,} distinct states; "
                   f"{sum(1 for _, r in results if r.exhaustive)} exhaustive within bounds)")
    raise SystemExit(_EXIT[verdict])


def _save_traces(result, trace_dir: Path, sources: list[str]) -> list[str | None]:
    out: list[str | None] = []
    for v in result.violations:
        try:
            out.append(str(v.trace(sources).save(trace_dir)))
        except (OSError, KModelError) as err:
            click.echo(f"warning: could not save the trace of {v.rule}: {err}", err=True)
            out.append(None)
    return out


def _print_text(result, files, source: str) -> None:
    for v, f in zip(result.violations, files):
        click.echo(f"{source}: {v.rule}: {v.message}")
        click.echo(f"    shortest counterexample: {v.depth} explored events"
                   + (f" + {len(v.events) - v.depth} settle steps" if len(v.events) > v.depth else ""))
        for i, e in enumerate(v.events, 1):
            mark = "  <- cycle" if v.cycle_start is not None and i == v.cycle_start + 1 else ""
            settle = " (settle)" if i > v.depth else ""
            click.echo(f"    {i:3d}. {e!r}{settle}{mark}")
        if f:
            click.echo(f"    trace saved to {f} (replay with: kmodel replay {f})")
    for line in rule_lines(result.rules):
        click.echo(line)
    hints = result.reach_hints()
    if hints:
        click.echo(f"inconclusive: {hints[0]}")
        for hint in hints[1:]:
            click.echo(f"  - {hint}")
    parts = verdict_counts(result.rules)
    space = "complete" if result.complete else ("exhaustive within bounds" if result.exhaustive
                                                else "stopped at --max-states: NOT exhaustive")
    pruned = ", ".join(f"{k} {n}" for k, n in result.pruned.items() if n)
    click.echo(f"kmodel explore: {result.verdict} ({source}; {parts}; "
               f"{result.distinct_states:,} distinct states, {result.transitions:,} transitions, depth "
               f"{result.max_depth}, {result.states_per_second:,.0f} states/s; convergence bound "
               f"{result.convergence_bound if result.convergence_bound is not None else '-'} fair steps; {space}"
               f"{f' (pruned: {pruned})' if pruned else ''}; symmetry {result.symmetry}"
               f"{f': {result.symmetry_note}' if result.symmetry_note and result.symmetry != 'off' else ''})")
