"""Real web processes for the tests that need one: uvicorn on the ASGI app, against the test's database.

The fault tests (database busy, database gone, Redis rooms across processes) all start the server the
same way; this is that way, once.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from django.db import connection

ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def database_url(port: int | None = None) -> str:
    """The test database's URL, optionally through another port (a relay in front of PostgreSQL)."""
    db = connection.settings_dict
    return f"postgres://{db['USER']}:{db['PASSWORD'] or ''}@{db['HOST'] if port is None else '127.0.0.1'}:{port or db['PORT']}/{db['NAME']}"


@contextmanager
def uvicorn(env: dict[str, str | None], *, count: int = 1, log_level: str = "warning") -> Iterator[list[tuple[int, subprocess.Popen[bytes]]]]:
    """``count`` uvicorn processes with ``env`` over the test's own (None removes a variable), each listening before this yields."""
    merged: dict[str, str | None] = {**os.environ, "DATABASE_URL": database_url(), "ALLOWED_HOSTS": "127.0.0.1", "DEBUG": "0", **env}
    environment = {key: value for key, value in merged.items() if value is not None}
    ports = [free_port() for _ in range(count)]
    processes = [
        subprocess.Popen(
            [sys.executable, "-m", "uvicorn", "threatmodel.asgi:application", "--host", "127.0.0.1", "--port", str(port),
             "--log-level", log_level],
            cwd=ROOT, env=environment,
        )
        for port in ports
    ]
    try:
        for process, port in zip(processes, ports, strict=True):
            _wait_listening(process, port)
        yield list(zip(ports, processes, strict=True))
    finally:
        for process in processes:
            process.terminate()
        for process in processes:
            process.wait(timeout=20)


def _wait_listening(process: subprocess.Popen[bytes], port: int) -> None:
    deadline = time.monotonic() + 60
    while True:
        assert process.poll() is None, "uvicorn exited"
        assert time.monotonic() < deadline, "uvicorn did not listen within 60 s"
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return
        except OSError:
            time.sleep(0.2)


def call(port: int, token: str, method: str, path: str, body: Any = None) -> tuple[int, dict[str, Any], dict[str, str]]:
    """One JSON request with a bearer token: status, body and headers (errors included)."""
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
