"""The live room through Channels' communicator: who may join, edits, rebase, conflicts, bounds.

Each test drives the real ASGI WebSocket stack (Origin check, session authentication, routing,
consumer) in process, on the in-memory channel layer. The tests commit (transactional database):
the consumer's database work runs in Channels' worker threads, on their own connections.
"""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable, Iterator
from typing import Any

import pytest
from asgiref.sync import async_to_sync
from channels.layers import channel_layers
from channels.testing import WebsocketCommunicator
from django.test import Client

from conftest import World
from dfd.models import Diagram, DiagramOp, Element
from threatmodel.live.routing import websocket_application

ORIGIN = b"http://localhost:8000"


@pytest.fixture(autouse=True)
def _in_memory_layer(settings: Any) -> Iterator[None]:
    settings.CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}
    channel_layers.backends = {}
    yield
    channel_layers.backends = {}


COOKIES: dict[str, bytes] = {}


@pytest.fixture(autouse=True)
def _sessions(world: World) -> None:
    """A session cookie per persona, made before the test enters its event loop."""
    for persona, user in world.users.items():
        client = Client()
        client.force_login(user)
        COOKIES[persona] = f"sessionid={client.cookies['sessionid'].value}".encode()


def socket(world: World, persona: str | None, *, model_id: int | None = None, origin: bytes = ORIGIN) -> WebsocketCommunicator:
    headers = [(b"origin", origin)]
    if persona is not None:
        headers.append((b"cookie", COOKIES[persona]))
    path = f"/ws/threat-models/{model_id or world.model.pk}/"
    return WebsocketCommunicator(websocket_application(), path, headers=headers)


def run(test: Callable[[], Awaitable[None]]) -> None:
    async_to_sync(test)()


async def joined(communicator: WebsocketCommunicator) -> dict[str, Any]:
    connected, _ = await communicator.connect()
    assert connected
    welcome: dict[str, Any] = await communicator.receive_json_from(timeout=5)
    assert welcome["type"] == "welcome"
    return welcome


async def next_of(communicator: WebsocketCommunicator, kind: str) -> dict[str, Any]:
    """The next message of ``kind``, skipping presence chatter (joined, here)."""
    for _ in range(20):
        message: dict[str, Any] = await communicator.receive_json_from(timeout=5)
        if message["type"] == kind:
            return message
        assert message["type"] in {"joined", "here", "left", "presence"}, message
    raise AssertionError(f"no {kind} message")


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("persona", ["outsider", None])
def test_an_outsider_or_anonymous_socket_is_closed_as_if_there_were_no_model(world: World, persona: str | None) -> None:
    async def test() -> None:
        for model_id in (world.model.pk, 999_999):
            communicator = socket(world, persona, model_id=model_id)
            connected, code = await communicator.connect()
            assert (connected, code) == (False, 4404)

    run(test)


@pytest.mark.django_db(transaction=True)
def test_a_socket_from_another_site_is_refused(world: World) -> None:
    async def test() -> None:
        communicator = socket(world, "owner", origin=b"https://evil.example")
        connected, _ = await communicator.connect()
        assert not connected

    run(test)


@pytest.mark.django_db(transaction=True)
def test_a_viewer_watches_but_cannot_edit(world: World) -> None:
    version = world.diagram.version

    async def test() -> None:
        viewer = socket(world, "viewer")
        welcome = await joined(viewer)
        assert welcome["can_edit"] is False and welcome["you"]["role"] == "viewer"
        await viewer.send_json_to(
            {"type": "ops", "diagram": world.diagram.pk, "base_version": version, "ops": [{"op": "delete_element", "key": "web"}]}
        )
        refused = await next_of(viewer, "refused")
        assert refused["code"] == "forbidden"
        await viewer.send_json_to({"type": "lock", "seconds": 10})
        assert (await next_of(viewer, "refused"))["code"] == "forbidden"
        await viewer.disconnect()

    run(test)
    assert Diagram.objects.get(pk=world.diagram.pk).version == version
    assert Element.objects.filter(diagram=world.diagram, key="web").exists()


@pytest.mark.django_db(transaction=True)
def test_an_edit_reaches_everyone_with_its_author_version_and_threat_changes(world: World) -> None:
    version = world.diagram.version

    async def test() -> None:
        editor, owner = socket(world, "editor"), socket(world, "owner")
        await joined(editor)
        await joined(owner)
        assert (await next_of(editor, "joined"))["participant"]["name"] == "owner"
        ops = [{"op": "update_element", "key": "web", "properties": {"privileged": True}}]
        await editor.send_json_to({"type": "ops", "diagram": world.diagram.pk, "base_version": version, "ops": ops, "client_batch": "b1"})
        for communicator in (editor, owner):
            applied = await next_of(communicator, "applied")
            assert applied["version"] == version + 1 and applied["client_batch"] == "b1"
            assert applied["author"]["name"] == "editor" and applied["author"]["initials"] == "ED"
            assert applied["analysis"]["status"] == "done"
            assert applied["analysis"]["changes"]["new"], "a privileged workload raises new threats"
            # What the batch did to each key, so a client follows the document without reloading it.
            [record] = applied["records"]
            assert record["op"] == "update_element" and record["key"] == "web"
            assert record["after"]["properties"]["privileged"] is True and record["before"]["name"] == record["after"]["name"]
        await editor.disconnect()
        await owner.disconnect()

    run(test)
    assert Element.objects.get(diagram=world.diagram, key="web").properties["privileged"] is True


@pytest.mark.django_db(transaction=True)
def test_two_people_editing_the_same_version_are_both_applied_by_rebase(world: World) -> None:
    version = world.diagram.version

    async def test() -> None:
        editor, owner = socket(world, "editor"), socket(world, "owner")
        await joined(editor)
        await joined(owner)
        await editor.send_json_to(
            {"type": "ops", "diagram": world.diagram.pk, "base_version": version, "ops": [{"op": "update_element", "key": "web", "name": "Storefront"}]}
        )
        assert (await next_of(editor, "applied"))["version"] == version + 1
        # The owner had not seen that batch yet: made on the same base version, it is rebased.
        await owner.send_json_to(
            {"type": "ops", "diagram": world.diagram.pk, "base_version": version, "ops": [{"op": "update_element", "key": "db", "name": "Orders"}]}
        )
        assert (await next_of(owner, "applied"))["author"]["name"] == "editor"
        applied = await next_of(owner, "applied")
        assert applied["author"]["name"] == "owner" and applied["version"] == version + 2 and applied["rebased_from"] == version
        assert (await next_of(editor, "applied"))["version"] == version + 2
        await editor.disconnect()
        await owner.disconnect()

    run(test)
    names = dict(Element.objects.filter(diagram=world.diagram, key__in=["web", "db"]).values_list("key", "name"))
    assert names == {"web": "Storefront", "db": "Orders"}


@pytest.mark.django_db(transaction=True)
def test_a_delete_wins_over_an_edit_and_new_work_on_a_deleted_element_is_refused(world: World) -> None:
    version = world.diagram.version

    async def test() -> None:
        editor, owner = socket(world, "editor"), socket(world, "owner")
        await joined(editor)
        await joined(owner)
        await editor.send_json_to(
            {"type": "ops", "diagram": world.diagram.pk, "base_version": version, "ops": [{"op": "delete_element", "key": "db"}]}
        )
        assert (await next_of(owner, "applied"))["version"] == version + 1
        await owner.send_json_to(
            {"type": "ops", "diagram": world.diagram.pk, "base_version": version, "ops": [{"op": "update_element", "key": "db", "name": "Orders"}]}
        )
        applied = await next_of(owner, "applied")
        assert applied["dropped"][0]["key"] == "db" and applied["applied"] == 0
        await owner.send_json_to(
            {
                "type": "ops",
                "diagram": world.diagram.pk,
                "base_version": version,
                "client_batch": "mine",
                "ops": [{"op": "add_flow", "key": "f9", "source": "web", "target": "db"}],
            }
        )
        refused = await next_of(owner, "refused")
        assert refused["code"] == "conflict" and refused["client_batch"] == "mine"
        assert refused["details"][0]["path"] == "ops[0].target" and "deleted by someone else" in refused["details"][0]["message"]
        await editor.disconnect()
        await owner.disconnect()

    run(test)
    assert not Element.objects.filter(diagram=world.diagram, key="db").exists()
    assert not DiagramOp.objects.filter(diagram=world.diagram, target_key="f9").exists()


@pytest.mark.django_db(transaction=True)
def test_a_resent_batch_is_recognised_and_not_applied_twice(world: World) -> None:
    version = world.diagram.version
    batch = str(uuid.uuid4())
    message = {
        "type": "ops",
        "diagram": world.diagram.pk,
        "base_version": version,
        "client_batch": batch,
        "ops": [{"op": "add_element", "key": "cache", "kind": "data_store", "name": "Cache"}],
    }

    async def test() -> None:
        editor = socket(world, "editor")
        await joined(editor)
        await editor.send_json_to(message)
        assert (await next_of(editor, "applied"))["version"] == version + 1
        await editor.send_json_to(message)
        again = await next_of(editor, "applied_already")
        assert again == {"type": "applied_already", "diagram": world.diagram.pk, "version": version + 1, "client_batch": batch}
        await editor.disconnect()

    run(test)
    assert Diagram.objects.get(pk=world.diagram.pk).version == version + 1


@pytest.mark.django_db(transaction=True)
def test_a_client_that_comes_back_gets_the_operations_it_missed(world: World, settings: Any) -> None:
    version = world.diagram.version

    async def test() -> None:
        editor = socket(world, "editor")
        await joined(editor)
        for name in ("One", "Two"):
            await editor.send_json_to(
                {"type": "ops", "diagram": world.diagram.pk, "base_version": version, "ops": [{"op": "update_element", "key": "web", "name": name}]}
            )
            await next_of(editor, "applied")
        late = socket(world, "reviewer")
        await joined(late)
        await late.send_json_to({"type": "resume", "diagram": world.diagram.pk, "version": version})
        caught = await next_of(late, "catch_up")
        assert caught["from"] == version and caught["to"] == version + 2
        assert [b["records"][0]["after"]["name"] for b in caught["batches"]] == ["One", "Two"]
        settings.THREATMODEL_LIVE_CATCH_UP_MAX_OPS = 1
        await late.send_json_to({"type": "resume", "diagram": world.diagram.pk, "version": version})
        assert (await next_of(late, "reload"))["version"] == version + 2
        await editor.disconnect()
        await late.disconnect()

    run(test)


@pytest.mark.django_db(transaction=True)
def test_presence_and_follow_reach_the_others(world: World) -> None:
    async def test() -> None:
        owner, viewer = socket(world, "owner"), socket(world, "viewer")
        await joined(owner)
        await joined(viewer)
        here = await next_of(viewer, "here")
        assert here["participant"]["name"] == "owner"
        await owner.send_json_to(
            {"type": "presence", "diagram": world.diagram.pk, "selection": ["web"], "cursor": {"x": 1, "y": 2}, "viewport": {"x": 0, "y": 0, "zoom": 1.5}}
        )
        presence = await next_of(viewer, "presence")
        assert presence["selection"] == ["web"] and presence["participant"]["colour"].startswith("#")
        await owner.send_json_to({"type": "follow_me"})
        follow = await viewer.receive_json_from(timeout=5)
        assert follow["type"] == "follow" and follow["viewport"] == {"x": 0.0, "y": 0.0, "zoom": 1.5}
        await owner.disconnect()
        assert (await next_of(viewer, "left"))["participant"]["name"] == "owner"
        await viewer.disconnect()

    run(test)


@pytest.mark.django_db(transaction=True)
def test_a_facilitators_lock_holds_the_others_edits(world: World) -> None:
    version = world.diagram.version
    edit = {"type": "ops", "diagram": world.diagram.pk, "ops": [{"op": "update_element", "key": "web", "name": "X"}]}

    async def test() -> None:
        owner, editor = socket(world, "owner"), socket(world, "editor")
        await joined(owner)
        await joined(editor)
        await owner.send_json_to({"type": "lock", "seconds": 30, "reason": "everyone look here"})
        lock = await next_of(editor, "lock")
        assert lock["lock"]["by"]["name"] == "owner"
        await editor.send_json_to({**edit, "base_version": version})
        refused = await next_of(editor, "refused")
        assert refused["code"] == "conflict" and "everyone look here" in refused["message"]
        await owner.send_json_to({"type": "unlock"})
        assert (await next_of(editor, "lock"))["lock"] is None
        await editor.send_json_to({**edit, "base_version": version})
        assert (await next_of(editor, "applied"))["version"] == version + 1
        await owner.disconnect()
        await editor.disconnect()

    run(test)


@pytest.mark.django_db(transaction=True)
def test_messages_are_bounded_in_size_and_rate(world: World, settings: Any) -> None:
    settings.THREATMODEL_LIVE_MAX_MESSAGE_BYTES = 1000
    settings.THREATMODEL_LIVE_BURST = 3
    settings.THREATMODEL_LIVE_PER_SECOND = 0

    async def test() -> None:
        editor = socket(world, "editor")
        await joined(editor)
        for _ in range(3):
            await editor.send_to(text_data="[1, 2")
            assert (await next_of(editor, "refused"))["message"] == "not valid JSON"
        await editor.send_json_to({"type": "presence"})
        assert (await next_of(editor, "refused"))["code"] == "throttled"
        await editor.send_to(text_data="x" * 1001)
        assert (await next_of(editor, "refused"))["code"] == "too_large"
        assert (await editor.receive_output(timeout=5))["type"] == "websocket.close"

    run(test)


@pytest.mark.django_db(transaction=True)
def test_bad_messages_are_refused_with_the_reason(world: World) -> None:
    async def test() -> None:
        editor = socket(world, "editor")
        await joined(editor)
        cases = [
            ({"type": "shout"}, "unknown message type"),
            ({"type": "ops", "diagram": "x", "base_version": 1, "ops": []}, "'diagram' must be an integer"),
            ({"type": "presence", "cursor": {"x": "1", "y": 2}}, "'cursor.x' must be a finite number"),
            ({"type": "lock", "seconds": 100_000}, "'seconds' must be an integer from 1"),
            ({"type": "ops", "diagram": 999_999, "base_version": 1, "ops": []}, "No such diagram in this model"),
            ({"type": "ops", "diagram": world.diagram.pk, "base_version": world.diagram.version, "ops": [{"op": "nope"}]}, "invalid"),
        ]
        for message, reason in cases:
            await editor.send_json_to(message)
            refused = await next_of(editor, "refused")
            assert reason in refused["message"], (message, refused)
        await editor.disconnect()

    run(test)


@pytest.mark.django_db(transaction=True)
def test_an_edit_through_the_rest_api_reaches_the_room(world: World) -> None:
    async def test() -> None:
        viewer = socket(world, "viewer")
        await joined(viewer)
        response = await _rest_ops(world)
        assert response == 200
        applied = await next_of(viewer, "applied")
        assert applied["author"]["name"] == "editor" and applied["client_batch"] is None
        assert [(r["op"], r["key"]) for r in applied["records"]] == [("update_element", "web")]
        await viewer.disconnect()

    run(test)


async def _rest_ops(world: World) -> int:
    from channels.db import database_sync_to_async

    def call() -> int:
        body = {"base_version": world.diagram.version, "ops": [{"op": "update_element", "key": "web", "name": "Via REST"}]}
        return world.client("editor").post(f"/api/v1/diagrams/{world.diagram.pk}/ops/", body, format="json").status_code

    return int(await database_sync_to_async(call)())
