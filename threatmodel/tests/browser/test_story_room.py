"""The room's own work in Debian's Chromium (issue 13): the demo's author writes a threat through
the grammar form, fills in the model's About, records an assumption that a mitigated threat rests
on and marks it false (the threat reopens), and outlines an attack path on the canvas, opening one
of its threats. Screenshots at 1920×1080 and 1366×768. The test reads the database only to check
what the pages did.
"""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.core.management import call_command
from playwright.sync_api import Browser, Page, expect

from stride.models import Threat
from threatmodel.models import Assumption, AuditEvent, Membership, RiskPolicy, ThreatModel
from threatmodel.tests.browser.conftest import open_browser_page, sign_in

pytestmark = pytest.mark.browser

PASSWORD = "demo-workshop"


@pytest.fixture
def demo(live_server: Any, transactional_db: None) -> dict[str, Any]:
    call_command("load_controls", verbosity=0)
    call_command("seed_demo", verbosity=0)
    model = ThreatModel.objects.get(team__slug="demo")
    return {"url": live_server.url, "model": model}


def test_the_room_writes_its_threats_about_and_assumptions_and_walks_a_path(
    page: Page, browser: Browser, demo: dict[str, Any], shot: Any
) -> None:
    model: ThreatModel = demo["model"]
    mitigated = Threat.objects.filter(threat_model=model, status="mitigated").order_by("id").first()
    assert mitigated is not None, "the demo arrives with mitigated threats"
    page.set_viewport_size({"width": 1920, "height": 1080})
    sign_in(page, demo["url"], "demo", PASSWORD)
    page.get_by_role("link", name="Online shop on Kubernetes").click()
    expect(page.locator(".react-flow__node").first).to_be_visible()

    # 1. A threat in the room's words: the title is composed as the parts are typed.
    page.locator("summary", has_text="Workshop").click()
    page.get_by_role("menuitem", name="Write a threat…").click()
    form = page.get_by_role("form", name="New threat")
    form.get_by_role("button", name="Add threat").click()
    expect(form.get_by_text("Choose a STRIDE category.")).to_be_visible()  # nothing sent yet
    form.get_by_label("Who (actor)").fill("a tenant with a shell in a pod")
    form.get_by_label("With (precondition)").fill("with the node network reachable")
    form.get_by_label("Can (action)").fill("read the order traffic")
    form.get_by_label("Leading to (impact)").fill("loss of customers' card data")
    subject = form.get_by_label("Against (element or flow)")
    flow_label = next(o for o in subject.locator("option").all_inner_texts() if "→" in o and "Orders" in o)
    subject.select_option(label=flow_label)
    form.get_by_label("STRIDE category").select_option("I")
    form.get_by_label("More (free text)").fill("Raised by the platform team in the workshop.")
    expect(page.get_by_test_id("composed-title")).to_have_text(f"A tenant with a shell in a pod with the node network reachable can read the order traffic ({flow_label})")
    shot(page, "room-1920-threat-form")
    form.get_by_role("button", name="Add threat").click()
    expect(page.get_by_role("dialog").locator(".room-threats li", has_text="can read the order traffic")).to_have_count(1)
    written = Threat.objects.get(threat_model=model, origin="manual", title__startswith="A tenant with a shell")
    assert written.stride == "I" and written.flow_key and written.statement["action"] == "read the order traffic"
    assert written.description.endswith("Raised by the platform team in the workshop.")

    # ... and edited again: the form comes back with its parts.
    page.get_by_role("dialog").locator("li", has_text="can read the order traffic").get_by_role("button", name="Edit").click()
    form = page.get_by_role("form", name="Edit threat")
    expect(form.get_by_label("Can (action)")).to_have_value("read the order traffic")
    expect(form.get_by_label("More (free text)")).to_have_value("Raised by the platform team in the workshop.")
    form.get_by_label("Leading to (impact)").fill("fraudulent orders")
    form.get_by_role("button", name="Save threat").click()
    expect(page.get_by_role("form", name="Edit threat")).to_have_count(0)
    written.refresh_from_db()
    assert written.statement["impact"] == "fraudulent orders" and "which leads to fraudulent orders" in written.description

    # 2. About: scope and out of scope, printed in the report instead of "No scope recorded".
    dialog = page.get_by_role("dialog")
    dialog.get_by_role("tab", name="About").click()
    about = dialog.get_by_role("form", name="About the model")
    about.get_by_label("In scope").fill("The shop namespace: storefront, orders, payments and their databases.")
    about.get_by_label("Out of scope").fill("The card processor's own systems.")
    about.get_by_role("button", name="Save About").click()
    expect(about.get_by_role("status")).to_have_text("Saved.")
    model.refresh_from_db()
    assert model.out_of_scope == "The card processor's own systems." and model.scope.startswith("The shop namespace")

    # 3. An assumption a mitigated threat rests on; it turns out false and the threat reopens.
    dialog.get_by_role("tab", name="Assumptions").click()
    dialog.get_by_role("button", name="Add an assumption").click()
    editor = dialog.get_by_role("form", name="New assumption")
    editor.get_by_label("Assumption").fill("The mesh enforces mTLS between every pod")
    editor.get_by_role("searchbox", name="Find a threat").fill(mitigated.title[:24])
    editor.get_by_role("checkbox", name=re.compile(re.escape(mitigated.title))).first.check()
    expect(editor.get_by_text("If it turns out false, 1 threat would reopen.")).to_be_visible()
    shot(page, "room-1920-assumption")
    editor.get_by_role("button", name="Save assumption").click()
    item = dialog.locator(".assumption-list li", has_text="The mesh enforces mTLS")
    expect(item).to_be_visible()
    page.once("dialog", lambda d: d.accept("the pen test reached a pod over plain HTTP"))
    item.get_by_role("button", name="This turned out false").click()
    expect(dialog.get_by_role("status")).to_contain_text("Reopened 1 threat")
    expect(item.get_by_text("Turned out false")).to_be_visible()
    mitigated.refresh_from_db()
    assert mitigated.status == "open"
    assumption = Assumption.objects.get(threat_model=model)
    assert assumption.status == "false" and assumption.falsified_reason.startswith("the pen test")
    assert AuditEvent.objects.filter(action="assumption.falsify", object_id=str(assumption.pk)).exists()
    assert AuditEvent.objects.filter(action="threat.reopen", threat_id=mitigated.pk).exists()
    page.set_viewport_size({"width": 1366, "height": 768})
    shot(page, "room-1366-assumptions")
    page.set_viewport_size({"width": 1920, "height": 1080})
    dialog.get_by_role("button", name="Close Workshop").click()

    # 4. An attack path outlined on the canvas, and one of its threats opened.
    page.locator("summary", has_text="Workshop").click()
    page.get_by_role("menuitem", name="Attack paths").click()
    panel = page.get_by_role("complementary", name="Attack paths")
    first = panel.locator("button.path").first
    expect(first).to_be_visible()
    first.click()
    expect(first).to_have_attribute("aria-pressed", "true")
    expect(page.locator(".react-flow__node .is-highlighted").first).to_be_visible()
    highlighted = page.locator(".react-flow__node .is-highlighted").count()
    assert highlighted >= 2, "the path's nodes are outlined"
    expect(page.locator(".dfd-flow.is-highlighted").first).to_be_attached()
    shot(page, "room-1920-attack-path")
    page.set_viewport_size({"width": 1366, "height": 768})
    shot(page, "room-1366-attack-path")
    threat_button = panel.locator(".path-threats button.link").first
    title = threat_button.inner_text()
    threat_button.click()
    expect(page.get_by_role("complementary", name="Threat")).to_contain_text(title[:40])
    shot(page, "room-1366-path-threat")

    # 5. A reviewer (below editor) reads About and the assumptions but cannot change them.
    other = open_browser_page(browser)
    other.set_viewport_size({"width": 1366, "height": 768})
    sign_in(other, demo["url"], "reviewer", PASSWORD)
    other.get_by_role("link", name="Online shop on Kubernetes").click()
    expect(other.locator(".react-flow__node").first).to_be_visible()
    other.locator("summary", has_text="Workshop").click()
    expect(other.get_by_role("menuitem", name="Write a threat…")).to_have_count(0)
    other.get_by_role("menuitem", name="About the model").click()
    read = other.get_by_role("dialog").locator("dl.about-read")
    expect(read).to_contain_text("The card processor's own systems.")
    expect(other.get_by_role("dialog").locator("textarea")).to_have_count(0)
    other.get_by_role("dialog").get_by_role("tab", name="Assumptions").click()
    expect(other.get_by_role("dialog").get_by_text("The mesh enforces mTLS between every pod")).to_be_visible()
    expect(other.get_by_role("button", name="This turned out false")).to_have_count(0)
    expect(other.get_by_role("button", name="Add an assumption")).to_have_count(0)
    shot(other, "room-1366-reviewer-assumptions")
    other.get_by_role("dialog").get_by_role("tab", name="Team").click()
    expect(other.get_by_role("dialog").get_by_text("Only the team's owners change members and roles.")).to_be_visible()
    expect(other.get_by_role("combobox", name=re.compile("Role of"))).to_have_count(0)
    other.context.close()

    # 6. The owner gives the reviewer the editor role from the Team tab.
    page.keyboard.press("Escape")
    page.locator("summary", has_text="Workshop").click()
    page.get_by_role("menuitem", name="Team and roles").click()
    page.get_by_role("combobox", name="Role of reviewer").select_option("editor")
    expect(page.get_by_role("dialog").get_by_role("status")).to_have_text("reviewer is now editor.")
    assert Membership.objects.get(team=model.team, user__username="reviewer").role == "editor"
    shot(page, "room-1366-team")

    # 7. ... and tightens the risk policy: a new version, the models re-banded.
    page.get_by_role("dialog").get_by_role("tab", name="Risk policy").click()
    policy = page.get_by_role("form", name="Risk policy")
    before = RiskPolicy.objects.filter(team=model.team).order_by("-version").first()
    assert before is not None
    policy.get_by_label("Unacceptable from score").fill("12")
    policy.get_by_label("Why the change").fill("The board asked for a stricter line")
    policy.get_by_role("button", name=f"Save as version {before.version + 1}").click()
    expect(page.get_by_role("dialog").get_by_role("status")).to_contain_text(f"Version {before.version + 1} is in force")
    latest = RiskPolicy.objects.filter(team=model.team).order_by("-version").first()
    assert latest is not None and latest.unacceptable_at == 12 and latest.note == "The board asked for a stricter line"
    shot(page, "room-1366-risk-policy")
