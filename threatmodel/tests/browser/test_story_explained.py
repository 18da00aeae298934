"""The workshop's first minutes in Debian's Chromium (issue 13): the demo arrives rated, a threat
explains itself in the drawer, the Export menu gets out of the way, and the author of the model is
refused sign-off although a reviewer verified one of its mitigations.

Screenshots at the two sizes a workshop projects at, 1920×1080 and 1366×768.
"""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.core.management import call_command
from playwright.sync_api import Browser, Page, expect

from threatmodel.models import ThreatModel
from threatmodel.tests.browser.conftest import sign_in
from threatmodel.tests.helpers import set_stage

pytestmark = pytest.mark.browser

SIZES = ((1920, 1080), (1366, 768))


@pytest.fixture
def demo(live_server: Any, transactional_db: None) -> dict[str, Any]:
    call_command("load_controls", verbosity=0)
    call_command("seed_demo", verbosity=0)
    return {"url": live_server.url, "model": ThreatModel.objects.get(team__slug="demo")}


def open_demo(browser: Browser, url: str, username: str, size: tuple[int, int]) -> Page:
    page = browser.new_context(viewport={"width": size[0], "height": size[1]}).new_page()
    sign_in(page, url, username, "demo-workshop")
    page.get_by_role("link", name="Online shop on Kubernetes").click()
    expect(page.locator(".react-flow__node").first).to_be_visible()
    return page


@pytest.mark.parametrize("size", SIZES, ids=lambda size: f"{size[0]}x{size[1]}")
def test_a_threat_explains_itself_in_the_drawer(browser: Browser, demo: dict[str, Any], shot: Any, size: tuple[int, int]) -> None:
    page = open_demo(browser, demo["url"], "demo", size)
    page.get_by_role("tab", name=re.compile("Threats")).click()
    # The demo arrives rated: the list shows risk scores, not "not rated".
    expect(page.locator(".threat-row", has_text="The container runs as root")).to_contain_text("risk 12")
    page.locator(".threat-row", has_text="An unauthenticated flow crosses a trust boundary").first.click()
    drawer = page.get_by_role("complementary", name="Threat")
    explanation = drawer.get_by_role("region", name="Why this threat")
    expect(explanation.locator(".explain-summary")).to_have_text(
        "Browse and order (Customer browser → Ingress controller): an unauthenticated flow crosses a trust boundary"
        " — leaves Internet; enters Kubernetes cluster, Namespace shop; authenticated = false"
    )
    expect(explanation.get_by_role("heading", name="What to do")).to_be_visible()
    expect(explanation).to_contain_text("RTA-02 Mutual authentication with short-lived credentials")
    shot(page, f"explained-crossing-{size[0]}x{size[1]}")
    page.locator(".threat-row", has_text="The container runs as root").first.click()
    technique = explanation.get_by_role("link", name="T1068")
    expect(technique).to_have_attribute("href", re.compile(r"^https://attack\.mitre\.org/techniques/T1068"))
    expect(explanation).to_contain_text("T1068 Exploitation for Privilege Escalation")
    expect(explanation.get_by_role("heading", name="ATT&CK mitigations")).to_be_visible()
    shot(page, f"explained-root-{size[0]}x{size[1]}")


def test_the_export_menu_closes_on_a_press_outside_and_on_escape(browser: Browser, demo: dict[str, Any]) -> None:
    page = open_demo(browser, demo["url"], "demo", SIZES[1])
    menu = page.locator("details.export-menu")
    menu.locator("summary").click()
    expect(menu.get_by_role("menuitem", name="Threat register (CSV)")).to_be_visible()
    page.locator(".react-flow__pane").click(position={"x": 40, "y": 40})
    expect(menu).not_to_have_attribute("open", re.compile(".*"))
    menu.locator("summary").click()
    page.keyboard.press("Escape")
    expect(menu).not_to_have_attribute("open", re.compile(".*"))
    expect(menu.locator("summary")).to_be_focused()
    # A dialog that takes the focus closes it too: the menu never stays open behind a dialog.
    menu.locator("summary").click()
    page.get_by_role("button", name="Help").click()
    expect(menu).not_to_have_attribute("open", re.compile(".*"))


def test_the_author_is_refused_sign_off_although_a_reviewer_verified(browser: Browser, demo: dict[str, Any], shot: Any) -> None:
    set_stage(demo["model"], "verify")
    author = open_demo(browser, demo["url"], "demo", SIZES[0])
    expect(author.get_by_role("button", name="Approve (sign off)")).to_be_disabled()
    expect(author.locator(".signoff-refusal")).to_have_text(
        "Sign-off: You changed this model's diagram, ratings, threats or responses; a reviewer who did not must sign it off."
    )
    shot(author, "signoff-author-refused")
    reviewer = open_demo(browser, demo["url"], "reviewer", SIZES[0])
    expect(reviewer.get_by_role("button", name="Approve (sign off)")).to_be_visible()
    expect(reviewer.locator(".signoff-refusal")).to_have_count(0)
