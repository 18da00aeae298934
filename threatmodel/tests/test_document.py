"""The document endpoint: the whole model in one response, in a number of queries that does not grow."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from conftest import World
from dfd.models import Diagram
from stride.models import Technique, Threat
from threatmodel.diagrams import diagram_change
from threatmodel.document_threats import threat_rows

pytestmark = pytest.mark.django_db


def grow(world: World, elements: int, threats: int, prefix: str = "p") -> None:
    second = Diagram.objects.create(threat_model=world.model, name=f"Level {prefix}", order=1)
    ops: list[dict[str, Any]] = [{"op": "add_element", "key": f"{prefix}zone", "kind": "trust_boundary", "name": "Zone"}]
    for i in range(elements):
        ops.append({"op": "add_element", "key": f"{prefix}{i}", "kind": "process", "name": f"P{i}", "parent": f"{prefix}zone",
                    "properties": {"privileged": i % 2 == 0}})
    for i in range(elements - 1):
        ops.append({"op": "add_flow", "key": f"{prefix}fl{i}", "source": f"{prefix}{i}", "target": f"{prefix}{i + 1}"})
    diagram_change(analyse=False, diagram_id=second.pk, actor=None, base_version=1, ops=ops)
    techniques = []
    for i in range(3):
        technique, _ = Technique.objects.get_or_create(attack_id=f"T90{i:02d}", defaults={"stix_id": f"attack-pattern--{i}", "name": f"T{i}"})
        techniques.append(technique)
    for i in range(threats):
        threat = Threat.objects.create(threat_model=world.model, fingerprint=f"R@{prefix}{i}", stride="T", title=f"T{i}",
                                       element_key=f"{prefix}{i}")
        threat.techniques.set(techniques[: i % 3 + 1])


def count_queries(world: World) -> tuple[int, dict[str, Any]]:
    client = world.client("viewer")
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(f"/api/v1/threat-models/{world.model.pk}/document/")
    assert response.status_code == 200
    return len(ctx.captured_queries), response.json()


def test_the_document_holds_everything(world: World, threat: Threat) -> None:
    _, doc = count_queries(world)
    assert doc["id"] == world.model.pk and doc["version"] == world.model.version
    diagram = doc["diagrams"][0]
    assert diagram["version"] == world.diagram.version
    assert [e["key"] for e in diagram["elements"]] == ["tb-app", "tb-inet", "db", "user", "web"]
    assert {f["key"]: (f["source"], f["target"]) for f in diagram["flows"]} == {"f1": ("user", "web"), "f2": ("web", "db")}
    [row] = threat_rows(doc["threats"])
    assert row["techniques"] == ["T1611"] and row["element"] == "web"


def test_the_query_count_does_not_grow_with_the_model(world: World) -> None:
    small, _ = count_queries(world)
    grow(world, elements=300, threats=200)
    large, doc = count_queries(world)
    assert large == small
    assert sum(len(d["elements"]) for d in doc["diagrams"]) == 5 + 301
    assert len(doc["threats"]["id"]) == 200


@pytest.mark.parametrize("url", ["/api/v1/threat-models/", "/api/v1/diagrams/", "/api/v1/elements/", "/api/v1/flows/",
                                 "/api/v1/threats/", "/api/v1/memberships/", "/api/v1/teams/"])
def test_list_endpoints_do_not_issue_a_query_per_row(world: World, url: str) -> None:
    client = world.client("owner")
    grow(world, elements=3, threats=3, prefix="s")
    with CaptureQueriesContext(connection) as ctx:
        client.get(url)
    small = len(ctx.captured_queries)
    grow(world, elements=40, threats=40)
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200
    assert len(ctx.captured_queries) == small, [q["sql"][:120] for q in ctx.captured_queries]


def test_a_rule_s_text_is_sent_once_and_each_threat_carries_only_what_differs(world: World) -> None:
    from threatmodel.analysis import threat_model_analyse

    threat_model_analyse(model_id=world.model.pk)
    editor = world.client("editor")
    manual = editor.post("/api/v1/threats/", {"threat_model": world.model.pk, "stride": "S", "title": "Phished operator",
                                              "element": "user", "techniques": ["T1078"]}, format="json").json()
    _, doc = count_queries(world)
    columns = doc["threats"]
    stored = Threat.objects.filter(threat_model=world.model)
    assert len(columns["id"]) == stored.count()
    assert all(len(columns[name]) == len(columns["id"]) for name in ("rule", "element", "flow", "status", "likelihood", "impact"))
    assert len({(r["rule_id"], r["title"]) for r in columns["rules"]}) == len(columns["rules"]) < len(columns["id"])
    rows = {row["id"]: row for row in threat_rows(columns)}
    for threat in stored:
        row = rows[threat.pk]
        assert (row["fingerprint"], row["rule_id"], row["stride"], row["title"], row["status"]) == (
            threat.fingerprint, threat.rule_id, threat.stride, threat.title, threat.status)
        assert (row["element"], row["flow"], row["confirmed"], row["questions"]) == (
            threat.element_key or None, threat.flow_key or None, threat.confirmed, threat.questions)
        assert row["assumed"] == sorted((threat.explanation or {}).get("assumed", {}))
    assert rows[manual["id"]]["techniques"] == ["T1078"] and rows[manual["id"]]["origin"] == "manual"
    # What only an opened threat shows is left to its full record.
    assert "explanation" not in json.dumps(doc) and "rationale" not in columns["rules"][0]


def test_a_person_s_work_on_a_threat_is_in_the_document(world: World, threat: Threat) -> None:
    other = Threat.objects.create(threat_model=world.model, fingerprint="TEST-1@db", rule_id="TEST-1", origin="rule", stride="E",
                                  element_key="db", title=threat.title, triaged=True, rationale="Reachable", likelihood=2, impact=2,
                                  duplicate_of=threat, confirmed=False, questions=["Is it?"], explanation={"assumed": {"target.x": False}})
    _, doc = count_queries(world)
    rows = {row["id"]: row for row in threat_rows(doc["threats"])}
    assert (rows[other.pk]["triaged"], rows[other.pk]["rated"], rows[other.pk]["duplicate"]) == (True, True, True)
    assert (rows[threat.pk]["triaged"], rows[threat.pk]["rated"], rows[threat.pk]["duplicate"]) == (False, False, False)
    assert rows[other.pk]["questions"] == ["Is it?"] and rows[other.pk]["assumed"] == ["target.x"]
    # The unconfirmed one claims none of the rule's techniques, so it has an entry of its own.
    assert rows[other.pk]["techniques"] == [] and rows[threat.pk]["techniques"] == ["T1611"]
