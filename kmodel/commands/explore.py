"""`kmodel explore [MANIFEST...]`: exhaustive bounded exploration of a cluster, with a verdict per rule.

The cluster is the MANIFEST files or directories given (nodes added as `--nodes` equal nodes when none is
declared), or a built-in scenario (`--scenario seed|tiny`). By default the search starts from the settled
cluster (`--start settled`: the controllers have done their work) and explores every fault the environment may
inject (`--faults`: class names or the groups node, probes, hooks, exits, time; "all", "none") and the user
requests named by `--user-events` (none by default), within `--max-depth`, `--max-pods`, `--max-restarts`,
`--max-clock` and `--max-states`.

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
from kmodel.cluster import PROFILES, Config
from kmodel.errors import KModelError

EXIT_PASS, EXIT_FAIL, EXIT_USAGE, EXIT_INCONCLUSIVE = 0, 1, 2, 3
_EXIT = {"pass": EXIT_PASS, "fail": EXIT_FAIL, "inconclusive": EXIT_INCONCLUSIVE}


def _load_cluster(manifests, scenario, replicas, system_pods, nodes, config):
    if manifests:
        from kmodel.manifests import load_manifests

        loaded = load_manifests([str(m) for m in manifests])
        return loaded.to_cluster(nodes=nodes, config=config), ", ".join(str(m) for m in manifests)
    from kmodel import scenarios

    if scenario == "seed":
        return scenarios.seed(config, replicas=replicas if replicas is not None else 3, system_pods=system_pods), \
            "scenario:seed"
    if replicas is not None or not system_pods:
        raise KModelError("--replicas and --no-system-pods apply to --scenario seed only")
    return scenarios.tiny(config), "scenario:tiny"


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
@click.option("--scenario", type=click.Choice(["seed", "tiny"]), default="seed", show_default=True,
              help="Built-in scenario to explore when no manifest is given.")
@click.option("--replicas", type=click.IntRange(0), default=None,
              help="Replicas of the seed scenario's ReplicationController (default 3).")
@click.option("--system-pods/--no-system-pods", default=True, show_default=True,
              help="Whether the seed scenario has its per-node infrastructure pods.")
@click.option("--nodes", type=click.IntRange(1), default=3, show_default=True,
              help="Equal nodes to add when the manifests declare none.")
@click.option("--profile", type=click.Choice(PROFILES), default="textbook", show_default=True,
              help="Scheduler profile.")
@click.option("--start", type=click.Choice(["settled", "initial"]), default="settled", show_default=True,
              help="Explore from the settled cluster, or from the cluster as written.")
@click.option("--max-depth", type=click.IntRange(0), default=4, show_default=True, help="Events from the start.")
@click.option("--max-pods", type=click.IntRange(0), default=None, help="Pod objects in a state.")
@click.option("--max-restarts", type=click.IntRange(0), default=None, help="Highest container restart count.")
@click.option("--max-clock", type=click.IntRange(0), default=None, help="Clock, in seconds.")
@click.option("--max-states", type=click.IntRange(1), default=1_000_000, show_default=True,
              help="Distinct states after which the search stops (inconclusive).")
@click.option("--faults", default="all", show_default=True,
              help="Fault events allowed: class names or groups (node, probes, hooks, exits, time), all, none.")
@click.option("--user-events", default="none", show_default=True,
              help="User requests allowed: class names (ScaleController, DeletePod, DeleteController, RemoveNode, "
                   "...), all, none. Creations are refused: the explorer invents no new objects.")
@click.option("--symmetry", type=click.Choice(["full", "pods", "off"]), default="full", show_default=True,
              help="Merge states equal up to renaming interchangeable nodes and pods (full), pods only, or none; "
                   "the explorer falls back when a name decides between states it would merge.")
@click.option("--check-settle-steps", is_flag=True, default=False,
              help="Also check ALWAYS and TRANSITION rules on every step of the settle runs.")
@click.option("--rules", "rule_names", default=None, help="Comma-separated rule names to check (default: all).")
@click.option("--output-format", type=click.Choice(["text", "json"]), default="text", show_default=True)
@click.option("--trace-dir", type=click.Path(path_type=Path), default=Path(".kmodel/traces"), show_default=True)
@click.option("--progress/--no-progress", default=True, show_default=True, help="Progress bar on stderr.")
def explore(manifests, scenario, replicas, system_pods, nodes, profile, start, max_depth, max_pods, max_restarts,
            max_clock, max_states, faults, user_events, symmetry, check_settle_steps, rule_names, output_format,
            trace_dir, progress):
    """Explore every state reachable within the bounds and check every rule (exit 0 pass, 1 violation,
    2 bad input, 3 inconclusive)."""
    import invariants
    from kmodel.explore import ExploreConfig, witness_requests
    from kmodel.explore import explore as run_explore

    try:
        names = None
        if rule_names:
            names = [n.strip() for n in rule_names.split(",") if n.strip()]
            from kmodel.explore import SETTLE_RULE

            for n in names:
                if n != SETTLE_RULE:
                    try:
                        invariants.get(n)
                    except KeyError as err:
                        raise KModelError(f"--rules: {err}") from None
        witness_requests()  # a witness reached_by an unknown request is bad input: said before the search
        cfg = ExploreConfig(max_depth=max_depth, max_pods=max_pods, max_restarts=max_restarts, max_clock=max_clock,
                            faults=faults, user_events=user_events, max_states=max_states, symmetry=symmetry,
                            check_settle_steps=check_settle_steps)
        cluster, source = _load_cluster(manifests, scenario, replicas, system_pods, nodes, Config(profile=profile))
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
