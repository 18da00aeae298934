"""Benchmark: the PDF report of a model with 1,000 threats, rendered by one real Celery worker, while
the web process keeps answering.

It makes a scratch copy of DATABASE_URL's database, fills it with a model of 200 elements, 300
flows, 1,000 threats (mapped to 20 techniques of the shipped ATT&CK catalogue), 100 mitigations and 50 decisions, then starts one Celery worker (solo pool,
Redis at REDIS_URL) and one uvicorn web process on 127.0.0.1:$BENCH_PORT, asks for the report over
HTTP with an API token, and measures:

* the time from the request to ``done`` (and the worker's own render time, from the report row);
* the latency of a cheap authenticated endpoint (the model's detail) polled every 50 ms before and
  during the rendering: the web process must stay responsive while the worker is busy.

Run:  DATABASE_URL=postgres://postgres@127.0.0.1:5432/threatmodel REDIS_URL=redis://127.0.0.1:6379/15 \\
      .venv/bin/python bench/report.py [--threats 1000] [--port 8250]
It stops what it starts and drops its scratch database. Exit status 1 when the 30 s target is missed.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "threatmodel.settings")
os.environ.setdefault("SECRET_KEY", "bench-only")
os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/threatmodel")
MEDIA = Path(tempfile.mkdtemp(prefix="report-bench-media-"))
os.environ["MEDIA_ROOT"] = str(MEDIA)

import django  # noqa: E402

django.setup()

from django.db import connection  # noqa: E402

TARGET_SECONDS = 30.0


def build_model(threats: int) -> tuple[int, str]:
    from django.contrib.auth import get_user_model

    from dfd.models import Diagram
    from stride.models import Technique, Threat
    from threatmodel.diagrams import diagram_change
    from threatmodel.models import Membership, Team, ThreatModel
    from threatmodel.services import api_token_create

    user = get_user_model().objects.create_user("bench", password="x", first_name="Bench", last_name="Runner")
    team = Team.objects.create(name="Bench", slug="bench")
    Membership.objects.create(team=team, user=user, role="owner")
    model = ThreatModel.objects.create(
        team=team, name="Large shop", description="A benchmark model.", scope="Everything.", created_by=user
    )
    diagram = Diagram.objects.create(threat_model=model, name="Level 0")
    ops: list[dict[str, Any]] = [
        {"op": "add_element", "key": f"tb{b}", "kind": "trust_boundary", "name": f"Zone {b}", "properties": {"boundary_type": "namespace"}}
        for b in range(5)
    ]
    kinds = ["process", "process", "data_store", "external_entity"]
    for i in range(195):
        kind = kinds[i % 4]
        props: dict[str, Any] = {"privileged": i % 3 == 0, "runs_as_root": "unknown"} if kind == "process" else {}
        ops.append({"op": "add_element", "key": f"e{i}", "kind": kind, "name": f"Element {i}", "parent": f"tb{i % 5}",
                    "x": float(i % 20) * 40, "y": float(i // 20) * 40, "properties": props})  # fmt: skip
    for j in range(300):
        source, target = j % 195, (j * 7 + 1) % 195
        target = (target + 1) % 195 if target == source else target
        ops.append({"op": "add_flow", "key": f"f{j}", "source": f"e{source}", "target": f"e{target}", "label": f"Flow {j}"})
    diagram_change(analyse=False, diagram_id=diagram.pk, actor=user, base_version=1, ops=ops)
    # Twenty techniques of the shipped ATT&CK catalogue (loaded on migrate), so the coverage section is real.
    techniques = list(Technique.objects.filter(platforms__contains=["Containers"]).order_by("attack_id")[:20])
    if len(techniques) < 20:
        techniques = list(Technique.objects.order_by("attack_id")[:20])
    statuses = ["open", "open", "open", "mitigated", "accepted", "transferred", "not_applicable"]
    rows = [
        Threat(
            threat_model=model, fingerprint=f"BENCH-{n}@e{n % 195}", rule_id=f"BENCH-{n % 40}", origin="rule", stride="STRIDE"[n % 6],
            element_key=f"e{n % 195}", title=f"Threat {n}: an attacker abuses element {n % 195} through flow {n % 300}",
            description="Benchmark threat.", likelihood=(n * 7) % 5 + 1, impact=(n * 3) % 5 + 1, status=statuses[n % len(statuses)],
            owner=user if n % 3 == 0 else None, rationale="Rated in the benchmark.",
        )
        for n in range(threats)
    ]
    created = Threat.objects.bulk_create(rows, batch_size=1000)
    through = Threat.techniques.through
    through.objects.bulk_create(
        [through(threat_id=t.pk, technique_id=techniques[n % len(techniques)].pk) for n, t in enumerate(created) if n % 2 == 0], batch_size=1000
    )
    # The workflow's records: 100 mitigations over 300 threats, 50 live decisions.
    from threatmodel.models import Decision, Mitigation, ThreatMitigation

    mitigations = Mitigation.objects.bulk_create(
        [
            Mitigation(threat_model=model, ref=f"MIT-{m + 1}", title=f"Mitigation {m + 1}", status=("planned", "implemented", "verified")[m % 3],
                       likelihood_reduction=1 + m % 2, evidence="Evidence" if m % 3 == 2 else "", owner=user)
            for m in range(100)
        ]
    )  # fmt: skip
    ThreatMitigation.objects.bulk_create(
        [ThreatMitigation(threat=created[n], mitigation=mitigations[n % 100]) for n in range(0, 900, 3)], batch_size=1000
    )
    Decision.objects.bulk_create(
        [
            Decision(threat_model=model, threat=created[n], kind="acceptance", status="active", justification="Benchmark",
                     owner=user, approved_by=user, created_by=user)
            for n in range(4, 1000, 20)
        ]
    )  # fmt: skip
    _, secret = api_token_create(actor=user, name="bench")
    return model.pk, secret


def request(url: str, token: str, data: dict[str, Any] | None = None) -> tuple[int, dict[str, Any], float]:
    body = json.dumps(data).encode() if data is not None else None
    req = urllib.request.Request(url, data=body, method="POST" if body is not None else "GET")
    req.add_header("Authorization", f"Bearer {token}")
    req.add_header("Accept", "application/json")
    if body is not None:
        req.add_header("Content-Type", "application/json")
    started = time.perf_counter()
    try:
        with urllib.request.urlopen(req, timeout=30) as response:
            payload = json.loads(response.read() or b"{}")
            return response.status, payload, time.perf_counter() - started
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read() or b"{}"), time.perf_counter() - started


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def run(threats: int, port: int) -> bool:
    model_id, token = build_model(threats)
    db = connection.settings_dict
    url = f"postgres://{db['USER']}:{db['PASSWORD'] or ''}@{db['HOST']}:{db['PORT']}/{db['NAME']}"
    env = {**os.environ, "DATABASE_URL": url, "MEDIA_ROOT": str(MEDIA), "DEBUG": "0", "LOG_LEVEL": "WARNING"}
    broker = env.get("CELERY_BROKER_URL") or env.get("REDIS_URL")
    if not broker:
        sys.exit("REDIS_URL is required: the benchmark runs a real Celery worker.")
    env["CELERY_BROKER_URL"] = env["CELERY_RESULT_BACKEND"] = broker
    python = sys.executable
    from threatmodel.celery import app

    app.conf.update(broker_url=broker, result_backend=broker, task_always_eager=False)
    app.control.purge()
    worker = subprocess.Popen(
        [python, "-m", "celery", "-A", "threatmodel.celery", "worker", "--pool", "solo", "--concurrency", "1", "--loglevel", "warning",
         "--without-heartbeat", "--without-gossip", "--without-mingle"],
        cwd=ROOT, env=env,
    )  # fmt: skip
    web = subprocess.Popen(
        [python, "-m", "uvicorn", "threatmodel.asgi:application", "--host", "127.0.0.1", "--port", str(port), "--log-level", "warning"],
        cwd=ROOT, env=env,
    )  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and not app.control.ping(timeout=1):
            pass
        while time.monotonic() < deadline:
            try:
                if request(f"{base}/healthz", token)[0] == 200:
                    break
            except OSError:
                time.sleep(0.2)
        cheap = f"{base}/api/v1/threat-models/{model_id}/"
        for _ in range(5):  # warm the web process up
            request(cheap, token)
        baseline = [request(cheap, token)[2] for _ in range(40)]

        latencies: list[float] = []
        stop = threading.Event()

        def poll_cheap() -> None:
            while not stop.is_set():
                status, _, seconds = request(cheap, token)
                if status == 200:
                    latencies.append(seconds)
                time.sleep(0.05)

        started = time.perf_counter()
        status, report, _ = request(f"{base}/api/v1/threat-models/{model_id}/reports/", token, {"paper": "a4"})
        assert status == 202, (status, report)
        poller = threading.Thread(target=poll_cheap, daemon=True)
        poller.start()
        while True:
            status, report, _ = request(f"{base}{report['url']}", token)
            if report["status"] in ("done", "failed"):
                break
            if time.perf_counter() - started > 300:
                raise SystemExit("the report did not finish within 300 s")
            time.sleep(0.2)
        wall = time.perf_counter() - started
        stop.set()
        poller.join()
        assert report["status"] == "done", report
        from threatmodel.models import Report

        row = Report.objects.get(pk=report["id"])
        assert row.started_at and row.finished_at
        render = (row.finished_at - row.started_at).total_seconds()
        print(f"database: {connection.vendor} {db['NAME']} (scratch copy); worker: 1 Celery worker, solo pool; web: 1 uvicorn process")
        print(f"model: 200 elements (5 boundaries), 300 flows, {threats} threats on 20 ATT&CK techniques, "
              "100 mitigations, 50 decisions")
        print(f"report: {report['pages']} pages, {report['size'] / 1024:.0f} KiB")
        print(f"request -> done: {wall:.1f} s   (worker render {render:.1f} s; target <= {TARGET_SECONDS:.0f} s: "
              f"{'met' if wall <= TARGET_SECONDS else 'NOT MET'})")  # fmt: skip
        print(f"GET threat-models/{{id}}/ before:  median {statistics.median(baseline) * 1000:.0f} ms, "
              f"p95 {percentile(baseline, 0.95) * 1000:.0f} ms, max {max(baseline) * 1000:.0f} ms ({len(baseline)} requests)")  # fmt: skip
        print(f"GET threat-models/{{id}}/ during: median {statistics.median(latencies) * 1000:.0f} ms, "
              f"p95 {percentile(latencies, 0.95) * 1000:.0f} ms, max {max(latencies) * 1000:.0f} ms ({len(latencies)} requests)")  # fmt: skip
        return wall <= TARGET_SECONDS
    finally:
        for process in (web, worker):
            process.terminate()
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--threats", type=int, default=1000)
    parser.add_argument("--port", type=int, default=int(os.environ.get("BENCH_PORT", "8250")))
    args = parser.parse_args()
    from scratch import scratch_database

    try:
        with scratch_database():
            met = run(args.threats, args.port)
    finally:
        for path in sorted(MEDIA.rglob("*"), reverse=True):
            path.unlink() if path.is_file() else path.rmdir()
        MEDIA.rmdir()
    sys.exit(0 if met else 1)


if __name__ == "__main__":
    main()
