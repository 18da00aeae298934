"""Membership by invitation: an owner invites an e-mail address, and only that address's account accepts.

Before, an owner could add any user of the instance to a team by username or e-mail, without the
person's consent, and the answer told whether such a user existed. Now:

* ``invitation_create`` (owners) answers the same for every well-formed address — one with an
  account, one without, one already in the team — and mails the secret to the address after the
  commit. Inviting an address again replaces its open invitation (a fresh secret and expiry).
* ``invitation_accept`` (any signed-in user, with the secret) makes the membership, only if the
  signed-in account's e-mail is the invited one and the invitation is open and unexpired; every
  refusal says the same words, so a secret cannot be tested against accounts.
* Instance admins may still add a member directly (``services.membership_add``).
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta
from typing import TYPE_CHECKING

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import EmailMessage
from django.core.validators import validate_email
from django.db import transaction
from django.utils import timezone

from common.errors import ValidationFailed
from threatmodel.audit import audit
from threatmodel.choices import Role
from threatmodel.models import Invitation, Membership, Team
from threatmodel.permissions import require_role

if TYPE_CHECKING:
    from django.contrib.auth.models import User

INVITATION_PREFIX = "tmi_"
NOT_VALID = "This invitation is not valid: it was revoked, has expired, was already used, or is for another e-mail address."


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def invitation_create(*, actor: User, team: Team, email: str, role: str = Role.VIEWER) -> Invitation:
    """Invite ``email`` into ``team`` as ``role`` (owners only); the secret goes to the address only."""
    require_role(actor, team.pk, "manage", what="team")
    if role not in Role.values:
        raise ValidationFailed("Unknown role.", details=[{"path": "role", "message": f"must be one of {', '.join(Role.values)}"}])
    address = email.strip().lower()
    try:
        validate_email(address)
    except ValidationError as exc:
        raise ValidationFailed("That is not an e-mail address.", details=[{"path": "email", "message": "not an e-mail address"}]) from exc
    secret = INVITATION_PREFIX + secrets.token_urlsafe(32)
    with transaction.atomic():
        Invitation.objects.filter(team=team, email=address, accepted_at__isnull=True).delete()
        invitation = Invitation.objects.create(
            team=team,
            email=address,
            role=role,
            invited_by=actor,
            digest=_digest(secret),
            expires_at=timezone.now() + timedelta(days=settings.INVITATION_DAYS),
        )
        audit(actor=actor, action="invitation.create", obj=team, after={"email": address, "role": role})
        transaction.on_commit(lambda: _send(invitation, secret, actor))
    return invitation


def _send(invitation: Invitation, secret: str, actor: User) -> None:
    who = actor.get_full_name() or actor.get_username()
    body = (
        f"{who} invites you to the team '{invitation.team.name}' of the threat modeling workbench, as {invitation.role}.\n\n"
        "Sign in with the account of this e-mail address and accept the invitation with this code:\n\n"
        f"    {secret}\n\n"
        f"(POST /api/v1/invitations/accept/ with {{\"token\": \"…\"}}). It expires on {invitation.expires_at:%Y-%m-%d}.\n"
        "If you have no account on this instance, ask its administrator for one; if you did not expect this, ignore it.\n"
    )
    EmailMessage(f"Invitation to the team {invitation.team.name}", body, None, [invitation.email]).send()


def invitation_accept(*, actor: User, token: str) -> Membership:
    """Join the team of the open invitation ``token`` names, when it was made for ``actor``'s e-mail."""
    with transaction.atomic():
        invitation = (
            Invitation.objects.select_for_update().filter(digest=_digest(token.strip()), accepted_at__isnull=True).first()
        )
        if invitation is None or invitation.expires_at <= timezone.now() or not actor.email or actor.email.lower() != invitation.email:
            raise ValidationFailed(NOT_VALID, details=[{"path": "token", "message": "not a valid invitation for you"}])
        membership, created = Membership.objects.get_or_create(team=invitation.team, user=actor, defaults={"role": invitation.role})
        invitation.accepted_at = timezone.now()
        invitation.accepted_by = actor
        invitation.save(update_fields=["accepted_at", "accepted_by"])
        audit(actor=actor, action="invitation.accept", obj=membership, after={"role": membership.role, "joined": created})
        return membership


def invitation_revoke(*, actor: User, invitation: Invitation) -> None:
    require_role(actor, invitation.team_id, "manage", what="invitation")
    with transaction.atomic():
        audit(actor=actor, action="invitation.revoke", obj=invitation.team, before={"email": invitation.email})
        invitation.delete()
