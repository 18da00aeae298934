"""The browser app's shell: Django serves one page for every app route, with Vite's hashed entry."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest

from threatmodel.frontend import frontend_assets


@pytest.fixture
def dist(tmp_path: Path, settings: Any) -> Path:
    settings.FRONTEND_DIST = tmp_path
    return tmp_path


def write_manifest(dist: Path, data: dict[str, Any]) -> None:
    (dist / "manifest.json").write_text(json.dumps(data), encoding="utf-8")


def test_the_shell_loads_the_hashed_entry_from_the_manifest(client: Any, dist: Path) -> None:
    write_manifest(dist, {"src/main.tsx": {"file": "assets/main-abc123.js", "css": ["assets/main-def456.css"], "isEntry": True}})
    for path in ("/", "/models/42/", "/models/42/diagrams/7/"):
        body = client.get(path).content.decode()
        assert '<script type="module" src="/static/assets/main-abc123.js"></script>' in body
        assert '<link rel="stylesheet" href="/static/assets/main-def456.css">' in body


def test_a_new_build_is_picked_up_without_a_restart(dist: Path) -> None:
    write_manifest(dist, {"src/main.tsx": {"file": "assets/main-1.js"}})
    assert frontend_assets() is not None and frontend_assets().scripts == ("/static/assets/main-1.js",)  # type: ignore[union-attr]
    manifest = dist / "manifest.json"
    write_manifest(dist, {"src/main.tsx": {"file": "assets/main-2.js"}})
    stat = manifest.stat()
    os.utime(manifest, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000))
    assert frontend_assets().scripts == ("/static/assets/main-2.js",)  # type: ignore[union-attr]


def test_without_a_build_the_shell_says_how_to_make_one(client: Any, dist: Path) -> None:
    body = client.get("/").content.decode()
    assert "The browser app is not built" in body and "<script" not in body


def test_the_api_admin_and_login_pages_are_not_taken_by_the_app(client: Any, dist: Path) -> None:
    assert client.get("/api/v1/threat-models/").status_code in (401, 403)
    assert client.get("/api/v1/no-such-thing/").json()["error"]["code"] == "not_found"
    assert client.get("/admin/").status_code == 302
    assert client.get("/accounts/login/").status_code == 200
