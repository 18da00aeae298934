"""Two web processes share one room through Redis's channel layer.

Two real uvicorn processes run against this test's database and Redis; a participant connected
to one sees the edit and the presence of a participant connected to the other, over real
WebSockets (the ``websockets`` client, as a browser would connect: session cookie and Origin).
"""

from __future__ import annotations

import asyncio
import json
import os
from collections.abc import Iterator
from typing import Any

import pytest
from django.conf import settings
from django.db import connection
from django.test import Client
from websockets.asyncio.client import ClientConnection, connect
from websockets.typing import Origin

from conftest import World
from dfd.models import Element
from threatmodel.tests.servers import uvicorn

pytestmark = [
    pytest.mark.skipif(connection.vendor != "postgresql", reason="the web processes share PostgreSQL (set DATABASE_URL)"),
    pytest.mark.skipif(not os.environ.get("REDIS_URL"), reason="no REDIS_URL: the shared rooms need Redis (make test starts it)"),
]


@pytest.fixture
def servers(transactional_db: None) -> Iterator[list[int]]:
    # Sessions made here must verify there: the session hash is keyed by SECRET_KEY.
    with uvicorn({"SECRET_KEY": settings.SECRET_KEY}, count=2) as running:
        yield [port for port, _ in running]


def cookie(user: Any) -> str:
    client = Client()
    client.force_login(user)
    return f"sessionid={client.cookies['sessionid'].value}"


async def receive(ws: ClientConnection, kind: str) -> dict[str, Any]:
    for _ in range(20):
        message: dict[str, Any] = json.loads(await asyncio.wait_for(ws.recv(), timeout=20))
        if message["type"] == kind:
            return message
    raise AssertionError(f"no {kind} message")


def test_participants_on_two_web_processes_see_each_others_edits(servers: list[int], world: World) -> None:
    editor_cookie, viewer_cookie = cookie(world.users["editor"]), cookie(world.users["viewer"])
    path = f"/ws/threat-models/{world.model.pk}/"
    version = world.diagram.version

    async def scenario() -> dict[str, Any]:
        origin = Origin("http://127.0.0.1")
        async with (
            connect(f"ws://127.0.0.1:{servers[0]}{path}", origin=origin, additional_headers={"Cookie": editor_cookie}) as editor,
            connect(f"ws://127.0.0.1:{servers[1]}{path}", origin=origin, additional_headers={"Cookie": viewer_cookie}) as viewer,
        ):
            await receive(editor, "welcome")
            await receive(viewer, "welcome")
            assert (await receive(editor, "joined"))["participant"]["name"] == "viewer"
            # A quiet room longer than the layer's blocking receive (5 s) keeps its sockets.
            await asyncio.sleep(6)
            await editor.send(json.dumps({"type": "presence", "selection": ["web"]}))
            assert (await receive(viewer, "presence"))["selection"] == ["web"]
            ops = [{"op": "update_element", "key": "web", "name": "Across processes"}]
            await editor.send(json.dumps({"type": "ops", "diagram": world.diagram.pk, "base_version": version, "ops": ops}))
            return await receive(viewer, "applied")

    applied = asyncio.run(scenario())
    assert applied["author"]["name"] == "editor" and applied["version"] == version + 1
    assert Element.objects.get(diagram=world.diagram, key="web").name == "Across processes"
