"""OWASP Threat Dragon: export to its v2 JSON, import from v1 (JointJS) and v2 (X6) JSON.

**Export** follows the structure of Threat Dragon's own demo models (version 2.3.0): one STRIDE
diagram per diagram, cells with the shapes Threat Dragon registers (``actor``, ``process``,
``store``, ``flow``, ``trust-boundary-box``), absolute positions, four ports per node, threats in
``cells[].data.threats`` with Threat Dragon's own status, severity and STRIDE type strings. What
Threat Dragon has no field for — our key, typed properties, nesting, STRIDE code, ATT&CK ids,
likelihood and impact, triage — travels in a ``threatmodelWorkbench`` object inside the cell's
``data`` and the threat, which Threat Dragon keeps and ignores. Cell and port ids are UUIDs
derived from our keys, so the same model exports the same file.

Both directions are named steps: the export builds each diagram's cells (boundaries, nodes with
the property form Threat Dragon has for their type, flows) with the threats placed on them; the
import reads the project, then each diagram with a ``_DiagramReader`` (geometry, boundaries,
elements, threats on nodes, flows with theirs), then what only our own files carry.

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
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from dfd.limits import DESCRIPTION_MAX
from stride.choices import ThreatStatus
from threatmodel.explanations import explanation_texts
from threatmodel.interop.facts import td_facts
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
    threat_description_in,
    threat_meta_in,
    threat_meta_out,
    threat_status,
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


def _td_threat(
    threat: dict[str, Any], number: int, risk: data.Risk, mitigations: list[data.MitigationRef], described: str
) -> dict[str, Any]:
    return {
        "id": _uuid("threat", threat["fingerprint"]),
        "number": number,
        "title": threat["title"],
        "type": _TD_NAMES[threat["stride"]],
        "modelType": "STRIDE",
        "status": _TD_STATUS.get(threat["status"], "Open"),
        "severity": severity_of(risk.residual),
        "score": "" if risk.residual is None else str(risk.residual),
        "description": described or threat["description"],
        "mitigation": "\n".join(f"{ref.name} ({ref.status})" for ref in mitigations),
        "new": False,
        **({"ruleId": threat["rule_id"]} if len(threat["rule_id"]) >= 2 else {}),
        META: {**threat_meta_out(threat), "band": risk.band},
    }


def td_export(model: ThreatModel) -> dict[str, Any]:
    """The model as Threat Dragon v2: one STRIDE diagram per diagram, threats on their cells, ours in META."""
    native = native_export(model)
    threats = _Threats(native, data.threat_risks(model), data.threat_mitigations(model), explanation_texts(model))
    diagrams = [_td_diagram(diagram, index, threats) for index, diagram in enumerate(native["diagrams"])]
    meta = native["threat_model"]
    contributors = sorted({threat["owner"] for threat in native["threats"] if threat["owner"]})
    author = model.created_by.get_username() if model.created_by else ""
    ours = {
        "format": OURS,
        "formatVersion": 1,
        "stage": meta["stage"],
        "scope": meta["scope"],
        "assumptions": meta["assumptions"],
        "coverageNotes": native["coverage_notes"],
        "unattachedThreats": threats.unplaced(),
        "riskPolicy": native["risk_policy"],
        "mitigations": native["mitigations"],
        "decisions": native["decisions"],
    }
    return {
        "version": TD_VERSION,
        "summary": {"title": meta["name"], "owner": author, "description": meta["description"], "id": model.pk},
        "detail": {
            "contributors": [{"name": name} for name in sorted({author, *contributors} - {""})],
            "diagrams": diagrams,
            "diagramTop": len(diagrams),
            "reviewer": "",
            "threatTop": len(native["threats"]),
            META: ours,
        },
    }


class _Threats:
    """The model's threats in Threat Dragon's shape, handed out by the key of the cell they sit on."""

    def __init__(
        self,
        native: dict[str, Any],
        risks: dict[str, data.Risk],
        mitigations: dict[str, list[data.MitigationRef]],
        described: dict[str, str],
    ) -> None:
        self.native = native
        self.described = described
        self.risks = risks
        self.mitigations = mitigations
        self.by_target: dict[str, list[tuple[int, dict[str, Any]]]] = defaultdict(list)
        for number, threat in enumerate(native["threats"], start=1):
            self.by_target[threat["flow"] or threat["element"] or ""].append((number, threat))
        self.placed: set[str] = set()

    def _td(self, number: int, threat: dict[str, Any]) -> dict[str, Any]:
        fingerprint = threat["fingerprint"]
        return _td_threat(
            threat,
            number,
            self.risks.get(fingerprint, data.UNRATED),
            self.mitigations.get(fingerprint, []),
            self.described.get(fingerprint, ""),
        )

    def on(self, key: str) -> list[dict[str, Any]]:
        self.placed.update(threat["fingerprint"] for _, threat in self.by_target.get(key, []))
        return [self._td(number, threat) for number, threat in self.by_target.get(key, [])]

    def unplaced(self) -> list[dict[str, Any]]:
        """Threats whose element or flow is gone: they travel beside the diagrams."""
        return [
            self._td(number, threat)
            for number, threat in enumerate(self.native["threats"], start=1)
            if threat["fingerprint"] not in self.placed
        ]


def _td_diagram(diagram: dict[str, Any], index: int, threats: _Threats) -> dict[str, Any]:
    sizes = _sizes(diagram)
    absolute: dict[str, tuple[float, float]] = {}
    for element in diagram["elements"]:  # parents come first in the native order
        base = absolute.get(element["parent"], (0.0, 0.0)) if element["parent"] else (0.0, 0.0)
        absolute[element["key"]] = (base[0] + element["x"], base[1] + element["y"])
    count = len(diagram["elements"])
    cells: list[dict[str, Any]] = []
    for z_index, element in enumerate(diagram["elements"]):
        box = (*absolute[element["key"]], *sizes[element["key"]])
        if element["kind"] == "trust_boundary":
            cells.append(_boundary_cell(element, box, -1 - (count - z_index)))
        else:
            cells.append(_node_cell(element, box, z_index + 1, threats.on(element["key"])))
    cells.extend(_flow_cell(flow, count + 10, threats.on(flow["key"])) for flow in diagram["flows"])
    return {
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


def _sizes(diagram: dict[str, Any]) -> dict[str, tuple[float, float]]:
    """Each element's drawn size; boundaries without one are drawn around their children (deepest first)."""
    elements = {element["key"]: element for element in diagram["elements"]}
    sizes: dict[str, tuple[float, float]] = {}
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
    return sizes


def _extra(properties: dict[str, Any]) -> dict[str, str]:
    extra = properties.get("extra")
    return extra if isinstance(extra, dict) else {}


def _ticked(extra: dict[str, str], name: str) -> bool:
    """A Threat Dragon check-box we keep among the extra facts (ticked in the file it came from)."""
    return str(extra.get(name, "")).lower() == "true"


def _scope(properties: dict[str, Any]) -> dict[str, Any]:
    """Threat Dragon's out-of-scope pair: it draws the cell dashed and lets no new threat be added to it."""
    out = properties.get("out_of_scope") is True
    reason = properties.get("out_of_scope_reason")
    return {"outOfScope": out, "reasonOutOfScope": reason if out and isinstance(reason, str) else ""}


def _element_meta(element: dict[str, Any]) -> dict[str, Any]:
    return {
        "key": element["key"],
        "kind": element["kind"],
        "parent": element["parent"],
        "properties": element["properties"],
        "width": element["width"],
        "height": element["height"],
    }


def _boundary_cell(element: dict[str, Any], box: tuple[float, float, float, float], z_index: int) -> dict[str, Any]:
    x, y, width, height = box
    return {
        "position": {"x": x, "y": y},
        "size": {"width": width, "height": height},
        "attrs": {"label": {"text": element["name"]}},
        "visible": True,
        "shape": "trust-boundary-box",
        "id": _uuid("cell", element["key"]),
        "zIndex": z_index,
        "data": {
            "type": "tm.BoundaryBox",
            "name": element["name"],
            "description": element["description"],
            "isTrustBoundary": True,
            "hasOpenThreats": False,
            META: _element_meta(element),
        },
    }


def _node_data(element: dict[str, Any], threats: list[dict[str, Any]]) -> dict[str, Any]:
    """A node's ``data``: the keys Threat Dragon's property form has for its type, then its threats and ours."""
    properties = element["properties"]
    extra = _extra(properties)
    cell_data: dict[str, Any] = {
        "type": _SHAPES[element["kind"]][1],
        "name": element["name"],
        "description": element["description"],
        **_scope(properties),
        "hasOpenThreats": any(t["status"] == "Open" for t in threats),
    }
    if element["kind"] == "external_entity":
        cell_data["providesAuthentication"] = properties.get("authenticated") is True
    elif element["kind"] == "process":
        privilege = properties.get("privilege_level")
        cell_data.update(
            handlesCardPayment=_ticked(extra, "handlesCardPayment"),
            handlesGoodsOrServices=_ticked(extra, "handlesGoodsOrServices"),
            isWebApplication=_ticked(extra, "isWebApplication"),
            privilegeLevel=extra.get("privilegeLevel") or (str(privilege or "") if privilege != "unknown" else ""),
        )
    else:
        cell_data.update(
            isALog=properties.get("is_log") is True,
            isEncrypted=properties.get("encrypted") is True,
            isSigned=_ticked(extra, "isSigned"),
            storesCredentials=properties.get("stores_credentials") is True,
            storesInventory=_ticked(extra, "storesInventory"),
        )
    cell_data["threats"] = threats
    cell_data[META] = _element_meta(element)
    return cell_data


_STORE_ATTRS = {"topLine": {"strokeWidth": 1.5, "strokeDasharray": None}, "bottomLine": {"strokeWidth": 1.5, "strokeDasharray": None}}
_BODY_ATTRS = {"body": {"stroke": "#333333", "strokeWidth": 1.5, "strokeDasharray": None}}


def _node_cell(element: dict[str, Any], box: tuple[float, float, float, float], z_index: int, threats: list[dict[str, Any]]) -> dict[str, Any]:
    x, y, width, height = box
    body_attrs = _STORE_ATTRS if element["kind"] == "data_store" else _BODY_ATTRS
    return {
        "position": {"x": x, "y": y},
        "size": {"width": width, "height": height},
        "attrs": {"text": {"text": element["name"]}, **json.loads(json.dumps(body_attrs))},
        "visible": True,
        "shape": _SHAPES[element["kind"]][0],
        "ports": {
            "groups": _PORT_GROUPS,
            "items": [{"group": side, "id": _uuid("port", element["key"], side)} for side in _PORT_GROUPS],
        },
        "id": _uuid("cell", element["key"]),
        "zIndex": z_index,
        "data": _node_data(element, threats),
    }


def _flow_cell(flow: dict[str, Any], z_index: int, threats: list[dict[str, Any]]) -> dict[str, Any]:
    properties = flow["properties"]
    line = {
        "stroke": "#333333",
        "targetMarker": {"name": "block"},
        "sourceMarker": {"name": "block" if flow["bidirectional"] else ""},
        "strokeDasharray": None,
    }
    return {
        "shape": "flow",
        "attrs": {"line": line},
        "width": 200,
        "height": 100,
        "zIndex": z_index,
        "labels": _label(flow["label"]),
        "connector": "smooth",
        "data": {
            "type": "tm.Flow",
            "name": flow["label"],
            "description": flow["description"],
            **_scope(properties),
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
    """Threat Dragon v1 or v2 (or its template wrapper) as the native document: project, diagrams, then ours."""
    build = NativeBuilder("threat-dragon")
    state = _State()
    detail, ours_meta = _project(build, as_mapping(document))
    ours = ours_meta.get("format") == OURS
    diagrams = detail.get("diagrams", [])
    if not isinstance(diagrams, list):
        build.fail("detail.diagrams", "must be a list")
        diagrams = []
    for d_index, raw_diagram in enumerate(diagrams):
        _DiagramReader(build, state, as_mapping(raw_diagram), f"detail.diagrams[{d_index}]", ours).read()
    if ours:
        _our_extras(build, state, ours_meta)
    _warnings(build, state)
    return build.translation()


def _project(build: NativeBuilder, root: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """The model's name and texts; returns the ``detail`` object and our metadata in it (empty for others' files)."""
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
    ours_meta = as_mapping(detail.get(META))
    ours = ours_meta.get("format") == OURS
    build.model_origin = "summary"
    build.model.update(
        name=build.name(summary.get("title"), "Imported Threat Dragon model"),
        description=build.text(summary.get("description")),
        scope=build.text(ours_meta.get("scope", "")) if ours else "",
        assumptions=build.text(ours_meta.get("assumptions", "")) if ours else "",
    )
    return detail, ours_meta if ours else {}


def _our_extras(build: NativeBuilder, state: _State, ours_meta: dict[str, Any]) -> None:
    """Our own file: threats whose element is gone, coverage notes, risk policy, mitigations, decisions."""
    for t_index, raw_threat in enumerate(as_list(ours_meta.get("unattachedThreats"))):
        threat = as_mapping(raw_threat)
        meta = as_mapping(threat.get(META))
        path = f"detail.{META}.unattachedThreats[{t_index}]"
        _threat(build, state, threat, path, _Subject(meta.get("element"), meta.get("flow"), ""), True)
    build.coverage_notes = [
        {key: as_mapping(note).get(key) for key in ("target", "stride", "reason", "author")}
        for note in as_list(ours_meta.get("coverageNotes"))
        if isinstance(note, dict)
    ]
    for name, key in (("riskPolicy", "risk_policy"), ("mitigations", "mitigations"), ("decisions", "decisions")):
        if name in ours_meta:
            build.workflow[key] = ours_meta[name]
            build.workflow_origins[key] = f"detail.{META}.{name}"


def _warnings(build: NativeBuilder, state: _State) -> None:
    for category in sorted(state.inexact):
        build.warn(f"Threat type {category[:40]!r} is not STRIDE; it was filed under its nearest STRIDE letter (see docs/interop.md).")
    build.warn_counts([
        (state.uncategorised, "{n} threat(s) had a type this product does not know; they were filed under S (entities, "
                              "processes) or T (stores, flows). Review them."),
        (state.curves, "{n} curve trust boundary(ies) became empty boundary boxes: a line encloses no element."),
        (state.texts, "{n} text block(s) were not imported: this product has no free-text shapes."),
        (state.placeholders, "{n} flow end(s) were attached to no element; each got a placeholder external entity named "
                             "'Unattached source/target of …'."),
        (state.out_of_scope, "{n} element(s) were out of scope in Threat Dragon: they are marked out_of_scope (not analysed, "
                             "still exported), and it is noted in their descriptions."),
    ])  # fmt: skip


class _State:
    """What the whole file's reading counts, for the warnings at the end."""

    def __init__(self) -> None:
        self.inexact: set[str] = set()
        self.uncategorised = 0
        self.curves = 0
        self.texts = 0
        self.placeholders = 0
        self.out_of_scope = 0
        self.number = 0


@dataclass(frozen=True)
class _Subject:
    """What a threat is on: an element or a flow key, and the kind it falls back to for its category."""

    element: object
    flow: object
    kind: str


def _description(state: _State, props: dict[str, Any], ours: bool) -> str:
    """The cell's description; an out-of-scope cell of another tool's file gets a line saying so, where it fits.

    The fact itself is the ``out_of_scope`` property (``facts.td_facts``); our own files carry it there already.
    """
    text = clean_line(props.get("description")) and str(props.get("description"))
    if props.get("outOfScope") is True and not ours:
        state.out_of_scope += 1
        reason = clean_line(props.get("reasonOutOfScope"))
        noted = f"{text}\n\n[Out of scope in Threat Dragon{': ' + reason if reason else ''}]".strip()
        text = noted if len(noted) <= DESCRIPTION_MAX else text
    return text or ""


_NODE_TYPES = ("tm.Actor", "tm.Process", "tm.Store", "tm.BoundaryBox", "tm.Flow", "tm.Boundary")


class _DiagramReader:
    """One diagram's cells, read in named steps: geometry, boundaries, elements, threats on nodes, flows."""

    def __init__(self, build: NativeBuilder, state: _State, diagram: dict[str, Any], path: str, ours: bool) -> None:
        self.build = build
        self.state = state
        self.diagram = diagram
        self.ours = ours
        self.v1 = "diagramJson" in diagram and "cells" not in diagram
        self.cells_path = f"{path}.diagramJson.cells" if self.v1 else f"{path}.cells"
        self.path = path
        self.cells: list[tuple[int, dict[str, Any]]] = []
        self.d_index = 0
        self.boxes: dict[str, Box] = {}  # node cell id -> its box
        self.box_order: list[tuple[str, Box]] = []  # boundary boxes, largest first
        self.keys: dict[str, str] = {}  # cell id -> our key
        self.kinds: dict[str, str] = {}
        self.built_key: dict[str, str] = {}  # our file's keys -> the keys built (they differ only on a clash)

    def read(self) -> None:
        cells_raw = as_mapping(self.diagram.get("diagramJson")).get("cells") if self.v1 else self.diagram.get("cells", [])
        if cells_raw is None:
            cells_raw = []
        if not isinstance(cells_raw, list):
            self.build.fail(self.cells_path, "must be a list")
            return
        level = str(as_mapping(self.diagram.get(META)).get("level", "level_0")) if self.ours else "level_0"
        self.d_index = self.build.add_diagram(self.diagram.get("title"), self.path, level=level)
        self.cells = [(index, as_mapping(cell)) for index, cell in enumerate(cells_raw)]
        self.geometry()
        self.boundaries()
        self.elements()
        self.node_threats()
        self.flows()

    def props(self, cell: dict[str, Any]) -> dict[str, Any]:
        """Where a cell's Threat Dragon properties are: on the cell (v1) or in its ``data`` (v2)."""
        return cell if self.v1 else as_mapping(cell.get("data"))

    def meta_of(self, cell: dict[str, Any]) -> dict[str, Any]:
        return as_mapping(as_mapping(cell.get("data")).get(META)) if self.ours else {}

    def box_of(self, cell: dict[str, Any], cell_path: str) -> Box:
        position, size = as_mapping(cell.get("position")), as_mapping(cell.get("size"))
        return Box(
            self.build.number(position.get("x"), f"{cell_path}.position.x") or 0.0,
            self.build.number(position.get("y"), f"{cell_path}.position.y") or 0.0,
            self.build.size(size.get("width"), f"{cell_path}.size.width") or 0.0,
            self.build.size(size.get("height"), f"{cell_path}.size.height") or 0.0,
        )

    def geometry(self) -> None:
        """First pass: every boundary box and node, by id, with its box."""
        boundary_boxes: list[tuple[str, Box]] = []
        for index, cell in self.cells:
            cell_path = f"{self.cells_path}[{index}]"
            if not cell:
                self.build.fail(cell_path, "must be an object")
                continue
            cell_type = _cell_type(cell)
            ident = cell.get("id")
            if not isinstance(ident, str | int) or isinstance(ident, bool):
                if cell_type in _NODE_TYPES:
                    self.build.fail(f"{cell_path}.id", "is required")
                continue
            if cell_type == "tm.BoundaryBox":
                boundary_boxes.append((str(ident), self.box_of(cell, cell_path)))
            elif cell_type in _KIND_OF_TYPE:
                self.boxes[str(ident)] = self.box_of(cell, cell_path)
        self.box_order = sorted(boundary_boxes, key=lambda item: -item[1].area)

    def container(self, box: Box, *, exclude: str | None = None) -> str | None:
        """Our key of the smallest boundary box that holds ``box`` (Threat Dragon's own rule)."""
        found = smallest_container(box, self.box_order, exclude=exclude)
        return self.keys.get(found) if found else None

    def size_of(self, meta: dict[str, Any], box: Box) -> tuple[Any, Any]:
        return (meta.get("width") if "width" in meta else box.width) or None, (meta.get("height") if "height" in meta else box.height) or None

    def boundaries(self) -> None:
        """Boundaries, outermost first, so parents exist before children. Our own files name each
        element's parent by key; those are resolved once every boundary of the diagram has a key."""
        cell_at = {str(c.get("id")): (i, c) for i, c in self.cells}
        named_parent: dict[str, str] = {}
        for ident, box in self.box_order:
            index, cell = cell_at[ident]
            meta = self.meta_of(cell)
            if self.ours and isinstance(meta.get("parent"), str):
                named_parent[ident] = meta["parent"]
            width, height = self.size_of(meta, box)
            self.keys[ident] = self.build.add_element(
                self.d_index, hint=meta.get("key") or ident, kind="trust_boundary", name=_cell_name(cell, self.v1),
                description=_description(self.state, as_mapping(cell.get("data")), self.ours),
                properties=dict(as_mapping(meta.get("properties"))), parent=None if self.ours else self.container(box, exclude=ident),
                x=box.x, y=box.y, width=width, height=height, origin=f"{self.cells_path}[{index}]",
            )  # fmt: skip
            self.kinds[ident] = "trust_boundary"
        self.built_key = {str(self.meta_of(cell_at[ident][1]).get("key", key)): key for ident, key in self.keys.items()}
        for ident, wanted in named_parent.items():
            self.build.elements[self.keys[ident]].parent = self.built_key.get(wanted)

    def elements(self) -> None:
        for index, cell in self.cells:
            cell_path = f"{self.cells_path}[{index}]"
            cell_type = _cell_type(cell)
            ident = str(cell.get("id", ""))
            if cell_type in _KIND_OF_TYPE and ident in self.boxes:
                self._node(cell, ident, _KIND_OF_TYPE[cell_type], cell_path)
            elif cell_type == "tm.Boundary":
                self._curve(cell, ident, cell_path)
            elif cell_type == "tm.Text":
                self.state.texts += 1
                self.build.summary.skipped += 1
            elif cell_type not in ("tm.Flow", "tm.BoundaryBox"):
                self.build.summary.skipped += 1
                self.build.warn(f"{cell_path}: a cell of type {cell_type[:40]!r} is not a data-flow diagram element; it was skipped.")

    def _node(self, cell: dict[str, Any], ident: str, kind: str, cell_path: str) -> None:
        box = self.boxes[ident]
        meta = self.meta_of(cell)
        if self.ours:
            parent_key = self.built_key.get(str(meta.get("parent"))) if isinstance(meta.get("parent"), str) else None
            properties = dict(as_mapping(meta.get("properties")))
        else:
            parent_key = self.container(box)
            properties = td_facts(kind, self.props(cell), v1=self.v1)
        width, height = self.size_of(meta, box)
        self.keys[ident] = self.build.add_element(
            self.d_index, hint=meta.get("key") or ident, kind=kind, name=_cell_name(cell, self.v1),
            description=_description(self.state, self.props(cell), self.ours), properties=properties, parent=parent_key,
            x=box.x, y=box.y, width=width, height=height, origin=cell_path,
        )  # fmt: skip
        self.kinds[ident] = kind

    def _curve(self, cell: dict[str, Any], ident: str, cell_path: str) -> None:
        """A curve boundary is a line: it becomes an empty boundary box around its points."""
        points = [as_mapping(cell.get("source")), as_mapping(cell.get("target")), *map(as_mapping, as_list(cell.get("vertices")))]
        xs = [self.build.number(p.get("x"), f"{cell_path}.source.x") or 0.0 for p in points if "x" in p]
        ys = [self.build.number(p.get("y"), f"{cell_path}.source.y") or 0.0 for p in points if "y" in p]
        x0, y0 = (min(xs), min(ys)) if xs and ys else (0.0, 0.0)
        curve = Box(x0, y0, max((max(xs) - x0) if xs else 0.0, 1.0), max((max(ys) - y0) if ys else 0.0, 1.0))
        self.keys[ident] = self.build.add_element(
            self.d_index, hint=ident, kind="trust_boundary", name=_cell_name(cell, self.v1) or "Trust boundary",
            description=_description(self.state, self.props(cell), self.ours), parent=self.container(curve), x=curve.x, y=curve.y,
            width=curve.width, height=curve.height, origin=cell_path,
        )  # fmt: skip
        self.kinds[ident] = "trust_boundary"
        self.state.curves += 1

    def node_threats(self) -> None:
        for index, cell in self.cells:
            ident = str(cell.get("id", ""))
            if _cell_type(cell) in _KIND_OF_TYPE and ident in self.keys:
                subject = _Subject(self.keys[ident], None, self.kinds[ident])
                _threats_of(self.build, self.state, cell, self.props(cell), f"{self.cells_path}[{index}]", subject, self.ours)

    def flows(self) -> None:
        for index, cell in self.cells:
            if _cell_type(cell) == "tm.Flow":
                self._flow(cell, f"{self.cells_path}[{index}]")

    def _end(self, cell: dict[str, Any], field_name: str, name: str, ends: list[str], cell_path: str) -> str:
        """Our key of one end of a flow: its element, or a placeholder where it is attached to none."""
        ref, end = _end(cell, field_name)
        if ref is not None and ref in self.keys and self.kinds.get(ref) in ("external_entity", "process", "data_store"):
            if not ends or ends[0] != self.keys[ref]:
                return self.keys[ref]
            self.build.warn(f"{cell_path}: the flow {name!r} connects an element to itself; its target became a placeholder.")
        x = self.build.number(end.get("x"), f"{cell_path}.{field_name}.x") or 0.0
        y = self.build.number(end.get("y"), f"{cell_path}.{field_name}.y") or 0.0
        near = self.boxes.get(ref or "") or dict(self.box_order).get(ref or "")
        if near is not None:
            x, y = near.x, near.y
        self.state.placeholders += 1
        return self.build.add_placeholder(self.d_index, flow_name=name, end=field_name, x=x, y=y, origin=f"{cell_path}.{field_name}")

    def _flow(self, cell: dict[str, Any], cell_path: str) -> None:
        props = self.props(cell)
        name = clean_line(_cell_name(cell, self.v1)) or "a flow"
        ends: list[str] = []
        for field_name in ("source", "target"):
            ends.append(self._end(cell, field_name, name, ends, cell_path))
        meta = as_mapping(props.get(META)) if self.ours else {}
        properties = dict(as_mapping(meta.get("properties"))) if self.ours else td_facts("flow", props, v1=self.v1)
        flow_key = self.build.add_flow(
            self.d_index, hint=meta.get("key") or cell.get("id"), source=ends[0], target=ends[1],
            label=_cell_name(cell, self.v1), protocol=props.get("protocol", ""), bidirectional=props.get("isBidirectional") is True,
            description=_description(self.state, props, self.ours), properties=properties, origin=cell_path,
        )  # fmt: skip
        _threats_of(self.build, self.state, cell, props, cell_path, _Subject(None, flow_key, "flow"), self.ours)


def _threats_of(
    build: NativeBuilder, state: _State, cell: dict[str, Any], props: dict[str, Any], path: str, subject: _Subject, ours: bool
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
        _threat(build, state, threat, f"{field_path}[{t_index}]", subject, ours)


def _td_stride(state: _State, threat: dict[str, Any], meta: dict[str, Any], kind: str) -> str:
    """Our STRIDE code, Threat Dragon's type word (STRIDE or the nearest letter of CIA/DIE/LINDDUN), or S/T by kind."""
    if meta.get("stride") in STRIDE_NAMES:
        return str(meta["stride"])
    code, exact = stride_code(threat.get("type"))
    if code is None:
        state.uncategorised += 1
        return "S" if kind in ("external_entity", "process") else "T"
    if not exact:
        state.inexact.add(str(threat.get("type")))
    return code


def _td_explanation(threat: dict[str, Any], meta: dict[str, Any]) -> dict[str, Any]:
    if meta:
        return dict(as_mapping(meta.get("explanation")))
    keys = ("type", "modelType", "status", "severity", "score", "number")
    return {"imported": {"format": "threat-dragon", **{key: threat.get(key) for key in keys}}}


def _threat(build: NativeBuilder, state: _State, threat: dict[str, Any], path: str, subject: _Subject, ours: bool) -> None:
    meta = as_mapping(threat.get(META)) if ours else {}
    state.number += 1
    if meta:
        status = meta.get("status") if meta.get("status") in ThreatStatus.values else ThreatStatus.OPEN
        notes = meta.get("notes", "")
    else:
        status, _ = threat_status(threat.get("status", ""))
        notes = f"Mitigation (from Threat Dragon): {threat.get('mitigation')}" if clean_line(threat.get("mitigation")) else ""
    element = subject.element if isinstance(subject.element, str) else None
    flow = subject.flow if isinstance(subject.flow, str) else None
    ident = threat.get("id") if isinstance(threat.get("id"), str) else f"{element or flow}#{state.number}"
    build.add_threat(
        hint=ident, fingerprint=str(meta["fingerprint"]) if meta.get("fingerprint") else None,
        stride=_td_stride(state, threat, meta, subject.kind), title=threat.get("title"),
        description=threat_description_in(meta, threat.get("description")),
        element=element, flow=flow, status=str(status), notes=notes, explanation=_td_explanation(threat, meta),
        **threat_meta_in(meta), origin=path,
    )  # fmt: skip
