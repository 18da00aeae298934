"""Benchmark: the pipeline gate as a pipeline runs it — a fresh process per run, whole-process time.

    .venv/bin/python bench/gate.py                    # demo model, generated 200 and 2,000 elements
    .venv/bin/python bench/gate.py --runs 9 --sizes 200
    .venv/bin/python bench/gate.py --manifests DIR    # also a folder of Kubernetes manifests
    .venv/bin/python bench/gate.py --workloads 200 2000   # generated manifest sets (bench/import_manifests.py)

Rows: the engine's rule loading alone (a process that imports the rule module and loads the
library), then `bin/threatmodel gate` on the demo model and on generated native models of N
elements (the same generator as bench/analyse.py, two flows per element), and on manifests when a
folder is given and the installed gate reads them. Each row prints min/median/max over the runs;
the machine's load average is printed too, because a shared 2-core machine varies by ±30 %.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))

from analyse import generate  # noqa: E402 - the bench folder's own generator
from import_manifests import generated as generated_manifests  # noqa: E402

GATE = ROOT / "bin" / "threatmodel"
PYTHON = ROOT / ".venv" / "bin" / "python"
LOAD_RULES = "from stride.ruleset import default_rules; default_rules()"


def native_file(n: int, directory: Path) -> Path:
    """A native model file with the generated diagram of ``n`` elements (positions on a grid)."""
    diagram = generate(n)
    for i, element in enumerate(diagram["elements"]):
        element.setdefault("x", float(i % 100) * 200)
        element.setdefault("y", float(i // 100) * 150)
        element.setdefault("name", element["key"])
    document: dict[str, Any] = {
        "format": "threatmodel/native",
        "format_version": 1,
        "threat_model": {"name": f"generated {n}"},
        "diagrams": [{"name": "Generated", "level": "context", "order": 0, **diagram}],
        "threats": [],
    }
    path = directory / f"generated-{n}.json"
    path.write_text(json.dumps(document), encoding="utf-8")
    return path


def timed(command: list[str], env: dict[str, str], runs: int) -> tuple[list[float], int]:
    times: list[float] = []
    code = 0
    for _ in range(runs):
        start = time.perf_counter()
        done = subprocess.run(command, env=env, cwd=tempfile.gettempdir(), capture_output=True, check=False)
        times.append(time.perf_counter() - start)
        code = done.returncode
        if code not in (0, 1):
            raise SystemExit(f"{' '.join(command)} exited {code}: {done.stderr.decode()[-800:]}")
    return times, code


def row(label: str, times: list[float], extra: str = "") -> None:
    print(
        f"{label:<44} min {min(times):6.3f} s  median {statistics.median(times):6.3f} s  max {max(times):6.3f} s  {extra}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--sizes", type=int, nargs="*", default=[200, 2000])
    parser.add_argument("--manifests", type=Path, action="append", default=[], help="a folder of manifests")
    parser.add_argument("--workloads", type=int, nargs="*", default=[200, 2000], help="generated manifest sets")
    args = parser.parse_args()
    # A pipeline has no database: the gate must not need one, so the bench points it nowhere.
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "REDIS_URL", "SECRET_KEY"}}
    env["DATABASE_URL"] = "postgres://nobody@127.0.0.1:1/nowhere"
    print(f"load average {os.getloadavg()[0]:.2f}, {args.runs} runs per row, fresh process per run")
    rules_env = {**env, "PYTHONPATH": str(ROOT), "DJANGO_SETTINGS_MODULE": "threatmodel.settings"}
    row("rule library: import and load", timed([str(PYTHON), "-c", LOAD_RULES], rules_env, args.runs)[0])
    with tempfile.TemporaryDirectory() as scratch:
        inputs: list[tuple[str, list[str]]] = [("gate: demo model (fixtures/demo)", [str(ROOT / "fixtures/demo/online-shop.json")])]
        inputs += [(f"gate: generated, {n:,} elements", [str(native_file(n, Path(scratch)))]) for n in args.sizes]
        for count in args.workloads:
            manifest = Path(scratch) / f"workloads-{count}.yaml"
            manifest.write_bytes(generated_manifests(count))
            inputs.append((f"gate: generated manifests, {count:,} workloads", [str(manifest)]))
        for folder in args.manifests:
            files = sorted(str(p) for p in folder.rglob("*") if p.suffix in {".yaml", ".yml"})
            inputs.append((f"gate: manifests {folder.name} ({len(files)} files)", files))
        for label, files in inputs:
            times, code = timed([str(GATE), "gate", *files, "--quiet"], env, args.runs)
            row(label, times, f"exit {code}")


if __name__ == "__main__":
    main()
