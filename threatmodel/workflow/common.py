"""Small pieces every workflow service shares: locking, the model's policy, member lookups."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.contrib.auth import get_user_model

from common.errors import Conflict, ErrorDetail, ValidationFailed
from threatmodel.choices import Stage
from threatmodel.models import Membership, RiskPolicy, ThreatModel

if TYPE_CHECKING:
    from django.contrib.auth.models import User


def lock_model(model_id: int) -> ThreatModel:
    """The model row, locked for the rest of the transaction (one workflow change at a time)."""
    return ThreatModel.objects.select_for_update().get(pk=model_id)


def refuse_if_approved(model: ThreatModel, what: str) -> None:
    if model.stage == Stage.APPROVED:
        raise Conflict(
            f"The model is approved; reopen it before you change {what}.",
            details=[{"path": "stage", "message": "approved models are frozen"}],
        )


def ensure_team_policy(team_id: int) -> RiskPolicy:
    """The team's current policy, creating version 1 with the defaults the first time."""
    current = RiskPolicy.objects.filter(team_id=team_id).order_by("-version").first()
    if current is not None:
        return current
    policy, _ = RiskPolicy.objects.get_or_create(team_id=team_id, version=1)
    return policy


def pin_policy(model: ThreatModel) -> RiskPolicy:
    """Pin the model to its team's current policy the first time the workflow changes it."""
    if model.risk_policy_id is not None:
        return RiskPolicy.objects.get(pk=model.risk_policy_id)
    policy = ensure_team_policy(model.team_id)
    ThreatModel.objects.filter(pk=model.pk).update(risk_policy=policy)
    model.risk_policy = policy
    return policy


def member(team_id: int, username: object, path: str) -> User | None:
    """The team member called ``username`` (None for an empty value), or an error naming ``path``."""
    if username is None or username == "":
        return None
    if not isinstance(username, str):
        raise ValidationFailed("Name a member of the team.", details=[{"path": path, "message": "must be a username"}])
    user = get_user_model().objects.filter(username=username).first()
    if user is None or not Membership.objects.filter(team_id=team_id, user=user).exists():
        raise ValidationFailed(
            f"{username[:150]!r} is not a member of this team.",
            details=[{"path": path, "message": "must be a member of the model's team"}],
        )
    return user


def fail(problems: list[ErrorDetail], message: str = "The request is invalid; nothing was changed.") -> None:
    if problems:
        raise ValidationFailed(message, details=problems)


def text(value: object, path: str, problems: list[ErrorDetail], *, required: bool = False, max_length: int = 20_000) -> str:
    if value is None:
        value = ""
    if not isinstance(value, str):
        problems.append({"path": path, "message": "must be a string"})
        return ""
    if required and not value.strip():
        problems.append({"path": path, "message": "is required"})
    if len(value) > max_length:
        problems.append({"path": path, "message": f"must be at most {max_length} characters"})
    return value


def snapshot_of(obj: Any, fields: tuple[str, ...]) -> dict[str, Any]:
    """The named fields of a row, as JSON-friendly values for the audit trail."""
    out: dict[str, Any] = {}
    for name in fields:
        value = getattr(obj, name)
        if hasattr(value, "isoformat"):
            value = value.isoformat()
        out[name] = value
    return out
