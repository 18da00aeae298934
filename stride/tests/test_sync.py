"""Threat sync: idempotent, keeps people's work, marks obsolete instead of deleting, restores on return."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from conftest import World
from stride.models import CoverageNote, Threat
from threatmodel.analysis import threat_model_analyse
from threatmodel.diagrams import diagram_change

pytestmark = pytest.mark.django_db


def state(world: World) -> dict[str, tuple[str, str]]:
    return {t.fingerprint: (t.status, t.notes) for t in Threat.objects.filter(threat_model=world.model)}


def edit(world: World, *ops: dict[str, object]) -> None:
    world.diagram.refresh_from_db()
    diagram_change(analyse=False, diagram_id=world.diagram.pk, actor=None, base_version=world.diagram.version, ops=list(ops))


def test_running_twice_changes_nothing(world: World) -> None:
    first = threat_model_analyse(model_id=world.model.pk)
    assert first.new > 0 and first.obsolete == 0
    before = list(Threat.objects.filter(threat_model=world.model).order_by("id").values())
    with CaptureQueriesContext(connection) as ctx:
        second = threat_model_analyse(model_id=world.model.pk)
    assert (second.new, second.obsolete, second.revived, second.rewritten) == (0, 0, 0, 0)
    assert second.kept == first.new
    assert list(Threat.objects.filter(threat_model=world.model).order_by("id").values()) == before
    writes = [q["sql"] for q in ctx.captured_queries if q["sql"].lstrip().upper().startswith(("INSERT", "DELETE"))]
    assert writes == []  # not even the audit trail: nothing happened


def test_it_sets_the_analysed_version(world: World) -> None:
    threat_model_analyse(model_id=world.model.pk)
    world.model.refresh_from_db()
    assert world.model.analysed_version == world.model.version and world.model.analysis_status == "idle"


def test_people_s_work_survives_re_analysis(world: World, technique) -> None:
    threat_model_analyse(model_id=world.model.pk)
    threat = Threat.objects.get(threat_model=world.model, fingerprint="K8S-004@web")  # web runs as root
    Threat.objects.filter(pk=threat.pk).update(status="mitigated", notes="Fixed in PR 42", likelihood=2, impact=3,
                                               rationale="Only reachable from the VPN", triaged=True, owner=world.users["editor"])
    edit(world, {"op": "update_element", "key": "web", "name": "Web (renamed)"})
    threat_model_analyse(model_id=world.model.pk)
    threat.refresh_from_db()
    assert (threat.status, threat.notes, threat.likelihood, threat.impact, threat.triaged) == ("mitigated", "Fixed in PR 42", 2, 3, True)
    assert threat.owner == world.users["editor"]


def test_changing_one_property_changes_only_the_threats_it_should(world: World) -> None:
    threat_model_analyse(model_id=world.model.pk)
    before = state(world)
    edit(world, {"op": "update_element", "key": "web", "properties": {"privileged": True}})
    result = threat_model_analyse(model_id=world.model.pk)
    after = state(world)
    appeared = {fp for fp in after if fp not in before}
    gone = {fp for fp, (status, _) in after.items() if status == "obsolete" and before.get(fp, ("",))[0] != "obsolete"}
    assert appeared == {"K8S-001@web", "K8S-002@web", "K8S-003@web"}
    # T and I of web were already said by rules that ask (EL-015: does it validate input?, EL-016: its data
    # classification?), and E by K8S-004 (root): no baseline threat goes, the asked ones stay as they were
    assert gone == set()
    assert (result.new, result.obsolete) == (3, 0)
    untouched = {fp for fp in before if fp not in gone}
    assert all(after[fp] == before[fp] for fp in untouched)


def test_deleting_an_element_makes_its_threats_obsolete_and_keeps_their_history(world: World) -> None:
    threat_model_analyse(model_id=world.model.pk)
    Threat.objects.filter(threat_model=world.model, fingerprint="K8S-004@web").update(status="mitigated", notes="keep me")
    edit(world, {"op": "delete_element", "key": "web"})
    result = threat_model_analyse(model_id=world.model.pk)
    assert result.obsolete > 0
    threat = Threat.objects.get(threat_model=world.model, fingerprint="K8S-004@web")
    assert (threat.status, threat.status_before_obsolete, threat.notes) == ("obsolete", "mitigated", "keep me")
    assert threat.element is None and threat.element_key == "web"
    flow_threats = Threat.objects.filter(threat_model=world.model, flow_key="f1")
    assert flow_threats.exists() and set(flow_threats.values_list("status", flat=True)) == {"obsolete"}


def test_a_threat_that_applies_again_gets_its_status_back(world: World) -> None:
    threat_model_analyse(model_id=world.model.pk)
    Threat.objects.filter(threat_model=world.model, fingerprint="K8S-004@web").update(status="mitigated")
    edit(world, {"op": "update_element", "key": "web", "properties": {"runs_as_root": False}})
    threat_model_analyse(model_id=world.model.pk)
    assert Threat.objects.get(threat_model=world.model, fingerprint="K8S-004@web").status == "obsolete"
    edit(world, {"op": "update_element", "key": "web", "properties": {"runs_as_root": True}})
    result = threat_model_analyse(model_id=world.model.pk)
    threat = Threat.objects.get(threat_model=world.model, fingerprint="K8S-004@web")
    assert result.revived >= 1
    assert (threat.status, threat.status_before_obsolete) == ("mitigated", "")


def test_a_recreated_element_gets_its_threats_reattached(world: World) -> None:
    threat_model_analyse(model_id=world.model.pk)
    edit(world, {"op": "delete_element", "key": "db"},
         {"op": "add_element", "key": "db", "kind": "data_store", "name": "DB", "parent": "tb-app"},
         {"op": "add_flow", "key": "f2", "source": "web", "target": "db"})
    threat_model_analyse(model_id=world.model.pk)
    threat = Threat.objects.get(threat_model=world.model, fingerprint="EL-011@db")  # is the store authenticated?
    assert threat.element is not None and threat.element.key == "db" and threat.status == "open"


def test_manual_threats_are_left_alone(world: World) -> None:
    manual = Threat.objects.create(threat_model=world.model, fingerprint="MANUAL@1", origin="manual", stride="S", title="Phishing")
    threat_model_analyse(model_id=world.model.pk)
    edit(world, {"op": "delete_element", "key": "user"})
    threat_model_analyse(model_id=world.model.pk)
    manual.refresh_from_db()
    assert manual.status == "open"


def test_a_coverage_note_retires_the_baseline_threat_of_its_cell(world: World) -> None:
    threat_model_analyse(model_id=world.model.pk)
    assert Threat.objects.get(threat_model=world.model, fingerprint="B-PR-D@web").status == "open"
    CoverageNote.objects.create(threat_model=world.model, target_key="web", stride="D", reason="Autoscaled behind a CDN")
    threat_model_analyse(model_id=world.model.pk)
    assert Threat.objects.get(threat_model=world.model, fingerprint="B-PR-D@web").status == "obsolete"


def test_an_unconfirmed_threat_is_stored_apart_and_answering_confirms_it_in_place(world: World) -> None:
    threat_model_analyse(model_id=world.model.pk)
    asked = Threat.objects.get(threat_model=world.model, fingerprint="INT-006@web@f1")  # does web validate input?
    assert not asked.confirmed and asked.questions == ["Does the flow's target (Web) validate input?"]
    viewer = world.client("viewer")
    base = f"/api/v1/threats/?threat_model={world.model.pk}&page_size=500"
    body = viewer.get(f"/api/v1/threats/{asked.pk}/").json()
    assert body["confirmed"] is False and body["questions"] == asked.questions and body["techniques"] == []
    assert "INT-006@web@f1" not in {t["fingerprint"] for t in viewer.get(base + "&technique=T1190").json()["results"]}
    Threat.objects.filter(pk=asked.pk).update(notes="Asked the web team")
    edit(world, {"op": "update_element", "key": "web", "properties": {"validates_input": False}})
    threat_model_analyse(model_id=world.model.pk)
    answered = Threat.objects.get(pk=asked.pk)
    assert answered.confirmed and answered.questions == [] and answered.notes == "Asked the web team"
    assert viewer.get(f"/api/v1/threats/{asked.pk}/").json()["techniques"] == ["T1190"]
    assert asked.suggested_likelihood is not None and answered.suggested_likelihood == asked.suggested_likelihood + 1
