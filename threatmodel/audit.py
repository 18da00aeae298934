"""The audit trail, written in one place.

Every service that changes something a review board may ask about calls ``audit`` with the object
it changed; the team, the model and the threat the event belongs to are read off the object
(a threat, a mitigation, a decision, a model, a team…), so no call site repeats them. A change to a
threat also stamps the threat with the model's version (``changed_version``), which is how the
editor's ``?changed_since=`` sees a person's change as well as the engine's.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.db.models import OuterRef, Subquery

from stride.models import Threat
from threatmodel.models import AuditEvent, Team, ThreatModel

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser, User


def audit_record(
    *,
    team_id: int,
    actor: User | AnonymousUser | None,
    action: str,
    obj: object | None = None,
    object_type: str = "",
    object_id: str | int = "",
    threat_model_id: int | None = None,
    threat_id: int | None = None,
    before: Any = None,
    after: Any = None,
) -> AuditEvent:
    """The low-level writer; prefer ``audit``, which finds the ids itself."""
    if obj is not None:
        object_type = object_type or type(obj).__name__
        object_id = object_id or getattr(obj, "pk", "")
    if threat_id is not None:
        Threat.objects.filter(pk=threat_id).update(
            changed_version=Subquery(ThreatModel.objects.filter(pk=OuterRef("threat_model_id")).values("version")[:1])
        )
    return AuditEvent.objects.create(
        team_id=team_id,
        threat_model_id=threat_model_id,
        threat_id=threat_id,
        actor=actor if actor is not None and actor.is_authenticated else None,
        action=action,
        object_type=object_type,
        object_id=str(object_id),
        before=before,
        after=after,
    )


def _scope(obj: Any) -> tuple[int, int | None, int | None]:
    """(team id, model id, threat id) of an object of the core or the engine."""
    if isinstance(obj, Team):
        return obj.pk, None, None
    if isinstance(obj, ThreatModel):
        return obj.team_id, obj.pk, None
    if isinstance(obj, Threat):
        return _model_team(obj.threat_model_id), obj.threat_model_id, obj.pk
    threat_id: int | None = getattr(obj, "threat_id", None)
    if threat_id is not None:
        owner: int = Threat.objects.values_list("threat_model_id", flat=True).get(pk=threat_id)
        return _model_team(owner), owner, threat_id
    model_id: int | None = getattr(obj, "threat_model_id", None)
    if model_id is not None:
        return _model_team(model_id), model_id, None
    team_id = getattr(obj, "team_id", None)
    if team_id is not None:
        return team_id, None, None
    raise TypeError(f"cannot tell which team a {type(obj).__name__} belongs to; pass it to audit(scope=...)")


def _model_team(model_id: int) -> int:
    return ThreatModel.objects.values_list("team_id", flat=True).get(pk=model_id)


def audit(
    *,
    actor: User | AnonymousUser | None,
    action: str,
    obj: Any,
    before: Any = None,
    after: Any = None,
    scope: Any = None,
) -> AuditEvent:
    """Record that ``actor`` did ``action`` to ``obj`` (its state ``before`` and ``after``).

    The event belongs to the team, model and threat of ``scope`` (default: ``obj`` itself) — pass
    the threat as ``scope`` when the object changed is, say, the link between a threat and a
    mitigation.
    """
    team_id, model_id, threat_id = _scope(scope if scope is not None else obj)
    return audit_record(
        team_id=team_id,
        actor=actor,
        action=action,
        obj=obj,
        threat_model_id=model_id,
        threat_id=threat_id,
        before=before,
        after=after,
    )
