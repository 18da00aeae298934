"""Benchmark: the threat engine against pytm 1.4.0 on the same generated models, and the sync on PostgreSQL.

    .venv/bin/python bench/analyse.py                      # 100, 1,000 and 10,000 elements
    .venv/bin/python bench/analyse.py --sizes 1000 --skip-pytm --skip-sync

Models: N elements (10 % external entities, 65 % processes — pytm's Server, Process and Lambda in
the proportions 30/25/10 —, 25 % data stores), two flows per element to random targets, five trust
boundaries (one nested) holding 90 % of the elements. Every boolean property is drawn at p = 0.5,
the way pytm's controls are; the same draw becomes our element properties and pytm's controls.

Each engine run and each pytm run happens in a fresh process, so the peak RSS is that run's own.
pytm is installed by this script into a throwaway virtual environment (bench/.pytm-venv), never
into the product's. The sync part loads each model into a scratch PostgreSQL database (DATABASE_URL)
through the write path, then times the first sync (all threats new) and a second one (no change).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
PYTM_VENV = Path(__file__).resolve().parent / ".pytm-venv"
PYTM_VERSION = "1.4.0"
# Each side runs several times in its own process and the medians are compared: single runs on a
# shared 2-core VM vary by ±30 %.
REPEAT_ENGINE = 5
REPEAT_PYTM = 3

PROCESS_FLAGS = ["authenticated", "validates_input", "rate_limited", "audit_logged", "privileged", "runs_as_root", "host_path",
                 "host_network", "automount_sa_token", "image_signed", "secrets_in_env", "resource_limits", "network_policy",
                 "public_network", "metadata_reachable"]
STORE_FLAGS = ["authenticated", "encrypted", "stores_credentials", "is_log", "backed_up", "public_network"]
FLOW_FLAGS = ["authenticated", "encrypted", "carries_credentials", "public_network"]


def generate(n: int, seed: int = 7) -> dict[str, Any]:
    rng = random.Random(seed)
    boundaries = [
        {"key": f"tb{i}", "kind": "trust_boundary", "name": f"Zone {i}", "parent": "tb0" if i == 4 else None,
         "properties": {"boundary_type": "internet" if i == 1 else "network_zone", "network_policy": rng.random() < 0.5}}
        for i in range(5)
    ]
    elements: list[dict[str, Any]] = []
    for i in range(n):
        draw = rng.random()
        if draw < 0.10:
            kind, pytm = "external_entity", "Actor"
        elif draw < 0.40:
            kind, pytm = "process", "Server"
        elif draw < 0.65:
            kind, pytm = "process", "Process"
        elif draw < 0.75:
            kind, pytm = "process", "Lambda"
        else:
            kind, pytm = "data_store", "Datastore"
        flags = PROCESS_FLAGS if kind == "process" else STORE_FLAGS if kind == "data_store" else ["authenticated", "public_network"]
        props: dict[str, Any] = {flag: rng.random() < 0.5 for flag in flags}
        if kind == "data_store":
            props["data_classification"] = rng.choice(["public", "internal", "confidential", "restricted"])
        if kind == "process" and rng.random() < 0.02:
            props["component"] = rng.choice(["kube_apiserver", "kubelet", "container_registry", "ci_pipeline"])
        elements.append({"key": f"e{i}", "kind": kind, "pytm": pytm, "name": f"Element {i}",
                         "parent": f"tb{rng.randrange(5)}" if rng.random() < 0.9 else None, "properties": props})
    flows = []
    for j in range(2 * n):
        source = j // 2
        target = rng.randrange(n - 1)
        target = target + 1 if target >= source else target
        flows.append({"key": f"f{j}", "source": f"e{source}", "target": f"e{target}", "label": f"Flow {j}",
                      "protocol": rng.choice(["HTTPS", "HTTP", "gRPC", "SQL"]), "bidirectional": False,
                      "properties": {flag: rng.random() < 0.5 for flag in FLOW_FLAGS}})
    return {"elements": boundaries + elements, "flows": flows}


# --- our engine, in its own process --------------------------------------------------------------------


def engine_child(spec_path: str) -> None:
    import tracemalloc

    sys.path.insert(0, str(ROOT))
    started = time.perf_counter()
    from dfd.graph import build
    from stride.engine import analyse
    from stride.ruleset import default_rules

    rules = default_rules()
    load = time.perf_counter() - started
    spec = json.loads(Path(spec_path).read_text())
    before_rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    builds, analyses = [], []
    for _ in range(REPEAT_ENGINE):
        t0 = time.perf_counter()
        graph = build(spec["elements"], spec["flows"])
        t1 = time.perf_counter()
        findings = analyse(graph, rules)
        t2 = time.perf_counter()
        builds.append(t1 - t0)
        analyses.append(t2 - t1)
        if _ < REPEAT_ENGINE - 1:
            del graph, findings
    totals = sorted(b + a for b, a in zip(builds, analyses, strict=True))
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    # A second, traced run says how much of that the engine itself allocated (tracing slows it down,
    # so it is not timed).
    del findings, graph
    tracemalloc.start()
    findings = analyse(build(spec["elements"], spec["flows"]), rules)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    print(json.dumps({
        "rules_load_s": load, "build_s": statistics.median(builds), "analyse_s": statistics.median(analyses),
        "engine_s": statistics.median(totals), "engine_min_s": totals[0], "runs": totals, "samples": len(totals),
        "findings": len(findings),
        "traced_peak_mb": peak / 2**20, "rss_mb": rss,
        "rss_before_mb": before_rss / 1024, "rules": len(rules),
    }))


# --- pytm, in its own virtual environment ------------------------------------------------------------------------

PYTM_RUNNER = r'''
import json, resource, sys, time
spec = json.load(open(sys.argv[1]))
from pytm import TM, Boundary, Actor, Server, Process, Lambda, Datastore, Dataflow, Data, Classification
t0 = time.perf_counter()
tm = TM("bench"); tm.description = "generated"; tm.isOrdered = False
bounds = {}
for e in spec["elements"]:
    if e["kind"] == "trust_boundary":
        bounds[e["key"]] = Boundary(e["name"])
for e in spec["elements"]:
    if e["kind"] == "trust_boundary" and e["parent"]:
        bounds[e["key"]].inBoundary = bounds[e["parent"]]
classes = {"Actor": Actor, "Server": Server, "Process": Process, "Lambda": Lambda, "Datastore": Datastore}
nodes = {}
for e in spec["elements"]:
    if e["kind"] == "trust_boundary":
        continue
    p = e["properties"]
    obj = classes[e["pytm"]](e["name"])
    if e["parent"]:
        obj.inBoundary = bounds[e["parent"]]
    c = obj.controls
    c.authenticatesSource = bool(p.get("authenticated"))
    c.hasAccessControl = bool(p.get("authenticated"))
    if e["pytm"] == "Actor":
        obj.isAdmin = bool(p.get("public_network"))
    elif e["pytm"] == "Datastore":
        c.isEncryptedAtRest = bool(p.get("encrypted"))
        c.isEncrypted = bool(p.get("encrypted"))
        obj.storesLogData = bool(p.get("is_log"))
        obj.storesSensitiveData = p.get("data_classification") in ("confidential", "restricted")
        obj.isShared = bool(p.get("public_network"))
    else:
        c.validatesInput = bool(p.get("validates_input"))
        c.sanitizesInput = bool(p.get("validates_input"))
        c.handlesResourceConsumption = bool(p.get("rate_limited"))
        c.implementsPOLP = not p.get("privileged")
        c.isHardened = bool(p.get("image_signed"))
        c.usesEnvironmentVariables = bool(p.get("secrets_in_env"))
    nodes[e["key"]] = obj
for f in spec["flows"]:
    p = f["properties"]
    flow = Dataflow(nodes[f["source"]], nodes[f["target"]], f["label"])
    flow.protocol = f["protocol"]
    flow.controls.isEncrypted = bool(p.get("encrypted"))
    flow.controls.authenticatesDestination = bool(p.get("authenticated"))
    flow.data = Data(f"data {f['key']}", isCredentials=bool(p.get("carries_credentials")), classification=Classification.RESTRICTED)
t1 = time.perf_counter()
tm._init_threats()
tm.check()
t2 = time.perf_counter()
runs = []
for _ in range(int(sys.argv[2])):
    t = time.perf_counter()
    tm.resolve()
    runs.append(time.perf_counter() - t)
runs.sort()
print(json.dumps({"build_s": t1 - t0, "check_s": t2 - t1, "resolve_s": runs[len(runs) // 2], "resolve_min_s": runs[0],
                  "findings": len(tm.findings), "rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
'''


def pytm_python() -> Path:
    python = PYTM_VENV / "bin" / "python"
    if not python.exists():
        print(f"Installing pytm {PYTM_VERSION} into {PYTM_VENV} (not a product dependency) …", flush=True)
        subprocess.run([sys.executable, "-m", "venv", str(PYTM_VENV)], check=True)
        subprocess.run([str(python), "-m", "pip", "install", "-q", f"pytm=={PYTM_VERSION}"], check=True)
    return python


def run_child(command: list[str]) -> dict[str, Any]:
    result = subprocess.run(command, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        raise SystemExit(f"{command[0]} failed:\n{result.stderr[-3000:]}")
    return json.loads(result.stdout.strip().splitlines()[-1])  # type: ignore[no-any-return]


# --- sync on PostgreSQL ----------------------------------------------------------------------------------------------


def sync_bench(specs: dict[int, dict[str, Any]]) -> dict[int, dict[str, float]]:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "threatmodel.settings")
    os.environ.setdefault("SECRET_KEY", "bench-only")
    os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/threatmodel")
    os.environ["THREATMODEL_MAX_ELEMENTS_PER_MODEL"] = "100000"
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.db import connection, transaction
    from scratch import scratch_database

    results: dict[int, dict[str, float]] = {}
    with scratch_database():
        from dfd.models import Diagram
        from dfd.selectors import graph_for_model
        from stride.engine import analyse
        from stride.ruleset import default_rules
        from stride.services import threats_sync
        from threatmodel.diagrams import diagram_change
        from threatmodel.models import Team, ThreatModel

        print(f"sync database: {connection.vendor} {connection.settings_dict['NAME']} (scratch copy of DATABASE_URL's)")
        team = Team.objects.create(name="Bench", slug="bench")
        for n, spec in specs.items():
            model = ThreatModel.objects.create(team=team, name=f"Bench {n}")
            diagram = Diagram.objects.create(threat_model=model, name="Level 0")
            ops = [{"op": "add_element", **{k: v for k, v in e.items() if k != "pytm"}} for e in spec["elements"]]
            ops += [{"op": "add_flow", **f} for f in spec["flows"]]
            t0 = time.perf_counter()
            diagram_change(analyse=False, diagram_id=diagram.pk, actor=None, base_version=1, ops=ops)
            load = time.perf_counter() - t0
            row: dict[str, float] = {"load_s": load}
            for run in ("first", "second"):
                # As the background analysis task does it: its own transaction, asynchronous commit.
                with transaction.atomic():
                    with connection.cursor() as cursor:
                        cursor.execute("SET LOCAL synchronous_commit TO OFF")
                    model = ThreatModel.objects.select_for_update().get(pk=model.pk)
                    t0 = time.perf_counter()
                    graph = graph_for_model(model.pk)
                    findings = analyse(graph, default_rules())
                    t1 = time.perf_counter()
                    result = threats_sync(model_id=model.pk, version=model.version, findings=findings)
                t2 = time.perf_counter()  # after the commit
                row[f"{run}_read_analyse_s"] = t1 - t0
                row[f"{run}_sync_s"] = t2 - t1
                row[f"{run}_new"] = result.new
            results[n] = row
    return results


def main() -> None:
    if len(sys.argv) == 3 and sys.argv[1] == "--engine-child":
        engine_child(sys.argv[2])
        return
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default="100,1000,10000")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--skip-pytm", action="store_true")
    parser.add_argument("--skip-sync", action="store_true")
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    specs = {n: generate(n, args.seed) for n in sizes}
    workdir = Path(tempfile.mkdtemp(prefix="tm-bench-"))
    rows = []
    for n, spec in specs.items():
        path = workdir / f"model-{n}.json"
        path.write_text(json.dumps(spec))
        ours = run_child([sys.executable, __file__, "--engine-child", str(path)])
        theirs = None if args.skip_pytm else run_child([str(pytm_python()), "-c", PYTM_RUNNER, str(path), str(REPEAT_PYTM)])
        if theirs is not None:
            # Sample the engine again after pytm's runs, so both sides see the same machine.
            again = run_child([sys.executable, __file__, "--engine-child", str(path)])
            runs = sorted(ours["runs"] + again["runs"])
            ours = {**ours, "engine_s": statistics.median(runs), "engine_min_s": runs[0], "samples": len(runs)}
        rows.append((n, len(spec["flows"]), ours, theirs))
        ratio = f"{theirs['resolve_s'] / ours['engine_s']:.0f}x" if theirs else "-"
        print(f"N={n}: engine {ours['engine_s']:.3f} s ({ours['findings']} findings, RSS {ours['rss_mb']:.0f} MB)"
              + (f"; pytm resolve {theirs['resolve_s']:.2f} s ({theirs['findings']} findings, RSS {theirs['rss_mb']:.0f} MB); {ratio}"
                 if theirs else ""), flush=True)
    print()
    print(f"Medians of {2 * REPEAT_ENGINE} engine runs (half before, half after pytm's) and {REPEAT_PYTM} pytm resolve() runs "
          "per size; the fastest run in brackets.")
    print("| elements | flows | our engine (graph + analyse) | findings | peak RSS | traced peak | pytm build+check | pytm resolve | pytm findings | pytm RSS | resolve / engine |")
    print("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for n, flows, ours, theirs in rows:
        pytm_cells = (f"{theirs['build_s'] + theirs['check_s']:.2f} s | {theirs['resolve_s']:.2f} s ({theirs['resolve_min_s']:.2f}) | {theirs['findings']:,} | "
                      f"{theirs['rss_mb']:.0f} MB | {theirs['resolve_s'] / ours['engine_s']:.0f}×") if theirs else "- | - | - | - | -"
        print(f"| {n:,} | {flows:,} | {ours['engine_s']:.3f} s ({ours['engine_min_s']:.3f}); graph {ours['build_s']:.3f} + rules {ours['analyse_s']:.3f} | {ours['findings']:,} | "
              f"{ours['rss_mb']:.0f} MB | {ours['traced_peak_mb']:.0f} MB | {pytm_cells} |")
    print(f"\nRule library: {rows[0][2]['rules']} rules, loaded and compiled in {rows[0][2]['rules_load_s']:.2f} s (once per process).")
    if not args.skip_sync:
        results = sync_bench(specs)
        print()
        print("| elements | load through apply_ops | first sync incl. commit (all new) | threats | second sync (no change) |")
        print("|---:|---:|---:|---:|---:|")
        for n, row in results.items():
            print(f"| {n:,} | {row['load_s']:.2f} s | {row['first_sync_s']:.2f} s (+ read & analyse {row['first_read_analyse_s']:.2f} s) | "
                  f"{int(row['first_new']):,} | {row['second_sync_s']:.2f} s (+ read & analyse {row['second_read_analyse_s']:.2f} s) |")


if __name__ == "__main__":
    main()
