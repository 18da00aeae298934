"""The room's database side, synchronous: who may join, applying a batch, catching a client up.

The consumer calls these through ``database_sync_to_async``; each is one short transaction and
uses the same services and permission checks as the REST API, so a socket can do nothing a
request could not.
"""

from __future__ import annotations

import json
import logging
import uuid
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.conf import settings
from django.core.cache import cache
from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.utils import timezone

from common.errors import Conflict, NotFound
from dfd.models import Diagram, DiagramOp
from dfd.ops import OpRecord
from threatmodel.choices import Role
from threatmodel.diagrams import diagram_change
from threatmodel.live.protocol import participant
from threatmodel.models import ThreatModel
from threatmodel.permissions import ACTION_MINIMUM, role_in

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser, User


log = logging.getLogger(__name__)


def group_name(model_id: int) -> str:
    return f"model-{model_id}"


def _lock_key(model_id: int) -> str:
    return f"live-lock-{model_id}"


@dataclass(frozen=True)
class Joined:
    role: str
    me: dict[str, Any]
    diagrams: list[dict[str, int]]
    threat_model_version: int

    @property
    def can_write(self) -> bool:
        return Role.rank(self.role) >= Role.rank(ACTION_MINIMUM["write"])


def join(user: User | AnonymousUser, model_id: int) -> Joined | None:
    """The member's view of the room, or None for anyone who may not see the model (or no model)."""
    if not user.is_authenticated:
        return None
    model = ThreatModel.objects.filter(pk=model_id).values("team_id", "version").first()
    if model is None:
        return None
    role = role_in(user, model["team_id"])
    if role is None:
        return None
    rows = Diagram.objects.filter(threat_model_id=model_id).order_by("order", "id").values_list("id", "version")
    diagrams = [{"id": pk, "version": version} for pk, version in rows]
    me = participant(user.pk, user.get_username(), user.get_full_name(), role)
    return Joined(role, me, diagrams, model["version"])


def plain(value: dict[str, Any]) -> dict[str, Any]:
    """A payload as plain JSON types, as a channel layer on Redis (msgpack) can carry it."""
    out: dict[str, Any] = json.loads(json.dumps(value, cls=DjangoJSONEncoder))
    return out


def current_lock(model_id: int) -> dict[str, Any] | None:
    lock: dict[str, Any] | None = cache.get(_lock_key(model_id))
    if lock and lock["until"] <= timezone.now().timestamp():
        return None
    return lock


def set_lock(model_id: int, me: dict[str, Any], seconds: int, reason: str) -> dict[str, Any]:
    lock = {"by": me, "until": timezone.now().timestamp() + seconds, "reason": reason}
    cache.set(_lock_key(model_id), lock, timeout=seconds)
    return lock


def clear_lock(model_id: int) -> None:
    cache.delete(_lock_key(model_id))


def _batch_id(client_batch: str | None) -> uuid.UUID | None:
    if client_batch is None:
        return None
    try:
        return uuid.UUID(client_batch)
    except ValueError:
        return None


def apply(
    user: User, model_id: int, diagram_id: int, base_version: int, ops: object, client_batch: str | None
) -> dict[str, Any]:
    """Apply a batch through the single write path (rebased when made on an older version).

    A batch whose ``client_batch`` (a UUID) is already in the log was applied before — the client
    re-sent it because the acknowledgement was lost — and is answered, not applied again.
    """
    if not Diagram.objects.filter(pk=diagram_id, threat_model_id=model_id).exists():
        raise NotFound("No such diagram in this model.")
    lock = current_lock(model_id)
    if lock is not None and lock["by"]["id"] != user.pk:
        raise Conflict(f"{lock['by']['name']} has locked the diagram for a moment: {lock['reason'] or 'look here'}.")
    batch = _batch_id(client_batch)
    if batch is not None:
        done = DiagramOp.objects.filter(diagram_id=diagram_id, batch=batch).values_list("version", flat=True).first()
        if done is not None:
            return {"type": "applied_already", "diagram": diagram_id, "version": done, "client_batch": client_batch}
    change = diagram_change(
        actor=user, diagram_id=diagram_id, base_version=base_version, ops=ops, allow_rebase=True, batch=batch
    )
    return plain(
        {"type": "applied", "diagram": diagram_id, "client_batch": client_batch, **change.as_dict(), "records": records_of(change.records)}
    )


def records_of(records: list[OpRecord]) -> list[dict[str, Any]]:
    """What a batch did, one entry per element or flow touched, in the catch-up's shape: a client
    sets each key to ``after`` (``None``: removed) and needs nothing else to follow the document."""
    return [{"op": r.op, "key": r.key, "before": r.before, "after": r.after} for r in records]


def publish_applied(
    *, model_id: int, diagram_id: int, author: User, change: dict[str, Any], records: list[OpRecord] | None = None
) -> None:
    """Tell the model's room about a batch applied through the REST API, once it is committed.

    Without ``records`` the room's clients ask for the operations from the log (``resume``).

    The room is told, never asked: a channel layer that is down costs the room its live update
    (clients catch up from the log when they next send or reconnect), not the request its answer.
    """
    layer = get_channel_layer()
    if layer is None:
        return
    me = participant(author.pk, author.get_username(), author.get_full_name(), role_in(author, _team(model_id)) or "")
    extra = {"records": records_of(records)} if records is not None else {}
    event = {"type": "room.applied", "payload": plain({"type": "applied", "diagram": diagram_id, "client_batch": None, **change, "author": me, **extra})}

    def send() -> None:
        try:
            async_to_sync(layer.group_send)(group_name(model_id), event)
        except Exception:  # the layer's transport (Redis) failing must not fail a committed request
            log.warning("could not tell the live room of model %s about a change", model_id, exc_info=True)

    transaction.on_commit(send)


def publish_comment(*, model_id: int, action: str, comment: dict[str, Any], author: User) -> None:
    """Tell the model's room that a comment was created, edited, resolved, reopened or deleted,
    once it is committed (told, never asked, as ``publish_applied``)."""
    layer = get_channel_layer()
    if layer is None:
        return
    me = participant(author.pk, author.get_username(), author.get_full_name(), role_in(author, _team(model_id)) or "")
    event = {"type": "room.comment", "payload": plain({"type": "comment", "action": action, "comment": comment, "author": me})}

    def send() -> None:
        try:
            async_to_sync(layer.group_send)(group_name(model_id), event)
        except Exception:  # the layer's transport (Redis) failing must not fail a committed request
            log.warning("could not tell the live room of model %s about a comment", model_id, exc_info=True)

    transaction.on_commit(send)


def _team(model_id: int) -> int:
    return ThreatModel.objects.values_list("team_id", flat=True).get(pk=model_id)


def catch_up(model_id: int, diagram_id: int, version: int) -> dict[str, Any]:
    """The operations after ``version`` grouped by batch, or a reload when too far behind."""
    current = Diagram.objects.filter(pk=diagram_id, threat_model_id=model_id).values_list("version", flat=True).first()
    if current is None:
        raise NotFound("No such diagram in this model.")
    if version > current:
        return {"type": "reload", "diagram": diagram_id, "version": current, "reason": "ahead of the server"}
    rows = DiagramOp.objects.filter(diagram_id=diagram_id, version__gt=version).order_by("id")
    if rows.count() > settings.THREATMODEL_LIVE_CATCH_UP_MAX_OPS:
        return {"type": "reload", "diagram": diagram_id, "version": current, "reason": "too far behind"}
    batches: dict[int, dict[str, Any]] = {}
    for row in rows.values("version", "actor_id", "op", "target_key", "before", "after"):
        batch = batches.setdefault(row["version"], {"version": row["version"], "actor": row["actor_id"], "records": []})
        batch["records"].append({"op": row["op"], "key": row["target_key"], "before": row["before"], "after": row["after"]})
    return plain({"type": "catch_up", "diagram": diagram_id, "from": version, "to": current, "batches": list(batches.values())})
