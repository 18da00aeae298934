"""Model templates end to end through the API (issue 17, item 1)."""

from __future__ import annotations

from typing import Any

import pytest

from conftest import World
from library.models import ModelTemplate
from library.templates import shipped
from stride.models import Threat
from threatmodel.models import AuditEvent, ThreatModel

pytestmark = pytest.mark.django_db

SHIPPED = {"kubernetes-reference", "online-boutique", "sock-shop"}


def start(world: World, persona: str, template: str, **more: object) -> Any:
    return world.client(persona).post(
        "/api/v1/threat-models/from-template/", {"template": template, "team": world.team.pk, **more}, format="json"
    )


def test_the_list_shows_the_three_shipped_templates_with_their_sizes(world: World) -> None:
    body = world.client("viewer").get("/api/v1/templates/").json()
    rows = {row["id"]: row for row in body["results"]}
    assert set(rows) == SHIPPED and body["count"] == 3
    reference = rows["kubernetes-reference"]
    assert reference["provenance"] == "shipped" and reference["team"] is None
    assert reference["name"] == "Reference Kubernetes cluster" and reference["element_count"] >= 40
    assert rows["online-boutique"]["element_count"] > 10 and rows["sock-shop"]["flow_count"] > 0


def test_the_reference_template_has_the_parts_of_the_reference_dfd_with_their_properties() -> None:
    document = shipped()["kubernetes-reference"]
    elements = {e["key"]: e for e in document["diagrams"][0]["elements"]}
    components = {e["properties"].get("component") for e in elements.values()}
    assert {"kube_apiserver", "etcd", "kubelet", "container_runtime", "container_registry", "ci_pipeline",
            "ingress_controller", "workload", "secrets_manager", "cloud_metadata", "source_control"} <= components  # fmt: skip
    boundary_types = {e["properties"]["boundary_type"] for e in elements.values() if e["kind"] == "trust_boundary"}
    assert {"internet", "corporate", "supply_chain", "cluster", "control_plane", "node", "namespace", "pod", "cloud_account"} <= boundary_types
    assert elements["p-app"]["parent"] == "tb-pod-app" and elements["tb-pod-app"]["parent"] == "tb-ns-app"
    flows = {f["key"]: f for f in document["diagrams"][0]["flows"]}
    assert (flows["f32"]["source"], flows["f32"]["target"]) == ("p-app", "ee-metadata")
    assert flows["f12"]["bidirectional"] and flows["f12"]["properties"]["encrypted"] is True


def test_starting_from_the_reference_template_gives_its_elements_and_threats_with_attack_techniques(world: World) -> None:
    response = start(world, "editor", "kubernetes-reference", name="Prod cluster")
    assert response.status_code == 201, response.content[:500]
    body = response.json()
    model = ThreatModel.objects.get(pk=body["threat_model"]["id"])
    assert model.team == world.team and model.name == "Prod cluster" and body["analysis"]["new"] > 0
    elements = world.client("editor").get(f"/api/v1/elements/?threat_model={model.pk}&page_size=200").json()
    assert elements["count"] == len(shipped()["kubernetes-reference"]["diagrams"][0]["elements"])
    threats = world.client("viewer").get(f"/api/v1/threats/?threat_model={model.pk}&page_size=500").json()
    assert threats["count"] == Threat.objects.filter(threat_model=model).count() == body["analysis"]["new"] >= 30
    techniques = {t for row in threats["results"] for t in row["techniques"]}
    assert {"T1552", "T1611"} & techniques, sorted(techniques)
    on_metadata = [row for row in threats["results"] if row["element_key"] in ("p-app", "f32")]
    assert any(row["techniques"] for row in on_metadata)
    assert model.analysed_version == model.version


@pytest.mark.parametrize("slug", ["online-boutique", "sock-shop"])
def test_the_two_app_templates_start_and_analyse(world: World, slug: str) -> None:
    response = start(world, "owner", slug)
    assert response.status_code == 201, response.content[:500]
    model = ThreatModel.objects.get(pk=response.json()["threat_model"]["id"])
    assert model.name == shipped()[slug]["threat_model"]["name"]
    assert Threat.objects.filter(threat_model=model).exists()


def test_a_team_saves_a_model_as_a_template_and_starts_a_new_model_from_it(world: World) -> None:
    saved = world.client("editor").post(
        "/api/v1/templates/", {"threat_model": world.model.pk, "name": "Our web pattern", "description": "web + db"}, format="json"
    )
    assert saved.status_code == 201, saved.content[:500]
    row = saved.json()
    assert row["provenance"] == "team" and row["team"] == world.team.pk and row["element_count"] == 5 and row["flow_count"] == 2
    assert AuditEvent.objects.filter(team=world.team, action="template.save").exists()
    listed = {r["id"] for r in world.client("viewer").get("/api/v1/templates/").json()["results"]}
    assert row["id"] in listed
    made = start(world, "editor", row["id"], name="Second web app")
    assert made.status_code == 201, made.content[:500]
    copy = ThreatModel.objects.get(pk=made.json()["threat_model"]["id"])
    keys = set(copy.diagrams.get().elements.values_list("key", flat=True))
    assert keys == set(world.model.diagrams.get().elements.values_list("key", flat=True))
    # Deleting the template leaves the models made from it alone.
    assert world.client("editor").delete(f"/api/v1/templates/{row['id']}/").status_code == 204
    assert not ModelTemplate.objects.exists() and ThreatModel.objects.filter(pk=copy.pk).exists()


def test_another_team_s_template_is_invisible_to_an_outsider(world: World) -> None:
    row = world.client("owner").post("/api/v1/templates/", {"threat_model": world.model.pk, "name": "Secret pattern"}, format="json").json()
    outsider = world.client("outsider")
    listed = outsider.get("/api/v1/templates/").json()
    assert {r["id"] for r in listed["results"]} == SHIPPED and "Secret pattern" not in str(listed)
    own_team = world.other_team.pk
    answer = outsider.post("/api/v1/threat-models/from-template/", {"template": row["id"], "team": own_team}, format="json")
    missing = outsider.post("/api/v1/threat-models/from-template/", {"template": "999999", "team": own_team}, format="json")
    assert answer.status_code == missing.status_code == 404 and answer.json() == missing.json()
    assert outsider.delete(f"/api/v1/templates/{row['id']}/").status_code == 404
    assert outsider.post("/api/v1/templates/", {"threat_model": world.model.pk, "name": "Stolen"}, format="json").status_code == 404
    assert ModelTemplate.objects.count() == 1 and not ThreatModel.objects.filter(team=world.other_team).exists()


def test_a_viewer_can_neither_save_nor_start_a_model_nor_delete(world: World) -> None:
    viewer = world.client("viewer")
    assert viewer.post("/api/v1/templates/", {"threat_model": world.model.pk, "name": "x"}, format="json").status_code == 403
    assert start(world, "viewer", "kubernetes-reference").status_code == 403
    row = world.client("editor").post("/api/v1/templates/", {"threat_model": world.model.pk, "name": "x"}, format="json").json()
    assert viewer.delete(f"/api/v1/templates/{row['id']}/").status_code == 403
    assert ThreatModel.objects.count() == 1 and ModelTemplate.objects.count() == 1


def test_shipped_templates_cannot_be_deleted_and_unknown_ones_are_not_found(world: World) -> None:
    assert world.client("owner").delete("/api/v1/templates/kubernetes-reference/").status_code == 404
    assert start(world, "owner", "no-such-template").status_code == 404
    assert ThreatModel.objects.count() == 1


@pytest.mark.parametrize(("body", "path"), [({"threat_model": 1}, "name"), ({"name": "x"}, "threat_model"), ({"threat_model": "a", "name": "x"}, "threat_model")])
def test_saving_refuses_bad_input(world: World, body: dict[str, object], path: str) -> None:
    response = world.client("owner").post("/api/v1/templates/", body, format="json")
    assert response.status_code == 400
    assert path in str(response.json()["error"]["details"]) and not ModelTemplate.objects.exists()


def test_a_broken_team_template_goes_through_the_import_checks_and_creates_nothing(world: World) -> None:
    row = world.client("owner").post("/api/v1/templates/", {"threat_model": world.model.pk, "name": "pattern"}, format="json").json()
    template = ModelTemplate.objects.get(pk=int(row["id"]))
    template.document["diagrams"][0]["elements"][0]["kind"] = "spaceship"
    template.save(update_fields=["document"])
    response = start(world, "owner", row["id"])
    assert response.status_code == 400
    assert any(d["path"].startswith("diagrams[0].elements[0]") for d in response.json()["error"]["details"])
    assert ThreatModel.objects.count() == 1


def test_the_team_template_count_is_bounded(world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("library.templates.MAX_TEAM_TEMPLATES", 2)
    client = world.client("owner")
    codes = [client.post("/api/v1/templates/", {"threat_model": world.model.pk, "name": f"t{i}"}, format="json").status_code for i in range(3)]
    assert codes == [201, 201, 400] and ModelTemplate.objects.count() == 2
