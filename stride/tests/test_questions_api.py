"""GET /threat-models/{id}/questions/: what the model's unconfirmed threats wait on, one question per
element or flow and property, and answering one through the diagram's write path (issue 11)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from django.conf import settings

from conftest import World
from dfd.models import Diagram
from stride.models import Threat

pytestmark = pytest.mark.django_db

DEMO = Path(settings.BASE_DIR) / "fixtures" / "demo" / "online-shop.json"


@pytest.fixture
def shop(world: World) -> dict[str, Any]:
    """The demo model imported into the world's team; its analysis leaves findings waiting on answers."""
    response = world.client("editor").post(f"/api/v1/threat-models/import/?team={world.team.pk}", data=DEMO.read_bytes(),
                                           content_type="application/json")
    assert response.status_code == 201, response.json()
    model_id = response.json()["threat_model"]["id"]
    assert world.client("editor").post(f"/api/v1/threat-models/{model_id}/analyse/").status_code == 200
    return {"id": model_id, "url": f"/api/v1/threat-models/{model_id}/questions/"}


def by_id(body: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {f"{q['subject']['key']}:{q['property']}": q for q in body["questions"]}


def test_the_questions_are_asked_once_per_subject_and_property_with_their_answers(world: World, shop: dict[str, Any]) -> None:
    response = world.client("viewer").get(shop["url"])
    assert response.status_code == 200
    body = response.json()
    waiting = Threat.objects.filter(threat_model_id=shop["id"], confirmed=False).exclude(status="obsolete")
    assert body["unconfirmed"] == waiting.count() > body["open"] == len(body["questions"]) > 0
    questions = by_id(body)
    validates = questions["apiserver:validates_input"]
    asking = waiting.filter(fingerprint__in=["EL-010@apiserver", "EL-015@apiserver", "INT-006@apiserver@f-kubectl"])
    assert validates["threats"] == sorted(asking.values_list("id", flat=True)) and len(validates["threats"]) == 3
    assert validates["question"] == "Does this process validate input?"
    assert validates["values"] == [True, False] and validates["type"] == "bool"
    assert validates["subject"]["kind"] == "process" and validates["subject"]["name"] == "Kubernetes API server"
    classification = questions["storefront:data_classification"]
    assert classification["values"] == ["public", "internal", "confidential", "restricted"]
    flow = questions["f-browse:destination_authenticated"]
    assert flow["subject"]["kind"] == "flow" and flow["question"] == "Is this flow destination authenticated?"
    assert all(q["subject"]["diagram"] == Diagram.objects.get(threat_model_id=shop["id"]).pk for q in body["questions"])


def test_an_answer_through_the_ops_endpoint_settles_the_question(world: World, shop: dict[str, Any]) -> None:
    before = world.client("viewer").get(shop["url"]).json()
    question = by_id(before)["f-browse:destination_authenticated"]
    diagram = Diagram.objects.get(pk=question["subject"]["diagram"])
    ops = [{"op": "update_flow", "key": "f-browse", "properties": {"destination_authenticated": False}}]
    refused = world.client("viewer").post(f"/api/v1/diagrams/{diagram.pk}/ops/", data={"base_version": diagram.version, "ops": ops},
                                          format="json")
    assert refused.status_code == 403
    assert world.client("viewer").get(shop["url"]).json() == before  # nothing changed
    answered = world.client("editor").post(f"/api/v1/diagrams/{diagram.pk}/ops/", data={"base_version": diagram.version, "ops": ops},
                                           format="json")
    assert answered.status_code == 200, answered.json()
    after = world.client("viewer").get(shop["url"]).json()
    assert "f-browse:destination_authenticated" not in by_id(after) and after["open"] == before["open"] - 1
    threat = Threat.objects.get(pk=question["threats"][0])
    assert threat.confirmed and threat.questions == []


def test_a_property_drawn_before_the_analysis_caught_up_is_not_asked(world: World, shop: dict[str, Any]) -> None:
    threat = Threat.objects.get(threat_model_id=shop["id"], fingerprint="EL-004@etcd")
    assert "etcd:backed_up" in by_id(world.client("viewer").get(shop["url"]).json())
    element = threat.element
    assert element is not None
    element.properties = {**element.properties, "backed_up": True}  # as a queued analysis leaves it for a moment
    element.save(update_fields=["properties"])
    assert "etcd:backed_up" not in by_id(world.client("viewer").get(shop["url"]).json())


def test_an_outsider_gets_404_and_a_model_without_unknowns_asks_nothing(world: World, shop: dict[str, Any]) -> None:
    assert world.client("outsider").get(shop["url"]).status_code == 404
    Threat.objects.filter(threat_model_id=shop["id"]).update(confirmed=True, questions=[])
    assert world.client("viewer").get(shop["url"]).json() == {"threat_model": shop["id"], "open": 0, "unconfirmed": 0, "questions": []}
