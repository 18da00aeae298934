"""Imports keep the facts: TMT, Threat Dragon and OTM properties land in the vocabulary, the rest in ``extra``.

Each mapping is checked on the real files in ``../shared/data`` (skipped with a message when the folder
is absent), plus the tables themselves on values the samples do not have. Out of scope is a property
the engine reads, and the exports carry it; imported threats keep their STRIDE code and their subject.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from conftest import World
from dfd import vocabulary
from dfd.models import Element, Flow
from stride.models import Threat
from threatmodel.interop.facts import classification, otm_facts, protocol_encrypted, td_facts, tmt_facts
from threatmodel.interop.otm import guess_component, otm_export
from threatmodel.interop.threat_dragon import td_export
from threatmodel.models import ThreatModel
from threatmodel.native import native_export
from threatmodel.tests.interop_helpers import import_file, imported
from threatmodel.tests.shared_data import DATA, MISSING

pytestmark = pytest.mark.django_db


def sample(*parts: str) -> Path:
    path = DATA.joinpath(*parts)
    if not path.is_file():
        pytest.skip(MISSING)
    return path


def import_sample(world: World, path: Path) -> ThreatModel:
    content_type = "application/xml" if path.suffix == ".tm7" else "application/octet-stream"
    return imported(import_file(world, path.read_bytes(), content_type=content_type))


def by_name(model: ThreatModel) -> dict[str, Element]:
    return {element.name: element for element in Element.objects.filter(threat_model=model)}


def flows_by_label(model: ThreatModel) -> dict[str, list[Flow]]:
    found: dict[str, list[Flow]] = {}
    for flow in Flow.objects.filter(threat_model=model).order_by("key"):
        found.setdefault(flow.label, []).append(flow)
    return found


# --- Microsoft TMT -----------------------------------------------------------------------------------------


def test_tmt_flow_properties_become_authentication_encryption_and_extras(world: World) -> None:
    model = import_sample(world, sample("tmt", "Sample_Threat_Model.tm7"))
    flows = flows_by_label(model)
    https = flows["HTTPS"][0].properties
    # HTTPS: confidentiality, integrity and destination authentication are "Yes" in the template.
    assert (https["encrypted"], https["destination_authenticated"], https["authenticated"]) == (True, True, False)
    assert https["extra"]["Provides Integrity"] == "Yes" and https["out_of_scope"] is False
    generic = flows["Generic Data Flow"][0].properties
    assert (generic["encrypted"], generic["destination_authenticated"], generic["authenticated"]) == (False, False, False)
    assert "Physical Network" not in generic["extra"] and "Forgery Protection" not in generic["extra"]  # "Not Selected"


def test_tmt_stencil_properties_and_types(world: World) -> None:
    model = import_sample(world, sample("tmt", "Sample_Threat_Model.tm7"))
    elements = by_name(model)
    store = elements["Generic Data Store"].properties
    assert {name: store[name] for name in ("stores_credentials", "is_log", "encrypted", "backed_up")} == dict.fromkeys(
        ("stores_credentials", "is_log", "encrypted", "backed_up"), False
    )
    assert store["extra"]["Signed"] == "No" and store["extra"]["Store Type"] == "SQL Relational Database"
    process = next(e for e in elements.values() if e.name == "OS Process").properties
    assert process["technology"] == "OS Process" and process["authenticated"] is False  # "Implements … Authentication: No"
    assert process["extra"]["Implements or Uses an Authorization Mechanism"] == "No"
    assert "privilege_level" not in process and "validates_input" not in process  # "Not Selected": unset, asked later
    assert elements["Generic External Interactor"].properties["authenticated"] is False


def test_tmt_boundary_and_component_types(world: World) -> None:
    elements = by_name(import_sample(world, sample("tmt", "MTMT_nested_tz.tm7")))
    internet = elements["Internet Boundary"].properties
    assert (internet["boundary_type"], internet["public_network"]) == ("internet", True)
    assert elements["Sandbox environment"].properties["boundary_type"] == "other"
    assert elements["Customer web client"].properties["component"] == "user_browser"
    assert elements["Production Mongo"].properties["component"] == "database"
    assert elements["Main Application"].properties["extra"]["Code Type"] == "Managed"


def test_tmt_azure_template_types(world: World) -> None:
    elements = by_name(import_sample(world, sample("tmt", "MTMT_example.tm7")))
    assert elements["Public Cloud"].properties["boundary_type"] == "cloud_account"
    assert elements["Public Cloud"].properties["extra"] == {"Stencil type": "Azure Trust Boundary"}
    assert elements["Internet"].properties["boundary_type"] == "internet"  # a generic border named Internet
    assert elements["Accounting PostgreSQL"].properties["component"] == "database"
    assert elements["Azure File Storage"].properties["component"] == "object_storage"
    assert elements["Public API v2"].properties["component"] == "web_service"  # TMT's Web API stencil
    assert elements["Mobile Client"].properties["extra"] == {"Mobile Client Technologies": "Android"}


def test_tmt_threats_keep_their_category_and_their_interaction(world: World) -> None:
    model = import_sample(world, sample("tmt", "Sample_Threat_Model.tm7"))
    keys = set(Element.objects.filter(threat_model=model).values_list("key", flat=True))
    flow_ends = {f.key: (f.source.key, f.target.key) for f in Flow.objects.filter(threat_model=model).select_related("source", "target")}
    threats = list(Threat.objects.filter(threat_model=model))
    assert len(threats) == 29 and {t.stride for t in threats} <= set("STRIDE")
    for threat in threats:
        imported_from = threat.explanation["imported"]
        assert threat.flow_key in flow_ends, threat.title
        assert (imported_from["source"], imported_from["target"]) == flow_ends[threat.flow_key]
        assert {imported_from["source"], imported_from["target"]} <= keys


@pytest.mark.parametrize(
    ("kind", "props", "expected"),
    [
        ("process", {"Running As": "Network Service"}, {"privilege_level": "user", "extra": {"Running As": "Network Service"}}),
        ("process", {"Running As": "Kernel", "Sanitizes Input": "Yes"}, {"privilege_level": "system", "validates_input": True,
         "extra": {"Running As": "Kernel"}}),
        ("process", {"Accepts Input From": "Any Remote User or Entity"}, {"public_network": True,
         "extra": {"Accepts Input From": "Any Remote User or Entity"}}),
        ("external_entity", {"Authenticates Itself": "Not Applicable", "Type": "Human"}, {"extra": {"Type": "Human"}}),
        ("data_store", {"Network Security": "Allow access from all networks", "Storage Type": "Blob"},
         {"public_network": True, "component": "object_storage",
          "extra": {"Network Security": "Allow access from all networks", "Storage Type": "Blob"}}),
        ("flow", {"Out Of Scope": "true", "Reason For Out Of Scope": "the bank runs it"}, {"out_of_scope": True,
         "out_of_scope_reason": "the bank runs it"}),
        ("flow", {"Source Authenticated": "Maybe"}, {"extra": {"Source Authenticated": "Maybe"}}),  # a value we cannot read is kept
        ("process", {"Name": "Web", "Dataflow Order": "0", "Isolation Level": "Select"}, {}),
    ],
)  # fmt: skip
def test_the_tmt_table(kind: str, props: dict[str, str], expected: dict[str, Any]) -> None:
    assert tmt_facts(kind, props) == expected
    assert vocabulary.validate_properties(kind, expected) == {}


@pytest.mark.parametrize(
    ("props", "protocol", "expected"),
    [
        ({}, "HTTPS", {"encrypted": True}),
        ({}, "HTTP", {"encrypted": False}),
        ({"Provides Confidentiality": "Yes"}, "HTTP", {"encrypted": True}),  # the answer wins over the type
        ({}, "Binary", {}),  # a name that says nothing about encryption
        ({}, "", {}),
    ],
)
def test_a_tmt_flows_type_says_whether_it_is_encrypted_when_nobody_answered(
    props: dict[str, str], protocol: str, expected: dict[str, Any]
) -> None:
    assert tmt_facts("flow", props, protocol=protocol) == expected


@pytest.mark.parametrize(
    ("protocol", "expected"),
    [("HTTP/S", True), ("TLS over TCP", True), ("TCP+SSL JSON RPC", True), ("SSH", True), ("http", False),
     ("UPnP", False), ("AMQP", False), ("AMQPS", True), ("gRPC", None), ("JDBC", None), ("", None), (None, None)],
)  # fmt: skip
def test_a_protocol_name_says_encrypted_plain_or_nothing(protocol: object, expected: bool | None) -> None:
    assert protocol_encrypted(protocol) is expected


# --- OWASP Threat Dragon -----------------------------------------------------------------------------------


def test_threat_dragon_out_of_scope_is_a_property_with_its_reason(world: World) -> None:
    model = import_sample(world, sample("threat-dragon", "td.vue", "src", "service", "demo", "v2-threat-model.json"))
    elements = by_name(model)
    config = elements["Web Application Config"].properties
    assert config == {"out_of_scope": True, "stores_credentials": True}
    read = flows_by_label(model)["Read web app config"][0].properties
    assert read == {"out_of_scope": True, "out_of_scope_reason": "This data flow represents a read from the file system"}
    assert flows_by_label(model)["Web Request"][0].properties == {"encrypted": True, "public_network": True}
    assert elements["Database"].properties == {"is_log": True}
    assert elements["Browser"].properties == {}  # nothing ticked: nothing claimed


def test_threat_dragon_keeps_out_of_scope_in_its_export(world: World) -> None:
    model = import_sample(world, sample("threat-dragon", "td.vue", "src", "service", "demo", "v2-threat-model.json"))
    cells = [cell for diagram in td_export(model)["detail"]["diagrams"] for cell in diagram["cells"]]
    by_cell_name = {cell["data"]["name"]: cell["data"] for cell in cells}
    assert by_cell_name["Read web app config"]["outOfScope"] is True
    assert by_cell_name["Read web app config"]["reasonOutOfScope"] == "This data flow represents a read from the file system"
    assert by_cell_name["Web Application Config"]["outOfScope"] is True and by_cell_name["Database"]["outOfScope"] is False


@pytest.mark.parametrize(
    ("kind", "data", "expected"),
    [
        ("process", {"privilegeLevel": "root", "isWebApplication": True, "handlesCardPayment": False},
         {"privilege_level": "system", "component": "web_service", "extra": {"isWebApplication": "true", "privilegeLevel": "root"}}),
        ("process", {"privilegeLevel": "executionContext =Limited"}, {"privilege_level": "user",
         "extra": {"privilegeLevel": "executionContext =Limited"}}),
        ("process", {"privilegeLevel": "whatever it is"}, {"extra": {"privilegeLevel": "whatever it is"}}),
        ("external_entity", {"providesAuthentication": True}, {"authenticated": True}),
        ("data_store", {"isSigned": True, "storesInventory": True, "isEncrypted": False}, {"extra": {"isSigned": "true",
         "storesInventory": "true"}}),
        # An unticked "Encrypted" says nothing, but the protocol's name does; a ticked box wins over it.
        ("flow", {"outOfScope": False, "reasonOutOfScope": "stale", "protocol": "HTTPS", "isBidirectional": True},
         {"encrypted": True}),
        ("flow", {"isEncrypted": False, "protocol": "HTTP"}, {"encrypted": False}),
        ("flow", {"isEncrypted": True, "protocol": "HTTP"}, {"encrypted": True}),
        ("flow", {"isEncrypted": False, "protocol": "gRPC"}, {}),
        ("flow", {"someNewFlag": "on"}, {"extra": {"someNewFlag": "on"}}),  # a property of a newer Threat Dragon is kept
    ],
)  # fmt: skip
def test_the_threat_dragon_table(kind: str, data: dict[str, Any], expected: dict[str, Any]) -> None:
    assert td_facts(kind, data) == expected
    assert vocabulary.validate_properties(kind, expected) == {}


def test_a_v1_file_reads_only_its_flags_not_its_drawing_keys() -> None:
    cell = {"type": "tm.Store", "id": "s", "z": 3, "angle": 0, "size": {"width": 1}, "isSigned": True, "storesCredentials": True}
    assert td_facts("data_store", cell, v1=True) == {"stores_credentials": True, "extra": {"isSigned": "true"}}


def test_ticked_threat_dragon_boxes_without_a_property_travel_back_to_threat_dragon(world: World) -> None:
    document = {
        "summary": {"title": "Boxes"},
        "detail": {"diagrams": [{"cells": [
            {"id": "s", "shape": "store", "position": {"x": 0, "y": 0}, "size": {"width": 150, "height": 75},
             "data": {"type": "tm.Store", "name": "Ledger", "isSigned": True, "storesInventory": True}},
            {"id": "p", "shape": "process", "position": {"x": 300, "y": 0}, "size": {"width": 100, "height": 100},
             "data": {"type": "tm.Process", "name": "Shop", "handlesCardPayment": True, "privilegeLevel": "admin"}},
        ]}]},
    }  # fmt: skip
    model = imported(import_file(world, json.dumps(document).encode()))
    cells = {cell["data"]["name"]: cell["data"] for cell in td_export(model)["detail"]["diagrams"][0]["cells"]}
    assert (cells["Ledger"]["isSigned"], cells["Ledger"]["storesInventory"]) == (True, True)
    assert (cells["Shop"]["handlesCardPayment"], cells["Shop"]["privilegeLevel"]) == (True, "admin")
    assert by_name(model)["Shop"].properties["privilege_level"] == "admin"


# --- Open Threat Model -------------------------------------------------------------------------------------


def test_otm_assets_give_a_data_classification_and_zones_keep_their_trust_rating(world: World) -> None:
    model = import_sample(world, sample("otm", "OpenThreatModel", "EXAMPLE.json"))
    elements = by_name(model)
    assert elements["Web Service"].properties["data_classification"] == "restricted"  # it processes credit card data
    assert elements["Web Service"].properties["extra"] == {"tags": "tomcat"}
    assert elements["Private"].properties == {"extra": {"trustRating": "100"}}
    internet = elements["Internet"].properties
    assert (internet["boundary_type"], internet["public_network"], internet["extra"]) == ("internet", True, {"trustRating": "20"})
    carrying = [f for f in Flow.objects.filter(threat_model=model) if f.properties.get("data_classification")]
    assert [f.properties["data_classification"] for f in carrying] == ["restricted"]


def test_otm_from_startleft_reads_tmt_attributes(world: World) -> None:
    elements = by_name(import_sample(world, sample("otm", "startleft", "slp_mtmt", "tests", "resources", "otm", "MTMT_MVP.otm")))
    assert elements["Mobile Client"].properties["extra"] == {"Mobile Client Technologies": "Android"}
    assert elements["Public API v2"].properties["out_of_scope"] is False
    assert "Web API Technologies" not in elements["Public API v2"].properties.get("extra", {})  # "Select": not answered
    assert elements["Public API v2"].properties["component"] == "web_service"  # its type key, web-service


@pytest.mark.parametrize(
    ("component_type", "kind", "expected"),
    [("web-service", "process", "web_service"), ("web-application", "process", "web_service"),
     ("rest-api", "process", "web_service"), ("android-device-client", "process", None),
     ("web-service", "data_store", None), ("CD-MICROSOFT-AZURE-DB-POSTGRESQL", "data_store", None)],
)  # fmt: skip
def test_an_otm_type_key_that_names_a_web_service_is_one(component_type: str, kind: str, expected: str | None) -> None:
    assert guess_component(component_type, kind) == expected


def test_otm_export_writes_the_kept_facts_as_plain_attributes(world: World) -> None:
    model = import_sample(world, sample("tmt", "Sample_Threat_Model.tm7"))
    document = otm_export(model)
    https = next(flow for flow in document["dataflows"] if flow["name"] == "HTTPS")
    assert https["attributes"]["Provides Integrity"] == "Yes"
    assert https["attributes"]["threatmodel"]["properties"]["encrypted"] is True
    # …and our own reading of the file comes back exactly.
    copy = imported(import_file(world, json.dumps(document).encode(), fmt="otm"))
    assert native_export(copy)["diagrams"] == native_export(model)["diagrams"]


@pytest.mark.parametrize(("confidentiality", "expected"), [(0, "public"), (24, "public"), (25, "internal"), (50, "confidential"),
                                                           (74.9, "confidential"), (75, "restricted"), (100, "restricted")])  # fmt: skip
def test_confidentiality_quarters(confidentiality: float, expected: str) -> None:
    assert classification(confidentiality) == expected


def test_otm_attributes_that_are_lists_or_objects_are_kept_as_json() -> None:
    component = {"attributes": {"ports": [80, 443], "empty": {}, "threatmodel": {"kind": "process"}}, "tags": ["a", "b"]}
    assert otm_facts("process", component) == {"extra": {"ports": "[80, 443]", "tags": "a, b"}}


# --- the vocabulary's place for them -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "fragment"),
    [
        ("Provides Integrity", "must be an object"),
        ({"x": 1}, "must be a text"),
        ({"": "y"}, "names must be"),
        ({"x": "y" * 2001}, "at most 2000"),
        ({f"k{i}": "v" for i in range(201)}, "at most 200 entries"),
        ({"x": "a\x01b"}, "control characters"),
    ],
)
def test_the_extra_map_is_bounded(value: object, fragment: str) -> None:
    problem = vocabulary.validate_properties("flow", {"extra": value})
    assert fragment in problem["extra"]


def test_out_of_scope_and_extra_are_in_the_vocabulary() -> None:
    assert set(vocabulary.PROPERTIES["out_of_scope"].applies_to) == {"external_entity", "process", "data_store", "flow"}
    assert vocabulary.PROPERTIES["destination_authenticated"].applies_to == ("flow",)
    assert vocabulary.PROPERTIES["extra"].type == "map" and "trust_boundary" in vocabulary.PROPERTIES["extra"].applies_to
    flow = {spec["name"]: spec for spec in vocabulary.as_document()["targets"]["flow"]}
    assert flow["extra"]["values"] == [] and flow["extra"]["max_length"] == 2000
