"""Write a team rule in the browser, in Debian's Chromium (issue 17, item 3): a mistake is shown at
its line, the fixed rule passes its two examples and previews on the team's model, and once enabled
it fires on the model — the threat is in the workspace's list."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import Page, expect

from dfd.models import Diagram
from library.models import TeamRule
from stride.models import Threat
from threatmodel.diagrams import diagram_change
from threatmodel.models import ThreatModel
from threatmodel.tests.browser.conftest import Workshop, sign_in

pytestmark = pytest.mark.browser

OPS = [
    {"op": "add_element", "key": "tb-app", "kind": "trust_boundary", "name": "App", "x": 40, "y": 40, "width": 500, "height": 300},
    {"op": "add_element", "key": "api", "kind": "process", "name": "Payments API", "parent": "tb-app", "x": 40, "y": 60,
     "properties": {"runs_as_root": True}},
    {"op": "add_element", "key": "ledger", "kind": "data_store", "name": "Ledger", "parent": "tb-app", "x": 300, "y": 60},
    {"op": "add_flow", "key": "f1", "source": "api", "target": "ledger", "label": "SQL"},
]


def test_write_a_team_rule_with_its_examples_and_see_it_fire_on_the_model(page: Page, workshop: Workshop, shot: Any) -> None:
    model = ThreatModel.objects.create(team=workshop.team, name="Payments", created_by=workshop.users["ana"])
    diagram = Diagram.objects.create(threat_model=model, name="Level 0")
    diagram_change(diagram_id=diagram.pk, actor=None, base_version=1, ops=OPS)
    page.set_viewport_size({"width": 1440, "height": 1000})
    sign_in(page, workshop.url, "ana")
    page.get_by_role("button", name="Team rules…").click()
    dialog = page.get_by_role("dialog", name="Team rules")
    dialog.get_by_role("button", name="New rule…").click()
    yaml = dialog.get_by_role("textbox", name="YAML")
    written = yaml.input_value()
    assert written.startswith("id: TEAM-PLATFORM-SECURITY-001\n")
    yaml.fill(written.replace("name: runs_as_root", "name: runs_as_rot"))
    dialog.get_by_role("button", name="Check & preview").click()
    problems = dialog.get_by_role("list", name="Problems")
    expect(problems).to_contain_text("line 6 · condition.property.name: 'runs_as_rot' is not in the property vocabulary")
    shot(page, "team-rules-1-problem-at-its-line")
    yaml.fill(written)
    dialog.get_by_role("button", name="Check & preview").click()
    status = dialog.get_by_role("status")
    expect(status).to_contain_text("Valid: it fires on rooted and stays quiet on nonroot.")
    expect(status.locator(".rule-preview tbody tr", has_text="Payments")).to_contain_text("1 of 1")
    expect(status).to_contain_text("would fire on more than half")  # the model's only process runs as root
    assert not TeamRule.objects.exists()  # the preview wrote nothing
    shot(page, "team-rules-2-preview")
    dialog.get_by_role("button", name="Save (disabled)").click()
    expect(dialog.get_by_role("button", name="Enable")).to_be_visible()
    dialog.get_by_role("button", name="Enable").click()
    expect(dialog.locator(".team-rules-list")).to_contain_text("enabled")
    expect(dialog.get_by_role("button", name="Disable")).to_be_visible()
    shot(page, "team-rules-3-enabled")
    row = TeamRule.objects.get(team=workshop.team)
    assert row.enabled and row.version == 2
    assert Threat.objects.filter(threat_model=model, rule_id="TEAM-PLATFORM-SECURITY-001", element_key="api").exists()
    dialog.get_by_role("button", name="Close").first.click()
    page.get_by_role("link", name="Payments").click()
    page.locator("#tab-threats").click()
    expect(page.locator(".threat-row", has_text="Workloads must not run as root")).to_be_visible()
    shot(page, "team-rules-4-fires-on-the-model")
