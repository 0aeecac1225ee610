"""The README stays true: its two set-up commands come first, its rule list names every registered rule, and its
`kmodel explore` example passes."""

from __future__ import annotations

from pathlib import Path

import invariants

README = Path(__file__).resolve().parents[2] / "README.md"


def test_readme_starts_with_the_two_setup_commands():
    lines = [l for l in README.read_text().splitlines() if l.strip()]
    assert lines[1] == "```bash"
    assert lines[2].endswith("kmodel check") and "pip install" in lines[2]
    assert lines[3].endswith("pytest") and "'.[test]'" in lines[3]


def test_readme_lists_every_rule():
    text = README.read_text()
    missing = [name for name in invariants.registry() if f"`{name}`" not in text]
    assert not missing, f"README's rule list lacks {missing}"


def test_readme_explore_example_gives_a_verdict():
    """The `kmodel explore` line of "Using it" reaches every witness it can, so it passes (exit 0), not just runs."""
    import shlex

    from click.testing import CliRunner

    from kmodel.cli import main

    line = next(l for l in README.read_text().splitlines() if l.startswith("kmodel explore "))
    args = shlex.split(line.split("#")[0])[1:]
    result = CliRunner().invoke(main, [*args, "--no-progress"])
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines()[-1].startswith("kmodel explore: pass (scenario:tiny;")
