"""Write the shipped model templates (``threatmodel/model_templates/*.json``) in the native format.

Run from the repository root: ``DJANGO_SETTINGS_MODULE=threatmodel.settings python scripts/build_model_templates.py``.
The reference Kubernetes cluster is the DFD of ``domain-cncf-stride-risk.md`` §2.6, written here
as tables; Online Boutique and Sock Shop are their real manifests read by the project's own
Kubernetes importer (``threatmodel.interop``), so the templates change when the importer does.
The files are committed; ``threatmodel/tests/test_model_templates.py`` imports and analyses each.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import django

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
django.setup()

from threatmodel.interop.imports import translate_files  # noqa: E402
from threatmodel.interop.sources import SourceFile  # noqa: E402
from threatmodel.native import FORMAT, FORMAT_VERSION  # noqa: E402

OUT = ROOT / "threatmodel" / "model_templates"
MANIFESTS = ROOT.parent.parent / "shared" / "data" / "manifests"

F, T, U = False, True, "unknown"

# (key, name, boundary_type, parent, x, y, width, height) — geometry relative to the parent
BOUNDARIES = [
    ("tb-inet", "Internet (untrusted)", "internet", None, 0, 0, 440, 360),
    ("tb-corp", "Corporate workstations", "corporate", None, 0, 400, 440, 200),
    ("tb-supply", "Software supply chain", "supply_chain", None, 460, 0, 860, 360),
    ("tb-cluster", "Kubernetes cluster", "cluster", None, 460, 400, 1420, 720),
    ("tb-api", "Cluster API", "control_plane", "tb-cluster", 20, 40, 440, 160),
    ("tb-cpc", "Control-plane components", "control_plane", "tb-cluster", 480, 40, 660, 160),
    ("tb-cpd", "Control-plane data", "control_plane", "tb-cluster", 1160, 40, 240, 160),
    ("tb-node", "Worker node", "node", "tb-cluster", 20, 220, 880, 260),
    ("tb-ns-system", "System namespace", "namespace", "tb-cluster", 920, 220, 480, 260),
    ("tb-ns-app", "Application namespace", "namespace", "tb-cluster", 20, 500, 880, 200),
    ("tb-pod-app", "Application pod", "pod", "tb-ns-app", 20, 40, 420, 140),
    ("tb-cloud", "Cloud provider and external services", "cloud_account", None, 1920, 0, 440, 1120),
]
# Where a boundary's own elements start, when something else (a nested boundary) is at its top left.
FIRST_SLOT = {"tb-ns-app": (460, 50)}
BOUNDARY_PROPS: dict[str, dict[str, Any]] = {
    "tb-inet": {"public_network": T},
    "tb-corp": {"public_network": F},
    "tb-ns-app": {"network_policy": F},
    "tb-ns-system": {"network_policy": T},
}

# (key, kind, name, parent, description, properties)
EE, PR, DS = "external_entity", "process", "data_store"
ELEMENTS: list[tuple[str, str, str, str, str, dict[str, Any]]] = [
    ("ee-dev", EE, "Developer", "tb-corp", "Pushes code, IaC and manifests.",
     {"component": "generic", "authenticated": T, "privilege_level": "user", "public_network": F}),
    ("ee-ops", EE, "Cluster administrator", "tb-corp", "kubectl and break-glass access.",
     {"component": "generic", "authenticated": T, "privilege_level": "admin", "public_network": F}),
    ("ee-user", EE, "End user / API client", "tb-inet", "Consumes the exposed services.",
     {"component": "user_browser", "authenticated": F, "privilege_level": "anonymous", "public_network": T}),
    ("ee-upstream", EE, "Public registries and package repositories", "tb-inet", "Base images and dependencies.",
     {"component": "container_registry", "public_network": T, "authenticated": F}),
    ("ee-idp", EE, "Identity provider (OIDC)", "tb-cloud", "Human authentication for the API.",
     {"component": "identity_provider", "public_network": T, "authenticated": T}),
    ("ee-cloud", EE, "Cloud provider APIs", "tb-cloud", "Load balancers, volumes and routes.",
     {"component": "cloud_api", "public_network": T, "authenticated": T}),
    ("ee-metadata", EE, "Instance metadata service", "tb-cloud", "Link-local endpoint that hands out node and cloud credentials.",
     {"component": "cloud_metadata", "public_network": F, "authenticated": F}),
    ("ee-kms", EE, "External KMS / secrets manager", "tb-cloud", "Envelope encryption of Secrets, secret sync.",
     {"component": "secrets_manager", "public_network": T, "authenticated": T}),
    ("ee-siem", EE, "Off-cluster log store / SIEM", "tb-cloud", "Must be unreachable with cluster credentials.",
     {"component": "log_store", "public_network": T, "authenticated": T}),
    ("p-scm", PR, "Source control service", "tb-supply", "Hosts the Git repositories.",
     {"component": "source_control", "authenticated": T, "public_network": T}),
    ("p-ci", PR, "CI pipeline / build workers", "tb-supply", "Scans, builds, signs; SBOMs and attestations.",
     {"component": "ci_pipeline", "authenticated": T, "privilege_level": "system"}),
    ("p-reg", PR, "Internal container registry", "tb-supply", "Staging and promotion; stores signatures and SBOMs.",
     {"component": "container_registry", "authenticated": T, "public_network": F}),
    ("p-apiserver", PR, "kube-apiserver", "tb-api", "authn, authz, admission, validation: the single front door to cluster state.",
     {"component": "kube_apiserver", "authenticated": T, "exposes_k8s_api": T, "audit_logged": T, "public_network": F}),
    ("p-sched", PR, "kube-scheduler", "tb-cpc", "",
     {"component": "generic", "authenticated": T, "privilege_level": "system"}),
    ("p-kcm", PR, "kube-controller-manager", "tb-cpc", "Includes the service-account and token controllers.",
     {"component": "generic", "authenticated": T, "privilege_level": "system"}),
    ("p-ccm", PR, "cloud-controller-manager", "tb-cpc", "Holds cloud credentials.",
     {"component": "generic", "authenticated": T, "privilege_level": "system"}),
    ("p-kubelet", PR, "kubelet", "tb-node", "Node agent; serves the API for logs and exec.",
     {"component": "kubelet", "authenticated": T, "privilege_level": "system"}),
    ("p-cri", PR, "Container runtime (containerd + runc)", "tb-node", "Pulls images, creates sandboxes.",
     {"component": "container_runtime", "authenticated": T, "privilege_level": "system"}),
    ("p-kproxy", PR, "kube-proxy / CNI data plane", "tb-node", "Programs service routing and network policy.",
     {"component": "generic", "authenticated": T, "privileged": T, "host_network": T}),
    ("p-agent", PR, "Node agents (log shipper, runtime detection)", "tb-node", "Privileged DaemonSets.",
     {"component": "workload", "authenticated": U, "privileged": T, "host_path": T, "host_pid": T, "resource_limits": T}),
    ("p-gitops", PR, "GitOps / CD controller", "tb-ns-system", "Pulls from Git, applies to the API.",
     {"component": "workload", "authenticated": T, "automount_sa_token": T, "sa_permissions": "cluster_admin",
      "image_registry": "public", "image_signed": U, "resource_limits": T}),
    ("p-admwh", PR, "Admission webhook / policy engine", "tb-ns-system", "Validates and mutates what the API admits.",
     {"component": "workload", "authenticated": T, "automount_sa_token": T, "sa_permissions": "read_only", "resource_limits": T}),
    ("p-dns", PR, "Cluster DNS (CoreDNS)", "tb-ns-system", "",
     {"component": "workload", "authenticated": F, "resource_limits": T}),
    ("p-ingress", PR, "Ingress controller / API gateway", "tb-ns-system", "TLS termination and rate limiting.",
     {"component": "ingress_controller", "authenticated": F, "public_network": T, "rate_limited": U,
      "image_registry": "public", "image_signed": F, "exposure": "load_balancer", "automount_sa_token": T,
      "sa_permissions": "read_only"}),
    ("p-app", PR, "Application workload (+ sidecar proxy)", "tb-pod-app", "Repeat per service.",
     {"component": "workload", "authenticated": U, "automount_sa_token": T, "sa_permissions": "namespaced_write",
      "image_registry": "private", "image_signed": U, "resource_limits": F, "runs_as_root": U, "privileged": F,
      "secrets_in_env": T, "metadata_reachable": T, "network_policy": F, "data_classification": "confidential",
      "validates_input": U}),
    ("ds-git", DS, "Git repositories (code, IaC, manifests)", "tb-supply", "GitOps source of truth.",
     {"component": "source_control", "authenticated": T, "encrypted": T, "data_classification": "confidential", "backed_up": T}),
    ("ds-regstore", DS, "Registry storage (images, signatures, SBOMs)", "tb-supply", "",
     {"component": "object_storage", "authenticated": T, "encrypted": T, "data_classification": "internal"}),
    ("ds-etcd", DS, "etcd (all cluster state incl. Secrets, RBAC)", "tb-cpd", "",
     {"component": "etcd", "authenticated": T, "encrypted": U, "stores_credentials": T, "data_classification": "restricted",
      "backed_up": U}),
    ("ds-audit", DS, "API audit log buffer", "tb-api", "Repudiation applies.",
     {"component": "log_store", "is_log": T, "authenticated": T, "encrypted": F, "data_classification": "internal"}),
    ("ds-imgcache", DS, "Node image cache", "tb-node", "",
     {"component": "generic", "authenticated": T, "encrypted": F, "data_classification": "internal"}),
    ("ds-nodefs", DS, "Node filesystem (kubelet credentials, rootfs, pod logs)", "tb-node", "",
     {"component": "generic", "authenticated": T, "encrypted": U, "stores_credentials": T, "data_classification": "restricted"}),
    ("ds-netrules", DS, "iptables / ipvs / eBPF rules", "tb-node", "",
     {"component": "generic", "authenticated": T, "encrypted": F, "data_classification": "internal"}),
    ("ds-secrets", DS, "Kubernetes Secrets (as mounted in pods)", "tb-ns-app", "Service-account tokens, database passwords, TLS keys.",
     {"component": "secrets_manager", "authenticated": T, "encrypted": U, "stores_credentials": T, "data_classification": "restricted"}),
    ("ds-pv", DS, "Persistent volumes (CSI)", "tb-cloud", "",
     {"component": "object_storage", "authenticated": T, "encrypted": U, "data_classification": "confidential", "backed_up": U}),
    ("ds-appdb", DS, "Application database", "tb-cloud", "",
     {"component": "database", "authenticated": T, "encrypted": T, "stores_credentials": F, "data_classification": "confidential",
      "backed_up": T}),
]

# (key, source, target, label, protocol, bidirectional, properties)
def fp(auth: Any, enc: Any, public: Any, data: str, **more: Any) -> dict[str, Any]:
    return {"authenticated": auth, "encrypted": enc, "public_network": public, "data_classification": data, **more}


FLOWS: list[tuple[str, str, str, str, str, bool, dict[str, Any]]] = [
    ("f01", "ee-dev", "p-scm", "Code, IaC, manifests", "HTTPS/SSH", False, fp(T, T, T, "confidential")),
    ("f02", "p-scm", "ds-git", "Repository objects", "local", True, fp(T, F, F, "confidential")),
    ("f03", "p-scm", "p-ci", "Trigger and checkout", "HTTPS webhook", False, fp(T, T, T, "confidential", carries_credentials=T)),
    ("f04", "p-ci", "ee-upstream", "Base images, dependencies", "HTTPS", False, fp(F, T, T, "public")),
    ("f05", "p-ci", "p-reg", "Image, signature, SBOM, attestation", "HTTPS + mTLS", False, fp(T, T, F, "internal")),
    ("f06", "p-reg", "ds-regstore", "Blobs and metadata", "object storage", True, fp(T, T, F, "internal")),
    ("f07", "p-gitops", "p-scm", "Desired state", "HTTPS/SSH", False, fp(T, T, T, "confidential", carries_credentials=T)),
    ("f08", "p-gitops", "p-apiserver", "Apply manifests", "HTTPS", False, fp(T, T, F, "confidential", carries_credentials=T)),
    ("f09", "ee-ops", "p-apiserver", "kubectl requests", "HTTPS", False,
     fp(T, T, T, "restricted", carries_credentials=T, destination_authenticated=T)),
    ("f10", "p-apiserver", "ee-idp", "Token validation and keys", "HTTPS", False, fp(T, T, T, "internal")),
    ("f11", "p-apiserver", "p-admwh", "AdmissionReview", "HTTPS", False, fp(U, T, F, "confidential")),
    ("f12", "p-apiserver", "ds-etcd", "All cluster state", "gRPC over mTLS", True,
     fp(T, T, F, "restricted", carries_credentials=T, destination_authenticated=T)),
    ("f13", "p-apiserver", "ee-kms", "DEK wrap / unwrap", "KMS plugin / HTTPS", False, fp(T, T, T, "restricted")),
    ("f14a", "p-apiserver", "ds-audit", "Audit events", "file", False, fp(T, F, F, "internal")),
    ("f14b", "ds-audit", "ee-siem", "Audit events", "HTTPS", False, fp(T, T, T, "internal")),
    ("f15", "p-sched", "p-apiserver", "Pending pods, bindings", "HTTPS watch", True, fp(T, T, F, "internal")),
    ("f16", "p-kcm", "p-apiserver", "Replicas, endpoints, SA tokens", "HTTPS watch", True, fp(T, T, F, "restricted", carries_credentials=T)),
    ("f17", "p-ccm", "ee-cloud", "Load balancers, routes, volumes", "HTTPS", False, fp(T, T, T, "internal", carries_credentials=T)),
    ("f18", "p-kubelet", "p-apiserver", "Assigned pods, Secrets, status", "HTTPS", True, fp(T, T, F, "restricted", carries_credentials=T)),
    ("f19", "p-apiserver", "p-kubelet", "Logs, exec/attach, port-forward", "HTTPS", False,
     fp(T, T, F, "confidential", destination_authenticated=U)),
    ("f20", "p-kubelet", "p-cri", "CRI calls", "gRPC over unix socket", False, fp(F, F, F, "internal")),
    ("f21", "p-cri", "ds-imgcache", "Image layers", "local", True, fp(F, F, F, "internal")),
    ("f22", "p-cri", "p-reg", "Image pull", "HTTPS", False, fp(T, T, F, "internal", carries_credentials=T)),
    ("f23", "p-cri", "p-app", "Create and start containers", "local", False, fp(F, F, F, "internal")),
    ("f24", "p-kproxy", "p-apiserver", "Services, EndpointSlices", "HTTPS watch", True, fp(T, T, F, "internal")),
    ("f25", "p-kproxy", "ds-netrules", "Routing and policy rules", "local IPC", False, fp(F, F, F, "internal")),
    ("f26", "ee-user", "p-ingress", "Application requests", "HTTPS", False, fp(F, T, T, "confidential")),
    ("f27", "p-ingress", "p-app", "Routed requests", "HTTP", False, fp(F, F, F, "confidential")),
    ("f29", "p-app", "p-apiserver", "In-cluster API calls", "HTTPS", False, fp(T, T, F, "confidential", carries_credentials=T)),
    ("f30", "p-app", "ds-pv", "Persistent data", "CSI mount", True, fp(T, F, F, "confidential")),
    ("f31", "p-app", "ds-appdb", "Queries", "TLS", True, fp(T, T, F, "confidential", carries_credentials=T)),
    ("f32", "p-app", "ee-metadata", "Instance credentials", "HTTP link-local", False, fp(F, F, F, "restricted")),
    ("f33", "p-app", "ee-upstream", "Egress to the internet", "HTTPS", False, fp(U, T, T, "confidential")),
    ("f34", "p-app", "p-dns", "Name resolution", "DNS", False, fp(F, F, F, "internal")),
    ("f35", "p-agent", "ee-siem", "Node and container logs, runtime events", "HTTPS", False, fp(T, T, T, "internal")),
    ("f36", "p-app", "ds-secrets", "Mounted Secrets", "tmpfs volume", False, fp(T, F, F, "restricted", carries_credentials=T)),
]


def reference_cluster() -> dict[str, Any]:
    elements: list[dict[str, Any]] = []
    for key, name, btype, parent, x, y, w, h in BOUNDARIES:
        elements.append({"key": key, "kind": "trust_boundary", "name": name, "description": "",
                         "properties": {"boundary_type": btype, **BOUNDARY_PROPS.get(key, {})},
                         "parent": parent, "x": float(x), "y": float(y), "width": float(w), "height": float(h)})
    placed: dict[str, int] = {}
    widths = {b[0]: b[6] for b in BOUNDARIES}
    for key, kind, name, parent, description, props in ELEMENTS:
        slot = placed.get(parent, 0)
        placed[parent] = slot + 1
        left, top = FIRST_SLOT.get(parent, (20, 50))
        columns = max(1, (widths[parent] - left) // 210)
        x, y = left + (slot % columns) * 210, top + (slot // columns) * 100
        elements.append({"key": key, "kind": kind, "name": name, "description": description, "properties": props,
                         "parent": parent, "x": float(x), "y": float(y), "width": 180.0, "height": 70.0})
    flows = [{"key": key, "source": s, "target": t, "label": label, "protocol": proto, "bidirectional": both,
              "description": "", "properties": props} for key, s, t, label, proto, both, props in FLOWS]
    return {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "threat_model": {
            "name": "Reference Kubernetes cluster",
            "description": "The reference Kubernetes DFD: supply chain (source control, CI, registry), the control plane "
                           "(API server, scheduler, controllers, etcd, audit log), a worker node (kubelet, container runtime, "
                           "kube-proxy, node agents), the system namespace (GitOps, admission, DNS, ingress), an application "
                           "workload with its Secrets, and the cloud's metadata service, KMS, IdP and SIEM.",
            "scope": "One cluster from the developer's commit to the running workload, and what a compromised workload can reach.",
            "assumptions": "Replace the application workload with one element per service.\n"
                           "Properties marked unknown have not been checked yet.",
            "stage": "design",
        },
        "diagrams": [{"name": "Level 0", "level": "level_0", "order": 0, "elements": elements, "flows": flows}],
        "threats": [],
    }


def from_manifests(paths: list[Path], name: str, description: str) -> dict[str, Any]:
    files = [SourceFile(path.name, path.read_bytes()) for path in paths]
    _reader, translation = translate_files(files=files, fmt="kubernetes")
    document: dict[str, Any] = translation.document
    document["threat_model"]["name"] = name
    document["threat_model"]["description"] = description + " " + document["threat_model"].get("description", "")
    return document


def main() -> None:
    OUT.mkdir(exist_ok=True)
    documents = {
        "kubernetes-reference": reference_cluster(),
        "online-boutique": from_manifests(
            [MANIFESTS / "online-boutique" / "release" / "kubernetes-manifests.yaml"],
            "Online Boutique (Google microservices demo)",
            "Eleven gRPC microservices and a Redis cart, from the project's release manifests.",
        ),
        "sock-shop": from_manifests(
            [MANIFESTS / "sock-shop" / "deploy" / "kubernetes" / "complete-demo.yaml"],
            "Sock Shop (Weaveworks microservices demo)",
            "A polyglot shop with MongoDB, MySQL and RabbitMQ, from the complete-demo manifests.",
        ),
    }
    for slug, document in documents.items():
        (OUT / f"{slug}.json").write_text(json.dumps(document, indent=1, sort_keys=False, ensure_ascii=False) + "\n")
        count = sum(len(d["elements"]) for d in document["diagrams"])
        print(slug, count, "elements", sum(len(d["flows"]) for d in document["diagrams"]), "flows")


if __name__ == "__main__":
    main()
