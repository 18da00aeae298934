"""Mitigations (``threatmodel.workflow.mitigations``, /mitigations/): create, change, link, statuses,
verification by someone else with evidence, delete — each role-checked and audited."""

from __future__ import annotations

from typing import Any

import pytest

from conftest import World
from stride.models import Threat
from threatmodel.models import AuditEvent, Mitigation
from threatmodel.tests.helpers import attack_catalogue, mitigation, rated_threat
from threatmodel.workflow.controls import controls_sync

pytestmark = pytest.mark.django_db


@pytest.fixture
def catalogue(db: None) -> dict[str, Any]:
    controls_sync()
    return attack_catalogue()


def create(world: World, persona: str = "editor", **body: Any) -> Any:
    return world.client(persona).post("/api/v1/mitigations/", {"threat_model": world.model.pk, **body}, format="json")


def act(world: World, item: Mitigation, action: str, persona: str = "editor", **body: Any) -> Any:
    return world.client(persona).post(f"/api/v1/mitigations/{item.pk}/{action}/", body, format="json")


def test_an_editor_creates_a_mitigation_that_answers_several_threats(world: World, threat: Threat, catalogue: dict[str, Any]) -> None:
    other = rated_threat(world, "R2@web", likelihood=4, impact=4)
    response = create(
        world,
        title="Run the web container without privileges",
        control="RTC-11",
        attack_mitigations=["M1048", "M1026"],
        likelihood_reduction=2,
        impact_reduction=1,
        owner="editor",
        status="planned",
        threats=[threat.pk, other.pk],
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["ref"] == "MIT-1" and body["control"] == "RTC-11" and sorted(body["attack_mitigations"]) == ["M1026", "M1048"]
    assert sorted(body["threats"]) == sorted([threat.pk, other.pk]) and body["owner"] == "editor"
    assert [e.action for e in AuditEvent.objects.order_by("id")] == ["mitigation.create", "mitigation.link", "mitigation.link"]
    # The planned effect counts towards the projected residual of both threats.
    risk = world.client("viewer").get(f"/api/v1/threats/{other.pk}/assessment/").json()["risk"]
    assert risk["projected"] == {"likelihood": 2, "impact": 3, "score": 6, "level": "Medium", "band": "tolerable"}
    assert risk["verified"]["score"] == 16


@pytest.mark.parametrize(
    ("body", "path"),
    [
        ({"title": ""}, "title"),
        ({"control": "XYZ-99"}, "control"),
        ({"attack_mitigations": ["M9999"]}, "attack_mitigations[0]"),
        ({"likelihood_reduction": 4}, "likelihood_reduction"),
        ({"impact_reduction": 3}, "impact_reduction"),
        ({"owner": "outsider"}, "owner"),
        ({"evidence_url": "ftp://example.com/x"}, "evidence_url"),
        ({"status": "verified"}, "status"),
        ({"threats": [10**9]}, "threats[0]"),
    ],
)
def test_a_bad_mitigation_names_the_field_and_creates_nothing(
    world: World, threat: Threat, catalogue: dict[str, Any], body: dict[str, Any], path: str
) -> None:
    response = create(world, **{"title": "Segment the network", **body})
    assert response.status_code == 400, response.json()
    assert path in [d["path"] for d in response.json()["error"]["details"]]
    assert not Mitigation.objects.exists() and not AuditEvent.objects.exists()


def test_threats_of_another_model_cannot_be_linked(world: World, threat: Threat) -> None:
    from threatmodel.models import ThreatModel

    elsewhere = ThreatModel.objects.create(team=world.team, name="Other")
    foreign = Threat.objects.create(threat_model=elsewhere, fingerprint="X@y", stride="S", title="x")
    response = create(world, title="t", threats=[foreign.pk])
    assert response.status_code == 400 and response.json()["error"]["details"][0]["path"] == "threats[0]"


@pytest.mark.parametrize("persona", ["viewer", "reviewer"])
def test_readers_cannot_create_mitigations(world: World, threat: Threat, persona: str) -> None:
    assert create(world, persona, title="t").status_code == 403


def test_an_outsider_cannot_create_one_in_the_model(world: World) -> None:
    assert create(world, "outsider", title="t").status_code == 404


def test_references_are_never_reused(world: World, threat: Threat) -> None:
    first = create(world, title="one").json()
    second = create(world, title="two").json()
    assert world.client("editor").delete(f"/api/v1/mitigations/{second['id']}/").status_code == 204
    third = create(world, title="three").json()
    assert (first["ref"], second["ref"], third["ref"]) == ("MIT-1", "MIT-2", "MIT-3")


def test_implement_then_verify_by_someone_else_with_evidence(world: World, threat: Threat) -> None:
    item = mitigation(world, [threat], status="planned", likelihood_reduction=2)
    implemented = act(world, item, "status", status="implemented")
    assert implemented.status_code == 200 and implemented.json()["implemented_by"] == "editor"
    # The implementer cannot verify their own work.
    own = act(world, item, "verify", "editor", evidence_url="https://ci.example.com/run/42")
    assert own.status_code == 400 and own.json()["error"]["details"][0]["path"] == "verified_by"
    # Verification needs evidence.
    bare = act(world, item, "verify", "reviewer")
    assert bare.status_code == 400 and bare.json()["error"]["details"][0]["path"] == "evidence"
    done = act(world, item, "verify", "reviewer", evidence_url="https://ci.example.com/run/42")
    assert done.status_code == 200, done.json()
    assert (done.json()["status"], done.json()["verified_by"]) == ("verified", "reviewer")
    risk = world.client("viewer").get(f"/api/v1/threats/{threat.pk}/assessment/").json()["risk"]
    assert risk["verified"]["score"] == 4  # (3 − 2) × 4
    assert AuditEvent.objects.filter(action="mitigation.verify", actor=world.users["reviewer"]).count() == 1


def test_a_viewer_cannot_verify(world: World, threat: Threat) -> None:
    item = mitigation(world, [threat], status="implemented", implemented_by=world.users["editor"])
    assert act(world, item, "verify", "viewer", evidence="scan report").status_code == 403


def test_only_an_implemented_mitigation_can_be_verified(world: World, threat: Threat) -> None:
    item = mitigation(world, [threat], status="planned")
    assert act(world, item, "verify", "reviewer", evidence="x").status_code == 409


def test_changing_the_evidence_of_a_verified_mitigation_sends_it_back_to_implemented(world: World, threat: Threat) -> None:
    item = mitigation(world, [threat], status="verified", evidence="scan 1", implemented_by=world.users["editor"],
                      verified_by=world.users["reviewer"])
    response = world.client("editor").patch(f"/api/v1/mitigations/{item.pk}/", {"evidence": "scan 2"}, format="json")
    assert response.status_code == 200
    assert (response.json()["status"], response.json()["verified_by"]) == ("implemented", None)
    event = AuditEvent.objects.get(action="mitigation.update")
    assert event.before == {"evidence": "scan 1", "status": "verified"} and event.after == {"evidence": "scan 2", "status": "implemented"}


def test_a_title_change_keeps_the_verification(world: World, threat: Threat) -> None:
    item = mitigation(world, [threat], status="verified", evidence="scan", verified_by=world.users["reviewer"])
    response = world.client("editor").patch(f"/api/v1/mitigations/{item.pk}/", {"title": "Renamed"}, format="json")
    assert response.json()["status"] == "verified"


def test_an_update_with_an_unknown_field_changes_nothing(world: World, threat: Threat) -> None:
    item = mitigation(world, [threat])
    response = world.client("editor").patch(f"/api/v1/mitigations/{item.pk}/", {"title": "x", "status": "verified"}, format="json")
    assert response.status_code == 400 and response.json()["error"]["details"][0]["path"] == "status"
    item.refresh_from_db()
    assert item.title == "Drop privileges"


def test_unlinking_the_last_planned_mitigation_reopens_a_mitigated_threat(world: World, threat: Threat) -> None:
    item = mitigation(world, [threat], status="planned")
    Threat.objects.filter(pk=threat.pk).update(status="mitigated")
    response = act(world, item, "unlink", threats=[threat.pk])
    assert response.status_code == 200 and response.json()["threats"] == []
    threat.refresh_from_db()
    assert threat.status == "open"
    assert (AuditEvent.objects.filter(action="threat.status", threat=threat).get().after or {})["status"] == "open"


def test_unlinking_a_threat_that_is_not_linked_is_refused(world: World, threat: Threat) -> None:
    item = mitigation(world, [])
    response = act(world, item, "unlink", threats=[threat.pk])
    assert response.status_code == 400 and response.json()["error"]["details"][0]["path"] == "threats[0]"


def test_moving_back_to_proposed_reopens_threats_it_was_the_answer_for(world: World, threat: Threat) -> None:
    item = mitigation(world, [threat], status="planned")
    Threat.objects.filter(pk=threat.pk).update(status="mitigated")
    assert act(world, item, "status", status="proposed").status_code == 200
    threat.refresh_from_db()
    assert threat.status == "open"


def test_link_adds_threats_once(world: World, threat: Threat) -> None:
    item = mitigation(world, [threat])
    other = rated_threat(world, "R2@web")
    response = act(world, item, "link", threats=[threat.pk, other.pk])
    assert sorted(response.json()["threats"]) == sorted([threat.pk, other.pk])
    assert AuditEvent.objects.filter(action="mitigation.link").count() == 1


def test_deleting_is_audited_with_what_it_answered(world: World, threat: Threat) -> None:
    item = mitigation(world, [threat], status="planned")
    Threat.objects.filter(pk=threat.pk).update(status="mitigated")
    assert world.client("viewer").delete(f"/api/v1/mitigations/{item.pk}/").status_code == 403
    assert world.client("editor").delete(f"/api/v1/mitigations/{item.pk}/").status_code == 204
    event = AuditEvent.objects.get(action="mitigation.delete")
    assert (event.before or {})["ref"] == "MIT-1" and (event.before or {})["threats"] == [threat.pk]
    threat.refresh_from_db()
    assert threat.status == "open"


def test_the_list_filters_by_threat_and_hides_other_teams(world: World, threat: Threat) -> None:
    mitigation(world, [threat], ref="MIT-1")
    mitigation(world, [], ref="MIT-2", title="Unlinked")
    mine = world.client("viewer").get(f"/api/v1/mitigations/?threats={threat.pk}").json()
    assert [row["ref"] for row in mine["results"]] == ["MIT-1"]
    assert world.client("outsider").get("/api/v1/mitigations/").json()["count"] == 0


def test_huge_and_hostile_values_are_refused_by_field(world: World, threat: Threat) -> None:
    for body, path in (
        ({"title": "t" * 301}, "title"),
        ({"title": "t", "description": "d" * 20_001}, "description"),
        ({"title": "t", "threats": list(range(10_001))}, "threats"),
        ({"title": "t", "evidence_url": "javascript:alert(1)"}, "evidence_url"),
        ({"title": "t", "owner": "<script>"}, "owner"),
    ):
        response = create(world, **body)
        assert response.status_code == 400 and path in [d["path"] for d in response.json()["error"]["details"]], (path, response.json())
    assert not Mitigation.objects.exists()
