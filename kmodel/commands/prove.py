"""`kmodel prove [NAME...]`: run the Z3 proofs over the model's decision code (issue 5).

Every proof ends in one verdict: proved, counterexample (a concrete witness, already replayed through the
concrete code) or inconclusive (Z3 answered unknown or the time budget ran out: never a pass).

A proof names the registry invariants that check the same behaviour (issue 18 item 6): a counterexample prints
`breaks: <invariant>, ... (SEMANTICS n, ...)` under its verdict, and its JSON entry gets `invariants` (and the
`rules` it covers), so a bug the proof finds is reported under the rule the other engines name.

Exit codes: 0 every proof proved, 1 some proof has a counterexample, 3 some proof is inconclusive (and none has
a counterexample), 2 an unknown proof name (the message lists the known ones), a proof naming an invariant the
registry does not hold, or a bad option.
"""

from __future__ import annotations

import json
from typing import Any

import click

EXIT_PROVED, EXIT_COUNTEREXAMPLE, EXIT_USAGE, EXIT_INCONCLUSIVE = 0, 1, 2, 3


def _render_text(results: list[Any]) -> str:
    from invariants.smt.framework import Counterexample, Inconclusive, to_jsonable

    lines = []
    width = max((len(r.name) for r in results), default=0)
    for r in results:
        lines.append(f"{r.verdict.kind:<15} {r.name:<{width}}  {r.seconds:8.3f}s")
        if isinstance(r.verdict, Counterexample):
            if r.invariants:
                rules = f" (SEMANTICS {', '.join(r.rules)})" if r.rules else ""
                lines.append(f"    breaks: {', '.join(r.invariants)}{rules}")
            lines.append("    witness: " + json.dumps(to_jsonable(r.witness), sort_keys=True))
        elif isinstance(r.verdict, Inconclusive):
            lines.append("    reason: " + r.verdict.reason)
    counts = {kind: sum(1 for r in results if r.verdict.kind == kind)
              for kind in ("proved", "counterexample", "inconclusive")}
    total = sum(r.seconds for r in results)
    lines.append(f"{len(results)} proofs: {counts['proved']} proved, {counts['counterexample']} counterexample, "
                 f"{counts['inconclusive']} inconclusive in {total:.2f}s")
    return "\n".join(lines)


@click.command("prove")
@click.argument("names", nargs=-1, metavar="[NAME]...")
@click.option("--timeout-ms", type=click.IntRange(min=1), default=None, show_default="20000",
              help="Time budget of each proof, in milliseconds; a proof that runs out is inconclusive.")
@click.option("--output-format", type=click.Choice(["text", "json"]), default="text", show_default=True)
@click.option("--list", "list_only", is_flag=True, help="List the registered proofs and exit.")
def prove(names: tuple[str, ...], timeout_ms: int | None, output_format: str, list_only: bool) -> None:
    """Run the Z3 proofs NAME... (all of them when none is given).

    Exit 0 all proved, 1 a counterexample, 3 inconclusive, 2 an unknown proof name.
    """
    from invariants.smt import framework

    if timeout_ms is None:
        timeout_ms = framework.DEFAULT_TIMEOUT_MS
    if list_only:
        for p in framework.proofs().values():
            names_ = f" [invariants: {', '.join(p.invariants)}]" if p.invariants else ""
            click.echo(f"{p.name}: {p.doc}{names_}")
        return
    try:
        results = framework.run(list(names) if names else None, timeout_ms=timeout_ms)
    except (framework.UnknownProof, framework.UnknownProofInvariant) as err:
        click.echo(f"error: {err}", err=True)
        raise click.exceptions.Exit(EXIT_USAGE)
    code = framework.exit_code(results)
    if output_format == "json":
        doc = {
            "proofs": [r.to_json() for r in results],
            "summary": {kind: sum(1 for r in results if r.verdict.kind == kind)
                        for kind in ("proved", "counterexample", "inconclusive")},
            "timeout_ms": timeout_ms,
            "exit_code": code,
        }
        click.echo(json.dumps(doc, indent=2))
    else:
        click.echo(_render_text(results))
    if code:
        raise click.exceptions.Exit(code)
