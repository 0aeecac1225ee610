"""The `kmodel` command.

`kmodel check [MANIFEST...]` checks every registered rule on the manifests given (or, with none, the built-in
seed scenario) and prints a verdict per rule; `kmodel prove` runs the Z3 proofs; `kmodel explore` runs the
exhaustive explorer; `kmodel replay TRACE` re-runs a saved counterexample; `kmodel bench` measures a scheduler
profile's placements per second beside another's.

Exit codes: 0 all rules hold, 1 a rule is violated (or a static finding), 2 bad input or usage, 3
inconclusive, 4 an internal error (a bug in kmodel, never reported as a violation). A `KModelError` is printed
as one line on stderr with exit code 2, never as a traceback; an internal error as one line asking for a report
(`KMODEL_TRACEBACK=1` shows the traceback).
"""

from __future__ import annotations

import importlib
import os
import traceback
from typing import Any

import click

from kmodel.errors import KModelError

EXIT_PASS, EXIT_FAIL, EXIT_USAGE, EXIT_INCONCLUSIVE, EXIT_INTERNAL = 0, 1, 2, 3, 4
VERDICT_EXIT = {"pass": EXIT_PASS, "fail": EXIT_FAIL, "inconclusive": EXIT_INCONCLUSIVE}


class KModelGroup(click.Group):
    """Turns a user's mistake (`KModelError`) into a clear message and exit code 2, and any other exception (a
    bug in kmodel, or in a part a user registered) into one line and exit code 4: a crash must never read as a
    violation (exit 1) in a user's CI."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except KModelError as err:
            click.echo(f"error: {err}", err=True)
            ctx.exit(EXIT_USAGE)
        except (click.exceptions.Exit, click.exceptions.Abort, click.ClickException, KeyboardInterrupt):
            raise
        except Exception as err:  # noqa: BLE001 - the last line of defence: report, never exit 1
            if os.environ.get("KMODEL_TRACEBACK"):
                traceback.print_exc()
            where = traceback.extract_tb(err.__traceback__)[-1] if err.__traceback__ else None
            at = f" at {os.path.basename(where.filename)}:{where.lineno}" if where is not None else ""
            click.echo(f"internal error: {type(err).__name__}: {err}{at}. This is a bug in kmodel (or in a part "
                       "registered with it), not a finding: please report it with the command line "
                       "(KMODEL_TRACEBACK=1 prints the traceback).", err=True)
            ctx.exit(EXIT_INTERNAL)


@click.group(cls=KModelGroup)
@click.version_option(package_name="kmodel")
def main() -> None:
    """Verify the Kubernetes control plane's promises: model checking, property-based tests and Z3 proofs."""


# One module per command; a command whose module is not installed is simply absent.
for _module, _attr in (("kmodel.commands.check", "check"), ("kmodel.commands.prove", "prove"),
                       ("kmodel.commands.replay", "replay"), ("kmodel.commands.explore", "explore"),
                       ("kmodel.commands.bench", "bench")):
    try:
        _mod = importlib.import_module(_module)
    except ModuleNotFoundError as _err:
        if _err.name != _module:
            raise
        continue
    main.add_command(getattr(_mod, _attr))
