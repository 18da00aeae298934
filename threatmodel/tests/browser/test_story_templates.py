"""Start from a template, in Debian's Chromium (issue 17): the model list offers the shipped
templates with their sizes, the reference Kubernetes cluster opens with its elements and its
analysed threats (with ATT&CK techniques), and the model can be saved back as a team template."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.core.management import call_command
from playwright.sync_api import Page, expect

from library.models import ModelTemplate
from library.templates import shipped
from stride.models import Threat
from threatmodel.models import ThreatModel
from threatmodel.tests.browser.conftest import Workshop, sign_in

pytestmark = pytest.mark.browser


def test_start_from_the_kubernetes_template_and_save_it_as_a_team_template(page: Page, workshop: Workshop, shot: Any) -> None:
    call_command("load_controls", verbosity=0)
    page.set_viewport_size({"width": 1440, "height": 900})
    sign_in(page, workshop.url, "ana")
    shot(page, "templates-0-list")
    page.get_by_role("button", name="New model from template…").click()
    dialog = page.get_by_role("dialog", name="New model from a template")
    options = dialog.locator(".template-option")
    expect(options).to_have_count(3)
    reference = options.filter(has_text="Reference Kubernetes cluster")
    elements = len(shipped()["kubernetes-reference"]["diagrams"][0]["elements"])
    expect(reference).to_contain_text(f"{elements} elements")
    expect(options.filter(has_text="Online Boutique")).to_be_visible()
    expect(options.filter(has_text="Sock Shop")).to_be_visible()
    reference.click()
    dialog.get_by_role("textbox", name="Model name").fill("Prod cluster")
    shot(page, "templates-1-choose")
    dialog.get_by_role("button", name="Create model").click()
    expect(page.locator(".model-name")).to_have_text("Prod cluster")
    model = ThreatModel.objects.get(name="Prod cluster")
    assert model.team == workshop.team
    expect(page.locator(".react-flow__node", has_text="kube-apiserver")).to_be_visible()
    expect(page.locator(".react-flow__node", has_text="Instance metadata service")).to_be_visible()
    page.locator("#tab-threats").click()
    rows = page.locator(".threat-row")
    expect(rows.first).to_be_visible()
    assert rows.count() > 0 and Threat.objects.filter(threat_model=model).count() >= 30
    expect(page.locator(".threat-row .technique").first).to_have_text(re.compile(r"^T\d{4}"))
    shot(page, "templates-2-workspace")
    page.get_by_role("button", name="Save as template").click()
    save = page.get_by_role("dialog", name="Save as team template")
    expect(save.get_by_label("Template name")).to_have_value("Prod cluster")
    save.get_by_label("Template name").fill("Our cluster baseline")
    save.get_by_role("button", name="Save template").click()
    expect(save.get_by_role("status")).to_contain_text(f"“Our cluster baseline” is in your team’s templates ({elements} elements")
    shot(page, "templates-3-saved")
    assert ModelTemplate.objects.get(team=workshop.team).name == "Our cluster baseline"
