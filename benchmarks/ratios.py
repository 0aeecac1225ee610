"""Placements per second and fast/reference ratios from a pytest-benchmark JSON file.

    python benchmarks/ratios.py BENCH.json

For every benchmark of bench_scheduler.py: placements per second = extra_info["pods"] / median round time.
Then, per workload (place_one, burst, burst_bound), profile and node count, the ratio fast / reference of
placements per second (burst_bound against the reference burst, which binds too), the 20,000-node burst as a
share of the 5,000-node one, the memory per kept state, and the targets (textbook burst at 5,000 nodes >= 100,000
placements/s and >= 50x the reference; 20,000 nodes >= 85% of the 5,000 figure; <= 5 KiB per kept state), each
reported as met or missed; the same figures with binding are printed beside them, for information.
Then the explorer's figures, when the file holds them (`bench_explore.report`: distinct states per second on the
seed scenario for each kind of check, against the 10,000/s target).
"""

from __future__ import annotations

import json
import sys


def rows(data: dict) -> list[dict]:
    out = []
    for bench in data["benchmarks"]:
        info = bench.get("extra_info", {})
        if not {"impl", "profile", "nodes", "pods"} <= info.keys():
            continue  # not a scheduler placement benchmark
        median = bench["stats"]["median"]
        out.append({
            "workload": bench["name"].split("[")[0].removeprefix("test_"),
            "impl": info["impl"], "profile": info["profile"], "nodes": info["nodes"], "pods": info["pods"],
            "median_s": median, "per_s": info["pods"] / median if median else float("inf"),
            "kib_per_state": info.get("kib_per_state"),
        })
    return sorted(out, key=lambda r: (r["workload"], r["profile"], r["nodes"], r["impl"]))


def report(data: dict) -> str:
    table = rows(data)
    lines = [f"{'workload':11} {'profile':10} {'nodes':>6} {'impl':9} {'pods':>6} {'median s':>10} "
             f"{'placements/s':>13} {'KiB/state':>9}"]
    for r in table:
        kib = "" if r["kib_per_state"] is None else f"{r['kib_per_state']:.2f}"
        lines.append(f"{r['workload']:11} {r['profile']:10} {r['nodes']:>6} {r['impl']:9} {r['pods']:>6} "
                     f"{r['median_s']:>10.4f} {r['per_s']:>13,.0f} {kib:>9}")
    index = {(r["workload"], r["profile"], r["nodes"], r["impl"]): r for r in table}
    lines.append("")
    lines.append("fast / reference (placements per second):")
    for (workload, profile, nodes, impl), r in sorted(index.items()):
        ref = index.get((_REFERENCE_OF.get(workload, workload), profile, nodes, "reference"))
        if impl == "fast" and ref is not None:
            lines.append(f"  {workload:11} {profile:10} {nodes:>6}: {r['per_s'] / ref['per_s']:>9.1f}x")
    lines.append("")
    lines.append("targets (textbook burst):")
    fast5 = index.get(("burst", "textbook", 5_000, "fast"))
    ref5 = index.get(("burst", "textbook", 5_000, "reference"))
    fast20 = index.get(("burst", "textbook", 20_000, "fast"))
    if fast5:
        lines.append(_target("5,000 nodes >= 100,000 placements/s", fast5["per_s"] >= 100_000,
                             f"{fast5['per_s']:,.0f}/s"))
    if fast5 and ref5:
        ratio = fast5["per_s"] / ref5["per_s"]
        lines.append(_target("5,000 nodes >= 50x reference", ratio >= 50, f"{ratio:,.1f}x"))
    if fast5 and fast20:
        share = fast20["per_s"] / fast5["per_s"]
        lines.append(_target("20,000 nodes >= 85% of 5,000", share >= 0.85, f"{share:.0%}"))
    kibs = [r["kib_per_state"] for r in table if r["impl"] == "fast" and r["workload"] == "burst"
            and r["profile"] == "textbook" and r["kib_per_state"] is not None]
    if kibs:
        lines.append(_target("<= 5 KiB per kept state", max(kibs) <= 5, f"max {max(kibs):.2f} KiB"))
    bound5 = index.get(("burst_bound", "textbook", 5_000, "fast"))
    bound20 = index.get(("burst_bound", "textbook", 20_000, "fast"))
    if bound5:
        lines.append("with the binding cycle (every placement's Binding write on the Cluster):")
        lines.append(f"  5,000 nodes: {bound5['per_s']:,.0f} placements/s"
                     + (f", {bound5['per_s'] / ref5['per_s']:,.1f}x reference" if ref5 else "")
                     + (f"; 20,000 nodes: {bound20['per_s'] / bound5['per_s']:.0%} of it" if bound20 else "")
                     + (f"; {bound5['kib_per_state']:.2f} KiB per kept Cluster" if bound5["kib_per_state"] else ""))
    return "\n".join(lines)


# The reference a workload's fast path is compared with (burst_bound has none of its own: the reference burst
# binds every placement on the Cluster already).
_REFERENCE_OF = {"burst_bound": "burst"}


def _target(name: str, met: bool, value: str) -> str:
    return f"  {'MET   ' if met else 'MISSED'} {name}: {value}"


def main(argv: list[str]) -> int:
    if len(argv) != 2:
        print(__doc__.strip().splitlines()[2].strip(), file=sys.stderr)
        return 2
    with open(argv[1], encoding="utf-8") as f:
        data = json.load(f)
    print(report(data))
    from bench_explore import report as explore_report  # this file's folder is on sys.path when run as a script

    explored = explore_report(data)
    if explored:
        print("\nexplorer (bench_explore.py):\n" + explored)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
