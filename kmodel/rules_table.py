"""The README's rule table: each SEMANTICS rule the model implements, the invariants that check it, their witnesses.

Issue 18 asks for it: "every behavioural SEMANTICS rule the model implements ... A SEMANTICS rule the model
implements but no invariant checks is a gap the README table shows." The table is built from the invariant
registry (each `@invariant(..., rules=(...))` cites the SEMANTICS numbers it checks) and from three hand-kept
lists in this module, which say what the model does with every rule of SEMANTICS.md:

- `IMPLEMENTED`: the behavioural rules the model implements (what a state or a step of the model is);
- `STATIC`: rules the model implements at load or parse time (label validation, the selector grammar,
  defaulting), pinned by the conformance vectors and unit tests rather than by invariants over states;
- `NOT_IMPLEMENTED`: rules the model deliberately does not implement, each with the reason.

`GAPS` lists the implemented rules that no invariant cites, each with one line on what is missing. The tests
(tests/unit/test_rules_table.py) keep all of it true: every number an invariant cites exists (`RULES` embeds
SEMANTICS.md's numbering, since SEMANTICS.md lives outside the repository), every rule is in exactly one of the
three lists, every implemented rule is cited or a listed gap, a cited rule is not listed as a gap, and the README
holds the table as `render()` gives it, between the markers `<!-- rules-table:start -->` and
`<!-- rules-table:end -->`.

Citations: "29" is rule 29; "29.2" is item 2 of rule 29 (shown on rule 29's row); "8.3" is rule 3 of section 8
(section 8's corrections have numbers of their own, and rule 8 has no numbered items, so this is unambiguous);
"SEED 10" cites behaviour 10 of SEED.md, not SEMANTICS, and is not in this table.

Regenerate the README's table whenever an invariant's rules, kinds or witnesses change:
`python -m kmodel.rules_table --write README.md` (or print it with `python -m kmodel.rules_table`). Pure: the
functions read the registry they are given and return strings.
"""

from __future__ import annotations

import re
import sys
from typing import Iterable, Mapping, NamedTuple

START_MARKER = "<!-- rules-table:start -->"
END_MARKER = "<!-- rules-table:end -->"

RULES: dict[str, str] = {
    # Section 1: labels, label validation, selectors
    "1": "Label key: one part is the name, two are prefix/name, three or more are invalid",
    "2": "Key prefix: a lowercase DNS-1123 subdomain of at most 253 bytes",
    "3": "Key name: non-empty, at most 63 bytes, alphanumeric at both ends",
    "4": "A key is at most 253 + 1 + 63 = 317 bytes",
    "5": "Regexes match the whole text; lengths are UTF-8 bytes",
    "6": "Label value: at most 63 bytes; the empty string is valid",
    "7": "ValidateLabels applies rules 1-6 to every label",
    "8": "Selector operators, Gt and Lt included (one int64 value)",
    "9": "Selector lexer: whitespace, special characters, in/notin keywords only as operators",
    "10": "Selector grammar; an empty string parses to Everything",
    "11": "Value lists: `()` is {\"\"}, empty elements count, duplicates collapse, sorted",
    "12": "`x=`, `x==` and `x!=` take the value \"\"",
    "13": "Every key and value in a selector is validated (rules 1-6)",
    "14": "Requirements are ANDed and sorted by key; contradictions are legal",
    "15": "`=`, `==`, `in`: the key is present and its value is in the set",
    "16": "`!=`, `notin`: true when the key is absent",
    "17": "exists needs the key (an empty value counts); `!key` needs it absent",
    "18": "`>` and `<` are false when the key is absent or not an int64",
    "19": "`x in ()` is x present with \"\"; `x notin ()` is x absent or non-empty",
    "20": "Everything matches every label set, Nothing matches none",
    "21": "LabelSelectorAsSelector: nil is Nothing, {} is Everything; no Gt/Lt",
    "22": "matchExpressions validation (In/NotIn need values, Exists/DoesNotExist none)",
    "23": "SelectorFromSet: a nil or empty map is Everything",
    "24": "RC selector: an equality map, defaulted from the template labels",
    "25": "RS selector: required, non-empty, matches the template, immutable",
    "26": "A Service without a selector gets no managed endpoints (not every pod)",
    "27": "ConvertSelectorToLabelsMap is a stricter k=v parser than labels.Parse",
    # Section 2: ReplicaSet / ReplicationController
    "28": "One implementation serves RC and RS",
    "29": "Sync: active pods (not terminal, not terminating), claim, diff = active - replicas",
    "30": "burstReplicas = 500 creates or deletes per sync",
    "31": "Slow-start creation in batches 1, 2, 4, ...",
    "32": "Expectations: no new sync while a batch is unobserved",
    "33": "Scale-down deletes the first diff pods by rank",
    "34": "Scale-down order (ActivePodsWithRanks.Less)",
    "35": "\"Delete the newest pods\" is only step 8 of rule 34",
    "36": "Adoption and release by ownerReferences (ClaimObject)",
    "37": "Pod events go to the controllerRef owner; a terminating pod is replaced at once",
    "38": "Cascading deletion by the garbage collector",
    # Section 3: Endpoints / EndpointSlice
    "39": "ShouldPodBeInEndpoints: not terminal, has an IP, not terminating",
    "40": "Endpoints: addresses if published or Ready, else notReadyAddresses; headless",
    "41": "EndpointSlice: serving, terminating, ready = serving and not terminating",
    "42": "IsPodReady: the Ready condition is True",
    "43": "targetPort resolution per pod (FindPort: name and protocol)",
    "44": "kube-proxy: ready endpoints only, random per connection; serving-terminating fallback",
    # Section 4: probes, restarts, readiness
    "45": "Probe defaults and validation",
    "46": "Probe workers: initial results, consecutive thresholds, startup gating",
    "47": "No readiness probe: ready once running (and started)",
    "48": "Pod conditions: ContainersReady, Ready; a Succeeded pod is never Ready",
    "49": "Liveness or startup failure kills; restart iff policy is not Never; readiness never restarts",
    "50": "Exits: Always restarts all, OnFailure only non-zero, Never none",
    "51": "CrashLoopBackOff: 10 s doubling to 300 s",
    # Section 5: lifecycle hooks
    "52": "postStart: runs after the start, blocks Running, a failure kills",
    "53": "preStop: on kubelet kills, before TERM, one grace budget; not on a plain exit",
    "54": "Pod deletion flow: deletionTimestamp, controllers drop the pod, the kubelet's final delete",
    # Section 6: scheduler
    "55": "Default plugins; filters (NodeUnschedulable, taints, NodeAffinity, NodeResourcesFit, maxPods)",
    "56": "Final score = sum of weight x normalised score",
    "57": "NodeResourcesFit LeastAllocated (cpu, memory; non-zero request defaults)",
    "58": "NodeResourcesBalancedAllocation",
    "59": "PodTopologySpread system defaults",
    "60": "Textbook \"fewest pods\" versus kube-scheduler",
    "61": "selectHost: maximum score, uniform tie-break",
    "62": "percentageOfNodesToScore",
    "63": "Preemption",
    # Section 8: corrections and confirmations
    "8.1": "RC defaulting: metadata.labels from the template, replicas 1",
    "8.2": "Endpoints controllers test selector == nil; empty arrives as nil",
    "8.3": "publishNotReadyAddresses forces ready, not serving",
    "8.4": "Legacy notReadyAddresses never hold a terminating pod",
    "8.5": "Startup worker holds after success; deletion stops liveness and startup workers",
    "8.6": "A Failed pod is not Ready",
    "8.7": "Probe-kill restarts queued at once; none once deleting; the kill's grace",
    "8.8": "Back-off 0, 10, 20, 40, ... 300 s, reset after 600 s of running",
    "8.9": "postStart failure kills through the normal path (preStop runs); no probes before it returns",
    "8.10": "preStop on every kubelet kill, never on a plain exit; a force delete gets 1 s",
    "8.11": "Rank is 0 for a standalone RS/RC; restart count of regular containers; a final tie-break",
    "8.12": "LeastAllocated in older versions counts an allocatable-0 resource",
    "8.13": "PodTopologySpread: float ln score, one rounding, integer normalisation",
    "8.14": "SchedulingGates appended by a feature gate",
    "8.15": "percentageOfNodesToScore: start index and parallel filtering",
}
"""Every rule number of SEMANTICS.md with a one-line summary, in the document's order."""

SUBITEMS: dict[str, int] = {"29": 6, "34": 9, "54": 3, "55": 20}
"""The rules whose items are numbered in SEMANTICS.md ("29.2", "34.6", "54.3", "55.8"), with their item counts."""

SEED_BEHAVIOURS = 10
"""SEED.md's behaviours, cited as "SEED 1" to "SEED 10"."""

IMPLEMENTED: tuple[str, ...] = (
    "15", "16", "17", "18", "19", "20", "26",
    "28", "29", "30", "33", "34", "36", "37", "38",
    "39", "40", "42", "43", "44",
    "46", "47", "48", "49", "50", "51",
    "52", "53", "54",
    "55", "56", "57", "58", "59", "61",
    "8.2", "8.3", "8.4", "8.5", "8.6", "8.7", "8.8", "8.9", "8.10", "8.11", "8.13",
)
"""The behavioural SEMANTICS rules the model implements: each decides what a state or a step of the model is.
Where a rule is implemented in part, the module that implements it says which part (e.g. 40's 1000-address
truncation, 44's IPVS and session affinity, 55's volume and port filters are not modelled)."""

STATIC: dict[str, str] = {
    **{str(n): "label validation at load time (kmodel.labels, kmodel.manifests); the conformance vectors pin it"
       for n in range(1, 8)},
    **{str(n): "the selector string grammar (kmodel.labels.parse_selector); the conformance vectors pin it"
       for n in range(8, 15)},
    "21": "selector conversion at load time (selector_from_label_selector); conformance vectors pin it",
    "22": "selector validation at load time; conformance vectors pin it",
    "23": "selector conversion (selector_from_map); the selectors it builds match by rule 15",
    "24": "RC selector defaulting and validation at load time (kmodel.manifests)",
    "25": "RS selector validation at load time (kmodel.manifests)",
    "27": "a separate parser (convert_selector_to_labels_map), no model state uses it; conformance vectors pin it",
    "45": "probe defaults and validation at load time (kmodel.objects.Probe, kmodel.manifests)",
    "8.1": "RC defaulting at load time (kmodel.manifests)",
}
"""Rules the model implements at load or parse time, not as behaviour of its states: unit and conformance
tests pin them, no invariant over states can see them (the state holds parsed, validated, defaulted objects)."""

NOT_IMPLEMENTED: dict[str, str] = {
    "31": "creates never fail in the model, so a sync's creates are one event; the batch shape is documented only",
    "32": "a sync's writes are one atomic event, so no batch is ever outstanding (what expectations ensure)",
    "35": "a remark on rule 34, not a rule of its own",
    "41": "EndpointSlices are not stored (legacy Endpoints are); kube-proxy's fallback set is computed as the "
          "slice controller would publish it, and checked under 44 and 8.3",
    "60": "a comparison, not a rule: the textbook profile implements SEED 10's rule (invariants cite SEED 10)",
    "62": "every feasible node is scored: the choice is the exact optimum",
    "63": "priorities and preemption are not modelled",
    "8.12": "the model follows current upstream (rule 57: an allocatable-0 resource is skipped)",
    "8.14": "SchedulingGates is not modelled",
    "8.15": "percentageOfNodesToScore is not modelled (rule 62)",
}
"""Rules the model deliberately does not implement, each with the reason."""

GAPS: dict[str, str] = {
    "20": "no invariant cites it: selector-semantics' oracle answers Nothing as no match and an empty selector as "
          "every pod but claims only 15-19, and validation (24, 25) and rule 26 keep both out of the state's selectors",
    "28": "no invariant cites it: RCs and RSs run one code path by construction and the replication invariants "
          "cover both kinds alike, but none states that an RC behaves as the equivalent RS",
    "37": "no invariant cites it: there is no informer routing (every controller with work is reconciled); its "
          "consequence, a terminating pod replaced at once, is checked under 29.2",
    "8.13": "no invariant cites it: schedule-least-loaded's oracle restates the ln score, its one rounding and "
            "the integer normalisation, but cites only 59",
}
"""Implemented rules that no invariant cites, each with what the gap is."""

_SEED = re.compile(r"SEED (\d+)")
_SECTION_8 = re.compile(r"8\.(\d+)")
_ITEM = re.compile(r"(\d+)\.(\d+)")


def rule_of(citation: str) -> str | None:
    """The `RULES` key a citation falls under ("29.2" -> "29", "8.3" -> "8.3", "34" -> "34"), None for a SEED
    citation. Raises ValueError for a citation that names no SEMANTICS rule (nor a SEED behaviour)."""
    citation = citation.strip()
    seed = _SEED.fullmatch(citation)
    if seed:
        if not 1 <= int(seed.group(1)) <= SEED_BEHAVIOURS:
            raise ValueError(f"{citation!r}: SEED.md has behaviours 1 to {SEED_BEHAVIOURS}")
        return None
    if _SECTION_8.fullmatch(citation) or citation.isdigit():
        if citation not in RULES:
            raise ValueError(f"{citation!r} is not a SEMANTICS rule number")
        return citation
    item = _ITEM.fullmatch(citation)
    if item and 1 <= int(item.group(2)) <= SUBITEMS.get(item.group(1), 0):
        return item.group(1)
    raise ValueError(f"{citation!r} is not a SEMANTICS rule number (nor a numbered item of one)")


class Check(NamedTuple):
    """One invariant citing a rule: its name, kind, witness, and the citations that put it on the row."""

    name: str
    kind: str
    witness: str | None
    citations: tuple[str, ...]


class Row(NamedTuple):
    """One table row: the rule, its summary, the invariants citing it, their witnesses, and the gap (or "")."""

    rule: str
    summary: str
    checks: tuple[Check, ...]
    witnesses: tuple[str, ...]
    gap: str


def citations(invariants: Iterable) -> dict[str, list[Check]]:
    """For every `RULES` key cited by some invariant, the invariants citing it (or one of its items)."""
    found: dict[str, dict[str, Check]] = {}
    for inv in invariants:
        per_rule: dict[str, list[str]] = {}
        for cited in inv.rules:
            rule = rule_of(cited)
            if rule is not None:
                per_rule.setdefault(rule, []).append(cited)
        for rule, cited in per_rule.items():
            found.setdefault(rule, {})[inv.name] = Check(inv.name, inv.kind, inv.witness, tuple(cited))
    return {rule: list(checks.values()) for rule, checks in found.items()}


def _kind_order(kind: str) -> int:
    from invariants.registry import KINDS

    return KINDS.index(kind) if kind in KINDS else len(KINDS)


def build_table(invariants: Iterable | None = None) -> list[Row]:
    """The table's rows, in SEMANTICS.md's order: every implemented rule and every rule an invariant cites.
    `invariants` defaults to the registry (the catalog and any rule registered since)."""
    if invariants is None:
        from invariants.registry import registry

        invariants = registry().values()
    cited = citations(invariants)
    shown = set(IMPLEMENTED) | set(cited)
    rows = []
    for rule, summary in RULES.items():
        if rule not in shown:
            continue
        checks = tuple(sorted(cited.get(rule, ()), key=lambda c: (_kind_order(c.kind), c.name)))
        witnesses = tuple(sorted({c.witness for c in checks if c.witness}))
        gap = "" if checks else GAPS.get(rule, "no invariant cites it (add it to GAPS with what is missing)")
        rows.append(Row(rule, summary, checks, witnesses, gap))
    return rows


_GROUP_SUMMARY = {"1": "Label keys and values (ValidateLabels)", "8": "The selector string grammar (labels.Parse)"}
"""The summary of a run of left-out rules that share one reason, by its first rule."""


def _cell(text: str) -> str:
    return text.replace("|", "\\|")


def _check_cell(check: Check, rule: str) -> str:
    items = [c for c in check.citations if c != rule]
    return f"`{check.name}` ({check.kind}{'; ' + ', '.join(items) if items else ''})"


def render(invariants: Iterable | None = None) -> str:
    """The markdown: the rule table, the gaps' count, then the rules left out of it and why."""
    rows = build_table(invariants)
    out = [
        "| SEMANTICS | what it says (short) | invariants (kind) | witnesses |",
        "|---|---|---|---|",
    ]
    for row in rows:
        checks = ", ".join(_check_cell(c, row.rule) for c in row.checks) if row.checks else f"GAP: {row.gap}"
        witnesses = ", ".join(f"`{w}`" for w in row.witnesses)
        out.append(f"| {row.rule} | {_cell(row.summary)} | {_cell(checks)} | {witnesses} |")
    implemented = [r for r in rows if r.rule in IMPLEMENTED]
    gaps = [r.rule for r in implemented if not r.checks]
    out += [
        "",
        f"{len(implemented)} behavioural rules implemented, {len(implemented) - len(gaps)} cited by an invariant; "
        f"gaps: {', '.join(gaps) if gaps else 'none'}. An invariant listed after a rule cites it, or one of its "
        "numbered items (shown after the kind).",
        "",
        "Not in the table: the rules the model applies when it loads objects (pinned by the conformance vectors "
        "and unit tests, invisible in a state) and those it does not model.",
        "",
        "| SEMANTICS | what it says (short) | why not in the table |",
        "|---|---|---|",
    ]
    left_out: list[tuple[str, str, str]] = []  # (rule, summary, why), consecutive rules with one reason merged
    shown = {r.rule for r in rows}
    for rule, summary in RULES.items():
        if rule in shown:
            continue
        why = (f"static: {STATIC[rule]}" if rule in STATIC
               else f"not implemented: {NOT_IMPLEMENTED.get(rule, '(say why in NOT_IMPLEMENTED)')}")
        if left_out and left_out[-1][2] == why and rule.isdigit() and int(rule) == int(left_out[-1][0][-1]) + 1:
            first = left_out[-1][0][0]
            left_out[-1] = ((first, rule), _GROUP_SUMMARY.get(first, left_out[-1][1]), why)
        else:
            left_out.append(((rule,), summary, why))
    for span, summary, why in left_out:
        out.append(f"| {'-'.join((span[0], span[-1])) if len(span) > 1 else span[0]} | {_cell(summary)} | "
                   f"{_cell(why)} |")
    return "\n".join(out) + "\n"


def replace_block(text: str, table: str, start_marker: str = START_MARKER, end_marker: str = END_MARKER) -> str:
    """`text` with whatever stands between the two markers replaced by `table`. Raises ValueError without them."""
    start, end = text.find(start_marker), text.find(end_marker)
    if start < 0 or end < start:
        raise ValueError(f"no {start_marker} ... {end_marker} block")
    return text[:start + len(start_marker)] + "\n" + table + text[end:]


def block(text: str, start_marker: str = START_MARKER, end_marker: str = END_MARKER) -> str:
    """What stands between the two markers of `text` (the README), without the newline after the start marker."""
    start, end = text.find(start_marker), text.find(end_marker)
    if start < 0 or end < start:
        raise ValueError(f"no {start_marker} ... {end_marker} block")
    return text[start + len(start_marker):end].removeprefix("\n")


LIST_START_MARKER, LIST_END_MARKER = "<!-- rule-list:start -->", "<!-- rule-list:end -->"


def render_rule_list(invariants: Iterable | None = None) -> str:
    """The README's list of every registered rule in registry order: name, kind, its docstring's first paragraph,
    the SEMANTICS rules it cites and its witness."""
    if invariants is None:
        from invariants.registry import CATALOG_MODULES, registry

        # The catalogue's rules, module by module in CATALOG_MODULES order and in definition order within a
        # module: the registry's own order follows import order, which differs between processes (and a test
        # may have registered a rule of its own).
        order = {module: i for i, module in enumerate(CATALOG_MODULES)}
        chosen = [inv for inv in registry().values() if getattr(inv.predicate, "__module__", None) in order]
        invariants = sorted(chosen, key=lambda inv: order[inv.predicate.__module__])
    out = ["| rule | kind | what it says | SEMANTICS | witness |", "|---|---|---|---|---|"]
    for inv in invariants:
        out.append(f"| `{inv.name}` | {inv.kind} | {_cell(inv.doc)} | {', '.join(inv.rules)} | "
                   f"{f'`{inv.witness}`' if inv.witness else ''} |")
    return "\n".join(out) + "\n"


def main(argv: list[str]) -> int:
    """`python -m kmodel.rules_table` prints the table; `--write PATH` replaces the block in PATH instead."""
    table = render()
    if argv[:1] == ["--write"] and len(argv) == 2:
        from pathlib import Path

        path = Path(argv[1])
        text = replace_block(path.read_text(), table)
        path.write_text(replace_block(text, render_rule_list(), LIST_START_MARKER, LIST_END_MARKER))
        return 0
    if argv:
        print("usage: python -m kmodel.rules_table [--write README.md]", file=sys.stderr)
        return 2
    sys.stdout.write(table)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
