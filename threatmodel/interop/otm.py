"""Open Threat Model (OTM) 0.2.0: the export, and what the export and the import (``otm_read``) share.

**Export.** Boundaries become ``trustZones`` (nested with ``parent.trustZone``), elements become
``components``, flows ``dataflows``; each threat is a catalogue entry in ``threats`` plus an
instance on its component or dataflow whose ``state`` is our status. OTM has no place for what
makes our model ours, so it goes where the spec leaves room: every object carries an
``attributes.threatmodel`` object (kind, typed properties, STRIDE code, ATT&CK technique ids,
likelihood and impact on our 1-5 scale, band, stage…), and canvas geometry goes in
``representations`` (one ``diagram`` representation per diagram; positions are relative to the
parent boundary, as in our model). A component must have a parent in OTM, so elements outside
every boundary get a synthetic zone (``attributes.threatmodel.synthetic``) that our import skips.
The output validates against the published 0.2.0 schema.

The export is a sequence of named steps, one per part of the document: project, mitigation
catalogue (whose links the threat instances carry), threat instances, diagrams (representations,
zones, components, dataflows), threat catalogue. The import is ``otm_read.otm_translate``; the
component-kind guess (``guess_kind``) is here because both directions speak OTM's types.
"""

from __future__ import annotations

import json
import re
from collections import defaultdict
from typing import TYPE_CHECKING, Any

from dfd import vocabulary
from threatmodel.explanations import explanation_texts
from threatmodel.interop.translate import STRIDE_NAMES, threat_meta_out
from threatmodel.native import native_export
from threatmodel.reporting import data

if TYPE_CHECKING:
    from threatmodel.models import ThreatModel

OTM_VERSION = "0.2.0"
OURS = "threatmodel/otm"
OURS_VERSION = 1
NS = "threatmodel"  # the attributes key that holds our meaning
NO_BOUNDARY = "#no-boundary"

# A rough trust rating (0 = untrusted … 100 = fully trusted) per boundary type, for tools that read
# ``risk.trustRating``; our import never reads it back.
_TRUST_RATING = {
    "internet": 0,
    "supply_chain": 30,
    "corporate": 60,
    "network_zone": 60,
    "cloud_account": 70,
    "cluster": 80,
    "node": 80,
    "namespace": 80,
    "control_plane": 90,
    "pod": 90,
}
_ENTITY_WORDS = {
    "client", "browser", "user", "users", "actor", "mobile", "device", "external", "android", "ios", "partner",
    "human", "person", "customer", "internet", "thirdparty", "admin", "operator",
}  # fmt: skip
_STORE_WORDS = {
    "database", "db", "sql", "storage", "store", "datastore", "bucket", "s3", "rds", "dynamodb", "cache", "redis",
    "queue", "mq", "sqs", "kafka", "blob", "file", "files", "disk", "volume", "table", "cosmos", "cosmosdb", "etcd",
    "postgres", "postgresql", "mysql", "mariadb", "mongodb", "mongo", "elasticsearch", "log", "logs", "efs", "ebs",
}  # fmt: skip


def guess_kind(component_type: str, name: str) -> str:
    """An OTM component's DFD kind, from its type key and name (IriusRisk keys are free text)."""
    tokens = set(re.split(r"[^a-z0-9]+", f"{component_type} {name}".lower())) - {""}
    if tokens & _STORE_WORDS or any(token.endswith("db") or token.endswith("storage") for token in tokens):
        return "data_store"
    if tokens & _ENTITY_WORDS:
        return "external_entity"
    return "process"


_WEB_WORDS = {"service", "application", "app", "api", "server", "site", "portal"}


def guess_component(component_type: str, kind: str) -> str | None:
    """The ``component`` an OTM type key names, where the rules care: a web application, service or API.

    Read from the type key only (``web-service``, ``web-application``, ``rest-api``), not the name, which is
    free text about this system rather than what kind of thing it is.
    """
    tokens = set(re.split(r"[^a-z0-9]+", component_type.lower())) - {""}
    if kind == "process" and (("web" in tokens and tokens & _WEB_WORDS) or {"api", "rest"} <= tokens or "graphql" in tokens):
        return "web_service"
    return None


# --- export ------------------------------------------------------------------------------------------------


def _representation_id(index: int) -> str:
    return f"diagram-{index}"


def _shape(element: dict[str, Any], diagram_index: int) -> list[dict[str, Any]]:
    shape: dict[str, Any] = {
        "representation": _representation_id(diagram_index),
        "id": f"{element['key']}@{_representation_id(diagram_index)}",
        "name": element["name"],
        "position": {"x": element["x"], "y": element["y"]},
    }
    if element["width"] is not None and element["height"] is not None:
        shape["size"] = {"width": element["width"], "height": element["height"]}
    return [shape]


def otm_export(model: ThreatModel) -> dict[str, Any]:
    """The model as OTM 0.2.0: project, representations, zones, components, dataflows, threats, mitigations."""
    native = native_export(model)
    links, mitigations = _mitigation_catalogue(native)
    instances, unattached = _threat_instances(native, links)
    representations, zones, components, dataflows = _diagrams(native, instances)
    return {
        "otmVersion": OTM_VERSION,
        "project": _project(model, native),
        "representations": representations,
        "trustZones": zones,
        "components": components,
        "dataflows": dataflows,
        "threats": _threat_catalogue(native, data.threat_risks(model), unattached, explanation_texts(model)),
        "mitigations": mitigations,
    }


def _project(model: ThreatModel, native: dict[str, Any]) -> dict[str, Any]:
    meta = native["threat_model"]
    ours = {
        "format": OURS,
        "formatVersion": OURS_VERSION,
        "vocabularyVersion": native["vocabulary_version"],
        "stage": meta["stage"],
        "version": model.version,
        "scope": meta["scope"],
        "assumptions": meta["assumptions"],
        "coverageNotes": native["coverage_notes"],
        "riskPolicy": native["risk_policy"],
        "decisions": native["decisions"],
    }
    return {
        "name": meta["name"],
        "id": f"threatmodel-{model.pk}",
        "description": meta["description"],
        "owner": model.created_by.get_username() if model.created_by else None,
        "attributes": {NS: ours},
    }


def _mitigation_catalogue(native: dict[str, Any]) -> tuple[dict[str, list[dict[str, str]]], list[dict[str, Any]]]:
    """OTM's mitigation catalogue, and the ``{mitigation, state}`` links each threat instance carries."""
    links: dict[str, list[dict[str, str]]] = defaultdict(list)
    catalogue = []
    for mitigation in native["mitigations"]:
        for fingerprint in mitigation["threats"]:
            links[fingerprint].append({"mitigation": mitigation["ref"], "state": mitigation["status"]})
        catalogue.append(
            {
                "id": mitigation["ref"],
                "name": mitigation["title"],
                "description": mitigation["description"],
                # OTM's 0-100 "how much the risk decreases": the levels taken off, 20 points each.
                "riskReduction": min(100, 20 * (mitigation["likelihood_reduction"] + mitigation["impact_reduction"])),
                "attributes": {NS: mitigation},
            }
        )
    return links, catalogue


def _threat_instances(
    native: dict[str, Any], links: dict[str, list[dict[str, str]]]
) -> tuple[dict[str, list[dict[str, Any]]], set[str]]:
    """Threat instances by the key of their component or dataflow, and the threats whose target is gone."""
    instances: dict[str, list[dict[str, Any]]] = defaultdict(list)
    unattached: set[str] = set()
    element_keys = {element["key"] for diagram in native["diagrams"] for element in diagram["elements"]}
    flow_keys = {flow["key"] for diagram in native["diagrams"] for flow in diagram["flows"]}
    for threat in native["threats"]:
        target = threat["flow"] if threat["flow"] in flow_keys else threat["element"] if threat["element"] in element_keys else None
        instance: dict[str, Any] = {"threat": threat["fingerprint"], "state": threat["status"]}
        if links.get(threat["fingerprint"]):
            instance["mitigations"] = links[threat["fingerprint"]]
        if target is None:
            unattached.add(threat["fingerprint"])
        else:
            instances[target].append(instance)
    return instances, unattached


def _diagrams(
    native: dict[str, Any], instances: dict[str, list[dict[str, Any]]]
) -> tuple[list[dict[str, Any]], list[dict[str, Any]], list[dict[str, Any]], list[dict[str, Any]]]:
    """Representations, trust zones, components and dataflows of every diagram."""
    representations: list[dict[str, Any]] = []
    zones: list[dict[str, Any]] = []
    components: list[dict[str, Any]] = []
    dataflows: list[dict[str, Any]] = []
    for index, diagram in enumerate(native["diagrams"]):
        representations.append(_representation(diagram, index))
        for element in diagram["elements"]:
            if element["kind"] == "trust_boundary":
                zones.append(_zone(element, index))
            else:
                components.append(_component(element, index, instances))
        dataflows.extend(_dataflow(flow, index, instances) for flow in diagram["flows"])
    if any(component["parent"]["trustZone"] == NO_BOUNDARY for component in components):
        zones.insert(0, _root_zone())
    return representations, zones, components, dataflows


def _representation(diagram: dict[str, Any], index: int) -> dict[str, Any]:
    top = [e for e in diagram["elements"] if e["parent"] is None]
    extent_w = max((e["x"] + (e["width"] or 120) for e in top), default=800.0)
    extent_h = max((e["y"] + (e["height"] or 80) for e in top), default=600.0)
    return {
        "name": diagram["name"],
        "id": _representation_id(index),
        "type": "diagram",
        "size": {"width": max(extent_w + 40, 100.0), "height": max(extent_h + 40, 100.0)},
        "attributes": {NS: {"level": diagram["level"], "order": diagram["order"], "coordinates": "relative-to-parent"}},
    }


def _zone(element: dict[str, Any], index: int) -> dict[str, Any]:
    properties = element["properties"]
    boundary_type = properties.get("boundary_type")
    known_type = isinstance(boundary_type, str) and boundary_type != vocabulary.UNKNOWN
    zone: dict[str, Any] = {
        "id": element["key"],
        "name": element["name"],
        "type": boundary_type if known_type else "trust-boundary",
        "description": element["description"],
        "risk": {"trustRating": 0 if properties.get("public_network") is True else _TRUST_RATING.get(str(boundary_type), 50)},
        "representations": _shape(element, index),
        "attributes": _attributes(properties, {"kind": element["kind"], "diagram": index, "properties": properties}),
    }
    if element["parent"] is not None:
        zone["parent"] = {"trustZone": element["parent"]}
    return zone


def _attributes(properties: dict[str, Any], ours: dict[str, Any]) -> dict[str, Any]:
    """An object's OTM attributes: the facts kept from the file it was imported from, as plain attributes other
    tools read (StartLeft writes TMT's the same way), and our meaning under ``threatmodel``."""
    extra = properties.get("extra")
    plain = {name: value for name, value in extra.items() if name != NS} if isinstance(extra, dict) else {}
    return {**plain, NS: ours}


def _component(element: dict[str, Any], index: int, instances: dict[str, list[dict[str, Any]]]) -> dict[str, Any]:
    component: dict[str, Any] = {
        "id": element["key"],
        "name": element["name"],
        "type": element["kind"],
        "description": element["description"],
        "parent": {"trustZone": element["parent"] or NO_BOUNDARY},
        "representations": _shape(element, index),
        "attributes": _attributes(element["properties"], {"kind": element["kind"], "diagram": index, "properties": element["properties"]}),
    }
    if instances.get(element["key"]):
        component["threats"] = instances[element["key"]]
    return component


def _dataflow(flow: dict[str, Any], index: int, instances: dict[str, list[dict[str, Any]]]) -> dict[str, Any]:
    dataflow: dict[str, Any] = {
        "id": flow["key"],
        "name": flow["label"] or f"{flow['source']} to {flow['target']}",
        "description": flow["description"],
        "source": flow["source"],
        "destination": flow["target"],
        "bidirectional": flow["bidirectional"],
        "attributes": _attributes(
            flow["properties"], {"diagram": index, "label": flow["label"], "protocol": flow["protocol"], "properties": flow["properties"]}
        ),
    }
    if instances.get(flow["key"]):
        dataflow["threats"] = instances[flow["key"]]
    return dataflow


def _root_zone() -> dict[str, Any]:
    return {
        "id": NO_BOUNDARY,
        "name": "Outside every trust boundary",
        "type": "trust-boundary",
        "description": "Holds the elements drawn outside every trust boundary (OTM gives every component a parent).",
        "risk": {"trustRating": 50},
        "attributes": {NS: {"synthetic": True}},
    }


def _threat_catalogue(
    native: dict[str, Any], risks: dict[str, data.Risk], unattached: set[str], described: dict[str, str]
) -> list[dict[str, Any]]:
    catalogue = []
    for threat in native["threats"]:
        risk = risks.get(threat["fingerprint"], data.UNRATED)
        ours = {
            **threat_meta_out(threat),
            "inherentRisk": risk.inherent,
            "projectedResidualRisk": risk.projected,
            "residualRisk": risk.residual,
            "band": risk.band,
            "unattached": threat["fingerprint"] in unattached,
        }
        entry: dict[str, Any] = {
            "id": threat["fingerprint"],
            "name": threat["title"],
            "description": described.get(threat["fingerprint"]) or threat["description"],
            "categories": [STRIDE_NAMES[threat["stride"]]],
            "risk": {
                "likelihood": threat["likelihood"] * 20 if threat["likelihood"] is not None else None,
                "impact": threat["impact"] * 20 if threat["impact"] is not None else 0,
            },
            "attributes": {NS: ours},
        }
        if threat["rationale"]:
            entry["risk"]["likelihoodComment"] = threat["rationale"][:2000]
        catalogue.append(entry)
    return catalogue


def otm_export_bytes(model: ThreatModel) -> bytes:
    return json.dumps(otm_export(model), indent=2, ensure_ascii=False).encode("utf-8")
