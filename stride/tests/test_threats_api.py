"""The threats API: filters, triage, manual threats, explanations, coverage, rules and the catalogue."""

from __future__ import annotations

import pytest

from conftest import World
from stride.models import Threat
from threatmodel.analysis import threat_model_analyse

pytestmark = pytest.mark.django_db


@pytest.fixture
def analysed(world: World) -> World:
    threat_model_analyse(model_id=world.model.pk)
    return world


def keys(response) -> set[str]:
    return {t["fingerprint"] for t in response.json()["results"]}


def test_filters_by_stride_element_flow_rule_and_status(analysed: World) -> None:
    client = analysed.client("viewer")
    base = f"/api/v1/threats/?threat_model={analysed.model.pk}&page_size=500"
    assert all(f.startswith(("K8S-004@web", "B-PR-", "INT-", "EL-014@web")) and "@web" in f for f in keys(client.get(base + "&element=web&stride=E")))
    assert keys(client.get(base + "&flow=f1")) and all("@f1" in f for f in keys(client.get(base + "&flow=f1")))
    assert keys(client.get(base + "&rule=K8S-004")) == {"K8S-004@web"}
    Threat.objects.filter(fingerprint="K8S-004@web").update(status="mitigated")
    both = keys(client.get(base + "&status=mitigated&status=accepted"))
    assert both == {"K8S-004@web"}


def test_filters_by_technique_and_tactic_include_sub_techniques(analysed: World) -> None:
    client = analysed.client("viewer")
    base = f"/api/v1/threats/?threat_model={analysed.model.pk}&page_size=500"
    assert "K8S-004@web" in keys(client.get(base + "&technique=T1068"))
    # Root alone is not an escape to the host (issue 11): K8S-004 does not claim T1611
    assert "K8S-004@web" not in keys(client.get(base + "&technique=T1611"))
    # A sub-technique given by hand (T1543.005): asking for its parent (T1543) finds the threat
    from stride.models import Technique

    Threat.objects.get(fingerprint="K8S-004@web").techniques.add(Technique.objects.get(attack_id="T1543.005"))
    assert "K8S-004@web" in keys(client.get(base + "&technique=T1543"))
    assert "K8S-004@web" not in keys(client.get(base + "&technique=T1552"))
    by_tactic = keys(client.get(base + "&tactic=TA0004"))
    assert "K8S-004@web" in by_tactic and by_tactic == keys(client.get(base + "&tactic=privilege-escalation"))


def test_triage_keeps_to_the_rules(analysed: World) -> None:
    client = analysed.client("editor")
    threat = Threat.objects.get(fingerprint="K8S-004@web")
    url = f"/api/v1/threats/{threat.pk}/"
    refused = client.patch(url, {"status": "not_applicable"}, format="json")
    assert refused.status_code == 400 and refused.json()["error"]["details"][0]["path"] == "rationale"
    ok = client.patch(url, {"status": "not_applicable", "rationale": "The image drops to UID 10001 at start", "likelihood": 2,
                            "impact": 3, "owner": analysed.users["editor"].pk, "triaged": True}, format="json")
    assert ok.status_code == 200 and ok.json()["status"] == "not_applicable" and ok.json()["inherent_score"] == 6
    assert client.patch(url, {"status": "accepted"}, format="json").json()["error"]["details"][0]["path"] == "status"
    assert client.patch(url, {"title": "My own title"}, format="json").json()["error"]["details"][0]["message"] == "is set by the rule"
    assert client.patch(url, {"owner": analysed.users["outsider"].pk}, format="json").status_code == 400
    assert client.patch(url, {"likelihood": 7}, format="json").status_code == 400
    other = Threat.objects.filter(threat_model=analysed.model).exclude(pk=threat.pk).first()
    assert other is not None
    assert client.patch(url, {"duplicate_of": other.pk}, format="json").status_code == 200
    assert client.patch(url, {"duplicate_of": threat.pk}, format="json").status_code == 400
    from threatmodel.models import AuditEvent

    assert AuditEvent.objects.filter(action="threat.update", object_id=str(threat.pk)).count() == 2


def test_manual_threats_are_written_and_deleted_by_people(analysed: World) -> None:
    client = analysed.client("editor")
    created = client.post("/api/v1/threats/", {"threat_model": analysed.model.pk, "stride": "S", "title": "Phished operator",
                                               "element": "user", "techniques": ["T1078"]}, format="json")
    assert created.status_code == 201
    body = created.json()
    assert body["origin"] == "manual" and body["techniques"] == ["T1078"] and body["element_key"] == "user"
    assert client.patch(f"/api/v1/threats/{body['id']}/", {"title": "Phished admin"}, format="json").json()["title"] == "Phished admin"
    bad = client.post("/api/v1/threats/", {"threat_model": analysed.model.pk, "stride": "S", "title": "x", "techniques": ["T9999"]},
                      format="json")
    assert bad.status_code == 400 and "T9999" in bad.json()["error"]["details"][0]["message"]
    ghost = client.post("/api/v1/threats/", {"threat_model": analysed.model.pk, "stride": "S", "title": "x", "element": "ghost"},
                        format="json")
    assert ghost.status_code == 400 and ghost.json()["error"]["details"][0]["path"] == "element"
    assert client.delete(f"/api/v1/threats/{body['id']}/").status_code == 204
    generated = Threat.objects.get(fingerprint="K8S-004@web")
    assert client.delete(f"/api/v1/threats/{generated.pk}/").status_code == 400


def test_the_explanation_names_the_rule_and_what_matched(analysed: World) -> None:
    threat = Threat.objects.get(fingerprint="K8S-004@web")
    body = analysed.client("viewer").get(f"/api/v1/threats/{threat.pk}/explanation/").json()
    assert body["rule"]["id"] == "K8S-004" and body["rule"]["condition"] == "runs_as_root = true"
    assert body["matched"] == ["Web: runs_as_root = true"] and body["target"] == {"element": "web", "flow": None}


def test_coverage_and_coverage_notes(analysed: World) -> None:
    client = analysed.client("editor")
    coverage = client.get(f"/api/v1/threat-models/{analysed.model.pk}/coverage/").json()
    assert coverage["covered"] == coverage["total"] == 17  # the baseline covers every cell
    note = client.post("/api/v1/coverage-notes/", {"threat_model": analysed.model.pk, "target": "db", "stride": "D",
                                                    "reason": "Managed service with an SLA"}, format="json")
    assert note.status_code == 201 and note.json()["target"] == "db"
    for bad, path in (({"target": "tb-app"}, "target"), ({"reason": "  "}, "reason"), ({"stride": "X"}, "stride")):
        body = {"threat_model": analysed.model.pk, "target": "db", "stride": "D", "reason": "r", **bad}
        response = client.post("/api/v1/coverage-notes/", body, format="json")
        assert response.status_code == 400 and response.json()["error"]["details"][0]["path"] == path
    client.post(f"/api/v1/threat-models/{analysed.model.pk}/analyse/")
    cells = client.get(f"/api/v1/threat-models/{analysed.model.pk}/coverage/").json()["cells"]
    db_d = next(c for c in cells if c["target"] == "db" and c["stride"] == "D")
    assert db_d["note"] == "Managed service with an SLA" and db_d["threats"] == [] and db_d["covered"]


def test_analyse_answers_counts(analysed: World) -> None:
    response = analysed.client("editor").post(f"/api/v1/threat-models/{analysed.model.pk}/analyse/")
    assert response.status_code == 200
    assert response.json()["new"] == 0 and response.json()["kept"] > 0


def test_the_rule_library_is_served_with_its_fixture_examples(world: World) -> None:
    client = world.client("viewer")
    listing = client.get("/api/v1/rules/?stride=E&target=process").json()
    assert listing["count"] >= 5 and all(r["stride"] == "E" for r in listing["results"])
    rule = client.get("/api/v1/rules/GW-001/").json()
    assert rule["layer"] == "specific" and rule["fixture"]["fires"] == [{"key": "orders-db", "name": "Orders DB"}]
    assert "reachable from" in rule["condition_text"]
    assert client.get("/api/v1/rules/NOPE-1/").status_code == 404


def test_the_attack_catalogue_is_browsable(world: World) -> None:
    client = world.client("viewer")
    technique = client.get("/api/v1/techniques/T1611/").json()
    assert technique["tactics"] == ["privilege-escalation"] and "M1048" in technique["mitigations"]
    sub = client.get("/api/v1/techniques/T1552.007/").json()
    assert sub["parent"] == "T1552"
    tactics = client.get("/api/v1/tactics/").json()
    assert [t["attack_id"] for t in tactics][:3] == ["TA0001", "TA0002", "TA0003"]


def test_attack_paths_endpoint(world: World) -> None:
    body = world.client("viewer").get(f"/api/v1/threat-models/{world.model.pk}/attack-paths/?k=2").json()
    assert "user" in body["entry_points"] and "db" in body["crown_jewels"]
    # web is an entry point too: it receives a flow over a public network; its one hop to db is cheapest
    assert body["paths"][0]["nodes"] == ["web", "db"] and body["paths"][0]["flows"] == ["f2"]
    assert world.client("viewer").get(f"/api/v1/threat-models/{world.model.pk}/attack-paths/?k=99").status_code == 400


def test_a_generated_threat_carries_its_rule_s_techniques_without_storing_copies(analysed: World) -> None:
    threat = Threat.objects.get(fingerprint="K8S-004@web")
    assert not threat.techniques.exists()  # nothing stored: read from the rule library
    client = analysed.client("viewer")
    assert client.get(f"/api/v1/threats/{threat.pk}/").json()["techniques"] == ["T1068"]
    doc = client.get(f"/api/v1/threat-models/{analysed.model.pk}/document/").json()
    from threatmodel.document_threats import threat_rows

    assert next(t for t in threat_rows(doc["threats"]) if t["fingerprint"] == "K8S-004@web")["techniques"] == ["T1068"]
    from stride.models import Technique

    threat.techniques.add(Technique.objects.get(attack_id="T1611"))  # a person adds one: it joins the rule's
    assert client.get(f"/api/v1/threats/{threat.pk}/").json()["techniques"] == ["T1068", "T1611"]
