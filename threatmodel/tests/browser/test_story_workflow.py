"""The workshop's workflow story in Debian's Chromium: the demo model taken from design to approved
through the browser, by its author and a reviewer, each in their own browser context.

The demo is loaded as ``make run`` loads it (``load_controls``, ``seed_demo``: ``demo`` owns the team,
``reviewer`` reviews), with one element and one flow left without a required property, so that the
design gate has something to show. Everything after that is done the way a person does it: clicking
the gate's items, the drawer, the heat map and the bulk actions of the threat list. The test never
calls the API; it reads the database only to check what the pages said.
"""

from __future__ import annotations

import json
import re
import time
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.core.management import call_command
from playwright.sync_api import Browser, Locator, Page, expect

from dfd.models import Diagram
from stride.models import Threat
from threatmodel.choices import Role
from threatmodel.diagrams import diagram_change
from threatmodel.models import Membership, Mitigation, Snapshot, ThreatModel
from threatmodel.tests.browser.conftest import open_browser_page, sign_in
from threatmodel.tests.browser.drawing import wait_saved

pytestmark = pytest.mark.browser

DEMO = Path(settings.BASE_DIR) / "fixtures" / "demo" / "online-shop.json"
PASSWORD = "demo-workshop"
SLOW = 30_000  # bulk actions make one request per threat


def demo_values() -> tuple[Any, Any]:
    """What the shipped demo says for the two properties the fixture takes away."""
    document = json.loads(DEMO.read_text(encoding="utf-8"))
    elements = {e["key"]: e for d in document["diagrams"] for e in d["elements"]}
    flows = {f["key"]: f for d in document["diagrams"] for f in d["flows"]}
    return elements["orders"]["properties"]["authenticated"], flows["f-orders-sql"]["properties"]["encrypted"]


@pytest.fixture
def demo(live_server: Any, transactional_db: None) -> dict[str, Any]:
    call_command("load_controls", verbosity=0)
    call_command("seed_demo", "--unrated", verbosity=0)
    model = ThreatModel.objects.get(team__slug="demo")
    author = Membership.objects.get(team=model.team, user__username="demo").user
    diagram = Diagram.objects.get(threat_model=model)
    # Nobody has looked at these two yet: the design gate must list them.
    diagram_change(
        actor=author,
        diagram_id=diagram.pk,
        base_version=diagram.version,
        ops=[
            {"op": "update_element", "key": "orders", "properties": {"authenticated": None}},
            {"op": "update_flow", "key": "f-orders-sql", "properties": {"encrypted": None}},
        ],
    )
    return {"url": live_server.url, "model": model}


def sign_in_as(page: Page, url: str, username: str) -> None:
    sign_in(page, url, username, PASSWORD)
    page.get_by_role("link", name="Online shop on Kubernetes").click()
    expect(page.locator(".react-flow__node").first).to_be_visible()


def gate_summary(page: Page) -> Locator:
    return page.locator(".stage-bar .gate-summary")


def open_gate_panel(page: Page) -> Locator:
    summary = gate_summary(page)
    if summary.get_attribute("aria-expanded") != "true":
        summary.click()
    panel = page.get_by_role("region", name="What blocks the next stage")
    expect(panel).to_be_visible()
    return panel


def current_stage(page: Page) -> Locator:
    return page.locator(".stage-steps li[aria-current='step']")


def threats_tab(page: Page) -> Locator:
    page.get_by_role("tab", name=re.compile("Threats")).click()
    return page.locator("#panel-threats")


def show_need(page: Page, need: str) -> None:
    panel = threats_tab(page)
    panel.get_by_role("button", name="Whole model").click()
    panel.get_by_label("Show threats that need").select_option(label=need)


def click_gate_item(page: Page, code: str) -> None:
    """Open the gate's list, unfold the group of ``code`` and click its first item."""
    group = open_gate_panel(page).locator("details.gate-group", has=page.locator(f".gate-item[data-code='{code}']"))
    if group.get_attribute("open") is None:
        group.locator("summary").click()
    group.locator(f".gate-item[data-code='{code}']").first.click()


def bulk(page: Page, action: str) -> Locator:
    """Select every threat the list shows, and open a bulk action on them."""
    panel = threats_tab(page)
    panel.get_by_label(re.compile(r"Select all \d+")).check()
    panel.get_by_role("group", name="Act on selected threats").get_by_role("button", name=action).click()
    dialog = page.get_by_role("dialog")
    expect(dialog).to_be_visible()
    return dialog


def finish_bulk(page: Page, dialog: Locator, run: str, done: int) -> None:
    dialog.get_by_role("button", name=run).click()
    expect(dialog.locator(".bulk-outcome")).to_contain_text(f"Done for {done} threat", timeout=SLOW)
    dialog.get_by_role("button", name="Close", exact=True).click()
    expect(dialog).to_be_hidden()


def test_the_demo_model_goes_from_design_to_approved_in_the_browser(
    page: Page, browser: Browser, demo: dict[str, Any], shot: Any
) -> None:
    started = time.monotonic()
    url, model = demo["url"], demo["model"]
    authenticated, encrypted = demo_values()

    # --- Design: the gate lists the two properties nobody answered; each item leads to its object.
    sign_in_as(page, url, "demo")
    expect(current_stage(page)).to_have_text("Design")
    expect(gate_summary(page)).to_have_text(re.compile(r"2 items block Design → Break"))
    expect(page.get_by_role("button", name="Move to Break")).to_be_disabled()
    panel = open_gate_panel(page)
    expect(panel).to_contain_text("Required properties not set")
    shot(page, "workflow-1-design-gate")
    panel.get_by_role("button", name=re.compile("Process 'Orders service'")).click()
    properties = page.locator(".ws-right")
    expect(properties.get_by_label("Name", exact=True)).to_have_value("Orders service")
    expect(page.locator(".react-flow__node.selected")).to_contain_text("Orders service")
    properties.get_by_role("combobox", name="Authenticated").select_option("true" if authenticated else "false")
    wait_saved(page)
    expect(gate_summary(page)).to_have_text(re.compile(r"1 item blocks Design → Break"))
    open_gate_panel(page).get_by_role("button", name=re.compile("Flow 'Order rows'")).click()
    expect(properties.get_by_label("Label", exact=True)).to_have_value("Order rows")
    properties.get_by_role("combobox", name="Encrypted").select_option("true" if encrypted else "false")
    wait_saved(page)
    expect(gate_summary(page)).to_have_text("Nothing blocks Design → Break.")
    page.get_by_role("button", name="Move to Break").click()
    expect(current_stage(page)).to_have_text("Break")

    # --- Break: one threat triaged and rated by hand in the drawer, with the OWASP calculator…
    threats = Threat.objects.filter(threat_model=model).exclude(status="obsolete")
    count = threats.count()
    assert count > 40
    expect(gate_summary(page)).to_have_text(f"{2 * count} items block Break → Fix")
    click_gate_item(page, "threat_not_triaged")
    drawer = page.get_by_role("complementary", name="Threat")
    expect(drawer.get_by_role("heading", level=2)).to_be_visible()
    first_title = drawer.get_by_role("heading", level=2).inner_text()
    drawer.get_by_role("button", name="Keep").click()
    expect(drawer).to_contain_text("Kept: the team agrees it applies.")
    drawer.get_by_role("button", name="OWASP calculator").click()
    calculator = drawer.get_by_role("group", name="OWASP Risk Rating calculator")
    for select in calculator.locator("fieldset").nth(0).locator("select").all():
        select.select_option("7")
    for select in calculator.locator("fieldset").nth(1).locator("select").all():
        select.select_option("5")
    calculator.get_by_role("button", name="Propose levels").click()
    expect(calculator.get_by_role("status")).to_contain_text("Likelihood: mean 7 → 4 (High)")
    expect(calculator.get_by_role("status")).to_contain_text("Impact: mean 5 → 3 (Moderate)")
    shot(page, "workflow-2-drawer-owasp")
    calculator.get_by_role("button", name="Use these levels").click()
    drawer.get_by_label("Rationale").fill("Workshop: reachable from the cluster network; one namespace at stake.")
    drawer.get_by_role("button", name="Save rating").click()
    expect(drawer.locator(".risk-line", has_text="Inherent")).to_contain_text("12 (4×3)")
    expect(drawer.locator(".risk-line", has_text="Inherent")).to_contain_text("Tolerable")
    expect(drawer.locator(".events")).to_contain_text("demo rated the risk")
    rated_by_hand = Threat.objects.get(threat_model=model, rationale__startswith="Workshop: reachable")
    assert (rated_by_hand.title, rated_by_hand.likelihood, rated_by_hand.impact, rated_by_hand.triaged) == (first_title, 4, 3, True)
    drawer.get_by_role("button", name="Close the threat drawer").click()
    expect(drawer).to_be_hidden()

    # …and the rest in two bulk actions: keep them, then take each rule's levels, with a rationale.
    show_need(page, "Not triaged")
    finish_bulk(page, bulk(page, "Keep"), f"Keep {count - 1}", count - 1)
    show_need(page, "Not rated")
    dialog = bulk(page, "Rate…")
    dialog.get_by_role("button", name=f"Rate {count - 1}").click()
    expect(dialog.get_by_text("Every rating needs a rationale")).to_be_visible()
    dialog.get_by_label(re.compile("Rationale")).fill("Workshop of 26 Nov: the rule's levels hold for this shop.")
    finish_bulk(page, dialog, f"Rate {count - 1}", count - 1)
    expect(gate_summary(page)).to_have_text("Nothing blocks Break → Fix.")
    assert not threats.filter(triaged=False).exists() and not threats.filter(likelihood__isnull=True).exists()
    page.get_by_role("button", name="Move to Fix").click()
    expect(current_stage(page)).to_have_text("Fix")

    # --- Fix: the heat map narrows the list to the unacceptable threats.
    expect(gate_summary(page)).to_have_text(f"{count} items block Fix → Verify")
    page.get_by_role("tab", name="Risk").click()
    heat = page.get_by_role("region", name="Risk heat map")
    heat.get_by_role("button", name="Inherent").click()  # it opens on the projected residual, which fix reads
    severe = [t for t in threats if (t.likelihood or 0) * (t.impact or 0) >= 15]
    heat.get_by_role("button", name=f"Unacceptable {len(severe)}").click()
    chip = page.locator(".filter-chip")
    expect(chip).to_contain_text("inherent risk unacceptable")
    expect(page.locator("#panel-threats .threat-row")).to_have_count(len(severe))
    page.get_by_role("tab", name="Risk").click()
    shot(page, "workflow-3-heat-map")

    # One of them gets a time-boxed exception in the drawer, which the team owner (demo) approves.
    threats_tab(page).locator(".threat-row").first.click()
    expect(drawer.get_by_role("heading", level=2)).to_be_visible()
    drawer.get_by_role("button", name="Record a decision…").click()
    form = drawer.get_by_role("group", name="Record a decision")
    expect(form.get_by_label("Exception (time-boxed)")).to_be_checked()
    expect(form.get_by_label("Accept the risk")).to_be_disabled()  # an unacceptable risk is not accepted
    form.get_by_role("button", name="Record the decision").click()
    expect(form.get_by_text("List the compensating controls.")).to_be_visible()
    form.get_by_label("Risk owner").select_option("demo")
    form.get_by_label("Justification and remediation plan").fill("The vendor's fix ships in the February release; we upgrade then.")
    form.get_by_label("Compensating controls").fill("Admission policy denies privileged pods; runtime alerts on the API server.")
    form.get_by_role("button", name="Record the decision").click()
    pending = drawer.locator(".decision-pending")
    expect(pending).to_contain_text("waits for the team owner’s approval")
    shot(page, "workflow-3b-exception-pending")
    pending.get_by_role("button", name="Approve the exception").click()
    expect(drawer.locator(".decision-active")).to_contain_text("by demo")
    expect(drawer.locator(".drawer-head")).to_contain_text("Accepted")
    drawer.get_by_role("button", name="Close the threat drawer").click()

    # The rest: one mitigation answers them all (the excepted one too, but its status follows its exception).
    dialog = bulk(page, "Mitigate…")
    dialog.get_by_label("Catalogue control").select_option("RTC-06")
    dialog.get_by_label("Title").fill("Baseline workload hardening: restricted Pod Security, network policies, mTLS")
    dialog.get_by_label("Likelihood −").select_option("3")
    dialog.get_by_label("Impact −").select_option("2")
    finish_bulk(page, dialog, f"Mitigate {len(severe)}", len(severe) - 1)
    chip.get_by_role("button", name="Clear filter").click()
    expect(chip).to_be_hidden()
    show_need(page, "Open")
    rows = page.locator("#panel-threats .threat-row")
    still_open = count - len(severe)
    # The panel adds rows a hundred at a time; the bulk actions still act on every threat in the filter.
    if still_open > 100:
        expect(rows).to_have_count(100)
        more = page.locator("#panel-threats").get_by_role("button", name=f"({still_open - 100} not shown)")
        expect(more).to_have_text(f"Show {min(100, still_open - 100)} more ({still_open - 100} not shown)")
        more.click()
    expect(rows).to_have_count(still_open)
    dialog = bulk(page, "Accept…")
    dialog.get_by_role("button", name=f"Accept {count - len(severe)}").click()
    expect(dialog.locator(".field-error").first).to_be_visible()  # owner and justification are required
    dialog.get_by_label("Risk owner").select_option("demo")
    dialog.get_by_label("Justification").fill("ALARP: tolerable for the pilot launch; reviewed again at general availability.")
    finish_bulk(page, dialog, f"Accept {count - len(severe)}", count - len(severe))
    expect(gate_summary(page)).to_have_text("Nothing blocks Fix → Verify.")
    page.get_by_role("button", name="Move to Verify").click()
    expect(current_stage(page)).to_have_text("Verify")

    # --- Verify: the author implements the mitigation, and may not sign off alone.
    mitigation = Mitigation.objects.get(threat_model=model)
    # Until it is verified, each mitigated threat blocks twice: mitigation not verified, residual unacceptable.
    expect(gate_summary(page)).to_have_text(f"{2 * (len(severe) - 1)} items block Verify → Approved")
    click_gate_item(page, "mitigation_not_verified")
    card = drawer.locator(f".mitigation[data-ref='{mitigation.ref}']")
    expect(card).to_have_class(re.compile("is-focused"))
    card.get_by_label("Status").select_option("implemented")
    expect(card.locator(".mstatus")).to_have_text("Implemented")
    expect(card.get_by_role("button", name="Verify…")).to_have_count(0)  # an owner could verify, but not what they implemented
    approve = page.get_by_role("button", name="Approve (sign off)")
    expect(approve).to_be_disabled()
    expect(page.locator(".signoff-refusal")).to_have_text(
        "Sign-off: You changed this model's diagram, ratings, threats or responses; a reviewer who did not must sign it off."
    )
    shot(page, "workflow-4-author-may-not-sign-off")

    # --- The reviewer, in a browser of their own: verifies with evidence, then signs off.
    reviewer = open_browser_page(browser)
    sign_in_as(reviewer, url, "reviewer")
    expect(current_stage(reviewer)).to_have_text("Verify")
    expect(reviewer.get_by_role("button", name="Reopen…")).to_have_count(0)
    click_gate_item(reviewer, "mitigation_not_verified")
    rdrawer = reviewer.get_by_role("complementary", name="Threat")
    expect(rdrawer.get_by_role("button", name="Save rating")).to_have_count(0)  # a reviewer does not rate
    rcard = rdrawer.locator(f".mitigation[data-ref='{mitigation.ref}']")
    rcard.get_by_role("button", name="Verify…").click()
    rcard.get_by_role("button", name="Verify with this evidence").click()
    expect(rcard.get_by_text("Give a link or a text")).to_be_visible()
    rcard.get_by_label("Evidence link").fill("https://git.example.com/shop/infra/pull/42")
    rcard.get_by_label("Evidence (text)").fill("Pod Security 'restricted' enforced in namespace shop; CI policy check green.")
    rcard.get_by_role("button", name="Verify with this evidence").click()
    expect(rcard.locator(".mstatus")).to_have_text("Verified")
    expect(gate_summary(reviewer)).to_have_text("Nothing blocks Verify → Approved.")
    reviewer.get_by_role("button", name="Approve (sign off)").click()
    sign_off = reviewer.get_by_role("dialog", name="Approve the threat model")
    sign_off.get_by_label("Sign-off note (optional)").fill("Reviewed in the workshop of 26 Nov.")
    sign_off.get_by_role("button", name="Approve and freeze").click()
    expect(current_stage(reviewer)).to_have_text("Approved")
    expect(reviewer.locator(".notice-banner")).to_contain_text("Approved. Version 1 of the model is frozen")
    reviewer.get_by_role("tab", name="Risk").click()
    expect(reviewer.get_by_role("button", name="Unacceptable 0")).to_be_disabled()
    shot(reviewer, "workflow-5-approved")

    # The approval snapshot, compared with now: identical.
    reviewer.get_by_role("toolbar", name="Diagram tools").get_by_role("button", name="History").click()
    history = reviewer.get_by_role("dialog", name="History of the model")
    expect(history.get_by_role("button", name=re.compile("Version 1 · approval"))).to_be_visible()
    expect(history.locator(".diff-identical")).to_have_text("Identical: nothing changed since this version.")
    shot(reviewer, "workflow-6-versions")
    history.get_by_role("tab", name="Audit trail").click()
    expect(history.locator(".events")).to_contain_text("reviewer approved the model")
    history.press("Escape")
    expect(history).to_be_hidden()

    model.refresh_from_db()
    snapshot = Snapshot.objects.get(threat_model=model)
    assert snapshot.created_by is not None and snapshot.created_by.username == "reviewer"
    assert model.stage == "approved" and snapshot.reason == "approval"
    assert snapshot.content["mitigations"][0]["verified_by"] == "reviewer"

    # --- The author sees the approval; the workspace no longer offers changes to the risk work.
    page.reload()
    expect(current_stage(page)).to_have_text("Approved")
    threats_tab(page).locator(".threat-row").first.click()
    expect(drawer.get_by_role("heading", level=2)).to_be_visible()
    expect(drawer.get_by_role("button", name="Save rating")).to_have_count(0)
    expect(page.get_by_role("button", name="Reopen…")).to_be_visible()
    print(f"\nworkflow story: {count} threats, design to approved in {time.monotonic() - started:.1f} s")


def test_a_viewer_follows_the_workflow_but_changes_nothing(page: Page, demo: dict[str, Any], shot: Any) -> None:
    from conftest import make_user

    viewer = make_user("visitor")
    Membership.objects.create(team=demo["model"].team, user=viewer, role=Role.VIEWER)
    sign_in(page, demo["url"], "visitor")
    page.get_by_role("link", name="Online shop on Kubernetes").click()
    expect(gate_summary(page)).to_have_text(re.compile(r"2 items block Design → Break"))
    expect(page.get_by_role("button", name="Move to Break")).to_have_count(0)
    expect(page.get_by_role("button", name="Reopen…")).to_have_count(0)
    threats = threats_tab(page)
    expect(threats.get_by_role("group", name="Act on selected threats")).to_have_count(0)
    threats.locator(".threat-row").first.click()
    drawer = page.get_by_role("complementary", name="Threat")
    expect(drawer.get_by_role("heading", level=2)).to_be_visible()
    for action in ("Keep", "Save rating", "New mitigation…", "Record a decision…", "Save status"):
        expect(drawer.get_by_role("button", name=action)).to_have_count(0)
    expect(drawer.get_by_label("Likelihood")).to_be_disabled()
    # The coverage view opens read-only too; Escape closes it.
    page.get_by_role("button", name="Coverage", exact=True).click()
    coverage = page.get_by_role("dialog", name="STRIDE coverage")
    expect(coverage).to_contain_text("cells covered")
    shot(page, "workflow-viewer-coverage")
    page.keyboard.press("Escape")
    expect(coverage).to_be_hidden()


def test_a_diagram_changed_since_break_is_flagged_until_it_is_re_analysed(page: Page, demo: dict[str, Any], shot: Any) -> None:
    # A large model's analysis runs in a Celery task after a save; until it has run, the model is at
    # a version its threats do not describe. That state is set here directly (a small model is
    # analysed inside the request, so the browser alone cannot hold it long enough to look at it).
    model = demo["model"]
    model.refresh_from_db()
    ThreatModel.objects.filter(pk=model.pk).update(
        stage="fix", break_version=model.version, version=model.version + 1, analysed_version=model.version
    )
    sign_in_as(page, demo["url"], "demo")
    expect(current_stage(page)).to_have_text("Fix")
    drift = page.locator(".stage-bar .drift-chip")
    expect(drift).to_have_text("⚠ Diagram changed since break")
    panel = open_gate_panel(page)
    warning = panel.locator("details", has_text="Warnings (do not block)").locator(".gate-item[data-code='diagram_changed_since_break']")
    expect(warning).to_contain_text("Run the analysis")
    shot(page, "workflow-drift")
    warning.click()
    expect(page.locator(".notice-banner")).to_contain_text("Analysis done")
    expect(drift).to_be_hidden()
    model.refresh_from_db()
    assert model.analysed_version == model.version
