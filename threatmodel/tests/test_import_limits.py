"""One set of limits for every import format: the same file problems are refused the same way in each.

A 1 MB name, a NUL character, a lone surrogate, an over-long description or too many elements: a 400
in the one error shape, a message that says the same thing whatever the format, a path that names
the place in *that* file, and nothing written. XML cannot carry a NUL or a surrogate at all, so a
.tm7 that tries is refused by its parser, with the line and column.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
import yaml

from conftest import World
from dfd.models import Element, Flow
from stride.models import Threat
from threatmodel.interop import limits
from threatmodel.models import AuditEvent, ThreatModel
from threatmodel.tests.interop_helpers import import_file
from threatmodel.tests.test_interop_tmt import tm7

pytestmark = pytest.mark.django_db

ONE_MB = "n" * 1_000_000
LONG_DESCRIPTION = "d" * (limits.DESCRIPTION_MAX + 1)


@dataclass(frozen=True)
class Format:
    """How to write a small model in one format: each element's name and description, and their place in the file."""

    name: str
    content_type: str
    build: Callable[[list[tuple[str, str]]], bytes]
    element_path: Callable[[int], str]  # the path of element i in the file


def native(elements: list[tuple[str, str]]) -> bytes:
    items = [{"key": f"e{i}", "kind": "process", "name": name, "description": text} for i, (name, text) in enumerate(elements)]
    document = {"format": "threatmodel/native", "format_version": 1, "threat_model": {"name": "M"},
                "diagrams": [{"name": "D", "elements": items, "flows": []}]}  # fmt: skip
    return json.dumps(document).encode()


def otm_document(elements: list[tuple[str, str]]) -> dict[str, Any]:
    return {
        "otmVersion": "0.2.0",
        "project": {"name": "M", "id": "m"},
        "trustZones": [{"id": "z", "name": "Zone", "risk": {"trustRating": 50}}],
        "components": [
            {"id": f"c{i}", "name": name, "type": "web-service", "description": text, "parent": {"trustZone": "z"}}
            for i, (name, text) in enumerate(elements)
        ],
    }


def threat_dragon_v2(elements: list[tuple[str, str]]) -> bytes:
    cells = [
        {"id": f"p{i}", "shape": "process", "position": {"x": 200 * i, "y": 0}, "size": {"width": 100, "height": 100},
         "data": {"type": "tm.Process", "name": name, "description": text}}
        for i, (name, text) in enumerate(elements)
    ]  # fmt: skip
    return json.dumps({"version": "2.3.0", "summary": {"title": "M"}, "detail": {"diagrams": [{"cells": cells}]}}).encode()


def threat_dragon_v1(elements: list[tuple[str, str]]) -> bytes:
    cells = [
        {"type": "tm.Process", "id": f"p{i}", "position": {"x": 200 * i, "y": 0}, "size": {"width": 100, "height": 100},
         "attrs": {"text": {"text": name}}, "description": text}
        for i, (name, text) in enumerate(elements)
    ]  # fmt: skip
    return json.dumps({"summary": {"title": "M"}, "detail": {"diagrams": [{"diagramJson": {"cells": cells}}]}}).encode()


FORMATS = [
    Format("native", "application/json", native, lambda i: f"diagrams[0].elements[{i}]"),
    Format("otm-json", "application/json", lambda e: json.dumps(otm_document(e)).encode(), lambda i: f"components[{i}]"),
    Format(
        "otm-yaml", "application/yaml", lambda e: yaml.safe_dump(otm_document(e), allow_unicode=False).encode(), lambda i: f"components[{i}]"
    ),
    Format("threat-dragon-v2", "application/json", threat_dragon_v2, lambda i: f"detail.diagrams[0].cells[{i}]"),
    Format("threat-dragon-v1", "application/json", threat_dragon_v1, lambda i: f"detail.diagrams[0].diagramJson.cells[{i}]"),
]


def rows() -> tuple[int, ...]:
    return (ThreatModel.objects.count(), Element.objects.count(), Flow.objects.count(), Threat.objects.count(), AuditEvent.objects.count())


def refused(world: World, raw: bytes, content_type: str) -> dict[str, Any]:
    before = rows()
    response = import_file(world, raw, content_type=content_type)
    assert response.status_code == 400, response.content[:500]
    assert rows() == before, "a refused import wrote rows"
    error: dict[str, Any] = response.json()["error"]
    assert error["code"] and error["message"] and error["details"]
    return error


def detail_at(error: dict[str, Any], path: str) -> str:
    """The message of the first detail whose path is the element's, or one of its fields."""
    for detail in error["details"]:
        if detail["path"] == path or detail["path"].startswith((path + ".", path + " (")):
            return str(detail["message"])
    raise AssertionError(f"no detail at {path}: {error['details']}")


@pytest.mark.parametrize("fmt", FORMATS, ids=lambda f: f.name)
def test_each_format_accepts_the_small_model(world: World, fmt: Format) -> None:
    response = import_file(world, fmt.build([("Web", "Serves"), ("API", "")]), content_type=fmt.content_type)
    assert response.status_code == 201, response.content[:500]
    assert set(Element.objects.filter(threat_model_id=response.json()["threat_model"]["id"]).values_list("name", flat=True)) >= {"Web", "API"}


@pytest.mark.parametrize("fmt", FORMATS, ids=lambda f: f.name)
def test_a_one_megabyte_name_is_refused(world: World, fmt: Format) -> None:
    error = refused(world, fmt.build([("Web", ""), (ONE_MB, "")]), fmt.content_type)
    assert detail_at(error, fmt.element_path(1)) == f"must be at most {limits.NAME_MAX} characters (got 1000000)"


@pytest.mark.parametrize("fmt", FORMATS, ids=lambda f: f.name)
def test_a_nul_character_is_refused(world: World, fmt: Format) -> None:
    error = refused(world, fmt.build([("Web", ""), ("A\x00B", "")]), fmt.content_type)
    assert detail_at(error, fmt.element_path(1)).startswith("must not contain NUL characters")


@pytest.mark.parametrize("fmt", FORMATS, ids=lambda f: f.name)
def test_a_lone_surrogate_is_refused(world: World, fmt: Format) -> None:
    error = refused(world, fmt.build([("Web", ""), ("A\ud800B", "")]), fmt.content_type)
    if fmt.name == "otm-yaml":  # libyaml, which reads the YAML, refuses the escape itself, at its line and column
        assert error["details"][0]["path"].startswith("line ") and "invalid Unicode character escape" in error["message"]
        return
    assert detail_at(error, fmt.element_path(1)).startswith("must not contain a lone surrogate (U+D800")


@pytest.mark.parametrize("fmt", FORMATS, ids=lambda f: f.name)
def test_an_over_long_description_is_refused(world: World, fmt: Format) -> None:
    error = refused(world, fmt.build([("Web", LONG_DESCRIPTION)]), fmt.content_type)
    assert detail_at(error, fmt.element_path(0)) == f"must be at most {limits.DESCRIPTION_MAX} characters (got {len(LONG_DESCRIPTION)})"


@pytest.mark.parametrize("fmt", FORMATS, ids=lambda f: f.name)
def test_too_many_elements_are_refused_at_the_first_one_over(world: World, fmt: Format, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(limits, "MAX_ELEMENTS", 4)
    extra = 1 if fmt.name.startswith("otm") else 0  # an OTM file's trust zone is an element too
    error = refused(world, fmt.build([(f"P{i}", "") for i in range(5)]), fmt.content_type)
    assert "an import holds at most 4 elements; this file has more" in [d["message"] for d in error["details"]]
    if extra == 0:
        assert detail_at(error, fmt.element_path(4)) == "an import holds at most 4 elements; this file has more"


def test_a_bad_key_name_is_refused_too(world: World) -> None:
    document = json.loads(threat_dragon_v2([("Web", "")]))
    document["detail"]["diagrams"][0]["cells"][0]["data"]["x\x00y"] = True
    error = refused(world, json.dumps(document).encode(), "application/json")
    assert error["details"][0]["path"].endswith("(the name of a key)")


# --- the .tm7: XML carries neither NUL nor surrogates, and is held to the same lengths and counts -------------


def test_a_tm7_with_a_nul_or_a_surrogate_is_refused_by_its_parser(world: World) -> None:
    for reference in (b"&#0;", b"&#xD800;"):
        error = refused(world, tm7().replace(b">Web app<", b">Web" + reference + b"app<"), "application/xml")
        assert error["details"][0]["path"].startswith("line ") and "invalid character" in error["details"][0]["message"]


def test_a_tm7_with_a_one_megabyte_name_is_refused_at_its_stencil(world: World) -> None:
    error = refused(world, tm7().replace(b">Web app<", b">" + ONE_MB.encode() + b"<"), "application/xml")
    message = next(d["message"] for d in error["details"] if "/Borders/KeyValueOfguidanyType[4]" in d["path"])
    assert message == f"must be at most {limits.NAME_MAX} characters (got 1000000)"


def test_a_tm7_with_an_over_long_description_is_refused_at_its_meta_information(world: World) -> None:
    long_text = "d" * (limits.LONG_TEXT_MAX + 1)
    error = refused(world, tm7().replace(b"A checkout", long_text.encode()), "application/xml")
    assert error["details"][0]["path"] == "/ThreatModel/MetaInformation (description)"
    assert error["details"][0]["message"].startswith(f"must be at most {limits.LONG_TEXT_MAX} characters")


def test_a_tm7_with_too_many_elements_is_refused(world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(limits, "MAX_ELEMENTS", 3)
    error = refused(world, tm7(), "application/xml")
    assert error["details"][0]["message"] == "an import holds at most 3 elements; this file has more"
    assert error["details"][0]["path"].startswith("/ThreatModel/DrawingSurfaceList/DrawingSurfaceModel[1]/")
