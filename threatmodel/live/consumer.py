"""The WebSocket consumer of a model's room: bounds, then the protocol, then the room's services.

Order of checks on every message: its size (before decoding), the connection's rate, its JSON,
the protocol (type, fields, role), then the service (which checks the role again, as every write
does). A refused message is answered to its sender only and changes nothing. An outsider, an
anonymous visitor and a model that does not exist get the same close code (4404) before the
socket is accepted, so the socket tells nothing the REST API would not.
"""

from __future__ import annotations

import json
import logging
from typing import Any

from channels.db import database_sync_to_async
from channels.exceptions import ChannelFull
from channels.generic.websocket import AsyncJsonWebsocketConsumer
from django.conf import settings

from common.errors import ApplicationError
from threatmodel.live import room
from threatmodel.live.protocol import Bucket, Refused, check

log = logging.getLogger(__name__)

CLOSE_NOT_FOUND = 4404
CLOSE_TOO_BIG = 1009


class ModelRoom(AsyncJsonWebsocketConsumer):
    """One participant's connection to the room of one threat model."""

    model_id: int
    joined: room.Joined
    group: str

    async def connect(self) -> None:
        self.model_id = int(self.scope["url_route"]["kwargs"]["model_id"])
        joined = await database_sync_to_async(room.join)(self._user(), self.model_id)
        if joined is None:
            await self.close(code=CLOSE_NOT_FOUND)
            return
        self.joined = joined
        self.group = room.group_name(self.model_id)
        self.bucket = Bucket(settings.THREATMODEL_LIVE_BURST, settings.THREATMODEL_LIVE_PER_SECOND)
        self.presence: dict[str, Any] = {}
        await self.channel_layer.group_add(self.group, self.channel_name)
        await self.accept()
        lock = await database_sync_to_async(room.current_lock)(self.model_id)
        await self.send_json(
            {
                "type": "welcome",
                "you": joined.me,
                "can_edit": joined.can_write,
                "diagrams": joined.diagrams,
                "threat_model_version": joined.threat_model_version,
                "lock": lock,
            }
        )
        await self._broadcast({"type": "room.joined", "participant": joined.me, "reply_to": self.channel_name})

    async def disconnect(self, code: int) -> None:
        if hasattr(self, "group"):
            await self._broadcast({"type": "room.left", "participant": self.joined.me, "channel": self.channel_name})
            await self.channel_layer.group_discard(self.group, self.channel_name)

    # --- from the client -----------------------------------------------------------------------------

    async def receive(self, text_data: str | None = None, bytes_data: bytes | None = None, **kwargs: Any) -> None:
        size = len(text_data.encode("utf-8")) if text_data is not None else len(bytes_data or b"")
        if size > settings.THREATMODEL_LIVE_MAX_MESSAGE_BYTES:
            await self._refuse(None, Refused(f"a message may hold at most {settings.THREATMODEL_LIVE_MAX_MESSAGE_BYTES} bytes", code="too_large"))
            await self.close(code=CLOSE_TOO_BIG)
            return
        if not self.bucket.take():
            await self._refuse(None, Refused("too many messages; slow down", code="throttled"))
            return
        if text_data is None:
            await self._refuse(None, Refused("send JSON text, not binary frames"))
            return
        try:
            raw = json.loads(text_data)
        except (ValueError, RecursionError):
            await self._refuse(None, Refused("not valid JSON"))
            return
        try:
            message = check(raw, can_write=self.joined.can_write)
        except Refused as exc:
            await self._refuse(raw, exc)
            return
        await getattr(self, f"_on_{message['type']}")(message)

    async def _on_ops(self, message: dict[str, Any]) -> None:
        try:
            answer = await database_sync_to_async(room.apply)(
                self._user(),
                self.model_id,
                message["diagram"],
                message["base_version"],
                message["ops"],
                message["client_batch"],
            )
        except ApplicationError as exc:
            await self.send_json(
                {
                    "type": "refused",
                    "client_batch": message["client_batch"],
                    "code": exc.code,
                    "message": exc.message,
                    "details": exc.details,
                    **room.plain(exc.extra),
                }
            )
            return
        if answer["type"] == "applied_already":
            await self.send_json(answer)
            return
        await self._broadcast({"type": "room.applied", "payload": {**answer, "author": self.joined.me}})

    async def _on_resume(self, message: dict[str, Any]) -> None:
        try:
            answer = await database_sync_to_async(room.catch_up)(self.model_id, message["diagram"], message["version"])
        except ApplicationError as exc:
            await self.send_json({"type": "refused", "code": exc.code, "message": exc.message})
            return
        await self.send_json(answer)

    async def _on_presence(self, message: dict[str, Any]) -> None:
        self.presence = {k: message[k] for k in ("diagram", "selection", "cursor", "viewport")}
        await self._broadcast(
            {"type": "room.presence", "participant": self.joined.me, "channel": self.channel_name, **self.presence}
        )

    async def _on_follow_me(self, message: dict[str, Any]) -> None:
        await self._broadcast({"type": "room.follow", "presenter": self.joined.me, **self.presence})

    async def _on_lock(self, message: dict[str, Any]) -> None:
        lock = await database_sync_to_async(room.set_lock)(self.model_id, self.joined.me, message["seconds"], message["reason"])
        await self._broadcast({"type": "room.lock", "lock": lock})

    async def _on_unlock(self, message: dict[str, Any]) -> None:
        await database_sync_to_async(room.clear_lock)(self.model_id)
        await self._broadcast({"type": "room.lock", "lock": None})

    def _user(self) -> Any:
        """The session's user (AuthMiddlewareStack), anonymous when there is none."""
        from django.contrib.auth.models import AnonymousUser

        return self.scope.get("user") or AnonymousUser()

    async def _refuse(self, raw: object, exc: Refused) -> None:
        batch = raw.get("client_batch") if isinstance(raw, dict) else None
        await self.send_json({"type": "refused", "code": exc.code, "message": exc.message, "client_batch": batch})

    async def _broadcast(self, event: dict[str, Any]) -> None:
        await self.channel_layer.group_send(self.group, event)

    # --- from the room (channel layer events) --------------------------------------------------------

    async def room_joined(self, event: dict[str, Any]) -> None:
        if event["reply_to"] == self.channel_name:
            return
        await self.send_json({"type": "joined", "participant": event["participant"]})
        # Tell the newcomer who is already here, and where. A newcomer whose channel is full (gone
        # without leaving, or swamped) misses it; this participant's connection must not end for it.
        try:
            await self.channel_layer.send(event["reply_to"], {"type": "room.here", "participant": self.joined.me, **self.presence})
        except ChannelFull:
            log.warning("room %s: a newcomer's channel is full; it will not hear who is here", self.model_id)

    async def room_here(self, event: dict[str, Any]) -> None:
        await self.send_json({**event, "type": "here"})

    async def room_left(self, event: dict[str, Any]) -> None:
        if event["channel"] != self.channel_name:
            await self.send_json({"type": "left", "participant": event["participant"]})

    async def room_presence(self, event: dict[str, Any]) -> None:
        if event["channel"] != self.channel_name:
            await self.send_json({**event, "type": "presence"})

    async def room_follow(self, event: dict[str, Any]) -> None:
        await self.send_json({**event, "type": "follow"})

    async def room_lock(self, event: dict[str, Any]) -> None:
        await self.send_json({"type": "lock", "lock": event["lock"]})

    async def room_applied(self, event: dict[str, Any]) -> None:
        await self.send_json(event["payload"])

    async def room_comment(self, event: dict[str, Any]) -> None:
        await self.send_json(event["payload"])
