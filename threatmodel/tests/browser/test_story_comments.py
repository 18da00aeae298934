"""Workshop comments (issue 14), played in Debian's Chromium by three people in one model.

The architect asks a question on an element, mentioning the reviewer with the @ suggestions; the
reviewer sees it appear on her screen without a reload, with the mention marked, and answers in
the thread; the architect sees the reply and resolves the thread, and the reviewer sees it
resolved. Then the reviewer comments on a threat in the drawer, and a viewer sees that comment but
has no box to write one. The mentioned reviewer got an e-mail.
"""

from __future__ import annotations

from typing import Any

import pytest
from django.core import mail
from django.core.management import call_command
from playwright.sync_api import Browser, Page, expect

from conftest import PASSWORD, make_user
from threatmodel.choices import Role
from threatmodel.models import Comment, Membership, ThreatModel
from threatmodel.tests.browser.conftest import open_browser_page
from threatmodel.tests.browser.drawing import node
from threatmodel.tests.browser.test_story_live import DEMO_PASSWORD, open_model

pytestmark = pytest.mark.browser


@pytest.fixture
def workshop(live_server: Any, transactional_db: None) -> dict[str, Any]:
    """The demo team and model (demo is the owner, reviewer a reviewer) plus Vic, a viewer."""
    call_command("load_controls", verbosity=0)
    call_command("seed_demo", verbosity=0)
    model = ThreatModel.objects.get(team__slug="demo")
    Membership.objects.create(team=model.team, user=make_user("vic"), role=Role.VIEWER)
    return {"url": live_server.url, "model": model}


def element_comments(page: Page) -> Any:
    return page.locator(".ws-right").get_by_role("region", name="Comments")


def test_a_comment_with_a_mention_reaches_the_others_is_answered_and_resolved(
    page: Page, browser: Browser, workshop: dict[str, Any], shot: Any
) -> None:
    architect = page
    open_model(architect, workshop["url"], "demo", DEMO_PASSWORD)
    reviewer = open_browser_page(browser)
    open_model(reviewer, workshop["url"], "reviewer", DEMO_PASSWORD)

    # Both look at the Orders service.
    for person in (architect, reviewer):
        node(person, "Orders service").click()
        expect(element_comments(person)).to_contain_text("No comments on Orders service yet.")

    # The architect asks, picking the reviewer from the @ suggestions.
    box = element_comments(architect).get_by_role("textbox", name="Comment on Orders service")
    box.click()
    box.press_sequentially("Is this only reachable through the gateway? @rev")
    element_comments(architect).get_by_role("list", name="Mention").get_by_role("button", name="@reviewer").click()
    expect(box).to_have_value("Is this only reachable through the gateway? @reviewer ")
    box.press_sequentially("please check the NetworkPolicy.")
    element_comments(architect).get_by_role("button", name="Comment", exact=True).click()
    expect(element_comments(architect).get_by_role("article", name="Comment by demo")).to_be_visible()

    # The reviewer sees it arrive live, the mention marked.
    question = element_comments(reviewer).get_by_role("article", name="Comment by demo")
    expect(question).to_contain_text("please check the NetworkPolicy.")
    expect(question.locator(".mention")).to_have_text("@reviewer")
    question.scroll_into_view_if_needed()
    shot(reviewer, "comments-1-reviewer-sees-the-question-live")

    # She answers in the thread; the architect sees the reply appear under his question.
    element_comments(reviewer).get_by_role("button", name="Reply").click()
    element_comments(reviewer).get_by_role("textbox", name="Reply").fill("Yes: only the gateway's namespace may reach it.")
    element_comments(reviewer).get_by_role("button", name="Reply", exact=True).click()
    replies = element_comments(architect).get_by_role("list", name="Replies")
    expect(replies.get_by_role("article", name="Comment by reviewer")).to_contain_text("only the gateway's namespace")

    # He resolves the thread; she sees it resolved.
    element_comments(architect).get_by_role("button", name="Resolve").click()
    expect(element_comments(reviewer)).to_contain_text("Resolved by demo")
    expect(element_comments(reviewer).get_by_role("button", name="Reopen")).to_be_visible()
    element_comments(architect).scroll_into_view_if_needed()
    shot(architect, "comments-2-thread-answered-and-resolved")

    thread = Comment.objects.get(threat_model=workshop["model"], parent=None, subject_key="orders")
    assert thread.resolved and thread.replies.count() == 1
    assert sorted(thread.mentions.values_list("username", flat=True)) == ["reviewer"]
    assert [m.to for m in mail.outbox] == [["reviewer@example.com"]]

    # In the threat drawer: the reviewer comments on a threat of the Orders service…
    reviewer.locator(".ws-right").get_by_role("tab", name="Threats").click()
    reviewer.locator(".threat-list .threat-row").first.click()
    drawer = reviewer.get_by_role("complementary", name="Threat")
    title = drawer.get_by_role("heading", level=2).inner_text()
    drawer_comments = drawer.get_by_role("region", name="Comments")
    drawer_comments.get_by_role("textbox", name="Comment on this threat").fill("Rated too low for a public path, @demo?")
    drawer_comments.get_by_role("button", name="Comment", exact=True).click()
    expect(drawer_comments.get_by_role("article", name="Comment by reviewer")).to_be_visible()
    drawer_comments.scroll_into_view_if_needed()
    shot(reviewer, "comments-3-threat-drawer")

    # …and a viewer reads it in the same drawer, with no box to write one.
    viewer = open_browser_page(browser)
    open_model(viewer, workshop["url"], "vic", PASSWORD)
    node(viewer, "Orders service").click()
    viewer.locator(".ws-right").get_by_role("tab", name="Threats").click()
    viewer.locator(".threat-list .threat-row", has_text=title).first.click()
    viewer_comments = viewer.get_by_role("complementary", name="Threat").get_by_role("region", name="Comments")
    expect(viewer_comments.get_by_role("article", name="Comment by reviewer")).to_contain_text("Rated too low")
    expect(viewer_comments.get_by_role("textbox")).to_have_count(0)
    expect(viewer_comments).to_contain_text("your role reads")
    viewer_comments.scroll_into_view_if_needed()
    shot(viewer, "comments-4-viewer-reads")
