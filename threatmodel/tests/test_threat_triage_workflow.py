"""The engine's triage endpoint (PATCH /threats/{id}/) hands ratings and statuses to the workflow
services: the same band rules, role checks and audit events as the workflow's own endpoints."""

from __future__ import annotations

from typing import Any

import pytest

from conftest import World
from stride.models import Threat
from threatmodel.models import AuditEvent, Decision
from threatmodel.tests.helpers import mitigation, set_stage

pytestmark = pytest.mark.django_db


def patch(world: World, threat: Threat, persona: str = "editor", **body: Any) -> Any:
    return world.client(persona).patch(f"/api/v1/threats/{threat.pk}/", body, format="json")


def test_a_rating_through_triage_is_a_workflow_rating(world: World, threat: Threat) -> None:
    response = patch(world, threat, likelihood=2, rationale="only from inside the namespace", triaged=True)
    assert response.status_code == 200, response.json()
    threat.refresh_from_db()
    assert (threat.likelihood, threat.impact, threat.triaged) == (2, 4, True)
    rate = AuditEvent.objects.get(action="threat.rate")
    assert (rate.before or {})["likelihood"] == 3 and (rate.after or {})["likelihood"] == 2
    update = AuditEvent.objects.get(action="threat.update")
    assert (update.after or {})["triaged"] is True


def test_a_rating_needs_its_rationale_through_triage_too(world: World, threat: Threat) -> None:
    response = patch(world, threat, likelihood=2)
    assert response.status_code == 400 and response.json()["error"]["details"][0]["path"] == "rationale"
    threat.refresh_from_db()
    assert threat.likelihood == 3


def test_not_applicable_through_triage_records_a_decision(world: World, threat: Threat) -> None:
    response = patch(world, threat, status="not_applicable", rationale="The container runs as UID 10001")
    assert response.status_code == 200 and response.json()["status"] == "not_applicable"
    decision = Decision.objects.get(threat=threat)
    assert (decision.kind, decision.status, decision.justification) == ("not_applicable", "active", "The container runs as UID 10001")


def test_mitigated_through_triage_needs_a_planned_mitigation(world: World, threat: Threat) -> None:
    assert patch(world, threat, status="mitigated").json()["error"]["details"][0]["path"] == "status"
    mitigation(world, [threat], status="planned")
    assert patch(world, threat, status="mitigated").status_code == 200


def test_eliminated_through_triage_says_what_removed_it(world: World, threat: Threat) -> None:
    assert patch(world, threat, status="eliminated").json()["error"]["details"][0]["path"] == "notes"
    response = patch(world, threat, status="eliminated", notes="The hostPath mount was dropped")
    assert response.status_code == 200 and response.json()["status"] == "eliminated"
    assert (AuditEvent.objects.get(action="threat.status").after or {})["reason"] == "The hostPath mount was dropped"


def test_an_approved_model_refuses_ratings_through_triage(world: World, threat: Threat) -> None:
    set_stage(world.model, "approved")
    assert patch(world, threat, likelihood=1, rationale="x").status_code == 409
    threat.refresh_from_db()
    assert threat.likelihood == 3


def test_a_viewer_still_cannot_triage(world: World, threat: Threat) -> None:
    assert patch(world, threat, "viewer", likelihood=1, rationale="x").status_code == 403
