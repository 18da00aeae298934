"""Benchmark: a fresh process that imports the rule module and loads the shipped rule library.

    .venv/bin/python bench/rules_load.py            # 15 runs each: parse cache off, cold, warm
    .venv/bin/python bench/rules_load.py --runs 30

Each run is a new interpreter (``python -c``), timed from spawn to exit by this script, so it counts
what a pipeline gate, a Celery worker or a test run pays: the interpreter, the imports and the load.
"Cache off" parses every YAML file (``THREATMODEL_RULES_CACHE=off``); "cold" starts from an empty
cache directory each run (parse, then write the cache); "warm" reads the cache written before.
A bare interpreter (``python -c pass``) is measured alongside, as the floor.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LOAD = "from stride.ruleset import default_rules; assert len(default_rules()) > 0"


def timed(code: str, env: dict[str, str]) -> float:
    started = time.perf_counter()
    subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, check=True)
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=15)
    args = parser.parse_args()
    base = {**os.environ, "PYTHONPATH": str(ROOT)}
    with tempfile.TemporaryDirectory(prefix="tm-rules-cache-") as scratch:
        warm_dir = Path(scratch) / "warm"
        cases: dict[str, list[float]] = {"python -c pass": [], "cache off": [], "cold cache": [], "warm cache": []}
        timed(LOAD, {**base, "THREATMODEL_RULES_CACHE": str(warm_dir)})  # writes the warm cache
        for run in range(args.runs):
            cases["python -c pass"].append(timed("pass", base))
            cases["cache off"].append(timed(LOAD, {**base, "THREATMODEL_RULES_CACHE": "off"}))
            cases["cold cache"].append(timed(LOAD, {**base, "THREATMODEL_RULES_CACHE": str(Path(scratch) / f"cold{run}")}))
            cases["warm cache"].append(timed(LOAD, {**base, "THREATMODEL_RULES_CACHE": str(warm_dir)}))
    print(f"fresh process, import stride.ruleset + default_rules(); {args.runs} runs each")
    print("| case | min | median | max |")
    print("|---|---:|---:|---:|")
    for name, values in cases.items():
        print(f"| {name} | {min(values):.3f} s | {statistics.median(values):.3f} s | {max(values):.3f} s |")


if __name__ == "__main__":
    main()
