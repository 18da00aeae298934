"""Unknowns asked rather than ignored (issue 11), in Debian's Chromium: the demo arrives with
unconfirmed findings and a count of open questions; an editor answers one in the model's list of
questions (the findings it settles go) and one in place in the threat list (its finding is
confirmed), the count dropping each time; a reviewer sees the questions but cannot answer them.

Screenshots: questions-list, questions-answered, questions-threat-list.
"""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.core.management import call_command
from playwright.sync_api import Browser, Locator, Page, expect

from dfd.models import Element, Flow
from stride.models import Threat
from threatmodel.models import ThreatModel
from threatmodel.tests.browser.conftest import sign_in

pytestmark = pytest.mark.browser


@pytest.fixture
def demo(live_server: Any, transactional_db: None) -> dict[str, Any]:
    call_command("load_controls", verbosity=0)
    call_command("seed_demo", verbosity=0)
    return {"url": live_server.url, "model": ThreatModel.objects.get(team__slug="demo")}


def open_demo(browser: Browser, url: str, username: str) -> Page:
    page = browser.new_context(viewport={"width": 1440, "height": 900}).new_page()
    sign_in(page, url, username, "demo-workshop")
    page.get_by_role("link", name="Online shop on Kubernetes").click()
    expect(page.locator(".react-flow__node").first).to_be_visible()
    return page


def open_count(page: Page) -> int:
    text = page.get_by_role("tab", name=re.compile("Questions")).locator(".count").inner_text()
    return int(text)


def count_is(page: Page, expected: int) -> None:
    expect(page.get_by_role("tab", name=re.compile("Questions")).locator(".count")).to_have_text(str(expected))


def question(scope: Page | Locator, question_id: str) -> Locator:
    return scope.locator(f'.question[data-question="{question_id}"]')


def live(model: ThreatModel, fingerprint: str) -> Threat | None:
    return Threat.objects.filter(threat_model=model, fingerprint=fingerprint).exclude(status="obsolete").first()


def test_an_editor_answers_questions_and_the_findings_follow(browser: Browser, demo: dict[str, Any], shot: Any) -> None:
    model = demo["model"]
    waiting = Threat.objects.filter(threat_model=model, confirmed=False).exclude(status="obsolete")
    assert waiting.count() > 5  # the demo leaves properties unanswered: its findings wait on them
    page = open_demo(browser, demo["url"], "demo")

    # Each element shows how many questions are open about it.
    badge = page.locator('[data-key="apiserver"] .dfd-question-badge')
    expect(badge).to_have_text("?3")  # validates input, data classification, rate limited

    # The model's questions: one per element or flow and property, grouped by what they are about.
    page.get_by_role("tab", name=re.compile("Questions")).click()
    panel = page.locator(".questions-panel")
    before = open_count(page)
    assert 0 < before < waiting.count()  # several findings asking the same thing are asked once
    apiserver = panel.get_by_role("region", name="Questions about Kubernetes API server")
    validates = question(apiserver, "apiserver:validates_input")
    expect(validates).to_contain_text("Does this process validate input?")
    expect(validates).to_contain_text("3 findings wait on it")
    page.get_by_label("Show the findings that wait on each question").check()
    findings = validates.locator("xpath=following-sibling::ul[contains(@class, 'question-findings')]")
    expect(findings.get_by_role("listitem")).to_have_count(3)
    expect(findings).to_contain_text("Input can alter what the process does (injection)")
    shot(page, "questions-list")

    # Answering "yes" there settles all three findings: the rule does not apply, they go.
    validates.get_by_role("button", name="Yes").click()
    count_is(page, before - 1)
    expect(badge).to_have_text("?2")
    expect(validates).to_have_count(0, timeout=15_000)  # the analysis after the save dropped its findings
    assert Element.objects.get(threat_model=model, key="apiserver").properties["validates_input"] is True
    for fingerprint in ("EL-010@apiserver", "EL-015@apiserver", "INT-006@apiserver@f-kubectl"):
        assert live(model, fingerprint) is None, fingerprint
    shot(page, "questions-answered")

    # In the threat list an unconfirmed finding says so, with its question, answerable in place.
    page.get_by_role("tab", name=re.compile("Threats")).click()
    page.get_by_role("button", name="Whole model").click()
    threats = page.locator(".threat-panel")
    expect(threats.locator(".unconfirmed-tag").first).to_be_visible()
    threats.locator(".unconfirmed-count").click()  # "N unconfirmed": the list narrows to them
    expect(page.get_by_label("Show threats that need")).to_have_value("unconfirmed")
    expect(threats.locator(".threat-row:not(.is-unconfirmed)")).to_have_count(0)
    row = threats.locator(".threat-item", has=page.locator('[data-fingerprint="INT-102@ingress@f-browse"]'))
    expect(row.locator(".unconfirmed-tag")).to_be_visible()
    asked = question(row, "f-browse:destination_authenticated")
    expect(asked).to_contain_text("Is this flow destination authenticated?")
    shot(page, "questions-threat-list")

    # Answering "no" confirms it: same fingerprint, no longer unconfirmed (it leaves this list), and the count drops.
    asked.get_by_role("button", name="No").click()
    count_is(page, before - 2)
    expect(row).to_have_count(0, timeout=15_000)
    confirmed = live(model, "INT-102@ingress@f-browse")
    assert confirmed is not None and confirmed.confirmed and confirmed.questions == []
    assert Flow.objects.get(threat_model=model, key="f-browse").properties["destination_authenticated"] is False

    # The drawer of an unconfirmed threat asks too.
    page.locator(".threat-row", has_text="The store has no backup to restore from").first.click()
    drawer = page.get_by_role("complementary", name="Threat")
    section = drawer.get_by_role("region", name="Questions")
    expect(section.get_by_role("heading")).to_have_text("Unconfirmed: it waits on an answer")
    expect(drawer.get_by_role("region", name="Why this threat")).to_contain_text("backed_up = false (assumed: not answered yet)")
    shot(page, "questions-drawer")
    # Answered there with "yes": the rule does not apply, the drawer says so, the count drops again.
    section.locator(".question").first.get_by_role("button", name="Yes").click()
    count_is(page, before - 3)
    expect(section).to_contain_text("The answer settled it", timeout=15_000)
    expect(drawer.locator(".drawer-head .status")).to_contain_text(re.compile("obsolete", re.IGNORECASE))
    shot(page, "questions-drawer-settled")
    page.get_by_role("button", name="Close the threat drawer").click()

    # "Show" on a group selects that element: its properties open with the questions about it on top.
    page.get_by_role("tab", name=re.compile("Questions")).click()
    panel.get_by_role("region", name="Questions about Orders service").get_by_role("button", name="Show").click()
    expect(page.get_by_role("tab", name="Properties")).to_have_attribute("aria-selected", "true")
    about = page.get_by_role("region", name="Open questions about the selection")
    expect(about).to_contain_text("Does this process validate input?")
    expect(about).to_contain_text("Is this process audit logged?")
    shot(page, "questions-properties")


def test_a_reviewer_sees_the_questions_but_cannot_answer(browser: Browser, demo: dict[str, Any]) -> None:
    page = open_demo(browser, demo["url"], "reviewer")
    page.get_by_role("tab", name=re.compile("Questions")).click()
    first = page.locator(".questions-panel .question").first
    expect(first).to_contain_text("An editor of the team can answer it.")
    expect(first.get_by_role("button")).to_have_count(0)
