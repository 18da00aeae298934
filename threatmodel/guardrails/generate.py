"""Generate the guardrails of a model: NetworkPolicies, Pod Security labels, admission policies, Kyverno.

``generate(document, kinds=..., namespace=...)`` returns a ``Bundle`` — the resources as plain
dicts, in apply order, and the warnings (what the diagram does not say well enough to enforce).
``render_yaml`` writes them as one multi-document YAML stream with ``yaml.safe_dump``.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

import yaml

from threatmodel.guardrails.controls import CONTAINERS, CONTROLS, NETWORK, POD_SECURITY, VOLUMES, Control, cel_list
from threatmodel.guardrails.read import Flow, Mitigation, ModelView, Threat, Workload, read_model

KINDS = ("networkpolicy", "psa", "vap", "kyverno")
ANNOTATION = "threatmodel.io"
NAMESPACE_LABEL = "kubernetes.io/metadata.name"
PRIVATE_RANGES = ("10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "169.254.0.0/16")  # and the metadata endpoint
API_SERVER_PORTS = ({"protocol": "TCP", "port": 443}, {"protocol": "TCP", "port": 6443})
_MAX_LISTED = 40


class GuardrailError(ValueError):
    """A request the generator cannot answer (an unknown kind or namespace, a bad parameter)."""


@dataclass
class Bundle:
    resources: list[dict[str, Any]] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    namespaces: list[str] = field(default_factory=list)


def slug(text: str, limit: int = 40) -> str:
    cleaned = re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")[:limit].strip("-")
    return cleaned or "model"


def _dns_name(*parts: str) -> str:
    return slug("-".join(p for p in parts if p), 63)


def _listed(values: Sequence[str]) -> str:
    shown = ", ".join(values[:_MAX_LISTED])
    return shown + (f" and {len(values) - _MAX_LISTED} more" if len(values) > _MAX_LISTED else "")


@dataclass(frozen=True)
class Scope:
    view: ModelView
    namespaces: tuple[str, ...]

    @cached_property
    def members(self) -> list[Workload]:
        return [w for w in self.view.workloads.values() if w.namespace in self.namespaces]

    def workloads(self) -> list[Workload]:
        return self.members

    @cached_property
    def flows_at(self) -> dict[str, list[Flow]]:
        """The flows that start or end at each element, by its key (built once: 2,000 workloads each ask)."""
        index: dict[str, list[Flow]] = defaultdict(list)
        for flow in self.view.flows:
            index[flow.source.key].append(flow)
            if flow.target.key != flow.source.key:
                index[flow.target.key].append(flow)
        return index

    @cached_property
    def threats_on(self) -> dict[str, list[Threat]]:
        index: dict[str, list[Threat]] = defaultdict(list)
        for threat in self.view.threats:
            if threat.status != "obsolete":
                index[threat.subject].append(threat)
        return index

    @cached_property
    def mitigations_of(self) -> dict[str, list[Mitigation]]:
        index: dict[str, list[Mitigation]] = defaultdict(list)
        for mitigation in self.view.mitigations:
            for fingerprint in mitigation.threats:
                index[fingerprint].append(mitigation)
        return index

    def annotations(self, control: Control, subjects: Iterable[str] | None = None) -> dict[str, str]:
        """What the resource enforces: threats (by fingerprint), the model's mitigations, the ATT&CK mitigation."""
        keys = set(subjects) if subjects is not None else {w.key for w in self.workloads()}
        keys |= {f.key for key in list(keys) for f in self.flows_at.get(key, ())}
        rules = set(control.rules)
        threats = sorted({t.fingerprint for key in keys for t in self.threats_on.get(key, ()) if t.rule_id in rules})
        chosen = {id(m): m for fp in threats for m in self.mitigations_of.get(fp, ())}
        chosen |= {id(m): m for m in self.view.mitigations if m.control in control.catalogue}
        mitigations = [m for m in self.view.mitigations if id(m) in chosen]  # in the model's order
        attack = sorted({control.attack_id, *(a for m in mitigations for a in m.attack if a.startswith("M"))})
        notes = {
            f"{ANNOTATION}/model": self.view.name[:200],
            f"{ANNOTATION}/enforces": control.title,
            f"{ANNOTATION}/rules": ", ".join(control.rules) or "none (hardening named by the catalogue controls)",
            f"{ANNOTATION}/controls": ", ".join(control.catalogue),
            f"{ANNOTATION}/threats": _listed(threats) if threats else "none open in the model; the policy keeps it so",
            f"{ANNOTATION}/mitigations": _listed([f"{m.ref} {m.title} ({m.status})" for m in mitigations])
            if mitigations
            else f"none recorded; proposed: {control.title}",
            f"{ANNOTATION}/attack-mitigations": ", ".join(attack),
            f"{ANNOTATION}/attack-mitigation-name": f"{control.attack_id} {control.attack_name}",
        }
        return notes


# --- NetworkPolicies -------------------------------------------------------------------------------------


def _selector(workload: Workload, home: str) -> dict[str, Any]:
    peer: dict[str, Any] = {"podSelector": {"matchLabels": dict(workload.labels)}}
    if workload.namespace != home:
        peer["namespaceSelector"] = {"matchLabels": {NAMESPACE_LABEL: workload.namespace}}
    return peer


def _rule(peers_key: str, peers: list[dict[str, Any]] | None, flow: Flow) -> dict[str, Any]:
    rule: dict[str, Any] = {}
    if peers is not None:
        rule[peers_key] = peers
    if flow.ports:
        rule["ports"] = [dict(p) for p in flow.ports]
    return rule


def _ingress(flow: Flow, home: str, warnings: list[str]) -> dict[str, Any] | None:
    source = flow.source
    if source.kind == "workload" and source.workload is not None:
        if not source.workload.labels:
            return None  # already warned: the caller cannot be selected
        return _rule("from", [_selector(source.workload, home)], flow)
    if source.kind in ("outside", "external"):
        return _rule("from", None, flow)  # any source, on the flow's ports
    if source.kind == "route":
        # The Ingress or Gateway controller's pods live in a namespace the diagram does not name.
        return _rule("from", [{"namespaceSelector": {}}], flow)
    warnings.append(f"{flow.key}: its source {source.name} is not a workload or an outside caller; not allowed.")
    return None


def _egress(flow: Flow, home: str, warnings: list[str]) -> dict[str, Any] | None:
    target = flow.target
    if target.kind == "workload" and target.workload is not None:
        if not target.workload.labels:
            return None
        return _rule("to", [_selector(target.workload, home)], flow)
    if target.kind == "api_server":
        return {"ports": [dict(p) for p in API_SERVER_PORTS]}
    if target.kind in ("external", "outside"):
        return _rule("to", [{"ipBlock": {"cidr": "0.0.0.0/0", "except": list(PRIVATE_RANGES)}}], flow)
    warnings.append(f"{flow.key}: its target {target.name} is not a workload, the API server or outside; not allowed.")
    return None


def network_policies(scope: Scope, warnings: list[str]) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    by_namespace: dict[str, list[Workload]] = defaultdict(list)
    for member in scope.workloads():
        by_namespace[member.namespace].append(member)
    for namespace in scope.namespaces:
        members = by_namespace.get(namespace, [])
        notes = scope.annotations(NETWORK, [w.key for w in members])
        out.append({
            "apiVersion": "networking.k8s.io/v1", "kind": "NetworkPolicy",
            "metadata": {"name": "default-deny-all", "namespace": namespace,
                         "annotations": {**notes, f"{ANNOTATION}/why": "Nothing flows that the diagram does not draw."}},
            "spec": {"podSelector": {}, "policyTypes": ["Ingress", "Egress"]},
        })  # fmt: skip
        out.append({
            "apiVersion": "networking.k8s.io/v1", "kind": "NetworkPolicy",
            "metadata": {"name": "allow-dns", "namespace": namespace,
                         "annotations": {**notes, f"{ANNOTATION}/why": "Name lookups to the cluster DNS: every drawn flow needs them; the diagram does not draw them."}},
            "spec": {"podSelector": {}, "policyTypes": ["Egress"], "egress": [{
                "to": [{"namespaceSelector": {"matchLabels": {NAMESPACE_LABEL: "kube-system"}},
                        "podSelector": {"matchLabels": {"k8s-app": "kube-dns"}}}],
                "ports": [{"protocol": "UDP", "port": 53}, {"protocol": "TCP", "port": 53}],
            }]},
        })  # fmt: skip
        for workload in sorted(members, key=lambda w: w.name):
            if not workload.labels:
                continue
            ingress, egress, flows = [], [], []
            for flow in scope.flows_at.get(workload.key, ()):
                rule = None
                if flow.target.key == workload.key:
                    rule = _ingress(flow, namespace, warnings)
                    if rule is not None:
                        ingress.append(rule)
                if flow.source.key == workload.key:
                    rule = _egress(flow, namespace, warnings)
                    if rule is not None:
                        egress.append(rule)
                touches = flow.target.key == workload.key or flow.source.key == workload.key
                if touches and not flow.ports and flow.target.kind in ("workload", "external", "outside"):
                    warnings.append(f"{flow.key}: the diagram names no ports for it; the allow opens every port.")
                if flow.target.key == workload.key or flow.source.key == workload.key:
                    flows.append(flow.key)
            if not ingress and not egress:
                continue
            spec: dict[str, Any] = {"podSelector": {"matchLabels": dict(workload.labels)}, "policyTypes": []}
            if ingress:
                spec["policyTypes"].append("Ingress")
                spec["ingress"] = ingress
            if egress:
                spec["policyTypes"].append("Egress")
                spec["egress"] = egress
            annotations = {**scope.annotations(NETWORK, [workload.key]), f"{ANNOTATION}/flows": _listed(sorted(set(flows)))}
            out.append({"apiVersion": "networking.k8s.io/v1", "kind": "NetworkPolicy",
                        "metadata": {"name": _dns_name(workload.name, "from-model"), "namespace": namespace,
                                     "annotations": annotations}, "spec": spec})  # fmt: skip
    return out


# --- Pod Security Admission --------------------------------------------------------------------------------

_NOT_BASELINE = ("privileged", "host_network", "host_pid", "host_ipc", "host_path", "dangerous_capabilities")


def _restricted_blockers(workload: Workload) -> list[str]:
    props = workload.properties
    reasons = [name for name in _NOT_BASELINE if props.get(name) is True]
    if props.get("runs_as_root") is not False:
        reasons.append("runs_as_root")
    if props.get("allow_privilege_escalation") is not False:
        reasons.append("allow_privilege_escalation")
    return reasons


def pod_security(scope: Scope) -> list[dict[str, Any]]:
    out = []
    for namespace in scope.namespaces:
        members = [w for w in scope.workloads() if w.namespace == namespace]
        blockers = {w.name: _restricted_blockers(w) for w in members}
        blocked = sorted(name for name, reasons in blockers.items() if reasons)
        level = "baseline" if blocked else "restricted"
        annotations = scope.annotations(POD_SECURITY, [w.key for w in members])
        if blocked:
            annotations[f"{ANNOTATION}/restricted-blocked-by"] = _listed(
                [f"{name} ({', '.join(blockers[name])})" for name in blocked]
            )
        out.append({
            "apiVersion": "v1", "kind": "Namespace",
            "metadata": {"name": namespace, "annotations": annotations, "labels": {
                NAMESPACE_LABEL: namespace,
                "pod-security.kubernetes.io/enforce": level, "pod-security.kubernetes.io/enforce-version": "latest",
                "pod-security.kubernetes.io/warn": "restricted", "pod-security.kubernetes.io/warn-version": "latest",
                "pod-security.kubernetes.io/audit": "restricted", "pod-security.kubernetes.io/audit-version": "latest",
            }},
        })  # fmt: skip
    return out


# --- admission: parameters, ValidatingAdmissionPolicies, Kyverno ------------------------------------------


def registry_of(image: str) -> str:
    first = image.split("/", 1)[0]
    if "/" in image and ("." in first or ":" in first or first == "localhost"):
        return first
    return "docker.io"


def accounts_needing_no_token(scope: Scope, namespace: str) -> list[str]:
    """Service accounts of the namespace whose every workload has no API rights (``sa_permissions: none``)."""
    rights: dict[str, set[str]] = {}
    for workload in scope.workloads():
        if workload.namespace == namespace:
            rights.setdefault(workload.service_account, set()).add(str(workload.properties.get("sa_permissions")))
    return sorted(account for account, seen in rights.items() if seen == {"none"})


def _params(scope: Scope, namespace: str | None, host_path_allow: Sequence[str], registries: Sequence[str] | None) -> dict[str, Any]:
    seen = sorted({registry_of(i) for w in scope.workloads() for i in w.images})
    params: dict[str, Any] = {"host_path_allow": list(host_path_allow), "registries": list(registries) if registries is not None else seen}
    if namespace is not None:
        params["accounts"] = accounts_needing_no_token(scope, namespace)
    return params


def _control_units(scope: Scope, host_path_allow: Sequence[str], registries: Sequence[str] | None) -> list[tuple[Control, str, tuple[str, ...], dict[str, Any]]]:
    """(control, name suffix, namespaces, parameters) for every policy to write."""
    prefix = slug(scope.view.name)
    units: list[tuple[Control, str, tuple[str, ...], dict[str, Any]]] = []
    for control in CONTROLS:
        if control.per_namespace:
            for namespace in scope.namespaces:
                params = _params(scope, namespace, host_path_allow, registries)
                if params["accounts"]:
                    units.append((control, f"{prefix}-{control.key}-{slug(namespace)}", (namespace,), params))
        else:
            units.append((control, f"{prefix}-{control.key}", scope.namespaces, _params(scope, None, host_path_allow, registries)))
    return units


def _subjects(scope: Scope, namespaces: Sequence[str]) -> list[str]:
    return [w.key for w in scope.workloads() if w.namespace in namespaces]


def admission_policies(scope: Scope, host_path_allow: Sequence[str], registries: Sequence[str] | None) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for control, name, namespaces, params in _control_units(scope, host_path_allow, registries):
        annotations = scope.annotations(control, _subjects(scope, namespaces))
        out.append({
            "apiVersion": "admissionregistration.k8s.io/v1", "kind": "ValidatingAdmissionPolicy",
            "metadata": {"name": name, "annotations": annotations},
            "spec": {
                "failurePolicy": "Fail",
                "matchConstraints": {"resourceRules": [{"apiGroups": [""], "apiVersions": ["v1"],
                                                         "operations": ["CREATE", "UPDATE"], "resources": ["pods", "pods/ephemeralcontainers"]}]},
                "variables": [{"name": "containers", "expression": CONTAINERS}, {"name": "volumes", "expression": VOLUMES}],
                "validations": [{"expression": control.cel(params), "message": control.message, "reason": "Forbidden"}],
            },
        })  # fmt: skip
        out.append({
            "apiVersion": "admissionregistration.k8s.io/v1", "kind": "ValidatingAdmissionPolicyBinding",
            "metadata": {"name": name, "annotations": {f"{ANNOTATION}/model": scope.view.name[:200],
                                                       f"{ANNOTATION}/enforces": control.title}},
            "spec": {"policyName": name, "validationActions": ["Deny"],
                     "matchResources": {"namespaceSelector": {"matchExpressions": [
                         {"key": NAMESPACE_LABEL, "operator": "In", "values": list(namespaces)}]}}},
        })  # fmt: skip
    return out


def kyverno_policies(scope: Scope, host_path_allow: Sequence[str], registries: Sequence[str] | None) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for control, name, namespaces, params in _control_units(scope, host_path_allow, registries):
        annotations = {
            **scope.annotations(control, _subjects(scope, namespaces)),
            "policies.kyverno.io/title": control.title,
            "policies.kyverno.io/category": "Pod Security",
            "policies.kyverno.io/severity": "high",
            "policies.kyverno.io/subject": "Pod",
            "policies.kyverno.io/description": control.message,
        }
        rule: dict[str, Any] = {
            "name": control.key,
            "match": {"any": [{"resources": {"kinds": ["Pod"], "namespaces": list(namespaces)}}]},
        }
        preconditions = control.kyverno_preconditions(params)
        if preconditions is not None:
            rule["preconditions"] = preconditions
        rule["validate"] = {"failureAction": "Enforce", "message": control.message, **control.kyverno(params)}
        out.append({"apiVersion": "kyverno.io/v1", "kind": "ClusterPolicy", "metadata": {"name": name, "annotations": annotations},
                    "spec": {"background": True, "rules": [rule]}})  # fmt: skip
    return out


def generate(
    document: Mapping[str, Any],
    *,
    kinds: Sequence[str] = KINDS,
    namespace: str | None = None,
    host_path_allow: Sequence[str] = (),
    registries: Sequence[str] | None = None,
) -> Bundle:
    """The guardrails of a model's native document (raises GuardrailError on a bad request)."""
    unknown = [k for k in kinds if k not in KINDS]
    if unknown:
        raise GuardrailError(f"unknown kind {unknown[0]!r}; expected one of {', '.join(KINDS)}")
    for value in (*host_path_allow, *(registries or ())):
        try:
            cel_list([value])
        except ValueError as exc:
            raise GuardrailError(str(exc)) from exc
    for path in host_path_allow:
        if not path.startswith("/") or path.rstrip("/") in ("", "/") or ".." in path.split("/"):
            raise GuardrailError(f"hostPath allow-list entry {path!r} must be an absolute path other than '/'")
    view = read_model(document)
    namespaces = view.namespaces
    if namespace is not None and namespace not in namespaces:
        listed = ", ".join(namespaces) or "none"
        raise GuardrailError(f"the model's diagrams have no workload in namespace {namespace!r}; they have: {listed}")
    scope = Scope(view, (namespace,) if namespace is not None else tuple(namespaces))
    warnings = list(view.warnings)
    resources: list[dict[str, Any]] = []
    if scope.namespaces:
        if "psa" in kinds:
            resources += pod_security(scope)
        if "networkpolicy" in kinds:
            resources += network_policies(scope, warnings)
        if "vap" in kinds:
            resources += admission_policies(scope, host_path_allow, [r.rstrip("/") for r in registries] if registries is not None else None)
        if "kyverno" in kinds:
            resources += kyverno_policies(scope, host_path_allow, [r.rstrip("/") for r in registries] if registries is not None else None)
    else:
        warnings.append("The model's diagrams have no Kubernetes workload (a process with a namespace); nothing to generate.")
    deduplicated = list(dict.fromkeys(warnings))
    return Bundle(resources, deduplicated, list(scope.namespaces))


def render_yaml(bundle: Bundle, *, title: str) -> str:
    """One YAML stream: a comment header (what it is, its warnings), then one document per resource."""
    header = [f"# {title}", "# Generated by the threat-modeling workbench: review before you apply (docs/guardrails.md)."]
    header += [f"# warning: {w}" for w in bundle.warnings]
    body = yaml.safe_dump_all(bundle.resources, sort_keys=False, default_flow_style=False, allow_unicode=True, width=120)
    return "\n".join(header) + "\n" + (f"---\n{body}" if bundle.resources else "")
