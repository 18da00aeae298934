"""GET /audit-events/: the audit trail of a team's models — who, when, before and after."""

from __future__ import annotations

import pytest

from conftest import World
from stride.models import Threat
from threatmodel.models import AuditEvent

pytestmark = pytest.mark.django_db


def test_it_lists_a_models_changes_newest_first_with_actor_before_and_after(world: World, threat: Threat) -> None:
    editor = world.client("editor")
    editor.put(f"/api/v1/threats/{threat.pk}/rating/", {"likelihood": 2, "impact": 2, "rationale": "internal"}, format="json")
    editor.post(f"/api/v1/threats/{threat.pk}/status/", {"status": "eliminated", "reason": "removed the port"}, format="json")
    rows = world.client("viewer").get(f"/api/v1/audit-events/?threat_model={world.model.pk}").json()["results"]
    assert [(r["action"], r["actor"], r["threat"]) for r in rows] == [
        ("threat.status", "editor", threat.pk),
        ("threat.rate", "editor", threat.pk),
    ]
    assert rows[0]["before"] == {"status": "open"} and rows[0]["after"] == {"status": "eliminated", "reason": "removed the port"}
    assert rows[0]["created_at"]


def test_it_filters_by_action_and_threat(world: World, threat: Threat) -> None:
    world.client("editor").put(f"/api/v1/threats/{threat.pk}/rating/", {"likelihood": 2, "impact": 2, "rationale": "x"}, format="json")
    client = world.client("viewer")
    assert client.get("/api/v1/audit-events/?action=threat.rate").json()["count"] == 1
    assert client.get("/api/v1/audit-events/?action=threat.status").json()["count"] == 0
    assert client.get(f"/api/v1/audit-events/?threat={threat.pk}").json()["count"] == 1


def test_an_outsider_sees_none_of_the_teams_events(world: World, threat: Threat) -> None:
    world.client("editor").put(f"/api/v1/threats/{threat.pk}/rating/", {"likelihood": 2, "impact": 2, "rationale": "x"}, format="json")
    event = AuditEvent.objects.get()
    client = world.client("outsider")
    assert client.get("/api/v1/audit-events/").json()["count"] == 0
    assert client.get(f"/api/v1/audit-events/{event.pk}/").status_code == 404


def test_the_trail_cannot_be_written_through_the_api(world: World, threat: Threat) -> None:
    world.client("editor").put(f"/api/v1/threats/{threat.pk}/rating/", {"likelihood": 2, "impact": 2, "rationale": "x"}, format="json")
    event = AuditEvent.objects.get()
    client = world.client("owner")
    for method in ("put", "patch", "delete"):
        assert getattr(client, method)(f"/api/v1/audit-events/{event.pk}/", {"action": "x"}, format="json").status_code == 405
    assert client.post("/api/v1/audit-events/", {"action": "x"}, format="json").status_code == 405
    assert AuditEvent.objects.get().action == "threat.rate"
