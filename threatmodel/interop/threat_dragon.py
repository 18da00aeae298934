"""OWASP Threat Dragon: export to its v2 JSON, import from v1 (JointJS) and v2 (X6) JSON.

**Export** follows the structure of Threat Dragon's own demo models (version 2.3.0): one STRIDE
diagram per diagram, cells with the shapes Threat Dragon registers (``actor``, ``process``,
``store``, ``flow``, ``trust-boundary-box``), absolute positions, four ports per node, threats in
``cells[].data.threats`` with Threat Dragon's own status, severity and STRIDE type strings. What
Threat Dragon has no field for — our key, typed properties, nesting, STRIDE code, ATT&CK ids,
likelihood and impact, triage — travels in a ``threatmodelWorkbench`` object inside the cell's
``data`` and the threat, which Threat Dragon keeps and ignores. Cell and port ids are UUIDs
derived from our keys, so the same model exports the same file.

**Import.** Nesting is found from geometry the way Threat Dragon computes it (an element is in the
smallest boundary box that contains its whole box); curve boundaries become empty boundaries (a
line encloses nothing). A flow end attached to no element (Threat Dragon allows it) gets a
placeholder external entity so the flow and its threats are kept. Threat types are display
strings in Threat Dragon: STRIDE words become codes, CIA, DIE and LINDDUN categories their nearest
STRIDE letter, with a warning. Only check-boxes that are ticked become properties: an unticked box
in Threat Dragon means "not considered", not "false".
"""

from __future__ import annotations

import json
import uuid
from collections import defaultdict
from typing import TYPE_CHECKING, Any

from stride.choices import ThreatStatus
from threatmodel.interop.translate import (
    STRIDE_NAMES,
    Box,
    NativeBuilder,
    Translation,
    as_list,
    as_mapping,
    clean_line,
    smallest_container,
    stride_code,
    threat_meta_in,
    threat_meta_out,
)
from threatmodel.native import native_export
from threatmodel.reporting import data

if TYPE_CHECKING:
    from threatmodel.models import ThreatModel

TD_VERSION = "2.3.0"
META = "threatmodelWorkbench"
OURS = "threatmodel/threat-dragon"
_ID_NAMESPACE = uuid.UUID("6f1c2a52-8d1e-4b8e-9d7a-3c0f5b6e2a10")

_SHAPES = {"external_entity": ("actor", "tm.Actor"), "process": ("process", "tm.Process"), "data_store": ("store", "tm.Store")}
_DEFAULT_SIZE = {"external_entity": (150.0, 80.0), "process": (100.0, 100.0), "data_store": (150.0, 75.0)}
_KIND_OF_TYPE = {"tm.Actor": "external_entity", "tm.Process": "process", "tm.Store": "data_store"}
_TYPE_OF_SHAPE = {
    "actor": "tm.Actor",
    "process": "tm.Process",
    "store": "tm.Store",
    "flow": "tm.Flow",
    "trust-boundary-box": "tm.BoundaryBox",
    "trust-boundary-curve": "tm.Boundary",
    "trust-broundary-curve": "tm.Boundary",
    "td-text-block": "tm.Text",
}
_TD_STATUS = {
    ThreatStatus.OPEN: "Open",
    ThreatStatus.MITIGATED: "Mitigated",
    ThreatStatus.ACCEPTED: "Accepted",
    ThreatStatus.TRANSFERRED: "Transferred",
    ThreatStatus.ELIMINATED: "Eliminated",
    ThreatStatus.NOT_APPLICABLE: "NotApplicable",
    ThreatStatus.OBSOLETE: "NotApplicable",
}
_STATUS_FROM_TD = {
    "open": ThreatStatus.OPEN,
    "mitigated": ThreatStatus.MITIGATED,
    "accepted": ThreatStatus.ACCEPTED,
    "transferred": ThreatStatus.TRANSFERRED,
    "eliminated": ThreatStatus.ELIMINATED,
    "avoided": ThreatStatus.ELIMINATED,
    "notapplicable": ThreatStatus.NOT_APPLICABLE,
    "na": ThreatStatus.NOT_APPLICABLE,
}
_TD_NAMES = {code: name for code, name in STRIDE_NAMES.items()}  # Threat Dragon's English type strings match ours


def _uuid(*parts: object) -> str:
    return str(uuid.uuid5(_ID_NAMESPACE, "\x1f".join(str(part) for part in parts)))


def severity_of(score: int | None) -> str:
    if score is None:
        return "TBD"
    if score >= 20:
        return "Critical"
    if score >= 15:
        return "High"
    if score >= 5:
        return "Medium"
    return "Low"


# --- export ------------------------------------------------------------------------------------------------

_PORT_GROUPS = {
    side: {
        "position": side,
        "attrs": {
            "circle": {"r": 4, "magnet": True, "stroke": "#5F95FF", "strokeWidth": 1, "fill": "#fff", "style": {"visibility": "hidden"}}
        },
    }
    for side in ("top", "right", "bottom", "left")
}


def _label(text: str) -> list[dict[str, Any]]:
    return [
        {
            "markup": [{"tagName": "ellipse", "selector": "labelBody"}, {"tagName": "text", "selector": "labelText"}],
            "attrs": {
                "labelText": {"text": text, "textAnchor": "middle", "textVerticalAnchor": "middle"},
                "labelBody": {"ref": "labelText", "refRx": "50%", "refRy": "60%", "fill": "#fff", "strokeWidth": 0},
            },
            "position": {"distance": 0.5, "args": {"keepGradient": True, "ensureLegibility": True}},
        }
    ]


def _td_threat(threat: dict[str, Any], number: int, risk: data.Risk, mitigations: list[data.MitigationRef]) -> dict[str, Any]:
    return {
        "id": _uuid("threat", threat["fingerprint"]),
        "number": number,
        "title": threat["title"],
        "type": _TD_NAMES[threat["stride"]],
        "modelType": "STRIDE",
        "status": _TD_STATUS.get(threat["status"], "Open"),
        "severity": severity_of(risk.residual),
        "score": "" if risk.residual is None else str(risk.residual),
        "description": threat["description"],
        "mitigation": "\n".join(f"{ref.name} ({ref.status})" for ref in mitigations),
        "new": False,
        **({"ruleId": threat["rule_id"]} if len(threat["rule_id"]) >= 2 else {}),
        META: {**threat_meta_out(threat), "band": risk.band},
    }


def td_export(model: ThreatModel) -> dict[str, Any]:
    native = native_export(model)
    risks = data.threat_risks(model)
    mitigations = data.threat_mitigations(model)
    by_target: dict[str, list[tuple[int, dict[str, Any]]]] = defaultdict(list)
    for number, threat in enumerate(native["threats"], start=1):
        by_target[threat["flow"] or threat["element"] or ""].append((number, threat))
    placed: set[str] = set()

    def threats_on(key: str) -> list[dict[str, Any]]:
        placed.update(threat["fingerprint"] for _, threat in by_target.get(key, []))
        return [
            _td_threat(threat, number, risks.get(threat["fingerprint"], data.UNRATED), mitigations.get(threat["fingerprint"], []))
            for number, threat in by_target.get(key, [])
        ]

    diagrams = []
    for index, diagram in enumerate(native["diagrams"]):
        elements = {element["key"]: element for element in diagram["elements"]}
        sizes: dict[str, tuple[float, float]] = {}
        # Boundaries without a size are drawn around their children (deepest first).
        for element in sorted(diagram["elements"], key=lambda e: -_depth(e["key"], elements)):
            if element["width"] is not None and element["height"] is not None:
                sizes[element["key"]] = (element["width"], element["height"])
            elif element["kind"] != "trust_boundary":
                sizes[element["key"]] = _DEFAULT_SIZE[element["kind"]]
            else:
                inner = [child for child in diagram["elements"] if child["parent"] == element["key"]]
                width = max((child["x"] + sizes[child["key"]][0] for child in inner), default=460.0) + 40.0
                height = max((child["y"] + sizes[child["key"]][1] for child in inner), default=360.0) + 40.0
                sizes[element["key"]] = (max(width, 120.0), max(height, 80.0))
        absolute: dict[str, tuple[float, float]] = {}
        for element in diagram["elements"]:  # parents come first in the native order
            base = absolute.get(element["parent"], (0.0, 0.0)) if element["parent"] else (0.0, 0.0)
            absolute[element["key"]] = (base[0] + element["x"], base[1] + element["y"])
        cells: list[dict[str, Any]] = []
        for z_index, element in enumerate(diagram["elements"]):
            x, y = absolute[element["key"]]
            width, height = sizes[element["key"]]
            meta = {
                "key": element["key"],
                "kind": element["kind"],
                "parent": element["parent"],
                "properties": element["properties"],
                "width": element["width"],
                "height": element["height"],
            }
            cell_id = _uuid("cell", element["key"])
            if element["kind"] == "trust_boundary":
                cells.append(
                    {
                        "position": {"x": x, "y": y},
                        "size": {"width": width, "height": height},
                        "attrs": {"label": {"text": element["name"]}},
                        "visible": True,
                        "shape": "trust-boundary-box",
                        "id": cell_id,
                        "zIndex": -1 - (len(diagram["elements"]) - z_index),
                        "data": {
                            "type": "tm.BoundaryBox",
                            "name": element["name"],
                            "description": element["description"],
                            "isTrustBoundary": True,
                            "hasOpenThreats": False,
                            META: meta,
                        },
                    }
                )
                continue
            shape, td_type = _SHAPES[element["kind"]]
            properties = element["properties"]
            threats = threats_on(element["key"])
            cell_data: dict[str, Any] = {
                "type": td_type,
                "name": element["name"],
                "description": element["description"],
                "outOfScope": False,
                "reasonOutOfScope": "",
                "hasOpenThreats": any(t["status"] == "Open" for t in threats),
            }
            if element["kind"] == "external_entity":
                cell_data["providesAuthentication"] = False
            elif element["kind"] == "process":
                cell_data.update(
                    handlesCardPayment=False,
                    handlesGoodsOrServices=False,
                    isWebApplication=False,
                    privilegeLevel=str(properties.get("privilege_level", "")) if properties.get("privilege_level") != "unknown" else "",
                )
            else:
                cell_data.update(
                    isALog=properties.get("is_log") is True,
                    isEncrypted=properties.get("encrypted") is True,
                    isSigned=False,
                    storesCredentials=properties.get("stores_credentials") is True,
                    storesInventory=False,
                )
            cell_data["threats"] = threats
            cell_data[META] = meta
            body_attrs: dict[str, Any] = (
                {"topLine": {"strokeWidth": 1.5, "strokeDasharray": None}, "bottomLine": {"strokeWidth": 1.5, "strokeDasharray": None}}
                if element["kind"] == "data_store"
                else {"body": {"stroke": "#333333", "strokeWidth": 1.5, "strokeDasharray": None}}
            )
            cells.append(
                {
                    "position": {"x": x, "y": y},
                    "size": {"width": width, "height": height},
                    "attrs": {"text": {"text": element["name"]}, **body_attrs},
                    "visible": True,
                    "shape": shape,
                    "ports": {
                        "groups": _PORT_GROUPS,
                        "items": [{"group": side, "id": _uuid("port", element["key"], side)} for side in _PORT_GROUPS],
                    },
                    "id": cell_id,
                    "zIndex": z_index + 1,
                    "data": cell_data,
                }
            )
        for flow in diagram["flows"]:
            properties = flow["properties"]
            threats = threats_on(flow["key"])
            cells.append(
                {
                    "shape": "flow",
                    "attrs": {
                        "line": {
                            "stroke": "#333333",
                            "targetMarker": {"name": "block"},
                            "sourceMarker": {"name": "block" if flow["bidirectional"] else ""},
                            "strokeDasharray": None,
                        }
                    },
                    "width": 200,
                    "height": 100,
                    "zIndex": len(diagram["elements"]) + 10,
                    "labels": _label(flow["label"]),
                    "connector": "smooth",
                    "data": {
                        "type": "tm.Flow",
                        "name": flow["label"],
                        "description": flow["description"],
                        "outOfScope": False,
                        "reasonOutOfScope": "",
                        "hasOpenThreats": any(t["status"] == "Open" for t in threats),
                        "isBidirectional": flow["bidirectional"],
                        "isEncrypted": properties.get("encrypted") is True,
                        "isPublicNetwork": properties.get("public_network") is True,
                        "protocol": flow["protocol"],
                        "threats": threats,
                        META: {"key": flow["key"], "properties": properties},
                    },
                    "id": _uuid("cell", flow["key"]),
                    "source": {"cell": _uuid("cell", flow["source"])},
                    "target": {"cell": _uuid("cell", flow["target"])},
                    "vertices": [],
                }
            )
        diagrams.append(
            {
                "id": index,
                "title": diagram["name"],
                "diagramType": "STRIDE",
                "placeholder": "New STRIDE diagram description",
                "thumbnail": "./public/content/images/thumbnail.stride.jpg",
                "version": TD_VERSION,
                "description": "",
                "cells": cells,
                META: {"level": diagram["level"]},
            }
        )
    unplaced = [
        _td_threat(threat, number, risks.get(threat["fingerprint"], data.UNRATED), mitigations.get(threat["fingerprint"], []))
        for number, threat in enumerate(native["threats"], start=1)
        if threat["fingerprint"] not in placed
    ]
    meta = native["threat_model"]
    contributors = sorted({threat["owner"] for threat in native["threats"] if threat["owner"]})
    author = model.created_by.get_username() if model.created_by else ""
    return {
        "version": TD_VERSION,
        "summary": {"title": meta["name"], "owner": author, "description": meta["description"], "id": model.pk},
        "detail": {
            "contributors": [{"name": name} for name in sorted({author, *contributors} - {""})],
            "diagrams": diagrams,
            "diagramTop": len(diagrams),
            "reviewer": "",
            "threatTop": len(native["threats"]),
            META: {
                "format": OURS,
                "formatVersion": 1,
                "stage": meta["stage"],
                "scope": meta["scope"],
                "assumptions": meta["assumptions"],
                "coverageNotes": native["coverage_notes"],
                "unattachedThreats": unplaced,
                "riskPolicy": native["risk_policy"],
                "mitigations": native["mitigations"],
                "decisions": native["decisions"],
            },
        },
    }


def _depth(key: str, elements: dict[str, dict[str, Any]]) -> int:
    depth = 0
    current = elements[key]["parent"]
    while current is not None and current in elements and depth < 64:
        depth += 1
        current = elements[current]["parent"]
    return depth


def td_export_bytes(model: ThreatModel) -> bytes:
    return json.dumps(td_export(model), indent=2, ensure_ascii=False).encode("utf-8")


# --- import ------------------------------------------------------------------------------------------------


def _cell_type(cell: dict[str, Any]) -> str:
    cell_data = as_mapping(cell.get("data"))
    value = cell_data.get("type") or cell.get("type") or _TYPE_OF_SHAPE.get(str(cell.get("shape")), "")
    return str(value)


def _cell_name(cell: dict[str, Any], v1: bool) -> object:
    cell_data = as_mapping(cell.get("data"))
    if cell_data.get("name"):
        return cell_data["name"]
    attrs = as_mapping(cell.get("attrs"))
    for candidate in (as_mapping(attrs.get("text")).get("text"), as_mapping(attrs.get("label")).get("text")):
        if candidate:
            return candidate
    for label in as_list(cell.get("labels")):
        label_attrs = as_mapping(as_mapping(label).get("attrs"))
        text = as_mapping(label_attrs.get("labelText")).get("text") or as_mapping(label_attrs.get("text")).get("text")
        if text:
            return text
    return ""


def _end(cell: dict[str, Any], field_name: str) -> tuple[str | None, dict[str, Any]]:
    end = as_mapping(cell.get(field_name))
    ref = end.get("cell") or end.get("id")
    return (str(ref) if isinstance(ref, str | int) and not isinstance(ref, bool) else None), end


def td_translate(document: Any) -> Translation:
    build = NativeBuilder("threat-dragon")
    root = as_mapping(document)
    if "templateMetadata" in root and isinstance(root.get("model"), dict):
        root = root["model"]
        build.warn("The file is a Threat Dragon template; its model was imported.")
    summary = root.get("summary")
    if not isinstance(summary, dict):
        build.fail("summary", "is required (an object with the model's title)")
        summary = {}
    elif not clean_line(summary.get("title")):
        build.fail("summary.title", "is required")
    detail = root.get("detail")
    if not isinstance(detail, dict):
        build.fail("detail", "is required (an object with the diagrams)")
        detail = {}
    diagrams = detail.get("diagrams", [])
    if not isinstance(diagrams, list):
        build.fail("detail.diagrams", "must be a list")
        diagrams = []
    ours_meta = as_mapping(detail.get(META))
    ours = ours_meta.get("format") == OURS
    build.model.update(
        name=build.name(summary.get("title"), "Imported Threat Dragon model"),
        description=build.text(summary.get("description"), 20_000),
        scope=build.text(ours_meta.get("scope", ""), 20_000) if ours else "",
        assumptions=build.text(ours_meta.get("assumptions", ""), 20_000) if ours else "",
    )
    state = _State()
    for d_index, raw_diagram in enumerate(diagrams):
        _diagram(build, state, as_mapping(raw_diagram), f"detail.diagrams[{d_index}]", ours)
    if ours:
        for t_index, raw_threat in enumerate(as_list(ours_meta.get("unattachedThreats"))):
            threat = as_mapping(raw_threat)
            meta = as_mapping(threat.get(META))
            _threat(build, state, threat, f"detail.{META}.unattachedThreats[{t_index}]", meta.get("element"), meta.get("flow"), "", ours)
        build.coverage_notes = [
            {key: as_mapping(note).get(key) for key in ("target", "stride", "reason", "author")}
            for note in as_list(ours_meta.get("coverageNotes"))
            if isinstance(note, dict)
        ]
        for name, key in (("riskPolicy", "risk_policy"), ("mitigations", "mitigations"), ("decisions", "decisions")):
            if name in ours_meta:
                build.workflow[key] = ours_meta[name]
                build.workflow_origins[key] = f"detail.{META}.{name}"
    for category in sorted(state.inexact):
        build.warn(f"Threat type {category[:40]!r} is not STRIDE; it was filed under its nearest STRIDE letter (see docs/interop.md).")
    if state.uncategorised:
        build.warn(
            f"{state.uncategorised} threat(s) had a type this product does not know; they were filed under S (entities, "
            "processes) or T (stores, flows). Review them."
        )
    if state.curves:
        build.warn(f"{state.curves} curve trust boundary(ies) became empty boundary boxes: a line encloses no element.")
    if state.texts:
        build.warn(f"{state.texts} text block(s) were not imported: this product has no free-text shapes.")
    if state.placeholders:
        build.warn(
            f"{state.placeholders} flow end(s) were attached to no element; each got a placeholder external entity named "
            "'Unattached source/target of …'."
        )
    if state.out_of_scope:
        build.warn(f"{state.out_of_scope} element(s) were out of scope in Threat Dragon; it is noted in their descriptions.")
    return build.translation()


class _State:
    def __init__(self) -> None:
        self.inexact: set[str] = set()
        self.uncategorised = 0
        self.curves = 0
        self.texts = 0
        self.placeholders = 0
        self.out_of_scope = 0
        self.number = 0


def _description(build: NativeBuilder, state: _State, props: dict[str, Any]) -> str:
    text = clean_line(props.get("description")) and str(props.get("description"))
    if props.get("outOfScope") is True:
        state.out_of_scope += 1
        reason = clean_line(props.get("reasonOutOfScope"))
        text = f"{text}\n\n[Out of scope in Threat Dragon{': ' + reason if reason else ''}]".strip()
    return text or ""


def _diagram(build: NativeBuilder, state: _State, diagram: dict[str, Any], path: str, ours: bool) -> None:
    v1 = "diagramJson" in diagram and "cells" not in diagram
    cells_raw = as_mapping(diagram.get("diagramJson")).get("cells") if v1 else diagram.get("cells", [])
    if cells_raw is None:
        cells_raw = []
    if not isinstance(cells_raw, list):
        build.fail(f"{path}.{'diagramJson.cells' if v1 else 'cells'}", "must be a list")
        return
    cells_path = f"{path}.diagramJson.cells" if v1 else f"{path}.cells"
    level = str(as_mapping(diagram.get(META)).get("level", "level_0")) if ours else "level_0"
    d_index = build.add_diagram(diagram.get("title"), path, level=level)
    cells = [(index, as_mapping(cell)) for index, cell in enumerate(cells_raw)]
    boxes: dict[str, Box] = {}
    keys: dict[str, str] = {}
    kinds: dict[str, str] = {}
    box_order: list[tuple[str, Box]] = []

    def geometry(cell: dict[str, Any], cell_path: str) -> Box:
        position, size = as_mapping(cell.get("position")), as_mapping(cell.get("size"))
        return Box(
            build.number(position.get("x"), f"{cell_path}.position.x") or 0.0,
            build.number(position.get("y"), f"{cell_path}.position.y") or 0.0,
            build.size(size.get("width"), f"{cell_path}.size.width") or 0.0,
            build.size(size.get("height"), f"{cell_path}.size.height") or 0.0,
        )

    # First pass: boundary boxes, curves and nodes (ids and geometry).
    boundary_boxes: list[tuple[str, Box]] = []
    for index, cell in cells:
        cell_path = f"{cells_path}[{index}]"
        if not cell:
            build.fail(cell_path, "must be an object")
            continue
        cell_type = _cell_type(cell)
        ident = cell.get("id")
        if not isinstance(ident, str | int) or isinstance(ident, bool):
            if cell_type in ("tm.Actor", "tm.Process", "tm.Store", "tm.BoundaryBox", "tm.Flow", "tm.Boundary"):
                build.fail(f"{cell_path}.id", "is required")
            continue
        ident = str(ident)
        if cell_type == "tm.BoundaryBox":
            boundary_boxes.append((ident, geometry(cell, cell_path)))
        elif cell_type in _KIND_OF_TYPE:
            boxes[ident] = geometry(cell, cell_path)
    box_order = sorted(boundary_boxes, key=lambda item: -item[1].area)
    box_lookup = dict(boundary_boxes)

    def meta_of(cell: dict[str, Any]) -> dict[str, Any]:
        return as_mapping(as_mapping(cell.get("data")).get(META)) if ours else {}

    # Boundaries, outermost first, so parents exist before children. Our own files name each
    # element's parent by key; those are resolved once every boundary of the diagram has a key.
    cell_at = {str(c.get("id")): (i, c) for i, c in cells}
    named_parent: dict[str, str] = {}
    for ident, box in box_order:
        index, cell = cell_at[ident]
        meta = meta_of(cell)
        parent = None
        if ours and isinstance(meta.get("parent"), str):
            named_parent[ident] = meta["parent"]
        elif not ours:
            container = smallest_container(box, box_order, exclude=ident)
            parent = keys.get(container) if container else None
        props = as_mapping(cell.get("data"))
        keys[ident] = build.add_element(
            d_index,
            hint=meta.get("key") or ident,
            kind="trust_boundary",
            name=_cell_name(cell, v1),
            description=_description(build, state, props),
            properties=dict(as_mapping(meta.get("properties"))),
            parent=parent,
            x=box.x,
            y=box.y,
            width=(meta.get("width") if "width" in meta else box.width) or None,
            height=(meta.get("height") if "height" in meta else box.height) or None,
            origin=f"{cells_path}[{index}]",
        )
        kinds[ident] = "trust_boundary"
    # Our keys survive the trip unchanged unless two clashed; map the file's keys to the built ones.
    built_key = {str(meta_of(cell_at[ident][1]).get("key", key)): key for ident, key in keys.items()}
    for ident, wanted in named_parent.items():
        build.elements[keys[ident]].parent = built_key.get(wanted)

    for index, cell in cells:
        cell_path = f"{cells_path}[{index}]"
        cell_type = _cell_type(cell)
        ident = str(cell.get("id", ""))
        props = cell if v1 else as_mapping(cell.get("data"))
        if cell_type in _KIND_OF_TYPE and ident in boxes:
            kind = _KIND_OF_TYPE[cell_type]
            box = boxes[ident]
            meta = meta_of(cell)
            if ours:
                parent_key = built_key.get(str(meta.get("parent"))) if isinstance(meta.get("parent"), str) else None
                properties = dict(as_mapping(meta.get("properties")))
            else:
                container = smallest_container(box, box_order)
                parent_key = keys.get(container) if container else None
                properties = _properties(kind, props)
            keys[ident] = build.add_element(
                d_index,
                hint=meta.get("key") or ident,
                kind=kind,
                name=_cell_name(cell, v1),
                description=_description(build, state, props),
                properties=properties,
                parent=parent_key,
                x=box.x,
                y=box.y,
                width=(meta.get("width") if "width" in meta else box.width) or None,
                height=(meta.get("height") if "height" in meta else box.height) or None,
                origin=cell_path,
            )
            kinds[ident] = kind
        elif cell_type == "tm.Boundary":
            points = [as_mapping(cell.get("source")), as_mapping(cell.get("target")), *map(as_mapping, as_list(cell.get("vertices")))]
            xs = [build.number(p.get("x"), f"{cell_path}.source.x") or 0.0 for p in points if "x" in p]
            ys = [build.number(p.get("y"), f"{cell_path}.source.y") or 0.0 for p in points if "y" in p]
            x0, y0 = (min(xs), min(ys)) if xs and ys else (0.0, 0.0)
            curve = Box(x0, y0, max((max(xs) - x0) if xs else 0.0, 1.0), max((max(ys) - y0) if ys else 0.0, 1.0))
            container = smallest_container(curve, box_order)
            keys[ident] = build.add_element(
                d_index,
                hint=ident,
                kind="trust_boundary",
                name=_cell_name(cell, v1) or "Trust boundary",
                description=_description(build, state, props),
                parent=keys.get(container) if container else None,
                x=curve.x,
                y=curve.y,
                width=curve.width,
                height=curve.height,
                origin=cell_path,
            )
            kinds[ident] = "trust_boundary"
            state.curves += 1
        elif cell_type == "tm.Text":
            state.texts += 1
            build.summary.skipped += 1
        elif cell_type not in ("tm.Flow", "tm.BoundaryBox"):
            build.summary.skipped += 1
            build.warn(f"{cell_path}: a cell of type {cell_type[:40]!r} is not a data-flow diagram element; it was skipped.")

    # Threats on nodes, then flows with theirs.
    for index, cell in cells:
        cell_type = _cell_type(cell)
        ident = str(cell.get("id", ""))
        if cell_type in _KIND_OF_TYPE and ident in keys:
            props = cell if v1 else as_mapping(cell.get("data"))
            _threats_of(build, state, cell, props, f"{cells_path}[{index}]", keys[ident], None, kinds[ident], ours)
    for index, cell in cells:
        if _cell_type(cell) != "tm.Flow":
            continue
        cell_path = f"{cells_path}[{index}]"
        props = cell if v1 else as_mapping(cell.get("data"))
        name = clean_line(_cell_name(cell, v1)) or "a flow"
        ends: list[str] = []
        for field_name in ("source", "target"):
            ref, end = _end(cell, field_name)
            if ref is not None and ref in keys and kinds.get(ref) in ("external_entity", "process", "data_store"):
                if ends and ends[0] == keys[ref]:
                    build.warn(f"{cell_path}: the flow {name!r} connects an element to itself; its target became a placeholder.")
                else:
                    ends.append(keys[ref])
                    continue
            x = build.number(end.get("x"), f"{cell_path}.{field_name}.x") or 0.0
            y = build.number(end.get("y"), f"{cell_path}.{field_name}.y") or 0.0
            if ref is not None and ref in boxes:
                x, y = boxes[ref].x, boxes[ref].y
            elif ref is not None and ref in box_lookup:
                x, y = box_lookup[ref].x, box_lookup[ref].y
            ends.append(build.add_placeholder(d_index, flow_name=name, end=field_name, x=x, y=y, origin=f"{cell_path}.{field_name}"))
            state.placeholders += 1
        meta = as_mapping(props.get(META)) if ours else {}
        properties = dict(as_mapping(meta.get("properties"))) if ours else _properties("flow", props)
        flow_key = build.add_flow(
            d_index,
            hint=meta.get("key") or cell.get("id"),
            source=ends[0],
            target=ends[1],
            label=_cell_name(cell, v1),
            protocol=props.get("protocol", ""),
            bidirectional=props.get("isBidirectional") is True,
            description=_description(build, state, props),
            properties=properties,
            origin=cell_path,
        )
        _threats_of(build, state, cell, props, cell_path, None, flow_key, "flow", ours)


def _properties(kind: str, props: dict[str, Any]) -> dict[str, Any]:
    """Ticked Threat Dragon check-boxes that mean the same as one of our properties."""
    mapping = {
        "data_store": {"isALog": "is_log", "isEncrypted": "encrypted", "storesCredentials": "stores_credentials"},
        "flow": {"isEncrypted": "encrypted", "isPublicNetwork": "public_network"},
    }.get(kind, {})
    return {ours: True for theirs, ours in mapping.items() if props.get(theirs) is True}


def _threats_of(
    build: NativeBuilder,
    state: _State,
    cell: dict[str, Any],
    props: dict[str, Any],
    path: str,
    element: str | None,
    flow: str | None,
    kind: str,
    ours: bool,
) -> None:
    field_path = f"{path}.data.threats" if "threats" in as_mapping(cell.get("data")) else f"{path}.threats"
    threats = as_mapping(cell.get("data")).get("threats", cell.get("threats", props.get("threats")))
    if threats is None:
        return
    if not isinstance(threats, list):
        build.fail(field_path, "must be a list")
        return
    for t_index, raw in enumerate(threats):
        threat = as_mapping(raw)
        if not threat:
            build.fail(f"{field_path}[{t_index}]", "must be an object")
            continue
        _threat(build, state, threat, f"{field_path}[{t_index}]", element, flow, kind, ours)


def _threat(
    build: NativeBuilder,
    state: _State,
    threat: dict[str, Any],
    path: str,
    element: object,
    flow: object,
    kind: str,
    ours: bool,
) -> None:
    meta = as_mapping(threat.get(META)) if ours else {}
    state.number += 1
    stride = meta.get("stride") if meta.get("stride") in STRIDE_NAMES else None
    if stride is None:
        code, exact = stride_code(threat.get("type"))
        if code is not None:
            stride = code
            if not exact:
                state.inexact.add(str(threat.get("type")))
        else:
            stride = "S" if kind in ("external_entity", "process") else "T"
            state.uncategorised += 1
    if meta:
        status = meta.get("status") if meta.get("status") in ThreatStatus.values else ThreatStatus.OPEN
    else:
        word = "".join(ch for ch in str(threat.get("status", "")).lower() if ch.isalpha())
        status = _STATUS_FROM_TD.get(word, ThreatStatus.OPEN)
    mitigation = clean_line(threat.get("mitigation"))
    notes = meta.get("notes", "") if meta else (f"Mitigation (from Threat Dragon): {threat.get('mitigation')}" if mitigation else "")
    explanation = (
        dict(as_mapping(meta.get("explanation")))
        if meta
        else {
            "imported": {
                "format": "threat-dragon",
                "type": threat.get("type"),
                "modelType": threat.get("modelType"),
                "status": threat.get("status"),
                "severity": threat.get("severity"),
                "score": threat.get("score"),
                "number": threat.get("number"),
            }
        }
    )
    ident = threat.get("id") if isinstance(threat.get("id"), str) else f"{element or flow}#{state.number}"
    build.add_threat(
        hint=ident,
        fingerprint=str(meta["fingerprint"]) if meta.get("fingerprint") else None,
        stride=str(stride),
        title=threat.get("title"),
        description=threat.get("description"),
        element=element if isinstance(element, str) else None,
        flow=flow if isinstance(flow, str) else None,
        status=str(status),
        notes=notes,
        explanation=explanation,
        **threat_meta_in(meta),
        origin=path,
    )
