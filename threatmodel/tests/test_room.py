"""The room's own work (issue 13): manual threats in a threat grammar, the model's About, and
assumptions that reopen what rests on them when they turn out false."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from django.utils import timezone

from conftest import World
from stride.models import Threat
from threatmodel.diagrams import diagram_change
from threatmodel.models import Assumption, AuditEvent, Decision, Mitigation, ThreatMitigation
from threatmodel.reporting import services as report_services
from threatmodel.tests.helpers import add_threat, set_stage
from threatmodel.tests.test_reports import media, pdf_text  # noqa: F401  (the fixture)

pytestmark = pytest.mark.django_db

STATEMENT = {
    "actor": "A tenant with a shell in a pod",
    "precondition": "with the node's kubelet port reachable",
    "action": "reads other tenants' secrets",
    "impact": "leading to loss of confidentiality of card data",
}


def _manual(world: World, **extra: Any) -> dict[str, Any]:
    body = {"threat_model": world.model.pk, "stride": "I", "title": "Tenant reads secrets", "element": "web", "statement": STATEMENT}
    body.update(extra)
    response = world.client("editor").post("/api/v1/threats/", body, format="json")
    assert response.status_code == 201, response.content
    made: dict[str, Any] = response.json()
    return made


def test_a_manual_threat_keeps_its_grammar_parts_and_subject(world: World) -> None:
    made = _manual(world)
    assert made["origin"] == "manual" and made["statement"] == STATEMENT and made["element_key"] == "web"
    assert world.client("viewer").get(f"/api/v1/threats/{made['id']}/").json()["statement"] == STATEMENT


@pytest.mark.parametrize(
    ("statement", "path"),
    [({"actor": "x", "motive": "money"}, "motive"), ({"impact": "x" * 1_001}, "impact"), ("a tenant", "statement")],
)
def test_a_bad_statement_is_refused_and_nothing_is_written(world: World, statement: Any, path: str) -> None:
    before = Threat.objects.count()
    response = world.client("editor").post(
        "/api/v1/threats/", {"threat_model": world.model.pk, "stride": "I", "title": "T", "statement": statement}, format="json"
    )
    assert response.status_code == 400
    assert path in response.content.decode()
    assert Threat.objects.count() == before


def test_editing_a_manual_threat_changes_its_parts_and_moves_it_to_a_flow(world: World) -> None:
    made = _manual(world)
    changed = {**STATEMENT, "impact": "leading to fraud"}
    response = world.client("editor").patch(
        f"/api/v1/threats/{made['id']}/",
        {"statement": changed, "element": "", "flow": "f2", "title": "Tenant reads secrets on SQL", "stride": "T"},
        format="json",
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["statement"] == changed and body["flow_key"] == "f2" and body["element_key"] == "" and body["element"] is None
    assert body["stride"] == "T" and body["flow"] is not None
    event = AuditEvent.objects.filter(action="threat.update", threat_id=made["id"]).latest("id")
    assert event.before is not None and event.after is not None
    assert event.before["statement"] == STATEMENT and event.after["statement"] == changed


def test_a_subject_not_in_the_model_is_refused(world: World) -> None:
    made = _manual(world)
    response = world.client("editor").patch(f"/api/v1/threats/{made['id']}/", {"flow": "nope"}, format="json")
    assert response.status_code == 400 and "nope" in response.content.decode()
    assert Threat.objects.get(pk=made["id"]).flow_key == ""


def test_a_generated_threats_statement_is_the_rules(world: World) -> None:
    rule = add_threat(world, "B-P-E@web")
    response = world.client("editor").patch(f"/api/v1/threats/{rule.pk}/", {"statement": STATEMENT}, format="json")
    assert response.status_code == 400 and "is set by the rule" in response.content.decode()


def test_viewers_cannot_write_threats_and_editors_delete_manual_ones(world: World) -> None:
    made = _manual(world)
    assert world.client("viewer").patch(f"/api/v1/threats/{made['id']}/", {"title": "x"}, format="json").status_code == 403
    assert world.client("viewer").delete(f"/api/v1/threats/{made['id']}/").status_code == 403
    assert world.client("outsider").delete(f"/api/v1/threats/{made['id']}/").status_code == 404
    assert world.client("editor").delete(f"/api/v1/threats/{made['id']}/").status_code == 204
    assert not Threat.objects.filter(pk=made["id"]).exists()


def test_a_manual_threat_survives_re_analysis(world: World) -> None:
    made = _manual(world)
    world.diagram.refresh_from_db()
    diagram_change(
        analyse=True, diagram_id=world.diagram.pk, actor=world.users["editor"], base_version=world.diagram.version,
        ops=[{"op": "update_element", "key": "web", "properties": {"privileged": True}}],
    )
    threat = Threat.objects.get(pk=made["id"])
    assert threat.status == "open" and threat.statement == STATEMENT and threat.element_key == "web"
    assert Threat.objects.filter(threat_model=world.model, origin="rule").exists()


# --- About -------------------------------------------------------------------------------------------------------


def test_about_is_editable_by_editors_and_read_only_for_viewers(world: World) -> None:
    about = {"description": "Checkout for the web shop", "scope": "The shop namespace", "out_of_scope": "The payment provider"}
    assert world.client("viewer").patch(f"/api/v1/threat-models/{world.model.pk}/", about, format="json").status_code == 403
    assert world.client("outsider").patch(f"/api/v1/threat-models/{world.model.pk}/", about, format="json").status_code == 404
    response = world.client("editor").patch(f"/api/v1/threat-models/{world.model.pk}/", about, format="json")
    assert response.status_code == 200
    assert {k: response.json()[k] for k in about} == about
    assert world.client("viewer").get(f"/api/v1/threat-models/{world.model.pk}/").json()["out_of_scope"] == "The payment provider"


def test_the_report_prints_about_scope_and_assumptions(world: World, media: Path, tmp_path: Path) -> None:  # noqa: F811
    world.model.description = "Checkout for the web shop"
    world.model.scope = "The shop namespace and its database"
    world.model.out_of_scope = "The payment provider"
    world.model.save()
    assumption = Assumption.objects.create(threat_model=world.model, text="Only the gateway is exposed")
    assumption.elements.add(world.diagram.elements.get(key="web"))
    report, _ = report_services.report_request(actor=world.users["owner"], threat_model=world.model)
    done = report_services.report_generate(report_id=report.pk)
    assert done is not None
    text = pdf_text(done.file.read(), tmp_path)
    assert "No scope recorded." not in text
    assert "The shop namespace and its database" in text and "The payment provider" in text and "Checkout for the web shop" in text
    assert "Only the gateway is exposed" in text and "About: Web" in text


# --- assumptions ---------------------------------------------------------------------------------------------------


def _assumption(world: World, **links: Any) -> dict[str, Any]:
    body = {"threat_model": world.model.pk, "text": "The mesh enforces mTLS between pods", **links}
    response = world.client("editor").post("/api/v1/assumptions/", body, format="json")
    assert response.status_code == 201, response.content
    made: dict[str, Any] = response.json()
    return made


def test_an_assumption_links_elements_flows_threats_and_mitigations(world: World) -> None:
    threat = add_threat(world, "B-P-T@web")
    mitigation = Mitigation.objects.create(threat_model=world.model, ref="MIT-1", title="mTLS", status="planned")
    made = _assumption(world, elements=["web"], flows=["f2"], threats=[threat.pk], mitigations=[mitigation.pk])
    assert made["elements"] == ["web"] and made["flows"] == ["f2"] and made["threats"] == [threat.pk]
    assert made["mitigations"] == [mitigation.pk] and made["status"] == "holds"
    listed = world.client("viewer").get(f"/api/v1/assumptions/?threat_model={world.model.pk}").json()
    assert [row["id"] for row in listed["results"]] == [made["id"]]
    assert world.client("outsider").get("/api/v1/assumptions/").json()["results"] == []
    patched = world.client("editor").patch(f"/api/v1/assumptions/{made['id']}/", {"text": "Istio STRICT mTLS", "flows": []}, format="json")
    assert patched.status_code == 200 and patched.json()["text"] == "Istio STRICT mTLS" and patched.json()["flows"] == []
    assert AuditEvent.objects.filter(action="assumption.update", object_id=str(made["id"])).exists()


@pytest.mark.parametrize(
    ("links", "path"),
    [({"elements": ["ghost"]}, "elements"), ({"threats": [999_999]}, "threats"), ({"text": "  "}, "text"), ({"mitigations": ["x"]}, "mitigations")],
)
def test_a_bad_assumption_is_refused_and_nothing_is_written(world: World, links: dict[str, Any], path: str) -> None:
    body = {"threat_model": world.model.pk, "text": "Holds", **links}
    response = world.client("editor").post("/api/v1/assumptions/", body, format="json")
    assert response.status_code == 400 and path in response.content.decode()
    assert not Assumption.objects.exists()


def test_another_models_threat_cannot_be_linked(world: World) -> None:
    from threatmodel.models import ThreatModel

    other = ThreatModel.objects.create(team=world.team, name="Other")
    foreign = Threat.objects.create(threat_model=other, fingerprint="X@1", stride="S", title="Elsewhere")
    response = world.client("editor").post(
        "/api/v1/assumptions/", {"threat_model": world.model.pk, "text": "Holds", "threats": [foreign.pk]}, format="json"
    )
    assert response.status_code == 400 and not Assumption.objects.exists()


def test_an_assumption_turned_false_reopens_what_rests_on_it(world: World) -> None:
    direct = add_threat(world, "B-P-T@web", status="eliminated")
    via_mitigation = add_threat(world, "B-DF-I@f2", stride="I", status="mitigated")
    accepted = add_threat(world, "B-P-D@web", stride="D", status="accepted")
    untouched = add_threat(world, "B-P-S@web", stride="S", status="mitigated")
    still_open = add_threat(world, "B-P-R@web", stride="R")
    decision = Decision.objects.create(
        threat_model=world.model, threat=accepted, kind="acceptance", justification="low", expires_on=timezone.localdate() + timedelta(days=30)
    )
    mitigation = Mitigation.objects.create(threat_model=world.model, ref="MIT-1", title="mTLS", status="verified")
    ThreatMitigation.objects.create(mitigation=mitigation, threat=via_mitigation)
    made = _assumption(world, threats=[direct.pk, accepted.pk, still_open.pk], mitigations=[mitigation.pk])

    assert world.client("viewer").post(f"/api/v1/assumptions/{made['id']}/falsify/", {}, format="json").status_code == 403
    assert Threat.objects.get(pk=direct.pk).status == "eliminated"

    response = world.client("editor").post(f"/api/v1/assumptions/{made['id']}/falsify/", {"reason": "the pen test found plain HTTP"}, format="json")
    assert response.status_code == 200, response.content
    body = response.json()
    assert sorted(body["reopened"]) == sorted([direct.pk, via_mitigation.pk, accepted.pk])
    assert body["assumption"]["status"] == "false" and body["assumption"]["falsified_by"] == "editor"
    statuses = dict(Threat.objects.filter(threat_model=world.model).values_list("pk", "status"))
    assert statuses[direct.pk] == statuses[via_mitigation.pk] == statuses[accepted.pk] == "open"
    assert statuses[untouched.pk] == "mitigated" and statuses[still_open.pk] == "open"
    decision.refresh_from_db()
    assert decision.status == "revoked" and "turned out false" in decision.end_reason
    falsify = AuditEvent.objects.get(action="assumption.falsify")
    assert falsify.after is not None
    assert falsify.after["reopened_threats"] == body["reopened"] and falsify.actor == world.users["editor"]
    reopen = AuditEvent.objects.get(action="threat.reopen", threat_id=accepted.pk)
    assert reopen.after is not None
    assert reopen.before == {"status": "accepted"} and reopen.after["revoked_decisions"] == [decision.pk]

    again = world.client("editor").post(f"/api/v1/assumptions/{made['id']}/falsify/", {}, format="json")
    assert again.status_code == 409


def test_an_approved_model_refuses_assumption_changes(world: World) -> None:
    threat = add_threat(world, "B-P-T@web", status="eliminated")
    made = _assumption(world, threats=[threat.pk])
    set_stage(world.model, "approved")
    response = world.client("editor").post(f"/api/v1/assumptions/{made['id']}/falsify/", {}, format="json")
    assert response.status_code == 409
    assert Threat.objects.get(pk=threat.pk).status == "eliminated"
    assert Assumption.objects.get(pk=made["id"]).status == "holds"


# --- the native format keeps them ----------------------------------------------------------------------------------


def test_the_native_format_round_trips_out_of_scope_and_the_statement(world: World) -> None:
    from common.errors import ValidationFailed
    from threatmodel.native import native_export, native_import_data

    world.model.out_of_scope = "The payment provider"
    world.model.save()
    made = _manual(world)
    document = native_export(world.model)
    assert document["threat_model"]["out_of_scope"] == "The payment provider"
    copy, _ = native_import_data(actor=world.users["editor"], team=world.team, data=document, name="Copy")
    assert copy.out_of_scope == "The payment provider"
    assert Threat.objects.get(threat_model=copy, fingerprint=made["fingerprint"]).statement == STATEMENT
    bad = {**document, "threats": [{**document["threats"][0], "statement": {"motive": "money"}}]}
    with pytest.raises(ValidationFailed) as refused:
        native_import_data(actor=world.users["editor"], team=world.team, data=bad, name="Bad")
    assert any(detail["path"].endswith("statement.motive") for detail in refused.value.details)
