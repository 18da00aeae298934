"""Security headers on every page and the API docs (issue 12): a CSP the pages pass with no inline script or style.

Each page is fetched and checked twice: its headers (Content-Security-Policy with
``frame-ancestors 'none'`` and scripts from 'self' only, Referrer-Policy, Permissions-Policy,
X-Frame-Options), and its HTML — no inline ``<script>``, no ``<style>`` element, no ``style=`` or
``on…=`` attribute — so the policy holds because nothing needs an exception, not because a browser
is lenient. Only Redoc's page relaxes ``style-src`` (it injects its styles at run time).
"""

from __future__ import annotations

import json
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest
from django.test import Client

from conftest import PASSWORD, World
from threatmodel import frontend

pytestmark = pytest.mark.django_db


class InlineCode(HTMLParser):
    """Collects what a strict CSP would block: inline scripts, style elements, style and event attributes."""

    def __init__(self) -> None:
        super().__init__()
        self.found: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        names = {name for name, _ in attrs}
        if tag == "script" and "src" not in names and dict(attrs).get("type") not in ("application/json", "application/ld+json"):
            self.found.append(f"inline <script> at line {self.getpos()[0]}")
        if tag == "style":
            self.found.append(f"<style> at line {self.getpos()[0]}")
        self.found += [f"{name}= on <{tag}> at line {self.getpos()[0]}" for name in names if name == "style" or name.startswith("on")]


def directives(header: str) -> dict[str, list[str]]:
    return {part.split()[0]: part.split()[1:] for part in (p.strip() for p in header.split(";")) if part}


def check_headers(response: Any, *, style_inline: bool = False) -> None:
    policy = directives(response["Content-Security-Policy"])
    assert policy["frame-ancestors"] == ["'none'"] and policy["default-src"] == ["'self'"]
    assert policy["script-src"] == ["'self'"] and policy["object-src"] == ["'none'"] and policy["base-uri"] == ["'none'"]
    assert policy["style-src"] == (["'self'", "'unsafe-inline'"] if style_inline else ["'self'"])
    assert response["Referrer-Policy"] == "same-origin"
    assert response["X-Frame-Options"] == "DENY" and response["X-Content-Type-Options"] == "nosniff"
    permissions = response["Permissions-Policy"]
    assert "camera=()" in permissions and "geolocation=()" in permissions and "microphone=()" in permissions


def check_page(response: Any) -> None:
    assert response.status_code in (200, 404), response.status_code
    check_headers(response)
    parser = InlineCode()
    parser.feed(response.content.decode())
    assert parser.found == [], parser.found


@pytest.fixture
def staff(world: World) -> Client:
    world.users["owner"].is_staff = True
    world.users["owner"].is_superuser = True
    world.users["owner"].save(update_fields=["is_staff", "is_superuser"])
    client = Client()
    assert client.login(username="owner", password=PASSWORD)
    return client


@pytest.fixture
def built_app(tmp_path: Path, settings: Any) -> None:
    """A built browser app as Vite leaves it: a manifest naming the hashed entry and its style."""
    (tmp_path / "manifest.json").write_text(json.dumps({"src/main.tsx": {"file": "assets/main-abc.js", "css": ["assets/main-def.css"]}}))
    settings.FRONTEND_DIST = tmp_path
    frontend._read.cache_clear()


@pytest.mark.parametrize("path", ["/", "/models/1/diagrams/2", "/accounts/login/", "/admin/login/", "/no-such-page/", "/api/docs/"])
def test_every_anonymous_page_passes_the_policy(world: World, path: str) -> None:
    check_page(Client().get(path))


def test_the_app_shell_of_a_built_app_needs_no_inline_script(world: World, built_app: None) -> None:
    response = Client().get("/")
    check_page(response)
    html = response.content.decode()
    assert '<script type="module" src="/static/assets/main-abc.js"></script>' in html
    assert '<link rel="stylesheet" href="/static/assets/main-def.css">' in html


@pytest.mark.parametrize("path", ["/", "/admin/", "/admin/threatmodel/team/", "/admin/auth/user/{owner}/change/", "/api/docs/"])
def test_every_signed_in_page_passes_the_policy(world: World, staff: Client, path: str) -> None:
    check_page(staff.get(path.format(owner=world.users["owner"].pk)))


def test_the_api_docs_start_up_script_is_a_file(world: World) -> None:
    page = Client().get("/api/docs/").content.decode()
    assert "/api/docs/?script=" in page.replace("&amp;", "&")
    script = Client().get("/api/docs/?script=")
    assert script.status_code == 200 and script["Content-Type"].startswith("application/javascript")
    assert "SwaggerUIBundle" in script.content.decode()


def test_redoc_relaxes_styles_only(world: World) -> None:
    response = Client().get("/api/redoc/")
    assert response.status_code == 200
    check_headers(response, style_inline=True)
    parser = InlineCode()
    parser.feed(response.content.decode())
    assert parser.found == [] and "fonts.googleapis.com" not in response.content.decode()


@pytest.mark.parametrize("path", ["/api/v1/threat-models/", "/api/schema/", "/healthz", "/api/v1/nothing-here/"])
def test_api_answers_carry_the_headers_too(world: World, path: str) -> None:
    client = world.client("editor")
    check_headers(client.get(path))
