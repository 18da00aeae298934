"""Benchmark: a live workshop — N participants in one model's room, some of them editing at once.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/threatmodel REDIS_URL=redis://127.0.0.1:6379/0 \
        .venv/bin/python bench/workshop.py --clients 5,20,30 --editors 10 --seconds 20

Per run: a 200-element diagram (the analysis runs inline after every batch, as in the product at
this size), N participants connected over real WebSockets to uvicorn (one process, or
``--processes 2`` sharing the rooms through Redis's channel layer when REDIS_URL is set; without
it the in-memory layer and one process), each with its own session cookie and the page's Origin.
``--editors`` of them send a batch at a steady rate (``--rate`` per editor per second, jittered):
a property toggled on a random process — which the analysis reads — and a move. Each editor sends
on the last version it has seen, as a browser does, so batches made concurrently are rebased.

Figures: time from a batch sent to it seen by every participant (the sender's acknowledgement
included; each client stamps the arrival on its own receiving task), p50/p95/p99; accepted (on
the current version), rebased, refused; lost = sent, never refused, and not seen by everyone
within 60 s of the end (must be 0). It makes a scratch copy of DATABASE_URL's database.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import socket
import statistics
import subprocess
import sys
import time
import uuid
from collections import Counter
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "threatmodel.settings")
os.environ.setdefault("SECRET_KEY", "bench-only")
os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/threatmodel")

import django  # noqa: E402

django.setup()

from django.db import connection  # noqa: E402
from document_and_ops import build_ops  # noqa: E402
from scratch import scratch_database  # noqa: E402
from websockets.asyncio.client import ClientConnection, connect  # noqa: E402
from websockets.typing import Origin  # noqa: E402

ELEMENTS = 200
FLOWS = 300
SETTLE_SECONDS = 60.0


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_for(port: int, process: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 60
    while True:
        if process.poll() is not None:
            raise SystemExit("uvicorn exited; see var/bench-workshop-server.log")
        if time.monotonic() > deadline:
            raise SystemExit("uvicorn did not listen within 60 s")
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return
        except OSError:
            time.sleep(0.2)


def setup_model(participants: int) -> tuple[int, int, list[str], list[str]]:
    """The team, its members (sessions made here), the model and its analysed 200-element diagram."""
    from django.contrib.auth import get_user_model
    from django.test import Client

    from dfd.models import Diagram
    from threatmodel.diagrams import diagram_change
    from threatmodel.models import Membership, Team, ThreatModel

    team = Team.objects.create(name="Workshop", slug="workshop")
    users = []
    for i in range(participants):
        user = get_user_model().objects.create_user(f"p{i}", password="x", first_name="Participant", last_name=str(i))
        Membership.objects.create(team=team, user=user, role="owner" if i == 0 else "editor")
        users.append(user)
    model = ThreatModel.objects.create(team=team, name="Workshop")
    diagram = Diagram.objects.create(threat_model=model, name="Level 0")
    diagram_change(actor=users[0], diagram_id=diagram.pk, base_version=diagram.version, ops=build_ops(ELEMENTS, FLOWS))
    cookies = []
    for user in users:
        client = Client()
        client.force_login(user)
        cookies.append(f"sessionid={client.cookies['sessionid'].value}")
    processes = [f"e{i}" for i in range(ELEMENTS - 5) if i % 4 in (0, 1)]
    return model.pk, diagram.pk, cookies, processes


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


async def room_run(
    ports: list[int], model_id: int, diagram_id: int, cookies: list[str], processes: list[str],
    editors: int, rate: float, seconds: float, seed: int,
) -> dict[str, Any]:  # fmt: skip
    n = len(cookies)
    path = f"/ws/threat-models/{model_id}/"
    origin = Origin("http://127.0.0.1")
    sockets: list[ClientConnection] = []
    versions: list[int] = []
    for i, cookie in enumerate(cookies):
        ws = await connect(f"ws://127.0.0.1:{ports[i % len(ports)]}{path}", origin=origin, additional_headers={"Cookie": cookie},
                           max_size=8 * 1024 * 1024)  # fmt: skip
        welcome = json.loads(await ws.recv())
        assert welcome["type"] == "welcome", welcome
        versions.append(next(d["version"] for d in welcome["diagrams"] if d["id"] == diagram_id))
        sockets.append(ws)

    sent_at: dict[str, float] = {}
    sender: dict[str, int] = {}
    seen: dict[str, int] = Counter()
    everyone_at: dict[str, float] = {}
    outcomes: Counter[str] = Counter()
    refused: set[str] = set()
    reasons: Counter[str] = Counter()
    sizes: list[int] = []

    async def reader(i: int, ws: ClientConnection) -> None:
        async for raw in ws:
            now = time.perf_counter()
            message = json.loads(raw)
            kind = message.get("type")
            if kind == "applied" and message.get("diagram") == diagram_id:
                versions[i] = max(versions[i], message["version"])
                batch = message.get("client_batch")
                if i == 0:
                    sizes.append(len(raw))
                if batch in sent_at:
                    seen[batch] += 1
                    if seen[batch] == n:
                        everyone_at[batch] = now
                    if sender[batch] == i:
                        outcomes["rebased" if message.get("rebased_from") is not None else "accepted"] += 1
            elif kind == "refused" and message.get("client_batch") in sent_at:
                refused.add(message["client_batch"])
                outcomes["refused"] += 1
                reasons[message.get("message", "")[:80]] += 1

    async def editor(i: int) -> None:
        rng = random.Random(seed * 1000 + i)
        ws = sockets[i]
        await asyncio.sleep(rng.random() / rate)
        end = time.perf_counter() + seconds
        turn = 0
        while time.perf_counter() < end:
            turn += 1
            key = rng.choice(processes)
            batch = str(uuid.uuid4())
            ops = [
                {"op": "update_element", "key": key, "properties": {"authenticated": turn % 2 == 0}},
                {"op": "move_element", "key": key, "x": rng.uniform(0, 900), "y": rng.uniform(0, 900)},
            ]
            sent_at[batch] = time.perf_counter()
            sender[batch] = i
            await ws.send(json.dumps({"type": "ops", "diagram": diagram_id, "base_version": versions[i], "ops": ops, "client_batch": batch}))
            await asyncio.sleep(rng.uniform(0.5, 1.5) / rate)

    readers = [asyncio.create_task(reader(i, ws)) for i, ws in enumerate(sockets)]
    began = time.perf_counter()
    await asyncio.gather(*(editor(i) for i in range(min(editors, n))))
    settle_until = time.perf_counter() + SETTLE_SECONDS
    while time.perf_counter() < settle_until and len(everyone_at) + len(refused) < len(sent_at):
        await asyncio.sleep(0.05)
    elapsed = time.perf_counter() - began
    for ws in sockets:
        await ws.close()
    for task in readers:
        task.cancel()
    latencies = [everyone_at[b] - sent_at[b] for b in everyone_at]
    lost = len(sent_at) - len(everyone_at) - len(refused)
    return {"sent": len(sent_at), "latencies": latencies, "outcomes": outcomes, "lost": lost, "elapsed": elapsed, "reasons": reasons,
            "kb": statistics.mean(sizes) / 1024 if sizes else 0.0}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--clients", default="5,20", help="participants per run, comma-separated")
    parser.add_argument("--editors", type=int, default=10, help="how many of them edit (at most all)")
    parser.add_argument("--rate", type=float, default=1.0, help="batches per editor per second")
    parser.add_argument("--seconds", type=float, default=15.0)
    parser.add_argument("--processes", type=int, default=1, help="uvicorn processes (several need REDIS_URL)")
    args = parser.parse_args()
    if connection.vendor != "postgresql":
        raise SystemExit("bench/workshop.py runs on PostgreSQL: set DATABASE_URL")
    if args.processes > 1 and not os.environ.get("REDIS_URL"):
        raise SystemExit("several processes share a room only through Redis: set REDIS_URL")
    counts = [int(c) for c in args.clients.split(",")]
    with scratch_database():
        model_id, diagram_id, cookies, processes = setup_model(max(counts))
        db = connection.settings_dict
        env = {**os.environ, "DATABASE_URL": f"postgres://{db['USER']}:{db['PASSWORD'] or ''}@{db['HOST']}:{db['PORT']}/{db['NAME']}",
               "DEBUG": "0", "ALLOWED_HOSTS": "127.0.0.1", "SECRET_KEY": os.environ["SECRET_KEY"]}  # fmt: skip
        connection.close()
        (ROOT / "var").mkdir(exist_ok=True)
        log = open(ROOT / "var" / "bench-workshop-server.log", "wb")  # noqa: SIM115 - closed in finally
        ports = [free_port() for _ in range(args.processes)]
        servers = [
            subprocess.Popen(
                [sys.executable, "-m", "uvicorn", "threatmodel.asgi:application", "--host", "127.0.0.1", "--port", str(port),
                 "--log-level", "warning", "--ws", "websockets-sansio"],
                cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
            )
            for port in ports
        ]  # fmt: skip
        try:
            for port, server in zip(ports, servers, strict=True):
                wait_for(port, server)
            layer = "Redis channel layer" if os.environ.get("REDIS_URL") else "in-memory channel layer"
            print(f"model: {ELEMENTS} elements, {FLOWS} flows, analysis inline after each batch; {args.processes} uvicorn "
                  f"process(es), {layer}; {args.seconds:.0f} s per run, {args.rate:g} batch/s per editor")
            print(f"{'clients':>7} {'editors':>7} {'batches':>7} {'p50 ms':>7} {'p95 ms':>7} {'p99 ms':>7} {'max ms':>7} "
                  f"{'accepted':>8} {'rebased':>7} {'refused':>7} {'lost':>4} {'KB/msg':>6}")
            for run, n in enumerate(counts):
                result = asyncio.run(room_run(ports, model_id, diagram_id, cookies[:n], processes, args.editors, args.rate,
                                              args.seconds, seed=run))  # fmt: skip
                times = [t * 1000 for t in result["latencies"]] or [float("nan")]
                o = result["outcomes"]
                print(f"{n:>7} {min(args.editors, n):>7} {result['sent']:>7} {statistics.median(times):>7.0f} "
                      f"{percentile(times, 0.95):>7.0f} {percentile(times, 0.99):>7.0f} {max(times):>7.0f} "
                      f"{o['accepted']:>8} {o['rebased']:>7} {o['refused']:>7} {result['lost']:>4} {result['kb']:>6.1f}")
                for reason, count in result["reasons"].most_common(3):
                    print(f"{'':>7} refused ×{count}: {reason}")
        finally:
            for server in servers:
                server.terminate()
            for server in servers:
                try:
                    server.wait(timeout=30)
                except subprocess.TimeoutExpired:
                    server.kill()
            log.close()
            connection.close()


if __name__ == "__main__":
    main()
