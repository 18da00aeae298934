"""GET /threat-models/{id}/gates/: what blocks the next stage, each item linked to its object and its fix."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from conftest import World
from threatmodel.tests.helpers import complete_design, cover_everything, mark_analysed, rated_threat, set_stage

pytestmark = pytest.mark.django_db


def gates(world: World, persona: str = "viewer") -> dict[str, Any]:
    response = world.client(persona).get(f"/api/v1/threat-models/{world.model.pk}/gates/")
    assert response.status_code == 200, response.content[:300]
    body: dict[str, Any] = response.json()
    return body


def test_each_blocking_item_links_to_its_object_and_the_call_that_fixes_it(world: World) -> None:
    body = gates(world)
    assert (body["stage"], body["next_stage"], body["can_advance"]) == ("design", "break", False)
    web = next(item for item in body["blocking"] if item["object"]["key"] == "web")
    element_id = world.diagram.elements.get(key="web").pk
    assert web == {
        "code": "required_property_unset",
        "message": "Process 'Web': set authenticated (\"unknown\" is an answer).",
        "object": {"type": "element", "id": element_id, "key": "web", "url": f"/api/v1/elements/{element_id}/"},
        "actions": [{"label": "Change the diagram", "method": "POST", "url": f"/api/v1/diagrams/{world.diagram.pk}/ops/"}],
    }
    assert body["counts"] == {"required_property_unset": 6}
    # The object URL answers: the UI can follow every link.
    assert world.client("viewer").get(web["object"]["url"]).status_code == 200


def test_the_break_gate_lists_untriaged_and_unrated_threats_with_their_fixes(world: World) -> None:
    complete_design(world)
    threat = rated_threat(world, "R1@web", likelihood=None, impact=None, triaged=False)
    cover_everything(world)
    mark_analysed(world.model)
    set_stage(world.model, "break")
    body = gates(world)
    assert body["counts"] == {"threat_not_rated": 1, "threat_not_triaged": 1}
    unrated = next(item for item in body["blocking"] if item["code"] == "threat_not_rated")
    assert unrated["object"] == {"type": "threat", "id": threat.pk, "key": "R1@web", "url": f"/api/v1/threats/{threat.pk}/"}
    assert unrated["actions"] == [{"label": "Rate the inherent risk", "method": "PUT", "url": f"/api/v1/threats/{threat.pk}/rating/"}]


def test_it_reports_versions_policy_authors_and_your_role(world: World) -> None:
    body = gates(world, "editor")
    world.model.refresh_from_db()
    assert body["model_version"] == world.model.version and body["analysed_version"] is None
    assert body["risk_policy"] == {"version": 1, "unacceptable_at": 15, "acceptable_max": 4, "impact_floor": 4,
                                   "acceptance_max_days": 365, "exception_max_days": 90}
    assert body["authors"] == ["owner"] and body["your_role"] == "editor" and body["your_blocking"] == []


def test_a_clear_gate_lets_an_editor_advance(world: World) -> None:
    complete_design(world)
    body = gates(world, "editor")
    assert body["blocking"] == [] and body["can_advance"] is True


def test_an_outsider_gets_404(world: World) -> None:
    assert world.client("outsider").get(f"/api/v1/threat-models/{world.model.pk}/gates/").status_code == 404


def test_the_query_count_does_not_grow_with_the_model(world: World) -> None:
    complete_design(world)
    set_stage(world.model, "fix")
    rated_threat(world, "R0@web")
    client = world.client("viewer")
    url = f"/api/v1/threat-models/{world.model.pk}/gates/"
    with CaptureQueriesContext(connection) as small:
        client.get(url)
    for i in range(1, 40):
        rated_threat(world, f"R{i}@web", status="open")
    with CaptureQueriesContext(connection) as large:
        response = client.get(url)
    assert response.json()["counts"]["threat_open"] == 40
    assert len(large.captured_queries) == len(small.captured_queries)
