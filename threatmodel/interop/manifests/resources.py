"""Parsed manifest documents as resources, each knowing where it came from.

A document is a Kubernetes object when it has ``apiVersion``, ``kind`` and ``metadata.name``; a
``List`` (``kubectl get -o yaml``) holds its objects in ``items``. Every message names the file,
the document's position in it and the object (``deploy.yaml, document 3 (Deployment shop/cart)``),
then the field, so a person can find it without counting dashes.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from common.errors import ErrorDetail
from threatmodel.interop.sources import SourceDocument

# Kinds with no namespace: a namespace written on them means nothing.
CLUSTER_SCOPED = frozenset(
    {
        "Namespace", "ClusterRole", "ClusterRoleBinding", "PersistentVolume", "StorageClass", "Node",
        "CustomResourceDefinition", "PriorityClass", "MutatingWebhookConfiguration", "ValidatingWebhookConfiguration",
        "APIService", "RuntimeClass", "IngressClass", "GatewayClass", "ClusterIssuer", "PodSecurityPolicy",
        "ValidatingAdmissionPolicy", "ValidatingAdmissionPolicyBinding", "CSIDriver", "VolumeSnapshotClass",
    }
)  # fmt: skip
MAX_LIST_DEPTH = 4  # a List of Lists is legal; deeper is not a real export


@dataclass(frozen=True)
class Resource:
    kind: str
    api_version: str
    namespace: str  # "" for cluster-scoped kinds
    name: str
    body: Mapping[str, Any]
    where: str  # "file, document n (Kind ns/name)"

    @property
    def metadata(self) -> Mapping[str, Any]:
        value = self.body.get("metadata")
        return value if isinstance(value, Mapping) else {}

    @property
    def spec(self) -> Mapping[str, Any]:
        value = self.body.get("spec")
        return value if isinstance(value, Mapping) else {}

    @property
    def ident(self) -> str:
        return f"{self.namespace}/{self.name}" if self.namespace else self.name


def place(document: SourceDocument, item: int | None = None) -> str:
    name = document.file or "the file"
    where = f"{name}, document {document.index}"
    return f"{where}, items[{item}]" if item is not None else where


def read_resources(documents: Sequence[SourceDocument], problems: list[ErrorDetail]) -> list[Resource]:
    """Every object of the documents, ``List`` items expanded; problems go to ``problems`` with their place."""
    resources: list[Resource] = []
    for document in documents:
        _read(document.value, place(document), resources, problems, 0)
    return resources


def _read(value: Any, where: str, out: list[Resource], problems: list[ErrorDetail], depth: int) -> None:
    if not isinstance(value, Mapping):
        problems.append(
            {
                "path": where,
                "message": f"must be a Kubernetes object (a map with apiVersion and kind), not {_type(value)}",
            }
        )
        return
    kind, api_version = value.get("kind"), value.get("apiVersion")
    for field_name, got in (("kind", kind), ("apiVersion", api_version)):
        if not isinstance(got, str) or not got.strip():
            problems.append(
                {
                    "path": f"{where}, {field_name}",
                    "message": "is required: every Kubernetes object says its apiVersion and kind",
                }
            )
            return
    assert isinstance(kind, str) and isinstance(api_version, str)
    if kind == "List" or (kind.endswith("List") and isinstance(value.get("items"), list)):
        items = value.get("items")
        if not isinstance(items, list):
            problems.append({"path": f"{where}, items", "message": "must be a list of objects"})
            return
        if depth >= MAX_LIST_DEPTH:
            problems.append({"path": f"{where}, items", "message": f"Lists nest at most {MAX_LIST_DEPTH} deep"})
            return
        for position, item in enumerate(items):
            _read(item, f"{where}, items[{position}]", out, problems, depth + 1)
        return
    metadata = value.get("metadata")
    if api_version.startswith("kustomize.config.k8s.io/"):
        # Build input, not a cluster object: listed with the unknown kinds (``kustomize build`` gives the manifests).
        out.append(Resource(kind, api_version, "", "kustomization", value, f"{where} ({kind})"))
        return
    name = metadata.get("name") if isinstance(metadata, Mapping) else None
    if not isinstance(name, str) or not name.strip():
        problems.append({"path": f"{where} ({kind}), metadata.name", "message": "is required"})
        return
    namespace_raw = metadata.get("namespace") if isinstance(metadata, Mapping) else None
    if namespace_raw is not None and not isinstance(namespace_raw, str):
        problems.append({"path": f"{where} ({kind} {name}), metadata.namespace", "message": "must be a text"})
        return
    namespace = "" if kind in CLUSTER_SCOPED else (namespace_raw or "default")
    resource_where = f"{where} ({kind} {namespace + '/' if namespace else ''}{name})"
    out.append(Resource(kind, api_version, namespace, name.strip(), value, resource_where))


def _type(value: Any) -> str:
    if isinstance(value, list):
        return "a list"
    if isinstance(value, str):
        return "a text"
    return "a number" if isinstance(value, int | float) else type(value).__name__


def as_map(value: object) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}


def as_items(value: object) -> list[Any]:
    return value if isinstance(value, list) else []


def labels_of(value: object) -> dict[str, str]:
    return {str(k): str(v) for k, v in as_map(value).items() if isinstance(v, str | int | float | bool)}
