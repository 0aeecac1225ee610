#!/usr/bin/env python3
"""Mutation score of kmodel's ENGINES (issue 18, item 5). See mutation/README.md.

    python3 mutation/run.py --semantic --sample 60 --seed 1 --jobs 1

1. Brings a separate clone of the repository up to date (default /tmp/kmodel-mut, cloned from the repository
   this script lives in; never the source tree itself) with an editable pure-Python venv (KMODEL_PURE_PYTHON=1)
   and cosmic-ray (mutation/requirements.txt).
2. Runs the engines (mutation/engines.py) once on the unmutated clone: the baseline must pass; its time sets the
   per-mutant timeout.
3. `--semantic`: every mutant of mutation/semantic.py, patched into the clone one at a time (each patch must apply
   exactly once and the patched tree must import), through the engines, restored afterwards.
4. `--sample N` / `--module PATH`: cosmic-ray over the decision code (`cosmic-ray init`, then a seeded sample of N
   mutants plus every mutant of each `--module`; the rest are marked skipped in the session, and `cosmic-ray exec`
   runs the chosen ones with the engines as its test command).
5. Writes mutation/report.json and mutation/report.md; survivors are matched with mutation/triage.json
   (EQUIVALENT with the reason, or GAP with the rule/scenario that should catch it).

Mutants run one at a time (`--jobs 1`, the only value accepted: the engines already use a core).
"""

from __future__ import annotations

import argparse
import ast
import importlib
import hashlib
import json
import os
import random
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ENGINES = HERE / "engines.py"
sys.path.insert(0, str(HERE))
import semantic  # noqa: E402

VERDICT_PREFIX = "MUTATION-VERDICT "

# The decision code (issue 18 item 5). labels.py is mostly the selector *parser*; only its matching functions are
# in scope (the parser is checked by the conformance vectors, which are unit tests, not engines).
DECISION_PATHS = ["kmodel/decisions", "kmodel/controllers", "kmodel/scheduler/plugins", "kmodel/scheduler/profiles.py", "kmodel/labels.py"]
LABELS_MATCHING = {"_concrete_test", "matches_view", "matches", "_greater_than", "_less_than", "selector_from_map",
                   "add", "value_in", "has", "value_where"}

OUTCOMES = ("violation", "crash", "timeout", "inconclusive", "survived", "incompetent")
KILLED = ("violation", "crash", "timeout", "inconclusive")


def log(msg: str) -> None:
    print(f"[mutation {time.strftime('%H:%M:%S')}] {msg}", flush=True)


def sh(args, cwd=None, env=None, check=True, capture=False):
    p = subprocess.run(args, cwd=cwd, env=env, text=True, capture_output=capture)
    if check and p.returncode != 0:
        raise SystemExit(f"command failed ({p.returncode}): {' '.join(map(str, args))}\n{p.stdout or ''}{p.stderr or ''}")
    return p


# ---------------------------------------------------------------------------------------------------- the clone


def prepare_clone(source: Path, work: Path, fresh: bool, update: bool) -> Path:
    source, work = source.resolve(), work.resolve()
    if work == source or source in work.parents:
        raise SystemExit(f"refusing to mutate {work}: it is (inside) the source tree {source}")
    if fresh and work.exists():
        shutil.rmtree(work)
    if not work.exists():
        log(f"cloning {source} -> {work}")
        sh(["git", "clone", "-q", str(source), str(work)])
    elif update:
        log(f"updating {work} to {source}'s committed HEAD")
        sh(["git", "-C", str(work), "fetch", "-q", "origin"])
        branch = sh(["git", "-C", str(source), "rev-parse", "--abbrev-ref", "HEAD"], capture=True).stdout.strip()
        sh(["git", "-C", str(work), "reset", "-q", "--hard", f"origin/{branch}"])
    sh(["git", "-C", str(work), "checkout", "-q", "--", "."])  # undo any mutant an interrupted run left behind
    state = work / ".mutation"
    state.mkdir(exist_ok=True)
    py = work / ".venv" / "bin" / "python"
    stamp = hashlib.sha1(b"".join((work / f).read_bytes() for f in ("pyproject.toml", "setup.py")
                                  if (work / f).exists()) + (HERE / "requirements.txt").read_bytes()).hexdigest()
    stamp_file = state / "installed"
    if not py.exists() or not stamp_file.exists() or stamp_file.read_text() != stamp:
        log("creating the clone's venv (editable, KMODEL_PURE_PYTHON=1)")
        if not py.exists():
            sh([sys.executable, "-m", "venv", str(work / ".venv")])
        env = dict(os.environ, KMODEL_PURE_PYTHON="1")
        sh([str(py), "-m", "pip", "install", "-q", "-e", str(work)], env=env)
        sh([str(py), "-m", "pip", "install", "-q", "-r", str(HERE / "requirements.txt")])
        stamp_file.write_text(stamp)
    info = sh([str(py), "-c", "import kmodel, json; print(json.dumps([kmodel.COMPILED, kmodel.__file__]))"],
              cwd="/", capture=True).stdout
    compiled, where = json.loads(info)
    if compiled or not Path(where).resolve().is_relative_to(work):
        raise SystemExit(f"the clone's kmodel is not the editable pure-Python source of {work}: {info}")
    # No stale bytecode may stand in for a mutated source: the clone's bytecode is hash-checked (a mutant's source
    # never matches it, whatever its mtime and size), and the engines run with PYTHONDONTWRITEBYTECODE=1.
    for d in ("kmodel", "invariants"):
        for cache in (work / d).rglob("__pycache__"):
            shutil.rmtree(cache, ignore_errors=True)
    sh([str(py), "-m", "compileall", "-q", "--invalidation-mode", "checked-hash", "kmodel", "invariants"], cwd=work)
    return work


def engine_env(work: Path) -> dict:
    return dict(os.environ, KMODEL=str(work / ".venv" / "bin" / "kmodel"), PYTHONDONTWRITEBYTECODE="1",
                MUTATION_BASELINE=str(work / ".mutation" / "baseline.json"))


def parse_verdict(output: str) -> dict | None:
    for line in reversed((output or "").splitlines()):
        if line.startswith(VERDICT_PREFIX):
            return json.loads(line[len(VERDICT_PREFIX):])
    return None


def run_engines(work: Path, timeout: float | None, extra=()) -> tuple[dict, float]:
    """One engines run on the clone as it is; (verdict, seconds). A timeout gives outcome `timeout`."""
    t0 = time.monotonic()
    proc = subprocess.Popen([sys.executable, str(ENGINES), "--quiet", *extra], cwd=work, env=engine_env(work),
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True)
    try:
        out, err = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.communicate()
        return {"outcome": "timeout", "names": [], "note": f"over {timeout:.0f}s", "commands": []}, time.monotonic() - t0
    except BaseException:
        os.killpg(proc.pid, signal.SIGKILL)
        raise
    verdict = parse_verdict(out) or {"outcome": "crash", "names": [], "commands": [],
                                     "note": f"engines.py exit {proc.returncode}: {err.strip()[-400:]}"}
    if verdict["outcome"] == "pass":
        verdict["outcome"] = "survived"
    return verdict, time.monotonic() - t0


def baseline(work: Path) -> float:
    base_file = work / ".mutation" / "baseline.json"
    base_file.unlink(missing_ok=True)
    log("baseline: the engines on the unmutated clone")
    verdict, took = run_engines(work, None, extra=["--all"])
    for c in verdict["commands"]:
        log(f"  {c['id']}: exit {c['rc']} ({c['seconds']}s)")
    if verdict["outcome"] in ("violation", "crash"):
        raise SystemExit(f"the unmutated model does not pass the engines ({verdict}); no mutation score possible")
    base_file.write_text(json.dumps({c["id"]: c["rc"] for c in verdict["commands"]}))
    log(f"baseline: {verdict['outcome']} in {took:.1f}s")
    return took


# ---------------------------------------------------------------------------------------------------- semantic


def module_name(path: str) -> str:
    return path[:-3].replace("/", ".").removesuffix(".__init__")


def run_semantic(work: Path, timeout: float, only: set[str] | None, results: list[dict], progress,
                 catalogue=semantic) -> list[dict]:
    mutants = [m for m in catalogue.MUTANTS if not only or m["id"] in only]
    for i, m in enumerate(mutants, 1):
        files = sorted({f for f, _, _ in m["patches"]})
        originals = {f: (work / f).read_text() for f in files}
        rec = {"id": m["id"], "kind": "semantic", "bug": m["bug"], "expect": m["expect"], "files": files,
               "diff": "".join(f"--- {f}\n-{old}\n+{new}\n" for f, old, new in m["patches"])}
        try:
            texts = dict(originals)
            problem = None
            for f, old, new in m["patches"]:
                n = texts[f].count(old)
                if n != 1:
                    problem = f"patch does not apply exactly once in {f} ({n} occurrences of {old[:60]!r})"
                    break
                texts[f] = texts[f].replace(old, new)
            if problem is None:
                for f in files:
                    (work / f).write_text(texts[f])
                mods = " ".join(sorted({module_name(f) for f in files}))
                imp = subprocess.run([str(work / ".venv/bin/python"), "-c",
                                      f"import importlib, kmodel.cli, invariants.registry\n"
                                      f"for m in {mods.split()!r}: importlib.import_module(m)"],
                                     cwd=work, env=engine_env(work), capture_output=True, text=True)
                if imp.returncode != 0:
                    problem = "patched tree does not import: " + imp.stderr.strip().splitlines()[-1]
            if problem:
                rec.update(outcome="incompetent", names=[], note=problem, seconds=0.0)
            else:
                verdict, took = run_engines(work, timeout)
                rec.update(outcome=verdict["outcome"], names=verdict["names"], note=verdict.get("note", ""),
                           commands=verdict.get("commands", []), seconds=round(took, 1))
                if rec["outcome"] == "crash" and "NameError" in rec["note"]:  # the patch names what is not there
                    rec.update(outcome="incompetent", note="patch error (a name the module lacks): " + rec["note"])
        finally:
            for f, text in originals.items():
                (work / f).write_text(text)
                assert (work / f).read_text() == text
        log(f"semantic {i}/{len(mutants)} {m['id']}: {rec['outcome']} {' '.join(rec['names'])} "
            f"{rec.get('note', '')[:120]} ({rec['seconds']}s)")
        results.append(rec)
        progress()
    return results


# ---------------------------------------------------------------------------------------------------- cosmic-ray


def in_scope_lines(path: Path) -> set[int] | None:
    """Lines of labels.py's matching functions (None: the whole module is in scope)."""
    if path.name != "labels.py":
        return None
    lines: set[int] = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and node.name in LABELS_MATCHING:
            lines.update(range(node.lineno, node.end_lineno + 1))
    return lines


def mutant_key(module: str, operator: str, diff: str) -> str:
    changed = [ln[1:].strip() for ln in (diff or "").splitlines()
               if ln[:1] in "+-" and not ln.startswith(("+++", "---"))]
    return "cr-" + hashlib.sha1("\n".join([module, operator, *changed]).encode()).hexdigest()[:10]


def run_cosmic_ray(work: Path, timeout: float, sample: int, seed: int, modules: list[str], results: list[dict],
                   progress) -> list[dict]:
    from_venv = work / ".venv" / "bin"
    state = work / ".mutation"
    cfg, session = state / "cosmic-ray.toml", state / "session.sqlite"
    test_command = f"{sys.executable} {ENGINES} --quiet"
    paths = DECISION_PATHS + [m for m in modules
                              if not any(m == d or m.startswith(d.rstrip("/") + "/") for d in DECISION_PATHS)]
    cfg.write_text("[cosmic-ray]\n"
                   f"module-path = {json.dumps(paths)}\n"
                   f"timeout = {float(timeout)}\n"
                   "excluded-modules = []\n"
                   f"test-command = {json.dumps(test_command)}\n\n"
                   "[cosmic-ray.distributor]\nname = \"local\"\n")
    session.unlink(missing_ok=True)
    log("cosmic-ray init over the decision code")
    sh([str(from_venv / "cosmic-ray"), "init", str(cfg), str(session)], cwd=work)
    # Choose the mutants: the session's API (cosmic-ray's own filters use it the same way) marks the others skipped.
    code = f"""
import json, random, sys
sys.path.insert(0, {str(HERE)!r})
from pathlib import Path
from cosmic_ray.work_db import use_db, WorkDB
from cosmic_ray.work_item import WorkResult, WorkerOutcome
from run import in_scope_lines
scopes = {{}}
items = []
with use_db({str(session)!r}, WorkDB.Mode.open) as db:
    for w in db.work_items:
        m = w.mutations[0]
        path = str(m.module_path)
        if path not in scopes:
            scopes[path] = in_scope_lines(Path(path))
        lines = scopes[path]
        items.append((path, tuple(m.start_pos), m.operator_name, m.occurrence, w.job_id,
                      lines is None or m.start_pos[0] in lines))
    items.sort()
    scope = [i for i in items if i[5]]
    chosen = {{i[4] for i in scope if i[0] in {modules!r}}}
    rest = [i for i in scope if i[4] not in chosen]
    chosen |= {{i[4] for i in random.Random({seed}).sample(rest, min({sample}, len(rest)))}}
    skip = [i[4] for i in items if i[4] not in chosen]
    db.set_multiple_results(skip, WorkResult(worker_outcome=WorkerOutcome.SKIPPED, output="not sampled"))
    print(json.dumps({{"total": len(items), "in_scope": len(scope), "chosen": len(chosen)}}))
"""
    info = json.loads(sh([str(from_venv / "python"), "-c", code], cwd=work, capture=True).stdout)
    log(f"cosmic-ray: {info['total']} mutants, {info['in_scope']} in the decision scope, running {info['chosen']}")
    t0 = time.monotonic()
    proc = subprocess.Popen([str(from_venv / "cosmic-ray"), "exec", str(cfg), str(session)], cwd=work,
                            env=engine_env(work), start_new_session=True)
    done = 0
    try:
        while proc.poll() is None:
            time.sleep(20)
            partial = cosmic_ray_results(work, session, timeout)
            if len(partial) != done:
                done = len(partial)
                log(f"cosmic-ray {done}/{info['chosen']}: last {partial[-1]['outcome']} "
                    f"{' '.join(partial[-1]['names'])} ({partial[-1]['module']}:{partial[-1]['line']})"
                    if partial else "cosmic-ray: running")
                results[:] = sorted(partial, key=lambda r: (r["module"], r["line"], r["operator"]))
                progress()
    except BaseException:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
        raise
    if proc.returncode != 0:
        raise SystemExit(f"cosmic-ray exec failed ({proc.returncode})")
    log(f"cosmic-ray exec: {time.monotonic() - t0:.0f}s")
    sh(["git", "-C", str(work), "checkout", "-q", "--", "."])
    results[:] = sorted(cosmic_ray_results(work, session, timeout), key=lambda r: (r["module"], r["line"], r["operator"]))
    return results


def cosmic_ray_results(work: Path, session: Path, timeout: float) -> list[dict]:
    """The completed, non-skipped work items of the session, in completion order, as result records."""
    dump = sh([str(work / ".venv" / "bin" / "cosmic-ray"), "dump", str(session)], cwd=work, capture=True).stdout
    results = []
    for line in dump.splitlines():
        item, result = json.loads(line)
        if not result or result.get("worker_outcome") == "skipped":
            continue
        m = item["mutations"][0]
        output = result.get("output") or ""
        verdict = parse_verdict(output)
        if result.get("worker_outcome") != "normal" or result.get("test_outcome") == "incompetent":
            outcome, names, note = "incompetent", [], output[-300:]
        elif output == "timeout":
            outcome, names, note = "timeout", [], f"over {timeout:.0f}s"
        elif verdict is None:
            outcome, names, note = "crash", [], output[-300:]
        else:
            outcome = "survived" if verdict["outcome"] == "pass" else verdict["outcome"]
            names, note = verdict["names"], verdict.get("note", "")
        diff = result.get("diff") or ""
        results.append({"id": mutant_key(m["module_path"], m["operator_name"], diff), "kind": "cosmic-ray",
                        "module": m["module_path"], "line": m["start_pos"][0], "operator": m["operator_name"],
                        "occurrence": m["occurrence"], "outcome": outcome, "names": names, "note": note,
                        "seconds": (verdict or {}).get("seconds"), "diff": diff})
    return results


# ---------------------------------------------------------------------------------------------------- report


def summarise(results: list[dict], triage: dict) -> dict:
    counts = {o: sum(1 for r in results if r["outcome"] == o) for o in OUTCOMES}
    equivalent = sum(1 for r in results if r["outcome"] == "survived"
                     and triage.get(r["id"], {}).get("status") == "EQUIVALENT")
    ran = len(results) - counts["incompetent"]
    denom = ran - equivalent
    killed = sum(counts[o] for o in KILLED)
    return {"mutants": len(results), "ran": ran, **counts, "killed": killed, "equivalent": equivalent,
            "gaps": counts["survived"] - equivalent,
            "kill_rate": round(killed / denom, 3) if denom else None,
            "kill_rate_by_violation": round(counts["violation"] / denom, 3) if denom else None}


def write_report(path_json: Path, path_md: Path, meta: dict, groups: dict[str, list[dict]], triage: dict) -> None:
    path_json.parent.mkdir(parents=True, exist_ok=True)
    path_md.parent.mkdir(parents=True, exist_ok=True)
    summaries = {g: summarise(rs, triage) for g, rs in groups.items() if rs is not None}
    for rs in groups.values():
        for r in rs or []:
            r.pop("triage", None)
            if r["outcome"] == "survived":
                r["triage"] = triage.get(r["id"], {"status": "UNTRIAGED"})
    path_json.write_text(json.dumps({"meta": meta, "summary": summaries, "results": groups}, indent=1) + "\n")
    md = ["# Mutation score of the engines", "",
          f"Generated by `{meta['command']}` on {meta['date']}, clone of `{meta['source']}` at commit "
          f"`{meta['commit'][:12]}` ({meta['commit_subject']}).", "",
          f"Engines (mutation/engines.py, one run per mutant, fixed seeds): "
          + ", ".join(f"`kmodel {' '.join(c['argv'][1:])}`" for c in meta["plan"]) + ".", "",
          f"Baseline engines run {meta['baseline_seconds']:.1f}s; per-mutant timeout {meta['timeout']:.0f}s; "
          f"one mutant at a time.", "",
          "| group | mutants | ran | killed: violation | crash | timeout | inconclusive | survived | equivalent | "
          "gaps | kill rate (any) | kill rate (violation) | mean s/mutant |", "|" + "---|" * 13]
    for g, s in summaries.items():
        secs = [r["seconds"] for r in groups[g] if r.get("seconds")]
        mean = f"{sum(secs) / len(secs):.1f}" if secs else "-"
        md.append(f"| {g} | {s['mutants']} | {s['ran']} | {s['violation']} | {s['crash']} | {s['timeout']} | "
                  f"{s['inconclusive']} | {s['survived']} | {s['equivalent']} | {s['gaps']} | "
                  f"{s['kill_rate'] if s['kill_rate'] is not None else '-'} | "
                  f"{s['kill_rate_by_violation'] if s['kill_rate_by_violation'] is not None else '-'} | {mean} |")
    for g, gm in meta.get("groups", {}).items():
        if g in summaries:
            md.append(f"\n{g}: `{gm['command']}`, commit `{gm['commit'][:12]}`, baseline {gm['baseline_seconds']:.0f}s, "
                      f"timeout {gm['timeout']:.0f}s, {gm.get('seconds', 0):.0f}s of mutants.")
    md += ["", "Kill rates are over the mutants that ran, less those triaged EQUIVALENT. `incompetent`: the patch did "
           "not apply or the tree did not import (not counted). `inconclusive`: an engine that is conclusive on the "
           "unmutated model ended inconclusive (a witness the mutant made unreachable); counted as killed, separately.",
           ""]
    for g, rs in groups.items():
        if not rs:
            continue
        surv = [r for r in rs if r["outcome"] == "survived"]
        md += [f"## {g}: survivors ({len(surv)})", "",
               "Triage lives in mutation/triage.json, keyed by the id: status EQUIVALENT (reason) or GAP (what "
               "should catch it).", ""]
        for r in surv:
            t = r["triage"]
            where = r.get("module", ", ".join(r.get("files", [])))
            line = f":{r['line']} {r['operator']}" if "line" in r else f" — {r.get('bug', '')}"
            md += [f"### `{r['id']}` {where}{line}", "",
                   f"**{t.get('status')}**" + (f": {t['reason']}" if t.get("reason") else "")
                   + (f" Would be caught by: {t['catch']}" if t.get("catch") else ""), "",
                   "```diff", r["diff"].strip(), "```", ""]
        md += [f"## {g}: every mutant", "", "| id | where | outcome | rules / proofs / note | expected | s |",
               "|---|---|---|---|---|---|"]
        for r in rs:
            where = f"{r['module']}:{r['line']} {r['operator'].split('/')[-1]}" if "line" in r else r.get("bug", "")
            what = " ".join(r["names"]) or r.get("note", "")[:100].replace("\n", " ").replace("|", "/")
            md.append(f"| `{r['id']}` | {where} | {r['outcome']} | {what} | {' '.join(r.get('expect', []))} | "
                      f"{r.get('seconds') or ''} |")
        md.append("")
    path_md.write_text("\n".join(md) + "\n")


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--semantic", action="store_true", help="run the catalogue of mutation/semantic.py")
    ap.add_argument("--catalogue", default="semantic",
                    help="with --semantic: the catalogue module in mutation/ to run (default semantic; "
                         "semantic_fresh holds 40 bugs written without reading the rules or the first catalogue)")
    ap.add_argument("--only", default="", help="comma-separated semantic mutant ids (default: all)")
    ap.add_argument("--sample", type=int, default=0, help="cosmic-ray mutants to sample over the decision code")
    ap.add_argument("--seed", type=int, default=1, help="seed of the sample")
    ap.add_argument("--module", action="append", default=[],
                    help="run every cosmic-ray mutant of this module (repeatable), e.g. kmodel/controllers/endpoints.py")
    ap.add_argument("--jobs", type=int, default=1, help="mutants at a time (only 1: the engines use a core)")
    ap.add_argument("--workdir", type=Path, default=Path("/tmp/kmodel-mut"), help="the clone mutants are applied to")
    ap.add_argument("--source", type=Path, default=HERE.parent, help="the repository to clone")
    ap.add_argument("--fresh", action="store_true", help="re-clone the workdir from scratch")
    ap.add_argument("--no-update", action="store_true", help="do not reset the clone to the source's HEAD")
    ap.add_argument("--reuse-baseline", action="store_true", help="skip the baseline engines run when the clone is "
                                                                "at the commit of the last recorded one")
    ap.add_argument("--timeout", type=float, default=0, help="seconds per mutant (default: 3x baseline, 60..300)")
    ap.add_argument("--out", type=Path, default=HERE, help="directory for report.json and report.md")
    ap.add_argument("--merge", action="store_true", help="keep the previous report's groups this run does not redo "
                                                        "(e.g. add the cosmic-ray sample to a semantic run); with "
                                                        "--semantic --only, replace just those mutants' records")
    ap.add_argument("--render", action="store_true", help="only rewrite report.md (and the triage in report.json) "
                                                         "from report.json and triage.json, running nothing")
    args = ap.parse_args(argv)
    if args.render:
        old = json.loads((args.out / "report.json").read_text())
        triage_file = HERE / "triage.json"
        write_report(args.out / "report.json", args.out / "report.md", old["meta"], old["results"],
                     json.loads(triage_file.read_text()) if triage_file.exists() else {})
        return 0
    if args.jobs != 1:
        ap.error("--jobs: only 1 is supported (mutants are applied in place in one clone)")
    if not (args.semantic or args.sample or args.module):
        ap.error("nothing to run: give --semantic, --sample N and/or --module PATH")
    work = prepare_clone(args.source, args.workdir, args.fresh, not args.no_update)
    head = sh(["git", "-C", str(work), "rev-parse", "HEAD"], capture=True).stdout.strip()
    base_meta = work / ".mutation" / "baseline-meta.json"
    known = json.loads(base_meta.read_text()) if base_meta.exists() else {}
    if args.reuse_baseline and known.get("commit") == head and (work / ".mutation" / "baseline.json").exists():
        base = known["seconds"]
        log(f"baseline: reusing the run of {head[:12]} ({base:.1f}s)")
    else:
        base = baseline(work)
        base_meta.write_text(json.dumps({"commit": head, "seconds": base}))
    timeout = args.timeout or max(60.0, min(300.0, 3 * base))
    plan = json.loads(subprocess.run([sys.executable, str(ENGINES), "--plan"], cwd=work, env=engine_env(work),
                                     capture_output=True, text=True, check=True).stdout)
    commit = sh(["git", "-C", str(work), "log", "-1", "--format=%H%n%s"], capture=True).stdout.splitlines()
    meta = {"command": "python3 mutation/run.py " + " ".join(argv if argv is not None else sys.argv[1:]),
            "date": time.strftime("%Y-%m-%d %H:%M"), "source": str(args.source.resolve()), "commit": commit[0],
            "commit_subject": commit[1] if len(commit) > 1 else "", "baseline_seconds": base, "timeout": timeout,
            "plan": plan, "seed": args.seed, "sample": args.sample, "modules": args.module,
            "catalogue": args.catalogue}
    triage_file = HERE / "triage.json"
    triage = json.loads(triage_file.read_text()) if triage_file.exists() else {}
    groups: dict[str, list[dict]] = {}
    meta["groups"] = {}
    if args.merge and (args.out / "report.json").exists():  # keep the groups this run does not redo
        old = json.loads((args.out / "report.json").read_text())
        groups.update(old.get("results", {}))
        for g in groups:
            meta["groups"][g] = old.get("meta", {}).get("groups", {}).get(g) or {
                k: old.get("meta", {}).get(k) for k in ("command", "commit", "baseline_seconds", "timeout", "seconds")}
    t0 = time.monotonic()

    starts: dict[str, float] = {}

    def group_meta(g: str) -> None:
        starts.setdefault(g, time.monotonic())
        meta["groups"][g] = {"command": meta["command"], "commit": meta["commit"], "baseline_seconds": base,
                             "timeout": timeout, "seconds": round(time.monotonic() - starts[g], 1)}
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))  # a kill restores the clone (the finally below)

    def progress() -> None:  # the report so far, rewritten after each mutant
        meta["seconds"] = round(time.monotonic() - t0, 1)
        for g in running:
            group_meta(g)
        write_report(args.out / "report.json", args.out / "report.md", meta, groups, triage)

    try:
        running: list[str] = []
        if args.semantic:
            only = set(filter(None, args.only.split(","))) or None
            kept = [r for r in groups.get("semantic", []) if only and r["id"] not in only] if args.merge else []
            groups["semantic"] = kept
            running[:] = ["semantic"]
            if not kept:
                group_meta("semantic")
            run_semantic(work, timeout, only, groups["semantic"], progress,
                         importlib.import_module(args.catalogue))
            order = {m["id"]: i for i, m in enumerate(semantic.MUTANTS)}
            groups["semantic"].sort(key=lambda r: order.get(r["id"], len(order)))
        if args.sample or args.module:
            groups["cosmic-ray"] = []
            running[:] = ["cosmic-ray"]
            group_meta("cosmic-ray")
            run_cosmic_ray(work, timeout, args.sample, args.seed, args.module, groups["cosmic-ray"], progress)
    finally:
        dirty = sh(["git", "-C", str(work), "status", "--porcelain", "--", "kmodel", "invariants"],
                   capture=True).stdout.strip()
        if dirty:
            log(f"restoring the clone (left modified: {dirty})")
            sh(["git", "-C", str(work), "checkout", "-q", "--", "kmodel", "invariants"])
    meta["seconds"] = round(time.monotonic() - t0, 1)
    for g in running:
        group_meta(g)
    write_report(args.out / "report.json", args.out / "report.md", meta, groups, triage)
    for g, rs in groups.items():
        s = summarise(rs, triage)
        log(f"{g}: {s}")
    log(f"wrote {args.out / 'report.md'} and {args.out / 'report.json'} ({meta['seconds']}s of mutants)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
