"""Hostile request bodies (issue 12, findings 1, 2 and 5): each a 400 in the one error shape, quickly, nothing written.

A body nested 100,000 deep answered 500 (``RecursionError``) on the operations endpoint, on a
model's PATCH and on the anonymous login; a lone surrogate in an element name answered 500 from
the middle of the write; a 4 MB flat YAML list held the web process for 42 s and +690 MB. The
parsers (``common.api.parsers``) and the YAML reader (``safe_parse``) now refuse each before any
view or translator runs.
"""

from __future__ import annotations

import json
import time
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from rest_framework.test import APIClient

from common import bounded
from conftest import World
from dfd.models import Element, Flow
from stride.models import Threat
from threatmodel.interop import limits
from threatmodel.models import AuditEvent, ThreatModel
from threatmodel.tests.interop_helpers import import_file

pytestmark = pytest.mark.django_db

DEEP = b"[" * 100_000 + b"]" * 100_000


def rows() -> tuple[int, ...]:
    return (ThreatModel.objects.count(), Element.objects.count(), Flow.objects.count(), Threat.objects.count(), AuditEvent.objects.count())


def refused(response: Any, before: tuple[int, ...], *, status: int = 400) -> dict[str, Any]:
    assert response.status_code == status, response.content[:500]
    assert rows() == before, "a refused request wrote rows"
    error: dict[str, Any] = response.json()["error"]
    assert error["code"] and error["message"] and error["details"], error
    return error


def test_a_deep_body_on_the_ops_endpoint_is_a_400(world: World) -> None:
    before = rows()
    body = b'{"base_version": 1, "ops": ' + DEEP + b"}"
    response = world.client("editor").post(f"/api/v1/diagrams/{world.diagram.pk}/ops/", data=body, content_type="application/json")
    error = refused(response, before)
    assert error["details"] == [{"path": "$", "message": f"nested 100001 levels deep (at most {bounded.MAX_DEPTH})"}]


def test_a_deep_body_on_a_models_patch_is_a_400(world: World) -> None:
    before = rows()
    response = world.client("editor").patch(f"/api/v1/threat-models/{world.model.pk}/", data=b'{"name": ' + DEEP + b"}", content_type="application/json")
    refused(response, before)
    world.model.refresh_from_db()
    assert world.model.name == "Checkout"


def test_a_deep_body_on_the_anonymous_login_is_a_400() -> None:
    # Through the CSRF check as a browser would send it: that check reads the body first.
    browser = APIClient(enforce_csrf_checks=True)
    token = browser.get("/api/v1/auth/csrf/").json()["csrf_token"]
    response = browser.post("/api/v1/auth/login/", data=b'{"username": ' + DEEP + b"}", content_type="application/json", HTTP_X_CSRFTOKEN=token)
    assert response.status_code == 400, response.content[:300]
    assert "levels deep" in response.json()["error"]["message"]


def test_a_body_of_too_many_values_is_a_400(world: World) -> None:
    before = rows()
    body = b'{"base_version": 1, "ops": [' + b",".join([b"0"] * (bounded.MAX_VALUES + 1)) + b"]}"
    response = world.client("editor").post(f"/api/v1/diagrams/{world.diagram.pk}/ops/", data=body, content_type="application/json")
    assert f"more than {bounded.MAX_VALUES} values" in refused(response, before)["message"]


def test_a_body_as_large_as_a_full_batch_still_passes(world: World) -> None:
    # A batch of the most operations allowed holds about 650,000 values: the bound is above it.
    body = b'{"scope": "large", "ignored": [' + b",".join([b"0"] * 700_000) + b"]}"
    response = world.client("editor").patch(f"/api/v1/threat-models/{world.model.pk}/", data=body, content_type="application/json")
    assert response.status_code == 200, response.content[:300]


@pytest.mark.parametrize(("text", "fragment"), [("\ud800", "lone surrogate (U+D800"), ("A\x00B", "NUL characters")])
def test_an_unstorable_name_in_an_ops_batch_is_a_400_before_anything_is_written(world: World, text: str, fragment: str) -> None:
    before = rows()
    ops = [
        {"op": "add_element", "key": "fine", "kind": "process", "name": "Fine"},
        {"op": "add_element", "key": "bad", "kind": "process", "name": text},
    ]
    body = json.dumps({"base_version": world.diagram.version, "ops": ops}).encode()  # "\ud800" travels as its escape
    response = world.client("editor").post(f"/api/v1/diagrams/{world.diagram.pk}/ops/", data=body, content_type="application/json")
    error = refused(response, before)
    assert error["details"][0]["path"] == "ops[1].name" and fragment in error["details"][0]["message"]
    world.diagram.refresh_from_db()
    assert world.diagram.version == 1 + 1  # the fixture's own batch; this one changed nothing


def test_an_unstorable_key_of_a_json_field_is_named_as_a_key(world: World) -> None:
    ops = [{"op": "add_element", "key": "p", "kind": "process", "name": "P", "properties": {"a\u0000b": True}}]
    body = json.dumps({"base_version": world.diagram.version, "ops": ops}).encode()
    response = world.client("editor").post(f"/api/v1/diagrams/{world.diagram.pk}/ops/", data=body, content_type="application/json")
    assert response.status_code == 400
    assert response.json()["error"]["details"][0]["path"].endswith("(the name of a key)")


def test_a_nul_in_a_form_field_is_a_400(world: World) -> None:
    before = rows()
    response = world.client("editor").post(
        "/api/v1/threat-models/import/", data=f"team={world.team.pk}&name=A%00B", content_type="application/x-www-form-urlencoded"
    )
    error = refused(response, before)
    assert error["details"] == [{"path": "name", "message": "must not contain NUL characters (the first is at character 2)"}]


def test_a_nul_in_a_multipart_field_is_a_400(world: World) -> None:
    before = rows()
    upload = json.dumps({"format": "threatmodel/native", "format_version": 1, "threat_model": {"name": "M"}, "diagrams": []}).encode()
    response = world.client("editor").post(
        "/api/v1/threat-models/import/",
        {"team": str(world.team.pk), "name": "A\x00B", "file": SimpleUploadedFile("m.json", upload)},
        format="multipart",
    )
    assert refused(response, before)["details"][0]["path"] == "name"


def test_nan_is_still_refused_as_drf_strict_json_does(world: World) -> None:
    response = world.client("editor").patch(f"/api/v1/threat-models/{world.model.pk}/", data=b'{"name": NaN}', content_type="application/json")
    assert response.status_code == 400 and "not valid JSON" in response.json()["error"]["message"]


def test_broken_json_names_the_line_and_column(world: World) -> None:
    response = world.client("editor").patch(f"/api/v1/threat-models/{world.model.pk}/", data=b'{"name": \n x}', content_type="application/json")
    assert response.status_code == 400
    assert response.json()["error"]["details"] == [{"path": "$", "message": "Expecting value at line 2, column 2"}]


# --- imports: a flat list in YAML, deep JSON, and the shape is measured before anything is built ----------------


@pytest.mark.parametrize("megabytes", [4, 19])
def test_a_flat_yaml_list_is_refused_within_a_second(world: World, megabytes: int) -> None:
    head = b"otmVersion: 0.2.0\nproject: {name: Flat, id: flat}\ncomponents:\n"
    payload = head + b"- 0\n" * ((megabytes * 1024 * 1024 - len(head)) // 4)
    before = rows()
    started = time.monotonic()
    response = import_file(world, payload, fmt="otm", content_type="application/yaml")
    elapsed = time.monotonic() - started
    error = refused(response, before)
    assert f"more than {limits.MAX_YAML_VALUES} values" in error["message"] and error["details"][0]["path"].startswith("line ")
    assert elapsed < 5, f"refusing took {elapsed:.1f} s"  # about 0.5 s alone; CI machines are shared


def test_deep_yaml_is_refused_at_its_line(world: World) -> None:
    payload = b"otmVersion: 0.2.0\nproject:\n" + b"".join(b"  " * (i + 1) + b"k:\n" for i in range(bounded.MAX_DEPTH + 5))
    error = refused(import_file(world, payload, fmt="otm", content_type="application/yaml"), rows())
    assert f"more than {bounded.MAX_DEPTH} levels deep" in error["message"] and error["details"][0]["path"].startswith("line ")


def test_a_deep_json_import_is_refused_before_parsing(world: World) -> None:
    error = refused(import_file(world, DEEP), rows())
    assert error["details"][0]["message"] == f"nested 100000 levels deep (at most {bounded.MAX_DEPTH})"


@pytest.mark.parametrize(
    ("text", "depth", "values"),
    [
        (b"{}", 1, 2),
        (b'{"a": [1, 2, {"b": "]]]]"}]}', 3, 6),  # brackets inside strings do not count
        (b'["\\"[[[", "x\\\\", [[]]]', 3, 6),  # nor do escaped quotes end a string
        (b'"just a string, with [brackets]"', 0, 1),
    ],
)
def test_the_shape_is_measured_without_parsing(text: bytes, depth: int, values: int) -> None:
    # values is commas + containers + 1: never fewer than the document holds
    assert bounded.json_shape(text) == (depth, values)
    assert _count(json.loads(text)) <= values


def _count(value: Any) -> int:
    if isinstance(value, dict):
        return 1 + sum(_count(v) for v in value.values())
    if isinstance(value, list):
        return 1 + sum(_count(v) for v in value)
    return 1
