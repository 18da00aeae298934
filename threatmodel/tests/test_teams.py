"""Teams and memberships: owners manage, members may leave, a team always keeps an owner."""

from __future__ import annotations

import pytest

from conftest import World, make_user
from threatmodel.models import AuditEvent, Membership, Team

pytestmark = pytest.mark.django_db


def test_creating_a_team_makes_you_its_owner(world: World) -> None:
    response = world.client("viewer").post("/api/v1/teams/", {"name": "Platform security"}, format="json")
    assert response.status_code == 201
    body = response.json()
    assert body["slug"] == "platform-security" and body["role"] == "owner"
    assert Membership.objects.get(team_id=body["id"], user=world.users["viewer"]).role == "owner"


def test_team_slugs_stay_unique(world: World) -> None:
    first = world.client("owner").post("/api/v1/teams/", {"name": "Payments"}, format="json").json()
    assert first["slug"] == "payments-2"


def as_instance_admin(world: World) -> None:
    # Only an instance admin adds a member directly; team owners invite (test_invitations).
    world.users["owner"].is_staff = True
    world.users["owner"].save(update_fields=["is_staff"])


def test_an_instance_admin_adds_and_promotes_a_member_by_username_or_email(world: World) -> None:
    make_user("newcomer")
    as_instance_admin(world)
    owner = world.client("owner")
    created = owner.post("/api/v1/memberships/", {"team": world.team.pk, "user": "newcomer@example.com", "role": "viewer"}, format="json")
    assert created.status_code == 201 and created.json()["username"] == "newcomer"
    promoted = owner.patch(f"/api/v1/memberships/{created.json()['id']}/", {"role": "editor"}, format="json")
    assert promoted.json()["role"] == "editor"
    assert AuditEvent.objects.filter(action="membership.update", team=world.team).exists()


@pytest.mark.parametrize(("user", "role", "path"), [("ghost", "viewer", "user"), ("editor", "viewer", "user"), ("newcomer", "god", "role")])
def test_adding_a_member_explains_what_is_wrong(world: World, user: str, role: str, path: str) -> None:
    make_user("newcomer")
    as_instance_admin(world)
    response = world.client("owner").post("/api/v1/memberships/", {"team": world.team.pk, "user": user, "role": role}, format="json")
    assert response.status_code == 400
    assert response.json()["error"]["details"][0]["path"] == path


def test_the_last_owner_cannot_leave_or_be_demoted(world: World) -> None:
    owner = world.client("owner")
    mine = Membership.objects.get(team=world.team, user=world.users["owner"])
    assert owner.patch(f"/api/v1/memberships/{mine.pk}/", {"role": "viewer"}, format="json").status_code == 400
    assert owner.delete(f"/api/v1/memberships/{mine.pk}/").status_code == 400
    editor = Membership.objects.get(team=world.team, user=world.users["editor"])
    owner.patch(f"/api/v1/memberships/{editor.pk}/", {"role": "owner"}, format="json")
    assert owner.delete(f"/api/v1/memberships/{mine.pk}/").status_code == 204


def test_a_member_can_leave_a_team(world: World) -> None:
    mine = Membership.objects.get(team=world.team, user=world.users["viewer"])
    assert world.client("viewer").delete(f"/api/v1/memberships/{mine.pk}/").status_code == 204
    assert world.client("viewer").get(f"/api/v1/threat-models/{world.model.pk}/").status_code == 404


def test_deleting_a_team_deletes_its_models(world: World) -> None:
    assert world.client("owner").delete(f"/api/v1/teams/{world.team.pk}/").status_code == 204
    assert not Team.objects.filter(pk=world.team.pk).exists()


def test_models_list_filters_searches_and_pages(world: World) -> None:
    owner = world.client("owner")
    for i in range(7):
        owner.post("/api/v1/threat-models/", {"team": world.team.pk, "name": f"Service {i}", "description": "billing" if i % 2 else ""},
                   format="json")
    page = owner.get("/api/v1/threat-models/?page_size=3&ordering=name").json()
    assert page["count"] == 8 and len(page["results"]) == 3 and page["next"]
    assert owner.get("/api/v1/threat-models/?search=billing").json()["count"] == 3
    assert owner.get(f"/api/v1/threat-models/?team={world.team.pk}&stage=design").json()["count"] == 8
    assert owner.get("/api/v1/threat-models/?stage=approved").json()["count"] == 0


def test_a_new_model_comes_with_a_diagram_and_is_audited(world: World) -> None:
    response = world.client("editor").post("/api/v1/threat-models/", {"team": world.team.pk, "name": "  Payments API  "}, format="json")
    assert response.status_code == 201 and response.json()["name"] == "Payments API"
    assert world.client("editor").get(f"/api/v1/diagrams/?threat_model={response.json()['id']}").json()["count"] == 1
    event = AuditEvent.objects.get(action="threat_model.create", object_id=str(response.json()["id"]))
    assert event.actor == world.users["editor"]


def test_updating_a_model_bumps_its_version_and_records_before_and_after(world: World) -> None:
    version = world.model.version
    response = world.client("editor").patch(f"/api/v1/threat-models/{world.model.pk}/", {"scope": "Checkout only"}, format="json")
    assert response.json()["version"] == version + 1
    event = AuditEvent.objects.get(action="threat_model.update")
    assert (event.before, event.after) == ({"scope": ""}, {"scope": "Checkout only"})


def test_the_team_of_a_model_cannot_be_changed(world: World) -> None:
    response = world.client("owner").patch(f"/api/v1/threat-models/{world.model.pk}/", {"team": world.other_team.pk}, format="json")
    assert response.status_code == 200
    world.model.refresh_from_db()
    assert world.model.team == world.team
