"""What the generators read from a model's native document: namespaces, workloads, flows, threats, mitigations.

A workload is a process element carrying a namespace (``extra["Namespace"]`` as the manifests
importer writes it, or the namespace boundary it sits in); its pod labels (``extra["Pod labels"]``,
``k=v, k=v``) are what a NetworkPolicy selects it by, and a flow's ``extra["Target ports"]`` the
pods' ports it arrives on. An element drawn by hand can carry the same entries.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

_DNS_LABEL = re.compile(r"^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$")
_LABEL_KEY = re.compile(r"^([a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?/)?[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$")
_LABEL_VALUE = re.compile(r"^([A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?)?$")
_PORT = re.compile(r"^\s*([0-9]{1,5}|[a-z0-9]([-a-z0-9]{0,13}[a-z0-9])?)\s*/\s*(TCP|UDP|SCTP)\s*$", re.I)


@dataclass(frozen=True)
class Workload:
    key: str
    name: str
    namespace: str
    kind: str
    labels: dict[str, str]
    service_account: str
    properties: Mapping[str, Any]
    images: tuple[str, ...]


@dataclass(frozen=True)
class Peer:
    """The other end of a flow, as a NetworkPolicy can name it."""

    key: str
    kind: str  # workload / outside (internet, node clients) / route (an Ingress or Gateway) / api_server / external / own_store / unknown
    workload: Workload | None = None
    name: str = ""


@dataclass(frozen=True)
class Flow:
    key: str
    source: Peer
    target: Peer
    ports: tuple[dict[str, Any], ...]  # NetworkPolicy ports; () when the diagram names none


@dataclass(frozen=True)
class Threat:
    fingerprint: str
    rule_id: str
    title: str
    subject: str  # element or flow key
    status: str


@dataclass(frozen=True)
class Mitigation:
    ref: str
    title: str
    control: str
    attack: tuple[str, ...]
    threats: tuple[str, ...]
    status: str


@dataclass
class ModelView:
    name: str
    workloads: dict[str, Workload] = field(default_factory=dict)
    flows: list[Flow] = field(default_factory=list)
    threats: list[Threat] = field(default_factory=list)
    mitigations: list[Mitigation] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    @property
    def namespaces(self) -> list[str]:
        return sorted({w.namespace for w in self.workloads.values()})


def parse_labels(text: str) -> dict[str, str] | None:
    """``k=v, k=v`` as a dict; None when an entry is not a valid Kubernetes label."""
    labels: dict[str, str] = {}
    for part in (p.strip() for p in text.split(",")):
        if not part:
            continue
        key, sep, value = part.partition("=")
        if not sep or not _LABEL_KEY.match(key.strip()) or not _LABEL_VALUE.match(value.strip()):
            return None
        labels[key.strip()] = value.strip()
    return labels or None


def parse_ports(text: str) -> tuple[dict[str, Any], ...] | None:
    """``8080/TCP, grpc/TCP`` as NetworkPolicy ports; None when an entry is not a port."""
    ports: list[dict[str, Any]] = []
    for part in (p for p in text.split(",") if p.strip()):
        match = _PORT.match(part)
        if not match:
            return None
        value: int | str = int(match.group(1)) if match.group(1).isdigit() else match.group(1)
        if isinstance(value, int) and not 1 <= value <= 65535:
            return None
        port = {"protocol": match.group(3).upper(), "port": value}
        if port not in ports:
            ports.append(port)
    return tuple(ports)


def _extra(item: Mapping[str, Any]) -> Mapping[str, Any]:
    extra = (item.get("properties") or {}).get("extra")
    return extra if isinstance(extra, Mapping) else {}


def _namespace_of(element: Mapping[str, Any], boundaries: Mapping[str, Mapping[str, Any]]) -> str:
    declared = _extra(element).get("Namespace")
    if isinstance(declared, str) and declared.strip():
        return declared.strip()
    parent = boundaries.get(str(element.get("parent") or ""))
    if parent and (parent.get("properties") or {}).get("boundary_type") == "namespace":
        name = str(parent.get("name") or "")
        return name.removeprefix("Namespace ").strip()
    return ""


def read_model(document: Mapping[str, Any]) -> ModelView:
    view = ModelView(name=str((document.get("threat_model") or {}).get("name") or "model"))
    elements: dict[str, Mapping[str, Any]] = {}
    flows: list[Mapping[str, Any]] = []
    for diagram in document.get("diagrams") or []:
        for element in diagram.get("elements") or []:
            elements[str(element["key"])] = element
        flows += list(diagram.get("flows") or [])
    boundaries = {k: e for k, e in elements.items() if e.get("kind") == "trust_boundary"}
    for key, element in elements.items():
        if element.get("kind") != "process":
            continue
        namespace = _namespace_of(element, boundaries)
        if not namespace:
            continue
        if not _DNS_LABEL.match(namespace):
            view.warnings.append(f"{key}: namespace {namespace!r} is not a Kubernetes name; left out.")
            continue
        extra = _extra(element)
        kind = str(extra.get("Kubernetes kind") or "")
        name = str(element.get("name") or key)
        if kind and name.endswith(f" ({kind})"):
            name = name[: -len(kind) - 3]
        labels = parse_labels(str(extra.get("Pod labels") or ""))
        if labels is None:
            view.warnings.append(
                f"{key} ({name}): no valid 'Pod labels' in its imported facts; no NetworkPolicy can select it."
            )
        account = str(extra.get("Service account") or f"{namespace}/default").split("/", 1)[-1]
        images = tuple(i.strip() for i in str(extra.get("Images") or "").split(",") if i.strip())
        view.workloads[key] = Workload(key, name, namespace, kind, labels or {}, account,
                                       dict(element.get("properties") or {}), images)  # fmt: skip
    for flow in flows:
        source = _peer(str(flow.get("source")), elements, view)
        target = _peer(str(flow.get("target")), elements, view)
        text = str(_extra(flow).get("Target ports") or "")
        ports = parse_ports(text) if text else ()
        if ports is None:
            view.warnings.append(f"{flow['key']}: its 'Target ports' {text!r} are not ports; the flow opens every port.")
            ports = ()
        if target.kind == "own_store" or source.kind == "own_store":
            continue
        view.flows.append(Flow(str(flow["key"]), source, target, ports))
    for threat in document.get("threats") or []:
        view.threats.append(
            Threat(str(threat.get("fingerprint")), str(threat.get("rule_id") or ""), str(threat.get("title") or ""),
                   str(threat.get("flow") or threat.get("element") or ""), str(threat.get("status") or ""))
        )
    for mitigation in document.get("mitigations") or []:
        view.mitigations.append(
            Mitigation(str(mitigation.get("ref")), str(mitigation.get("title") or ""), str(mitigation.get("control") or ""),
                       tuple(mitigation.get("attack_mitigations") or ()), tuple(mitigation.get("threats") or ()),
                       str(mitigation.get("status") or ""))
        )
    return view


def _peer(key: str, elements: Mapping[str, Mapping[str, Any]], view: ModelView) -> Peer:
    if key in view.workloads:
        return Peer(key, "workload", view.workloads[key])
    element = elements.get(key) or {}
    props = element.get("properties") or {}
    name = str(element.get("name") or key)
    if key.endswith(":data") and key.removesuffix(":data") in view.workloads:
        return Peer(key, "own_store", name=name)
    if props.get("component") == "kube_apiserver":
        return Peer(key, "api_server", name=name)
    if props.get("component") in ("ingress_controller", "api_gateway"):
        return Peer(key, "route", name=name)
    if element.get("kind") == "external_entity":
        return Peer(key, "outside" if key.endswith(("internet-clients", "node-clients")) else "external", name=name)
    return Peer(key, "unknown", name=name)
