"""Machine evidence on a model: ``POST /api/v1/threat-models/{id}/evidence/``.

Kyverno PolicyReports, Kubescape JSON results and SARIF logs (fixtures under tests/data/evidence,
shaped as the tools write them) are matched to mitigations through their catalogue control: a pass
verifies an implemented mitigation (the uploader verifies, as by hand), a failure reopens a
verified one and its threats with an audit entry and an e-mail; unmatched results are listed;
bad input is a clear 400/413 and writes nothing.
"""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

import pytest
from django.core import mail
from rest_framework.test import APIClient

from conftest import World
from stride.choices import ThreatStatus
from stride.models import Threat
from threatmodel.choices import Stage
from threatmodel.models import AuditEvent, Control, Mitigation, MitigationStatus, ThreatMitigation, ThreatModel
from threatmodel.services import api_token_create
from threatmodel.tests.shared_data import DATA
from threatmodel.workflow.controls import controls_sync

pytestmark = pytest.mark.django_db

HERE = Path(__file__).parent / "data" / "evidence"
PRIV_POD = DATA / "manifests" / "badpods" / "manifests" / "priv" / "pod" / "priv-exec-pod.yaml"


@pytest.fixture(autouse=True)
def _catalogue(db: None) -> None:
    controls_sync()


def upload(client: APIClient, model: ThreatModel, name: str, raw: bytes | None = None, **fields: Any) -> Any:
    part = io.BytesIO((HERE / name).read_bytes() if raw is None else raw)
    part.name = name
    return client.post(f"/api/v1/threat-models/{model.pk}/evidence/", data={"file": [part], **fields}, format="multipart")


def mitigation(world: World, control: str, status: str, *, by: str = "owner", ref: str = "MIT-1", threat: Threat | None = None) -> Mitigation:
    item = Mitigation.objects.create(
        threat_model=world.model, ref=ref, title=f"Enforce {control}", control=Control.objects.get(control_id=control), status=status,
        implemented_by=world.users[by], evidence="Kyverno ClusterPolicy applied in Enforce mode.",
        verified_by=world.users["reviewer"] if status == MitigationStatus.VERIFIED else None,
    )  # fmt: skip
    if threat is not None:
        ThreatMitigation.objects.create(threat=threat, mitigation=item)
    return item


def test_a_passing_policy_report_verifies_the_implemented_mitigation_as_the_uploader(world: World) -> None:
    dep = mitigation(world, "DEP-03", MitigationStatus.IMPLEMENTED)
    planned = mitigation(world, "RTS-06", MitigationStatus.PLANNED, ref="MIT-2")
    response = upload(world.client("editor"), world.model, "policyreport-pass.yaml")
    assert response.status_code == 200, response.content[:500]
    body = response.json()
    assert body["format"] == "policyreport" and body["source"] == "kyverno"
    assert body["generated_at"] == "2026-11-30T09:12:44Z"
    dep.refresh_from_db()
    assert dep.status == MitigationStatus.VERIFIED and dep.verified_by == world.users["editor"] and dep.verified_at is not None
    assert "Kyverno ClusterPolicy applied" in dep.evidence  # the hand-written evidence stays
    assert "policyreport-pass.yaml" in dep.evidence and "source kyverno" in dep.evidence and "checkout-no-privileged" in dep.evidence
    # disallow-host-path is evidence for DEP-03 and RTS-06; the planned RTS-06 mitigation cannot be verified.
    planned.refresh_from_db()
    assert planned.status == MitigationStatus.PLANNED
    rows = {row["key"]: row for row in body["results"]}
    assert rows["checkout-no-privileged"]["mitigations"] == ["MIT-1"]
    assert rows["checkout-no-privileged"]["actions"][0]["did"] == "verified"
    assert {a["mitigation"]: a["did"] for a in rows["disallow-host-path"]["actions"]} == {"MIT-1": "verified", "MIT-2": "unchanged"}
    assert "not implemented" in rows["disallow-host-path"]["actions"][1]["reason"]
    assert [(u["key"], u["outcome"]) for u in body["unmatched"]] == [("require-labels", "fail")]
    assert body["summary"] == {"results": 3, "matched": 2, "unmatched": 1, "verified": 1, "reopened": 0, "unchanged": 1}
    event = AuditEvent.objects.get(action="mitigation.verify", object_id=str(dep.pk))
    assert event.actor == world.users["editor"] and event.after is not None
    assert event.after["status"] == "verified"
    assert event.after["evidence_report"]["source"] == "kyverno" and event.after["evidence_report"]["file"] == "policyreport-pass.yaml"
    assert {r["key"] for r in event.after["evidence_report"]["results"]} == {"checkout-no-privileged", "disallow-host-path"}


def test_the_implementer_cannot_verify_their_own_mitigation_with_a_report(world: World) -> None:
    dep = mitigation(world, "DEP-03", MitigationStatus.IMPLEMENTED, by="editor")
    body = upload(world.client("editor"), world.model, "policyreport-pass.yaml").json()
    dep.refresh_from_db()
    assert dep.status == MitigationStatus.IMPLEMENTED and dep.verified_by is None
    assert body["mitigations"][0]["did"] == "unchanged" and "someone else" in body["mitigations"][0]["reason"]
    assert not AuditEvent.objects.filter(action="mitigation.verify").exists()


def test_a_failing_result_reopens_the_verified_mitigation_and_its_threats_with_audit_and_mail(
    world: World, threat: Threat, django_capture_on_commit_callbacks: Any
) -> None:
    world.users["owner"].email = "owner@example.com"
    world.users["owner"].save()
    threat.status = ThreatStatus.MITIGATED
    threat.save()
    ThreatModel.objects.filter(pk=world.model.pk).update(stage=Stage.VERIFY)
    dep = mitigation(world, "DEP-03", MitigationStatus.VERIFIED, threat=threat)
    with django_capture_on_commit_callbacks(execute=True):
        response = upload(world.client("editor"), world.model, "policyreport-fail.yaml")
    assert response.status_code == 200, response.content[:500]
    body = response.json()
    dep.refresh_from_db()
    threat.refresh_from_db()
    assert dep.status == MitigationStatus.IMPLEMENTED and dep.verified_by is None and dep.verified_at is None
    assert threat.status == ThreatStatus.OPEN
    assert ThreatModel.objects.get(pk=world.model.pk).stage == Stage.FIX
    # The pass on the Deployment does not outweigh the fail on the debug pod.
    assert body["mitigations"] == [
        {"mitigation": "MIT-1", "title": "Enforce DEP-03", "control": "DEP-03", "passed": 1, "failed": 1, "before": "verified",
         "did": "reopened", "reason": "1 result(s) of checkout-no-privileged fail; 1 threat(s) open again", "status": "implemented"},
    ]  # fmt: skip
    failing = [r for r in body["results"] if r["outcome"] == "fail"]
    assert failing[0]["path"] == "items[1], results[0]" and failing[0]["subjects"] == []
    # checkout-run-as-non-root (skip) matches no mitigation here (RTC-11/DIS-07): listed as unmatched.
    assert [(u["key"], u["status"]) for u in body["unmatched"]] == [("checkout-run-as-non-root", "skip")]
    reopen = AuditEvent.objects.get(action="mitigation.reopen", object_id=str(dep.pk))
    assert reopen.after is not None
    assert reopen.before == {"status": "verified"} and reopen.after["evidence_report"]["results"][0]["status"] == "fail"
    assert AuditEvent.objects.filter(action="threat.status", threat_id=threat.pk, after__status="open").exists()
    assert AuditEvent.objects.filter(action="threat_model.reopen", threat_model_id=world.model.pk).exists()
    assert len(mail.outbox) == 1 and mail.outbox[0].to == ["owner@example.com"]
    assert "MIT-1" in mail.outbox[0].subject and "checkout-no-privileged (fail)" in mail.outbox[0].body


def test_a_failure_on_a_mitigation_that_is_not_verified_changes_nothing(world: World) -> None:
    dep = mitigation(world, "DEP-03", MitigationStatus.IMPLEMENTED)
    body = upload(world.client("owner"), world.model, "policyreport-fail.yaml").json()
    dep.refresh_from_db()
    assert dep.status == MitigationStatus.IMPLEMENTED
    assert body["mitigations"][0]["did"] == "unchanged" and "not verified" in body["mitigations"][0]["reason"]
    assert not AuditEvent.objects.filter(action__in=["mitigation.reopen", "mitigation.verify"]).exists()


def test_kubescape_results_verify_and_reopen_by_control_id(world: World) -> None:
    ro = mitigation(world, "RTC-12", MitigationStatus.IMPLEMENTED, ref="MIT-1")
    priv = mitigation(world, "RTC-11", MitigationStatus.VERIFIED, ref="MIT-2")
    response = upload(world.client("editor"), world.model, "kubescape.json")
    assert response.status_code == 200, response.content[:500]
    body = response.json()
    assert body["format"] == "kubescape" and body["source"] == "kubescape (prod-eu-1)" and body["generated_at"] == "2026-12-01T10:20:31Z"
    ro.refresh_from_db()
    priv.refresh_from_db()
    assert ro.status == MitigationStatus.VERIFIED and "C-0017" in ro.evidence and "2 resource(s)" in ro.evidence
    assert priv.status == MitigationStatus.IMPLEMENTED
    assert {u["key"] for u in body["unmatched"]} == {"C-0044"}
    failed = [r for r in body["results"] if r["outcome"] == "fail"]
    assert failed == [{"path": "results[1].controls[0]", "key": "C-0057", "outcome": "fail", "status": "failed",
                       "subjects": ["path=/manifests/debug.yaml/api=v1/shop/Pod/debug-shell"], "message": "Privileged container",
                       "mitigations": ["MIT-2"], "actions": [{"mitigation": "MIT-2", "did": "reopened",
                                                              "reason": "1 result(s) of C-0057 fail; 0 threat(s) open again"}]}]  # fmt: skip


def test_sarif_passes_and_failures_match_by_rule_id(world: World) -> None:
    token = mitigation(world, "RTA-06", MitigationStatus.IMPLEMENTED, ref="MIT-1")
    priv = mitigation(world, "DEP-03", MitigationStatus.VERIFIED, ref="MIT-2")
    body = upload(world.client("editor"), world.model, "checkov.sarif").json()
    token.refresh_from_db()
    priv.refresh_from_db()
    assert body["source"] == "Checkov 3.2.255" and body["generated_at"] == "2026-12-01T08:00:09Z"
    assert token.status == MitigationStatus.VERIFIED and priv.status == MitigationStatus.IMPLEMENTED
    # A SARIF result without kind is a failure (SARIF 2.1.0 §3.27.9).
    assert [(r["key"], r["outcome"]) for r in body["results"]] == [("CKV_K8S_38", "pass"), ("CKV_K8S_16", "fail")]
    assert [u["key"] for u in body["unmatched"]] == ["CKV_K8S_21"]


def test_the_gates_own_sarif_is_evidence_against_a_verified_mitigation(world: World) -> None:
    """The drift check in SARIF form: `POST …/check/` on a privileged pod, its SARIF uploaded back."""
    priv = mitigation(world, "DEP-03", MitigationStatus.VERIFIED)
    part = io.BytesIO(PRIV_POD.read_bytes())
    part.name = PRIV_POD.name
    checked = world.client("editor").post(f"/api/v1/threat-models/{world.model.pk}/check/", data={"file": [part]}, format="multipart")
    assert checked.status_code == 200, checked.content[:500]
    sarif = json.dumps(checked.json()["sarif"]).encode()
    body = upload(world.client("editor"), world.model, "gate.sarif", sarif).json()
    priv.refresh_from_db()
    assert priv.status == MitigationStatus.IMPLEMENTED
    assert "K8S-001" in {r["key"] for r in body["results"]}
    assert all(r["outcome"] == "fail" for r in body["results"])


def _nothing_written(world: World, before: int, item: Mitigation) -> None:
    item.refresh_from_db()
    assert item.status == MitigationStatus.VERIFIED and item.verified_by is not None
    assert AuditEvent.objects.count() == before


@pytest.mark.parametrize(
    ("raw", "path", "words"),
    [
        (b"apiVersion: wgpolicyk8s.io/v1alpha2\nkind: PolicyReport\nresults: [\n", "document 1", "not valid YAML"),
        (b'{"version": "2.1.0", "runs": [', "$", "not valid JSON"),
        (b'{"apiVersion": "v1", "kind": "ConfigMap", "data": {}}', "file", "Unknown report format"),
        (b"just: some\nyaml: file\n", "file", "Unknown report format"),
        (b"", "file", "empty"),
        (b'{"version": "2.0.0", "runs": []}', "version", "2.0.0"),
        (b'{"version": "2.1.0", "runs": [{"tool": {"driver": {"name": "x"}}, "results": [{"ruleId": "CKV_K8S_16", "kind": "bad"}]}]}',
         "runs[0].results[0].kind", "not a SARIF result kind"),
        (b'{"version": "2.1.0", "runs": [{"tool": {"driver": {"name": "x"}}, "results": [{"message": {"text": "no rule"}}]}]}',
         "runs[0].results[0]", "names no rule"),
        (b'{"summaryDetails": {}, "results": [{"resourceID": "r", "controls": [{"controlID": "C-0057", "status": {"status": "maybe"}}]}]}',
         "results[0].controls[0].status", "must be one of"),
        (b"apiVersion: wgpolicyk8s.io/v1alpha2\nkind: PolicyReport\nmetadata: {name: r, namespace: shop}\nresults:\n"
         b"- {policy: checkout-no-privileged, result: fail}\n- {policy: disallow-host-path, result: maybe}\n",
         "results[1].result", "'maybe' is not one of"),
        (b"apiVersion: wgpolicyk8s.io/v1alpha2\nkind: PolicyReport\nresults:\n- {result: pass}\n", "results[0].policy", "non-empty string"),
    ],
)  # fmt: skip
def test_bad_reports_are_refused_naming_the_place_and_nothing_is_written(world: World, raw: bytes, path: str, words: str) -> None:
    item = mitigation(world, "DEP-03", MitigationStatus.VERIFIED)
    before = AuditEvent.objects.count()
    response = upload(world.client("editor"), world.model, "report", raw)
    assert response.status_code == 400, response.content[:500]
    error = response.json()["error"]
    assert words in json.dumps(error), error
    assert any(d["path"].startswith(path) for d in error["details"]), error
    _nothing_written(world, before, item)


def test_a_50_mb_report_is_refused_and_nothing_is_written(world: World) -> None:
    item = mitigation(world, "DEP-03", MitigationStatus.VERIFIED)
    before = AuditEvent.objects.count()
    head = b'{"version": "2.1.0", "runs": [{"tool": {"driver": {"name": "big"}}, "results": ['
    result = b'{"ruleId": "CKV_K8S_16", "message": {"text": "Container should not be privileged"}},'
    raw = head + result * (50 * 1024 * 1024 // len(result)) + b'{"ruleId": "CKV_K8S_16"}]}]}'
    assert len(raw) >= 50 * 1024 * 1024
    response = upload(world.client("editor"), world.model, "big.sarif", raw)
    assert response.status_code == 413, response.content[:300]
    _nothing_written(world, before, item)


def test_an_unknown_format_field_and_two_files_are_refused(world: World) -> None:
    item = mitigation(world, "DEP-03", MitigationStatus.VERIFIED)
    before = AuditEvent.objects.count()
    response = upload(world.client("editor"), world.model, "checkov.sarif", format="trivy")
    assert response.status_code == 400 and response.json()["error"]["details"][0]["path"] == "format"
    parts = [io.BytesIO((HERE / "checkov.sarif").read_bytes()), io.BytesIO((HERE / "kubescape.json").read_bytes())]
    for part, name in zip(parts, ("a.sarif", "b.json"), strict=True):
        part.name = name
    response = world.client("editor").post(f"/api/v1/threat-models/{world.model.pk}/evidence/", data={"file": parts}, format="multipart")
    assert response.status_code == 400 and response.json()["error"]["details"][0]["path"] == "file"
    # The format named explicitly must fit the file.
    response = upload(world.client("editor"), world.model, "checkov.sarif", format="policyreport")
    assert response.status_code == 400, response.content[:300]
    _nothing_written(world, before, item)


def test_an_approved_model_refuses_evidence(world: World) -> None:
    item = mitigation(world, "DEP-03", MitigationStatus.VERIFIED)
    ThreatModel.objects.filter(pk=world.model.pk).update(stage=Stage.APPROVED)
    before = AuditEvent.objects.count()
    response = upload(world.client("editor"), world.model, "policyreport-fail.yaml")
    assert response.status_code == 409, response.content[:300]
    _nothing_written(world, before, item)


def test_roles_editors_and_their_tokens_upload_others_are_refused(world: World) -> None:
    dep = mitigation(world, "DEP-03", MitigationStatus.IMPLEMENTED)
    assert upload(world.client("outsider"), world.model, "policyreport-pass.yaml").status_code == 404
    assert upload(world.client("viewer"), world.model, "policyreport-pass.yaml").status_code == 403
    assert upload(world.client("reviewer"), world.model, "policyreport-pass.yaml").status_code == 403
    assert upload(APIClient(), world.model, "policyreport-pass.yaml").status_code == 401
    _, secret = api_token_create(actor=world.users["viewer"], name="ci")
    viewer_token = APIClient()
    viewer_token.credentials(HTTP_AUTHORIZATION=f"Bearer {secret}")
    assert upload(viewer_token, world.model, "policyreport-pass.yaml").status_code == 403
    dep.refresh_from_db()
    assert dep.status == MitigationStatus.IMPLEMENTED
    _, secret = api_token_create(actor=world.users["editor"], name="ci")
    editor_token = APIClient()
    editor_token.credentials(HTTP_AUTHORIZATION=f"Bearer {secret}")
    assert upload(editor_token, world.model, "policyreport-pass.yaml").status_code == 200
    dep.refresh_from_db()
    assert dep.status == MitigationStatus.VERIFIED and dep.verified_by == world.users["editor"]


def test_a_yaml_stream_with_a_cluster_policy_report_is_read_and_a_stray_document_refused(world: World) -> None:
    ns = mitigation(world, "DEP-03", MitigationStatus.IMPLEMENTED)
    cluster = (
        b"apiVersion: wgpolicyk8s.io/v1alpha2\nkind: ClusterPolicyReport\nmetadata: {name: cpol-disallow-host-namespaces}\n"
        b"results:\n- {policy: disallow-host-namespaces, rule: host-namespaces, result: pass, source: kyverno,"
        b" resources: [{apiVersion: v1, kind: Namespace, name: shop}], timestamp: {seconds: 1796029964, nanos: 0}}\n"
    )
    stream = cluster + b"---\n" + (HERE / "policyreport-pass.yaml").read_bytes()
    body = upload(world.client("editor"), world.model, "reports.yaml", stream).json()
    ns.refresh_from_db()
    assert ns.status == MitigationStatus.VERIFIED
    assert body["report"].startswith("cpol-disallow-host-namespaces, shop/")
    assert body["results"][0]["path"] == "document 1, results[0]" and body["results"][0]["subjects"] == ["Namespace/shop"]
    before = AuditEvent.objects.count()
    bad = cluster + b"---\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: x}\n"
    response = upload(world.client("owner"), world.model, "reports.yaml", bad)
    assert response.status_code == 400 and response.json()["error"]["details"][0]["path"] == "document 2"
    assert AuditEvent.objects.count() == before


def test_the_match_tables_name_catalogue_controls_that_exist() -> None:
    from threatmodel.evidence.mapping import KUBESCAPE_CONTROLS, KYVERNO_POLICIES, SARIF_RULES
    from threatmodel.evidence.match import GATE_RULES, catalogue_for

    known = set(Control.objects.values_list("control_id", flat=True))
    for table in (KYVERNO_POLICIES, KUBESCAPE_CONTROLS, SARIF_RULES, GATE_RULES):
        for key, ids in table.items():
            assert ids and set(ids) <= known, (key, ids)
    assert catalogue_for("policyreport", "shop/checkout-no-automounted-token-shop") == ("RTA-06", "RTC-21")
    assert catalogue_for("policyreport", "require-labels") == ()
    assert catalogue_for("sarif", "C-0057") == ("DEP-03", "RTC-11") == catalogue_for("sarif", "K8S-001")
