"""A saturated database is a 503 with Retry-After, never a 500 (and changes nothing).

A real uvicorn process runs against this test's database with a pool of one connection. An edit
waits for the model's row lock, which the test holds from a connection of its own, so the edit
holds the pool's only connection; a second request finds none within the pool's timeout and must
be told to come back. Released, the edit completes — every acknowledged edit is in the database.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import psycopg
import pytest
from django.db import OperationalError, connection

from conftest import World
from threatmodel.middleware import database_busy
from threatmodel.services import api_token_create

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.skipif(connection.vendor != "postgresql", reason="the pool is PostgreSQL's (set DATABASE_URL)")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def server(transactional_db: None) -> Iterator[int]:
    db = connection.settings_dict
    port = free_port()
    env = {
        **os.environ,
        "DATABASE_URL": f"postgres://{db['USER']}:{db['PASSWORD'] or ''}@{db['HOST']}:{db['PORT']}/{db['NAME']}",
        "DB_POOL_MIN_SIZE": "1",
        "DB_POOL_MAX_SIZE": "1",
        "DB_POOL_TIMEOUT": "1",
        "DB_BUSY_RETRY_AFTER": "3",
        "ALLOWED_HOSTS": "127.0.0.1",
        "DEBUG": "0",
    }
    env.pop("REDIS_URL", None)
    process = subprocess.Popen(
        [sys.executable, "-m", "uvicorn", "threatmodel.asgi:application", "--host", "127.0.0.1", "--port", str(port),
         "--log-level", "warning"],
        cwd=ROOT, env=env,
    )
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            assert process.poll() is None, "uvicorn exited"
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                time.sleep(0.2)
        yield port
    finally:
        process.terminate()
        process.wait(timeout=20)


def call(port: int, token: str, method: str, path: str, body: Any = None) -> tuple[int, dict[str, Any], dict[str, str]]:
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}{path}",
        method=method,
        data=json.dumps(body).encode() if body is not None else None,
        headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
    )
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            return response.status, json.loads(response.read() or b"{}"), dict(response.headers)
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read() or b"{}"), dict(exc.headers)


def test_a_request_that_finds_no_connection_is_told_to_retry(server: int, world: World) -> None:
    _, token = api_token_create(actor=world.users["editor"], name="busy")
    db = connection.settings_dict
    holder = psycopg.connect(host=db["HOST"], port=db["PORT"], user=db["USER"], password=db["PASSWORD"] or None, dbname=db["NAME"])
    edit: dict[str, Any] = {}
    try:
        holder.execute("SELECT id FROM threatmodel_threatmodel WHERE id = %s FOR UPDATE", (world.model.pk,))
        ops = {"base_version": world.diagram.version, "ops": [{"op": "update_element", "key": "web", "name": "Web (busy)"}]}
        writer = threading.Thread(target=lambda: edit.update(zip(("status", "body", "headers"), call(
            server, token, "POST", f"/api/v1/diagrams/{world.diagram.pk}/ops/", ops), strict=True)))
        writer.start()
        # Once the edit waits for the lock it holds the pool's one connection.
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            waiting = holder.execute(
                "SELECT count(*) FROM pg_locks WHERE NOT granted AND relation = 'threatmodel_threatmodel'::regclass"
            ).fetchone()
            if waiting and waiting[0]:
                break
            time.sleep(0.1)
        status, body, headers = call(server, token, "GET", f"/api/v1/threat-models/{world.model.pk}/")
        assert status == 503, body
        assert headers["Retry-After"] == "3"
        assert body["error"]["code"] == "unavailable" and "nothing was changed" in body["error"]["message"]
    finally:
        holder.rollback()
        holder.close()
    writer.join(timeout=60)
    assert edit["status"] == 200, edit
    world.diagram.refresh_from_db()
    assert world.diagram.elements.get(key="web").name == "Web (busy)"


def test_only_a_refused_connection_counts_as_busy() -> None:
    assert database_busy(OperationalError('FATAL:  sorry, too many clients already'))
    assert not database_busy(OperationalError('relation "nothing" does not exist'))
