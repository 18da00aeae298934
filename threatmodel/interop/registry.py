"""The formats a model can leave and arrive in, each with its behaviour: one table per direction.

An export entry says how the format is listed (name, label, media type, file suffix) and how a
model is written in it. An import entry says how it is listed (name, label, extensions, media
types) and how a file in it is read: the syntaxes it is written in, how a parsed document is
recognised as this format (``sniff``), and how the parsed document(s) become the native document
(``translate``). The import service (``imports.py``), the export endpoint, the format list
(``GET /api/v1/formats/``) and the OpenAPI schema read only these tables, so a new format is one
entry here and nothing anywhere else branches on its name.

A format whose input is several files (a folder of Kubernetes manifests, a compose file and its
overrides) says ``several_files=True`` and gets every parsed document at once; one whose reader
needs its own parsing (multi-document YAML) gives ``parse``. A translator returns a
``Translation``: most build it with ``NativeBuilder``; one that computes a wanted diagram state
(``dfd.ops.DiagramState``) hands it to ``NativeBuilder.add_state``.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from threatmodel import native
from threatmodel.interop import otm, otm_read, threat_dragon, tmt
from threatmodel.interop.csv_register import csv_export_bytes
from threatmodel.interop.manifests import formats as manifests
from threatmodel.interop.navigator import navigator_export_bytes
from threatmodel.interop.sources import SourceDocument, SourceFile, Syntax
from threatmodel.interop.translate import Summary, Translation, as_list, as_mapping

if TYPE_CHECKING:
    from threatmodel.models import ThreatModel

# SourceFile, SourceDocument and Syntax live in ``sources`` (a format's reader builds documents
# without importing this table) and are re-exported here for the importers that read them from it.
__all__ = ["EXPORTS", "IMPORTS", "ExportFormat", "ImportFormat", "SourceDocument", "SourceFile", "Syntax", "one_document"]

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
    media_types: tuple[str, ...]
    syntaxes: frozenset[Syntax]
    sniff: Callable[[Any], bool]  # is this parsed document (JSON/YAML value or XML root) in this format?
    translate: Callable[[Sequence[SourceDocument]], Translation]
    several_files: bool = False
    # Reads one file into its documents; None means "one document, parsed by its syntax".
    parse: Callable[[SourceFile], list[SourceDocument]] | None = None

    def as_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "label": self.label,
            "extensions": list(self.extensions),
            "description": self.description,
            "media_types": list(self.media_types),
            "several_files": self.several_files,
        }


def one_document(translate: Callable[[Any], Translation]) -> Callable[[Sequence[SourceDocument]], Translation]:
    """Adapt a translator of one parsed document (the import service gives single-file formats one)."""

    def translate_first(documents: Sequence[SourceDocument]) -> Translation:
        return translate(documents[0].value)

    return translate_first


# --- the native format ------------------------------------------------------------------------------------


def _native_bytes(model: ThreatModel) -> bytes:
    return json.dumps(native.native_export(model), indent=2, ensure_ascii=False).encode("utf-8")


def _is_native(data: Any) -> bool:
    # A ``format`` key without another tool's marker keys is ours: the native importer then says
    # what is wrong with its value, rather than "format not recognised".
    if not isinstance(data, dict):
        return False
    return data.get("format") == native.FORMAT or ("format" in data and not {"otmVersion", "summary", "detail"} & set(data))


def _native_summary(data: Any) -> Summary:
    summary = Summary()
    for diagram in as_list(as_mapping(data).get("diagrams")):
        summary.diagrams += 1
        for element in as_list(as_mapping(diagram).get("elements")):
            if as_mapping(element).get("kind") == "trust_boundary":
                summary.boundaries += 1
            else:
                summary.elements += 1
        summary.flows += len(as_list(as_mapping(diagram).get("flows")))
    for threat in as_list(as_mapping(data).get("threats")):
        summary.threats += 1
        summary.threats_by_stride[str(as_mapping(threat).get("stride"))] += 1
    return summary


def _native_translation(data: Any) -> Translation:
    """Our own file is already the native document: paths are its own, and nothing is adapted."""
    return Translation(native.FORMAT, data, {}, [], _native_summary(data), lenient=False)


def _is_otm(data: Any) -> bool:
    return isinstance(data, dict) and "otmVersion" in data


def _is_threat_dragon(data: Any) -> bool:
    return isinstance(data, dict) and ("summary" in data or "detail" in data or ("templateMetadata" in data and "model" in data))


def _is_xml(root: Any) -> bool:
    # Every XML file is read as a .tm7: the translator names the root element when it is not one.
    return True


EXPORTS: dict[str, ExportFormat] = {
    item.name: item
    for item in (
        ExportFormat(
            "json",
            "Native JSON",
            "application/json",
            ".json",
            "The whole model in this product's own format; imports back exactly.",
            _native_bytes,
        ),
        ExportFormat(
            "otm",
            "Open Threat Model (OTM 0.2.0)",
            "application/json",
            ".otm.json",
            "The vendor-neutral interchange format (IriusRisk, StartLeft, threatcl); our STRIDE codes, ATT&CK ids, "
            "ratings and layout travel in its attributes and representations.",
            otm.otm_export_bytes,
        ),
        ExportFormat(
            "threat-dragon",
            "OWASP Threat Dragon v2",
            "application/json",
            ".threat-dragon.json",
            "A Threat Dragon v2 model (diagrams, boundaries and threats) that Threat Dragon opens.",
            threat_dragon.td_export_bytes,
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

# In the order formats are recognised in when the request does not name one.
IMPORTS: dict[str, ImportFormat] = {
    item.name: item
    for item in (
        ImportFormat(
            "json",
            "Native JSON",
            (".json",),
            "A model exported by this product.",
            ("application/json",),
            frozenset({"json"}),
            _is_native,
            one_document(_native_translation),
        ),
        ImportFormat(
            "otm",
            "Open Threat Model (JSON or YAML)",
            (".otm", ".json", ".yaml", ".yml"),
            "OTM 0.1.0 and 0.2.0.",
            ("application/json", "application/yaml"),
            frozenset({"json", "yaml"}),
            _is_otm,
            one_document(otm_read.otm_translate),
        ),
        ImportFormat(
            "threat-dragon",
            "OWASP Threat Dragon v1 or v2",
            (".json",),
            "Diagrams, boundaries and threats.",
            ("application/json",),
            frozenset({"json"}),
            _is_threat_dragon,
            one_document(threat_dragon.td_translate),
        ),
        ImportFormat(
            "tmt",
            "Microsoft Threat Modeling Tool (.tm7)",
            (".tm7",),
            "Diagrams, elements, flows, border and line boundaries, and the generated threats with their states.",
            ("application/xml",),
            frozenset({"xml"}),
            _is_xml,
            one_document(tmt.tmt_translate),
        ),
        ImportFormat(
            "kubernetes",
            "Kubernetes manifests (YAML or JSON; helm template and kustomize build output)",
            (".yaml", ".yml", ".json"),
            "Workloads, Services, Ingresses, Gateways, NetworkPolicies, RBAC and Namespaces, from one or several files; "
            "multi-document YAML and List kinds. A kind it does not know (a CRD's) is listed in the warnings.",
            ("application/yaml", "application/json"),
            frozenset({"json", "yaml"}),
            manifests.is_kubernetes,
            manifests.kubernetes_translate,
            several_files=True,
            parse=manifests.parse_manifests,
        ),
        ImportFormat(
            "compose",
            "Docker Compose",
            (".yaml", ".yml"),
            "Services, their ports, volumes, privileges and dependencies; several files merge like docker compose -f.",
            ("application/yaml",),
            frozenset({"json", "yaml"}),
            manifests.is_compose,
            manifests.compose_translate,
            several_files=True,
            parse=manifests.parse_compose,
        ),
    )
}
