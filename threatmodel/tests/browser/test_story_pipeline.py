"""The model in pipelines, from the browser: a pipeline's check run (through the same service the
``POST …/check/`` endpoint calls, with a token) shows on the model's page with its verdict, commit
and who ran it, and the guardrails generated from the model download from the same dialog."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml
from django.core.management import call_command
from playwright.sync_api import Page, expect

from threatmodel.interop.sources import SourceFile
from threatmodel.models import ThreatModel
from threatmodel.pipeline import check_run
from threatmodel.services import api_token_create
from threatmodel.tests.browser.conftest import sign_in
from threatmodel.tests.shared_data import DATA

pytestmark = pytest.mark.browser

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
