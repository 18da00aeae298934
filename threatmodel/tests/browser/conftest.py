"""Browser tests: Playwright driving Debian's Chromium against pytest-django's live server.

The live server serves the built bundle (``frontend/dist``, built by ``scripts/setup.sh``), exactly
what users get. Screenshots of every story go to ``var/screenshots/`` and the run prints where.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from playwright.sync_api import Browser, Page, expect

from conftest import PASSWORD, make_user
from threatmodel.choices import Role
from threatmodel.models import Membership, Team

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
SCREENSHOTS = Path(settings.BASE_DIR) / "var" / "screenshots"


@pytest.fixture(scope="session", autouse=True)
def _allow_orm_beside_playwright() -> Iterator[None]:
    """Playwright's sync API runs an event loop in the test thread; without this, ORM calls from
    the test (fixtures, assertions on the database) raise SynchronousOnlyOperation.

    Set here rather than at import, so the non-browser run (which imports this conftest while
    deselecting its tests) keeps Django's async-safety checks.
    """
    before = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    yield
    if before is None:
        os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args: dict[str, Any]) -> dict[str, Any]:
    return {**browser_type_launch_args, "executable_path": CHROMIUM, "args": CHROMIUM_FLAGS}


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args: dict[str, Any]) -> dict[str, Any]:
    # A projector-sized window; screenshots are taken at this size.
    return {**browser_context_args, "viewport": {"width": 1440, "height": 900}}


@pytest.fixture(scope="session", autouse=True)
def _built_bundle() -> None:
    if not (Path(settings.FRONTEND_DIST) / "manifest.json").is_file():
        pytest.fail("frontend/dist is not built: run scripts/setup.sh (it runs npm ci and npm run build)")


_TAKEN: list[Path] = []


def pytest_terminal_summary(terminalreporter: Any) -> None:
    if _TAKEN:
        terminalreporter.write_line(f"Screenshots of the browser stories: {SCREENSHOTS}")


@pytest.fixture
def shot() -> Any:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)

    def take(page: Page, name: str) -> Path:
        path = SCREENSHOTS / f"{name}.png"
        page.screenshot(path=str(path))
        _TAKEN.append(path)
        return path

    return take


@dataclass
class Workshop:
    team: Team
    url: str
    users: dict[str, Any]


@pytest.fixture
def workshop(live_server: Any, transactional_db: None) -> Workshop:
    """A team with two editors, ana and ben, and the live server's address."""
    team = Team.objects.create(name="Platform security", slug="platform-security")
    users = {name: make_user(name) for name in ("ana", "ben")}
    for user in users.values():
        Membership.objects.create(team=team, user=user, role=Role.EDITOR)
    return Workshop(team=team, url=live_server.url, users=users)


def sign_in(page: Page, url: str, username: str, password: str = PASSWORD) -> None:
    page.goto(url + "/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", name="Threat models")).to_be_visible()


def open_browser_page(browser: Browser) -> Page:
    """A second person's page, in its own browser context (own cookies, own session)."""
    context = browser.new_context(viewport={"width": 1440, "height": 900})
    return context.new_page()
