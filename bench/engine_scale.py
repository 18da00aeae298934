"""Benchmark: the engine on a model the size of a real estate — 100,000 elements and 200,000 flows by default.

    .venv/bin/python bench/engine_scale.py                   # 3 runs, each in a fresh process
    .venv/bin/python bench/engine_scale.py --elements 10000 --runs 5

The model is bench/analyse.py's generator (same proportions, same seed). Each run is a new process
that reads the model file, builds the graph and analyses it, so the whole-process time and the peak
RSS are that run's own: what ``bin/threatmodel gate`` or a Celery worker would pay. Prints
min/median/max of each figure.
"""

from __future__ import annotations

import argparse
import json
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))


def child(path: str) -> None:
    started = time.perf_counter()
    from dfd.graph import build
    from stride.engine import analyse
    from stride.ruleset import default_rules

    rules = default_rules()
    t0 = time.perf_counter()
    spec = json.loads(Path(path).read_text())
    t1 = time.perf_counter()
    graph = build(spec["elements"], spec["flows"])
    t2 = time.perf_counter()
    findings = analyse(graph, rules)
    t3 = time.perf_counter()
    print(json.dumps({"load_rules_s": t0 - started, "read_s": t1 - t0, "graph_s": t2 - t1, "analyse_s": t3 - t2,
                      "findings": len(findings), "rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))


def main() -> None:
    if len(sys.argv) == 3 and sys.argv[1] == "--child":
        child(sys.argv[2])
        return
    from analyse import generate

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--elements", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="tm-engine-scale-") as scratch:
        path = Path(scratch) / "model.json"
        spec = generate(args.elements)
        path.write_text(json.dumps(spec))
        flows = len(spec["flows"])
        del spec
        runs: list[dict[str, Any]] = []
        for _ in range(args.runs):
            began = time.perf_counter()
            out = subprocess.run([sys.executable, __file__, "--child", str(path)], capture_output=True, text=True, check=True)
            runs.append({**json.loads(out.stdout.strip().splitlines()[-1]), "process_s": time.perf_counter() - began})
    print(f"{args.elements:,} elements + {flows:,} flows, {runs[0]['findings']:,} findings; {args.runs} fresh processes")
    print("| figure | min | median | max |")
    print("|---|---:|---:|---:|")
    for name, unit in (("process_s", "s"), ("graph_s", "s"), ("analyse_s", "s"), ("read_s", "s"), ("load_rules_s", "s"), ("rss_mb", "MB")):
        values = [run[name] for run in runs]
        print(f"| {name} | {min(values):.2f} {unit} | {statistics.median(values):.2f} {unit} | {max(values):.2f} {unit} |")


if __name__ == "__main__":
    main()
