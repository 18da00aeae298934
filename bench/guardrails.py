"""Benchmark: guardrails generated from a model (issue 15, docs/guardrails.md), without a database.

Inputs: Online Boutique's release manifest (shared corpus) and generated manifest sets
(``bench/import_manifests.py``: Deployments with Services in 20 namespaces), each mapped to a
diagram with the gate's reader and analysed by the engine. Per run it times ``generate`` (every
kind, every namespace) and ``generate`` plus writing the YAML stream; min, median and max.

Run:  THREATMODEL_SHARED_DIR=/work/shared .venv/bin/python bench/guardrails.py [--runs 5] [--workloads 200 2000]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "threatmodel.settings")
os.environ.setdefault("SECRET_KEY", "bench-only")

import django

django.setup()

from import_manifests import generated  # noqa: E402

from dfd.graph import build  # noqa: E402
from stride.engine import analyse  # noqa: E402
from stride.ruleset import default_rules  # noqa: E402
from threatmodel.guardrails import generate, render_yaml  # noqa: E402
from threatmodel.interop.imports import translate_files  # noqa: E402
from threatmodel.interop.registry import SourceFile  # noqa: E402

SHARED = Path(os.environ.get("THREATMODEL_SHARED_DIR") or Path(__file__).resolve().parent.parent.parent / "shared")


def document(raw: bytes) -> dict[str, Any]:
    _, translation = translate_files(files=[SourceFile("manifests.yaml", raw)], fmt="kubernetes")
    doc = dict(translation.document)
    elements = [e for d in doc["diagrams"] for e in d["elements"]]
    flows = [f for d in doc["diagrams"] for f in d["flows"]]
    doc["threats"] = [{"fingerprint": f.fingerprint, "rule_id": f.rule_id, "element": f.element_key or None,
                       "flow": f.flow_key or None, "status": "identified"}
                      for f in analyse(build(elements, flows), default_rules())]  # fmt: skip
    return doc


def spread(times: list[float]) -> str:
    return f"{min(times):.3f} / {statistics.median(times):.3f} / {max(times):.3f}"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--workloads", type=int, nargs="*", default=[200, 2000])
    args = parser.parse_args()
    inputs = [("Online Boutique", (SHARED / "data/manifests/online-boutique/release/kubernetes-manifests.yaml").read_bytes())]
    inputs += [(f"{n} generated workloads", generated(n)) for n in args.workloads]
    print("| input | resources | threats | generate (s, min / median / max) | with the YAML (s) | YAML size |")
    print("|---|---|---|---|---|---|")
    for label, raw in inputs:
        doc = document(raw)
        only, whole = [], []
        for _ in range(args.runs):
            start = time.perf_counter()
            bundle = generate(doc)
            middle = time.perf_counter()
            text = render_yaml(bundle, title=label)
            only.append(middle - start)
            whole.append(time.perf_counter() - start)
        print(f"| {label} | {len(bundle.resources)} | {len(doc['threats'])} | {spread(only)} | {spread(whole)} | {len(text) // 1024} KiB |")


if __name__ == "__main__":
    main()
