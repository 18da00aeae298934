"""Translating another tool's model into the native document, one object at a time.

Each importer walks its own format and calls a ``NativeBuilder``: add a diagram, an element, a
flow, a threat, each with the path of the object in the source file (its *origin*). The builder
does what every format needs the same way:

* **keys** — other tools' ids become our keys (letters, digits, ``_ . : -``, at most 80), made
  unique across the model;
* **text** — names lose line breaks and control characters; what is longer than our limits is
  refused by the native checks at the place in the source file it came from (``locate``), as in
  a native file (``threatmodel/interop/limits.py``: one set of limits for every format);
* **counts** — more elements, flows, diagrams or threats than one import may hold are refused at
  the first one over the limit, before the rest of the file is translated;
* **geometry** — absolute canvas positions become positions relative to the parent boundary, and
  nesting can be found from geometry (the smallest boundary box that contains an element);
* **STRIDE** — a category becomes a code (``S T R I D E``): STRIDE words in any spelling, and CIA,
  DIE and LINDDUN categories by a documented mapping (with a warning); never a translated string;
* **errors** — problems are collected with their source path; ``translation`` refuses the file if
  there are any, and ``locate`` maps a native path back to the source path for later errors.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, TypedDict, Unpack

from common.errors import ErrorDetail, ValidationFailed
from dfd.limits import KEY_MAX, KEY_RE, MAX_COORD, NAME_MAX
from dfd.ops import DiagramState
from threatmodel.interop import limits

MAX_ERRORS = 100

# Other tools' category words, normalised to lower-case letters only.
_STRIDE_WORDS = {
    "s": "S",
    "spoofing": "S",
    "spoofingidentity": "S",
    "identityspoofing": "S",
    "t": "T",
    "tampering": "T",
    "tamperingwithdata": "T",
    "datatampering": "T",
    "r": "R",
    "repudiation": "R",
    "i": "I",
    "informationdisclosure": "I",
    "infodisclosure": "I",
    "informationleakage": "I",
    "disclosure": "I",
    "d": "D",
    "denialofservice": "D",
    "dos": "D",
    "e": "E",
    "elevationofprivilege": "E",
    "elevationofprivileges": "E",
    "privilegeelevation": "E",
    "escalationofprivilege": "E",
    "escalationofprivileges": "E",
    "privilegeescalation": "E",
    "eop": "E",
}
# Non-STRIDE methodologies Threat Dragon offers, mapped to the STRIDE letter of the property they
# threaten (CIA and DIE), or the inverse of Threat Dragon's own STRIDE -> LINDDUN mapping.
_OTHER_WORDS = {
    "confidentiality": "I",
    "integrity": "T",
    "availability": "D",
    "distributed": "D",
    "immutable": "T",
    "ephemeral": "I",
    "linkability": "I",
    "identifiability": "S",
    "nonrepudiation": "R",
    "detectability": "I",
    "disclosureofinformation": "I",
    "unawareness": "R",
    "noncompliance": "T",
}
STRIDE_NAMES = {
    "S": "Spoofing",
    "T": "Tampering",
    "R": "Repudiation",
    "I": "Information disclosure",
    "D": "Denial of service",
    "E": "Elevation of privilege",
}


def stride_code(category: object) -> tuple[str | None, bool]:
    """``(code, exact)``: the STRIDE code of a category word, and whether it was a STRIDE word."""
    if not isinstance(category, str):
        return None, False
    word = re.sub(r"[^a-z]", "", category.lower())
    if word in _STRIDE_WORDS:
        return _STRIDE_WORDS[word], True
    if word in _OTHER_WORDS:
        return _OTHER_WORDS[word], False
    return None, False


def level_from_percent(value: object) -> int | None:
    """A 0-100 rating (OTM) as a 1-5 level; ``None`` when absent or not a number."""
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        return None
    return max(1, min(5, math.ceil(value / 20)))


def clean_line(value: object) -> str:
    """One line of printable text: line breaks become spaces, control characters go."""
    text = value if isinstance(value, str) else ("" if value is None else str(value))
    kept = "".join(" " if ch in "\n\r\t" else ch for ch in text if ch in "\n\r\t" or (ord(ch) >= 32 and ord(ch) != 127))
    return " ".join(kept.split())


def clean_text(value: object) -> str:
    """Multi-line text with NUL and other control characters (except line breaks and tabs) removed."""
    text = value if isinstance(value, str) else ("" if value is None else str(value))
    return "".join(ch for ch in text if ch in "\n\r\t" or (ord(ch) >= 32 and ord(ch) != 127))


@dataclass
class Box:
    x: float
    y: float
    width: float
    height: float

    def contains(self, other: Box, slack: float = 1.0) -> bool:
        return (
            other.x >= self.x - slack
            and other.y >= self.y - slack
            and other.x + other.width <= self.x + self.width + slack
            and other.y + other.height <= self.y + self.height + slack
        )

    @property
    def area(self) -> float:
        return self.width * self.height


def smallest_container(box: Box, candidates: list[tuple[str, Box]], *, exclude: str | None = None) -> str | None:
    """The key of the smallest candidate box that contains ``box`` and is larger than it."""
    best: tuple[float, int, str] | None = None
    for index, (key, candidate) in enumerate(candidates):
        if key == exclude or candidate.area <= box.area or not candidate.contains(box):
            continue
        rank = (candidate.area, index, key)
        if best is None or rank < best:
            best = rank
    return best[2] if best else None


@dataclass
class Summary:
    """What an import created, by our counting (see docs/interop.md)."""

    diagrams: int = 0
    elements: int = 0
    boundaries: int = 0
    flows: int = 0
    threats: int = 0
    placeholders: int = 0
    skipped: int = 0
    threats_by_stride: Counter[str] = field(default_factory=Counter)

    def as_dict(self) -> dict[str, Any]:
        return {
            "diagrams": self.diagrams,
            "elements": self.elements,
            "boundaries": self.boundaries,
            "flows": self.flows,
            "threats": self.threats,
            "placeholders": self.placeholders,
            "skipped": self.skipped,
            "threats_by_stride": {code: self.threats_by_stride.get(code, 0) for code in "STRIDE"},
        }


@dataclass
class Translation:
    """A file as the native document, with the source path of each native path (``origins``).

    ``lenient`` translations come from other tools: what this server cannot hold (an ATT&CK id it
    does not know) is dropped with a warning rather than refused, as a native file would be.
    """

    format: str
    document: Any
    origins: dict[str, str]
    warnings: list[str]
    summary: Summary
    lenient: bool = True

    def locate(self, path: str) -> str:
        """The source-file path of a native path (``diagrams[0].elements[3].name``)."""
        best = ""
        for native in self.origins:
            if path == native or path.startswith((native + ".", native + "[")):
                best = max(best, native, key=len)
        if not best:
            return path
        rest = path[len(best) :].lstrip(".")
        return f"{self.origins[best]} ({rest})" if rest else self.origins[best]


@dataclass
class _Element:
    diagram: int
    key: str
    kind: str
    name: str
    description: str
    properties: dict[str, Any]
    parent: str | None
    x: float
    y: float
    width: float | None
    height: float | None
    relative: bool
    origin: str

    def as_native(self, x: float, y: float) -> dict[str, Any]:
        return {
            "key": self.key,
            "kind": self.kind,
            "name": self.name,
            "description": self.description,
            "properties": self.properties,
            "parent": self.parent,
            "x": x,
            "y": y,
            "width": self.width,
            "height": self.height,
        }


class ThreatFields(TypedDict, total=False):
    """What an importer may say about a threat besides its hint, STRIDE code, title and origin."""

    element: str | None
    flow: str | None
    description: object
    status: str
    likelihood: int | None
    impact: int | None
    notes: object
    rationale: object
    explanation: dict[str, Any] | None
    techniques: list[str] | None
    rule_id: str
    threat_origin: str  # the native threat's ``origin``: imported unless our own file says otherwise
    triaged: bool
    owner: str | None
    fingerprint: str | None
    duplicate_of: str | None
    suggested_likelihood: int | None
    suggested_impact: int | None
    status_before_obsolete: str | None


# A native threat's fields with what an import leaves them at when the source file says nothing.
THREAT_DEFAULTS: dict[str, Any] = {
    "rule_id": "",
    "element": None,
    "flow": None,
    "status": "open",
    "likelihood": None,
    "impact": None,
    "owner": None,
    "triaged": False,
    "duplicate_of": None,
    "suggested_likelihood": None,
    "suggested_impact": None,
    "status_before_obsolete": None,
}


class NativeBuilder:
    def __init__(self, fmt: str) -> None:
        self.format = fmt
        self.model: dict[str, str] = {"name": "Imported model", "description": "", "scope": "", "assumptions": ""}
        self.diagrams: list[dict[str, Any]] = []
        self.elements: dict[str, _Element] = {}
        self.flows: list[tuple[int, dict[str, Any], str]] = []
        self.threats: list[tuple[dict[str, Any], str]] = []
        self.coverage_notes: list[dict[str, Any]] = []
        # Workflow records (risk_policy, mitigations, decisions) in the native format's shape.
        self.workflow: dict[str, Any] = {}
        self.workflow_origins: dict[str, str] = {}
        self.errors: list[ErrorDetail] = []
        self.warnings: list[str] = []
        self.summary = Summary()
        self._keys: set[str] = set()
        self._fingerprints: set[str] = set()
        self.model_origin = "$"  # where the model's name and texts are in the source file

    # --- problems ---------------------------------------------------------------------------------------

    def fail(self, path: str, message: str) -> None:
        if len(self.errors) < MAX_ERRORS:
            self.errors.append({"path": path, "message": message})

    def warn(self, message: str) -> None:
        if message not in self.warnings and len(self.warnings) < 200:
            self.warnings.append(message)

    # --- values -----------------------------------------------------------------------------------------

    def name(self, value: object, fallback: str) -> str:
        """One line of text (``fallback`` when empty); its length is checked where the native document is."""
        return clean_line(value) or fallback

    def text(self, value: object) -> str:
        return clean_text(value)

    def number(self, value: object, path: str, *, default: float | None = 0.0) -> float | None:
        """A coordinate or size; numbers written as text (XML) are accepted."""
        if value is None or value == "":
            return default
        if isinstance(value, str):
            text = value
            try:
                value = float(text)
            except ValueError:
                self.fail(path, f"must be a number (got {text[:20]!r})")
                return default
        if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
            self.fail(path, "must be a number")
            return default
        if abs(value) > MAX_COORD:
            self.fail(path, f"must be between -{MAX_COORD:.0f} and {MAX_COORD:.0f}")
            return default
        return float(value)

    def size(self, value: object, path: str) -> float | None:
        number = self.number(value, path, default=None)
        return number if number is not None and number > 0 else None

    def key(self, hint: object, prefix: str) -> str:
        """A unique key from another tool's id (or from ``prefix`` when the id cannot be used)."""
        raw = hint if isinstance(hint, str) else ("" if hint is None else str(hint))
        base = re.sub(r"[^A-Za-z0-9_.:\-]+", "-", raw).lstrip("_.:-")[:KEY_MAX] or prefix
        if not KEY_RE.match(base):
            base = prefix
        key = base
        counter = 2
        while key in self._keys:
            suffix = f"-{counter}"
            key = base[: KEY_MAX - len(suffix)] + suffix
            counter += 1
        self._keys.add(key)
        return key

    # --- objects ----------------------------------------------------------------------------------------

    def over_limit(self, what: str, count: int, most: int, origin: str) -> bool:
        """Refuse (once, at the first one over) an import with more ``what`` than one may hold."""
        if count == most:
            self.fail(origin, limits.count_problem(what, most))
        return count >= most

    def add_diagram(self, name: object, origin: str, *, level: str = "level_0") -> int:
        self.over_limit("diagrams", len(self.diagrams), limits.MAX_DIAGRAMS, origin)
        self.diagrams.append({"name": self.name(name, f"Diagram {len(self.diagrams) + 1}"), "level": level, "origin": origin})
        return len(self.diagrams) - 1

    def add_element(
        self,
        diagram: int,
        *,
        hint: object,
        kind: str,
        name: object,
        origin: str,
        description: object = "",
        properties: dict[str, Any] | None = None,
        parent: str | None = None,
        x: float = 0.0,
        y: float = 0.0,
        width: float | None = None,
        height: float | None = None,
        relative: bool = False,
        placeholder: bool = False,
        key: str | None = None,
    ) -> str:
        """Add an element; ``x``/``y`` are absolute unless ``relative``. Returns its key."""
        self.over_limit("elements", len(self.elements), limits.MAX_ELEMENTS, origin)
        element_key = key or self.key(hint, {"trust_boundary": "boundary"}.get(kind, kind.replace("_", "-")))
        fallback = {"external_entity": "External entity", "process": "Process", "data_store": "Data store"}.get(kind, "Boundary")
        self.elements[element_key] = _Element(
            diagram=diagram,
            key=element_key,
            kind=kind,
            name=self.name(name, fallback),
            description=self.text(description),
            properties=dict(properties or {}),
            parent=parent,
            x=x,
            y=y,
            width=width,
            height=height,
            relative=relative,
            origin=origin,
        )
        if placeholder:
            self.summary.placeholders += 1
        elif kind == "trust_boundary":
            self.summary.boundaries += 1
        else:
            self.summary.elements += 1
        return element_key

    def add_state(
        self, state: DiagramState, *, name: object, origin: str, level: str = "level_0", origins: Mapping[str, str] | None = None
    ) -> int:
        """A whole diagram from a wanted state (``dfd.ops.DiagramState``, as an importer that computes one builds it).

        Keys are kept exactly (they are the stable keys a later re-import matches by, so an invalid or
        repeated one is refused at its origin rather than rewritten); positions stay relative to each
        element's parent. ``origins`` gives the place in the source file of an element or flow, by
        key; the diagram's ``origin`` stands for those it does not name.
        """
        index = self.add_diagram(name, origin, level=level)
        where = origins or {}
        keys: dict[str, str] = {}
        for element in state.elements.values():
            self._keys.add(element.key)
            keys[element.key] = self.add_element(
                index, hint=element.key, key=element.key, kind=element.kind, name=element.name, description=element.description,
                properties=dict(element.properties), x=element.x, y=element.y, width=element.width, height=element.height,
                relative=True, origin=where.get(element.key, origin),
            )  # fmt: skip
        for element in state.elements.values():
            self.elements[keys[element.key]].parent = keys.get(element.parent) if element.parent else None
        for flow in state.flows.values():
            self._keys.add(flow.key)
            self.add_flow(
                index, hint=flow.key, key=flow.key, source=keys.get(flow.source, flow.source),
                target=keys.get(flow.target, flow.target), label=flow.label, protocol=flow.protocol, bidirectional=flow.bidirectional, description=flow.description, properties=dict(flow.properties),
                origin=where.get(flow.key, origin),
            )  # fmt: skip
        return index

    def add_placeholder(self, diagram: int, *, flow_name: str, end: str, x: float, y: float, origin: str) -> str:
        """An external entity standing for a flow end that is attached to nothing in the source file."""
        key = self.add_element(
            diagram,
            hint=f"unattached-{end}",
            kind="external_entity",
            name=f"Unattached {end} of {flow_name}"[:NAME_MAX],
            description="Created on import: in the source file this end of the flow is attached to no element.",
            origin=origin,
            x=x,
            y=y,
            placeholder=True,
        )
        return key

    def add_flow(
        self,
        diagram: int,
        *,
        hint: object,
        source: str,
        target: str,
        origin: str,
        label: object = "",
        protocol: object = "",
        bidirectional: bool = False,
        description: object = "",
        properties: dict[str, Any] | None = None,
        key: str | None = None,
    ) -> str:
        self.over_limit("flows", len(self.flows), limits.MAX_FLOWS, origin)
        flow_key = key or self.key(hint, "flow")
        self.flows.append(
            (
                diagram,
                {
                    "key": flow_key,
                    "source": source,
                    "target": target,
                    "label": self.name(label, ""),
                    "protocol": self.name(protocol, ""),
                    "bidirectional": bool(bidirectional),
                    "description": self.text(description),
                    "properties": dict(properties or {}),
                },
                origin,
            )
        )
        self.summary.flows += 1
        return flow_key

    def add_threat(self, *, hint: object, stride: str, title: object, origin: str, **fields: Unpack[ThreatFields]) -> str:
        """Add a threat on ``fields["element"]`` or ``fields["flow"]``; returns its (unique) fingerprint."""
        self.over_limit("threats", len(self.threats), limits.MAX_THREATS, origin)
        unique = self._unique_fingerprint(fields.get("fingerprint") or f"{self.format}:{clean_line(hint)[:300]}")
        texts = {name: self.text(fields.get(name, "")) for name in ("description", "notes", "rationale")}
        record = {
            **THREAT_DEFAULTS,
            **{name: value for name, value in fields.items() if name in THREAT_DEFAULTS},
            **texts,
            "fingerprint": unique,
            "stride": stride,
            "title": self.name(title, f"{STRIDE_NAMES.get(stride, 'Threat')} threat"),
            "explanation": fields.get("explanation") or {},
            "techniques": sorted(set(fields.get("techniques") or [])),
        }
        record["origin"] = fields.get("threat_origin", "imported")
        self.threats.append((record, origin))
        self.summary.threats += 1
        self.summary.threats_by_stride[stride] += 1
        return unique

    def _unique_fingerprint(self, wanted: str) -> str:
        wanted = "".join(ch for ch in wanted if ord(ch) >= 32)[:390] or f"{self.format}:threat"
        unique = wanted
        counter = 2
        while unique in self._fingerprints:
            unique = f"{wanted}#{counter}"
            counter += 1
        self._fingerprints.add(unique)
        return unique

    # --- the document -----------------------------------------------------------------------------------

    def _absolute(self, key: str, memo: dict[str, tuple[float, float]], depth: int = 0) -> tuple[float, float]:
        if key in memo:
            return memo[key]
        element = self.elements[key]
        if not element.relative:
            memo[key] = (element.x, element.y)
        else:
            base = (0.0, 0.0)
            if element.parent in self.elements and depth < 64:
                base = self._absolute(element.parent, memo, depth + 1)
            memo[key] = (base[0] + element.x, base[1] + element.y)
        return memo[key]

    def _depth(self, key: str) -> int:
        depth = 0
        current = self.elements[key].parent
        while current is not None and current in self.elements and depth < 64:
            depth += 1
            current = self.elements[current].parent
        return depth

    def translation(self) -> Translation:
        """The native document, or the file's problems (all of them, with their paths) as one refusal."""
        if self.errors:
            raise ValidationFailed(f"The file has {len(self.errors)} problem(s); nothing was imported.", details=self.errors)
        absolute: dict[str, tuple[float, float]] = {}
        origins: dict[str, str] = {}
        diagrams_out = [self._diagram_out(index, spec, absolute, origins) for index, spec in enumerate(self.diagrams)]
        threats_out = []
        for position, (threat, origin) in enumerate(sorted(self.threats, key=lambda item: item[0]["fingerprint"])):
            threats_out.append(threat)
            origins[f"threats[{position}]"] = origin
        origins.update(self.workflow_origins)
        origins["threat_model"] = self.model_origin
        self.summary.diagrams = len(diagrams_out)
        document = {
            "format": "threatmodel/native",
            "format_version": 1,
            "vocabulary_version": 1,
            "threat_model": {**self.model, "stage": "design"},
            "diagrams": diagrams_out,
            "threats": threats_out,
            "coverage_notes": self.coverage_notes,
            **self.workflow,
        }
        return Translation(self.format, document, origins, list(self.warnings), self.summary)

    def _diagram_out(
        self, index: int, spec: dict[str, Any], absolute: dict[str, tuple[float, float]], origins: dict[str, str]
    ) -> dict[str, Any]:
        """One native diagram: elements parents first with positions relative to their parent, flows by key."""
        elements = sorted(
            (element for element in self.elements.values() if element.diagram == index),
            key=lambda element: (self._depth(element.key), element.key),
        )
        elements_out = []
        for position, element in enumerate(elements):
            x, y = self._absolute(element.key, absolute)
            if element.parent is not None:
                parent_x, parent_y = self._absolute(element.parent, absolute)
                x, y = x - parent_x, y - parent_y
            elements_out.append(element.as_native(round(x, 3), round(y, 3)))
            origins[f"diagrams[{index}].elements[{position}]"] = element.origin
        flows = sorted(((flow, origin) for diagram, flow, origin in self.flows if diagram == index), key=lambda item: item[0]["key"])
        for position, (_, origin) in enumerate(flows):
            origins[f"diagrams[{index}].flows[{position}]"] = origin
        origins[f"diagrams[{index}]"] = spec["origin"]
        return {"name": spec["name"], "level": spec["level"], "order": index, "elements": elements_out, "flows": [f for f, _ in flows]}


def as_mapping(value: object) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def as_list(value: object) -> list[Any]:
    return value if isinstance(value, list) else []


# --- our own meaning on a threat, in other tools' files ---------------------------------------------------
# OTM and Threat Dragon both have a free-form place per threat (OTM `attributes`, a Threat Dragon
# property) where an export keeps what those formats cannot say. These two functions are the one
# definition of that block, written on export and read back on import.


def threat_meta_out(threat: Mapping[str, Any]) -> dict[str, Any]:
    """Our threat fields that other formats have no place for, under camelCase keys."""
    return {
        "fingerprint": threat["fingerprint"],
        "stride": threat["stride"],
        "status": threat["status"],
        "origin": threat["origin"],
        "ruleId": threat["rule_id"],
        "attackTechniques": threat["techniques"],
        "likelihood": threat["likelihood"],
        "impact": threat["impact"],
        "owner": threat["owner"],
        "notes": threat["notes"],
        "rationale": threat["rationale"],
        "triaged": threat["triaged"],
        "duplicateOf": threat["duplicate_of"],
        "explanation": threat["explanation"],
        "element": threat["element"],
        "flow": threat["flow"],
        "suggestedLikelihood": threat["suggested_likelihood"],
        "suggestedImpact": threat["suggested_impact"],
        "statusBeforeObsolete": threat["status_before_obsolete"],
    }


def threat_meta_in(meta: Mapping[str, Any]) -> dict[str, Any]:
    """``Translation.add_threat`` arguments from such a block, each checked for its type."""

    def integer(name: str) -> int | None:
        value = meta.get(name)
        return value if isinstance(value, int) and not isinstance(value, bool) else None

    def text(name: str) -> str | None:
        value = meta.get(name)
        return value if isinstance(value, str) else None

    return {
        "likelihood": integer("likelihood"),
        "impact": integer("impact"),
        "rationale": text("rationale") or "",
        "techniques": [t for t in as_list(meta.get("attackTechniques")) if isinstance(t, str)],
        "rule_id": str(meta.get("ruleId") or ""),
        "threat_origin": str(meta.get("origin")) if meta.get("origin") in ("rule", "manual", "imported") else "imported",
        "triaged": meta.get("triaged") is True,
        "owner": text("owner"),
        "duplicate_of": text("duplicateOf"),
        "suggested_likelihood": integer("suggestedLikelihood"),
        "suggested_impact": integer("suggestedImpact"),
        "status_before_obsolete": text("statusBeforeObsolete"),
    }
