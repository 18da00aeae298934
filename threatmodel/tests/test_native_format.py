"""The native JSON format: exact round trips, and imports that are all-or-nothing with path-named errors."""

from __future__ import annotations

import copy
import io
import json
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings

from conftest import World
from dfd.models import Element, Flow
from stride.models import Technique, Threat
from threatmodel.document_threats import threat_rows
from threatmodel.models import ThreatModel
from threatmodel.native import native_export

pytestmark = pytest.mark.django_db

DEMO = Path(settings.BASE_DIR) / "fixtures" / "demo" / "online-shop.json"


def import_json(world: World, payload: bytes, persona: str = "editor", **params: Any) -> Any:
    query = "&".join(f"{k}={v}" for k, v in {"team": world.team.pk, **params}.items())
    return world.client(persona).post(f"/api/v1/threat-models/import/?{query}", data=payload, content_type="application/json")


def nothing_written(before: int) -> bool:
    return ThreatModel.objects.count() == before


def test_export_import_export_gives_the_same_document(world: World, threat: Threat) -> None:
    threat.owner = world.users["editor"]
    threat.notes = "Seen in the 2026 workshop"
    threat.explanation = {"matched": ["privileged"]}
    threat.save()
    first = world.client("viewer").get(f"/api/v1/threat-models/{world.model.pk}/export/?format=json")
    assert first.status_code == 200
    assert first["Content-Disposition"].startswith("attachment;")
    response = import_json(world, first.content)
    assert response.status_code == 201, response.json()
    assert response.json()["warnings"] == []
    new_id = response.json()["threat_model"]["id"]
    second = world.client("viewer").get(f"/api/v1/threat-models/{new_id}/export/?format=json")
    assert json.loads(second.content) == json.loads(first.content)


def test_an_unconfirmed_threat_keeps_its_questions_through_export_and_import(world: World, threat: Threat) -> None:
    threat.confirmed = False
    threat.questions = ["Is this process audit logged?", "Does this process validate input?"]
    threat.explanation = {"rule": "TEST-1", "confirmed": False, "assumed": {"audit_logged": False}}
    threat.save()
    confirmed = Threat.objects.create(threat_model=world.model, fingerprint="TEST-2@web", rule_id="TEST-2", origin="rule",
                                      stride="T", element_key="web", title="Tampering with the web container")
    first = world.client("viewer").get(f"/api/v1/threat-models/{world.model.pk}/export/?format=json")
    rows = {row["fingerprint"]: row for row in json.loads(first.content)["threats"]}
    assert rows[threat.fingerprint]["confirmed"] is False
    assert rows[threat.fingerprint]["questions"] == ["Is this process audit logged?", "Does this process validate input?"]
    assert rows[confirmed.fingerprint]["confirmed"] is True and rows[confirmed.fingerprint]["questions"] == []
    response = import_json(world, first.content)
    assert response.status_code == 201, response.json()
    copied = Threat.objects.get(threat_model_id=response.json()["threat_model"]["id"], fingerprint=threat.fingerprint)
    assert copied.confirmed is False and copied.questions == threat.questions
    second = world.client("viewer").get(f"/api/v1/threat-models/{copied.threat_model_id}/export/?format=json")
    assert json.loads(second.content) == json.loads(first.content)
    document = world.client("viewer").get(f"/api/v1/threat-models/{world.model.pk}/document/").json()
    in_document = next(row for row in threat_rows(document["threats"]) if row["fingerprint"] == threat.fingerprint)
    assert in_document["confirmed"] is False and in_document["questions"] == threat.questions


def test_a_file_from_before_questions_imports_its_threats_as_confirmed(world: World) -> None:
    doc = base_doc()
    doc["threats"] = [{"fingerprint": "MANUAL@storefront", "stride": "T", "title": "Tampering", "element": "storefront"}]
    response = import_json(world, json.dumps(doc).encode())
    assert response.status_code == 201, response.json()
    imported = Threat.objects.get(threat_model_id=response.json()["threat_model"]["id"])
    assert imported.confirmed is True and imported.questions == []


def test_the_demo_model_round_trips(world: World) -> None:
    response = import_json(world, DEMO.read_bytes())
    assert response.status_code == 201, response.json()
    model = ThreatModel.objects.get(pk=response.json()["threat_model"]["id"])
    exported = native_export(model)
    assert exported == json.loads(DEMO.read_text())


def test_import_through_a_multipart_upload(world: World) -> None:
    upload = io.BytesIO(DEMO.read_bytes())
    upload.name = "shop.json"
    response = world.client("owner").post(
        "/api/v1/threat-models/import/", data={"team": world.team.pk, "file": upload, "name": "Shop copy"}, format="multipart"
    )
    assert response.status_code == 201, response.json()
    assert response.json()["threat_model"]["name"] == "Shop copy"


def test_a_model_in_a_later_stage_is_imported_in_design_with_a_warning(world: World) -> None:
    doc = json.loads(DEMO.read_text())
    doc["threat_model"]["stage"] = "approved"
    response = import_json(world, json.dumps(doc).encode())
    assert response.status_code == 201
    assert response.json()["threat_model"]["stage"] == "design"
    assert "starts in design" in response.json()["warnings"][0]


def base_doc() -> dict[str, Any]:
    doc: dict[str, Any] = json.loads(DEMO.read_text())
    return doc


def broken(mutate: Any) -> bytes:
    doc = copy.deepcopy(base_doc())
    mutate(doc)
    return json.dumps(doc).encode()


def _set(path: list[Any], value: Any) -> Any:
    def mutate(doc: dict[str, Any]) -> None:
        target = doc
        for part in path[:-1]:
            target = target[part]
        target[path[-1]] = value

    return mutate


@pytest.mark.parametrize(
    ("payload", "path", "fragment"),
    [
        (b"", "$", "no content"),
        (b'{"format": "threatmodel/native", "diagrams": [', "$", "line 1"),
        (b"\xff\xfe not utf8", "$", "invalid byte"),
        (b"[1, 2, 3]", "$", "must be an object"),
        (b'{"format": "something-else"}', "format", "must be 'threatmodel/native'"),
        (broken(_set(["format_version"], 99)), "format_version", "reads version 1"),
        (broken(_set(["threat_model", "name"], "")), "threat_model.name", "must not be empty"),
        (broken(_set(["threat_model", "name"], "x" * 5000)), "threat_model.name", "at most 200"),
        (broken(_set(["threat_model", "stage"], "done")), "threat_model.stage", "must be one of"),
        (broken(_set(["diagrams"], {"not": "a list"})), "diagrams", "must be a list"),
        (broken(_set(["diagrams", 0, "elements", 3, "kind"], "actor")), "diagrams[0].elements[3].kind", "must be one of"),
        (broken(_set(["diagrams", 0, "elements", 13, "properties", "privileged"], "very")),
         "diagrams[0].elements[13].properties.privileged", "true, false"),
        (broken(_set(["diagrams", 0, "flows", 2, "target"], "nowhere")), "diagrams[0].flows[2].target", "no element 'nowhere'"),
        (broken(_set(["diagrams", 0, "elements", 7, "key"], "customer")), "diagrams[0].elements[7].key", "already used"),
        (broken(_set(["diagrams", 0, "elements", 15, "parent"], "ingress")), "diagrams[0].elements[15].parent",
         "only a trust boundary"),
        (broken(_set(["diagrams", 0, "elements", 0, "name"], "A" * 1_000_000)), "diagrams[0].elements[0].name", "at most 200"),
        (broken(_set(["threats"], [{"fingerprint": "x", "stride": "Q", "title": "t"}])), "threats[0].stride", "must be one of"),
        (broken(_set(["threats"], [{"fingerprint": "x", "stride": "S", "title": "t", "techniques": ["T9999"]}])),
         "threats[0].techniques[0]", "not in the ATT&CK catalogue"),
        (broken(_set(["threats"], [{"fingerprint": "x", "stride": "S", "title": "t"}, {"fingerprint": "x", "stride": "S", "title": "t"}])),
         "threats[1].fingerprint", "appears twice"),
        (broken(_set(["threats"], [{"fingerprint": "x", "stride": "S", "title": "t", "likelihood": 9}])),
         "threats[0].likelihood", "from 1 to 5"),
        (broken(_set(["threats"], [{"fingerprint": "x", "stride": "S", "title": "t", "explanation": {"a": "b" * 30_000}}])),
         "threats[0].explanation", "at most 20000 bytes"),
        (broken(_set(["threats"], [{"fingerprint": "x", "stride": "S", "title": "t", "confirmed": "no", "questions": ["Q?"]}])),
         "threats[0].confirmed", "true or false"),
        (broken(_set(["threats"], [{"fingerprint": "x", "stride": "S", "title": "t", "confirmed": False, "questions": "Q?"}])),
         "threats[0].questions", "must be a list"),
        (broken(_set(["threats"], [{"fingerprint": "x", "stride": "S", "title": "t", "confirmed": False, "questions": [7]}])),
         "threats[0].questions[0]", "must be a question"),
        (broken(_set(["threats"], [{"fingerprint": "x", "stride": "S", "title": "t", "confirmed": False}])),
         "threats[0].questions", "at least one question"),
        (broken(_set(["threats"], [{"fingerprint": "x", "stride": "S", "title": "t", "questions": ["Is it?"]}])),
         "threats[0].questions", "empty when the threat is confirmed"),
        (b"[" * 100_000 + b"]" * 100_000, "$", "levels deep"),
        (broken(_set(["diagrams", 0, "elements", 0, "properties"], {"boundary_type": [[[[[[["deep"]]]]]]]})),
         "diagrams[0].elements[0].properties.boundary_type", "must be one of"),
    ],
)
def test_a_bad_file_is_refused_with_its_path_and_nothing_is_written(world: World, payload: bytes, path: str, fragment: str) -> None:
    before = ThreatModel.objects.count()
    elements = Element.objects.count()
    response = import_json(world, payload)
    assert response.status_code == 400, response.content[:300]
    error = response.json()["error"]
    assert any(d["path"] == path and fragment in d["message"] for d in error["details"]), error
    assert nothing_written(before) and Element.objects.count() == elements


def test_a_file_over_the_limit_is_refused_before_it_is_read(world: World, settings: Any) -> None:
    settings.THREATMODEL_IMPORT_MAX_BYTES = 1000
    before = ThreatModel.objects.count()
    response = import_json(world, b" " * 1001)
    assert response.status_code == 413
    assert response.json()["error"]["code"] == "too_large"
    assert nothing_written(before)


def test_a_100_megabyte_upload_is_refused_from_its_content_length(world: World) -> None:
    # The middleware answers from the header alone: the body is never read.
    client = world.client("editor")
    response = client.generic(
        "POST", f"/api/v1/threat-models/import/?team={world.team.pk}", "{}", content_type="application/json",
        CONTENT_LENGTH=str(100 * 1024 * 1024),
    )
    assert response.status_code == 413


def test_it_needs_a_team_and_a_file(world: World) -> None:
    client = world.client("editor")
    assert client.post("/api/v1/threat-models/import/", data=DEMO.read_bytes(), content_type="application/json").status_code == 400
    response = client.post("/api/v1/threat-models/import/", data={"team": world.team.pk}, format="multipart")
    assert response.status_code == 400 and response.json()["error"]["details"][0]["path"] == "file"


def test_threat_owners_outside_the_team_are_dropped_with_a_warning(world: World, technique: Technique) -> None:
    doc = base_doc()
    doc["threats"] = [
        {"fingerprint": "MANUAL@x", "stride": "E", "title": "Escape", "techniques": ["T1611"], "owner": "stranger", "element": "storefront"},
    ]
    response = import_json(world, json.dumps(doc).encode())
    assert response.status_code == 201
    assert "not a member of this team" in response.json()["warnings"][0]
    threat = Threat.objects.get(threat_model_id=response.json()["threat_model"]["id"])
    assert threat.owner is None and list(threat.techniques.values_list("attack_id", flat=True)) == ["T1611"]
    assert threat.element is not None and threat.element.key == "storefront"


def test_an_import_is_atomic_even_when_a_later_diagram_fails(world: World) -> None:
    doc = base_doc()
    second = copy.deepcopy(doc["diagrams"][0])
    second["name"] = "Copy"
    # Same keys again: refused because keys are unique across the model's diagrams.
    doc["diagrams"].append(second)
    before = (ThreatModel.objects.count(), Element.objects.count(), Flow.objects.count())
    response = import_json(world, json.dumps(doc).encode())
    assert response.status_code == 400
    assert response.json()["error"]["details"][0]["path"].startswith("diagrams[1].elements[")
    assert (ThreatModel.objects.count(), Element.objects.count(), Flow.objects.count()) == before


def test_triage_duplicates_and_coverage_notes_round_trip(world: World) -> None:
    first = Threat.objects.create(threat_model=world.model, fingerprint="A@web", stride="T", title="A", element_key="web",
                                  triaged=True, rationale="Reachable from the internet")
    Threat.objects.create(threat_model=world.model, fingerprint="B@web", stride="T", title="B", element_key="web", duplicate_of=first)
    from stride.models import CoverageNote

    CoverageNote.objects.create(threat_model=world.model, target_key="db", stride="D", reason="Managed service SLA",
                                author=world.users["owner"])
    exported = native_export(world.model)
    response = import_json(world, json.dumps(exported).encode())
    assert response.status_code == 201, response.json()
    again = native_export(ThreatModel.objects.get(pk=response.json()["threat_model"]["id"]))
    assert again == exported
    assert again["threats"][1]["duplicate_of"] == "A@web"
    assert again["coverage_notes"] == [{"target": "db", "stride": "D", "reason": "Managed service SLA", "author": "owner"}]


@pytest.mark.parametrize(
    ("mutate", "path"),
    [
        (lambda d: d["threats"].append({"fingerprint": "x", "stride": "S", "title": "t", "duplicate_of": "nope"}), "threats[0].duplicate_of"),
        (lambda d: d["coverage_notes"].extend([{"target": "db", "stride": "D", "reason": "r"}] * 2), "coverage_notes[1]"),
        (lambda d: d["coverage_notes"].append({"target": "db", "stride": "D", "reason": ""}), "coverage_notes[0].reason"),
    ],
)
def test_bad_triage_data_is_refused(world: World, mutate: Any, path: str) -> None:
    response = import_json(world, broken(mutate))
    assert response.status_code == 400
    assert path in [d["path"] for d in response.json()["error"]["details"]]
