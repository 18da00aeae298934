"""Reusable components end to end through the API (issue 17, item 2): save a selection, drop it elsewhere."""

from __future__ import annotations

from typing import Any

import pytest

from conftest import World
from dfd.models import Diagram, Element, Flow
from library.models import Component
from stride.choices import ThreatOrigin
from stride.models import Threat
from threatmodel.analysis import threat_model_analyse
from threatmodel.diagrams import diagram_change
from threatmodel.models import AuditEvent, ThreatModel

pytestmark = pytest.mark.django_db

SELECTION = {"elements": ["tb-app", "web", "db"], "flows": ["f1", "f2"]}


def save(world: World, persona: str = "editor", **more: object) -> Any:
    body = {"diagram": world.diagram.pk, "name": "Web and its database", **SELECTION, **more}
    return world.client(persona).post("/api/v1/components/", body, format="json")


def target(world: World) -> Diagram:
    """A second model of the team, with a boundary to drop into."""
    model = ThreatModel.objects.create(team=world.team, name="Second app", created_by=world.users["owner"])
    diagram = Diagram.objects.create(threat_model=model, name="Level 0")
    ops = [{"op": "add_element", "key": "tb-cluster", "kind": "trust_boundary", "name": "Cluster", "x": 50, "y": 60,
            "width": 900, "height": 600}]  # fmt: skip
    diagram_change(actor=None, diagram_id=diagram.pk, base_version=1, ops=ops)
    diagram.refresh_from_db()
    return diagram


def insert(world: World, diagram: Diagram, component: int, persona: str = "editor", **more: object) -> Any:
    body = {"component": component, "x": 40, "y": 50, "base_version": diagram.version, **more}
    return world.client(persona).post(f"/api/v1/diagrams/{diagram.pk}/insert-component/", body, format="json")


def test_saving_keeps_the_selected_elements_their_nesting_and_the_flows_inside_it(world: World) -> None:
    response = save(world)
    assert response.status_code == 201, response.content[:500]
    row = response.json()
    assert row["team"] == world.team.pk and row["element_count"] == 3 and row["flow_count"] == 1
    content = Component.objects.get(pk=row["id"]).content
    boundary, web, db = content["elements"]
    assert boundary["kind"] == "trust_boundary" and boundary["parent"] is None and (boundary["x"], boundary["y"]) == (0, 0)
    assert web["parent"] == 0 and (web["x"], web["y"]) == (20, 30) and web["properties"]["runs_as_root"] is True
    assert db["properties"] == {"encrypted": True, "data_classification": "confidential"}
    # f1 comes from the user, who is not selected: left out.
    assert content["flows"] == [{"source": 1, "target": 2, "label": "SQL", "protocol": "postgres", "bidirectional": False,
                                 "description": "", "properties": {}}]  # fmt: skip
    assert "key" not in str(content) and (row["width"], row["height"]) == (400, 300)
    assert AuditEvent.objects.filter(team=world.team, action="component.save").exists()


def test_a_nested_element_selected_without_its_boundary_keeps_its_place_on_the_canvas(world: World) -> None:
    response = save(world, elements=["web", "db"], flows=["f2"])
    content = Component.objects.get(pk=response.json()["id"]).content
    assert [(e["parent"], e["x"], e["y"]) for e in content["elements"]] == [(None, 0, 0), (None, 180, 0)]


def test_dropping_adds_fresh_keys_inside_the_given_boundary_in_one_batch(world: World) -> None:
    component = save(world).json()["id"]
    diagram = target(world)
    first = insert(world, diagram, component, boundary="tb-cluster")
    assert first.status_code == 200, first.content[:500]
    body = first.json()
    assert body["applied"] == 4 and body["version"] == diagram.version + 1 and body["analysis"]["status"] == "done"
    boundary, web, db = (Element.objects.get(diagram=diagram, key=key) for key in body["element_keys"])
    assert boundary.parent is not None and boundary.parent.key == "tb-cluster" and (boundary.x, boundary.y) == (40, 50)
    assert web.parent == boundary and db.parent == boundary and (web.x, web.y) == (20, 30)
    assert (boundary.width, boundary.height) == (400, 300) and web.properties["runs_as_root"] is True
    flow = Flow.objects.get(diagram=diagram, key=body["flow_keys"][0])
    assert (flow.source, flow.target, flow.protocol) == (web, db, "postgres")
    # Again: every drop has its own keys, none of the source's.
    diagram.refresh_from_db()
    second = insert(world, diagram, component).json()
    keys = set(body["element_keys"]) | set(second["element_keys"]) | set(body["flow_keys"]) | set(second["flow_keys"])
    assert len(keys) == 8 and not keys & {"tb-app", "web", "db", "f2"}
    assert Element.objects.filter(diagram=diagram).count() == 7


def test_the_triage_of_the_source_s_threats_is_carried_where_the_rule_and_subject_match(world: World) -> None:
    threat_model_analyse(model_id=world.model.pk)
    on_web = Threat.objects.filter(threat_model=world.model, element_key="web", flow_key="", origin=ThreatOrigin.RULE).order_by("id").first()
    on_flow = Threat.objects.filter(threat_model=world.model, flow_key="f2", origin=ThreatOrigin.RULE).order_by("id").first()
    on_user = Threat.objects.filter(threat_model=world.model, element_key="user", origin=ThreatOrigin.RULE).order_by("id").first()
    assert on_web and on_flow and on_user
    editor = world.client("editor")
    for threat, change in ((on_web, {"notes": "Runs as root until the base image is fixed", "triaged": True}),
                           (on_flow, {"likelihood": 2, "impact": 3, "rationale": "Private network only"}),
                           (on_user, {"notes": "Not in the selection"})):  # fmt: skip
        assert editor.patch(f"/api/v1/threats/{threat.pk}/", change, format="json").status_code == 200
    component = save(world).json()
    assert component["triage_count"] == 2
    diagram = target(world)
    body = insert(world, diagram, component["id"]).json()
    assert body["triage_carried"] == 2, body["triage_not_carried"]
    web_key, flow_key = body["element_keys"][1], body["flow_keys"][0]
    copied = Threat.objects.get(threat_model=diagram.threat_model, element_key=web_key, flow_key="", rule_id=on_web.rule_id, stride=on_web.stride)
    assert copied.notes == "Runs as root until the base image is fixed" and copied.triaged
    rated = Threat.objects.get(threat_model=diagram.threat_model, flow_key=flow_key, element_key=body["element_keys"][2], rule_id=on_flow.rule_id, stride=on_flow.stride)
    assert (rated.likelihood, rated.impact, rated.rationale) == (2, 3, "Private network only")
    others = Threat.objects.filter(threat_model=diagram.threat_model).exclude(pk__in=[copied.pk, rated.pk])
    assert others.exists() and not others.filter(triaged=True).exists() and not others.exclude(notes="").exists()


def test_a_stale_base_version_is_refused_with_409_and_nothing_is_added(world: World) -> None:
    component = save(world).json()["id"]
    diagram = target(world)
    response = insert(world, diagram, component, base_version=diagram.version - 1)
    assert response.status_code == 409 and response.json()["error"]["current_version"] == diagram.version
    assert Element.objects.filter(diagram=diagram).count() == 1


def test_a_bad_parent_refuses_the_whole_batch(world: World) -> None:
    component = save(world).json()["id"]
    diagram = target(world)
    response = insert(world, diagram, component, boundary="no-such-boundary")
    assert response.status_code == 400 and Element.objects.filter(diagram=diagram).count() == 1


def test_members_read_editors_write_and_outsiders_see_nothing(world: World) -> None:
    assert save(world, "viewer").status_code == 403
    component = save(world).json()["id"]
    diagram = target(world)
    viewer = world.client("viewer")
    assert [r["id"] for r in viewer.get("/api/v1/components/").json()["results"]] == [component]
    assert insert(world, diagram, component, "viewer").status_code == 403
    assert viewer.delete(f"/api/v1/components/{component}/").status_code == 403
    outsider = world.client("outsider")
    listed = outsider.get("/api/v1/components/").json()
    assert listed["count"] == 0 and "Web and its database" not in str(listed)
    assert outsider.get(f"/api/v1/components/?team={world.team.pk}").json()["count"] == 0
    assert outsider.delete(f"/api/v1/components/{component}/").status_code == 404
    assert save(world, "outsider").status_code == 404
    assert insert(world, diagram, component, "outsider").status_code == 404
    # The outsider's own diagram cannot take the team's component either.
    own = ThreatModel.objects.create(team=world.other_team, name="Theirs", created_by=world.users["outsider"])
    theirs = Diagram.objects.create(threat_model=own, name="Level 0")
    missing = insert(world, theirs, 999999, "outsider")
    answer = insert(world, theirs, component, "outsider")
    assert answer.status_code == missing.status_code == 404 and answer.json() == missing.json()
    assert Component.objects.count() == 1 and not Element.objects.filter(diagram=theirs).exists()
    assert world.client("editor").delete(f"/api/v1/components/{component}/").status_code == 204
    assert not Component.objects.exists()


@pytest.mark.parametrize(
    ("more", "path"),
    [({"elements": []}, "elements"), ({"elements": ["nope"]}, "elements"), ({"name": " "}, "name"), ({"diagram": "x"}, "diagram")],
)
def test_saving_refuses_bad_selections(world: World, more: dict[str, object], path: str) -> None:
    response = save(world, "editor", **more)
    assert response.status_code == 400 and path in str(response.json()["error"]["details"])
    assert not Component.objects.exists()


def test_the_size_of_a_component_and_the_team_s_count_are_bounded(world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("library.components.MAX_COMPONENT_ELEMENTS", 2)
    assert save(world).status_code == 400
    monkeypatch.setattr("library.components.MAX_COMPONENT_ELEMENTS", 200)
    monkeypatch.setattr("library.components.MAX_TEAM_COMPONENTS", 1)
    assert [save(world).status_code for _ in range(2)] == [201, 400] and Component.objects.count() == 1


def test_the_list_takes_a_fixed_number_of_queries_however_many_components(world: World, django_assert_max_num_queries: Any) -> None:
    for n in range(4):
        save(world, "owner", name=f"Pattern {n}")
    with django_assert_max_num_queries(3):  # the count and the page (with the author), whatever the rows
        assert world.client("viewer").get("/api/v1/components/").json()["count"] == 4
