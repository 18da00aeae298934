"""The inventory as a diagram: a pure function from what the readers found to the wanted diagram state.

One process per workload (not per replica) carrying its container facts; a workload that keeps
data (a StatefulSet with volume claims, a database, cache or queue image) also gets a data store
it writes to. Namespaces are trust boundaries inside a cluster boundary (a compose project's
services sit in a "Docker host" boundary). Services, Ingresses and Gateways are where traffic
enters — flows from the internet or the node's ports, with their exposure — and the names one
workload gives another in its environment, ``depends_on`` and NetworkPolicy allow-lists are the
flows between workloads. The API server, kubelet and etcd appear when a workload can reach them.
``docs/manifests.md`` is this module as a table. Keys come from kind, namespace and name, so a
re-import of the same files gives the same state (``sync``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from dfd.ops import DiagramState, ElementState, FlowState
from threatmodel.interop.manifests.inventory import Allow, Inventory, Route, Service, Workload, flow_key, stable_key

EXPOSURE_RANK = {"internal": 0, "node_port": 1, "ingress": 2, "load_balancer": 3}
_HOST = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$")
_ADDRESS_NAME = re.compile(r"(ADDR|HOST|URL|URI|ENDPOINT|SERVICE|SERVER|DSN)", re.I)
_NODE_W, _NODE_H, _GAP_X, _GAP_Y, _PAD, _COLUMNS = 160.0, 80.0, 200.0, 130.0, 40.0, 4


Namespaces = dict[str, list[Workload]]


@dataclass
class Wanted:
    """The diagram being built, with each element's place in the files."""

    prefix: str
    elements: dict[str, ElementState] = field(default_factory=dict)
    flows: dict[str, FlowState] = field(default_factory=dict)
    origins: dict[str, str] = field(default_factory=dict)
    pairs: dict[tuple[str, str], str] = field(default_factory=dict)
    namespaces: Namespaces = field(default_factory=dict)
    evidence: dict[str, list[str]] = field(default_factory=dict)

    def element(
        self, key: str, kind: str, name: str, parent: str | None, properties: dict[str, Any], **geometry: Any
    ) -> str:
        self.elements[key] = ElementState(
            key=key, kind=kind, name=name[:200], parent=parent, properties=properties, **geometry
        )
        return key

    def flow(
        self,
        source: str,
        target: str,
        *,
        label: str,
        why: str,
        protocol: str = "",
        properties: dict[str, Any] | None = None,
    ) -> None:
        """One flow per pair of ends; a second reason for the same pair is added to its evidence."""
        if source == target or source not in self.elements or target not in self.elements:
            return
        key = self.pairs.get((source, target))
        if key is None:
            key = flow_key(self.prefix, source, target)
            self.pairs[(source, target)] = key
            self.flows[key] = FlowState(key=key, source=source, target=target, label=label[:200], protocol=protocol[:60],
                                        properties=dict(properties or {}))  # fmt: skip
            self.evidence[key] = []
        if why not in self.evidence[key]:
            self.evidence[key].append(why)

    def state(self) -> DiagramState:
        flows = {}
        for key, flow in self.flows.items():
            extra = {**flow.properties.get("extra", {}), "Evidence": "; ".join(self.evidence[key])[:2000]}
            flows[key] = FlowState(key=key, source=flow.source, target=flow.target, label=flow.label, protocol=flow.protocol,
                                   properties={**flow.properties, "extra": extra})  # fmt: skip
        return DiagramState(dict(self.elements), flows)


def diagram_state(inventory: Inventory) -> tuple[DiagramState, dict[str, str], list[str]]:
    """The wanted state, the place in the files of each element (by key), and the warnings."""
    prefix = "k8s" if inventory.source == "kubernetes" else "compose"
    wanted = Wanted(prefix, namespaces=by_namespace(inventory))
    warnings = list(inventory.warnings)
    _exposures(inventory, wanted.namespaces, warnings)
    if inventory.source == "kubernetes":
        _cluster(inventory, wanted)
    else:
        _host(inventory, wanted)
    _entries(inventory, wanted)
    _references(inventory, wanted, warnings)
    _allows(inventory, wanted, warnings)
    _platform(inventory, wanted)
    if inventory.unknown:
        shown = "; ".join(inventory.unknown[:20]) + (
            f"; and {len(inventory.unknown) - 20} more" if len(inventory.unknown) > 20 else ""
        )
        warnings.append(
            f"{len(inventory.unknown)} resource(s) of kinds this reader does not model are listed here and not drawn: {shown}."
        )
    origins = {key: inventory.origins[key] for key in wanted.elements if key in inventory.origins}
    return wanted.state(), origins, warnings


# --- which Service selects which workload, and how far each workload is exposed -----------------------


def by_namespace(inventory: Inventory) -> Namespaces:
    """Workloads by namespace, sorted by key: built once, so 2,000 Services do not each scan 2,000 workloads."""
    index: Namespaces = {}
    for workload in sorted(inventory.workloads.values(), key=lambda w: w.key):
        index.setdefault(workload.namespace, []).append(workload)
    return index


def selected(service: Service | None, namespaces: Namespaces) -> list[Workload]:
    """The workloads a Service's selector picks in its namespace (none without a selector)."""
    if service is None or not service.selector:
        return []
    return [w for w in namespaces.get(service.namespace, ()) if service.selector.items() <= w.labels.items()]


def _service_exposure(service: Service) -> str:
    return {"LoadBalancer": "load_balancer", "NodePort": "node_port"}.get(service.type, "internal")


def _widen(workload: Workload, exposure: str) -> None:
    if EXPOSURE_RANK[exposure] > EXPOSURE_RANK[workload.exposure]:
        workload.exposure = exposure


def _exposures(inventory: Inventory, namespaces: Namespaces, warnings: list[str]) -> None:
    services = {(s.namespace, s.name): s for s in inventory.services}
    for service in inventory.services:
        for workload in selected(service, namespaces):
            _widen(workload, _service_exposure(service))
    for route in inventory.routes:
        for namespace, name in route.backends:
            backend = services.get((namespace, name))
            if backend is None:
                warnings.append(
                    f"{route.where}: its backend Service {namespace}/{name} is not in the files; no flow is drawn to it."
                )
                continue
            for workload in selected(backend, namespaces):
                _widen(workload, "ingress")
    for workload in inventory.workloads.values():
        if workload.host_ports:
            _widen(workload, "node_port")


# --- elements --------------------------------------------------------------------------------------------


def _grid(count: int) -> tuple[float, float]:
    rows = max(1, -(-count // _COLUMNS))
    return _PAD * 2 + min(max(count, 1), _COLUMNS) * _GAP_X, _PAD * 2 + rows * _GAP_Y


def _slot(index: int) -> dict[str, float]:
    return {"x": _PAD + (index % _COLUMNS) * _GAP_X, "y": _PAD + 20 + (index // _COLUMNS) * _GAP_Y}


def _process_properties(inventory: Inventory, workload: Workload) -> dict[str, Any]:
    props = dict(workload.properties)
    props["exposure"] = workload.exposure
    if workload.exposure in ("load_balancer", "ingress"):
        props["public_network"] = True
    if inventory.source == "kubernetes":
        props["network_policy"] = any(
            p.namespace == workload.namespace and p.ingress and p.targets.matches(workload.labels)
            for p in inventory.policies
        )
        if any(
            p.namespace == workload.namespace and p.egress and p.targets.matches(workload.labels)
            for p in inventory.policies
        ):
            props.pop("metadata_reachable", None)  # an egress policy may or may not block it: the reviewer says
    if workload.extra:
        props["extra"] = {name: value for name, value in sorted(workload.extra.items()) if value}
    return props


def _is_store(workload: Workload) -> bool:
    return bool(workload.store_kind) or (workload.kind == "StatefulSet" and workload.has_volume_claims)


def _members(
    inventory: Inventory, wanted: Wanted, parent: str, workloads: list[Workload], routes: list[Route], start: int = 0
) -> int:
    """Workloads (with their data stores) and routes as the children of one boundary; returns the slots used."""
    index = start
    for route in routes:
        entry: dict[str, Any] = {"component": route.component, "exposure": "ingress", "public_network": True,
                 "extra": {"Kubernetes kind": route.kind, **({"Hosts": ", ".join(route.hosts)[:2000]} if route.hosts else {})}}  # fmt: skip
        wanted.element(route.key, "process", f"{route.kind} {route.name}", parent, entry, **_slot(index))
        index += 1
    for workload in workloads:
        label = f"{workload.name} ({workload.kind})" if inventory.source == "kubernetes" else workload.name
        wanted.element(workload.key, "process", label, parent, _process_properties(inventory, workload), **_slot(index))
        index += 1
        if _is_store(workload):
            store = stable_key(workload.key, "data")
            props: dict[str, Any] = {"component": workload.store_kind or "generic", "exposure": "internal"}
            if workload.properties.get("host_path") is True:
                props["host_path"] = True
            wanted.element(store, "data_store", f"{workload.name} data", parent, props, **_slot(index))
            wanted.origins[store] = workload.where
            wanted.flow(workload.key, store, label="reads and writes its data", why="the workload's own storage")
            index += 1
    return index


def _cluster(inventory: Inventory, wanted: Wanted) -> None:
    cluster = "k8s:cluster"
    namespaces = sorted(inventory.namespaces)
    boxes = []
    y = _PAD + 20
    width = 0.0
    for name in namespaces:
        workloads = sorted((w for w in inventory.workloads.values() if w.namespace == name), key=lambda w: w.key)
        routes = sorted((r for r in inventory.routes if r.namespace == name), key=lambda r: r.key)
        count = len(routes) + sum(2 if _is_store(w) else 1 for w in workloads)
        w, h = _grid(count)
        boxes.append((name, workloads, routes, y, w, h))
        y += h + _PAD
        width = max(width, w)
    needs_platform = any(_reaches_api(w) for w in inventory.workloads.values())
    cluster_h = y + (_grid(3)[1] + _PAD if needs_platform else 0)
    wanted.element(cluster, "trust_boundary", "Kubernetes cluster", None, {"boundary_type": "cluster"},
                   x=0.0, y=260.0, width=max(width, _grid(3)[0]) + 2 * _PAD, height=cluster_h)  # fmt: skip
    for name, workloads, routes, top, w, h in boxes:
        namespace = inventory.namespaces[name]
        props: dict[str, Any] = {"boundary_type": "namespace", "network_policy": namespace.default_deny}
        if namespace.pod_security:
            props["pod_security_level"] = namespace.pod_security
        key = wanted.element(stable_key("k8s", "namespace", name), "trust_boundary", f"Namespace {name}", cluster, props,
                             x=_PAD, y=top, width=w, height=h)  # fmt: skip
        if namespace.where:
            wanted.origins[key] = namespace.where
        _members(inventory, wanted, key, workloads, routes)
    if needs_platform:
        plane = wanted.element("k8s:control-plane", "trust_boundary", "Control plane", cluster, {"boundary_type": "control_plane"},
                               x=_PAD, y=y, width=_grid(3)[0], height=_grid(3)[1])  # fmt: skip
        wanted.element("k8s:kube-apiserver", "process", "Kubernetes API server", plane,
                       {"component": "kube_apiserver", "exposes_k8s_api": True}, **_slot(0))  # fmt: skip
        wanted.element(
            "k8s:etcd", "data_store", "etcd", plane, {"component": "etcd", "stores_credentials": True}, **_slot(1)
        )
        wanted.flow("k8s:kube-apiserver", "k8s:etcd", label="cluster state", why="the API server stores every object in etcd",
                    protocol="gRPC", properties={"carries_credentials": True})  # fmt: skip
    for service in inventory.services:
        if service.external_name:
            key = stable_key("k8s", "externalname", service.namespace, service.name)
            wanted.element(key, "external_entity", service.external_name, None, {"exposure": "internal"},
                           x=max(width, _grid(3)[0]) + 3 * _PAD, y=260.0 + 120 * len([k for k in wanted.elements if ":externalname:" in k]))  # fmt: skip
            wanted.origins[key] = service.where


def _host(inventory: Inventory, wanted: Wanted) -> None:
    workloads = sorted(inventory.workloads.values(), key=lambda w: w.key)
    w, h = _grid(sum(2 if _is_store(item) else 1 for item in workloads))
    host = wanted.element(
        "compose:host",
        "trust_boundary",
        "Docker host",
        None,
        {"boundary_type": "node"},
        x=0.0,
        y=260.0,
        width=w,
        height=h,
    )
    _members(inventory, wanted, host, workloads, [])


def _reaches_api(workload: Workload) -> bool:
    return workload.properties.get("automount_sa_token") is True and workload.properties.get("sa_permissions") not in (
        None,
        "none",
    )


# --- flows -----------------------------------------------------------------------------------------------


def _outside(wanted: Wanted, key: str, name: str, *, internet: bool) -> str:
    if key in wanted.elements:
        return key
    if internet:
        boundary = f"{wanted.prefix}:internet"
        wanted.element(boundary, "trust_boundary", "Internet", None, {"boundary_type": "internet", "public_network": True},
                       x=0.0, y=0.0, width=_grid(1)[0], height=_grid(1)[1])  # fmt: skip
        return wanted.element(key, "external_entity", name, boundary, {"public_network": True}, **_slot(0))
    return wanted.element(key, "external_entity", name, None, {}, x=_grid(1)[0] + _PAD, y=_PAD)


def _entries(inventory: Inventory, wanted: Wanted) -> None:
    prefix = wanted.prefix
    workloads = sorted(inventory.workloads.values(), key=lambda w: w.key)
    for service in sorted(inventory.services, key=lambda s: (s.namespace, s.name)):
        exposure = _service_exposure(service)
        if exposure == "internal":
            continue
        for workload in selected(service, wanted.namespaces):
            if exposure == "load_balancer":
                source = _outside(wanted, f"{prefix}:internet-clients", "Internet clients", internet=True)
            else:
                source = _outside(wanted, f"{prefix}:node-clients", "Clients of the nodes' ports", internet=False)
            wanted.flow(source, workload.key, label=f"Service {service.name} ({service.type})", protocol=", ".join(service.ports)[:60],
                        why=f"{service.where}", properties={"exposure": exposure, **_target_ports(service.target_ports),
                                                            **({"public_network": True} if exposure == "load_balancer" else {})})  # fmt: skip
    services = {(s.namespace, s.name): s for s in inventory.services}
    for route in sorted(inventory.routes, key=lambda r: r.key):
        source = _outside(wanted, f"{prefix}:internet-clients", "Internet clients", internet=True)
        entry_props: dict[str, Any] = {"exposure": "ingress", "public_network": True}
        if route.tls is not None:
            entry_props["encrypted"] = route.tls
        wanted.flow(source, route.key, label=f"{route.kind} {route.name}", protocol="HTTPS" if route.tls else "HTTP",
                    why=route.where, properties=entry_props)  # fmt: skip
        for namespace, name in route.backends:
            backend = services.get((namespace, name))
            for workload in selected(backend, wanted.namespaces):
                wanted.flow(route.key, workload.key, label=f"to Service {name}", why=route.where,
                            properties={"exposure": "ingress", "public_network": False,
                                        **_target_ports(backend.target_ports if backend else [])})  # fmt: skip
    for workload in workloads:
        if workload.host_ports:
            source = _outside(
                wanted,
                f"{prefix}:node-clients",
                "Clients of the host's ports" if prefix == "compose" else "Clients of the nodes' ports",
                internet=False,
            )
            wanted.flow(source, workload.key, label="published ports" if prefix == "compose" else "hostPort",
                        protocol=", ".join(workload.host_ports)[:60], why=f"{workload.where}: ports",
                        properties={"exposure": "node_port", **_target_ports(workload.host_target_ports)})  # fmt: skip


def _hosts(text: str) -> list[tuple[str, bool]]:
    """Host names in a value, each with whether it is written as an address (``host:port``, a URL, a cluster name)."""
    found = []
    for token in re.split(r"[\s,;=\"'()\[\]]+", text.strip()):
        address = "://" in token or bool(re.search(r":\d+", token))
        host = token.split("://", 1)[-1].split("@")[-1].split("/")[0].split(":")[0].lower()
        if host and _HOST.match(host) and not host.isdigit():
            found.append((host, address or host.endswith((".svc", ".svc.cluster.local"))))
    return found


def _service_index(services: list[Service]) -> dict[str, list[Service]]:
    """Services by every name a workload may call them: ``ns/svc`` for the bare name (same namespace only),
    ``svc.ns``, ``svc.ns.svc`` and ``svc.ns.svc.cluster.local``."""
    index: dict[str, list[Service]] = {}
    for service in services:
        base = f"{service.name}.{service.namespace}"
        for name in (f"{service.namespace}/{service.name}", base, f"{base}.svc", f"{base}.svc.cluster.local"):
            index.setdefault(name, []).append(service)
    return index


def _references(inventory: Inventory, wanted: Wanted, warnings: list[str]) -> None:
    workloads = sorted(inventory.workloads.values(), key=lambda w: w.key)
    by_name = {w.name: w for w in workloads} if inventory.source == "compose" else {}
    services = _service_index(inventory.services)
    for workload in workloads:
        for dependency in workload.depends_on:
            if dependency in by_name:
                wanted.flow(workload.key, by_name[dependency].key, label=f"to {dependency}", why="depends_on")
        for text, where in workload.mentions:
            for host, address in _hosts(text):
                if inventory.source == "compose":
                    if host in by_name and (address or host == text.strip().lower()):
                        wanted.flow(workload.key, by_name[host].key, label=f"to {host}", why=where)
                    continue
                matched = services.get(f"{workload.namespace}/{host}", []) + services.get(host, [])
                for service in matched:
                    _to_service(inventory, wanted, workload, service, where)
                plain_name = "." not in host or host.endswith((".svc", ".svc.cluster.local"))
                if (
                    not matched
                    and address
                    and plain_name
                    and _ADDRESS_NAME.search(where)
                    and not host.startswith("localhost")
                ):
                    warnings.append(
                        f"{workload.where}, {where}: names the Service '{host}', which is not in the files; no flow is drawn."
                    )


def _target_ports(ports: list[str]) -> dict[str, Any]:
    """The pods' ports a flow arrives on, kept for the NetworkPolicies generated from the diagram."""
    return {"extra": {"Target ports": ", ".join(ports)[:2000]}} if ports else {}


def _to_service(inventory: Inventory, wanted: Wanted, workload: Workload, service: Service, where: str) -> None:
    if service.external_name:
        target = stable_key("k8s", "externalname", service.namespace, service.name)
        wanted.flow(workload.key, target, label=f"to {service.external_name}", why=where)
        return
    for callee in selected(service, wanted.namespaces):
        wanted.flow(workload.key, callee.key, label=f"to Service {service.name}", protocol=", ".join(service.ports)[:60], why=where,
                    properties={"exposure": "internal", **_target_ports(service.target_ports)})  # fmt: skip


def _in_namespaces(inventory: Inventory, allow: Allow, namespace: str) -> bool:
    """Whether a peer's namespaces hold ``namespace``: its own namespace, else the namespaceSelector on the labels
    of the Namespace object (an undeclared namespace has only its name label, as the API server gives it)."""
    if allow.source_namespaces is None:
        return namespace == allow.namespace
    known = inventory.namespaces.get(namespace)
    labels = known.labels if known is not None else {"kubernetes.io/metadata.name": namespace}
    return allow.source_namespaces.matches(labels)


def _allows(inventory: Inventory, wanted: Wanted, warnings: list[str]) -> None:
    workloads = sorted(inventory.workloads.values(), key=lambda w: w.key)
    for allow in inventory.allows:
        sources = [w for w in workloads if _in_namespaces(inventory, allow, w.namespace) and allow.sources.matches(w.labels)]
        targets = [w for w in workloads if w.namespace == allow.namespace and allow.targets.matches(w.labels)]
        if not sources and allow.source_namespaces is not None:
            message = f"{allow.where}: its namespaceSelector picks no namespace with a workload in the files; no flow is drawn for it."
            if message not in warnings:
                warnings.append(message)
        for source in sources:
            for target in targets:
                wanted.flow(source.key, target.key, label=f"to {target.name}", protocol=", ".join(allow.ports)[:60],
                            why=f"allowed by {allow.where}", properties={"exposure": "internal", **_target_ports(allow.ports)})  # fmt: skip


def _platform(inventory: Inventory, wanted: Wanted) -> None:
    if "k8s:kube-apiserver" not in wanted.elements:
        return
    kubelet_needed = False
    for workload in sorted(inventory.workloads.values(), key=lambda w: w.key):
        if _reaches_api(workload):
            wanted.flow(workload.key, "k8s:kube-apiserver", label="Kubernetes API (service-account token)", protocol="HTTPS",
                        why=f"token mounted, service account {workload.service_account} has {workload.properties.get('sa_permissions')} rights",
                        properties={"encrypted": True, "authenticated": True, "carries_credentials": True, "exposure": "internal"})  # fmt: skip
            kubelet_needed = (
                kubelet_needed
                or workload.properties.get("rbac_nodes_proxy") is True
                or workload.properties.get("rbac_pods_exec") is True
            )
    if kubelet_needed:
        wanted.element(
            "k8s:kubelet",
            "process",
            "kubelet",
            "k8s:control-plane",
            {"component": "kubelet", "exposes_k8s_api": True},
            **_slot(2),
        )
        wanted.flow("k8s:kube-apiserver", "k8s:kubelet", label="exec, attach and nodes/proxy", protocol="HTTPS",
                    why="a service account may exec into pods or proxy to nodes", properties={"encrypted": True})  # fmt: skip
