"""The app and the API docs run in a real browser under the Content-Security-Policy, with no violation.

``test_security_headers`` checks the headers and that no page holds inline code; this checks that
what the pages load (the React app and React Flow, Swagger UI, Redoc) needs nothing the policy
forbids either: every ``securitypolicyviolation`` event and every CSP console message is collected.
"""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import Page, expect

from threatmodel.tests.browser.conftest import Workshop, sign_in
from threatmodel.tests.browser.drawing import box_of, drop_stencil, wait_saved

pytestmark = pytest.mark.browser

RECORD_VIOLATIONS = """
document.addEventListener("securitypolicyviolation", (event) => {
  (window.__cspViolations = window.__cspViolations || []).push(`${event.violatedDirective} ${event.blockedURI}`);
});
"""


def watch(page: Page) -> list[str]:
    messages: list[str] = []
    page.add_init_script(RECORD_VIOLATIONS)
    page.on("console", lambda message: messages.append(message.text) if "Content Security Policy" in message.text else None)
    return messages


def violations(page: Page) -> Any:
    return page.evaluate("window.__cspViolations || []")


def test_the_editor_runs_under_the_policy(page: Page, workshop: Workshop) -> None:
    messages = watch(page)
    sign_in(page, workshop.url, "ana")
    page.get_by_label("New model").fill("Checkout")
    page.get_by_role("button", name="Create").click()
    expect(page.locator(".react-flow__pane")).to_be_visible()
    pane = box_of(page.locator(".react-flow__pane"))
    drop_stencil(page, "process", pane["x"] + 300, pane["y"] + 200)
    wait_saved(page)
    assert "frame-ancestors 'none'" in page.request.get(workshop.url + "/").headers["content-security-policy"]
    assert violations(page) == [] and messages == []


def test_the_api_docs_run_under_the_policy(page: Page, workshop: Workshop) -> None:
    messages = watch(page)
    page.goto(workshop.url + "/api/docs/")
    expect(page.locator(".opblock").first).to_be_visible(timeout=20_000)
    assert violations(page) == [] and messages == []
    page.goto(workshop.url + "/api/redoc/")
    expect(page.get_by_text("Threat modeling workbench API").first).to_be_visible(timeout=20_000)
    # Redoc's "powered by" logo comes from its CDN: refusing it is the policy working (nothing is
    # loaded from another origin), and the page is whole without it.
    assert [v for v in violations(page) if not v.startswith("img-src https://cdn.redoc.ly/")] == []
    assert [m for m in messages if "cdn.redoc.ly" not in m] == []
