"""The README stays true: its two set-up commands come first, and its rule list names every registered rule."""

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
