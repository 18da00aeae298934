"""Decisions (``threatmodel.workflow.decisions``, /decisions/): acceptance, exception, transfer, not
applicable — the band rules, the limits on expiry, who may approve, supersession and revocation."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from conftest import World
from stride.models import Threat
from threatmodel.models import AuditEvent, Decision, RiskPolicy
from threatmodel.tests.helpers import rated_threat

pytestmark = pytest.mark.django_db


def days(n: int) -> str:
    return (timezone.localdate() + timedelta(days=n)).isoformat()


def decide(world: World, threat: Threat, persona: str = "editor", **body: Any) -> Any:
    return world.client(persona).post("/api/v1/decisions/", {"threat": threat.pk, **body}, format="json")


def accept(world: World, threat: Threat, persona: str = "editor", **changes: Any) -> Any:
    body = {"kind": "acceptance", "justification": "ALARP: the fix needs a rewrite", "owner": "owner", "expires_on": days(30), **changes}
    return decide(world, threat, persona, **body)


def request_exception(world: World, threat: Threat, persona: str = "editor", **changes: Any) -> Any:
    body = {
        "kind": "exception",
        "justification": "Migration to the new cluster in Q1",
        "owner": "owner",
        "expires_on": days(60),
        "compensating_controls": "WAF rule 42 and alerting on exec",
        **changes,
    }
    return decide(world, threat, persona, **body)


@pytest.fixture
def severe(world: World) -> Threat:
    return rated_threat(world, "SEVERE@web", likelihood=5, impact=4)  # 20: unacceptable


def test_an_editor_accepts_a_tolerable_risk(world: World, threat: Threat) -> None:
    Threat.objects.filter(pk=threat.pk).update(rationale="internal only")
    response = accept(world, threat)
    assert response.status_code == 201, response.json()
    body = response.json()
    assert (body["status"], body["band"], body["score"], body["policy_version"], body["owner"]) == ("active", "tolerable", 12, 1, "owner")
    threat.refresh_from_db()
    assert threat.status == "accepted"
    event = AuditEvent.objects.get(action="decision.create")
    assert event.threat_id == threat.pk and (event.before or {})["threat_status"] == "open" and (event.after or {})["threat_status"] == "accepted"


def test_an_unacceptable_risk_cannot_be_accepted(world: World, severe: Threat) -> None:
    response = accept(world, severe)
    assert response.status_code == 400
    assert response.json()["error"]["details"] == [
        {"path": "kind", "message": "the projected residual risk (20) is unacceptable (≥ 15): mitigate it, or request an exception"}
    ]
    assert not Decision.objects.exists()


@pytest.mark.parametrize(
    ("changes", "path"),
    [
        ({"owner": None}, "owner"),
        ({"owner": "outsider"}, "owner"),
        ({"justification": " "}, "justification"),
        ({"expires_on": None}, "expires_on"),
        ({"expires_on": days(0)}, "expires_on"),
        ({"expires_on": days(-3)}, "expires_on"),
        ({"expires_on": days(366)}, "expires_on"),
        ({"expires_on": "next year"}, "expires_on"),
    ],
)
def test_an_acceptance_needs_owner_justification_and_expiry(world: World, threat: Threat, changes: dict[str, Any], path: str) -> None:
    response = accept(world, threat, **changes)
    assert response.status_code == 400, response.json()
    assert path in [d["path"] for d in response.json()["error"]["details"]]
    threat.refresh_from_db()
    assert threat.status == "open" and not Decision.objects.exists() and not AuditEvent.objects.exists()


def test_an_unrated_threat_cannot_be_accepted(world: World) -> None:
    unrated = rated_threat(world, "U@web", likelihood=None, impact=None)
    assert accept(world, unrated).json()["error"]["details"][0]["path"] == "threat"


@pytest.mark.parametrize("persona", ["viewer", "reviewer"])
def test_readers_cannot_decide(world: World, threat: Threat, persona: str) -> None:
    assert accept(world, threat, persona).status_code == 403
    assert decide(world, threat, persona, kind="not_applicable", justification="x").status_code == 403
    assert not Decision.objects.exists()


def test_an_outsider_cannot_decide_on_the_threat(world: World, threat: Threat) -> None:
    assert accept(world, threat, "outsider").status_code == 404


def test_an_exception_waits_for_the_team_owner(world: World, severe: Threat) -> None:
    response = request_exception(world, severe)
    assert response.status_code == 201, response.json()
    assert response.json()["status"] == "pending"
    severe.refresh_from_db()
    assert severe.status == "open"  # nothing changes until the owner approves
    decision = Decision.objects.get()
    for persona in ("editor", "reviewer", "viewer"):
        assert world.client(persona).post(f"/api/v1/decisions/{decision.pk}/approve/").status_code == 403
    approved = world.client("owner").post(f"/api/v1/decisions/{decision.pk}/approve/")
    assert approved.status_code == 200, approved.json()
    assert (approved.json()["status"], approved.json()["approved_by"]) == ("active", "owner")
    severe.refresh_from_db()
    assert severe.status == "accepted"
    assert AuditEvent.objects.filter(action="decision.approve", actor=world.users["owner"]).count() == 1


def test_an_exception_is_for_unacceptable_risks_only(world: World, threat: Threat) -> None:
    response = request_exception(world, threat)
    assert response.status_code == 400 and response.json()["error"]["details"][0]["path"] == "kind"


@pytest.mark.parametrize(
    ("changes", "path"),
    [
        ({"expires_on": days(91)}, "expires_on"),
        ({"expires_on": None}, "expires_on"),
        ({"compensating_controls": ""}, "compensating_controls"),
        ({"owner": None}, "owner"),
        ({"justification": ""}, "justification"),
    ],
)
def test_an_exception_lasts_at_most_90_days_and_names_compensating_controls(
    world: World, severe: Threat, changes: dict[str, Any], path: str
) -> None:
    response = request_exception(world, severe, **changes)
    assert response.status_code == 400
    assert path in [d["path"] for d in response.json()["error"]["details"]]
    assert not Decision.objects.exists()


def test_exactly_90_days_is_allowed(world: World, severe: Threat) -> None:
    assert request_exception(world, severe, expires_on=days(90)).status_code == 201


def test_a_team_policy_can_shorten_the_exception_limit(world: World, severe: Threat) -> None:
    RiskPolicy.objects.create(team=world.team, version=1, exception_max_days=30)
    response = request_exception(world, severe, expires_on=days(45))
    assert response.status_code == 400 and "at most 30 days" in response.json()["error"]["details"][0]["message"]


def test_only_a_pending_exception_can_be_approved(world: World, threat: Threat) -> None:
    accepted = accept(world, threat).json()
    assert world.client("owner").post(f"/api/v1/decisions/{accepted['id']}/approve/").status_code == 409


def test_a_pending_exception_leaves_the_active_acceptance_until_approved(world: World, threat: Threat) -> None:
    first = accept(world, threat).json()
    # The risk grows (a new rating), and the team asks for an exception instead.
    Threat.objects.filter(pk=threat.pk).update(likelihood=5, impact=4)
    pending = request_exception(world, threat).json()
    assert Decision.objects.get(pk=first["id"]).status == "active"
    world.client("owner").post(f"/api/v1/decisions/{pending['id']}/approve/")
    assert Decision.objects.get(pk=first["id"]).status == "superseded"
    assert Decision.objects.get(pk=pending["id"]).status == "active"


def test_a_transfer_needs_a_recipient_and_evidence(world: World, threat: Threat) -> None:
    missing = decide(world, threat, kind="transfer")
    assert {d["path"] for d in missing.json()["error"]["details"]} == {"recipient", "evidence"}
    response = decide(world, threat, kind="transfer", recipient="Cloud provider (managed database)", evidence="SLA §4.2")
    assert response.status_code == 201
    threat.refresh_from_db()
    assert threat.status == "transferred"


def test_not_applicable_needs_a_reason(world: World, threat: Threat) -> None:
    assert decide(world, threat, kind="not_applicable").json()["error"]["details"][0]["path"] == "justification"
    response = decide(world, threat, kind="not_applicable", justification="The web tier holds no state")
    assert response.status_code == 201
    threat.refresh_from_db()
    assert threat.status == "not_applicable"


def test_an_unknown_kind_is_refused(world: World, threat: Threat) -> None:
    assert decide(world, threat, kind="ignore").json()["error"]["details"][0]["path"] == "kind"


def test_a_new_decision_supersedes_the_active_one(world: World, threat: Threat) -> None:
    first = accept(world, threat).json()
    second = decide(world, threat, kind="transfer", recipient="Platform team", evidence="PLAT-12")
    assert second.status_code == 201
    old = Decision.objects.get(pk=first["id"])
    assert old.status == "superseded" and old.ended_by == world.users["editor"]
    threat.refresh_from_db()
    assert threat.status == "transferred"


def test_revoking_an_active_decision_reopens_the_threat(world: World, threat: Threat) -> None:
    decision = accept(world, threat).json()
    assert world.client("viewer").post(f"/api/v1/decisions/{decision['id']}/revoke/").status_code == 403
    response = world.client("editor").post(f"/api/v1/decisions/{decision['id']}/revoke/", {"reason": "new evidence"}, format="json")
    assert response.status_code == 200 and response.json()["status"] == "revoked"
    assert response.json()["end_reason"] == "new evidence"
    threat.refresh_from_db()
    assert threat.status == "open"
    assert world.client("editor").post(f"/api/v1/decisions/{decision['id']}/revoke/").status_code == 409


def test_an_obsolete_threat_takes_no_decision(world: World, threat: Threat) -> None:
    Threat.objects.filter(pk=threat.pk).update(status="obsolete")
    assert decide(world, threat, kind="not_applicable", justification="x").status_code == 409


def test_the_list_filters_and_hides_other_teams(world: World, threat: Threat) -> None:
    accept(world, threat)
    assert world.client("viewer").get(f"/api/v1/decisions/?threat={threat.pk}&status=active").json()["count"] == 1
    assert world.client("outsider").get("/api/v1/decisions/").json()["count"] == 0
