"""A pod template's security facts, as vocabulary properties (worst container wins).

Kubernetes defaults are facts, not gaps: a manifest without ``privileged`` runs unprivileged, one
without ``allowPrivilegeEscalation: false`` allows it, one without limits has none — so those are
set ``false`` or ``true``. What the manifest cannot tell stays unset (``unknown``): the user an
image runs as when no ``runAsUser`` is given, a seccomp profile left to the runtime's default.
A container's setting overrides the pod's; init and ephemeral containers count like the others.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from threatmodel.interop.manifests import images
from threatmodel.interop.manifests.resources import as_items, as_map

DANGEROUS_CAPABILITIES = frozenset(
    {
        "ALL",
        "SYS_ADMIN",
        "SYS_PTRACE",
        "SYS_MODULE",
        "DAC_READ_SEARCH",
        "SYS_RAWIO",
        "NET_ADMIN",
        "BPF",
        "PERFMON",
    }
)
RUNTIME_SOCKETS = ("docker.sock", "containerd.sock", "crio.sock", "cri-dockerd.sock", "podman.sock", "dockershim.sock")
# A mount of "/" or of anything under these leads to the node (its config, kubelet, runtime, kernel modules, logs).
SENSITIVE_PREFIXES = ("/etc", "/root", "/home", "/proc", "/sys", "/dev", "/boot", "/var/run", "/run", "/var/lib/kubelet",
                      "/var/lib/docker", "/var/lib/containerd", "/var/lib/etcd", "/var/log", "/lib/modules", "/usr/lib/modules")  # fmt: skip
_PROFILES = {"runtimedefault": "runtime_default", "localhost": "localhost", "unconfined": "unconfined"}
_ANNOTATION_PROFILES = {
    "runtime/default": "runtime_default",
    "docker/default": "runtime_default",
    "unconfined": "unconfined",
}


def containers_of(pod: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    return [
        as_map(c) for key in ("initContainers", "containers", "ephemeralContainers") for c in as_items(pod.get(key))
    ]


def host_mount(path: str, read_only: bool) -> dict[str, Any]:
    """The facts one node directory mounted into a container gives (shared with compose bind mounts)."""
    clean = "/" + path.strip().strip("/") if path.strip() else "/"
    return {
        "text": f"{clean} ({'ro' if read_only else 'rw'})",
        "socket": clean.endswith(RUNTIME_SOCKETS),
        "sensitive": clean == "/"
        or clean.endswith(RUNTIME_SOCKETS)
        or any(clean == prefix or clean.startswith(prefix + "/") for prefix in SENSITIVE_PREFIXES),
        "writable": not read_only,
    }


def mount_facts(mounts: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "host_path": bool(mounts),
        "host_path_mounts": ", ".join(sorted({m["text"] for m in mounts}))[:2000],
        "host_path_writable": any(m["writable"] for m in mounts),
        "host_path_sensitive": any(m["sensitive"] for m in mounts),
        "runtime_socket_mounted": any(m["socket"] for m in mounts),
    }


def capability_facts(names: set[str]) -> dict[str, Any]:
    clean = {name.upper().removeprefix("CAP_") for name in names if name}
    return {
        "added_capabilities": ", ".join(sorted(clean))[:1000],
        "dangerous_capabilities": bool(clean & DANGEROUS_CAPABILITIES),
    }


def pod_facts(pod: Mapping[str, Any], annotations: Mapping[str, Any]) -> dict[str, Any]:
    """Vocabulary properties of a pod spec (``annotations`` are the pod template's, for old-style profiles)."""
    pod_ctx = as_map(pod.get("securityContext"))
    containers = containers_of(pod)
    props: dict[str, Any] = {
        "host_pid": pod.get("hostPID") is True,
        "host_ipc": pod.get("hostIPC") is True,
        "host_network": pod.get("hostNetwork") is True,
    }
    contexts = [as_map(c.get("securityContext")) for c in containers] or [{}]
    props["privileged"] = any(ctx.get("privileged") is True for ctx in contexts)
    props["allow_privilege_escalation"] = any(ctx.get("allowPrivilegeEscalation") is not False for ctx in contexts)
    props["read_only_root_fs"] = all(ctx.get("readOnlyRootFilesystem") is True for ctx in contexts)
    props.update(_user_facts(pod_ctx, contexts))
    added: set[str] = set()
    for ctx in contexts:
        added |= {str(name) for name in as_items(as_map(ctx.get("capabilities")).get("add"))}
    props.update(capability_facts(added))
    props.update(mount_facts(_host_mounts(pod, containers)))
    props.update(
        _profile(
            "seccomp_profile", pod_ctx, contexts, props["privileged"], _seccomp_annotation(annotations, containers)
        )
    )
    props.update(
        _profile(
            "apparmor_profile", pod_ctx, contexts, props["privileged"], _apparmor_annotations(annotations, containers)
        )
    )
    props["resource_limits"] = bool(containers) and all(
        {"cpu", "memory"} <= set(as_map(as_map(c.get("resources")).get("limits")))
        for c in as_items(pod.get("containers"))
    )
    refs = [str(c.get("image")) for c in containers if isinstance(c.get("image"), str)]
    if refs:
        kinds = {images.registry_kind(ref) for ref in refs}
        registry = "public" if "public" in kinds else "unknown" if "unknown" in kinds else "private"
        if registry != "unknown":
            props["image_registry"] = registry
        props["image_pinned"] = all(images.is_pinned(ref) for ref in refs)
    props.update(env_facts(containers))
    props["cryptominer"] = images.names_a_miner(
        *refs, *(str(arg) for c in containers for arg in [*as_items(c.get("command")), *as_items(c.get("args"))])
    )
    if props["host_network"]:
        props["metadata_reachable"] = True  # the node's own network reaches the instance metadata endpoint
    return props


def _user_facts(pod_ctx: Mapping[str, Any], contexts: list[Mapping[str, Any]]) -> dict[str, Any]:
    users, non_root = [], []
    for ctx in contexts:
        user = ctx.get("runAsUser", pod_ctx.get("runAsUser"))
        users.append(user if isinstance(user, int) and not isinstance(user, bool) else None)
        non_root.append(ctx.get("runAsNonRoot", pod_ctx.get("runAsNonRoot")) is True)
    facts: dict[str, Any] = {"run_as_non_root": all(non_root)}
    if any(user == 0 for user in users):
        facts["runs_as_root"] = True
    elif all((user is not None and user > 0) or enforced for user, enforced in zip(users, non_root, strict=True)):
        facts["runs_as_root"] = False
    return facts


def _host_mounts(pod: Mapping[str, Any], containers: list[Mapping[str, Any]]) -> list[dict[str, Any]]:
    host_volumes = {
        str(as_map(v).get("name")): str(as_map(as_map(v).get("hostPath")).get("path") or "")
        for v in as_items(pod.get("volumes"))
        if isinstance(as_map(v).get("hostPath"), Mapping)
    }
    mounts = []
    mounted: set[str] = set()
    for container in containers:
        for mount in as_items(container.get("volumeMounts")):
            name = str(as_map(mount).get("name"))
            if name in host_volumes:
                mounted.add(name)
                mounts.append(host_mount(host_volumes[name], as_map(mount).get("readOnly") is True))
    # A hostPath volume no container mounts is still on the node's disk for the pod: count it writable.
    mounts += [host_mount(path, False) for name, path in host_volumes.items() if name not in mounted]
    return mounts


def _profile(
    prop: str,
    pod_ctx: Mapping[str, Any],
    contexts: list[Mapping[str, Any]],
    privileged: bool,
    annotated: list[str | None],
) -> dict[str, Any]:
    """The weakest profile across containers: unconfined, then unknown (unset), then the confined ones."""
    if privileged:
        return {prop: "unconfined"}  # privileged containers run without seccomp and AppArmor confinement
    field_name = "seccompProfile" if prop == "seccomp_profile" else "appArmorProfile"
    pod_type = as_map(pod_ctx.get(field_name)).get("type")
    found: list[str | None] = []
    for position, ctx in enumerate(contexts):
        kind = as_map(ctx.get(field_name)).get("type") or pod_type
        value = _PROFILES.get(str(kind).lower()) if kind else None
        found.append(value or (annotated[position] if position < len(annotated) else None))
    if "unconfined" in found:
        return {prop: "unconfined"}
    if None in found or not found:
        return {}
    return {prop: "localhost" if "localhost" in found else "runtime_default"}


def _seccomp_annotation(annotations: Mapping[str, Any], containers: list[Mapping[str, Any]]) -> list[str | None]:
    pod_value = annotations.get("seccomp.security.alpha.kubernetes.io/pod")
    out: list[str | None] = []
    for container in containers:
        value = annotations.get(f"container.seccomp.security.alpha.kubernetes.io/{container.get('name')}", pod_value)
        out.append(_annotation_profile(value))
    return out


def _apparmor_annotations(annotations: Mapping[str, Any], containers: list[Mapping[str, Any]]) -> list[str | None]:
    return [
        _annotation_profile(annotations.get(f"container.apparmor.security.beta.kubernetes.io/{c.get('name')}"))
        for c in containers
    ]


def _annotation_profile(value: object) -> str | None:
    if not isinstance(value, str):
        return None
    return _ANNOTATION_PROFILES.get(value.strip(), "localhost" if value.startswith("localhost/") else None)


def env_facts(containers: list[Mapping[str, Any]]) -> dict[str, Any]:
    """Secrets passed in the environment (references or literals), and literal credentials in the manifest."""
    referenced = literal = False
    for container in containers:
        for var in as_items(container.get("env")):
            entry = as_map(var)
            if as_map(as_map(entry.get("valueFrom")).get("secretKeyRef")):
                referenced = True
            value = entry.get("value")
            if isinstance(value, str) and images.credential_value(str(entry.get("name", "")), value):
                literal = True
        if any(as_map(as_map(source).get("secretRef")) for source in as_items(container.get("envFrom"))):
            referenced = True
        for arg in [*as_items(container.get("args")), *as_items(container.get("command"))]:
            if isinstance(arg, str) and images.credential_value("", arg):
                literal = True
    return {"secrets_in_env": referenced or literal, "plaintext_credentials": literal}


def secret_and_config_refs(pod: Mapping[str, Any]) -> tuple[set[str], set[str]]:
    """The Secrets and ConfigMaps a pod reads (volumes, env, envFrom), by name."""
    volumes = [as_map(volume) for volume in as_items(pod.get("volumes"))]
    projected = [as_map(source) for volume in volumes for source in as_items(as_map(volume.get("projected")).get("sources"))]
    containers = containers_of(pod)
    env = [as_map(as_map(var).get("valueFrom")) for container in containers for var in as_items(container.get("env"))]
    env_from = [as_map(source) for container in containers for source in as_items(container.get("envFrom"))]
    secrets = (
        _named((volume.get("secret") for volume in volumes), "secretName")
        | _named((source.get("secret") for source in projected), "name")
        | _named((source.get("secretKeyRef") for source in env), "name")
        | _named((source.get("secretRef") for source in env_from), "name")
        | _named(as_items(pod.get("imagePullSecrets")), "name")
    )
    configs = (
        _named((volume.get("configMap") for volume in volumes), "name")
        | _named((source.get("configMap") for source in projected), "name")
        | _named((source.get("configMapKeyRef") for source in env), "name")
        | _named((source.get("configMapRef") for source in env_from), "name")
    )
    return secrets, configs


def _named(references: Iterable[Any], field: str) -> set[str]:
    """The names the references give in `field`, skipping empty and malformed ones."""
    return {str(as_map(reference)[field]) for reference in references if as_map(reference).get(field)}
