"""Setting a threat open, mitigated or eliminated (``threat_status_set``, POST /threats/{id}/status/)."""

from __future__ import annotations

from typing import Any

import pytest

from conftest import World
from stride.models import Threat
from threatmodel.models import AuditEvent
from threatmodel.tests.helpers import acceptance, mitigation

pytestmark = pytest.mark.django_db


def post(world: World, threat: Threat, persona: str = "editor", **body: Any) -> Any:
    return world.client(persona).post(f"/api/v1/threats/{threat.pk}/status/", body, format="json")


def test_a_threat_with_a_planned_mitigation_can_be_marked_mitigated(world: World, threat: Threat) -> None:
    mitigation(world, [threat], status="planned", likelihood_reduction=1)
    response = post(world, threat, status="mitigated")
    assert response.status_code == 200, response.json()
    assert response.json()["status"] == "mitigated"
    assert response.json()["risk"]["projected"]["score"] == 8  # (3 − 1) × 4
    event = AuditEvent.objects.get(action="threat.status")
    assert (event.before, event.after) == ({"status": "open"}, {"status": "mitigated", "reason": ""})


def test_mitigated_needs_a_planned_mitigation_not_a_proposal(world: World, threat: Threat) -> None:
    mitigation(world, [threat], status="proposed")
    response = post(world, threat, status="mitigated")
    assert response.status_code == 400 and response.json()["error"]["details"][0]["path"] == "status"
    threat.refresh_from_db()
    assert threat.status == "open"


def test_eliminated_needs_a_reason(world: World, threat: Threat) -> None:
    assert post(world, threat, status="eliminated").json()["error"]["details"][0]["path"] == "reason"
    response = post(world, threat, status="eliminated", reason="The dashboard was removed from the design")
    assert response.status_code == 200 and response.json()["status"] == "eliminated"


@pytest.mark.parametrize("status", ["accepted", "transferred", "not_applicable", "obsolete", "done"])
def test_statuses_that_follow_decisions_or_the_engine_cannot_be_set_here(world: World, threat: Threat, status: str) -> None:
    response = post(world, threat, status=status)
    assert response.status_code == 400 and response.json()["error"]["details"][0]["path"] == "status"
    assert not AuditEvent.objects.exists()


def test_a_status_held_by_an_active_decision_changes_only_by_revoking_it(world: World, threat: Threat) -> None:
    decision = acceptance(world, threat)
    Threat.objects.filter(pk=threat.pk).update(status="accepted")
    response = post(world, threat, status="open")
    assert response.status_code == 409 and f"decision {decision.pk}" in response.json()["error"]["message"]


@pytest.mark.parametrize("persona", ["viewer", "reviewer"])
def test_readers_cannot_change_a_status(world: World, threat: Threat, persona: str) -> None:
    assert post(world, threat, persona, status="eliminated", reason="x").status_code == 403
    threat.refresh_from_db()
    assert threat.status == "open"
