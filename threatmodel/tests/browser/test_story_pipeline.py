"""The model in pipelines, from the browser: a pipeline's check run (through the same service the
``POST …/check/`` endpoint calls, with a token) shows on the model's page with its verdict, commit
and who ran it, the guardrails generated from the model download from the same dialog, and an
editor uploads a scanner's report there as evidence that verifies a mitigation."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml
from django.contrib.auth.models import User
from django.core.management import call_command
from playwright.sync_api import Page, expect

from threatmodel.choices import Role
from threatmodel.interop.sources import SourceFile
from threatmodel.models import Control, Membership, Mitigation, ThreatModel
from threatmodel.models.workflow import MitigationStatus
from threatmodel.pipeline import check_run
from threatmodel.services import api_token_create
from threatmodel.tests.browser.conftest import sign_in
from threatmodel.tests.shared_data import DATA

pytestmark = pytest.mark.browser

EVIDENCE = Path(__file__).parent.parent / "data" / "evidence"
PRIV_POD = DATA / "manifests" / "badpods" / "manifests" / "priv" / "pod" / "priv-exec-pod.yaml"


@pytest.fixture
def demo(live_server: Any, transactional_db: None) -> dict[str, Any]:
    call_command("load_controls", verbosity=0)
    call_command("seed_demo", verbosity=0)
    return {"url": live_server.url, "model": ThreatModel.objects.get(team__slug="demo")}


def test_a_pipeline_check_shows_on_the_model_page_and_the_guardrails_download(page: Page, demo: dict[str, Any], shot: Any) -> None:
    model = demo["model"]
    user = model.team.memberships.get(user__username="demo").user
    token, _ = api_token_create(actor=user, name="ci")
    check_run(actor=user, threat_model=model, files=[SourceFile(PRIV_POD.name, PRIV_POD.read_bytes())], commit="3f2a9c1", token=token)
    sign_in(page, demo["url"], "demo", "demo-workshop")
    page.get_by_role("link", name="Online shop on Kubernetes").click()
    expect(page.locator(".react-flow__node").first).to_be_visible()
    page.get_by_role("toolbar", name="Diagram tools").get_by_role("button", name="Pipeline").click()
    dialog = page.get_by_role("dialog", name="Pipeline checks and guardrails")
    runs = dialog.locator(".check-runs li")
    expect(runs).to_have_count(1)
    expect(runs.first).to_contain_text("Failed · ")
    expect(runs.first).to_contain_text("commit 3f2a9c1 · by demo with a token")
    width = page.evaluate("() => { const d = document.querySelector('.modal'); return [d.scrollWidth, d.clientWidth] }")
    assert width[0] <= width[1], width  # the lines wrap inside the dialog
    shot(page, "pipeline-1-check-runs")
    with page.expect_download() as download_info:
        dialog.get_by_role("link", name="NetworkPolicies (default-deny and the drawn flows)").click()
    download = download_info.value
    assert download.suggested_filename == f"guardrails-{model.pk}-v{model.version}.yaml"
    text = Path(download.path()).read_text()
    assert text.startswith(f"# Guardrails of threat model {model.pk}")
    list(yaml.safe_load_all(text))  # it parses, whatever the demo's diagram lets it generate
    page.keyboard.press("Escape")
    expect(dialog).to_be_hidden()


def test_an_editor_uploads_a_policy_report_that_verifies_a_mitigation(page: Page, demo: dict[str, Any], shot: Any) -> None:
    model = demo["model"]
    implementer = User.objects.create_user("ivo", password="x")
    Membership.objects.create(team=model.team, user=implementer, role=Role.EDITOR)
    item = Mitigation.objects.create(
        threat_model=model, ref="MIT-90", title="Admission refuses privileged pods", control=Control.objects.get(control_id="DEP-03"),
        status=MitigationStatus.IMPLEMENTED, implemented_by=implementer, evidence="Kyverno ClusterPolicy applied in Enforce mode.",
    )  # fmt: skip
    sign_in(page, demo["url"], "demo", "demo-workshop")
    page.get_by_role("link", name="Online shop on Kubernetes").click()
    expect(page.locator(".react-flow__node").first).to_be_visible()
    page.get_by_role("toolbar", name="Diagram tools").get_by_role("button", name="Pipeline").click()
    dialog = page.get_by_role("dialog", name="Pipeline checks and guardrails")
    evidence = dialog.get_by_role("region", name="Evidence")
    expect(evidence.get_by_role("button", name="Upload evidence")).to_be_disabled()
    evidence.get_by_label("Report file").set_input_files(str(EVIDENCE / "policyreport-pass.yaml"))
    evidence.get_by_role("button", name="Upload evidence").click()
    answer = evidence.locator(".evidence-answer")
    expect(answer).to_contain_text("The Kyverno PolicyReport “policyreport-pass.yaml” (kyverno)")
    expect(answer).to_contain_text("1 mitigation verified")
    expect(answer.locator(".evidence-verified")).to_contain_text("MIT-90 Admission refuses privileged pods — verified")
    answer.scroll_into_view_if_needed()
    shot(page, "pipeline-2-evidence")
    item.refresh_from_db()
    assert item.status == MitigationStatus.VERIFIED and item.verified_by is not None and item.verified_by.username == "demo"
    assert "policyreport-pass.yaml" in item.evidence
    dialog.get_by_role("button", name="Close").click()
    expect(page.locator(".notice-banner")).to_contain_text("Evidence from “policyreport-pass.yaml”: 1 mitigation verified")
    # A refused report names what is wrong and changes nothing.
    page.get_by_role("toolbar", name="Diagram tools").get_by_role("button", name="Pipeline").click()
    evidence = page.get_by_role("dialog", name="Pipeline checks and guardrails").get_by_role("region", name="Evidence")
    evidence.get_by_label("Report file").set_input_files({"name": "junk.json", "mimeType": "application/json", "buffer": b'{"runs": 3}'})
    evidence.get_by_role("button", name="Upload evidence").click()
    expect(evidence.locator(".import-refusal")).to_contain_text("Unknown report format")
    assert Mitigation.objects.get(pk=item.pk).status == MitigationStatus.VERIFIED
    expect(evidence.locator(".evidence-answer")).to_have_count(0)
