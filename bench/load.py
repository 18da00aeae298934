"""Benchmark: the server under load — the document, the threat list and the ops endpoint, with 8
and 30 clients, against uvicorn with 2 workers on PostgreSQL, on loopback only.

It makes a scratch copy of DATABASE_URL's database, loads the 1,000-element benchmark model (and
its analysis) through the API, starts uvicorn on a free port, and runs each client count for a
fixed time with a bound on the requests. Each client keeps one HTTP connection and loops over a
fixed mix: 40 % ``GET …/document/``, 40 % ``GET /api/v1/threats/?threat_model=`` (one page of 50),
20 % an edit (read the diagram's version, then ``POST …/ops/`` with a move, and every other time a
rename too, which the analysis follows). It prints, per endpoint and client count: requests, throughput, p50/p95/p99,
the count of 5xx (must be 0) and of 409s (a stale edit, expected under concurrent writers), and the
number of PostgreSQL connections the server holds at the end.

Run:  DATABASE_URL=postgres://postgres@127.0.0.1:5432/threatmodel .venv/bin/python bench/load.py
      [--seconds 20] [--max-requests 4000] [--clients 8,30]
Extra environment for the server (e.g. ``DB_CONN_MAX_AGE=60`` to see the old default) is passed on.
It only uses the ORM models and HTTP endpoints that every version of the product has, so the same
script measures an older checkout too (copy it there with bench/scratch.py).
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import random
import socket
import statistics
import subprocess
import sys
import threading
import time
from collections import Counter, defaultdict
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "threatmodel.settings")
os.environ.setdefault("SECRET_KEY", "bench-only")
os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/threatmodel")

import django  # noqa: E402

django.setup()

from django.db import connection  # noqa: E402
from document_and_ops import build_ops  # noqa: E402
from scratch import scratch_database  # noqa: E402

ELEMENTS, FLOWS = 1000, 2000


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Client:
    """One HTTP/1.1 keep-alive connection with a bearer token."""

    def __init__(self, port: int, token: str) -> None:
        self.port, self.token = port, token
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)

    def request(self, method: str, path: str, body: Any = None) -> tuple[int, bytes]:
        headers = {"Authorization": f"Bearer {self.token}", "Accept": "application/json"}
        data = None
        if body is not None:
            data = json.dumps(body).encode()
            headers["Content-Type"] = "application/json"
        for attempt in range(2):
            try:
                self.conn.request(method, path, body=data, headers=headers)
                response = self.conn.getresponse()
                return response.status, response.read()
            except (http.client.HTTPException, OSError):
                self.conn.close()
                self.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
                if attempt:
                    return 599, b"connection failed"
        return 599, b""


def setup_model(port: int) -> tuple[str, int, int]:
    from django.contrib.auth import get_user_model

    from dfd.models import Diagram
    from threatmodel.models import Membership, Team, ThreatModel
    from threatmodel.services import api_token_create

    user = get_user_model().objects.create_user("loadbench", password="x")
    team = Team.objects.create(name="Load", slug="load")
    Membership.objects.create(team=team, user=user, role="owner")
    model = ThreatModel.objects.create(team=team, name="Load model", created_by=user)
    diagram = Diagram.objects.create(threat_model=model, name="Level 0")
    _, token = api_token_create(actor=user, name="load")
    client = Client(port, token)
    status, body = client.request("POST", f"/api/v1/diagrams/{diagram.pk}/ops/", {"base_version": 1, "ops": build_ops(ELEMENTS, FLOWS)})
    assert status == 200, body[:500]
    status, body = client.request("POST", f"/api/v1/threat-models/{model.pk}/analyse/", {})
    assert status == 200, body[:500]
    return token, model.pk, diagram.pk


def wait_for(port: int, server: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise SystemExit(f"uvicorn exited with {server.returncode}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return
        except OSError:
            time.sleep(0.3)
    raise SystemExit("uvicorn did not start within 90 s")


def run_clients(port: int, token: str, model_id: int, diagram_id: int, clients: int, seconds: float, max_requests: int) -> dict[str, Any]:
    stats: dict[str, list[float]] = defaultdict(list)
    codes: dict[str, Counter[int]] = defaultdict(Counter)
    lock = threading.Lock()
    budget = [max_requests]
    stop_at = time.monotonic() + seconds

    def take() -> bool:
        with lock:
            if budget[0] <= 0 or time.monotonic() >= stop_at:
                return False
            budget[0] -= 1
            return True

    def record(name: str, started: float, status: int) -> None:
        with lock:
            stats[name].append(time.perf_counter() - started)
            codes[name][status] += 1

    def worker(index: int) -> None:
        rng = random.Random(index)
        client = Client(port, token)
        turn = 0
        while take():
            pick = rng.random()
            started = time.perf_counter()
            if pick < 0.4:
                status, _ = client.request("GET", f"/api/v1/threat-models/{model_id}/document/")
                record("document", started, status)
            elif pick < 0.8:
                status, _ = client.request("GET", f"/api/v1/threats/?threat_model={model_id}&page_size=50")
                record("threats", started, status)
            else:
                turn += 1
                status, body = client.request("GET", f"/api/v1/diagrams/{diagram_id}/")
                if status != 200:
                    record("ops", started, status)
                    continue
                version = json.loads(body)["version"]
                key = f"e{rng.randrange(ELEMENTS - 5)}"
                ops: list[dict[str, Any]] = [{"op": "move_element", "key": key, "x": rng.uniform(0, 900), "y": rng.uniform(0, 900)}]
                if turn % 2 == 0:
                    ops.append({"op": "update_element", "key": key, "name": f"Element {key} ({turn})"})
                started = time.perf_counter()
                status, _ = client.request("POST", f"/api/v1/diagrams/{diagram_id}/ops/", {"base_version": version, "ops": ops})
                record("ops", started, status)

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(clients)]
    began = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.perf_counter() - began
    return {"elapsed": elapsed, "stats": stats, "codes": codes}


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def connections_held(db_name: str) -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM pg_stat_activity WHERE datname = %s AND pid <> pg_backend_pid()", [db_name])
        row = cursor.fetchone()
    return int(row[0]) if row else 0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=20.0)
    parser.add_argument("--max-requests", type=int, default=4000)
    parser.add_argument("--clients", default="8,30")
    args = parser.parse_args()
    if connection.vendor != "postgresql":
        raise SystemExit("bench/load.py runs on PostgreSQL: set DATABASE_URL")
    with scratch_database():
        db = connection.settings_dict
        url = f"postgres://{db['USER']}:{db['PASSWORD'] or ''}@{db['HOST']}:{db['PORT']}/{db['NAME']}"
        port = free_port()
        env = {**os.environ, "DATABASE_URL": url, "DEBUG": "0", "ALLOWED_HOSTS": "127.0.0.1,localhost",
               "SECRET_KEY": os.environ.get("SECRET_KEY", "bench-only")}
        env.pop("REDIS_URL", None)  # analyses inline, as the embedded default
        env.pop("CELERY_BROKER_URL", None)
        log = open(ROOT / "var" / "bench-load-server.log", "wb")  # noqa: SIM115 - closed in finally
        server = subprocess.Popen(
            [sys.executable, "-m", "uvicorn", "threatmodel.asgi:application", "--host", "127.0.0.1", "--port", str(port),
             "--workers", "2", "--log-level", "warning"],
            cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
        )
        try:
            wait_for(port, server)
            token, model_id, diagram_id = setup_model(port)
            connection.close()
            print(f"model: {ELEMENTS:,} elements, {FLOWS:,} flows, analysed; uvicorn --workers 2 on 127.0.0.1:{port}; "
                  f"{args.seconds:.0f} s or {args.max_requests} requests per run")
            print(f"{'clients':>7} {'endpoint':<9} {'requests':>8} {'req/s':>7} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8} {'5xx':>5} {'409':>5}")
            for clients in [int(c) for c in args.clients.split(",")]:
                result = run_clients(port, token, model_id, diagram_id, clients, args.seconds, args.max_requests)
                for name in ("document", "threats", "ops"):
                    times = result["stats"].get(name, [])
                    if not times:
                        continue
                    code = result["codes"][name]
                    errors = sum(n for status, n in code.items() if status >= 500)
                    print(f"{clients:>7} {name:<9} {len(times):>8} {len(times) / result['elapsed']:>7.1f} "
                          f"{statistics.median(times) * 1000:>8.0f} {percentile(times, 0.95) * 1000:>8.0f} "
                          f"{percentile(times, 0.99) * 1000:>8.0f} {errors:>5} {code.get(409, 0):>5}")
                print(f"{clients:>7} connections held by the server at the end: {connections_held(db['NAME'])}")
        finally:
            server.terminate()
            try:
                server.wait(timeout=30)
            except subprocess.TimeoutExpired:
                server.kill()
            log.close()
            connection.close()
            print(f"server log: {log.name}")


if __name__ == "__main__":
    main()
