"""kmodel.rules_table: the README's table of SEMANTICS rules, the invariants citing them and their witnesses.

The table is kept true here: every rule number an invariant cites exists, every SEMANTICS rule is classified once,
every implemented rule is checked by some invariant or listed as a gap, and the README holds the table exactly as
`python -m kmodel.rules_table` renders it (regenerate it with `python -m kmodel.rules_table --write README.md`)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

import invariants
from kmodel import rules_table
from kmodel.rules_table import GAPS, IMPLEMENTED, NOT_IMPLEMENTED, RULES, STATIC, SUBITEMS

ROOT = Path(__file__).resolve().parents[2]
README = ROOT / "README.md"
SEMANTICS = ROOT.parent / "shared" / "SEMANTICS.md"  # outside the repository: absent in a clean clone


def catalog():
    """The catalog's invariants (not rules another test registered for a while)."""
    return [inv for inv in invariants.registry().values()
            if inv.predicate.__module__.startswith("invariants.catalog.")]


def cited():
    return {rules_table.rule_of(c) for inv in catalog() for c in inv.rules} - {None}


def test_every_cited_rule_number_exists():
    bad = []
    for inv in invariants.registry().values():
        for citation in inv.rules:
            try:
                rules_table.rule_of(citation)
            except ValueError as exc:
                bad.append(f"{inv.name}: {exc}")
    assert not bad


@pytest.mark.parametrize("citation, rule", [
    ("29", "29"), ("29.2", "29"), ("34.8", "34"), ("54.3", "54"), ("55.8", "55"), ("8.3", "8.3"), ("8.15", "8.15"),
    ("SEED 10", None), (" 36 ", "36"),
])
def test_rule_of(citation, rule):
    assert rules_table.rule_of(citation) == rule


@pytest.mark.parametrize("citation", ["64", "0", "8.16", "29.7", "30.1", "SEED 11", "SEMANTICS 3", "", "3a"])
def test_rule_of_refuses_what_names_no_rule(citation):
    with pytest.raises(ValueError):
        rules_table.rule_of(citation)


def test_every_rule_is_classified_once():
    classes = [set(IMPLEMENTED), set(STATIC), set(NOT_IMPLEMENTED)]
    assert len(IMPLEMENTED) == len(set(IMPLEMENTED))
    for i, a in enumerate(classes):
        for b in classes[i + 1:]:
            assert not a & b, f"classified twice: {sorted(a & b)}"
    assert set().union(*classes) == set(RULES), f"unclassified: {sorted(set(RULES) - set().union(*classes))}"


def test_every_implemented_rule_is_checked_or_a_listed_gap():
    unchecked = set(IMPLEMENTED) - cited()
    assert unchecked == set(GAPS), (
        f"implemented, cited by no invariant and not in GAPS: {sorted(unchecked - set(GAPS))}; "
        f"in GAPS but cited now (drop them from GAPS): {sorted(set(GAPS) - unchecked)}")
    assert all(text.strip() for text in GAPS.values())


def test_a_rule_an_invariant_checks_is_one_the_model_implements():
    """Citing a rule claims the model implements it: move the rule out of NOT_IMPLEMENTED (with a reason gone)."""
    assert not cited() & set(NOT_IMPLEMENTED)


def test_the_table_lists_every_implemented_rule_with_its_invariants_and_their_witnesses():
    rows = {row.rule: row for row in rules_table.build_table(catalog())}
    assert set(IMPLEMENTED) <= set(rows)
    by_name = {inv.name: inv for inv in catalog()}
    for row in rows.values():
        assert bool(row.checks) != bool(row.gap)
        for check in row.checks:
            inv = by_name[check.name]
            assert check.kind == inv.kind and check.witness == inv.witness
            assert all(rules_table.rule_of(c) == row.rule for c in check.citations)
        assert set(row.witnesses) == {c.witness for c in row.checks if c.witness}
    order = list(RULES)
    assert [r.rule for r in rules_table.build_table(catalog())] == sorted(rows, key=order.index)


def test_render_shows_gaps_in_the_invariants_column():
    text = rules_table.render(catalog())
    for rule in GAPS:
        line = next(l for l in text.splitlines() if l.startswith(f"| {rule} |"))
        assert "| GAP: " in line
    assert text.startswith("| SEMANTICS | what it says (short) | invariants (kind) | witnesses |\n")


def test_the_readme_holds_the_rendered_table():
    text = README.read_text()
    assert text.count(rules_table.START_MARKER) == 1 and text.count(rules_table.END_MARKER) == 1
    assert rules_table.block(text) == rules_table.render(catalog()), (
        "README.md's rule table is stale: run `python -m kmodel.rules_table --write README.md`")
    section = text.index("## Rules checked, by SEMANTICS rule")
    assert text.index("## What it covers") < section < text.index(rules_table.START_MARKER)


def test_replace_block_round_trips():
    text = f"intro\n{rules_table.START_MARKER}\nold\n{rules_table.END_MARKER}\nrest\n"
    new = rules_table.replace_block(text, "| a |\n")
    assert new == f"intro\n{rules_table.START_MARKER}\n| a |\n{rules_table.END_MARKER}\nrest\n"
    assert rules_table.block(new) == "| a |\n"
    with pytest.raises(ValueError):
        rules_table.replace_block("no markers", "x")


@pytest.mark.skipif(not SEMANTICS.exists(), reason="SEMANTICS.md lives outside the repository")
def test_embedded_numbering_matches_semantics_md():
    """Where SEMANTICS.md is at hand, `RULES` and `SUBITEMS` are its numbering (top-level rules, section 8's
    corrections, and the numbered items of a rule)."""
    numbers, items, current = [], {}, None
    for line in SEMANTICS.read_text().splitlines():
        top = re.match(r"(\d+)\. ", line)
        correction = re.match(r"(8\.\d+) ", line)
        item = re.match(r" {4}(\d+)\. ", line)
        if correction:
            numbers.append(correction.group(1))
            current = None
        elif top:
            numbers.append(top.group(1))
            current = top.group(1)
        elif item and current:
            items[current] = max(items.get(current, 0), int(item.group(1)))
    assert numbers == list(RULES)
    assert items == SUBITEMS


def test_readme_rule_list_is_current():
    """The README's list of every registered rule ("The rules") is the rendered registry: regenerate it with
    `python -m kmodel.rules_table --write README.md` when a rule is added or its docstring changes."""
    text = README.read_text()
    assert rules_table.block(text, rules_table.LIST_START_MARKER, rules_table.LIST_END_MARKER) == \
        rules_table.render_rule_list()
