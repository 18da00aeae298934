"""The export endpoint in every format, the Navigator layer against the 4.5 spec, the CSV register, the format list."""

from __future__ import annotations

import csv
import io
import json
import re
from typing import Any

import pytest

from conftest import World
from stride.models import AttackRelease, Technique
from threatmodel.interop.csv_register import neutralise
from threatmodel.interop.registry import EXPORTS, IMPORTS
from threatmodel.notices import ATTACK_NOTICE
from threatmodel.tests.interop_helpers import rich_model

pytestmark = pytest.mark.django_db


def export(world: World, model_id: int, fmt: str, persona: str = "viewer") -> Any:
    return world.client(persona).get(f"/api/v1/threat-models/{model_id}/export/?format={fmt}", HTTP_ACCEPT="*/*")


@pytest.mark.parametrize(
    ("fmt", "content_type", "suffix"),
    [
        ("json", "application/json", ".json"),
        ("otm", "application/json", ".otm.json"),
        ("threat-dragon", "application/json", ".threat-dragon.json"),
        ("navigator", "application/json", ".navigator-layer.json"),
        ("csv", "text/csv", ".csv"),
    ],
)
def test_every_format_exports_as_an_attachment(world: World, fmt: str, content_type: str, suffix: str) -> None:
    model = rich_model(world)
    response = export(world, model.pk, fmt)
    assert response.status_code == 200
    assert response["Content-Type"].startswith(content_type) and "charset=utf-8" in response["Content-Type"]
    assert response["Content-Disposition"] == f'attachment; filename="threat-model-{model.pk}-v{model.version}{suffix}"'
    assert response.content == export(world, model.pk, fmt).content  # the same model gives the same bytes
    # Outsiders learn nothing, whatever the format.
    assert export(world, model.pk, fmt, "outsider").status_code == 404


def test_an_unknown_format_is_refused_with_the_list(world: World) -> None:
    response = export(world, world.model.pk, "pdf")
    assert response.status_code == 400
    assert response.json()["error"]["details"] == [{"path": "format", "message": f"must be one of {', '.join(EXPORTS)}"}]


def test_the_format_list_matches_the_registry(world: World) -> None:
    body = world.client("viewer").get("/api/v1/formats/").json()
    assert [item["name"] for item in body["export"]] == list(EXPORTS)
    assert [item["name"] for item in body["import"]] == list(IMPORTS)
    assert body["diagram_render"] == ["svg", "png", "dot"] and body["report_paper_sizes"] == ["a4", "letter"]


# --- Navigator ---------------------------------------------------------------------------------------------


def check_layer_4_5(layer: dict[str, Any]) -> None:
    """The required fields and value rules of the layer format 4.5 spec (layerformat.md)."""
    assert isinstance(layer["name"], str) and layer["name"]
    assert layer["domain"] in ("enterprise-attack", "mobile-attack", "ics-attack")
    versions = layer["versions"]
    assert versions["layer"] == "4.5"
    assert tuple(int(part) for part in versions["navigator"].split(".")) >= (4, 9, 0)
    for technique in layer["techniques"]:
        assert re.fullmatch(r"T\d{4}(\.\d{3})?", technique["techniqueID"])
        if "score" in technique:
            assert isinstance(technique["score"], int | float)
        for item in technique.get("metadata", []):
            assert set(item) == {"name", "value"} and all(isinstance(v, str) for v in item.values())
        for link in technique.get("links", []):
            assert link["label"] and re.match(r"^[a-z]+://", link["url"])
    gradient = layer["gradient"]
    assert len(gradient["colors"]) >= 2 and gradient["maxValue"] > gradient["minValue"]
    for item in layer["legendItems"]:
        assert item["label"] and re.fullmatch(r"#[0-9a-f]{6}", item["color"])
    for item in layer["metadata"]:
        assert set(item) == {"name", "value"}
    for link in layer["links"]:
        assert re.match(r"^[a-z]+://", link["url"])


def test_the_navigator_layer_follows_the_4_5_spec_and_scores_by_the_highest_risk(world: World) -> None:
    model = rich_model(world)
    release = AttackRelease.objects.filter(domain="enterprise-attack").first()
    layer = json.loads(export(world, model.pk, "navigator").content)
    check_layer_4_5(layer)
    assert layer["domain"] == "enterprise-attack" and layer["filters"] == {"platforms": ["Containers"]}
    assert release is not None and layer["versions"]["attack"] == release.version
    entries = {(t["techniqueID"], t.get("tactic")): t for t in layer["techniques"]}
    # One entry per technique and tactic of the catalogue.
    expected = {
        (attack_id, shortname)
        for attack_id in ("T1611", "T1610")
        for shortname in Technique.objects.get(attack_id=attack_id).tactics.values_list("shortname", flat=True)
    }
    assert set(entries) == expected and len(layer["techniques"]) == len(expected)
    # T1611: the escape (3x4 = 12) and the accepted DoS (5x5 = 25, 15 after its verified mitigation): the highest
    # verified residual wins. T1610 is only on the escape.
    t1611 = next(entry for (attack_id, _), entry in entries.items() if attack_id == "T1611")
    assert t1611["score"] == 15
    assert t1611["comment"].splitlines()[1:] == [
        "[D] Orders DB exhausted — risk 15 (Unacceptable), accepted",
        "[E] Container escape from the web pod — risk 12 (Tolerable), open",
    ]
    assert all(entry["score"] == 12 for (attack_id, _), entry in entries.items() if attack_id == "T1610")
    assert {"name": "highest band", "value": "Unacceptable"} in t1611["metadata"]
    assert layer["legendItems"][0]["label"] == "Unacceptable (≥ 15)"
    # MITRE's notice travels with the layer.
    assert ATTACK_NOTICE in layer["description"]
    assert {"name": "ATT&CK notice", "value": ATTACK_NOTICE} in layer["metadata"]


def test_obsolete_and_not_applicable_threats_do_not_score(world: World, threat: Any) -> None:
    threat.status = "not_applicable"
    threat.save()
    layer = json.loads(export(world, world.model.pk, "navigator").content)
    assert layer["techniques"] == []
    check_layer_4_5(layer)


# --- CSV -----------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("=1+1", "'=1+1"),
        ("+SUM(A1)", "'+SUM(A1)"),
        ("-2+3", "'-2+3"),
        ("@cmd", "'@cmd"),
        ("\tx", "'\tx"),
        ("\rx", "'\rx"),
        ("＝1+1", "'＝1+1"),
        ("safe = text", "safe = text"),
        (12, 12),
    ],
)
def test_cells_that_would_be_formulas_are_neutralised(value: object, expected: object) -> None:
    assert neutralise(value) == expected


def test_the_csv_register_is_ordered_by_risk_and_inert(world: World) -> None:
    model = rich_model(world)
    raw = export(world, model.pk, "csv").content
    assert raw.startswith("\ufeff".encode())
    rows = list(csv.DictReader(io.StringIO(raw.decode("utf-8-sig"))))
    assert [row["Fingerprint"] for row in rows] == ["DOS-1@db", "ESC-1@web", "MANUAL:sniff@f-user-web", "REP-1@web"]
    assert [row["Residual risk"] for row in rows] == ["15", "12", "4", "4"]
    assert [row["Inherent risk"] for row in rows] == ["25", "12", "4", "4"]
    assert [row["Projected residual risk"] for row in rows] == ["15", "8", "4", "4"]
    escape = rows[1]
    assert escape["STRIDE"] == "E" and escape["STRIDE category"] == "Elevation of privilege"
    assert escape["ATT&CK techniques"] == "T1610 Deploy Container; T1611 Escape to Host"
    assert escape["Target name"] == 'Web "shop" <front>' and escape["Owner"] == "editor" and escape["Band"] == "Tolerable"
    assert rows[0]["Decision"] == "acceptance" and rows[0]["Mitigations"] == "MIT-2 Autoscaling with a connection cap (verified)"
    # The threat titled =HYPERLINK(...) reaches the sheet as text.
    assert rows[2]["Title"] == "'=HYPERLINK(\"http://evil\",\"click\")"
    assert all(not value.startswith(("=", "+", "-", "@")) for row in rows for value in row.values())


def test_the_notice_is_the_one_in_the_shipped_licence() -> None:
    from django.conf import settings

    licence = (settings.BASE_DIR / "fixtures" / "attack" / "ATTACK-LICENSE.txt").read_text(encoding="utf-8")
    assert ATTACK_NOTICE in licence
