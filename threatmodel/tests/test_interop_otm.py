"""Open Threat Model: a schema-valid export, an exact round trip, and lenient reading of other tools' files."""

from __future__ import annotations

import json
from typing import Any

import pytest
import yaml

from conftest import World
from dfd.models import Element, Flow
from stride.models import Threat
from threatmodel.interop.otm import NO_BOUNDARY, guess_kind, otm_export
from threatmodel.models import Mitigation, ThreatModel
from threatmodel.native import native_export
from threatmodel.tests.interop_helpers import import_file, imported, rich_model
from threatmodel.tests.shared_data import DATA, MISSING

pytestmark = pytest.mark.django_db

SCHEMA = DATA / "otm" / "OpenThreatModel" / "otm_schema.json"


def test_the_export_validates_against_the_otm_0_2_0_schema(world: World) -> None:
    if not SCHEMA.is_file():
        pytest.skip(MISSING)
    import jsonschema

    document = otm_export(rich_model(world))
    schema = json.loads(SCHEMA.read_text())
    errors = sorted(jsonschema.Draft7Validator(schema).iter_errors(document), key=str)
    assert errors == []
    assert document["otmVersion"] == "0.2.0"


def test_the_export_carries_our_meaning_in_attributes_and_representations(world: World) -> None:
    document = otm_export(rich_model(world))
    zones = {zone["id"]: zone for zone in document["trustZones"]}
    components = {component["id"]: component for component in document["components"]}
    # Nesting: zones in zones, components in their zone; an element outside every boundary gets the synthetic zone.
    assert zones["tb-ns"]["parent"] == {"trustZone": "tb-cluster"} and zones["tb-cluster"]["parent"] == {"trustZone": "tb-cloud"}
    assert components["web"]["parent"] == {"trustZone": "tb-ns"}
    assert components["user"]["parent"] == {"trustZone": NO_BOUNDARY} and zones[NO_BOUNDARY]["attributes"]["threatmodel"]["synthetic"]
    # Geometry in representations, one diagram representation per diagram.
    assert [rep["type"] for rep in document["representations"]] == ["diagram", "diagram"]
    assert components["web"]["representations"][0]["position"] == {"x": 20.0, "y": 30.0}
    assert components["web"]["representations"][0]["size"] == {"width": 120.0, "height": 60.0}
    assert components["web"]["attributes"]["threatmodel"]["properties"]["privileged"] is True
    # Threats: a catalogue entry and an instance whose state is our status.
    catalogue = {threat["id"]: threat for threat in document["threats"]}
    escape = catalogue["ESC-1@web"]
    assert escape["categories"] == ["Elevation of privilege"]
    assert escape["risk"] == {"likelihood": 60, "impact": 80, "likelihoodComment": "Privileged and internet-facing"}
    ours = escape["attributes"]["threatmodel"]
    assert ours["stride"] == "E" and ours["attackTechniques"] == ["T1610", "T1611"] and ours["band"] == "tolerable"
    assert (ours["inherentRisk"], ours["projectedResidualRisk"], ours["residualRisk"]) == (12, 8, 12)
    assert catalogue["DOS-1@db"]["attributes"]["threatmodel"]["residualRisk"] == 15
    assert {"threat": "ESC-1@web", "state": "open", "mitigations": [{"mitigation": "MIT-1", "state": "planned"}]} in components["web"]["threats"]
    assert [(m["id"], m["name"], m["riskReduction"]) for m in document["mitigations"]] == [
        ("MIT-1", "Drop privileged mode", 20), ("MIT-2", "Autoscaling with a connection cap", 40),
    ]  # fmt: skip
    project = document["project"]["attributes"]["threatmodel"]
    assert project["riskPolicy"]["unacceptable_at"] == 15 and project["decisions"][0]["kind"] == "acceptance"
    assert catalogue["TAMP-1@gone"]["attributes"]["threatmodel"]["unattached"] is True
    assert document["project"]["attributes"]["threatmodel"]["stage"] == "design"


def test_ours_to_otm_to_ours_keeps_everything(world: World) -> None:
    model = rich_model(world)
    before = native_export(model)
    response = import_file(world, json.dumps(otm_export(model)).encode(), fmt="otm")
    copy = imported(response)
    after = native_export(copy)
    assert after == before
    assert response.json()["format"] == "otm"
    assert response.json()["summary"]["boundaries"] == 3 and response.json()["summary"]["threats"] == 5
    assert copy.name == model.name and copy.scope == model.scope and copy.assumptions == model.assumptions


def test_the_round_trip_also_reads_yaml(world: World) -> None:
    model = rich_model(world)
    text = yaml.safe_dump(otm_export(model), allow_unicode=True, sort_keys=False)
    copy = imported(import_file(world, text.encode(), content_type="application/yaml"))
    assert native_export(copy)["diagrams"] == native_export(model)["diagrams"]


FOREIGN: dict[str, Any] = {
    "otmVersion": "0.1.0",
    "project": {"name": "Payments (from StartLeft)", "id": "payments", "description": "Converted"},
    "representations": [{"name": "Main", "id": "main", "type": "diagram", "size": {"width": 1000, "height": 800}}],
    "trustZones": [
        {"id": "f0ba7722-39b6-4c81-8290-a30a248bb8d9", "name": "Internet", "risk": {"trustRating": 10},
         "representations": [{"representation": "main", "id": "r1", "position": {"x": 0, "y": 0}, "size": {"width": 300, "height": 300}}]},
        {"id": "vpc zone/1", "name": "VPC", "risk": {"trustRating": 60}},
    ],
    "components": [
        {"id": "client", "name": "Android app", "type": "android-device-client", "parent": {"trustZone": "f0ba7722-39b6-4c81-8290-a30a248bb8d9"},
         "representations": [{"representation": "main", "id": "r2", "position": {"x": 40, "y": 50}}]},
        {"id": "api", "name": "Public API", "type": "web-service", "parent": {"trustZone": "vpc zone/1"},
         "threats": [{"threat": "t1", "state": "exposed", "mitigations": [{"mitigation": "m1", "state": "implemented"}]},
                     {"threat": "t2", "state": "NotApplicable"}]},
        {"id": "lambda", "name": "Worker", "type": "aws-lambda", "parent": {"component": "api"}},
        {"id": "rds", "name": "Customer data", "type": "CD-MICROSOFT-AZURE-DB-POSTGRESQL", "parent": {"component": "lambda"},
         "threats": [{"threat": "t3", "state": "mystery-state"}]},
    ],
    "dataflows": [
        {"id": "df1", "name": "API call", "source": "client", "destination": "api", "bidirectional": True,
         "threats": [{"threat": "t1", "state": "mitigated"}]},
        {"id": "df2", "name": "Query", "source": "lambda", "destination": "rds"},
    ],
    "threats": [
        {"id": "t1", "name": "Spoofed client", "categories": ["Spoofing"], "risk": {"likelihood": 100, "impact": 41}},
        {"id": "t2", "name": "Data leak", "categories": ["Confidentiality"], "risk": {"likelihood": 1, "impact": 60}},
        {"id": "t3", "name": "Uncategorised", "risk": {"likelihood": None, "impact": 20}},
        {"id": "t4", "name": "Never instantiated", "categories": ["Tampering"], "risk": {"likelihood": 50, "impact": 50}},
    ],
    "mitigations": [{"id": "m1", "name": "Certificate pinning", "riskReduction": 50}],
}  # fmt: skip


def test_a_foreign_otm_file_is_read_leniently_and_says_what_it_adapted(world: World) -> None:
    response = import_file(world, json.dumps(FOREIGN).encode())
    model = imported(response)
    body = response.json()
    assert body["format"] == "otm"
    assert body["summary"] | {"threats_by_stride": None} == {
        "diagrams": 1, "elements": 4, "boundaries": 2, "flows": 2, "threats": 4, "placeholders": 0, "skipped": 0,
        "threats_by_stride": None,
    }  # fmt: skip
    elements = {e.name: e for e in Element.objects.filter(threat_model=model).select_related("parent")}
    # Kinds guessed from type and name; keys made valid; components in components moved to the nearest zone.
    assert elements["Android app"].kind == "external_entity" and elements["Customer data"].kind == "data_store"
    assert elements["Public API"].kind == "process"
    # The zone's type says internet: it encloses a public network; its trust rating is kept as OTM wrote it.
    assert elements["Internet"].properties == {"boundary_type": "internet", "public_network": True, "extra": {"trustRating": "10"}}
    assert elements["Worker"].parent == elements["VPC"] and elements["Customer data"].parent == elements["VPC"]
    assert elements["VPC"].key == "vpc-zone-1"
    assert elements["Android app"].properties["technology"] == "android-device-client"
    # Positions relative to the parent, and a grid for components drawn nowhere.
    assert (elements["Android app"].x, elements["Android app"].y) == (40.0, 50.0)
    assert Flow.objects.get(threat_model=model, label="API call").bidirectional is True
    threats = {(t.title, t.flow_key or t.element_key): t for t in Threat.objects.filter(threat_model=model)}
    spoof = threats[("Spoofed client", "api")]
    assert (spoof.stride, spoof.likelihood, spoof.impact, spoof.status, spoof.origin) == ("S", 5, 3, "open", "imported")
    # The catalogue's mitigation became ours, linked to both threats it was on, at its most advanced state.
    pinning = Mitigation.objects.get(threat_model=model)
    assert (pinning.ref, pinning.title, pinning.status) == ("MIT-1", "Certificate pinning", "implemented")
    assert set(pinning.threats.values_list("title", flat=True)) == {"Spoofed client"} and pinning.threats.count() == 1
    assert threats[("Spoofed client", "df1")].status == "mitigated"
    leak = threats[("Data leak", "api")]
    assert (leak.stride, leak.status, leak.likelihood) == ("I", "not_applicable", 1)
    assert leak.explanation["imported"]["category"] == "Confidentiality"
    odd = threats[("Uncategorised", "rds")]
    assert odd.stride == "T" and odd.likelihood is None and odd.impact == 1 and odd.status == "open"
    warnings = " ".join(body["warnings"])
    for fragment in ("nested in other components", "'Confidentiality' is not STRIDE", "had no STRIDE category",
                     "'mystery-state'", "attached to no component or dataflow"):  # fmt: skip
        assert fragment in warnings, fragment


@pytest.mark.parametrize(
    ("mutate", "path", "fragment"),
    [
        (lambda d: d.pop("otmVersion"), "otmVersion", "is required"),
        (lambda d: d["dataflows"].append({"id": "df9", "name": "x", "source": "client", "destination": "vpc zone/1"}),
         "dataflows[2].destination", "is a trust zone"),
        (lambda d: d["dataflows"].append({"id": "df9", "name": "x", "source": "client", "destination": "ghost"}),
         "dataflows[2].destination", "no component"),
        (lambda d: d["dataflows"].append({"id": "df9", "name": "x", "source": "client", "destination": "client"}),
         "dataflows[2].destination", "two different components"),
        (lambda d: d["components"][0].update(threats=[{"threat": "t99", "state": "open"}]),
         "components[0].threats[0].threat", "not in the file's threats catalogue"),
        (lambda d: d["components"].append({"id": "api", "name": "dup", "type": "x", "parent": {"trustZone": "vpc zone/1"}}),
         "components[4].id", "also the id of components[1]"),
        (lambda d: d["trustZones"][0].update(parent={"trustZone": "vpc zone/1"}) or d["trustZones"][1].update(parent={"trustZone": "f0ba7722-39b6-4c81-8290-a30a248bb8d9"}),
         "trustZones[0].parent", "cycle"),
        (lambda d: d["components"][0]["representations"][0]["position"].update(x="left"),
         "components[0].representations[0].position.x", "must be a number"),
    ],
)  # fmt: skip
def test_a_broken_otm_file_is_refused_with_its_path_and_nothing_is_written(world: World, mutate: Any, path: str, fragment: str) -> None:
    document = json.loads(json.dumps(FOREIGN))
    mutate(document)
    before = (ThreatModel.objects.count(), Element.objects.count(), Threat.objects.count())
    response = import_file(world, json.dumps(document).encode(), fmt="otm")
    assert response.status_code == 400, response.content[:500]
    details = response.json()["error"]["details"]
    assert any(d["path"] == path and fragment in d["message"] for d in details), details
    assert (ThreatModel.objects.count(), Element.objects.count(), Threat.objects.count()) == before


@pytest.mark.parametrize(
    ("component_type", "name", "kind"),
    [
        ("CD-MICROSOFT-AZURE-DB-POSTGRESQL", "Accounting", "data_store"),
        ("s3", "Assets", "data_store"),
        ("empty-component", "Redis cache", "data_store"),
        ("android-device-client", "App", "external_entity"),
        ("generic-client", "Browser", "external_entity"),
        ("web-service", "API", "process"),
        ("aws-lambda", "Sandbox job", "process"),
        ("ec2", "Jump host", "process"),
    ],
)
def test_component_kinds_are_guessed_from_type_and_name(component_type: str, name: str, kind: str) -> None:
    assert guess_kind(component_type, name) == kind
