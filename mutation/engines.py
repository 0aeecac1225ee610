#!/usr/bin/env python3
"""The mutation harness's test command: kmodel's ENGINES only (never the unit tests).

Runs, with fixed seeds and in a fixed order, `kmodel check` over the scenario catalogue and generated clusters,
`kmodel explore` on small scenarios and `kmodel prove`, and classifies the outcome:

    exit 0  every engine command ended as on the unmutated model (the mutant SURVIVES)
    exit 1  some engine reported a violation / counterexample / finding (kmodel exit 1 with a parsed report)
    exit 2  some engine crashed: kmodel exit 2, a traceback, output that is not kmodel's JSON, a signal
    exit 3  an engine that was conclusive on the unmutated model ended inconclusive (kmodel exit 3)

The last stdout line is `MUTATION-VERDICT {json}` (outcome, the rules/proofs that failed, per-command exit codes
and times); the harness (mutation/run.py) parses it out of cosmic-ray's captured output.

Which commands: when `kmodel check --list-scenarios` works (the catalogue of issue 18), every listed scenario
under `kmodel check --scenario NAME`, then `kmodel check --scenario generated --examples N` and `kmodel explore
--scenario generated` when offered; otherwise the fallback set (the seed scenario with both profiles and both
check engines, the tiny exhaustive exploration with the teardown requests). `kmodel prove` always. The plan is
computed once per process; `--plan` prints it.

Environment: KMODEL (the kmodel executable; default: `kmodel` beside this Python, else on PATH),
MUTATION_BASELINE (a JSON file {command-id: baseline exit code}; a command whose baseline exit was 3 cannot be
"killed by inconclusive"), MUTATION_EXAMPLES (clusters `kmodel check --scenario generated` draws, default 25),
MUTATION_EXPLORE_EXAMPLES (clusters `kmodel explore --scenario generated` explores, default 5: about 3 s each), MUTATION_THOROUGH=1 (also `kmodel check
--engine explore` on the seed: about 8 s alone, 20-30 s on a loaded host, so off by default).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time

SEED = "0"
TEARDOWN = "DeleteController,RelabelPod,RemoveNode,ScaleController"
VERDICT_PREFIX = "MUTATION-VERDICT "


def kmodel_exe() -> str:
    exe = os.environ.get("KMODEL")
    if exe:
        return exe
    beside = os.path.join(os.path.dirname(sys.executable), "kmodel")
    if os.path.exists(beside):
        return beside
    found = shutil.which("kmodel")
    if not found:
        sys.exit("engines.py: no kmodel executable (set KMODEL)")
    return found


def _run(args: list[str], timeout: float | None = None) -> subprocess.CompletedProcess:
    env = dict(os.environ, PYTHONDONTWRITEBYTECODE="1")
    return subprocess.run(args, capture_output=True, text=True, timeout=timeout, env=env)


def list_scenarios(exe: str) -> list[str] | None:
    """The catalogue's scenario names, or None when this kmodel has no `--list-scenarios`."""
    for extra in (["--output-format", "json"], []):
        try:
            p = _run([exe, "check", "--list-scenarios", *extra], timeout=60)
        except subprocess.TimeoutExpired:
            return None
        if p.returncode != 0:
            continue
        out = p.stdout.strip()
        try:
            data = json.loads(out)
        except ValueError:
            data = None
        names: list[str] = []
        if data is not None:
            items = data.get("scenarios", data) if isinstance(data, dict) else data
            if isinstance(items, dict):
                items = list(items)
            for it in items:
                name = it.get("name") if isinstance(it, dict) else it
                if isinstance(name, str):
                    names.append(name)
        else:
            for line in out.splitlines():
                m = re.match(r"\s*[-*]?\s*([a-z0-9][a-z0-9_.-]*)\b", line)
                if m and not line.lower().startswith(("usage", "scenario ", "name ")):
                    names.append(m.group(1))
        if names:
            return list(dict.fromkeys(names))
    return None


def _help(exe: str, *cmd: str) -> str:
    try:
        return _run([exe, *cmd, "--help"], timeout=60).stdout
    except subprocess.TimeoutExpired:
        return ""


def plan(exe: str) -> list[tuple[str, list[str]]]:
    """(command id, kmodel arguments) in run order: cheap, broad commands first."""
    json_out = ["--output-format", "json"]
    explore_flags = [*json_out, "--no-progress"]
    examples = os.environ.get("MUTATION_EXAMPLES", "25")
    cmds: list[tuple[str, list[str]]] = []
    scenarios = list_scenarios(exe)
    explore_help = _help(exe, "explore")
    if scenarios:
        cmds.append(("check-seed", ["check", "--seed", SEED, *json_out]))
        cmds.append(("check-generated", ["check", "--scenario", "generated", "--examples", examples,
                                         "--seed", SEED, *json_out]))
        for name in scenarios:
            if name in ("seed", "generated", "all"):  # all: the scenarios above, run again
                continue
            cmds.append((f"check-scenario-{name}", ["check", "--scenario", name, "--seed", SEED, *json_out]))
        if "seed-kubernetes" not in scenarios:
            cmds.append(("check-seed-kubernetes", ["check", "--profile", "kubernetes", "--seed", SEED, *json_out]))
        cmds.append(("explore-tiny", ["explore", "--scenario", "tiny", "--user-events", TEARDOWN, *explore_flags]))
        if re.search(r"\bgenerated\b", explore_help):
            cmds.append(("explore-generated", ["explore", "--scenario", "generated", "--examples",
                                               os.environ.get("MUTATION_EXPLORE_EXAMPLES", "5"), "--seed", SEED,
                                               *explore_flags]))
    else:
        cmds.append(("check-seed", ["check", "--seed", SEED, *json_out]))
        cmds.append(("explore-tiny", ["explore", "--scenario", "tiny", "--user-events", TEARDOWN, *explore_flags]))
        cmds.append(("check-seed-kubernetes", ["check", "--profile", "kubernetes", "--seed", SEED, *json_out]))
    if os.environ.get("MUTATION_THOROUGH"):
        cmds.append(("check-seed-explore", ["check", "--engine", "explore", *json_out]))
    cmds.append(("prove", ["prove", *json_out]))
    return cmds


def failed_names(data) -> list[str]:
    """Rule or proof names a kmodel JSON report marks as failed."""
    out: list[str] = []
    if not isinstance(data, dict):
        return out
    for r in data.get("rules", []) or []:
        if isinstance(r, dict) and r.get("verdict") == "fail":
            out.append(r.get("name", "?"))
    for p in data.get("proofs", []) or []:
        if isinstance(p, dict) and p.get("verdict") not in ("proved", "inconclusive", "unknown", "timeout"):
            out.append("prove:" + p.get("name", "?"))
    for f in data.get("findings", []) or []:
        if isinstance(f, dict):
            out.append("finding:" + str(f.get("kind") or f.get("name") or f.get("rule") or "?"))
    for v in data.get("violations", []) or []:
        if isinstance(v, dict) and v.get("rule") and v["rule"] not in out:
            out.append(v["rule"])
    return out


def inconclusive_names(data) -> list[str]:
    if not isinstance(data, dict):
        return []
    names = [r.get("name", "?") for r in data.get("rules", []) or []
             if isinstance(r, dict) and r.get("verdict") == "inconclusive"]
    names += ["prove:" + p.get("name", "?") for p in data.get("proofs", []) or []
              if isinstance(p, dict) and p.get("verdict") in ("inconclusive", "unknown", "timeout")]
    return names


def classify(rc: int, stdout: str, stderr: str, baseline_rc: int | None) -> tuple[str, list[str], str]:
    """(outcome, names, note) of one command: pass, violation, crash, inconclusive."""
    try:
        data = json.loads(stdout)
    except ValueError:
        data = None
    tail = "\n".join(stderr.strip().splitlines()[-6:])
    if rc == 0:
        return "pass", [], ""
    if rc == 1 and data is not None:
        return "violation", failed_names(data) or ["(exit 1)"], ""
    if rc == 3 and data is not None:
        if baseline_rc == 3:
            return "pass", [], "inconclusive as on the unmutated model"
        return "inconclusive", inconclusive_names(data), ""
    lines = [ln for ln in stderr.strip().splitlines() if ln.strip()]
    last = lines[-1].strip() if lines else stdout.strip()[-200:]
    return "crash", [], f"exit {rc}: {last}" + (f"\n{tail}" if tail else "")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--all", action="store_true", help="run every command even after one fails (default: stop at "
                                                      "the first failing command, which is enough to kill)")
    ap.add_argument("--plan", action="store_true", help="print the command plan as JSON and exit")
    ap.add_argument("--quiet", action="store_true", help="print only the verdict line")
    args = ap.parse_args(argv)
    exe = kmodel_exe()
    cmds = plan(exe)
    if args.plan:
        print(json.dumps([{"id": cid, "argv": ["kmodel", *a]} for cid, a in cmds], indent=2))
        return 0
    baseline: dict = {}
    if os.environ.get("MUTATION_BASELINE") and os.path.exists(os.environ["MUTATION_BASELINE"]):
        with open(os.environ["MUTATION_BASELINE"]) as f:
            baseline = json.load(f)
    trace_dir = tempfile.mkdtemp(prefix="kmodel-mut-traces-")
    severity = {"pass": 0, "inconclusive": 1, "crash": 2, "violation": 3}
    outcome, names, commands, note = "pass", [], [], ""
    start = time.monotonic()
    try:
        for cid, a in cmds:
            full = [exe, *a, "--trace-dir", trace_dir] if a[0] in ("check", "explore") else [exe, *a]
            t0 = time.monotonic()
            p = _run(full)
            took = round(time.monotonic() - t0, 2)
            rc = p.returncode if p.returncode >= 0 else 128 - p.returncode
            o, n, why = classify(rc, p.stdout, p.stderr, baseline.get(cid))
            commands.append({"id": cid, "rc": rc, "outcome": o, "names": n, "seconds": took})
            if not args.quiet:
                print(f"[engines] {cid}: exit {rc} {o} {' '.join(n)} ({took}s)", flush=True)
            if severity[o] > severity[outcome]:
                outcome, note = o, why
            for x in n:
                if x not in names:
                    names.append(f"{x}")
            if o != "pass" and not args.all:
                break
    finally:
        shutil.rmtree(trace_dir, ignore_errors=True)
    verdict = {"outcome": outcome, "names": names, "note": note, "commands": commands,
               "seconds": round(time.monotonic() - start, 2)}
    print(VERDICT_PREFIX + json.dumps(verdict), flush=True)
    return {"pass": 0, "violation": 1, "crash": 2, "inconclusive": 3}[outcome]


if __name__ == "__main__":
    sys.exit(main())
