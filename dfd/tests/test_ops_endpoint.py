"""POST /api/v1/diagrams/{id}/ops/ — the write path over HTTP: results, 409s and error shapes."""

from __future__ import annotations

import pytest

from conftest import World

pytestmark = pytest.mark.django_db


def post(world: World, body: object, persona: str = "editor"):
    return world.client(persona).post(f"/api/v1/diagrams/{world.diagram.pk}/ops/", data=body, format="json")


def test_it_applies_a_batch_and_answers_the_new_version(world: World) -> None:
    response = post(world, {"base_version": world.diagram.version, "ops": [{"op": "delete_element", "key": "db"}]})
    assert response.status_code == 200
    body = response.json()
    analysis = body.pop("analysis")
    assert analysis["status"] == "done" and analysis["new"] > 0  # the threats follow the diagram
    assert body == {
        "diagram": world.diagram.pk,
        "version": world.diagram.version + 1,
        "threat_model_version": world.model.version + 1,
        "applied": 1,
        "deleted_flows": ["f2"],
        "reparented": [],
    }


def test_a_stale_version_gets_409_with_the_current_version(world: World) -> None:
    post(world, {"base_version": world.diagram.version, "ops": []})
    response = post(world, {"base_version": world.diagram.version, "ops": [{"op": "delete_flow", "key": "f1"}]})
    assert response.status_code == 409
    error = response.json()["error"]
    assert error["code"] == "stale_version" and error["current_version"] == world.diagram.version + 1


def test_invalid_operations_get_400_naming_each_one(world: World) -> None:
    response = post(world, {"base_version": world.diagram.version, "ops": [
        {"op": "add_element", "key": "x", "kind": "process", "name": "X", "properties": {"privileged": 1}},
        {"op": "delete_flow", "key": "nope"},
    ]})
    assert response.status_code == 400
    assert response.json()["error"]["details"] == [
        {"path": "ops[0].properties.privileged", "message": 'must be true, false or "unknown" (got 1)'},
        {"path": "ops[1].key", "message": "no flow 'nope' in this diagram"},
    ]


@pytest.mark.parametrize("body", [[], {"ops": []}, {"base_version": "3", "ops": []}, {"base_version": 0, "ops": []},
                                  {"base_version": True, "ops": []}])
def test_it_needs_a_base_version(world: World, body: object) -> None:
    response = post(world, body)
    assert response.status_code == 400
    assert response.json()["error"]["details"][0]["path"] in ("base_version", "")


def test_malformed_json_gets_the_common_error_shape(world: World) -> None:
    response = world.client("editor").post(
        f"/api/v1/diagrams/{world.diagram.pk}/ops/", data=b'{"base_version": 1, "ops": [', content_type="application/json"
    )
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "invalid"
