"""Diagram operations: their wire format, and their effect on an in-memory diagram state.

Every change to a diagram — from the editor, the REST API, an import or a template — is a list of
operations. This module is pure (no ORM): it parses raw operation objects, checks each one against
the state left by the operations before it, and produces the final state plus a per-operation
record of what changed. ``dfd.services.apply_ops`` then writes the difference in one transaction,
or nothing at all when any operation is invalid.

The format is chosen for live workshops too (the same objects will travel over WebSockets):
operations name elements by their stable ``key``; ``update_*`` operations carry only the fields
they change, and ``properties`` in an update merge property by property (``null`` removes one),
so two people editing different properties of one element do not overwrite each other.
A delete wins: deleting an element deletes its flows in the same batch.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from common.errors import ErrorDetail
from dfd import vocabulary
from dfd.limits import DESCRIPTION_MAX, KEY_RE, KEY_RULE, LABEL_MAX, MAX_COORD, NAME_MAX, PROTOCOL_MAX

OP_KINDS = (
    "add_element",
    "update_element",
    "move_element",
    "set_parent",
    "delete_element",
    "add_flow",
    "update_flow",
    "delete_flow",
)

# Which fields each operation accepts; anything else is refused, so typos do not pass silently.
_ALLOWED_FIELDS: dict[str, set[str]] = {
    "add_element": {"op", "key", "kind", "name", "description", "properties", "parent", "x", "y", "width", "height"},
    "update_element": {"op", "key", "name", "description", "properties"},
    "move_element": {"op", "key", "x", "y", "width", "height"},
    "set_parent": {"op", "key", "parent", "x", "y"},
    "delete_element": {"op", "key"},
    "add_flow": {"op", "key", "source", "target", "label", "protocol", "bidirectional", "description", "properties"},
    "update_flow": {"op", "key", "source", "target", "label", "protocol", "bidirectional", "description", "properties"},
    "delete_flow": {"op", "key"},
}


@dataclass(frozen=True)
class ElementState:
    key: str
    kind: str
    name: str
    description: str = ""
    properties: Mapping[str, Any] = field(default_factory=dict)
    parent: str | None = None
    x: float = 0.0
    y: float = 0.0
    width: float | None = None
    height: float | None = None
    pk: int | None = None

    def as_dict(self) -> dict[str, Any]:
        return {
            "key": self.key,
            "kind": self.kind,
            "name": self.name,
            "description": self.description,
            "properties": dict(self.properties),
            "parent": self.parent,
            "x": self.x,
            "y": self.y,
            "width": self.width,
            "height": self.height,
        }


@dataclass(frozen=True)
class FlowState:
    key: str
    source: str
    target: str
    label: str = ""
    protocol: str = ""
    bidirectional: bool = False
    description: str = ""
    properties: Mapping[str, Any] = field(default_factory=dict)
    pk: int | None = None

    def as_dict(self) -> dict[str, Any]:
        return {
            "key": self.key,
            "source": self.source,
            "target": self.target,
            "label": self.label,
            "protocol": self.protocol,
            "bidirectional": self.bidirectional,
            "description": self.description,
            "properties": dict(self.properties),
        }


@dataclass
class DiagramState:
    """Elements and flows of one diagram, plus the keys other diagrams of the model already use."""

    elements: dict[str, ElementState]
    flows: dict[str, FlowState]
    keys_elsewhere: set[str] = field(default_factory=set)


@dataclass(frozen=True)
class OpRecord:
    """What one operation did: for the log (before/after) and for the response."""

    seq: int
    op: str
    key: str
    before: dict[str, Any] | None
    after: dict[str, Any] | None


@dataclass
class Outcome:
    state: DiagramState
    records: list[OpRecord]
    deleted_flows: list[str]
    reparented: list[str]
    errors: list[ErrorDetail]


class _OpError(Exception):
    def __init__(self, field_name: str, message: str) -> None:
        super().__init__(message)
        self.field_name = field_name
        self.message = message


def simulate(state: DiagramState, raw_ops: object, *, max_ops: int, max_errors: int = 100) -> Outcome:
    """Apply ``raw_ops`` to a copy of ``state``; collect an error for every invalid operation.

    Operations see the effect of the ones before them, so a batch may add a boundary and then put
    an element in it. When ``errors`` is not empty the returned state must not be written.
    """
    work = DiagramState(dict(state.elements), dict(state.flows), set(state.keys_elsewhere))
    outcome = Outcome(work, [], [], [], [])
    if not isinstance(raw_ops, list):
        outcome.errors.append({"path": "ops", "message": "must be a list of operations"})
        return outcome
    if len(raw_ops) > max_ops:
        outcome.errors.append({"path": "ops", "message": f"at most {max_ops} operations per batch (got {len(raw_ops)})"})
        return outcome
    for seq, raw in enumerate(raw_ops):
        if len(outcome.errors) >= max_errors:
            break
        path = f"ops[{seq}]"
        try:
            _apply_one(work, seq, raw, outcome)
        except _OpError as exc:
            where = f"{path}.{exc.field_name}" if exc.field_name else path
            outcome.errors.append({"path": where, "message": exc.message})
    return outcome


def _apply_one(work: DiagramState, seq: int, raw: object, outcome: Outcome) -> None:
    if not isinstance(raw, Mapping):
        raise _OpError("", "must be an object with an 'op' field")
    op = raw.get("op")
    if op not in OP_KINDS:
        raise _OpError("op", f"must be one of {', '.join(OP_KINDS)} (got {_show(op)})")
    unknown = sorted(str(name) for name in raw if name not in _ALLOWED_FIELDS[op])
    if unknown:
        raise _OpError(unknown[0], f"is not a field of {op}")
    key = _key(raw, "key")
    handler = _HANDLERS[op]
    handler(work, seq, key, raw, outcome)


# --- element operations ------------------------------------------------------------------------------


def _add_element(work: DiagramState, seq: int, key: str, raw: Mapping[str, Any], out: Outcome) -> None:
    _require_free_key(work, key)
    kind = raw.get("kind")
    if kind not in vocabulary.ELEMENT_KINDS:
        raise _OpError("kind", f"must be one of {', '.join(vocabulary.ELEMENT_KINDS)} (got {_show(kind)})")
    name = _text(raw, "name", NAME_MAX, required=True)
    props = _properties(str(kind), raw.get("properties", {}), allow_unset=False)
    parent = _optional_key(raw, "parent")
    if parent is not None:
        _require_boundary(work, parent, "parent")
    element = ElementState(
        key=key,
        kind=str(kind),
        name=name,
        description=_text(raw, "description", DESCRIPTION_MAX),
        properties=props,
        parent=parent,
        x=_coord(raw, "x", 0.0),
        y=_coord(raw, "y", 0.0),
        width=_size(raw, "width"),
        height=_size(raw, "height"),
    )
    work.elements[key] = element
    out.records.append(OpRecord(seq, "add_element", key, None, element.as_dict()))


def _update_element(work: DiagramState, seq: int, key: str, raw: Mapping[str, Any], out: Outcome) -> None:
    before = _element(work, key)
    changes: dict[str, Any] = {}
    if "name" in raw:
        changes["name"] = _text(raw, "name", NAME_MAX, required=True)
    if "description" in raw:
        changes["description"] = _text(raw, "description", DESCRIPTION_MAX)
    if "properties" in raw:
        patch = _properties(before.kind, raw["properties"], allow_unset=True)
        merged = dict(before.properties)
        for name, value in patch.items():
            if value is None:
                merged.pop(name, None)
            else:
                merged[name] = value
        changes["properties"] = merged
    after = replace(before, **changes)
    work.elements[key] = after
    out.records.append(OpRecord(seq, "update_element", key, before.as_dict(), after.as_dict()))


def _move_element(work: DiagramState, seq: int, key: str, raw: Mapping[str, Any], out: Outcome) -> None:
    before = _element(work, key)
    if "x" not in raw or "y" not in raw:
        raise _OpError("x" if "x" not in raw else "y", "is required")
    changes: dict[str, Any] = {"x": _coord(raw, "x", 0.0), "y": _coord(raw, "y", 0.0)}
    if "width" in raw:
        changes["width"] = _size(raw, "width")
    if "height" in raw:
        changes["height"] = _size(raw, "height")
    after = replace(before, **changes)
    work.elements[key] = after
    out.records.append(OpRecord(seq, "move_element", key, before.as_dict(), after.as_dict()))


def _set_parent(work: DiagramState, seq: int, key: str, raw: Mapping[str, Any], out: Outcome) -> None:
    before = _element(work, key)
    if "parent" not in raw:
        raise _OpError("parent", "is required (a boundary key, or null to leave every boundary)")
    parent = _optional_key(raw, "parent")
    if parent is not None:
        if parent == key:
            raise _OpError("parent", "an element cannot be its own parent")
        _require_boundary(work, parent, "parent")
        if _is_descendant(work, parent, of=key):
            raise _OpError("parent", f"{parent!r} is inside {key!r}; a boundary cannot be nested in itself")
    changes: dict[str, Any] = {"parent": parent}
    if "x" in raw:
        changes["x"] = _coord(raw, "x", 0.0)
    if "y" in raw:
        changes["y"] = _coord(raw, "y", 0.0)
    after = replace(before, **changes)
    work.elements[key] = after
    out.records.append(OpRecord(seq, "set_parent", key, before.as_dict(), after.as_dict()))


def _delete_element(work: DiagramState, seq: int, key: str, raw: Mapping[str, Any], out: Outcome) -> None:
    before = _element(work, key)
    # Flows of the element go with it, in this batch, and the response lists them.
    for flow_key in [k for k, f in work.flows.items() if key in (f.source, f.target)]:
        flow = work.flows.pop(flow_key)
        out.deleted_flows.append(flow_key)
        out.records.append(OpRecord(seq, "delete_flow", flow_key, flow.as_dict(), None))
    # What a deleted boundary contained moves up to the boundary's own parent, where it stays
    # on the canvas (geometry is relative to the parent, so the offset is added back).
    for child_key in [k for k, e in work.elements.items() if e.parent == key]:
        child = work.elements[child_key]
        moved = replace(child, parent=before.parent, x=child.x + before.x, y=child.y + before.y)
        work.elements[child_key] = moved
        out.reparented.append(child_key)
        out.records.append(OpRecord(seq, "set_parent", child_key, child.as_dict(), moved.as_dict()))
    del work.elements[key]
    out.records.append(OpRecord(seq, "delete_element", key, before.as_dict(), None))


# --- flow operations ---------------------------------------------------------------------------------------


def _add_flow(work: DiagramState, seq: int, key: str, raw: Mapping[str, Any], out: Outcome) -> None:
    _require_free_key(work, key)
    source = _key(raw, "source")
    target = _key(raw, "target")
    _require_endpoint(work, source, "source")
    _require_endpoint(work, target, "target")
    if source == target:
        raise _OpError("target", "a flow must connect two different elements")
    flow = FlowState(
        key=key,
        source=source,
        target=target,
        label=_text(raw, "label", LABEL_MAX),
        protocol=_text(raw, "protocol", PROTOCOL_MAX),
        bidirectional=_bool(raw, "bidirectional", False),
        description=_text(raw, "description", DESCRIPTION_MAX),
        properties=_properties(vocabulary.FLOW, raw.get("properties", {}), allow_unset=False),
    )
    work.flows[key] = flow
    out.records.append(OpRecord(seq, "add_flow", key, None, flow.as_dict()))


def _update_flow(work: DiagramState, seq: int, key: str, raw: Mapping[str, Any], out: Outcome) -> None:
    before = work.flows.get(key)
    if before is None:
        raise _OpError("key", f"no flow {key!r} in this diagram")
    changes: dict[str, Any] = {}
    for name in ("source", "target"):
        if name in raw:
            endpoint = _key(raw, name)
            _require_endpoint(work, endpoint, name)
            changes[name] = endpoint
    if changes.get("source", before.source) == changes.get("target", before.target):
        raise _OpError("target", "a flow must connect two different elements")
    if "label" in raw:
        changes["label"] = _text(raw, "label", LABEL_MAX)
    if "protocol" in raw:
        changes["protocol"] = _text(raw, "protocol", PROTOCOL_MAX)
    if "bidirectional" in raw:
        changes["bidirectional"] = _bool(raw, "bidirectional", False)
    if "description" in raw:
        changes["description"] = _text(raw, "description", DESCRIPTION_MAX)
    if "properties" in raw:
        patch = _properties(vocabulary.FLOW, raw["properties"], allow_unset=True)
        merged = dict(before.properties)
        for name, value in patch.items():
            if value is None:
                merged.pop(name, None)
            else:
                merged[name] = value
        changes["properties"] = merged
    after = replace(before, **changes)
    work.flows[key] = after
    out.records.append(OpRecord(seq, "update_flow", key, before.as_dict(), after.as_dict()))


def _delete_flow(work: DiagramState, seq: int, key: str, raw: Mapping[str, Any], out: Outcome) -> None:
    before = work.flows.pop(key, None)
    if before is None:
        raise _OpError("key", f"no flow {key!r} in this diagram")
    out.records.append(OpRecord(seq, "delete_flow", key, before.as_dict(), None))


_HANDLERS = {
    "add_element": _add_element,
    "update_element": _update_element,
    "move_element": _move_element,
    "set_parent": _set_parent,
    "delete_element": _delete_element,
    "add_flow": _add_flow,
    "update_flow": _update_flow,
    "delete_flow": _delete_flow,
}


# --- field readers ------------------------------------------------------------------------------------------


def _show(value: object) -> str:
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."


def _key(raw: Mapping[str, Any], name: str) -> str:
    value = raw.get(name)
    if value is None:
        raise _OpError(name, "is required")
    if not isinstance(value, str) or not KEY_RE.match(value):
        raise _OpError(name, KEY_RULE)
    return value


def _optional_key(raw: Mapping[str, Any], name: str) -> str | None:
    if raw.get(name) is None:
        return None
    return _key(raw, name)


def _text(raw: Mapping[str, Any], name: str, max_length: int, *, required: bool = False) -> str:
    value = raw.get(name, "")
    if value is None:
        value = ""
    if not isinstance(value, str):
        raise _OpError(name, f"must be a string (got {_show(value)})")
    value = value.strip() if name == "name" else value
    if required and not value:
        raise _OpError(name, "must not be empty")
    if len(value) > max_length:
        raise _OpError(name, f"must be at most {max_length} characters (got {len(value)})")
    if "\x00" in value:
        raise _OpError(name, "must not contain NUL characters")
    return value


def _bool(raw: Mapping[str, Any], name: str, default: bool) -> bool:
    value = raw.get(name, default)
    if not isinstance(value, bool):
        raise _OpError(name, f"must be true or false (got {_show(value)})")
    return value


def _number(raw: Mapping[str, Any], name: str) -> float:
    value = raw.get(name)
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise _OpError(name, f"must be a number (got {_show(value)})")
    number = float(value)
    if not math.isfinite(number) or abs(number) > MAX_COORD:
        raise _OpError(name, f"must be a finite number within ±{MAX_COORD:.0f}")
    return number


def _coord(raw: Mapping[str, Any], name: str, default: float) -> float:
    if raw.get(name) is None:
        return default
    return _number(raw, name)


def _size(raw: Mapping[str, Any], name: str) -> float | None:
    if raw.get(name) is None:
        return None
    number = _number(raw, name)
    if number <= 0:
        raise _OpError(name, "must be greater than 0")
    return number


def _properties(kind: str, value: object, *, allow_unset: bool) -> dict[str, Any]:
    errors = vocabulary.validate_properties(kind, value, allow_unset=allow_unset)
    if errors:
        name, message = next(iter(errors.items()))
        raise _OpError(f"properties.{name}" if name else "properties", message)
    assert isinstance(value, Mapping)
    return dict(value)


# --- state checks --------------------------------------------------------------------------------------------


def _element(work: DiagramState, key: str) -> ElementState:
    element = work.elements.get(key)
    if element is None:
        raise _OpError("key", f"no element {key!r} in this diagram")
    return element


def _require_free_key(work: DiagramState, key: str) -> None:
    if key in work.elements or key in work.flows:
        raise _OpError("key", f"{key!r} is already used in this diagram")
    if key in work.keys_elsewhere:
        raise _OpError("key", f"{key!r} is already used in another diagram of this threat model")


def _require_boundary(work: DiagramState, key: str, field_name: str) -> None:
    element = work.elements.get(key)
    if element is None:
        raise _OpError(field_name, f"no element {key!r} in this diagram")
    if element.kind != "trust_boundary":
        raise _OpError(field_name, f"{key!r} is a {element.kind.replace('_', ' ')}; only a trust boundary can contain elements")


def _require_endpoint(work: DiagramState, key: str, field_name: str) -> None:
    element = work.elements.get(key)
    if element is None:
        raise _OpError(field_name, f"no element {key!r} in this diagram")
    if element.kind == "trust_boundary":
        raise _OpError(field_name, f"{key!r} is a trust boundary; flows connect entities, processes and stores")


def _is_descendant(work: DiagramState, candidate: str, *, of: str) -> bool:
    """True when ``candidate`` sits (at any depth) inside element ``of``."""
    seen: set[str] = set()
    current: str | None = candidate
    while current is not None and current not in seen:
        if current == of:
            return True
        seen.add(current)
        element = work.elements.get(current)
        current = element.parent if element else None
    return False


# --- the operations between two states ------------------------------------------------------------------


def ops_between(current: DiagramState, wanted: DiagramState) -> list[dict[str, Any]]:
    """The operations that turn ``current`` into ``wanted``, matched by stable key.

    Both states must be valid diagrams (every parent a boundary of the same state, every flow's
    ends present). Applying the result to ``current`` with :func:`simulate` gives ``wanted``
    exactly (row ids aside), and the result is empty when the two are equal — so a re-import of
    unchanged manifests writes nothing, and a live client can send the difference it made.

    The order is the one the operations need: flows that go are deleted first, then elements
    (an element whose kind changed is deleted and added again, with its flows); new elements are
    added parents first; kept elements get their new parent (shallowest first, so nesting never
    forms a cycle on the way), geometry and fields; then flows are updated and added.
    """
    ops: list[dict[str, Any]] = []
    recreated = {
        key for key, el in current.elements.items() if key in wanted.elements and wanted.elements[key].kind != el.kind
    }
    gone_elements = {key for key in current.elements if key not in wanted.elements} | recreated
    # A flow is deleted (and added again below when wanted) if it goes, or if an end is deleted.
    gone_flows = {
        key
        for key, fl in current.flows.items()
        if key not in wanted.flows or fl.source in gone_elements or fl.target in gone_elements
    }
    ops.extend({"op": "delete_flow", "key": key} for key in sorted(gone_flows))
    # Deleting elements deepest first keeps every child's relative geometry until it is set below.
    ops.extend({"op": "delete_element", "key": key} for key in sorted(gone_elements, key=lambda k: (-_depth(current, k), k)))
    state = simulate(current, ops, max_ops=len(ops) + 1).state if ops else current

    ordered = sorted(wanted.elements, key=lambda k: (_depth(wanted, k), k))
    for key in ordered:
        if key not in state.elements:
            ops.append(_add_element_op(wanted.elements[key]))
    for key in ordered:
        before = state.elements.get(key)
        if before is None:
            continue
        ops.extend(_element_change_ops(before, wanted.elements[key]))
    for key in sorted(wanted.flows):
        after = wanted.flows[key]
        kept = state.flows.get(key)
        if kept is None:
            ops.append(_add_flow_op(after))
        else:
            change = _flow_change_op(kept, after)
            if change is not None:
                ops.append(change)
    return ops


def _depth(state: DiagramState, key: str) -> int:
    depth, seen = 0, set()
    element = state.elements.get(key)
    while element is not None and element.parent is not None and element.parent not in seen:
        seen.add(element.parent)
        depth += 1
        element = state.elements.get(element.parent)
    return depth


def _add_element_op(el: ElementState) -> dict[str, Any]:
    op: dict[str, Any] = {"op": "add_element", "key": el.key, "kind": el.kind, "name": el.name, "x": el.x, "y": el.y}
    if el.description:
        op["description"] = el.description
    if el.properties:
        op["properties"] = dict(el.properties)
    if el.parent is not None:
        op["parent"] = el.parent
    if el.width is not None:
        op["width"] = el.width
    if el.height is not None:
        op["height"] = el.height
    return op


def _element_change_ops(before: ElementState, after: ElementState) -> list[dict[str, Any]]:
    ops: list[dict[str, Any]] = []
    key = after.key
    moved_with_parent = False
    if before.parent != after.parent:
        ops.append({"op": "set_parent", "key": key, "parent": after.parent, "x": after.x, "y": after.y})
        moved_with_parent = True
    geometry_changed = (before.width, before.height) != (after.width, after.height) or (
        not moved_with_parent and (before.x, before.y) != (after.x, after.y)
    )
    if geometry_changed:
        ops.append({"op": "move_element", "key": key, "x": after.x, "y": after.y, "width": after.width, "height": after.height})
    update: dict[str, Any] = {}
    if before.name != after.name:
        update["name"] = after.name
    if before.description != after.description:
        update["description"] = after.description
    patch = _properties_patch(before.properties, after.properties)
    if patch:
        update["properties"] = patch
    if update:
        ops.append({"op": "update_element", "key": key, **update})
    return ops


def _add_flow_op(fl: FlowState) -> dict[str, Any]:
    op: dict[str, Any] = {"op": "add_flow", "key": fl.key, "source": fl.source, "target": fl.target}
    for name in ("label", "protocol", "description"):
        if getattr(fl, name):
            op[name] = getattr(fl, name)
    if fl.bidirectional:
        op["bidirectional"] = True
    if fl.properties:
        op["properties"] = dict(fl.properties)
    return op


def _flow_change_op(before: FlowState, after: FlowState) -> dict[str, Any] | None:
    update: dict[str, Any] = {}
    for name in ("source", "target", "label", "protocol", "bidirectional", "description"):
        if getattr(before, name) != getattr(after, name):
            update[name] = getattr(after, name)
    patch = _properties_patch(before.properties, after.properties)
    if patch:
        update["properties"] = patch
    return {"op": "update_flow", "key": after.key, **update} if update else None


def _properties_patch(before: Mapping[str, Any], after: Mapping[str, Any]) -> dict[str, Any]:
    """A merge patch: changed and new properties with their values, removed ones as ``None``."""
    patch: dict[str, Any] = {name: value for name, value in after.items() if before.get(name, _MISSING) != value}
    patch.update({name: None for name in before if name not in after})
    return patch


_MISSING = object()
