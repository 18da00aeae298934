"""Stage moves (``threat_model_advance`` / ``threat_model_reopen``, POST .../advance/ and .../reopen/):
each step needs a clear gate and the right person; approval freezes a snapshot."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from conftest import World, make_user
from stride.models import Threat
from threatmodel.choices import Role
from threatmodel.diagrams import diagram_change
from threatmodel.models import AuditEvent, Membership, Snapshot, ThreatModel
from threatmodel.native import native_export
from threatmodel.tests.helpers import complete_design, cover_everything, mark_analysed, rated_threat, set_stage

pytestmark = pytest.mark.django_db


def advance(world: World, persona: str, **body: Any) -> Any:
    return world.client(persona).post(f"/api/v1/threat-models/{world.model.pk}/advance/", body, format="json")


def reopen(world: World, persona: str, **body: Any) -> Any:
    return world.client(persona).post(f"/api/v1/threat-models/{world.model.pk}/reopen/", body, format="json")


def stage(world: World) -> str:
    world.model.refresh_from_db()
    return world.model.stage


def ready_for_fix(world: World) -> Threat:
    """Design complete, one rated and triaged threat, every other cell noted, analysis current."""
    complete_design(world)
    threat = rated_threat(world, "PRIV@web", likelihood=4, impact=4, stride="E")
    cover_everything(world)
    mark_analysed(world.model)
    return threat


def test_the_design_gate_blocks_with_its_items_and_changes_nothing(world: World) -> None:
    response = advance(world, "editor")
    assert response.status_code == 409
    error = response.json()["error"]
    assert error["code"] == "conflict" and "from design to break" in error["message"]
    assert {item["code"] for item in error["blocking"]} == {"required_property_unset"}
    assert {item["object"]["key"] for item in error["blocking"]} == {"tb-app", "user", "web", "db", "f1", "f2"}
    assert stage(world) == "design" and not AuditEvent.objects.exists()


def test_an_editor_advances_a_complete_design_to_break(world: World) -> None:
    complete_design(world)
    response = advance(world, "editor", to="break", note="diagram reviewed with the team")
    assert response.status_code == 200, response.json()
    assert response.json()["stage"] == "break" and response.json()["gates"]["stage"] == "break"
    event = AuditEvent.objects.get(action="threat_model.advance")
    assert (event.before or {})["stage"] == "design" and event.after == {"stage": "break", "break_version": None, "note": "diagram reviewed with the team"}


@pytest.mark.parametrize("persona", ["viewer", "reviewer"])
def test_readers_cannot_advance(world: World, persona: str) -> None:
    complete_design(world)
    assert advance(world, persona).status_code == 403
    assert stage(world) == "design"


def test_an_outsider_gets_404(world: World) -> None:
    assert advance(world, "outsider").status_code == 404
    assert reopen(world, "outsider", to="design", reason="x").status_code == 404


def test_a_stale_page_cannot_skip_a_stage(world: World) -> None:
    complete_design(world)
    response = advance(world, "editor", to="fix")
    assert response.status_code == 400 and response.json()["error"]["details"][0]["path"] == "to"
    assert stage(world) == "design"


def test_leaving_break_records_the_version_the_threats_describe(world: World) -> None:
    ready_for_fix(world)
    set_stage(world.model, "break")
    response = advance(world, "editor", to="fix")
    assert response.status_code == 200, response.json()
    world.model.refresh_from_db()
    assert world.model.break_version == world.model.version == response.json()["break_version"]


def test_the_break_gate_needs_a_current_analysis(world: World) -> None:
    ready_for_fix(world)
    set_stage(world.model, "break")
    world.diagram.refresh_from_db()
    diagram_change(analyse=False, diagram_id=world.diagram.pk, actor=None, base_version=world.diagram.version,
              ops=[{"op": "update_element", "key": "web", "name": "Web app"}])
    response = advance(world, "editor")
    assert response.status_code == 409
    assert [item["code"] for item in response.json()["error"]["blocking"]] == ["analysis_not_current"]


def test_diagram_changes_after_break_are_flagged_until_reanalysed(world: World) -> None:
    ready_for_fix(world)
    set_stage(world.model, "fix")
    world.diagram.refresh_from_db()
    diagram_change(analyse=False, diagram_id=world.diagram.pk, actor=None, base_version=world.diagram.version,
              ops=[{"op": "update_element", "key": "web", "description": "now behind a gateway"}])
    gates = world.client("viewer").get(f"/api/v1/threat-models/{world.model.pk}/gates/").json()
    assert gates["diagram_changed_since_break"] is True
    assert [w["code"] for w in gates["warnings"]] == ["diagram_changed_since_break"]
    mark_analysed(world.model)
    gates = world.client("viewer").get(f"/api/v1/threat-models/{world.model.pk}/gates/").json()
    assert gates["diagram_changed_since_break"] is False and gates["warnings"] == []


def test_the_whole_story_from_design_to_approved_with_an_author_and_a_reviewer(world: World) -> None:
    author, reviewer = world.client("editor"), world.client("reviewer")
    complete_design(world)
    assert advance(world, "editor", to="break").status_code == 200
    # Break: the analysis found one threat; the author rates it; the other cells were considered.
    threat = rated_threat(world, "PRIV@web", likelihood=None, impact=None, stride="E", rationale="")
    cover_everything(world)
    mark_analysed(world.model)
    blocked = advance(world, "editor", to="fix").json()["error"]["blocking"]
    assert [item["code"] for item in blocked] == ["threat_not_rated"]
    assert author.put(f"/api/v1/threats/{threat.pk}/rating/", {"likelihood": 4, "impact": 4, "rationale": "privileged pod"},
                      format="json").status_code == 200
    assert advance(world, "editor", to="fix").status_code == 200
    # Fix: a planned mitigation brings the 16 down to 8; the threat is marked mitigated.
    created = author.post("/api/v1/mitigations/", {"threat_model": world.model.pk, "title": "Drop privileged mode",
                                                   "likelihood_reduction": 2, "status": "planned", "threats": [threat.pk]},
                          format="json").json()
    assert author.post(f"/api/v1/threats/{threat.pk}/status/", {"status": "mitigated"}, format="json").status_code == 200
    assert advance(world, "editor", to="verify").status_code == 200
    # Verify: implemented by the author, verified with evidence by the reviewer.
    assert author.post(f"/api/v1/mitigations/{created['id']}/status/", {"status": "implemented"}, format="json").status_code == 200
    blocked = advance(world, "reviewer", to="approved").json()["error"]["blocking"]
    assert [item["code"] for item in blocked] == ["residual_unacceptable", "mitigation_not_verified"]
    assert reviewer.post(f"/api/v1/mitigations/{created['id']}/verify/",
                         {"evidence_url": "https://git.example.com/shop/pull/7"}, format="json").status_code == 200
    # The author cannot sign off; the reviewer can.
    assert advance(world, "editor", to="approved").status_code == 403
    response = advance(world, "reviewer", to="approved", note="Reviewed in the board of 26 Nov")
    assert response.status_code == 200, response.json()
    assert response.json()["stage"] == "approved" and response.json()["snapshot"]["number"] == 1
    snapshot = Snapshot.objects.get()
    assert snapshot.reason == "approval" and snapshot.created_by == world.users["reviewer"] and snapshot.policy_version == 1
    world.model.refresh_from_db()
    assert snapshot.content == native_export(world.model) and snapshot.content["threat_model"]["stage"] == "approved"
    assert snapshot.content["mitigations"][0]["verified_by"] == "reviewer"
    approve = AuditEvent.objects.get(action="threat_model.approve")
    assert approve.actor == world.users["reviewer"] and (approve.after or {})["snapshot"] == 1
    assert advance(world, "reviewer").status_code == 409  # nothing after approved


def at_verify(world: World) -> None:
    complete_design(world)
    cover_everything(world)
    mark_analysed(world.model)
    set_stage(world.model, "verify")


def test_an_editor_cannot_approve(world: World) -> None:
    at_verify(world)
    response = advance(world, "editor")
    assert response.status_code == 403
    assert [item["code"] for item in response.json()["error"]["blocking"]] == ["signoff_role"]
    assert stage(world) == "verify" and not Snapshot.objects.exists()


def test_the_author_alone_cannot_approve_but_an_independent_reviewer_can(world: World) -> None:
    at_verify(world)
    owner = world.client("owner")
    threat = rated_threat(world, "X@web")
    owner.put(f"/api/v1/threats/{threat.pk}/rating/", {"likelihood": 2, "impact": 2, "rationale": "internal"}, format="json")
    owner.post("/api/v1/decisions/", {"threat": threat.pk, "kind": "acceptance", "justification": "low", "owner": "owner",
                                      "expires_on": (timezone.localdate() + timedelta(days=30)).isoformat()}, format="json")
    gates = owner.get(f"/api/v1/threat-models/{world.model.pk}/gates/").json()
    assert gates["blocking"] == [] and gates["authors"] == ["owner"] and gates["can_advance"] is False
    assert [item["code"] for item in gates["your_blocking"]] == ["own_work"]
    response = advance(world, "owner")
    assert response.status_code == 403 and "a reviewer who did not must sign it off" in response.json()["error"]["message"]
    assert stage(world) == "verify" and not Snapshot.objects.exists()
    assert world.client("reviewer").get(f"/api/v1/threat-models/{world.model.pk}/gates/").json()["can_advance"] is True
    assert advance(world, "reviewer").status_code == 200


def test_a_reviewer_verifying_does_not_make_the_model_approvable_by_its_author(world: World) -> None:
    at_verify(world)
    owner, reviewer = world.client("owner"), world.client("reviewer")
    threat = rated_threat(world, "X@web", likelihood=2, impact=2)
    created = owner.post("/api/v1/mitigations/", {"threat_model": world.model.pk, "title": "Drop root", "status": "implemented",
                                                  "threats": [threat.pk]}, format="json").json()
    assert owner.post(f"/api/v1/threats/{threat.pk}/status/", {"status": "mitigated"}, format="json").status_code == 200
    assert reviewer.post(f"/api/v1/mitigations/{created['id']}/verify/", {"evidence": "pod spec reviewed"},
                         format="json").status_code == 200
    # The loophole of issue 13: the verifier used to count as a second author, and the author was offered Approve.
    gates = owner.get(f"/api/v1/threat-models/{world.model.pk}/gates/").json()
    assert gates["blocking"] == [] and gates["authors"] == ["owner"]
    assert gates["can_advance"] is False and [item["code"] for item in gates["your_blocking"]] == ["own_work"]
    assert advance(world, "owner").status_code == 403 and stage(world) == "verify"
    # Verifying is a reviewer's check, not authorship: the verifier may still sign off.
    assert reviewer.get(f"/api/v1/threat-models/{world.model.pk}/gates/").json()["can_advance"] is True
    assert advance(world, "reviewer").status_code == 200 and stage(world) == "approved"


def test_whoever_edited_the_diagram_is_an_author_whatever_their_role(world: World) -> None:
    ThreatModel.objects.filter(pk=world.model.pk).update(created_by=world.users["editor"])
    at_verify(world)
    world.diagram.refresh_from_db()
    diagram_change(analyse=False, diagram_id=world.diagram.pk, actor=world.users["owner"], base_version=world.diagram.version,
                   ops=[{"op": "update_element", "key": "db", "name": "Orders DB"}])
    mark_analysed(world.model)
    gates = world.client("owner").get(f"/api/v1/threat-models/{world.model.pk}/gates/").json()
    assert gates["authors"] == ["editor", "owner"] and [item["code"] for item in gates["your_blocking"]] == ["own_work"]
    assert "with 1 other author" in gates["your_blocking"][0]["message"]
    assert advance(world, "owner").status_code == 403 and stage(world) == "verify"
    second = make_user("second-reviewer")
    Membership.objects.create(team=world.team, user=second, role=Role.REVIEWER)
    client = APIClient()
    client.force_authenticate(second)
    response = client.post(f"/api/v1/threat-models/{world.model.pk}/advance/", {}, format="json")
    assert response.status_code == 200 and stage(world) == "approved"


def test_reopening_an_approved_model_needs_a_reason_and_keeps_its_snapshot(world: World) -> None:
    at_verify(world)
    assert advance(world, "reviewer").status_code == 200
    assert reopen(world, "editor", to="fix", reason="").json()["error"]["details"][0]["path"] == "reason"
    assert reopen(world, "viewer", to="fix", reason="new component").status_code == 403
    response = reopen(world, "editor", to="fix", reason="A new payment provider joins")
    assert response.status_code == 200 and response.json()["stage"] == "fix"
    assert Snapshot.objects.count() == 1
    event = AuditEvent.objects.get(action="threat_model.reopen")
    assert (event.before or {})["stage"] == "approved" and (event.after or {})["reason"] == "A new payment provider joins"


def test_reopening_goes_backwards_only_and_to_design_forgets_the_break_version(world: World) -> None:
    ready_for_fix(world)
    set_stage(world.model, "fix")
    assert reopen(world, "editor", to="verify", reason="x").json()["error"]["details"][0]["path"] == "to"
    assert reopen(world, "editor", to="approved", reason="x").json()["error"]["details"][0]["path"] == "to"
    assert reopen(world, "editor", to="design", reason="redraw the ingress").status_code == 200
    world.model.refresh_from_db()
    assert world.model.stage == "design" and world.model.break_version is None
