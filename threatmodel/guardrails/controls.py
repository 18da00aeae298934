"""The container controls the admission policies enforce: what each refuses, in CEL and as a Kyverno rule.

Each control names the rules of the library whose threats it prevents, the catalogue controls a
model mitigation may point at (``Mitigation.control``) and one ATT&CK mitigation (M1xxx, from the
ATT&CK Containers catalogue; the test checks each id is there and addresses a technique of its
rules). The CEL reads the Pod being admitted (``object``); every controller's pods pass through it.
Parameters that differ by model (the hostPath allow-list, the registries, the accounts that need
no token) are written into the expression as literals, each checked to be a plain value first.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

# Names the importer treats as container runtime sockets (threatmodel.interop.manifests.pods).
RUNTIME_SOCKETS = ("docker.sock", "containerd.sock", "crio.sock", "cri-dockerd.sock", "podman.sock", "dockershim.sock")
_SAFE_LITERAL = re.compile(r"^[A-Za-z0-9._/:@-]{1,253}$")

# Every container of the pod, init and ephemeral ones included.
CONTAINERS = (
    "object.spec.containers"
    " + (has(object.spec.initContainers) ? object.spec.initContainers : [])"
    " + (has(object.spec.ephemeralContainers) ? object.spec.ephemeralContainers : [])"
)
VOLUMES = "has(object.spec.volumes) ? object.spec.volumes : []"
# Kyverno: the volume rules apply to pods that have a hostPath volume (a pod without volumes has none).
HOST_PATH_VOLUMES = {"all": [{"key": "{{ length(request.object.spec.volumes[?hostPath] || `[]`) }}", "operator": "GreaterThan", "value": 0}]}


def cel_list(values: Sequence[str]) -> str:
    """A CEL list literal of plain strings (paths, registries, names); anything else is refused."""
    for value in values:
        if not _SAFE_LITERAL.match(value):
            raise ValueError(f"{value!r} cannot be written into a policy expression")
    return "[" + ", ".join(json.dumps(v) for v in values) + "]"


@dataclass(frozen=True)
class Control:
    key: str  # the policy name's suffix
    title: str
    rules: tuple[str, ...]  # rule ids whose threats it prevents
    catalogue: tuple[str, ...]  # control ids (fixtures/controls) a mitigation may name
    attack_id: str
    attack_name: str
    message: str
    per_namespace: bool = False  # its parameters differ by namespace (one policy per namespace)

    def cel(self, params: dict[str, Any]) -> str:
        raise NotImplementedError

    def kyverno(self, params: dict[str, Any]) -> dict[str, Any]:
        raise NotImplementedError

    def kyverno_preconditions(self, params: dict[str, Any]) -> dict[str, Any] | None:
        """Which pods the Kyverno rule applies to beyond its match (None: every matched pod)."""
        return None


class Privileged(Control):
    def cel(self, params: dict[str, Any]) -> str:
        return "variables.containers.all(c, !has(c.securityContext) || !has(c.securityContext.privileged) || c.securityContext.privileged == false)"

    def kyverno(self, params: dict[str, Any]) -> dict[str, Any]:
        container = {"=(securityContext)": {"=(privileged)": "false"}}
        return {"pattern": {"spec": {"=(ephemeralContainers)": [container], "=(initContainers)": [container], "containers": [container]}}}


class HostNamespaces(Control):
    def cel(self, params: dict[str, Any]) -> str:
        return " && ".join(f"(!has(object.spec.{f}) || object.spec.{f} == false)" for f in ("hostNetwork", "hostPID", "hostIPC"))

    def kyverno(self, params: dict[str, Any]) -> dict[str, Any]:
        return {"pattern": {"spec": {"=(hostNetwork)": "false", "=(hostPID)": "false", "=(hostIPC)": "false"}}}


class HostPath(Control):
    def cel(self, params: dict[str, Any]) -> str:
        allowed = cel_list(params.get("host_path_allow", ()))
        return (
            f"variables.volumes.all(v, !has(v.hostPath) || {allowed}.exists(p, v.hostPath.path == p || v.hostPath.path.startsWith(p + '/')))"
        )

    def kyverno(self, params: dict[str, Any]) -> dict[str, Any]:
        allowed = list(params.get("host_path_allow", ()))
        return {
            "foreach": [{
                "list": "request.object.spec.volumes[?hostPath]",
                "deny": {"conditions": {"all": [
                    {"key": "{{ element.hostPath.path }}", "operator": "AnyNotIn", "value": allowed + [f"{p}/*" for p in allowed]},
                ]}},
            }]
        }  # fmt: skip

    def kyverno_preconditions(self, params: dict[str, Any]) -> dict[str, Any] | None:
        return HOST_PATH_VOLUMES


class RuntimeSocket(Control):
    def cel(self, params: dict[str, Any]) -> str:
        return f"variables.volumes.all(v, !has(v.hostPath) || !{cel_list(RUNTIME_SOCKETS)}.exists(s, v.hostPath.path.endsWith(s)))"

    def kyverno(self, params: dict[str, Any]) -> dict[str, Any]:
        return {
            "foreach": [{
                "list": "request.object.spec.volumes[?hostPath]",
                "deny": {"conditions": {"any": [
                    {"key": "{{ element.hostPath.path }}", "operator": "AnyIn", "value": [f"*{s}" for s in RUNTIME_SOCKETS]},
                ]}},
            }]
        }  # fmt: skip

    def kyverno_preconditions(self, params: dict[str, Any]) -> dict[str, Any] | None:
        return HOST_PATH_VOLUMES


class NonRoot(Control):
    def cel(self, params: dict[str, Any]) -> str:
        pod_non_root = "(has(object.spec.securityContext) && has(object.spec.securityContext.runAsNonRoot) && object.spec.securityContext.runAsNonRoot == true)"
        pod_root_uid = "(has(object.spec.securityContext) && has(object.spec.securityContext.runAsUser) && object.spec.securityContext.runAsUser == 0)"
        return (
            "variables.containers.all(c, "
            f"((has(c.securityContext) && has(c.securityContext.runAsNonRoot)) ? c.securityContext.runAsNonRoot == true : {pod_non_root})"
            f" && !((has(c.securityContext) && has(c.securityContext.runAsUser)) ? c.securityContext.runAsUser == 0 : {pod_root_uid}))"
        )

    def kyverno(self, params: dict[str, Any]) -> dict[str, Any]:
        # Kyverno's own require-run-as-nonroot shape: set at the pod (containers may only confirm it)
        # or on every container; UID 0 is refused at either level.
        optional = {"=(securityContext)": {"=(runAsNonRoot)": "true", "=(runAsUser)": ">0"}}
        required = {"securityContext": {"runAsNonRoot": "true", "=(runAsUser)": ">0"}}

        def spec(container: dict[str, Any]) -> dict[str, Any]:
            return {"=(ephemeralContainers)": [container], "=(initContainers)": [container], "containers": [container]}

        return {
            "anyPattern": [
                {"spec": {"securityContext": {"runAsNonRoot": "true", "=(runAsUser)": ">0"}, **spec(optional)}},
                {"spec": {"=(securityContext)": {"=(runAsUser)": ">0"}, **spec(required)}},
            ]
        }


class ReadOnlyRoot(Control):
    def cel(self, params: dict[str, Any]) -> str:
        return (
            "(object.spec.containers + (has(object.spec.initContainers) ? object.spec.initContainers : []))"
            ".all(c, has(c.securityContext) && has(c.securityContext.readOnlyRootFilesystem) && c.securityContext.readOnlyRootFilesystem == true)"
        )

    def kyverno(self, params: dict[str, Any]) -> dict[str, Any]:
        container = {"securityContext": {"readOnlyRootFilesystem": "true"}}
        return {"pattern": {"spec": {"=(initContainers)": [container], "containers": [container]}}}


class Images(Control):
    def cel(self, params: dict[str, Any]) -> str:
        registries = cel_list(params.get("registries", ()))
        return f"variables.containers.all(c, {registries}.exists(r, c.image.startsWith(r + '/')) && c.image.contains('@sha256:'))"

    def kyverno(self, params: dict[str, Any]) -> dict[str, Any]:
        allowed = "|".join(f"{r}/*@sha256:*" for r in params.get("registries", ())) or "none"
        container = {"image": allowed}
        return {"pattern": {"spec": {"=(ephemeralContainers)": [container], "=(initContainers)": [container], "containers": [container]}}}


class Token(Control):
    def cel(self, params: dict[str, Any]) -> str:
        accounts = cel_list(params.get("accounts", ()))
        return (
            f"!((has(object.spec.serviceAccountName) ? object.spec.serviceAccountName : 'default') in {accounts})"
            " || (has(object.spec.automountServiceAccountToken) && object.spec.automountServiceAccountToken == false)"
        )

    def kyverno(self, params: dict[str, Any]) -> dict[str, Any]:
        return {"pattern": {"spec": {"automountServiceAccountToken": "false"}}}

    def kyverno_preconditions(self, params: dict[str, Any]) -> dict[str, Any] | None:
        # Only the pods of the accounts that need no token (a JMESPath `||` only defaults the name).
        return {"all": [{"key": "{{ request.object.spec.serviceAccountName || 'default' }}", "operator": "AnyIn",
                         "value": list(params.get("accounts", ()))}]}  # fmt: skip


CONTROLS: tuple[Control, ...] = (
    Privileged("no-privileged", "No privileged containers", ("K8S-001", "K8S-002", "K8S-003"), ("DEP-03", "RTC-11"),
               "M1048", "Application Isolation and Sandboxing", "Privileged containers are refused: they own the node."),
    HostNamespaces("no-host-namespaces", "No host network, PID or IPC namespace", ("K8S-008", "K8S-009", "K8S-010"), ("DEP-03",),
                   "M1042", "Disable or Remove Feature or Program", "Pods may not share the node's network, process or IPC namespace."),
    HostPath("no-host-path", "No hostPath volume outside the allow-list", ("K8S-005", "K8S-006", "K8S-007"), ("DEP-03", "RTS-06"),
             "M1022", "Restrict File and Directory Permissions", "hostPath volumes are refused outside the allow-list."),
    RuntimeSocket("no-runtime-socket", "No container runtime socket", ("K8S-011", "K8S-012", "K8S-013"), ("DEP-03",),
                  "M1042", "Disable or Remove Feature or Program", "Mounting the container runtime's socket is refused."),
    NonRoot("run-as-non-root", "Containers run as non-root", ("K8S-004",), ("RTC-11", "DIS-07"),
            "M1048", "Application Isolation and Sandboxing", "Every container must run with runAsNonRoot: true and not as UID 0."),
    ReadOnlyRoot("read-only-root-filesystem", "Read-only root filesystem", (), ("RTC-12",),
                 "M1022", "Restrict File and Directory Permissions", "Every container must set readOnlyRootFilesystem: true."),
    Images("images-by-digest", "Images from allowed registries, by digest", ("K8S-017", "K8S-018", "K8S-019"), ("DEP-01", "DIS-11"),
           "M1045", "Code Signing", "Images must come from an allowed registry and be pinned by digest (@sha256:)."),
    Token("no-automounted-token", "No service-account token where the account needs none", ("K8S-014", "K8S-015", "K8S-016", "K8S-034"),
          ("RTA-06", "RTC-21"), "M1018", "User Account Management",
          "This service account needs no API access: set automountServiceAccountToken: false.", per_namespace=True),
)  # fmt: skip

NETWORK = Control("network", "Default-deny and the flows of the diagram", ("K8S-021", "K8S-022"), ("RTC-14", "RTC-21", "DEP-04"),
                  "M1030", "Network Segmentation", "")  # fmt: skip
POD_SECURITY = Control("pod-security", "Pod Security Admission level", ("K8S-001", "K8S-004", "K8S-005", "K8S-008", "K8S-009", "K8S-011"),
                       ("DEP-03",), "M1048", "Application Isolation and Sandboxing", "")  # fmt: skip
