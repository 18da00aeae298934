"""Browser tests: Playwright driving Debian's Chromium against a live ASGI server.

The live server is the product's ASGI application (HTTP and the live rooms' WebSockets) under
uvicorn in a thread of the test process, in place of pytest-django's WSGI ``live_server``: the
stories need the sockets, and the thread shares the test database as pytest-django's does. It
serves the built bundle (``frontend/dist``, built by ``scripts/setup.sh``), exactly what users get. Screenshots of every story go to ``var/screenshots/`` and the run prints where.
"""

from __future__ import annotations

import os
import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.test.utils import modify_settings
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


class AsgiLiveServer:
    """uvicorn serving the ASGI application (static files through Django's handler, as pytest-django does)."""

    host = "127.0.0.1"

    def __init__(self) -> None:
        import uvicorn
        from channels.routing import ProtocolTypeRouter
        from django.contrib.staticfiles.handlers import ASGIStaticFilesHandler
        from django.core.asgi import get_asgi_application

        from threatmodel.live.routing import websocket_application

        with socket.socket() as probe:
            probe.bind((self.host, 0))
            self.port = int(probe.getsockname()[1])
        # pytest-django's helper enables these for each test that uses ``live_server``.
        self._live_server_modified_settings = modify_settings(ALLOWED_HOSTS={"append": self.host})
        application = ProtocolTypeRouter(
            {"http": ASGIStaticFilesHandler(get_asgi_application()), "websocket": websocket_application()}
        )
        config = uvicorn.Config(application, host=self.host, port=self.port, log_level="warning", lifespan="off", ws="websockets-sansio")
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, name="asgi-live-server", daemon=True)
        self.thread.start()
        deadline = time.monotonic() + 30
        while not self.server.started:
            if not self.thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError("the ASGI live server did not start")
            time.sleep(0.05)

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)


@pytest.fixture(scope="session")
def live_server(request: pytest.FixtureRequest) -> Iterator[AsgiLiveServer]:
    """The ASGI live server, under pytest-django's fixture name (its per-test helper still applies)."""
    server = AsgiLiveServer()
    yield server
    server.stop()


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
