"""Reads of diagram data shaped for the pure layers (the graph and the threat engine)."""

from __future__ import annotations

from dfd.graph import DfdGraph, build
from dfd.models import Element, Flow


def graph_for_model(model_id: int) -> DfdGraph:
    """The whole threat model (all its diagrams) as one DfdGraph, in two queries."""
    elements = [
        {
            "key": row["key"],
            "kind": row["kind"],
            "name": row["name"],
            "properties": row["properties"] or {},
            "parent": row["parent__key"],
        }
        for row in Element.objects.filter(threat_model_id=model_id).values("key", "kind", "name", "properties", "parent__key")
    ]
    flows = [
        {
            "key": row["key"],
            "source": row["source__key"],
            "target": row["target__key"],
            "label": row["label"],
            "protocol": row["protocol"],
            "bidirectional": row["bidirectional"],
            "properties": row["properties"] or {},
        }
        for row in Flow.objects.filter(threat_model_id=model_id).values(
            "key", "source__key", "target__key", "label", "protocol", "bidirectional", "properties"
        )
    ]
    return build(elements, flows)
