"""Faults with real processes (issue 12): PostgreSQL goes away in the middle of a run of edits.

A real uvicorn process reaches this test's database through a TCP relay that the test controls.
Half-way through a run of edits the relay drops every connection and refuses new ones for a few
seconds — what the web process sees when PostgreSQL restarts — and then lets them through again.
The server must answer 503 (never 500) while the database is away, serve again as soon as it is
back without being restarted, and every edit it acknowledged with 200 must be in the database.
"""

from __future__ import annotations

import contextlib
import socket
import subprocess
import threading
from collections.abc import Iterator

import pytest
from django.db import connection

from conftest import World
from dfd.models import Element
from threatmodel.services import api_token_create
from threatmodel.tests.servers import call, database_url, uvicorn

pytestmark = pytest.mark.skipif(connection.vendor != "postgresql", reason="the pool is PostgreSQL's (set DATABASE_URL)")

OUTAGE_SECONDS = 3.0


class Relay:
    """A TCP relay to PostgreSQL that can drop every connection and refuse new ones (``cut``)."""

    def __init__(self, upstream: tuple[str, int]) -> None:
        self.upstream = upstream
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = int(self.listener.getsockname()[1])
        self.down = threading.Event()
        self.live: set[socket.socket] = set()
        self.lock = threading.Lock()
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                client, _ = self.listener.accept()
            except OSError:
                return
            if self.down.is_set():
                client.close()  # "server closed the connection unexpectedly", as while PostgreSQL restarts
                continue
            server = socket.create_connection(self.upstream)
            with self.lock:
                self.live.update((client, server))
            for source, target in ((client, server), (server, client)):
                threading.Thread(target=self._pump, args=(source, target), daemon=True).start()

    def _pump(self, source: socket.socket, target: socket.socket) -> None:
        try:
            while data := source.recv(65536):
                target.sendall(data)
        except OSError:
            pass
        finally:
            for end in (source, target):
                self._close(end)

    def _close(self, end: socket.socket) -> None:
        with self.lock:
            self.live.discard(end)
        with contextlib.suppress(OSError):  # already closed by the other side
            end.shutdown(socket.SHUT_RDWR)
        end.close()

    def cut(self) -> None:
        self.down.set()
        with self.lock:
            ends = list(self.live)
        for end in ends:
            self._close(end)

    def restore(self) -> None:
        self.down.clear()

    def close(self) -> None:
        self.cut()
        self.listener.close()


@pytest.fixture
def relayed_server(transactional_db: None) -> Iterator[tuple[int, Relay, subprocess.Popen[bytes]]]:
    db = connection.settings_dict
    relay = Relay((db["HOST"] or "127.0.0.1", int(db["PORT"] or 5432)))
    env: dict[str, str | None] = {"DATABASE_URL": database_url(relay.port), "DB_POOL_MIN_SIZE": "1", "DB_POOL_MAX_SIZE": "2",
                                  "DB_POOL_TIMEOUT": "2", "REDIS_URL": None}  # fmt: skip
    try:
        with uvicorn(env, log_level="error") as [(port, process)]:
            yield port, relay, process
    finally:
        relay.close()


def test_edits_survive_the_database_going_away_and_the_server_recovers_without_a_restart(
    world: World, relayed_server: tuple[int, Relay, subprocess.Popen[bytes]]
) -> None:
    port, relay, process = relayed_server
    _, token = api_token_create(actor=world.users["editor"], name="faults")
    path = f"/api/v1/diagrams/{world.diagram.pk}/"
    version = world.diagram.version
    acknowledged: list[str] = []
    statuses: list[int] = []
    outage: threading.Thread | None = None

    for i in range(40):
        if i == 10:
            relay.cut()
            outage = threading.Timer(OUTAGE_SECONDS, relay.restore)
            outage.start()
        key = f"added-{i}"
        status, body, headers = call(port, token, "POST", f"{path}ops/", {
            "base_version": version, "ops": [{"op": "add_element", "key": key, "kind": "process", "name": f"Service {i}"}],
        })  # fmt: skip
        statuses.append(status)
        assert status in (200, 409, 503), (status, body)
        if status == 200:
            acknowledged.append(key)
            version = body["version"]
        elif status == 503:
            assert headers.get("Retry-After") and "nothing was changed" in body["error"]["message"]
        if status != 200 and not relay.down.is_set():
            got, current, _ = call(port, token, "GET", path)
            if got == 200:
                version = current["version"]

    assert outage is not None
    outage.join()
    assert 503 in statuses, "the outage was not felt: the relay did not cut the server off"
    assert 500 not in statuses
    assert statuses[-15:] == [200] * 15, f"the server did not recover on its own: {statuses}"
    assert process.poll() is None  # the same process, never restarted
    stored = set(Element.objects.filter(diagram=world.diagram, key__startswith="added-").values_list("key", flat=True))
    assert set(acknowledged) <= stored, f"acknowledged but lost: {sorted(set(acknowledged) - stored)}"
    assert len(acknowledged) >= 25
