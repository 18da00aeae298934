"""Every state change of the core app: teams, members, threat models, API tokens, audit.

Services are keyword-only, typed and atomic; they check the actor's role themselves, so a view, a
task or a command cannot call one without the check. They raise ``common.errors`` exceptions.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime
from typing import TYPE_CHECKING

from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.text import slugify

from common.errors import Forbidden, NotFound, ValidationFailed
from threatmodel.audit import audit
from threatmodel.choices import Role
from threatmodel.models import ApiToken, Membership, Team, ThreatModel
from threatmodel.permissions import require_role

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser, User

TOKEN_PREFIX = "tmk_"

THREAT_MODEL_FIELDS = ("name", "description", "scope", "out_of_scope", "assumptions")


# --- teams ----------------------------------------------------------------------------------------------


def team_create(*, actor: User, name: str) -> Team:
    """Create a team; its creator becomes its first owner."""
    name = name.strip()
    if not name:
        raise ValidationFailed("A team needs a name.", details=[{"path": "name", "message": "must not be empty"}])
    with transaction.atomic():
        base = slugify(name)[:60] or "team"
        slug = base
        for attempt in range(2, 1000):
            if not Team.objects.filter(slug=slug).exists():
                break
            slug = f"{base}-{attempt}"
        team = Team.objects.create(name=name, slug=slug)
        Membership.objects.create(team=team, user=actor, role=Role.OWNER)
        audit(actor=actor, action="team.create", obj=team, after={"name": name})
        return team


def team_update(*, actor: User, team: Team, name: str) -> Team:
    require_role(actor, team.pk, "manage", what="team")
    name = name.strip()
    if not name:
        raise ValidationFailed("A team needs a name.", details=[{"path": "name", "message": "must not be empty"}])
    with transaction.atomic():
        before = {"name": team.name}
        team.name = name
        team.save(update_fields=["name"])
        audit(actor=actor, action="team.update", obj=team, before=before, after={"name": name})
        return team


def team_delete(*, actor: User, team: Team) -> None:
    require_role(actor, team.pk, "manage", what="team")
    team.delete()


# --- memberships -----------------------------------------------------------------------------------------


def membership_add(*, actor: User, team: Team, username: str, role: str) -> Membership:
    """Add an existing user to a team directly: instance admins only (team owners invite, ``threatmodel.invitations``).

    It names the user and answers whether one exists, which only an admin may learn; an owner's
    way in for someone is an invitation, which that person accepts.
    """
    require_role(actor, team.pk, "manage", what="team")
    if not actor.is_staff:
        raise Forbidden(
            "Team owners invite people by e-mail (POST /api/v1/invitations/); only an instance admin adds a member directly."
        )
    _check_role(role)
    user_model = get_user_model()
    user = user_model.objects.filter(username=username).first() or user_model.objects.filter(email__iexact=username).first()
    if user is None:
        raise ValidationFailed("No user with that name or e-mail.", details=[{"path": "user", "message": "no such user"}])
    with transaction.atomic():
        try:
            with transaction.atomic():
                membership = Membership.objects.create(team=team, user=user, role=role)
        except IntegrityError as exc:
            raise ValidationFailed(
                "That user is already a member of the team.", details=[{"path": "user", "message": "already a member"}]
            ) from exc
        audit(actor=actor, action="membership.add", obj=membership, after={"user": user.get_username(), "role": role})
        return membership


def membership_update(*, actor: User, membership: Membership, role: str) -> Membership:
    require_role(actor, membership.team_id, "manage", what="membership")
    _check_role(role)
    with transaction.atomic():
        locked = Membership.objects.select_for_update().get(pk=membership.pk)
        before = locked.role
        if before == Role.OWNER and role != Role.OWNER:
            _require_another_owner(locked)
        locked.role = role
        locked.save(update_fields=["role"])
        audit(actor=actor, action="membership.update", obj=locked, before={"role": before}, after={"role": role})
        return locked


def membership_remove(*, actor: User, membership: Membership) -> None:
    """Owners remove members; any member may leave. The last owner cannot go."""
    if membership.user_id != actor.pk:
        require_role(actor, membership.team_id, "manage", what="membership")
    with transaction.atomic():
        locked = Membership.objects.select_for_update().get(pk=membership.pk)
        if locked.role == Role.OWNER:
            _require_another_owner(locked)
        audit(
            actor=actor,
            action="membership.remove",
            obj=locked,
            before={"user": locked.user.get_username(), "role": locked.role},
        )
        locked.delete()


def _require_another_owner(membership: Membership) -> None:
    owners = Membership.objects.select_for_update().filter(team_id=membership.team_id, role=Role.OWNER)
    if not owners.exclude(pk=membership.pk).exists():
        raise ValidationFailed(
            "A team must keep at least one owner.", details=[{"path": "role", "message": "last owner of the team"}]
        )


def _check_role(role: str) -> None:
    if role not in Role.values:
        raise ValidationFailed(
            "Unknown role.", details=[{"path": "role", "message": f"must be one of {', '.join(Role.values)}"}]
        )


# --- threat models --------------------------------------------------------------------------------------


def threat_model_create(
    *,
    actor: User,
    team: Team,
    name: str,
    description: str = "",
    scope: str = "",
    assumptions: str = "",
    out_of_scope: str = "",
    with_diagram: bool = True,
) -> ThreatModel:
    """Create a model in the design stage, with one empty level-0 diagram to draw on."""
    require_role(actor, team.pk, "write", what="team")
    from dfd.models import Diagram

    with transaction.atomic():
        model = ThreatModel(
            team=team, name=name.strip(), description=description, scope=scope, out_of_scope=out_of_scope, assumptions=assumptions,
            created_by=actor,
        )
        model.full_clean()
        model.save()
        if with_diagram:
            Diagram.objects.create(threat_model=model, name="Level 0", level="level_0", order=0)
        audit(actor=actor, action="threat_model.create", obj=model, after={"name": model.name})
        return model


def threat_model_update(*, actor: User, threat_model: ThreatModel, **changes: str) -> ThreatModel:
    require_role(actor, threat_model.team_id, "write", what="threat model")
    unknown = set(changes) - set(THREAT_MODEL_FIELDS)
    if unknown:
        raise ValidationFailed("Unknown fields.", details=[{"path": name, "message": "cannot be changed here"} for name in sorted(unknown)])
    with transaction.atomic():
        locked = ThreatModel.objects.select_for_update().get(pk=threat_model.pk)
        before = {name: getattr(locked, name) for name in changes}
        for name, value in changes.items():
            setattr(locked, name, value.strip() if name == "name" else value)
        locked.full_clean()
        was_current = locked.analysed_version == locked.version
        locked.version = F("version") + 1
        if was_current:
            # Name, scope and assumptions do not change the threats: the analysis stays current.
            locked.analysed_version = F("version") + 1
        locked.save()
        locked.refresh_from_db()
        audit(
            actor=actor,
            action="threat_model.update",
            obj=locked,
            before=before,
            after={name: getattr(locked, name) for name in changes},
        )
        return locked


def threat_model_delete(*, actor: User, threat_model: ThreatModel) -> None:
    """Delete a model and everything in it (owners only: it destroys the team's work)."""
    require_role(actor, threat_model.team_id, "manage", what="threat model")
    with transaction.atomic():
        audit(
            actor=actor,
            action="threat_model.delete",
            obj=threat_model,
            before={"name": threat_model.name, "stage": threat_model.stage},
        )
        threat_model.delete()


def threat_model_for(user: User | AnonymousUser, pk: int) -> ThreatModel:
    model = ThreatModel.objects.visible_to(user).filter(pk=pk).first()
    if model is None:
        raise NotFound("No such threat model.")
    return model


# --- API tokens -----------------------------------------------------------------------------------------------


def api_token_create(*, actor: User, name: str, expires_at: datetime | None = None) -> tuple[ApiToken, str]:
    """Create a token and return it with its secret, which is never stored nor shown again."""
    name = name.strip()
    if not name:
        raise ValidationFailed("A token needs a name.", details=[{"path": "name", "message": "must not be empty"}])
    if expires_at is not None and expires_at <= timezone.now():
        raise ValidationFailed("Expiry must be in the future.", details=[{"path": "expires_at", "message": "in the past"}])
    secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken.objects.create(
        user=actor, name=name, prefix=secret[: len(TOKEN_PREFIX) + 6], digest=token_digest(secret), expires_at=expires_at
    )
    return token, secret


def api_token_revoke(*, actor: User, token: ApiToken) -> ApiToken:
    if token.user_id != actor.pk:
        raise NotFound("No such token.")
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
    return token


def token_digest(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()
