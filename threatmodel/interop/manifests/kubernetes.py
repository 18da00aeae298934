"""The Kubernetes reader: resources of a manifest set into the shared inventory.

Every kind with a pod template is one workload (a CronJob's template is two levels down); a
workload kind without one is an error that names the document and field, since it would be a
process with no facts. Services, Ingresses, Gateway API Gateways and HTTPRoutes, NetworkPolicies,
ServiceAccounts and RBAC, Namespaces (Pod Security Admission labels) feed the mapping; Secrets,
ConfigMaps, PVCs and the other built-in kinds that carry no flow are read for references only.
A kind this reader does not know (a CRD's) is kept in the answer as an unknown resource, not an
error. ``helm template`` and ``kustomize build`` write plain manifests, so they need nothing more.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from common.errors import ErrorDetail
from threatmodel.interop.manifests import images
from threatmodel.interop.manifests.inventory import (
    Allow,
    Inventory,
    Namespace,
    Policy,
    Route,
    Selector,
    Service,
    Workload,
    read_selector,
    stable_key,
)
from threatmodel.interop.manifests.pods import containers_of, pod_facts, secret_and_config_refs
from threatmodel.interop.manifests.rbac import RbacIndex
from threatmodel.interop.manifests.resources import Resource, as_items, as_map, labels_of

# Where each workload kind keeps its pod template.
TEMPLATE_PATHS: dict[str, tuple[str, ...]] = {
    "Pod": (),
    "Deployment": ("spec", "template"),
    "ReplicaSet": ("spec", "template"),
    "ReplicationController": ("spec", "template"),
    "StatefulSet": ("spec", "template"),
    "DaemonSet": ("spec", "template"),
    "Job": ("spec", "template"),
    "CronJob": ("spec", "jobTemplate", "spec", "template"),
}
# Built-in kinds that are read for what they say about others, or that carry nothing for a DFD.
KNOWN_QUIET = frozenset(
    {"Secret", "ConfigMap", "PersistentVolumeClaim", "PersistentVolume", "StorageClass", "HorizontalPodAutoscaler",
     "PodDisruptionBudget", "LimitRange", "ResourceQuota", "PriorityClass", "Endpoints", "EndpointSlice",
     "CustomResourceDefinition", "MutatingWebhookConfiguration", "ValidatingWebhookConfiguration", "APIService",
     "IngressClass", "GatewayClass", "RuntimeClass", "PodSecurityPolicy", "ValidatingAdmissionPolicy",
     "ValidatingAdmissionPolicyBinding", "ReferenceGrant", "GRPCRoute", "TCPRoute", "TLSRoute", "UDPRoute", "Event"}
)  # fmt: skip
MODELLED = frozenset({*TEMPLATE_PATHS, "Service", "Ingress", "Gateway", "HTTPRoute", "NetworkPolicy", "ServiceAccount",
                      "Role", "ClusterRole", "RoleBinding", "ClusterRoleBinding", "Namespace"})  # fmt: skip
_PSA = "pod-security.kubernetes.io/enforce"
_DASHBOARD = re.compile(r"kubernetes-?dashboard|kubernetesui/dashboard")


def kubernetes_inventory(resources: list[Resource], problems: list[ErrorDetail]) -> Inventory:
    inventory = Inventory("kubernetes")
    for resource in resources:
        if resource.namespace:
            inventory.namespaces.setdefault(resource.namespace, Namespace(resource.namespace))
        if resource.kind == "Namespace":
            _namespace(inventory, resource)
        elif resource.kind not in MODELLED and resource.kind not in KNOWN_QUIET:
            # An unknown kind's scope is unknown too: name its namespace only when the file gives one.
            declared = resource.metadata.get("namespace")
            ident = f"{declared}/{resource.name}" if isinstance(declared, str) and declared else resource.name
            inventory.unknown.append(f"{resource.kind} {ident} ({resource.where.split(' (')[0]})")
    accounts = {(r.namespace, r.name): r for r in resources if r.kind == "ServiceAccount"}
    rbac = RbacIndex(resources)
    for resource in resources:
        if resource.kind in TEMPLATE_PATHS:
            workload = _workload(resource, accounts, rbac, problems)
            if workload is not None:
                if workload.key in inventory.workloads:
                    # As kubectl apply would: the later object replaces the earlier one of the same kind and name.
                    inventory.warn(
                        f"{resource.where} has the kind, namespace and name of {inventory.origins[workload.key]}; the later one is used."
                    )
                inventory.workloads[workload.key] = workload
                inventory.origins[workload.key] = resource.where
        elif resource.kind == "Service":
            inventory.services.append(_service(resource))
        elif resource.kind == "NetworkPolicy":
            _network_policy(inventory, resource)
    for message in rbac.missing:
        inventory.warn(message)
    for resource in resources:
        if resource.kind in ("Ingress", "Gateway"):
            inventory.routes.append(_route(resource, resources))
            inventory.origins[inventory.routes[-1].key] = resource.where
    return inventory


def _namespace(inventory: Inventory, resource: Resource) -> None:
    namespace = inventory.namespaces.setdefault(resource.name, Namespace(resource.name))
    namespace.where, namespace.declared = resource.where, True
    namespace.labels.update(labels_of(resource.metadata.get("labels")))
    level = namespace.labels.get(_PSA, "")
    if level in ("privileged", "baseline", "restricted"):
        namespace.pod_security = level


def _template(resource: Resource, problems: list[ErrorDetail]) -> tuple[Mapping[str, Any], Mapping[str, Any]] | None:
    """The pod template's (metadata, spec), or a problem naming the missing field."""
    node: Any = resource.body
    walked: list[str] = []
    for step in TEMPLATE_PATHS[resource.kind]:
        walked.append(step)
        node = node.get(step) if isinstance(node, Mapping) else None
        if not isinstance(node, Mapping):
            problems.append({"path": f"{resource.where}, {'.'.join(walked)}",
                             "message": f"is missing: a {resource.kind} needs a pod template ({'.'.join(TEMPLATE_PATHS[resource.kind])})"})  # fmt: skip
            return None
    spec = node.get("spec")
    field_name = ".".join([*TEMPLATE_PATHS[resource.kind], "spec"])
    if not isinstance(spec, Mapping) or not as_items(spec.get("containers")):
        problems.append(
            {"path": f"{resource.where}, {field_name}.containers", "message": "must list at least one container"}
        )
        return None
    for position, container in enumerate(as_items(spec.get("containers"))):
        if not isinstance(as_map(container).get("image"), str):
            problems.append(
                {
                    "path": f"{resource.where}, {field_name}.containers[{position}].image",
                    "message": "is required (a text)",
                }
            )
            return None
    return as_map(node.get("metadata")), spec


def _workload(
    resource: Resource, accounts: dict[tuple[str, str], Resource], rbac: RbacIndex, problems: list[ErrorDetail]
) -> Workload | None:
    template = _template(resource, problems)
    if template is None:
        return None
    metadata, pod = template
    containers = containers_of(pod)
    refs = [str(c["image"]) for c in containers if isinstance(c.get("image"), str)]
    workload = Workload(
        key=stable_key("k8s", resource.kind, resource.namespace, resource.name),
        kind=resource.kind,
        namespace=resource.namespace,
        name=resource.name,
        where=resource.where,
        properties={"component": "workload", **pod_facts(pod, as_map(metadata.get("annotations")))},
        images=refs,
        labels=labels_of(metadata.get("labels"))
        or (labels_of(resource.metadata.get("labels")) if resource.kind == "Pod" else {}),
    )
    if refs:
        workload.properties["technology"] = refs[0][:120]
    if any(_DASHBOARD.search(ref) for ref in refs):
        workload.properties.update({"component": "kubernetes_dashboard", "exposes_k8s_api": True})
    _account(workload, pod, accounts, rbac)
    _volumes(workload, resource, pod)
    for container in containers:
        name = str(container.get("name", ""))
        for var in as_items(container.get("env")):
            entry = as_map(var)
            if isinstance(entry.get("value"), str):
                workload.mentions.append((entry["value"], f"containers[{name}].env[{entry.get('name')}]"))
        for key in ("args", "command"):
            workload.mentions += [
                (arg, f"containers[{name}].{key}") for arg in as_items(container.get(key)) if isinstance(arg, str)
            ]
        for port in as_items(container.get("ports")):
            if as_map(port).get("hostPort"):
                workload.host_ports.append(str(as_map(port)["hostPort"]))
                target = as_map(port).get("containerPort") or as_map(port)["hostPort"]
                workload.host_target_ports.append(f"{target}/{as_map(port).get('protocol', 'TCP')}")
    workload.store_kind = next((kind for kind in map(images.store_kind, refs) if kind), "")
    workload.extra.update(
        {"Kubernetes kind": resource.kind, "Namespace": resource.namespace, "Images": ", ".join(refs)[:2000]}
    )
    if workload.labels:  # what a generated NetworkPolicy selects the pods by (threatmodel.guardrails)
        workload.extra["Pod labels"] = ", ".join(f"{k}={v}" for k, v in sorted(workload.labels.items()))[:2000]
    return workload


def _account(
    workload: Workload, pod: Mapping[str, Any], accounts: dict[tuple[str, str], Resource], rbac: RbacIndex
) -> None:
    name = str(pod.get("serviceAccountName") or pod.get("serviceAccount") or "default")
    workload.service_account = name
    declared = accounts.get((workload.namespace, name))
    automount = pod.get("automountServiceAccountToken")
    if not isinstance(automount, bool):  # the pod's own setting wins over its service account's
        account_value = declared.body.get("automountServiceAccountToken") if declared else None
        automount = account_value if isinstance(account_value, bool) else True
    workload.properties["automount_sa_token"] = automount
    rights = rbac.rights(workload.namespace, name)
    workload.properties.update(rights.properties())
    workload.extra["Service account"] = f"{workload.namespace}/{name}"
    if rights.roles:
        workload.extra["RBAC roles"] = ", ".join(rights.roles)[:2000]


def _volumes(workload: Workload, resource: Resource, pod: Mapping[str, Any]) -> None:
    secrets, configs = secret_and_config_refs(pod)
    claims = [str(as_map(as_map(v).get("persistentVolumeClaim")).get("claimName")) for v in as_items(pod.get("volumes"))
              if as_map(as_map(v).get("persistentVolumeClaim")).get("claimName")]  # fmt: skip
    templates = [
        str(as_map(as_map(t).get("metadata")).get("name")) for t in as_items(resource.spec.get("volumeClaimTemplates"))
    ]
    workload.has_volume_claims = bool(claims or templates)
    for label, names in (("Secrets", secrets), ("ConfigMaps", configs), ("Volume claims", {*claims, *templates})):
        if names:
            workload.extra[label] = ", ".join(sorted(names))[:2000]


def _service(resource: Resource) -> Service:
    spec = resource.spec
    ports, target_ports = [], []
    for port in as_items(spec.get("ports")):
        entry = as_map(port)
        text = f"{entry.get('port', '')}/{entry.get('protocol', 'TCP')}"
        ports.append(f"{text} (node {entry['nodePort']})" if entry.get("nodePort") else text)
        target_ports.append(f"{entry.get('targetPort') or entry.get('port', '')}/{entry.get('protocol', 'TCP')}")
    kind = str(spec.get("type") or "ClusterIP")
    return Service(
        namespace=resource.namespace,
        name=resource.name,
        type=kind,
        where=resource.where,
        selector=labels_of(spec.get("selector")),
        ports=ports,
        target_ports=target_ports,
        headless=spec.get("clusterIP") == "None",
        external_name=str(spec.get("externalName") or "") if kind == "ExternalName" else "",
    )


def _route(resource: Resource, resources: list[Resource]) -> Route:
    if resource.kind == "Ingress":
        spec = resource.spec
        backends: list[tuple[str, str]] = []
        default = as_map(spec.get("defaultBackend") or spec.get("backend"))
        candidates = [default] + [as_map(as_map(path).get("backend")) for rule in as_items(spec.get("rules"))
                                  for path in as_items(as_map(as_map(rule).get("http")).get("paths"))]  # fmt: skip
        for backend in candidates:
            name = as_map(backend.get("service")).get("name") or backend.get("serviceName")
            if name:
                backends.append((resource.namespace, str(name)))
        hosts = [str(as_map(rule).get("host")) for rule in as_items(spec.get("rules")) if as_map(rule).get("host")]
        return Route(stable_key("k8s", "ingress", resource.namespace, resource.name), "Ingress", resource.namespace, resource.name,
                     resource.where, backends, bool(as_items(spec.get("tls"))), "ingress_controller", hosts)  # fmt: skip
    listeners = [as_map(item) for item in as_items(resource.spec.get("listeners"))]
    protocols = {str(item.get("protocol", "")).upper() for item in listeners}
    tls = protocols <= {"HTTPS", "TLS"} if protocols else None
    backends = []
    for route in resources:
        if route.kind != "HTTPRoute":
            continue
        parents = [as_map(ref) for ref in as_items(route.spec.get("parentRefs"))]
        if not any(
            str(ref.get("name")) == resource.name and str(ref.get("namespace") or route.namespace) == resource.namespace
            for ref in parents
        ):
            continue
        for rule in as_items(route.spec.get("rules")):
            for ref in as_items(as_map(rule).get("backendRefs")):
                entry = as_map(ref)
                if entry.get("name") and str(entry.get("kind", "Service")) == "Service":
                    backends.append((str(entry.get("namespace") or route.namespace), str(entry["name"])))
    hosts = [str(item.get("hostname")) for item in listeners if item.get("hostname")]
    return Route(stable_key("k8s", "gateway", resource.namespace, resource.name), "Gateway", resource.namespace, resource.name,
                 resource.where, backends, tls, "api_gateway", hosts)  # fmt: skip


def _selector(inventory: Inventory, resource: Resource, value: object, path: str) -> Selector:
    """A label selector read from ``path``; a requirement Kubernetes would refuse selects nothing and is warned about."""
    selector, problem = read_selector(value)
    if problem:
        inventory.warn(f"{resource.where}, {path}.{problem}; the selector is taken to select nothing.")
    return selector


def _network_policy(inventory: Inventory, resource: Resource) -> None:
    spec = resource.spec
    targets = _selector(inventory, resource, spec.get("podSelector"), "spec.podSelector")
    # Without policyTypes a policy is an Ingress policy, and an Egress one too when it has egress rules.
    types = {str(t) for t in as_items(spec.get("policyTypes"))} or {
        "Ingress",
        *(["Egress"] if spec.get("egress") else []),
    }
    rules = as_items(spec.get("ingress"))
    namespace = inventory.namespaces.setdefault(resource.namespace, Namespace(resource.namespace))
    if targets.empty and "Ingress" in types and not rules:
        namespace.default_deny = True  # every pod selected, no ingress allowed: default deny
    inventory.policies.append(Policy(resource.namespace, targets, "Ingress" in types, "Egress" in types))
    for index, rule in enumerate(rules):
        entry = as_map(rule)
        ports = [
            f"{as_map(p).get('port', '')}/{as_map(p).get('protocol', 'TCP')}" for p in as_items(entry.get("ports"))
        ]
        for number, item in enumerate(as_items(entry.get("from"))):
            peer, path = as_map(item), f"spec.ingress[{index}].from[{number}]"
            if "podSelector" not in peer and "namespaceSelector" not in peer:
                continue  # an ipBlock: addresses outside the cluster's pods
            sources = _selector(inventory, resource, peer.get("podSelector"), f"{path}.podSelector")
            namespaces = (
                _selector(inventory, resource, peer["namespaceSelector"], f"{path}.namespaceSelector")
                if "namespaceSelector" in peer
                else None
            )
            if sources.empty and (namespaces is None or namespaces.empty):
                continue  # every pod of the namespace, or of the cluster: no evidence of who calls whom
            inventory.allows.append(Allow(resource.namespace, targets, sources, namespaces, ports, resource.where))
