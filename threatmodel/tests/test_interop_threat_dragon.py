"""Threat Dragon: an export shaped like its demo models, an exact round trip, and v1/v2 files from others."""

from __future__ import annotations

import json
from typing import Any

import pytest

from conftest import World
from dfd.models import Element, Flow
from stride.models import Threat
from threatmodel.interop.threat_dragon import td_export
from threatmodel.models import ThreatModel
from threatmodel.native import native_export
from threatmodel.tests.interop_helpers import import_file, imported, rich_model
from threatmodel.tests.shared_data import DATA, MISSING

pytestmark = pytest.mark.django_db

DEMO = DATA / "threat-dragon" / "td.vue" / "src" / "service" / "demo" / "generic-cms.json"


def cells_by_type(document: dict[str, Any], index: int = 0) -> dict[str, list[dict[str, Any]]]:
    found: dict[str, list[dict[str, Any]]] = {}
    for cell in document["detail"]["diagrams"][index]["cells"]:
        found.setdefault(cell["data"]["type"], []).append(cell)
    return found


def test_the_export_has_the_structure_of_threat_dragons_demo_models(world: World) -> None:
    if not DEMO.is_file():
        pytest.skip(MISSING)
    ours = td_export(rich_model(world))
    theirs = json.loads(DEMO.read_text())
    # The keys Threat Dragon writes are all there, at every level we produce.
    assert set(theirs) <= set(ours)
    assert set(theirs["summary"]) <= set(ours["summary"])
    assert set(theirs["detail"]) <= set(ours["detail"])
    assert set(theirs["detail"]["diagrams"][0]) - {"cells"} <= set(ours["detail"]["diagrams"][0])
    their_cells, our_cells = cells_by_type(theirs), cells_by_type(ours)
    for td_type in ("tm.Actor", "tm.Process", "tm.Store", "tm.Flow", "tm.BoundaryBox"):
        theirs_cell, ours_cell = their_cells[td_type][0], our_cells[td_type][0]
        assert set(theirs_cell) <= set(ours_cell), td_type
        assert set(theirs_cell["data"]) <= set(ours_cell["data"]), td_type
        assert ours_cell["shape"] == theirs_cell["shape"], td_type
        if "ports" in theirs_cell:
            assert ours_cell["ports"]["groups"] == theirs_cell["ports"]["groups"]
            assert [p["group"] for p in ours_cell["ports"]["items"]] == [p["group"] for p in theirs_cell["ports"]["items"]]
        if "labels" in theirs_cell:
            assert ours_cell["labels"][0]["markup"] == theirs_cell["labels"][0]["markup"]


def test_the_export_uses_threat_dragons_own_words(world: World) -> None:
    document = td_export(rich_model(world))
    assert document["version"] == "2.3.0" and document["detail"]["diagrams"][0]["diagramType"] == "STRIDE"
    cells = cells_by_type(document)
    web = next(cell for cell in cells["tm.Process"] if cell["data"]["name"].startswith("Web"))
    threats = {threat["title"]: threat for threat in web["data"]["threats"]}
    escape = threats["Container escape from the web pod"]
    assert (escape["type"], escape["status"], escape["severity"], escape["score"], escape["modelType"]) == (
        "Elevation of privilege", "Open", "Medium", "12", "STRIDE"
    )  # fmt: skip
    assert escape["ruleId"] == "ESC-1" and escape["threatmodelWorkbench"]["attackTechniques"] == ["T1610", "T1611"]
    assert escape["mitigation"] == "MIT-1 Drop privileged mode (planned)"
    assert web["data"]["hasOpenThreats"] is True
    db = next(cell for cell in cells["tm.Store"] if cell["data"]["name"] == "Orders DB")
    assert db["data"]["storesCredentials"] is True and db["data"]["threats"][0]["status"] == "Accepted"
    assert db["data"]["threats"][0]["severity"] == "High"  # residual 15 after the verified mitigation
    flow = next(cell for cell in cells["tm.Flow"] if cell["data"]["protocol"] == "https")
    assert flow["data"]["isEncrypted"] is True and flow["data"]["isPublicNetwork"] is True
    assert flow["source"]["cell"] != flow["target"]["cell"]
    # Positions are absolute: web is at 20,30 inside tb-ns (30.5, 40.25) inside tb-cluster (40, 60) inside tb-cloud (0, 0).
    assert web["position"] == {"x": 90.5, "y": 130.25}
    # Threats whose element is gone travel beside the diagrams, not on a cell.
    assert [t["title"] for t in document["detail"]["threatmodelWorkbench"]["unattachedThreats"]] == ["Tampering with a deleted element"]
    # The same model gives the same file.
    assert td_export(ThreatModel.objects.get(pk=document["summary"]["id"])) == document


def test_ours_to_threat_dragon_to_ours_keeps_everything(world: World) -> None:
    model = rich_model(world)
    before = native_export(model)
    response = import_file(world, json.dumps(td_export(model)).encode(), fmt="threat-dragon")
    after = native_export(imported(response))
    for diagram_before, diagram_after in zip(before["diagrams"], after["diagrams"], strict=True):
        for element_before, element_after in zip(diagram_before["elements"], diagram_after["elements"], strict=True):
            assert abs(element_before["x"] - element_after["x"]) < 1 and abs(element_before["y"] - element_after["y"]) < 1
    assert after == before
    assert response.json()["warnings"] == []


FOREIGN_V2: dict[str, Any] = {
    "version": "2.3.0",
    "summary": {"title": "Foreign demo", "owner": "someone", "description": "From Threat Dragon", "id": 0},
    "detail": {
        "contributors": [],
        "diagramTop": 1,
        "reviewer": "",
        "threatTop": 3,
        "diagrams": [
            {
                "id": 0,
                "title": "Main",
                "diagramType": "CIA",
                "cells": [
                    {"id": "outer", "shape": "trust-boundary-box", "position": {"x": 100, "y": 100}, "size": {"width": 600, "height": 400},
                     "data": {"type": "tm.BoundaryBox", "name": "DMZ"}},
                    {"id": "inner", "shape": "trust-boundary-box", "position": {"x": 150, "y": 150}, "size": {"width": 300, "height": 200},
                     "data": {"type": "tm.BoundaryBox", "name": "App"}},
                    {"id": "p1", "shape": "process", "position": {"x": 200, "y": 200}, "size": {"width": 100, "height": 100},
                     "data": {"type": "tm.Process", "name": "Web\napplication", "outOfScope": True, "reasonOutOfScope": "legacy",
                              "threats": [{"id": "th-1", "title": "Integrity loss", "type": "Integrity", "status": "Open",
                                           "severity": "High", "mitigation": "Sign it", "description": "d"}]}},
                    {"id": "s1", "shape": "store", "position": {"x": 500, "y": 150}, "size": {"width": 150, "height": 75},
                     "data": {"type": "tm.Store", "name": "Files", "isEncrypted": True, "isALog": False, "storesCredentials": False,
                              "threats": [{"title": "Leak", "type": "Information disclosure", "status": "NotApplicable"}]}},
                    {"id": "a1", "shape": "actor", "position": {"x": 0, "y": 0}, "size": {"width": 150, "height": 80},
                     "data": {"type": "tm.Actor", "name": "User"}},
                    {"id": "f1", "shape": "flow", "source": {"cell": "a1"}, "target": {"cell": "p1"},
                     "data": {"type": "tm.Flow", "name": "Request", "isPublicNetwork": True, "isEncrypted": False, "protocol": "HTTP",
                              "isBidirectional": True, "threats": [{"title": "Sniffing", "type": "Wibble", "status": "Mitigated"}]}},
                    {"id": "f2", "shape": "flow", "source": {"x": 10, "y": 400}, "target": {"cell": "s1"},
                     "data": {"type": "tm.Flow", "name": "Upload"}},
                    {"id": "f3", "shape": "flow", "source": {"cell": "p1"}, "target": {"cell": "p1"}, "data": {"type": "tm.Flow", "name": "Loop"}},
                    {"id": "c1", "shape": "trust-boundary-curve", "source": {"x": 700, "y": 0}, "target": {"x": 710, "y": 300},
                     "data": {"type": "tm.Boundary", "name": ""}},
                    {"id": "t1", "shape": "td-text-block", "position": {"x": 0, "y": 500}, "size": {"width": 100, "height": 20},
                     "data": {"type": "tm.Text", "name": "A note"}},
                ],
            }
        ],
    },
}  # fmt: skip


def test_a_foreign_v2_model_is_read_with_geometry_nesting_and_placeholders(world: World) -> None:
    response = import_file(world, json.dumps(FOREIGN_V2).encode())
    model = imported(response)
    body = response.json()
    assert body["format"] == "threat-dragon"
    assert {k: body["summary"][k] for k in ("elements", "boundaries", "flows", "threats", "placeholders", "skipped")} == {
        "elements": 3, "boundaries": 3, "flows": 3, "threats": 3, "placeholders": 2, "skipped": 1,
    }  # fmt: skip
    elements = {e.name: e for e in Element.objects.filter(threat_model=model).select_related("parent")}
    assert elements["Web application"].parent == elements["App"] and elements["App"].parent == elements["DMZ"]
    assert elements["Files"].parent == elements["DMZ"] and elements["User"].parent is None
    assert (elements["Web application"].x, elements["Web application"].y) == (50.0, 50.0)  # relative to App
    assert "[Out of scope in Threat Dragon: legacy]" in elements["Web application"].description
    assert elements["Files"].properties == {"encrypted": True}  # unticked boxes are not "false"
    assert elements["Trust boundary"].width == 10.0 and not elements["Trust boundary"].children.exists()
    placeholders = [e for e in elements.values() if e.name.startswith("Unattached")]
    assert sorted(e.name for e in placeholders) == ["Unattached source of Upload", "Unattached target of Loop"]
    request = Flow.objects.get(threat_model=model, label="Request")
    assert request.bidirectional and request.protocol == "HTTP" and request.properties == {"public_network": True, "encrypted": False}  # plain HTTP
    threats = {t.title: t for t in Threat.objects.filter(threat_model=model)}
    assert (threats["Integrity loss"].stride, threats["Integrity loss"].status) == ("T", "open")
    assert threats["Integrity loss"].notes == "Mitigation (from Threat Dragon): Sign it"
    assert threats["Integrity loss"].explanation["imported"]["severity"] == "High"
    assert (threats["Leak"].stride, threats["Leak"].status) == ("I", "not_applicable")
    assert (threats["Sniffing"].stride, threats["Sniffing"].status, threats["Sniffing"].flow_key) == ("T", "mitigated", "f1")
    warnings = " ".join(body["warnings"])
    for fragment in ("'Integrity' is not STRIDE", "type this product does not know", "connects an element to itself",
                     "curve trust boundary", "text block", "Unattached source/target", "out of scope"):  # fmt: skip
        assert fragment in warnings, fragment


FOREIGN_V1: dict[str, Any] = {
    "summary": {"title": "Old model", "owner": "me"},
    "detail": {
        "contributors": [],
        "diagrams": [
            {
                "title": "First",
                "diagramType": "STRIDE",
                "id": 0,
                "diagramJson": {
                    "cells": [
                        {"type": "tm.Actor", "id": "a", "position": {"x": 10, "y": 10}, "size": {"width": 100, "height": 60},
                         "attrs": {"text": {"text": "Browser"}}, "threats": []},
                        {"type": "tm.Store", "id": "s", "position": {"x": 300, "y": 10}, "size": {"width": 100, "height": 60},
                         "attrs": {"text": {"text": "DB"}}, "storesCredentials": True, "isALog": True,
                         "threats": [{"title": "Credential theft", "type": "Information disclosure", "status": "Open", "severity": "High"}]},
                        {"type": "tm.Flow", "id": "f", "source": {"id": "a"}, "target": {"id": "s"},
                         "labels": [{"position": 0.5, "attrs": {"text": {"text": "Query"}}}], "isEncrypted": True,
                         "threats": [{"title": "Tampered", "type": "Tampering", "status": "Not Applicable"}]},
                        {"type": "tm.Boundary", "id": "b", "source": {"x": 200, "y": 0}, "target": {"x": 220, "y": 200}, "vertices": []},
                    ]
                },
            }
        ],
    },
}  # fmt: skip


def test_a_v1_model_is_read(world: World) -> None:
    response = import_file(world, json.dumps(FOREIGN_V1).encode())
    model = imported(response)
    assert response.json()["summary"]["elements"] == 2 and response.json()["summary"]["boundaries"] == 1
    store = Element.objects.get(threat_model=model, name="DB")
    assert store.properties == {"stores_credentials": True, "is_log": True}
    flow = Flow.objects.get(threat_model=model)
    assert flow.label == "Query" and flow.properties == {"encrypted": True} and flow.source.name == "Browser"
    statuses = dict(Threat.objects.filter(threat_model=model).values_list("title", "status"))
    assert statuses == {"Credential theft": "open", "Tampered": "not_applicable"}


@pytest.mark.parametrize(
    ("document", "path", "fragment"),
    [
        ({"version": "2.0", "summarize": {"title": "x"}, "detail": {"diagrams": []}}, "summary", "is required"),
        ({"version": "2.0", "summary": {"title": ""}, "detail": {"diagrams": []}}, "summary.title", "is required"),
        ({"version": "2.0", "summary": {"title": "x"}, "details": {}}, "detail", "is required"),
        ({"summary": {"title": "x"}, "detail": {"diagrams": {"a": 1}}}, "detail.diagrams", "must be a list"),
        ({"summary": {"title": "x"}, "detail": {"diagrams": [{"cells": [{"id": "p", "shape": "process", "position": {"x": "far"},
          "data": {"type": "tm.Process", "name": "P"}}]}]}}, "detail.diagrams[0].cells[0].position.x", "must be a number"),
        ({"summary": {"title": "x"}, "detail": {"diagrams": [{"cells": [{"shape": "process", "data": {"type": "tm.Process"}}]}]}},
         "detail.diagrams[0].cells[0].id", "is required"),
    ],
)  # fmt: skip
def test_a_broken_threat_dragon_file_is_refused_with_its_path(world: World, document: dict[str, Any], path: str, fragment: str) -> None:
    before = ThreatModel.objects.count()
    response = import_file(world, json.dumps(document).encode(), fmt="threat-dragon")
    assert response.status_code == 400
    details = response.json()["error"]["details"]
    assert any(d["path"] == path and fragment in d["message"] for d in details), details
    assert ThreatModel.objects.count() == before


def test_bad_properties_in_our_own_metadata_are_reported_at_the_cell(world: World) -> None:
    document = td_export(rich_model(world))
    web = next(c for c in document["detail"]["diagrams"][0]["cells"] if c["data"]["type"] == "tm.Process")
    web["data"]["threatmodelWorkbench"]["properties"]["privileged"] = "very"
    response = import_file(world, json.dumps(document).encode())
    assert response.status_code == 400
    index = document["detail"]["diagrams"][0]["cells"].index(web)
    assert response.json()["error"]["details"][0]["path"] == f"detail.diagrams[0].cells[{index}] (properties.privileged)"
