"""`kmodel replay TRACE`: re-run a saved counterexample and show it step by step.

The trace's events are re-applied deterministically (`kmodel.trace.replay`) with every registered rule checked
as the engines check them. Text output is a table (step, actor, event, what changed, which rules broke there)
and a verdict line; `--output-format json` prints one object (`verdict`, `violated_at`, `steps`). With
`--export-yaml FILE` the Kubernetes objects at each step are written to FILE, to reproduce the run by hand.

Exit codes: 1 the trace still breaks its rule, 0 it no longer does (including a trace whose events are no longer
enabled: the replay says where it stopped), 2 bad input (no such file, not a trace, unknown event class).
"""

from __future__ import annotations

import json
import shutil
import sys
from pathlib import Path

import click

from kmodel.errors import KModelError

EXIT_HOLDS, EXIT_VIOLATED, EXIT_BAD_INPUT = 0, 1, 2


@click.command("replay")
@click.argument("trace_file", metavar="TRACE", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--output-format", type=click.Choice(["text", "json"]), default="text", show_default=True)
@click.option("--export-yaml", "export_file", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Write the Kubernetes objects at every step to this file (YAML, one List per step).")
def replay(trace_file: Path, output_format: str, export_file: Path | None) -> None:
    """Replay the counterexample TRACE (a JSON file under .kmodel/traces/) and show each step."""
    from kmodel import trace as tr

    try:
        if not trace_file.exists():
            raise tr.TraceError(f"{trace_file}: no such file")
        loaded = tr.load(trace_file)
        steps = tr.replay(loaded)
        if export_file is not None:
            try:
                export_file.write_text(tr.export_yaml(loaded, steps), encoding="utf-8")
            except OSError as e:
                raise tr.TraceError(f"{export_file}: cannot write: {e.strerror or e}") from None
    except KModelError as e:
        click.echo(f"error: {e}", err=True)
        raise SystemExit(EXIT_BAD_INPUT) from None
    first = tr.violated(steps, loaded.rule)
    stopped = next((s for s in steps if s.not_enabled), None)
    if output_format == "json":
        click.echo(json.dumps(tr.render_json(loaded, steps, str(trace_file)), indent=2))
    else:
        from rich.console import Console

        stream = sys.stdout
        width = shutil.get_terminal_size((160, 40)).columns if stream.isatty() else 160
        tr.render_table(loaded, steps, Console(file=stream, width=width, highlight=False))
        if first is not None:
            click.echo(f"{trace_file}: {loaded.rule}: still violated at step {first.index} of {len(steps) - 1}")
        elif stopped is not None:
            click.echo(f"{trace_file}: {loaded.rule}: no longer violated: step {stopped.index} "
                       f"({type(stopped.event).__name__}) is not enabled, the replay stopped there")
        else:
            click.echo(f"{trace_file}: {loaded.rule}: no longer violated ({len(steps) - 1} steps replayed)")
        if export_file is not None:
            click.echo(f"objects at every step written to {export_file}")
    raise SystemExit(EXIT_VIOLATED if first is not None else EXIT_HOLDS)
