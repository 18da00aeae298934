"""A saturated database is a 503 with Retry-After, never a 500 (and changes nothing).

A real uvicorn process runs against this test's database with a pool of one connection. An edit
waits for the model's row lock, which the test holds from a connection of its own, so the edit
holds the pool's only connection; a second request finds none within the pool's timeout and must
be told to come back. Released, the edit completes — every acknowledged edit is in the database.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from typing import Any

import psycopg
import pytest
from django.db import OperationalError, connection

from conftest import World
from threatmodel.middleware import database_busy
from threatmodel.services import api_token_create
from threatmodel.tests.servers import call, uvicorn

pytestmark = pytest.mark.skipif(connection.vendor != "postgresql", reason="the pool is PostgreSQL's (set DATABASE_URL)")


@pytest.fixture
def server(transactional_db: None) -> Iterator[int]:
    env: dict[str, str | None] = {"DB_POOL_MIN_SIZE": "1", "DB_POOL_MAX_SIZE": "1", "DB_POOL_TIMEOUT": "1", "DB_BUSY_RETRY_AFTER": "3",
                                  "REDIS_URL": None}  # fmt: skip
    with uvicorn(env) as [(port, _)]:
        yield port


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
