"""Microsoft's STRIDE-per-element chart, as plain data (no Django: the engine reads it)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

PER_ELEMENT: dict[str, str] = {
    "external_entity": "SR",
    "process": "STRIDE",
    "data_store": "TID",
    "flow": "TID",
}


def letters_for(kind: str, properties: Mapping[str, Any]) -> str:
    """The STRIDE letters that apply to an element kind (``"flow"`` for flows): R joins a data store's
    letters when it holds logs."""
    if kind == "data_store" and properties.get("is_log") is True:
        return "TRID"
    return PER_ELEMENT.get(kind, "")
