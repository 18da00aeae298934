"""Comments reach the model's live room: created, edited, resolved and deleted, with the same shape
the REST API answers, for everyone in the room (viewers too) and for no other model's room."""

from __future__ import annotations

from typing import Any

import pytest
from channels.db import database_sync_to_async

from conftest import World
from threatmodel.models import ThreatModel
from threatmodel.tests.test_live import _in_memory_layer, _sessions, joined, next_of, run, socket  # noqa: F401 - fixtures


def _call(world: World, persona: str, method: str, path: str, body: dict[str, Any] | None = None) -> Any:
    def call() -> Any:
        response = getattr(world.client(persona), method)(path, body, format="json")
        return response.status_code, (response.json() if response.content else None)

    return database_sync_to_async(call)()


@pytest.mark.django_db(transaction=True)
def test_a_comment_and_what_happens_to_it_reach_everyone_in_the_room(world: World) -> None:
    async def test() -> None:
        viewer = socket(world, "viewer")
        await joined(viewer)
        url = f"/api/v1/threat-models/{world.model.pk}/comments/"
        code, created = await _call(world, "reviewer", "post", url, {"body": "Behind the WAF? @editor", "subject_key": "web"})
        assert code == 201
        message = await next_of(viewer, "comment")
        assert message["action"] == "created" and message["comment"] == created and message["author"]["name"] == "reviewer"

        detail = f"/api/v1/comments/{created['id']}/"
        code, edited = await _call(world, "reviewer", "patch", detail, {"body": "Behind the WAF, @editor?"})
        assert code == 200
        message = await next_of(viewer, "comment")
        assert message["action"] == "edited" and message["comment"] == edited and edited["body"] == "Behind the WAF, @editor?"

        code, _ = await _call(world, "editor", "post", f"{detail}resolve/", {})
        assert code == 200
        message = await next_of(viewer, "comment")
        assert message["action"] == "resolved" and message["comment"]["resolved_by"] == "editor"

        code, _ = await _call(world, "owner", "delete", detail)
        assert code == 204
        message = await next_of(viewer, "comment")
        assert message["action"] == "deleted" and message["comment"]["id"] == created["id"]
        await viewer.disconnect()

    run(test)


@pytest.mark.django_db(transaction=True)
def test_a_refused_comment_tells_the_room_nothing_and_another_models_room_hears_nothing(world: World) -> None:
    async def test() -> None:
        other = await database_sync_to_async(ThreatModel.objects.create)(team=world.team, name="Other")
        elsewhere = socket(world, "viewer", model_id=other.pk)
        await joined(elsewhere)
        here = socket(world, "editor")
        await joined(here)
        url = f"/api/v1/threat-models/{world.model.pk}/comments/"
        code, _ = await _call(world, "viewer", "post", url, {"body": "Can I?", "subject_key": "web"})
        assert code == 403
        code, _ = await _call(world, "reviewer", "post", url, {"body": "Here", "subject_key": "web"})
        assert code == 201
        assert (await next_of(here, "comment"))["comment"]["body"] == "Here"  # the first, not a refused one
        assert await elsewhere.receive_nothing(timeout=0.3)
        await here.disconnect()
        await elsewhere.disconnect()

    run(test)
