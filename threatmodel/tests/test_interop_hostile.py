"""Hostile files: entity bombs, external entities, alias bombs, unsafe tags, archives, 100 MB uploads.

Each is refused with a clear error, quickly, and nothing is written.
"""

from __future__ import annotations

import gzip
import io
import json
import time
import zipfile
from typing import Any

import pytest

from conftest import World
from dfd.models import Element
from stride.models import Threat
from threatmodel.models import AuditEvent, ThreatModel
from threatmodel.tests.interop_helpers import import_file
from threatmodel.tests.test_interop_tmt import tm7

pytestmark = pytest.mark.django_db

BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [
 <!ENTITY lol "lol">
 <!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol2 "&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
 <!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
 <!ENTITY lol6 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;">
 <!ENTITY lol7 "&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;">
 <!ENTITY lol8 "&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;">
 <!ENTITY lol9 "&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;">
]>
<ThreatModel><MetaInformation><ThreatModelName>&lol9;</ThreatModelName></MetaInformation></ThreatModel>"""

EXTERNAL_ENTITY = b"""<?xml version="1.0"?>
<!DOCTYPE ThreatModel [<!ENTITY secret SYSTEM "file:///etc/passwd">]>
<ThreatModel><MetaInformation><ThreatModelName>&secret;</ThreatModelName></MetaInformation></ThreatModel>"""

EXTERNAL_DTD = b"""<?xml version="1.0"?>
<!DOCTYPE ThreatModel SYSTEM "http://attacker.invalid/evil.dtd">
<ThreatModel/>"""

YAML_ALIAS_BOMB = b"""otmVersion: 0.2.0
project: {name: bomb, id: bomb}
a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]
b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]
c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]
d: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]
e: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]
f: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e]
g: &g [*f,*f,*f,*f,*f,*f,*f,*f,*f]
h: &h [*g,*g,*g,*g,*g,*g,*g,*g,*g]
i: &i [*h,*h,*h,*h,*h,*h,*h,*h,*h]
"""


def counts() -> tuple[int, int, int, int]:
    return ThreatModel.objects.count(), Element.objects.count(), Threat.objects.count(), AuditEvent.objects.count()


def refused(world: World, payload: bytes, content_type: str, fmt: str | None = None) -> dict[str, Any]:
    before = counts()
    started = time.monotonic()
    response = import_file(world, payload, fmt=fmt, content_type=content_type)
    elapsed = time.monotonic() - started
    assert response.status_code == 400, response.content[:500]
    assert counts() == before
    assert elapsed < 10, f"refusing took {elapsed:.1f} s"
    error: dict[str, Any] = response.json()["error"]
    return error


@pytest.mark.parametrize(
    ("payload", "fragment"),
    [(BILLION_LAUGHS, "document type (DTD)"), (EXTERNAL_ENTITY, "document type (DTD)"), (EXTERNAL_DTD, "document type (DTD)")],
)
def test_xml_with_a_dtd_is_refused_before_any_entity_is_expanded(world: World, payload: bytes, fragment: str) -> None:
    error = refused(world, payload, "application/xml")
    assert fragment in error["message"]
    assert "root:" not in str(error)  # nothing of /etc/passwd


def test_a_yaml_alias_bomb_is_refused(world: World) -> None:
    error = refused(world, YAML_ALIAS_BOMB, "application/yaml")
    assert "alias bomb" in error["message"] and error["details"][0]["path"].startswith("line ")


@pytest.mark.parametrize(
    ("payload", "fragment"),
    [
        (b"otmVersion: 0.2.0\nproject: !!python/object/apply:os.system ['touch /tmp/pwned']\n", "tag"),
        (b"otmVersion: 0.2.0\nproject: !!binary aGVsbG8=\n", "tag"),
        (b"otmVersion: 0.2.0\nproject: !local {name: x}\n", "tag"),
        (b"otmVersion: 0.2.0\nproject: &p {name: x, id: y, self: *p}\n", "refers to itself"),
        (b"otmVersion: 0.2.0\nproject: {name: [unclosed\n", "not valid YAML"),
        (b"[" * 20_000 + b"]" * 20_000, "levels deep"),
    ],
)
def test_unsafe_or_broken_yaml_is_refused(world: World, payload: bytes, fragment: str) -> None:
    error = refused(world, payload, "application/yaml", fmt="otm")
    assert fragment in error["message"], error


def zipped(name: str, content: bytes) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(name, content)
    return buffer.getvalue()


@pytest.mark.parametrize(
    ("payload", "fragment"),
    [(zipped("model.tm7", tm7()), "zip archive"), (gzip.compress(tm7()), "gzip-compressed"), (b"BZh91AY&SY" + b"\x00" * 20, "bzip2")],
)
def test_archives_and_compressed_files_are_refused(world: World, payload: bytes, fragment: str) -> None:
    before = counts()
    upload = io.BytesIO(payload)
    upload.name = "model.zip"
    response = world.client("editor").post(
        "/api/v1/threat-models/import/", data={"team": world.team.pk, "file": upload}, format="multipart"
    )
    assert response.status_code == 400
    assert fragment in response.json()["error"]["message"]
    assert counts() == before


def test_a_100_megabyte_xml_upload_is_refused_without_being_read(world: World) -> None:
    before = counts()
    body = b"<ThreatModel>" + b" " * (100 * 1024 * 1024) + b"</ThreatModel>"
    started = time.monotonic()
    response = import_file(world, body, content_type="application/xml")
    assert response.status_code == 413 and response.json()["error"]["code"] == "too_large"
    assert time.monotonic() - started < 5
    assert counts() == before


def test_an_upload_over_the_limit_is_refused_even_when_its_length_is_not_declared(world: World, settings: Any) -> None:
    settings.THREATMODEL_IMPORT_MAX_BYTES = 10_000
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024
    before = counts()
    upload = io.BytesIO(tm7() + b" " * 20_000)
    upload.name = "model.tm7"
    response = world.client("editor").post(
        "/api/v1/threat-models/import/", data={"team": world.team.pk, "file": upload}, format="multipart"
    )
    # The multipart body is larger than the limit too, so the middleware answers first; either way: 413.
    assert response.status_code == 413
    assert counts() == before


def test_names_with_markup_and_control_characters_arrive_as_plain_text(world: World) -> None:
    payload = tm7().replace(b"Web app", b"&lt;script&gt;alert(1)&lt;/script&gt; name")
    response = import_file(world, payload, content_type="application/xml")
    assert response.status_code == 201, response.content[:500]
    names = set(Element.objects.filter(threat_model_id=response.json()["threat_model"]["id"]).values_list("name", flat=True))
    assert "<script>alert(1)</script> name" in names
    # XML cannot carry control characters; JSON can. They are removed, never stored (a NUL is refused:
    # test_import_limits.py).
    document = {
        "summary": {"title": "Ctl\u0007\u0001"},
        "detail": {"diagrams": [{"cells": [{"id": "p", "shape": "process", "position": {"x": 0, "y": 0},
                   "size": {"width": 10, "height": 10}, "data": {"type": "tm.Process", "name": "a\u0007b\u001bc\nd"}}]}]},
    }
    response = import_file(world, json.dumps(document).encode())
    assert response.status_code == 201, response.content[:500]
    model = ThreatModel.objects.get(pk=response.json()["threat_model"]["id"])
    assert model.name == "Ctl" and Element.objects.get(threat_model=model).name == "abc d"
