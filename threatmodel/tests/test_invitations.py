"""Membership by invitation (issue 12, finding 4): no one joins a team without accepting, and no answer tells who has an account.

Reproduced: a team owner added any user of the instance by username or e-mail, and "No user with
that name or e-mail" told them who existed. Now owners invite an address; the answer is the same
for an address with an account, one without and one already in the team; the secret goes only to
the address; only the account with that e-mail accepts; an instance admin may still add directly.
"""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import pytest
from django.core import mail
from django.utils import timezone

from conftest import World, make_user
from threatmodel.invitations import NOT_VALID
from threatmodel.models import AuditEvent, Invitation, Membership

pytestmark = pytest.mark.django_db


def invite(world: World, email: str, role: str = "editor", persona: str = "owner") -> Any:
    return world.client(persona).post("/api/v1/invitations/", {"team": world.team.pk, "email": email, "role": role}, format="json")


def secret_of(email: str) -> str:
    message = next(m for m in reversed(mail.outbox) if m.to == [email])
    found = re.search(r"tmi_[A-Za-z0-9_-]+", str(message.body))
    assert found is not None, message.body
    return found.group(0)


def accept(world: World, persona: str, token: str) -> Any:
    return world.client(persona).post("/api/v1/invitations/accept/", {"token": token}, format="json")


def test_an_owner_can_no_longer_add_a_user_without_their_consent(world: World) -> None:
    make_user("newcomer")
    response = world.client("owner").post("/api/v1/memberships/", {"team": world.team.pk, "user": "newcomer", "role": "viewer"}, format="json")
    assert response.status_code == 403 and "invite" in response.json()["error"]["message"]
    assert not Membership.objects.filter(team=world.team, user__username="newcomer").exists()
    ghost = world.client("owner").post("/api/v1/memberships/", {"team": world.team.pk, "user": "ghost", "role": "viewer"}, format="json")
    assert (ghost.status_code, ghost.json()) == (response.status_code, response.json())  # and it tells nothing either way


def test_the_answer_is_the_same_whether_or_not_the_address_has_an_account(world: World, django_capture_on_commit_callbacks: Any) -> None:
    make_user("newcomer")
    answers = []
    for email in ("newcomer@example.com", "nobody@example.com", "editor@example.com"):  # an account, none, a member
        with django_capture_on_commit_callbacks(execute=True):
            response = invite(world, email)
        body = response.json()
        answers.append((response.status_code, sorted(body), body["role"], body["email"] == email))
    assert answers[0] == answers[1] == answers[2] == (201, ["created_at", "email", "expires_at", "id", "invited_by", "role", "team"], "editor", True)
    assert sorted(m.to[0] for m in mail.outbox) == ["editor@example.com", "newcomer@example.com", "nobody@example.com"]
    assert all("tmi_" not in str(response) for response in answers)


def test_the_invited_account_accepts_and_joins_with_the_role(world: World, django_capture_on_commit_callbacks: Any) -> None:
    newcomer = make_user("newcomer")
    with django_capture_on_commit_callbacks(execute=True):
        invite(world, "Newcomer@Example.com")
    token = secret_of("newcomer@example.com")
    assert Invitation.objects.get(team=world.team).digest != token  # only the digest is kept
    world.users["newcomer"] = newcomer
    response = accept(world, "newcomer", token)
    assert response.status_code == 200 and response.json()["role"] == "editor" and response.json()["username"] == "newcomer"
    assert Membership.objects.get(team=world.team, user=newcomer).role == "editor"
    assert AuditEvent.objects.filter(action="invitation.accept", team=world.team).exists()
    again = accept(world, "newcomer", token)
    assert again.status_code == 400 and again.json()["error"]["message"] == NOT_VALID


def test_another_account_cannot_use_the_secret(world: World, django_capture_on_commit_callbacks: Any) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        invite(world, "newcomer@example.com")
    token = secret_of("newcomer@example.com")
    response = accept(world, "outsider", token)
    assert response.status_code == 400 and response.json()["error"]["message"] == NOT_VALID
    assert not Membership.objects.filter(team=world.team, user=world.users["outsider"]).exists()


def test_an_expired_or_revoked_invitation_is_refused_with_the_same_words(world: World, django_capture_on_commit_callbacks: Any) -> None:
    world.users["newcomer"] = make_user("newcomer")
    with django_capture_on_commit_callbacks(execute=True):
        invite(world, "newcomer@example.com")
    token = secret_of("newcomer@example.com")
    Invitation.objects.update(expires_at=timezone.now() - timedelta(seconds=1))
    assert accept(world, "newcomer", token).json()["error"]["message"] == NOT_VALID
    Invitation.objects.update(expires_at=timezone.now() + timedelta(days=1))
    invitation = Invitation.objects.get()
    assert world.client("owner").delete(f"/api/v1/invitations/{invitation.pk}/").status_code == 204
    assert accept(world, "newcomer", token).json()["error"]["message"] == NOT_VALID
    assert accept(world, "newcomer", "tmi_made-up").json()["error"]["message"] == NOT_VALID


def test_inviting_again_replaces_the_open_invitation(world: World, django_capture_on_commit_callbacks: Any) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        invite(world, "newcomer@example.com", role="viewer")
    first = secret_of("newcomer@example.com")
    with django_capture_on_commit_callbacks(execute=True):
        invite(world, "newcomer@example.com", role="reviewer")
    assert Invitation.objects.filter(team=world.team).count() == 1 and Invitation.objects.get().role == "reviewer"
    world.users["newcomer"] = make_user("newcomer")
    assert accept(world, "newcomer", first).status_code == 400
    assert accept(world, "newcomer", secret_of("newcomer@example.com")).json()["role"] == "reviewer"


def test_owners_alone_see_the_teams_invitations(world: World) -> None:
    invite(world, "newcomer@example.com")
    assert [i["email"] for i in world.client("owner").get("/api/v1/invitations/").json()["results"]] == ["newcomer@example.com"]
    for persona in ("editor", "viewer", "outsider"):
        assert world.client(persona).get("/api/v1/invitations/").json()["results"] == []


def test_a_bad_address_or_role_is_named(world: World) -> None:
    assert invite(world, "not-an-address").json()["error"]["details"][0]["path"] == "email"
    assert invite(world, "a@example.com", role="god").json()["error"]["details"][0]["path"] == "role"


def test_an_instance_admin_still_adds_directly(world: World) -> None:
    make_user("newcomer")
    world.users["owner"].is_staff = True
    world.users["owner"].save(update_fields=["is_staff"])
    response = world.client("owner").post("/api/v1/memberships/", {"team": world.team.pk, "user": "newcomer", "role": "viewer"}, format="json")
    assert response.status_code == 201
