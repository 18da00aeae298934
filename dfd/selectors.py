"""The one reader of diagram rows: a model's diagrams as the frozen states of ``dfd.ops``.

Every consumer of elements and flows — the write path, the graph and the threat engine, the
Graphviz drawing, the report, the workflow gates, the native export, the coverage matrix — builds
from these states instead of querying the rows in its own shape. Three queries whatever the size
(diagrams, elements, flows); parents and flow ends are resolved from ids in memory, not by joins.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from dfd.graph import DfdGraph, build
from dfd.models import Diagram, Element, Flow
from dfd.ops import DiagramState, ElementState, FlowState


@dataclass(frozen=True)
class DiagramSnapshot:
    """One diagram of a model: its own fields and its state (``keys_elsewhere`` filled in)."""

    id: int
    name: str
    level: str
    order: int
    version: int
    state: DiagramState


def model_diagrams(model_id: int, *, only: int | None = None) -> list[DiagramSnapshot]:
    """Every diagram of the model, in display order, with its elements and flows.

    With ``only``, just that diagram (the keys of the others still fill ``keys_elsewhere``).
    """
    diagrams = list(
        Diagram.objects.filter(threat_model_id=model_id, **({"pk": only} if only is not None else {}))
        .order_by("order", "id")
        .values("id", "name", "level", "order", "version")
    )
    scope: dict[str, Any] = {"threat_model_id": model_id, **({"diagram_id": only} if only is not None else {})}
    element_rows = list(
        Element.objects.filter(**scope)
        .order_by("id")
        .values("id", "diagram_id", "key", "kind", "name", "description", "properties", "parent_id", "x", "y", "width", "height")
    )
    key_of = {row["id"]: row["key"] for row in element_rows}
    elements: dict[int, dict[str, ElementState]] = {d["id"]: {} for d in diagrams}
    for row in element_rows:
        elements.setdefault(row["diagram_id"], {})[row["key"]] = ElementState(
            key=row["key"],
            kind=row["kind"],
            name=row["name"],
            description=row["description"],
            properties=row["properties"] or {},
            parent=key_of.get(row["parent_id"]) if row["parent_id"] is not None else None,
            x=row["x"],
            y=row["y"],
            width=row["width"],
            height=row["height"],
            pk=row["id"],
        )
    flows: dict[int, dict[str, FlowState]] = {d["id"]: {} for d in diagrams}
    for flow_row in (
        Flow.objects.filter(**scope)
        .order_by("id")
        .values("id", "diagram_id", "key", "source_id", "target_id", "label", "protocol", "bidirectional", "description", "properties")
    ):
        flows.setdefault(flow_row["diagram_id"], {})[flow_row["key"]] = FlowState(
            key=flow_row["key"],
            source=key_of[flow_row["source_id"]],
            target=key_of[flow_row["target_id"]],
            label=flow_row["label"],
            protocol=flow_row["protocol"],
            bidirectional=flow_row["bidirectional"],
            description=flow_row["description"],
            properties=flow_row["properties"] or {},
            pk=flow_row["id"],
        )
    all_keys = {row["key"] for row in element_rows} | {key for per in flows.values() for key in per}
    if only is not None:
        all_keys |= set(Element.objects.filter(threat_model_id=model_id).exclude(diagram_id=only).values_list("key", flat=True))
        all_keys |= set(Flow.objects.filter(threat_model_id=model_id).exclude(diagram_id=only).values_list("key", flat=True))
    snapshots = []
    for d in diagrams:
        own = set(elements[d["id"]]) | set(flows[d["id"]])
        state = DiagramState(elements[d["id"]], flows[d["id"]], all_keys - own)
        snapshots.append(DiagramSnapshot(d["id"], d["name"], d["level"], d["order"], d["version"], state))
    return snapshots


def graph_from_states(states: Iterable[DiagramState]) -> DfdGraph:
    """The whole model as one DfdGraph (the engine's input), from its diagrams' states."""
    states = list(states)
    return build(
        (el.as_dict() for state in states for el in state.elements.values()),
        (fl.as_dict() for state in states for fl in state.flows.values()),
    )


def graph_for_model(model_id: int) -> DfdGraph:
    """The whole threat model (all its diagrams) as one DfdGraph."""
    return graph_from_states(snapshot.state for snapshot in model_diagrams(model_id))
