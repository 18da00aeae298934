"""The two import formats' behaviour for the registry: how a file is read, recognised and translated.

A Kubernetes file is a YAML stream of any number of documents (or one JSON object, as
``kubectl get -o json`` writes); a compose file is one YAML document with ``services``. Both
accept several files in one import. A translation refuses the whole upload when any document has
a problem, naming each one; what is only doubtful (a CRD, a Service named but not in the files)
is a warning in the answer.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from common.errors import ErrorDetail, ValidationFailed
from dfd.ops import DiagramState
from threatmodel.interop import safe_parse
from threatmodel.interop.manifests.compose import compose_inventory, is_compose
from threatmodel.interop.manifests.inventory import Inventory
from threatmodel.interop.manifests.kubernetes import kubernetes_inventory
from threatmodel.interop.manifests.mapping import diagram_state
from threatmodel.interop.manifests.resources import read_resources
from threatmodel.interop.sources import SourceDocument, SourceFile
from threatmodel.interop.translate import NativeBuilder, Translation

MAX_PROBLEMS = 100


def parse_manifests(source: SourceFile) -> list[SourceDocument]:
    """Every document of one manifest file, with its position in the file."""
    first = safe_parse.first_significant_byte(source.raw)
    if not first:
        raise ValidationFailed("The file is empty.", details=[{"path": source.name or "$", "message": "no documents"}])
    if first in (b"{", b"["):
        return [SourceDocument("json", _named(source, safe_parse.load_json), source.name, 1)]
    try:
        documents = safe_parse.load_yaml_documents(source.raw)
    except ValidationFailed as exc:
        raise _in_file(source.name, exc, source.raw) from exc
    return [SourceDocument("yaml", value, source.name, index) for index, value in documents]


def parse_compose(source: SourceFile) -> list[SourceDocument]:
    first = safe_parse.first_significant_byte(source.raw)
    if not first:
        raise ValidationFailed("The file is empty.", details=[{"path": source.name or "$", "message": "no documents"}])
    loader = safe_parse.load_json if first in (b"{", b"[") else safe_parse.load_yaml
    return [SourceDocument("json" if first in (b"{", b"[") else "yaml", _named(source, loader), source.name, 1)]


def _named(source: SourceFile, loader: Any) -> Any:
    try:
        return loader(source.raw)
    except ValidationFailed as exc:
        raise _in_file(source.name, exc, source.raw) from exc


def _in_file(name: str, exc: ValidationFailed, raw: bytes = b"") -> ValidationFailed:
    message = exc.message
    if b"{{" in raw:
        message += " It looks like an unrendered Helm template: import the output of `helm template` instead."
    if not name:
        return ValidationFailed(message, details=exc.details)
    return ValidationFailed(
        f"{name}: {message}",
        details=[{"path": f"{name}, {d['path']}", "message": d["message"]} for d in exc.details],
    )


def is_kubernetes(value: Any) -> bool:
    return (
        isinstance(value, Mapping) and isinstance(value.get("kind"), str) and isinstance(value.get("apiVersion"), str)
    )


def inventory_of(fmt: str, documents: Sequence[SourceDocument]) -> Inventory:
    """The inventory of an upload, or a refusal listing every problem with its document and field."""
    problems: list[ErrorDetail] = []
    if fmt == "kubernetes":
        inventory = kubernetes_inventory(read_resources(documents, problems), problems)
    else:
        inventory = compose_inventory(documents, problems)
    if problems:
        raise ValidationFailed(
            f"The manifests have {len(problems)} problem(s); nothing was imported.", details=problems[:MAX_PROBLEMS]
        )
    return inventory


def wanted_state(
    fmt: str, documents: Sequence[SourceDocument]
) -> tuple[DiagramState, dict[str, str], list[str], Inventory]:
    inventory = inventory_of(fmt, documents)
    state, origins, warnings = diagram_state(inventory)
    return state, origins, warnings, inventory


def _translate(fmt: str, documents: Sequence[SourceDocument]) -> Translation:
    state, origins, warnings, inventory = wanted_state(fmt, documents)
    files = sorted({document.file for document in documents if document.file})
    label = "Kubernetes manifests" if fmt == "kubernetes" else "Docker Compose"
    builder = NativeBuilder(fmt)
    builder.model["name"] = f"{label}: {', '.join(files)}"[:200] if files else label
    builder.model["description"] = (
        f"Imported from {len(documents)} document(s) in {max(len(files), 1)} file(s): "
        f"{len(inventory.workloads)} workload(s), {len(inventory.services)} Service(s), {len(inventory.routes)} entry route(s)."
    )
    first = f"{files[0]}, document 1" if files else "document 1"
    builder.add_state(state, name=label, origin=first, origins=origins)
    for message in warnings:
        builder.warn(message)
    translation = builder.translation()
    translation.summary.skipped = len(inventory.unknown)
    return translation


def kubernetes_translate(documents: Sequence[SourceDocument]) -> Translation:
    return _translate("kubernetes", documents)


def compose_translate(documents: Sequence[SourceDocument]) -> Translation:
    return _translate("compose", documents)


__all__ = [
    "compose_translate",
    "is_compose",
    "is_kubernetes",
    "kubernetes_translate",
    "parse_compose",
    "parse_manifests",
    "wanted_state",
]
