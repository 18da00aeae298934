"""The permission matrix, built from the URL router so that a new endpoint cannot escape it.

Every route of every registered viewset must have a row in ``MATRIX``; each row says what each
persona gets. The outsider (a member of another team) gets 404 on every detail route and never
sees the team's objects in a list; an anonymous caller gets 401; a viewer reads but cannot write.
"""

from __future__ import annotations

import io
import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import pytest
from django.core.files.base import ContentFile
from django.utils import timezone
from rest_framework.test import APIClient

from conftest import PASSWORD, World
from library.models import Component, ModelTemplate, TeamRule
from library.tests.test_team_rules_api import ROOT_RULE, STORE_RULE
from stride.models import CoverageNote, Tactic, Threat
from threatmodel.api.urls import router
from threatmodel.models import ApiToken, CheckRun, ImportJob, Invitation, Membership, Report
from threatmodel.native import native_export
from threatmodel.services import api_token_create
from threatmodel.workflow.risk import OWASP_IMPACT_FACTORS

pytestmark = pytest.mark.django_db

ALL = ("owner", "editor", "reviewer", "viewer", "outsider")


@dataclass(frozen=True)
class Call:
    method: str
    url: Callable[[World, str], str]
    body: Callable[[World, str], Any] | None = None
    fmt: str = "json"


@dataclass(frozen=True)
class Row:
    call: Call
    expect: dict[str, int]  # persona -> status
    anonymous: int = 401
    hides_team_objects: bool = False  # list routes: the outsider must not see the team's objects


def codes(owner: int, editor: int, reviewer: int, viewer: int, outsider: int) -> dict[str, int]:
    return dict(zip(ALL, (owner, editor, reviewer, viewer, outsider), strict=True))


def same(code: int) -> dict[str, int]:
    return dict.fromkeys(ALL, code)


def model_url(suffix: str = "") -> Callable[[World, str], str]:
    return lambda w, p: f"/api/v1/threat-models/{w.model.pk}/{suffix}"


def diagram_url(suffix: str = "") -> Callable[[World, str], str]:
    return lambda w, p: f"/api/v1/diagrams/{w.diagram.pk}/{suffix}"


def other_member(w: World) -> Membership:
    # A second viewer of the team, so that removing it is never the persona removing themselves.
    return Membership.objects.get(team=w.team, user__username="bystander")


def open_invitation(w: World) -> Invitation:
    return Invitation.objects.get(team=w.team, email="invitee@example.com")


def own_token(w: World, persona: str) -> ApiToken:
    return ApiToken.objects.get(user=w.users[persona], name="matrix")


def done_report(w: World) -> Report:
    """A rendered report of the world's model, with a small file under the test's MEDIA_ROOT."""
    report = Report.objects.filter(threat_model=w.model, status="done").first()
    if report is None:
        report = Report.objects.create(threat_model=w.model, model_version=w.model.version, status="done")
        report.file.save("r.pdf", ContentFile(b"%PDF-1.7 matrix"), save=True)
    return report


def import_job(w: World) -> ImportJob:
    job = ImportJob.objects.filter(team=w.team).first()
    return job or ImportJob.objects.create(team=w.team, requested_by=w.users["owner"], size=10, status="done", progress=100)


def check_run(w: World) -> CheckRun:
    """A recorded pipeline check of the world's model."""
    run = CheckRun.objects.filter(threat_model=w.model).first()
    if run is None:
        run = CheckRun.objects.create(threat_model=w.model, result="passed", source_format="kubernetes", policy_version=1,
                                      model_version=w.model.version, sarif_sha256="0" * 64)  # fmt: skip
    return run


def team_template(w: World) -> ModelTemplate:
    """A template of the world's team, saved from its model (named so the outsider check can spot it)."""
    row = ModelTemplate.objects.filter(team=w.team).first()
    if row is None:
        row = ModelTemplate.objects.create(team=w.team, name="Checkout pattern", document=native_export(w.model),
                                           element_count=5, flow_count=2)  # fmt: skip
    return row


def team_rule(w: World) -> TeamRule:
    """A rule of the world's team, saved disabled (its title lets the outsider check spot it)."""
    row = TeamRule.objects.filter(team=w.team).first()
    if row is None:
        row = TeamRule.objects.create(team=w.team, rule_id="TEAM-PAYMENTS-001", title="Checkout pattern rule", yaml=ROOT_RULE)
    return row


def team_component(w: World) -> Component:
    """A component of the world's team: one process (named so the outsider check can spot it)."""
    row = Component.objects.filter(team=w.team).first()
    if row is None:
        content = {"elements": [{"kind": "process", "name": "Sidecar", "parent": None, "x": 0, "y": 0}], "flows": [], "triage": []}
        row = Component.objects.create(team=w.team, name="Checkout sidecar", content=content, element_count=1, flow_count=0)
    return row


@pytest.fixture(autouse=True)
def _media_in_tmp(settings: Any, tmp_path: Any) -> None:
    settings.MEDIA_ROOT = tmp_path


READ_MEMBERS = codes(200, 200, 200, 200, 404)
WRITE = codes(200, 200, 403, 403, 404)
CREATE = codes(201, 201, 403, 403, 404)
DELETE_AS_EDITOR = codes(204, 204, 403, 403, 404)
OWNER_ONLY = codes(200, 403, 403, 403, 404)


MATRIX: dict[tuple[str, str], Row] = {
    # --- teams
    ("team", "list"): Row(Call("get", lambda w, p: "/api/v1/teams/"), same(200), hides_team_objects=True),
    ("team", "create"): Row(Call("post", lambda w, p: "/api/v1/teams/", lambda w, p: {"name": f"New {p}"}), same(201)),
    ("team", "retrieve"): Row(Call("get", lambda w, p: f"/api/v1/teams/{w.team.pk}/"), READ_MEMBERS),
    ("team", "update"): Row(Call("put", lambda w, p: f"/api/v1/teams/{w.team.pk}/", lambda w, p: {"name": "Renamed"}), OWNER_ONLY),
    ("team", "partial_update"): Row(
        Call("patch", lambda w, p: f"/api/v1/teams/{w.team.pk}/", lambda w, p: {"name": "Renamed"}), OWNER_ONLY
    ),
    ("team", "destroy"): Row(Call("delete", lambda w, p: f"/api/v1/teams/{w.team.pk}/"), codes(204, 403, 403, 403, 404)),
    # --- memberships
    ("membership", "list"): Row(Call("get", lambda w, p: "/api/v1/memberships/"), same(200), hides_team_objects=True),
    ("membership", "create"): Row(
        Call("post", lambda w, p: "/api/v1/memberships/", lambda w, p: {"team": w.team.pk, "user": "newcomer", "role": "viewer"}),
        codes(403, 403, 403, 403, 404),  # owners invite (below); only an instance admin adds directly (test_invitations)
    ),
    ("membership", "retrieve"): Row(Call("get", lambda w, p: f"/api/v1/memberships/{other_member(w).pk}/"), READ_MEMBERS),
    ("membership", "update"): Row(
        Call("put", lambda w, p: f"/api/v1/memberships/{other_member(w).pk}/", lambda w, p: {"role": "editor"}), OWNER_ONLY
    ),
    ("membership", "partial_update"): Row(
        Call("patch", lambda w, p: f"/api/v1/memberships/{other_member(w).pk}/", lambda w, p: {"role": "editor"}), OWNER_ONLY
    ),
    ("membership", "destroy"): Row(
        Call("delete", lambda w, p: f"/api/v1/memberships/{other_member(w).pk}/"), codes(204, 403, 403, 403, 404)
    ),
    # --- invitations: owners invite and revoke; the invited account accepts (test_invitations)
    ("invitation", "list"): Row(Call("get", lambda w, p: "/api/v1/invitations/"), same(200), hides_team_objects=True),
    ("invitation", "create"): Row(
        Call("post", lambda w, p: "/api/v1/invitations/", lambda w, p: {"team": w.team.pk, "email": "someone@example.com"}),
        codes(201, 403, 403, 403, 404),
    ),
    ("invitation", "destroy"): Row(
        Call("delete", lambda w, p: f"/api/v1/invitations/{open_invitation(w).pk}/"), codes(204, 404, 404, 404, 404)
    ),
    ("invitation", "accept"): Row(
        Call("post", lambda w, p: "/api/v1/invitations/accept/", lambda w, p: {"token": "tmi_not-a-real-one"}), same(400)
    ),
    # --- tokens: every user manages their own, and only their own
    ("token", "list"): Row(Call("get", lambda w, p: "/api/v1/tokens/"), same(200)),
    ("token", "create"): Row(Call("post", lambda w, p: "/api/v1/tokens/", lambda w, p: {"name": "ci"}), same(201)),
    ("token", "retrieve"): Row(Call("get", lambda w, p: f"/api/v1/tokens/{own_token(w, p).pk}/"), same(200)),
    ("token", "destroy"): Row(Call("delete", lambda w, p: f"/api/v1/tokens/{own_token(w, p).pk}/"), same(204)),
    # --- session auth
    ("auth", "csrf"): Row(Call("get", lambda w, p: "/api/v1/auth/csrf/"), same(200), anonymous=200),
    ("auth", "login"): Row(
        Call("post", lambda w, p: "/api/v1/auth/login/", lambda w, p: {"username": p, "password": PASSWORD}),
        same(200),
        anonymous=200,  # an anonymous caller with valid credentials signs in
    ),
    ("auth", "logout"): Row(Call("post", lambda w, p: "/api/v1/auth/logout/"), same(204)),
    ("auth", "me"): Row(Call("get", lambda w, p: "/api/v1/auth/me/"), same(200)),
    # --- threat models
    ("threat-model", "list"): Row(Call("get", lambda w, p: "/api/v1/threat-models/"), same(200), hides_team_objects=True),
    ("threat-model", "create"): Row(
        Call("post", lambda w, p: "/api/v1/threat-models/", lambda w, p: {"team": w.team.pk, "name": "Another"}), CREATE
    ),
    ("threat-model", "retrieve"): Row(Call("get", model_url()), READ_MEMBERS),
    ("threat-model", "update"): Row(Call("put", model_url(), lambda w, p: {"name": "Renamed", "scope": "all"}), WRITE),
    ("threat-model", "partial_update"): Row(Call("patch", model_url(), lambda w, p: {"scope": "all"}), WRITE),
    ("threat-model", "destroy"): Row(Call("delete", model_url()), codes(204, 403, 403, 403, 404)),
    ("threat-model", "document"): Row(Call("get", model_url("document/")), READ_MEMBERS),
    ("threat-model", "export"): Row(Call("get", model_url("export/?format=json")), READ_MEMBERS),
    ("threat-model", "import_"): Row(
        Call(
            "post",
            lambda w, p: f"/api/v1/threat-models/import/?team={w.team.pk}",
            lambda w, p: json.dumps(native_export(w.model)).encode(),
            fmt="raw-json",
        ),
        CREATE,
    ),
    # --- the library: model templates (shipped ones for everyone, a team's for its members) and a model from one
    ("template", "list"): Row(
        Call("get", lambda w, p: (team_template(w), "/api/v1/templates/")[1]), same(200), hides_team_objects=True
    ),
    ("template", "create"): Row(
        Call("post", lambda w, p: "/api/v1/templates/", lambda w, p: {"threat_model": w.model.pk, "name": "Saved pattern"}), CREATE
    ),
    ("template", "destroy"): Row(Call("delete", lambda w, p: f"/api/v1/templates/{team_template(w).pk}/"), DELETE_AS_EDITOR),
    ("threat-model-template", "from_template"): Row(
        Call("post", lambda w, p: "/api/v1/threat-models/from-template/",
             lambda w, p: {"template": str(team_template(w).pk), "team": w.team.pk}),
        CREATE,
    ),
    # --- the library: team rules (members read and preview, editors write)
    ("team-rule", "list"): Row(Call("get", lambda w, p: (team_rule(w), "/api/v1/team-rules/")[1]), same(200), hides_team_objects=True),
    ("team-rule", "retrieve"): Row(Call("get", lambda w, p: f"/api/v1/team-rules/{team_rule(w).pk}/"), READ_MEMBERS),
    ("team-rule", "create"): Row(Call("post", lambda w, p: "/api/v1/team-rules/", lambda w, p: {"team": w.team.pk, "yaml": STORE_RULE}), CREATE),
    ("team-rule", "partial_update"): Row(
        Call("patch", lambda w, p: f"/api/v1/team-rules/{team_rule(w).pk}/", lambda w, p: {"yaml": ROOT_RULE.replace("impact: 4", "impact: 5")}),
        WRITE,
    ),
    ("team-rule", "destroy"): Row(Call("delete", lambda w, p: f"/api/v1/team-rules/{team_rule(w).pk}/"), DELETE_AS_EDITOR),
    ("team-rule", "enable"): Row(Call("post", lambda w, p: f"/api/v1/team-rules/{team_rule(w).pk}/enable/"), WRITE),
    ("team-rule", "disable"): Row(Call("post", lambda w, p: f"/api/v1/team-rules/{team_rule(w).pk}/disable/"), WRITE),
    ("team-rule", "preview"): Row(
        Call("post", lambda w, p: "/api/v1/team-rules/preview/", lambda w, p: {"team": w.team.pk, "yaml": ROOT_RULE}),
        codes(200, 200, 200, 200, 404),
    ),
    # --- the library: components (a team's, for its members), and dropping one into a diagram
    ("component", "list"): Row(
        Call("get", lambda w, p: (team_component(w), "/api/v1/components/")[1]), same(200), hides_team_objects=True
    ),
    ("component", "create"): Row(
        Call("post", lambda w, p: "/api/v1/components/",
             lambda w, p: {"diagram": w.diagram.pk, "elements": ["web", "db"], "flows": ["f2"], "name": "Saved pair"}),
        CREATE,
    ),
    ("component", "destroy"): Row(Call("delete", lambda w, p: f"/api/v1/components/{team_component(w).pk}/"), DELETE_AS_EDITOR),
    ("diagram-component", "insert_component"): Row(
        Call("post", diagram_url("insert-component/"),
             lambda w, p: {"component": team_component(w).pk, "x": 10, "y": 10, "base_version": w.diagram.version}),
        WRITE,
    ),
    # --- PDF reports (any member may ask for one: review boards read)
    ("threat-model-report", "list"): Row(Call("get", model_url("reports/")), READ_MEMBERS),
    ("threat-model-report", "create"): Row(Call("post", model_url("reports/"), lambda w, p: {"paper": "letter"}), codes(202, 202, 202, 202, 404)),
    ("threat-model-report", "retrieve"): Row(Call("get", lambda w, p: f"/api/v1/threat-models/{w.model.pk}/reports/{done_report(w).pk}/"), READ_MEMBERS),
    ("threat-model-report", "download"): Row(
        Call("get", lambda w, p: f"/api/v1/threat-models/{w.model.pk}/reports/{done_report(w).pk}/download/"), READ_MEMBERS
    ),
    # --- pipelines: editors run the check from a session (any member with a token: test_pipeline_api); members read
    ("threat-model-pipeline", "check"): Row(
        Call("post", model_url("check/"), lambda w, p: {"file": _manifest(), "format": "kubernetes"}, fmt="multipart"), WRITE
    ),
    # machine evidence: editors and owners (or their tokens: test_evidence) upload; reviewers and viewers may not
    ("threat-model-pipeline", "evidence"): Row(
        Call("post", model_url("evidence/"), lambda w, p: {"file": _sarif()}, fmt="multipart"), WRITE
    ),
    ("threat-model-pipeline", "guardrails"): Row(Call("get", model_url("guardrails/")), READ_MEMBERS),
    ("threat-model-check", "list"): Row(Call("get", model_url("checks/")), READ_MEMBERS),
    ("threat-model-check", "retrieve"): Row(
        Call("get", lambda w, p: f"/api/v1/threat-models/{w.model.pk}/checks/{check_run(w).pk}/"), READ_MEMBERS
    ),
    # --- large imports: the job belongs to a team; its members follow it
    ("import-job", "list"): Row(Call("get", lambda w, p: (import_job(w), "/api/v1/import-jobs/")[1]), same(200), hides_team_objects=True),
    ("import-job", "retrieve"): Row(Call("get", lambda w, p: f"/api/v1/import-jobs/{import_job(w).pk}/"), READ_MEMBERS),
    # --- diagrams, elements, flows
    ("diagram", "list"): Row(Call("get", lambda w, p: "/api/v1/diagrams/"), same(200), hides_team_objects=True),
    ("diagram", "create"): Row(
        Call("post", lambda w, p: "/api/v1/diagrams/", lambda w, p: {"threat_model": w.model.pk, "name": "Level 1"}), CREATE
    ),
    ("diagram", "retrieve"): Row(Call("get", diagram_url()), READ_MEMBERS),
    ("diagram", "update"): Row(Call("put", diagram_url(), lambda w, p: {"name": "Context", "level": "context"}), WRITE),
    ("diagram", "partial_update"): Row(Call("patch", diagram_url(), lambda w, p: {"name": "Context"}), WRITE),
    ("diagram", "destroy"): Row(Call("delete", diagram_url()), DELETE_AS_EDITOR),
    ("diagram", "ops"): Row(
        Call(
            "post",
            diagram_url("ops/"),
            lambda w, p: {"base_version": w.diagram.version, "ops": [{"op": "move_element", "key": "web", "x": 1, "y": 1}]},
        ),
        WRITE,
    ),
    ("diagram", "sync_from_manifests"): Row(
        Call("post", diagram_url("sync-from-manifests/"), lambda w, p: {"file": _manifest(), "format": "kubernetes"}, fmt="multipart"),
        WRITE,
    ),
    ("diagram", "render"): Row(Call("get", diagram_url("render/?format=svg")), READ_MEMBERS),
    ("element", "list"): Row(Call("get", lambda w, p: "/api/v1/elements/"), same(200), hides_team_objects=True),
    ("element", "retrieve"): Row(Call("get", lambda w, p: f"/api/v1/elements/{w.diagram.elements.get(key='web').pk}/"), READ_MEMBERS),
    ("flow", "list"): Row(Call("get", lambda w, p: "/api/v1/flows/"), same(200), hides_team_objects=True),
    ("flow", "retrieve"): Row(Call("get", lambda w, p: f"/api/v1/flows/{w.diagram.flows.get(key='f1').pk}/"), READ_MEMBERS),
    ("vocabulary", "list"): Row(Call("get", lambda w, p: "/api/v1/vocabulary/"), same(200)),
    ("format", "list"): Row(Call("get", lambda w, p: "/api/v1/formats/"), same(200)),
    # --- threats
    ("threat", "list"): Row(Call("get", lambda w, p: "/api/v1/threats/"), same(200), hides_team_objects=True),
    ("threat", "retrieve"): Row(Call("get", lambda w, p: f"/api/v1/threats/{the_threat(w).pk}/"), READ_MEMBERS),
    ("threat", "create"): Row(
        Call("post", lambda w, p: "/api/v1/threats/", lambda w, p: {"threat_model": w.model.pk, "stride": "I", "title": "Leak", "element": "db"}),
        CREATE,
    ),
    ("threat", "partial_update"): Row(Call("patch", lambda w, p: f"/api/v1/threats/{the_threat(w).pk}/", lambda w, p: {"notes": "seen"}), WRITE),
    ("threat", "destroy"): Row(Call("delete", lambda w, p: f"/api/v1/threats/{the_threat(w).pk}/"), DELETE_AS_EDITOR),
    ("threat", "explanation"): Row(Call("get", lambda w, p: f"/api/v1/threats/{the_threat(w).pk}/explanation/"), READ_MEMBERS),
    ("coverage-note", "list"): Row(Call("get", lambda w, p: "/api/v1/coverage-notes/"), same(200), hides_team_objects=True),
    ("coverage-note", "create"): Row(
        Call("post", lambda w, p: "/api/v1/coverage-notes/",
             lambda w, p: {"threat_model": w.model.pk, "target": "user", "stride": "R", "reason": "Signed requests"}),
        CREATE,
    ),
    ("coverage-note", "retrieve"): Row(Call("get", lambda w, p: f"/api/v1/coverage-notes/{the_note(w).pk}/"), READ_MEMBERS),
    ("coverage-note", "destroy"): Row(Call("delete", lambda w, p: f"/api/v1/coverage-notes/{the_note(w).pk}/"), DELETE_AS_EDITOR),
    ("threat-model", "analyse"): Row(Call("post", model_url("analyse/")), WRITE),
    ("threat-model", "coverage"): Row(Call("get", model_url("coverage/")), READ_MEMBERS),
    ("threat-model", "attack_paths"): Row(Call("get", model_url("attack-paths/?k=2")), READ_MEMBERS),
    ("threat-model", "questions"): Row(Call("get", model_url("questions/")), READ_MEMBERS),
    # The rule library and the ATT&CK catalogue are the same for everyone signed in.
    ("rule", "list"): Row(Call("get", lambda w, p: "/api/v1/rules/"), same(200)),
    ("rule", "retrieve"): Row(Call("get", lambda w, p: "/api/v1/rules/K8S-001/"), same(200)),
    ("technique", "list"): Row(Call("get", lambda w, p: "/api/v1/techniques/?tactics__shortname=privilege-escalation"), same(200)),
    ("technique", "retrieve"): Row(Call("get", lambda w, p: "/api/v1/techniques/T1611/"), same(200)),
    ("tactic", "list"): Row(Call("get", lambda w, p: "/api/v1/tactics/"), same(200)),
    ("tactic", "retrieve"): Row(Call("get", lambda w, p: f"/api/v1/tactics/{Tactic.objects.get(attack_id='TA0004').pk}/"), same(200)),
    # --- the workflow (issue 4)
    ("threat-model-workflow", "gates"): Row(Call("get", model_url("gates/")), READ_MEMBERS),
    ("threat-model-workflow", "advance"): Row(
        Call("post", lambda w, p: _designed(w) + "advance/", lambda w, p: {"to": "break"}), WRITE
    ),
    ("threat-model-workflow", "reopen"): Row(
        Call("post", lambda w, p: _at_stage(w, "fix") + "reopen/", lambda w, p: {"to": "break", "reason": "redo"}), WRITE
    ),
    ("threat-model-workflow", "heat_map"): Row(Call("get", model_url("heat-map/")), READ_MEMBERS),
    ("threat-model-workflow", "risk_register"): Row(Call("get", model_url("risk-register/")), READ_MEMBERS),
    ("threat-workflow", "rating"): Row(
        Call("put", lambda w, p: _threat_url(w, "rating/"), lambda w, p: {"likelihood": 3, "impact": 3, "rationale": "why"}), WRITE
    ),
    ("threat-workflow", "set_status"): Row(
        Call("post", lambda w, p: _threat_url(w, "status/"), lambda w, p: {"status": "eliminated", "reason": "gone"}), WRITE
    ),
    ("threat-workflow", "assessment"): Row(Call("get", lambda w, p: _threat_url(w, "assessment/")), READ_MEMBERS),
    ("threat-workflow", "suggested_mitigations"): Row(Call("get", lambda w, p: _threat_url(w, "suggested-mitigations/")), READ_MEMBERS),
    ("threat-workflow", "history"): Row(Call("get", lambda w, p: _threat_url(w, "history/")), READ_MEMBERS),
    ("mitigation", "list"): Row(Call("get", lambda w, p: "/api/v1/mitigations/"), same(200), hides_team_objects=True),
    ("mitigation", "create"): Row(
        Call("post", lambda w, p: "/api/v1/mitigations/", lambda w, p: {"threat_model": w.model.pk, "title": "Segment"}), CREATE
    ),
    ("mitigation", "retrieve"): Row(Call("get", lambda w, p: _mitigation_url(w)), READ_MEMBERS),
    ("mitigation", "partial_update"): Row(Call("patch", lambda w, p: _mitigation_url(w), lambda w, p: {"title": "Renamed"}), WRITE),
    ("mitigation", "destroy"): Row(Call("delete", lambda w, p: _mitigation_url(w)), DELETE_AS_EDITOR),
    ("mitigation", "link"): Row(Call("post", lambda w, p: _mitigation_url(w, "link/"), lambda w, p: {"threats": [the_threat(w).pk]}), WRITE),
    ("mitigation", "unlink"): Row(
        Call("post", lambda w, p: _mitigation_url(w, "unlink/", linked=True), lambda w, p: {"threats": [the_threat(w).pk]}), WRITE
    ),
    ("mitigation", "set_status"): Row(
        Call("post", lambda w, p: _mitigation_url(w, "status/"), lambda w, p: {"status": "implemented"}), WRITE
    ),
    ("mitigation", "verify"): Row(
        Call("post", lambda w, p: _mitigation_url(w, "verify/", status="implemented"), lambda w, p: {"evidence": "scan"}),
        codes(200, 200, 200, 403, 404),  # a review act: reviewers verify too
    ),
    ("decision", "list"): Row(Call("get", lambda w, p: "/api/v1/decisions/"), same(200), hides_team_objects=True),
    ("decision", "create"): Row(
        Call("post", lambda w, p: "/api/v1/decisions/",
             lambda w, p: {"threat": the_threat(w).pk, "kind": "not_applicable", "justification": "no state"}),
        CREATE,
    ),
    ("decision", "retrieve"): Row(Call("get", lambda w, p: _decision_url(w)), READ_MEMBERS),
    ("decision", "approve"): Row(Call("post", lambda w, p: _decision_url(w, "approve/", pending=True)), OWNER_ONLY),
    ("decision", "revoke"): Row(Call("post", lambda w, p: _decision_url(w, "revoke/"), lambda w, p: {"reason": "wrong"}), WRITE),
    ("snapshot", "list"): Row(Call("get", lambda w, p: "/api/v1/snapshots/"), same(200), hides_team_objects=True),
    ("snapshot", "create"): Row(
        Call("post", lambda w, p: "/api/v1/snapshots/", lambda w, p: {"threat_model": w.model.pk, "label": "v1"}), CREATE
    ),
    ("snapshot", "retrieve"): Row(Call("get", lambda w, p: _snapshot_url(w)), READ_MEMBERS),
    ("snapshot", "diff"): Row(Call("get", lambda w, p: _snapshot_url(w, "diff/")), READ_MEMBERS),
    ("risk-policy", "list"): Row(Call("get", lambda w, p: "/api/v1/risk-policies/"), same(200), hides_team_objects=True),
    ("risk-policy", "create"): Row(
        Call("post", lambda w, p: "/api/v1/risk-policies/", lambda w, p: {"team": w.team.pk, "unacceptable_at": 12}),
        codes(201, 403, 403, 403, 404),
    ),
    ("risk-policy", "retrieve"): Row(Call("get", lambda w, p: f"/api/v1/risk-policies/{_policy(w).pk}/"), READ_MEMBERS),
    ("band-change", "list"): Row(Call("get", lambda w, p: "/api/v1/band-changes/"), same(200), hides_team_objects=True),
    ("band-change", "retrieve"): Row(Call("get", lambda w, p: _band_change_url(w)), READ_MEMBERS),
    ("band-change", "acknowledge"): Row(Call("post", lambda w, p: _band_change_url(w, "acknowledge/")), WRITE),
    ("audit-event", "list"): Row(Call("get", lambda w, p: "/api/v1/audit-events/"), same(200), hides_team_objects=True),
    ("audit-event", "retrieve"): Row(Call("get", lambda w, p: f"/api/v1/audit-events/{_audit_event(w).pk}/"), READ_MEMBERS),
    ("assumption", "list"): Row(Call("get", lambda w, p: "/api/v1/assumptions/"), same(200), hides_team_objects=True),
    ("assumption", "create"): Row(
        Call("post", lambda w, p: "/api/v1/assumptions/", lambda w, p: {"threat_model": w.model.pk, "text": "The mesh enforces mTLS"}),
        CREATE,
    ),
    ("assumption", "retrieve"): Row(Call("get", lambda w, p: _assumption_url(w)), READ_MEMBERS),
    ("assumption", "partial_update"): Row(Call("patch", lambda w, p: _assumption_url(w), lambda w, p: {"text": "Reworded"}), WRITE),
    ("assumption", "destroy"): Row(Call("delete", lambda w, p: _assumption_url(w)), DELETE_AS_EDITOR),
    ("assumption", "falsify"): Row(Call("post", lambda w, p: _assumption_url(w, "falsify/"), lambda w, p: {"reason": "pen test"}), WRITE),
    # --- workshop comments: reviewers and above comment; only the author edits; the author or an owner deletes
    ("threat-model-comment", "list"): Row(Call("get", lambda w, p: (_comment_url(w), model_url("comments/")(w, p))[1]), READ_MEMBERS),
    ("threat-model-comment", "create"): Row(
        Call("post", model_url("comments/"), lambda w, p: {"body": "Behind the WAF? @editor", "subject_key": "web"}),
        codes(201, 201, 201, 403, 404),
    ),
    ("comment", "retrieve"): Row(Call("get", lambda w, p: _comment_url(w)), READ_MEMBERS),
    ("comment", "partial_update"): Row(
        Call("patch", lambda w, p: _comment_url(w), lambda w, p: {"body": "Reworded"}), codes(200, 403, 403, 403, 404)
    ),
    ("comment", "destroy"): Row(Call("delete", lambda w, p: _comment_url(w)), codes(204, 403, 403, 403, 404)),
    ("comment", "resolve"): Row(Call("post", lambda w, p: _comment_url(w, "resolve/"), lambda w, p: {}), codes(200, 200, 200, 403, 404)),
    # The catalogue and the risk scales hold no team data: every signed-in user reads them.
    ("control", "list"): Row(Call("get", lambda w, p: _controls("/api/v1/controls/")), same(200)),
    ("control", "retrieve"): Row(Call("get", lambda w, p: _controls("/api/v1/controls/RTC-11/")), same(200)),
    ("risk", "scales"): Row(Call("get", lambda w, p: "/api/v1/risk/scales/"), same(200)),
    ("risk", "owasp_rating"): Row(
        Call("post", lambda w, p: "/api/v1/risk/owasp-rating/", lambda w, p: {"impact": dict.fromkeys(OWASP_IMPACT_FACTORS, 3)}),
        same(200),
    ),
}


# Objects the workflow rows act on, made when a row's URL is built (each case has a fresh database).


def _threat_url(w: World, suffix: str) -> str:
    return f"/api/v1/threats/{the_threat(w).pk}/{suffix}"


def _designed(w: World) -> str:
    from threatmodel.tests.helpers import complete_design

    complete_design(w)
    return f"/api/v1/threat-models/{w.model.pk}/"


def _at_stage(w: World, stage: str) -> str:
    from threatmodel.tests.helpers import set_stage

    set_stage(w.model, stage)
    return f"/api/v1/threat-models/{w.model.pk}/"


def _mitigation_url(w: World, suffix: str = "", *, linked: bool = False, status: str = "planned") -> str:
    from threatmodel.models import Mitigation, ThreatMitigation

    mitigation = Mitigation.objects.create(threat_model=w.model, ref="MIT-1", title="Drop privileges", status=status)
    if linked:
        ThreatMitigation.objects.create(mitigation=mitigation, threat=the_threat(w))
    return f"/api/v1/mitigations/{mitigation.pk}/{suffix}"


def _assumption_url(w: World, suffix: str = "") -> str:
    from threatmodel.models import Assumption

    assumption = Assumption.objects.create(threat_model=w.model, text="Only the gateway is exposed")
    assumption.threats.add(the_threat(w))
    return f"/api/v1/assumptions/{assumption.pk}/{suffix}"


def _comment_url(w: World, suffix: str = "") -> str:
    """A thread the owner started (so only the owner may edit it, and only the owner delete it)."""
    from threatmodel.models import Comment

    comment = Comment.objects.create(threat_model=w.model, subject_key="web", body="Is the web tier behind the WAF?", author=w.users["owner"])
    return f"/api/v1/comments/{comment.pk}/{suffix}"


def _decision_url(w: World, suffix: str = "", *, pending: bool = False) -> str:
    from datetime import timedelta

    from django.utils import timezone

    from threatmodel.models import Decision

    threat = the_threat(w)
    if pending:
        Threat.objects.filter(pk=threat.pk).update(likelihood=5, impact=4)
        decision = Decision.objects.create(
            threat_model=w.model, threat=threat, kind="exception", status="pending", justification="migration",
            owner=w.users["owner"], expires_on=timezone.localdate() + timedelta(days=30), compensating_controls="WAF",
        )
    else:
        Threat.objects.filter(pk=threat.pk).update(status="not_applicable")
        decision = Decision.objects.create(threat_model=w.model, threat=threat, kind="not_applicable", status="active",
                                           justification="no state")
    return f"/api/v1/decisions/{decision.pk}/{suffix}"


def _snapshot_url(w: World, suffix: str = "") -> str:
    from threatmodel.workflow.snapshots import freeze

    snapshot = freeze(actor=w.users["editor"], model=w.model, reason="manual")
    return f"/api/v1/snapshots/{snapshot.pk}/{suffix}"


def _policy(w: World) -> Any:
    from threatmodel.workflow.common import ensure_team_policy

    return ensure_team_policy(w.team.pk)


def _band_change_url(w: World, suffix: str = "") -> str:
    from threatmodel.models import BandChange

    change = BandChange.objects.create(
        threat_model=w.model, threat=the_threat(w), policy=_policy(w), previous_version=1,
        before={"inherent": "tolerable"}, after={"inherent": "unacceptable"},
    )
    return f"/api/v1/band-changes/{change.pk}/{suffix}"


def _audit_event(w: World) -> Any:
    from threatmodel.audit import audit_record

    return audit_record(team_id=w.team.pk, actor=w.users["owner"], action="threat_model.update", obj=w.model, threat_model_id=w.model.pk)


def _controls(url: str) -> str:
    from threatmodel.workflow.controls import controls_sync

    controls_sync()
    return url


def the_threat(w: World) -> Threat:
    return Threat.objects.get(threat_model=w.model, fingerprint="M@web")


def the_note(w: World) -> CoverageNote:
    return CoverageNote.objects.get(threat_model=w.model, target_key="db")


def routed_actions() -> set[tuple[str, str]]:
    """Every (basename, action) the router exposes."""
    found: set[tuple[str, str]] = set()
    for _prefix, viewset, basename in router.registry:
        for route in router.get_routes(viewset):
            for action in route.mapping.values():
                if hasattr(viewset, action):
                    found.add((basename, action))
    return found


def test_every_routed_endpoint_has_a_row_in_the_matrix() -> None:
    routed = routed_actions()
    assert routed - set(MATRIX) == set(), "add these endpoints to the permission matrix"
    assert set(MATRIX) - routed == set(), "these matrix rows name endpoints that no longer exist"


def prepare(world: World) -> None:
    from conftest import make_user

    bystander = make_user("bystander")
    Membership.objects.create(team=world.team, user=bystander, role="viewer")
    make_user("newcomer")
    Invitation.objects.create(team=world.team, email="invitee@example.com", digest="0" * 64, expires_at=timezone.now() + timedelta(days=1))
    Threat.objects.create(threat_model=world.model, fingerprint="M@web", stride="T", title="Tampered web", element_key="web")
    CoverageNote.objects.create(threat_model=world.model, target_key="db", stride="D", reason="Managed service SLA")
    for user in world.users.values():
        api_token_create(actor=user, name="matrix")


def _manifest() -> io.BytesIO:
    part = io.BytesIO(b"apiVersion: v1\nkind: Pod\nmetadata: {name: web}\nspec: {containers: [{name: web, image: nginx}]}\n")
    part.name = "pod.yaml"
    return part


def _sarif() -> io.BytesIO:
    part = io.BytesIO(b'{"version": "2.1.0", "runs": [{"tool": {"driver": {"name": "matrix"}}, "results": []}]}')
    part.name = "empty.sarif"
    return part


def send(client: APIClient, call: Call, world: World, persona: str) -> Any:
    url = call.url(world, persona)
    body = call.body(world, persona) if call.body else None
    if call.fmt == "raw-json":
        return getattr(client, call.method)(url, data=body, content_type="application/json")
    if call.fmt == "multipart":
        return getattr(client, call.method)(url, data=body, format="multipart")
    return getattr(client, call.method)(url, data=body, format="json")


CASES = [(key, persona) for key in MATRIX for persona in (*ALL, None)]


@pytest.mark.parametrize(("key", "persona"), CASES, ids=[f"{k[0]}.{k[1]}-{p or 'anonymous'}" for k, p in CASES])
def test_permission_matrix(world: World, key: tuple[str, str], persona: str | None) -> None:
    prepare(world)
    row = MATRIX[key]
    client = world.client(persona)
    if persona is None and key[1] in ("retrieve", "destroy") and key[0] == "token":
        # Anonymous callers have no token of their own; use the owner's to show it is refused.
        response = send(client, row.call, world, "owner")
    else:
        response = send(client, row.call, world, persona or "owner")
    expected = row.anonymous if persona is None else row.expect[persona]
    assert response.status_code == expected, (response.status_code, response.content[:500])
    if response.status_code >= 400:
        body = response.json()
        assert set(body) == {"error"} and {"code", "message", "details"} <= set(body["error"])
    if persona == "outsider" and row.hides_team_objects:
        text = json.dumps(response.json())
        assert "Payments" not in text and "Checkout" not in text and '"web"' not in text
        for result in response.json()["results"]:
            assert result.get("team") != world.team.pk
            assert result.get("threat_model") != world.model.pk


def test_an_outsider_cannot_reach_a_token_of_someone_else(world: World) -> None:
    prepare(world)
    token = own_token(world, "owner")
    client = world.client("outsider")
    assert client.get(f"/api/v1/tokens/{token.pk}/").status_code == 404
    assert client.delete(f"/api/v1/tokens/{token.pk}/").status_code == 404
    token.refresh_from_db()
    assert token.revoked_at is None


def test_filters_and_search_do_not_leak_other_teams(world: World) -> None:
    prepare(world)
    client = world.client("outsider")
    for url in (
        f"/api/v1/diagrams/?threat_model={world.model.pk}",
        f"/api/v1/elements/?threat_model={world.model.pk}",
        f"/api/v1/flows/?diagram={world.diagram.pk}",
        f"/api/v1/threats/?threat_model={world.model.pk}",
        f"/api/v1/memberships/?team={world.team.pk}",
        "/api/v1/threat-models/?search=Checkout",
        f"/api/v1/threat-models/?team={world.team.pk}",
        f"/api/v1/mitigations/?threat_model={world.model.pk}",
        f"/api/v1/decisions/?threat_model={world.model.pk}",
        f"/api/v1/snapshots/?threat_model={world.model.pk}",
        f"/api/v1/audit-events/?threat_model={world.model.pk}",
        f"/api/v1/band-changes/?threat_model={world.model.pk}",
        f"/api/v1/risk-policies/?team={world.team.pk}",
    ):
        response = client.get(url)
        assert response.status_code in (200, 400), url
        if response.status_code == 200:
            assert response.json()["count"] == 0, url


def test_an_id_filter_answers_the_same_for_a_missing_id_and_another_team_s(world: World) -> None:
    """No existence oracle: a filter on an id outside your teams looks like one on no id at all."""
    from threatmodel.models import ThreatModel

    elsewhere = ThreatModel.objects.create(team=world.other_team, name="Secret project")
    client = world.client("viewer")
    for url in ("/api/v1/diagrams/?threat_model={}", "/api/v1/threats/?threat_model={}", "/api/v1/coverage-notes/?threat_model={}",
                "/api/v1/mitigations/?threat_model={}", "/api/v1/audit-events/?threat_model={}", "/api/v1/threat-models/?team={}"):
        other = client.get(url.format(elsewhere.pk if "threat_model" in url else world.other_team.pk))
        missing = client.get(url.format(10**12))
        assert other.status_code == missing.status_code == 200, url
        assert other.json()["count"] == missing.json()["count"] == 0, url


@pytest.mark.parametrize("value", ["1.5", "1e5", "-3", "0", "28781527352011081251815424", "abc"])
def test_an_id_filter_refuses_what_is_not_an_id(world: World, value: str) -> None:
    for url in (f"/api/v1/diagrams/?threat_model={value}", f"/api/v1/snapshots/?threat_model={value}",
                f"/api/v1/audit-events/?team={value}", f"/api/v1/threats/?threat_model={value}"):
        response = world.client("viewer").get(url)
        assert response.status_code == 400, url
        assert response.json()["error"]["code"] == "invalid"


def test_a_membership_without_a_role_is_a_viewer(world: World) -> None:
    from conftest import make_user

    make_user("newcomer")
    world.users["owner"].is_staff = True  # an instance admin who owns the team adds directly
    world.users["owner"].save(update_fields=["is_staff"])
    response = world.client("owner").post("/api/v1/memberships/", {"team": world.team.pk, "user": "newcomer"}, format="json")
    assert response.status_code == 201 and response.json()["role"] == "viewer"


def test_too_many_form_fields_get_the_api_error_shape(world: World) -> None:
    body = "&".join(f"f{i}=1" for i in range(1200))
    response = world.client("editor").post("/api/v1/mitigations/", body, content_type="application/x-www-form-urlencoded")
    assert response.status_code == 400 and response.json()["error"]["code"] == "invalid"
