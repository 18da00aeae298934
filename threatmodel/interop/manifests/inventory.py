"""What a reader found, in terms both readers share: workloads, entry points, references, namespaces.

The Kubernetes and the compose reader each fill an ``Inventory``; the mapping to a diagram reads
only this, so the rules for "a workload is a data store" or "a reference becomes a flow" are
written once. Properties here are already in the vocabulary's names and values (``dfd.vocabulary``);
what has no property of its own goes in ``extra`` under a readable name.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
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
    host_target_ports: list[str] = field(default_factory=list)  # the containerPort/protocol behind each hostPort


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
    # The pods' side of each port (``targetPort``, a number or a container port's name, with its
    # protocol): what a NetworkPolicy in front of the selected pods must open (``threatmodel.guardrails``).
    target_ports: list[str] = field(default_factory=list)
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


SELECTOR_OPERATORS = ("In", "NotIn", "Exists", "DoesNotExist")


@dataclass(frozen=True)
class Selector:
    """A label selector as Kubernetes reads it: every ``matchLabels`` pair and every ``matchExpressions``
    requirement (In, NotIn, Exists, DoesNotExist) must hold; an empty selector selects everything."""

    labels: tuple[tuple[str, str], ...] = ()
    expressions: tuple[tuple[str, str, frozenset[str]], ...] = ()
    unreadable: bool = False  # a requirement Kubernetes would refuse: taken to select nothing (and warned about)

    @property
    def empty(self) -> bool:
        return not self.labels and not self.expressions and not self.unreadable

    def matches(self, labels: Mapping[str, str]) -> bool:
        if self.unreadable or any(labels.get(key) != value for key, value in self.labels):
            return False
        for key, operator, values in self.expressions:
            present = key in labels
            if operator == "In" and not (present and labels[key] in values):
                return False
            if (operator == "NotIn" and present and labels[key] in values) or (operator == "DoesNotExist" and present):
                return False
            if operator == "Exists" and not present:
                return False
        return True


def read_selector(value: object) -> tuple[Selector, str]:
    """A label selector from a manifest, and '' or what is wrong with it (``matchExpressions[0]: …``):
    a requirement the API server would refuse makes a selector that selects nothing."""
    entry = value if isinstance(value, Mapping) else {}
    raw_labels = entry.get("matchLabels")
    labels = {str(k): str(v) for k, v in raw_labels.items()} if isinstance(raw_labels, Mapping) else {}
    raw_expressions = entry.get("matchExpressions")
    expressions: list[tuple[str, str, frozenset[str]]] = []
    for index, item in enumerate(raw_expressions if isinstance(raw_expressions, list) else []):
        requirement = item if isinstance(item, Mapping) else {}
        key, operator, raw_values = requirement.get("key"), requirement.get("operator"), requirement.get("values")
        values = frozenset(str(v) for v in raw_values) if isinstance(raw_values, list) else frozenset()
        problem = (
            "has no key" if not isinstance(key, str) or not key
            else f"operator {operator!r} is none of {', '.join(SELECTOR_OPERATORS)}" if operator not in SELECTOR_OPERATORS
            else f"{operator} needs values" if operator in ("In", "NotIn") and not values
            else f"{operator} takes no values" if operator in ("Exists", "DoesNotExist") and values
            else ""
        )  # fmt: skip
        if problem:
            return Selector(unreadable=True), f"matchExpressions[{index}]: {problem}"
        expressions.append((str(key), str(operator), values))
    return Selector(tuple(sorted(labels.items())), tuple(expressions)), ""


@dataclass
class Allow:
    """A NetworkPolicy ingress rule naming its sources by labels: evidence of who calls whom."""

    namespace: str
    targets: Selector  # pod selector of the policy
    sources: Selector  # pod selector of the rule's ``from`` peer (empty: every pod of the namespaces)
    source_namespaces: Selector | None  # the peer's namespaceSelector; None: the policy's own namespace
    ports: list[str]
    where: str


@dataclass
class Policy:
    """A NetworkPolicy's reach: the pods it selects (empty: every pod of its namespace) and its directions."""

    namespace: str
    targets: Selector
    ingress: bool
    egress: bool


@dataclass
class Namespace:
    name: str
    where: str = ""
    default_deny: bool = False
    pod_security: str = ""  # privileged / baseline / restricted / "" (not labelled)
    declared: bool = False
    labels: dict[str, str] = field(default_factory=dict)  # a Namespace object's labels (only its name when not declared)

    def __post_init__(self) -> None:
        self.labels.setdefault("kubernetes.io/metadata.name", self.name)  # set by the API server on every namespace


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
