"""The formats a model can leave and arrive in: one table read by the export and import endpoints,
the format list endpoint (for the browser's export menu and import dialog) and the OpenAPI schema.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from threatmodel import native
from threatmodel.interop.csv_register import csv_export_bytes
from threatmodel.interop.navigator import navigator_export_bytes
from threatmodel.interop.otm import otm_export_bytes
from threatmodel.interop.threat_dragon import td_export_bytes

if TYPE_CHECKING:
    from threatmodel.models import ThreatModel


@dataclass(frozen=True)
class ExportFormat:
    name: str
    label: str
    media_type: str
    suffix: str  # appended to the file name: threat-model-7-v12<suffix>
    description: str
    write: Callable[[ThreatModel], bytes]

    def as_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "label": self.label,
            "media_type": self.media_type,
            "file_suffix": self.suffix,
            "description": self.description,
        }


@dataclass(frozen=True)
class ImportFormat:
    name: str
    label: str
    extensions: tuple[str, ...]
    description: str

    def as_dict(self) -> dict[str, Any]:
        return {"name": self.name, "label": self.label, "extensions": list(self.extensions), "description": self.description}


def _native(model: ThreatModel) -> bytes:
    return json.dumps(native.native_export(model), indent=2, ensure_ascii=False).encode("utf-8")


EXPORTS: dict[str, ExportFormat] = {
    item.name: item
    for item in (
        ExportFormat(
            "json",
            "Native JSON",
            "application/json",
            ".json",
            "The whole model in this product's own format; imports back exactly.",
            _native,
        ),
        ExportFormat(
            "otm",
            "Open Threat Model (OTM 0.2.0)",
            "application/json",
            ".otm.json",
            "The vendor-neutral interchange format (IriusRisk, StartLeft, threatcl); our STRIDE codes, ATT&CK ids, "
            "ratings and layout travel in its attributes and representations.",
            otm_export_bytes,
        ),
        ExportFormat(
            "threat-dragon",
            "OWASP Threat Dragon v2",
            "application/json",
            ".threat-dragon.json",
            "A Threat Dragon v2 model (diagrams, boundaries and threats) that Threat Dragon opens.",
            td_export_bytes,
        ),
        ExportFormat(
            "navigator",
            "ATT&CK Navigator layer 4.5",
            "application/json",
            ".navigator-layer.json",
            "The model's ATT&CK techniques (Enterprise, Containers) scored by the highest risk of their threats.",
            navigator_export_bytes,
        ),
        ExportFormat(
            "csv",
            "Threat register (CSV)",
            "text/csv; charset=utf-8",
            ".csv",
            "Every threat with its target, risk, techniques, mitigations and decision, riskiest first.",
            csv_export_bytes,
        ),
    )
}

IMPORTS: dict[str, ImportFormat] = {
    item.name: item
    for item in (
        ImportFormat("json", "Native JSON", (".json",), "A model exported by this product."),
        ImportFormat("otm", "Open Threat Model (JSON or YAML)", (".otm", ".json", ".yaml", ".yml"), "OTM 0.1.0 and 0.2.0."),
        ImportFormat("threat-dragon", "OWASP Threat Dragon v1 or v2", (".json",), "Diagrams, boundaries and threats."),
        ImportFormat(
            "tmt",
            "Microsoft Threat Modeling Tool (.tm7)",
            (".tm7",),
            "Diagrams, elements, flows, border and line boundaries, and the generated threats with their states.",
        ),
    )
}
