"""The ways in and out, from the browser: export the demo model as Open Threat Model and import the
file back from the model list (after a broken file is refused with the place of its problem), and
ask for the review board's PDF, follow it to done on a real Celery worker, and download it."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from playwright.sync_api import Page, expect

from dfd.models import Element, Flow
from stride.models import Threat
from threatmodel.models import Report, ThreatModel
from threatmodel.tests.browser.conftest import sign_in

pytestmark = pytest.mark.browser

PASSWORD = "demo-workshop"


@pytest.fixture
def demo(live_server: Any, transactional_db: None) -> dict[str, Any]:
    call_command("load_controls", verbosity=0)
    call_command("seed_demo", verbosity=0)
    return {"url": live_server.url, "model": ThreatModel.objects.get(team__slug="demo")}


def open_demo(page: Page, url: str) -> None:
    sign_in(page, url, "demo", PASSWORD)
    page.get_by_role("link", name="Online shop on Kubernetes").click()
    expect(page.locator(".react-flow__node").first).to_be_visible()


def test_export_the_model_as_otm_and_import_it_back(page: Page, demo: dict[str, Any], shot: Any, tmp_path: Path) -> None:
    model = demo["model"]
    open_demo(page, demo["url"])

    # The Export menu: the server's formats beside the drawings made here.
    page.get_by_text("Export", exact=True).click()
    menu = page.get_by_role("menu")
    expect(menu.get_by_role("menuitem", name="Threat register (CSV)")).to_be_visible()
    shot(page, "interop-1-export-menu")
    with page.expect_download() as otm_download:
        menu.get_by_role("menuitem", name="Open Threat Model (OTM 0.2.0)").click()
    download = otm_download.value
    assert download.suggested_filename == f"threat-model-{model.pk}-v{model.version}.otm.json"
    otm_file = tmp_path / download.suggested_filename
    download.save_as(otm_file)
    otm = json.loads(otm_file.read_text(encoding="utf-8"))
    assert otm["otmVersion"] == "0.2.0" and otm["project"]["name"] == "Online shop on Kubernetes"

    page.get_by_text("Export", exact=True).click()
    with page.expect_download() as svg_download:
        page.get_by_role("menuitem", name="Graphviz drawing as SVG").click()
    assert svg_download.value.suggested_filename.endswith(".svg")
    assert "<svg" in Path(svg_download.value.path()).read_text(encoding="utf-8")

    # The model list: a broken file is refused with the place of the problem; the export goes in.
    page.get_by_role("link", name="Threat modeling workbench").click()
    page.get_by_role("button", name="Import from a file…").click()
    dialog = page.get_by_role("dialog", name="Import a threat model")
    broken = tmp_path / "broken.otm.json"
    broken.write_text(
        json.dumps(
            {
                "otmVersion": "0.2.0",
                "project": {"id": "p", "name": "Broken"},
                "components": [{"id": "a", "name": "A", "parent": {"trustZone": "nowhere"}}],
                "dataflows": [{"id": "f", "source": "a", "destination": "ghost"}],
            }
        ),
        encoding="utf-8",
    )
    dialog.get_by_label("File").set_input_files(broken)
    dialog.get_by_role("button", name="Import", exact=True).click()
    refusal = dialog.locator(".import-refusal")
    expect(refusal).to_contain_text("nothing was imported")
    expect(refusal.locator("li").first).to_contain_text("dataflows[0].destination: 'ghost' is no component of this file")
    shot(page, "interop-2-import-refused")

    dialog.get_by_label("File").set_input_files(otm_file)
    expect(dialog).to_contain_text("looks like Open Threat Model (JSON or YAML)")
    expect(dialog.get_by_label("Format")).to_have_value("otm")
    dialog.get_by_label("Name (optional)").fill("Online shop (round trip through OTM)")
    dialog.get_by_role("button", name="Import", exact=True).click()
    result = dialog.locator(".import-result")
    expect(result).to_contain_text("was imported as Open Threat Model (JSON or YAML)")
    elements = Element.objects.filter(diagram__threat_model=model)
    boundaries = elements.filter(kind="trust_boundary").count()
    flows = Flow.objects.filter(diagram__threat_model=model).count()
    expect(result).to_contain_text(f"{boundaries} trust boundaries")
    expect(result).to_contain_text(f"{elements.count() - boundaries} elements (external entities, processes, data stores)")
    expect(result).to_contain_text(f"{flows} flows")
    shot(page, "interop-3-import-done")
    dialog.get_by_role("button", name="Open the model").click()
    expect(page.locator(".app-header .model-name")).to_have_text("Online shop (round trip through OTM)")
    expect(page.locator(".react-flow__node")).to_have_count(elements.count())
    expect(page.locator(".react-flow__edge")).to_have_count(flows)

    imported = ThreatModel.objects.get(name="Online shop (round trip through OTM)")
    live = Threat.objects.filter(threat_model=model).exclude(status="obsolete")
    assert sorted(Threat.objects.filter(threat_model=imported).values_list("stride", flat=True)) == sorted(live.values_list("stride", flat=True))


def test_request_the_report_and_download_it(
    page: Page, demo: dict[str, Any], celery_worker: Any, shot: Any, tmp_path: Path
) -> None:
    model = demo["model"]
    open_demo(page, demo["url"])
    page.get_by_role("toolbar", name="Diagram tools").get_by_role("button", name="Report").click()
    dialog = page.get_by_role("dialog", name="Report for the review board")
    dialog.get_by_label("Letter").check()
    dialog.get_by_role("button", name="Request the report").click()
    progress = dialog.locator(".report-progress")
    expect(progress).to_contain_text(re.compile(r"Letter, model v\d+: (waiting for a worker|being rendered|ready)"))
    expect(progress).to_contain_text(re.compile(r"ready — \d+ pages"), timeout=180_000)
    expect(dialog.locator(".report-list")).to_contain_text("ready")
    shot(page, "interop-4-report-done")
    with page.expect_download() as pdf_download:
        progress.get_by_role("link", name="Download the PDF").click()
    download = pdf_download.value
    assert download.suggested_filename == f"threat-model-{model.pk}-v{model.version}-letter.pdf"
    assert Path(download.path()).read_bytes().startswith(b"%PDF")
    report = Report.objects.get(threat_model=model)
    assert (report.status, report.paper) == ("done", "letter")
    page.keyboard.press("Escape")
    expect(dialog).to_be_hidden()


def test_a_tmt_models_facts_are_in_the_property_panel(page: Page, demo: dict[str, Any], shot: Any) -> None:
    """Import Microsoft's sample .tm7 from the model list; its flow says what TMT knew, mapped and kept."""
    from threatmodel.tests.shared_data import DATA, MISSING

    sample = DATA / "tmt" / "Sample_Threat_Model.tm7"
    if not sample.is_file():
        pytest.skip(MISSING)
    sign_in(page, demo["url"], "demo", PASSWORD)
    page.get_by_role("button", name="Import from a file…").click()
    dialog = page.get_by_role("dialog", name="Import a threat model")
    dialog.get_by_label("File").set_input_files(sample)
    dialog.get_by_role("button", name="Import", exact=True).click()
    expect(dialog.locator(".import-result")).to_contain_text("was imported as Microsoft Threat Modeling Tool")
    dialog.get_by_role("button", name="Open the model").click()
    store = page.locator(".react-flow__node").filter(has=page.locator('.dfd-name:text-is("Generic Data Store")'))
    store.click()
    page.get_by_role("tab", name="Properties").click()
    panel = page.locator(".ws-right")
    # Mapped into the vocabulary: TMT's "Encrypted: No" is a no, not an unknown.
    expect(panel.get_by_role("combobox", name=re.compile(r"^Encrypted"))).to_have_value("false")
    facts = panel.locator(".imported-facts")
    expect(facts).to_contain_text("From the imported file")
    expect(facts).to_contain_text("Write Access")
    expect(facts).to_contain_text("Store Type")
    facts.scroll_into_view_if_needed()
    shot(page, "interop-5-tmt-facts")
