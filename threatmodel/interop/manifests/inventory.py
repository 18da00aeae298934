"""What a reader found, in terms both readers share: workloads, entry points, references, namespaces.

The Kubernetes and the compose reader each fill an ``Inventory``; the mapping to a diagram reads
only this, so the rules for "a workload is a data store" or "a reference becomes a flow" are
written once. Properties here are already in the vocabulary's names and values (``dfd.vocabulary``);
what has no property of its own goes in ``extra`` under a readable name.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from typing import Any

from dfd.limits import KEY_MAX, KEY_RE


def stable_key(*parts: str) -> str:
    """A diagram key from kind, namespace and name: readable when it fits, shortened with a hash when not.

    The same resource always gives the same key, which is what a re-import matches by.
    """
    raw = ":".join(part.lower() for part in parts if part)
    cleaned = "".join(ch if ch.isalnum() or ch in "_.:-" else "-" for ch in raw).strip("_.:-") or "resource"
    if len(cleaned) <= KEY_MAX and KEY_RE.match(cleaned):
        return cleaned
    digest = hashlib.sha1(raw.encode("utf-8"), usedforsecurity=False).hexdigest()[:10]
    return f"{cleaned[: KEY_MAX - 11].rstrip('_.:-')}-{digest}"


def flow_key(prefix: str, source: str, target: str) -> str:
    """A flow's key from its source's prefix (``k8s``, ``compose``) and the keys of its ends: one flow per pair."""
    digest = hashlib.sha1(f"{source}|{target}".encode(), usedforsecurity=False).hexdigest()[:10]
    short = source.rsplit(":", 1)[-1][:24], target.rsplit(":", 1)[-1][:24]
    return stable_key(prefix, "flow", f"{short[0]}--{short[1]}-{digest}")


@dataclass
class Workload:
    """One workload (a pod template, a compose service): one process in the diagram."""

    key: str
    kind: str  # Deployment, StatefulSet, compose service…
    namespace: str  # "" for compose
    name: str
    where: str  # the place in the files it came from, for messages
    properties: dict[str, Any] = field(default_factory=dict)
    extra: dict[str, str] = field(default_factory=dict)
    images: list[str] = field(default_factory=list)
    labels: dict[str, str] = field(default_factory=dict)
    service_account: str = ""
    # (text, field) pairs that may name another workload's Service or compose service.
    mentions: list[tuple[str, str]] = field(default_factory=list)
    depends_on: list[str] = field(default_factory=list)
    store_kind: str = ""  # database / cache / message_queue / "" — the component of its data store
    has_volume_claims: bool = False
    exposure: str = "internal"
    host_ports: list[str] = field(default_factory=list)


@dataclass
class Service:
    """A Kubernetes Service: a name other workloads call, and the workloads it selects."""

    namespace: str
    name: str
    type: str  # ClusterIP, NodePort, LoadBalancer, ExternalName
    where: str
    selector: dict[str, str]
    ports: list[str]
    headless: bool = False
    external_name: str = ""


@dataclass
class Route:
    """An Ingress, a Gateway's HTTPRoute: traffic from outside the cluster to Services."""

    key: str
    kind: str  # Ingress, Gateway
    namespace: str
    name: str
    where: str
    backends: list[tuple[str, str]]  # (namespace, service name)
    tls: bool | None
    component: str  # ingress_controller / api_gateway
    hosts: list[str] = field(default_factory=list)


@dataclass
class Allow:
    """A NetworkPolicy ingress rule naming its sources by pod labels: evidence of who calls whom."""

    namespace: str
    targets: dict[str, str]  # pod selector of the policy
    sources: dict[str, str]  # pod selector of the rule's ``from``
    source_namespace: str  # the namespace the sources are in
    ports: list[str]
    where: str


@dataclass
class Policy:
    """A NetworkPolicy's reach: the pods it selects (``{}`` is every pod of its namespace) and its directions."""

    namespace: str
    targets: dict[str, str]
    ingress: bool
    egress: bool


@dataclass
class Namespace:
    name: str
    where: str = ""
    default_deny: bool = False
    pod_security: str = ""  # privileged / baseline / restricted / "" (not labelled)
    declared: bool = False


@dataclass
class Inventory:
    source: str  # "kubernetes" or "compose"
    workloads: dict[str, Workload] = field(default_factory=dict)
    services: list[Service] = field(default_factory=list)
    routes: list[Route] = field(default_factory=list)
    allows: list[Allow] = field(default_factory=list)
    policies: list[Policy] = field(default_factory=list)
    namespaces: dict[str, Namespace] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)
    unknown: list[str] = field(default_factory=list)  # "VirtualService bookinfo/reviews (file, document 2)"
    origins: dict[str, str] = field(default_factory=dict)  # element key -> place in the files

    def warn(self, message: str) -> None:
        if message not in self.warnings and len(self.warnings) < 200:
            self.warnings.append(message)
