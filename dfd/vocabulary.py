"""The property vocabulary: which typed properties each diagram element kind (and a flow) carries.

This module is the one place the vocabulary is written down. Model validation, the write path, the
REST API (``/api/v1/vocabulary/``), the editor's property panel and the rule loader all read it,
so a property that is not declared here cannot be set, shown or tested by a rule.

Every property accepts the literal string ``"unknown"``. A property that was never set is absent
from the element's stored ``properties``; reading it yields the default, ``"unknown"``. Keeping
"explicitly unknown" apart from "never considered" lets the design gate ask that every required
property has been looked at, while "unknown" stays distinct from ``False`` for the rules.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

VOCABULARY_VERSION = 1
UNKNOWN = "unknown"

ElementKind = Literal["external_entity", "process", "data_store", "trust_boundary"]
ELEMENT_KINDS: tuple[str, ...] = ("external_entity", "process", "data_store", "trust_boundary")
FLOW = "flow"
TARGETS: tuple[str, ...] = (*ELEMENT_KINDS, FLOW)

PropertyType = Literal["bool", "enum", "text", "map"]
# A "map" property holds names to texts: the facts an imported file recorded that have no property
# of their own here (``extra``). Rules never test it; it is kept so nothing is lost and leaves again
# in the exports. Bounded like everything else a file can bring in.
MAP_MAX_ENTRIES = 200
MAP_NAME_MAX = 100

EE, PR, DS, TB = "external_entity", "process", "data_store", "trust_boundary"

DATA_CLASSES = ("public", "internal", "confidential", "restricted")
COMPONENTS = (
    "generic",
    "user_browser",
    "service_client",
    "workload",
    "ingress_controller",
    "load_balancer",
    "api_gateway",
    "web_service",
    "kube_apiserver",
    "kubelet",
    "container_runtime",
    "kubernetes_dashboard",
    "etcd",
    "container_registry",
    "ci_pipeline",
    "source_control",
    "secrets_manager",
    "identity_provider",
    "database",
    "object_storage",
    "message_queue",
    "cache",
    "log_store",
    "cloud_metadata",
    "cloud_api",
)


@dataclass(frozen=True)
class PropertySpec:
    """One property: its type, the values it allows and where it applies."""

    name: str
    type: PropertyType
    label: str
    description: str
    applies_to: tuple[str, ...]
    group: str = "general"
    values: tuple[str, ...] = ()
    required_for: tuple[str, ...] = ()
    max_length: int = 200
    # Per-kind wording where one property means slightly different things on different kinds.
    kind_descriptions: Mapping[str, str] = field(default_factory=dict)

    def allowed_values(self) -> list[Any]:
        if self.type == "map":
            return []
        if self.type == "bool":
            return [True, False, UNKNOWN]
        if self.type == "enum":
            return [*self.values, UNKNOWN]
        return []

    def check(self, value: object) -> str | None:
        """Return an error message for ``value``, or None when it is acceptable."""
        if value == UNKNOWN:
            return None
        if self.type == "bool":
            if not isinstance(value, bool):
                return f'must be true, false or "unknown" (got {_show(value)})'
            return None
        if self.type == "enum":
            if not isinstance(value, str) or value not in self.values:
                return f'must be one of {", ".join(self.values)} or "unknown" (got {_show(value)})'
            return None
        if self.type == "map":
            return _map_problem(value, self.max_length)
        if not isinstance(value, str):
            return f"must be a string (got {_show(value)})"
        if len(value) > self.max_length:
            return f"must be at most {self.max_length} characters (got {len(value)})"
        if any(ord(ch) < 32 and ch not in "\t" for ch in value):
            return "must not contain control characters"
        return None


def _map_problem(value: object, max_length: int) -> str | None:
    if not isinstance(value, Mapping):
        return f"must be an object of names to texts (got {_show(value)})"
    if len(value) > MAP_MAX_ENTRIES:
        return f"must have at most {MAP_MAX_ENTRIES} entries (got {len(value)})"
    for name, text in value.items():
        if not isinstance(name, str) or not 1 <= len(name) <= MAP_NAME_MAX or any(ord(ch) < 32 for ch in name):
            return f"names must be 1-{MAP_NAME_MAX} printable characters (got {_show(name)})"
        if not isinstance(text, str):
            return f"{name[:40]!r} must be a text (got {_show(text)})"
        if len(text) > max_length:
            return f"{name[:40]!r} must be at most {max_length} characters (got {len(text)})"
        if any(ord(ch) < 32 and ch not in "\t\n" for ch in text):
            return f"{name[:40]!r} must not contain control characters"
    return None


def _show(value: object) -> str:
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."


_SPECS: tuple[PropertySpec, ...] = (
    # --- general ---------------------------------------------------------------------------------
    PropertySpec(
        "component",
        "enum",
        "Component",
        "What this element is, when it is a well-known cloud-native part. Rules use it to recognise the "
        "Kubernetes API server, kubelet, etcd, registries, metadata services and so on.",
        (EE, PR, DS),
        values=COMPONENTS,
    ),
    PropertySpec(
        "technology",
        "text",
        "Technology",
        "Product and version, for people reading the model (for example 'PostgreSQL 15').",
        (EE, PR, DS),
        max_length=120,
    ),
    PropertySpec(
        "authenticated",
        "bool",
        "Authenticated",
        "Whether identity is verified at this point.",
        (EE, PR, DS, FLOW),
        required_for=(PR, DS, FLOW),
        kind_descriptions={
            EE: "The entity proves its identity before it is served.",
            PR: "The process requires every caller to authenticate.",
            DS: "Access to the store requires authentication.",
            FLOW: "The receiver verifies the sender's identity on this flow.",
        },
    ),
    PropertySpec(
        "destination_authenticated",
        "bool",
        "Destination authenticated",
        "The sender verifies the receiver's identity before sending (a checked TLS server certificate, mTLS).",
        (FLOW,),
    ),
    PropertySpec(
        "encrypted",
        "bool",
        "Encrypted",
        "Whether the data is encrypted.",
        (DS, FLOW),
        required_for=(DS, FLOW),
        kind_descriptions={DS: "Data is encrypted at rest.", FLOW: "Data is encrypted in transit (TLS, mTLS, VPN)."},
    ),
    PropertySpec(
        "public_network",
        "bool",
        "Public network",
        "Whether the internet is involved.",
        (EE, PR, DS, TB, FLOW),
        required_for=(EE, FLOW),
        kind_descriptions={
            EE: "The entity reaches the system over the internet.",
            PR: "The process is directly reachable from the internet.",
            DS: "The store is directly reachable from the internet.",
            TB: "This boundary encloses the internet (untrusted zone).",
            FLOW: "The flow travels over a public network.",
        },
    ),
    PropertySpec(
        "data_classification",
        "enum",
        "Data classification",
        "The most sensitive class of data held or carried.",
        (PR, DS, FLOW),
        values=DATA_CLASSES,
        required_for=(DS, FLOW),
    ),
    PropertySpec(
        "stores_credentials",
        "bool",
        "Stores credentials",
        "Holds secrets, keys, tokens or password hashes.",
        (DS,),
        required_for=(DS,),
    ),
    PropertySpec("is_log", "bool", "Is a log", "The store holds logs or an audit trail.", (DS,)),
    PropertySpec("backed_up", "bool", "Backed up", "Data can be restored from a backup kept elsewhere.", (DS,)),
    PropertySpec(
        "privilege_level",
        "enum",
        "Privilege level",
        "How much the element is allowed to do.",
        (EE, PR),
        values=("anonymous", "user", "admin", "system"),
        kind_descriptions={
            EE: "The privilege the actor holds in the system.",
            PR: "The privilege the process runs with on its host or platform.",
        },
    ),
    PropertySpec("validates_input", "bool", "Validates input", "The process validates all input it receives.", (PR,)),
    PropertySpec("audit_logged", "bool", "Audit logged", "The process records who did what in an audit log.", (PR,)),
    PropertySpec("rate_limited", "bool", "Rate limited", "Callers are rate limited or quota bound.", (PR,)),
    PropertySpec(
        "carries_credentials",
        "bool",
        "Carries credentials",
        "Passwords, tokens or keys travel on this flow.",
        (FLOW,),
    ),
    PropertySpec(
        "out_of_scope",
        "bool",
        "Out of scope",
        "The team has placed this element or flow outside the model's scope: it is drawn and exported, but not analysed.",
        (EE, PR, DS, FLOW),
    ),
    PropertySpec(
        "out_of_scope_reason",
        "text",
        "Why out of scope",
        "Why this element or flow is outside the model's scope (who else answers for it).",
        (EE, PR, DS, FLOW),
        max_length=1_000,
    ),
    PropertySpec(
        "boundary_type",
        "enum",
        "Boundary type",
        "What kind of trust boundary this is.",
        (TB,),
        values=(
            "internet",
            "corporate",
            "cloud_account",
            "supply_chain",
            "cluster",
            "control_plane",
            "node",
            "namespace",
            "pod",
            "network_zone",
            "other",
        ),
        required_for=(TB,),
    ),
    # --- container / Kubernetes ------------------------------------------------------------------------
    PropertySpec(
        "privileged",
        "bool",
        "Privileged container",
        "Runs with securityContext.privileged: all capabilities and host devices.",
        (PR,),
        group="container",
    ),
    PropertySpec(
        "runs_as_root", "bool", "Runs as root", "The container's process runs as UID 0.", (PR,), group="container"
    ),
    PropertySpec(
        "host_path",
        "bool",
        "hostPath mount",
        "A directory of the node's filesystem is mounted into the container (or backs this store).",
        (PR, DS),
        group="container",
    ),
    PropertySpec(
        "host_pid", "bool", "Host PID namespace", "hostPID: sees every process on the node.", (PR,), group="container"
    ),
    PropertySpec(
        "host_network",
        "bool",
        "Host network",
        "hostNetwork: shares the node's network stack.",
        (PR,),
        group="container",
    ),
    PropertySpec(
        "host_ipc", "bool", "Host IPC namespace", "hostIPC: shares the node's IPC namespace.", (PR,), group="container"
    ),
    PropertySpec(
        "runtime_socket_mounted",
        "bool",
        "Runtime socket mounted",
        "docker.sock, containerd.sock or crio.sock is mounted into the container.",
        (PR,),
        group="container",
    ),
    PropertySpec(
        "automount_sa_token",
        "bool",
        "Service-account token mounted",
        "The pod's Kubernetes service-account token is mounted automatically.",
        (PR,),
        group="kubernetes",
    ),
    PropertySpec(
        "sa_permissions",
        "enum",
        "Service-account permissions",
        "What the workload's service account may do in the Kubernetes API.",
        (PR,),
        group="kubernetes",
        values=("none", "read_only", "namespaced_write", "cluster_admin"),
    ),
    PropertySpec(
        "image_signed",
        "bool",
        "Image signed",
        "The image's signature is verified before it runs (admission policy).",
        (PR,),
        group="container",
    ),
    PropertySpec(
        "image_registry",
        "enum",
        "Image registry",
        "Where the container image comes from.",
        (PR,),
        group="container",
        values=("private", "public"),
    ),
    PropertySpec(
        "secrets_in_env",
        "bool",
        "Secrets in environment",
        "Secrets are passed as environment variables or command-line arguments.",
        (PR,),
        group="container",
    ),
    PropertySpec(
        "resource_limits",
        "bool",
        "Resource limits",
        "CPU and memory limits are set for the container.",
        (PR,),
        group="container",
    ),
    PropertySpec(
        "network_policy",
        "bool",
        "Network policy",
        "A NetworkPolicy restricts traffic.",
        (PR, TB),
        group="kubernetes",
        kind_descriptions={
            PR: "A NetworkPolicy restricts this workload's ingress and egress.",
            TB: "A default-deny NetworkPolicy applies inside this boundary (namespace).",
        },
    ),
    PropertySpec(
        "exposes_k8s_api",
        "bool",
        "Exposes a cluster API",
        "Exposes the Kubernetes API, kubelet API, dashboard or Docker API to its callers.",
        (PR,),
        group="kubernetes",
    ),
    PropertySpec(
        "metadata_reachable",
        "bool",
        "Cloud metadata reachable",
        "The workload can reach the cloud instance metadata endpoint (169.254.169.254).",
        (PR,),
        group="kubernetes",
    ),
    # --- read from Kubernetes manifests and compose files (threatmodel/interop/manifests) ----------------
    PropertySpec(
        "allow_privilege_escalation",
        "bool",
        "Privilege escalation allowed",
        "allowPrivilegeEscalation is not false: a setuid binary or file capability can raise the process's privileges.",
        (PR,),
        group="container",
    ),
    PropertySpec(
        "added_capabilities",
        "text",
        "Added capabilities",
        "Linux capabilities added to the container (securityContext.capabilities.add, compose cap_add), by name, "
        "sorted and comma-separated ('NET_ADMIN, SYS_ADMIN'); empty text when none are added.",
        (PR,),
        group="container",
        max_length=1_000,
    ),
    PropertySpec(
        "dangerous_capabilities",
        "bool",
        "Dangerous capability added",
        "One of the added capabilities gives a path to the node: ALL, SYS_ADMIN, SYS_PTRACE, SYS_MODULE, "
        "DAC_READ_SEARCH, SYS_RAWIO, NET_ADMIN, BPF or PERFMON.",
        (PR,),
        group="container",
    ),
    PropertySpec(
        "host_path_mounts",
        "text",
        "hostPath mounts",
        "The node directories mounted into the container, each with (ro) or (rw), sorted and comma-separated; "
        "empty text when there are none.",
        (PR,),
        group="container",
        max_length=2_000,
    ),
    PropertySpec(
        "host_path_writable",
        "bool",
        "Writable hostPath mount",
        "At least one node directory is mounted read-write.",
        (PR,),
        group="container",
    ),
    PropertySpec(
        "host_path_sensitive",
        "bool",
        "Sensitive hostPath mount",
        "A node directory that leads to the node is mounted: /, or /etc, /root, /home, /proc, /sys, /dev, /boot, "
        "/var/run, /run, /var/lib/kubelet, /var/lib/docker, /var/lib/containerd, /var/log, /lib/modules or below, or a runtime socket.",
        (PR,),
        group="container",
    ),
    PropertySpec(
        "cryptominer",
        "bool",
        "Runs a cryptominer",
        "The container's image, command or arguments name a cryptocurrency miner, the stratum mining protocol "
        "or a mining pool.",
        (PR,),
        group="container",
    ),
    PropertySpec(
        "plaintext_credentials",
        "bool",
        "Credentials written in the manifest",
        "A password, token or key is written as a literal value in the manifest (an env value, an argument), "
        "readable by anyone who can read the manifest or the workload's spec.",
        (PR,),
        group="container",
    ),
    PropertySpec(
        "read_only_root_fs",
        "bool",
        "Read-only root filesystem",
        "readOnlyRootFilesystem (compose read_only): the container cannot write its own filesystem.",
        (PR,),
        group="container",
    ),
    PropertySpec(
        "run_as_non_root",
        "bool",
        "Must run as non-root",
        "runAsNonRoot: the kubelet refuses to start the container as UID 0.",
        (PR,),
        group="container",
    ),
    PropertySpec(
        "seccomp_profile",
        "enum",
        "Seccomp profile",
        "The seccomp profile the container runs under; unset in the manifest is 'unknown' (the runtime's default).",
        (PR,),
        group="container",
        values=("runtime_default", "localhost", "unconfined"),
    ),
    PropertySpec(
        "apparmor_profile",
        "enum",
        "AppArmor profile",
        "The AppArmor profile the container runs under (securityContext.appArmorProfile or the annotation).",
        (PR,),
        group="container",
        values=("runtime_default", "localhost", "unconfined"),
    ),
    PropertySpec(
        "image_pinned",
        "bool",
        "Image pinned by digest",
        "Every image is referenced by digest (@sha256:…), not by a tag that can be moved.",
        (PR,),
        group="container",
    ),
    PropertySpec(
        "exposure",
        "enum",
        "Exposure",
        "How far the element is reachable: inside the cluster only, on every node's port (NodePort, a compose "
        "published port), through a cloud load balancer, or through an Ingress or Gateway.",
        (EE, PR, DS, FLOW),
        group="kubernetes",
        values=("internal", "node_port", "load_balancer", "ingress"),
    ),
    PropertySpec(
        "rbac_secrets_read",
        "bool",
        "RBAC: reads Secrets",
        "The workload's service account may get, list or watch Secrets (resolved from its role bindings).",
        (PR,),
        group="kubernetes",
    ),
    PropertySpec(
        "rbac_pods_exec",
        "bool",
        "RBAC: exec into pods",
        "The service account may create pods/exec or pods/attach: run commands in other containers.",
        (PR,),
        group="kubernetes",
    ),
    PropertySpec(
        "rbac_create_pods",
        "bool",
        "RBAC: creates workloads",
        "The service account may create pods or pod-template workloads (Deployments, DaemonSets, Jobs…).",
        (PR,),
        group="kubernetes",
    ),
    PropertySpec(
        "rbac_escalate",
        "bool",
        "RBAC: bind, escalate or impersonate",
        "The service account may bind or escalate roles, or impersonate users, groups or service accounts.",
        (PR,),
        group="kubernetes",
    ),
    PropertySpec(
        "rbac_nodes_proxy",
        "bool",
        "RBAC: nodes/proxy",
        "The service account may use nodes/proxy: the kubelet API on every node, exec included.",
        (PR,),
        group="kubernetes",
    ),
    PropertySpec(
        "rbac_wildcard",
        "bool",
        "RBAC: wildcard rule",
        "A rule of the service account's roles grants '*' verbs or '*' resources.",
        (PR,),
        group="kubernetes",
    ),
    PropertySpec(
        "rbac_cluster_admin",
        "bool",
        "RBAC: cluster admin",
        "The service account is bound to cluster-admin, or to a ClusterRole granting every verb on every resource.",
        (PR,),
        group="kubernetes",
    ),
    PropertySpec(
        "pod_security_level",
        "enum",
        "Pod Security Admission level",
        "The Pod Security Standard a namespace enforces (pod-security.kubernetes.io/enforce).",
        (TB,),
        group="kubernetes",
        values=("privileged", "baseline", "restricted"),
    ),
    # --- kept from imported files ------------------------------------------------------------------------
    PropertySpec(
        "extra",
        "map",
        "Other facts from the imported file",
        "What the source tool recorded that has no property of its own here, under the tool's name for it "
        "(for example 'Provides Integrity': 'Yes' from Microsoft TMT). Kept and exported again; rules do not read it.",
        (EE, PR, DS, TB, FLOW),
        group="imported",
        max_length=2_000,
    ),
)

PROPERTIES: dict[str, PropertySpec] = {spec.name: spec for spec in _SPECS}


def specs_for(kind: str) -> dict[str, PropertySpec]:
    """The properties an element kind (or ``"flow"``) may carry, in declaration order."""
    return {name: spec for name, spec in PROPERTIES.items() if kind in spec.applies_to}


def required_for(kind: str) -> list[str]:
    return [name for name, spec in PROPERTIES.items() if kind in spec.required_for]


def validate_properties(kind: str, values: object, *, allow_unset: bool = False) -> dict[str, str]:
    """Check a ``{name: value}`` mapping for ``kind``; return ``{name: message}`` for each problem.

    ``allow_unset`` accepts ``None`` as a value, meaning "remove this property" in an update.
    """
    if not isinstance(values, Mapping):
        return {"": "must be an object of property names to values"}
    allowed = specs_for(kind)
    errors: dict[str, str] = {}
    for name, value in values.items():
        spec = allowed.get(name) if isinstance(name, str) else None
        if spec is None:
            if isinstance(name, str) and name in PROPERTIES:
                errors[str(name)] = f"does not apply to a {kind.replace('_', ' ')}"
            else:
                errors[str(name)[:60]] = f"is not a known property of a {kind.replace('_', ' ')}"
            continue
        if value is None and allow_unset:
            continue
        message = spec.check(value)
        if message:
            errors[name] = message
    return errors


def resolved(kind: str, stored: Mapping[str, Any]) -> dict[str, Any]:
    """Every property of ``kind`` with its stored value, or ``"unknown"`` when it was never set."""
    return {name: stored.get(name, UNKNOWN) for name in specs_for(kind)}


def as_document() -> dict[str, Any]:
    """The vocabulary as JSON, for the API and the editor."""
    return {
        "version": VOCABULARY_VERSION,
        "unknown": UNKNOWN,
        "kinds": list(ELEMENT_KINDS),
        "targets": {
            target: [
                {
                    "name": spec.name,
                    "type": spec.type,
                    "label": spec.label,
                    "description": spec.kind_descriptions.get(target, spec.description),
                    "group": spec.group,
                    "values": spec.allowed_values(),
                    "required": target in spec.required_for,
                    "default": UNKNOWN,
                    **({"max_length": spec.max_length} if spec.type in ("text", "map") else {}),
                }
                for spec in specs_for(target).values()
            ]
            for target in TARGETS
        },
    }
