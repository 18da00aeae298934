"""The Docker Compose reader: services of one or more compose files into the shared inventory.

Several files are read the way ``docker compose -f a.yaml -f b.yaml`` merges them: a service named
again in a later file takes that file's keys over the earlier ones (one level deep). Each service is
one workload keyed by its name; its container facts use the same words as a pod's (``pods``), with
compose defaults (no ``no-new-privileges`` means escalation is allowed). A published port makes the
service reachable on the host's ports (``node_port``); ``depends_on``, ``links`` and service names
in the environment are the flows between services.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from common.errors import ErrorDetail
from threatmodel.interop.manifests import images
from threatmodel.interop.manifests.inventory import Inventory, Workload, stable_key
from threatmodel.interop.manifests.pods import capability_facts, host_mount, mount_facts
from threatmodel.interop.manifests.resources import as_items, as_map, place
from threatmodel.interop.sources import SourceDocument

_LIMIT_KEYS = ("mem_limit", "cpus", "cpu_quota")


def is_compose(value: Any) -> bool:
    return (
        isinstance(value, Mapping)
        and isinstance(value.get("services"), Mapping)
        and "kind" not in value
        and "apiVersion" not in value
    )


def compose_inventory(documents: Sequence[SourceDocument], problems: list[ErrorDetail]) -> Inventory:
    inventory = Inventory("compose")
    merged: dict[str, tuple[dict[str, Any], str]] = {}
    for document in documents:
        where = place(document)
        if not is_compose(document.value):
            problems.append(
                {"path": f"{where}, services", "message": "is required: a compose file is a map with a 'services' map"}
            )
            continue
        for name, body in as_map(document.value.get("services")).items():
            if not isinstance(body, Mapping):
                problems.append(
                    {"path": f"{where}, services.{name}", "message": "must be a map of the service's settings"}
                )
                continue
            before = merged.get(str(name), ({}, ""))[0]
            merged[str(name)] = ({**before, **body}, f"{where}, services.{name}")
    for name, (body, where) in merged.items():
        if not isinstance(body.get("image"), str) and body.get("build") is None:
            problems.append({"path": f"{where}.image", "message": "is required when the service has no build"})
            continue
        workload = _service(name, body, where, set(merged))
        inventory.workloads[workload.key] = workload
        inventory.origins[workload.key] = where
    return inventory


def _service(name: str, body: Mapping[str, Any], where: str, names: set[str]) -> Workload:
    image = str(body["image"]) if isinstance(body.get("image"), str) else ""
    environment = _environment(body.get("environment"))
    props = _security_facts(body, image, environment)
    workload = Workload(key=stable_key("compose", "service", name), kind="compose service", namespace="", name=name, where=where,
                        properties=props, images=[image] if image else [])  # fmt: skip
    workload.mentions = [(value, f"environment.{key}") for key, value in environment.items()]
    workload.mentions += [
        (str(arg), "command")
        for arg in (as_items(body.get("command")) or [body.get("command")])
        if isinstance(arg, str)
    ]
    depends = body.get("depends_on")
    workload.depends_on = [str(item) for item in (list(depends) if isinstance(depends, Mapping) else as_items(depends))]
    workload.depends_on += [str(link).split(":")[0] for link in as_items(body.get("links"))]
    workload.depends_on = [item for item in dict.fromkeys(workload.depends_on) if item in names and item != name]
    workload.host_ports = _published(body.get("ports"))
    if workload.host_ports:
        workload.exposure = "node_port"
    workload.store_kind = images.store_kind(image) if image else ""
    workload.has_volume_claims = any(
        isinstance(v, str) and not v.startswith(("/", ".", "~")) and ":" in v for v in as_items(body.get("volumes"))
    )
    workload.extra = {"Compose service": name, "Images": image or "(built from source)"}
    networks = body.get("networks")
    if networks:
        workload.extra["Networks"] = ", ".join(
            sorted(str(n) for n in (networks if isinstance(networks, Mapping) else as_items(networks)))
        )
    if workload.host_ports:
        workload.extra["Published ports"] = ", ".join(workload.host_ports)[:2000]
    return workload


def _security_facts(body: Mapping[str, Any], image: str, environment: Mapping[str, str]) -> dict[str, Any]:
    """What the service's own keys say about its container: privileges, confinement, user, limits, image, secrets."""
    props: dict[str, Any] = {
        "component": "workload",
        "privileged": body.get("privileged") is True,
        "host_pid": body.get("pid") == "host",
        "host_ipc": body.get("ipc") == "host",
        "host_network": body.get("network_mode") == "host",
        "read_only_root_fs": body.get("read_only") is True,
        **capability_facts({str(cap) for cap in as_items(body.get("cap_add"))}),
        **mount_facts(_binds(body)),
    }
    options = [str(item).replace("=", ":") for item in as_items(body.get("security_opt"))]
    props["allow_privilege_escalation"] = not any(
        opt.replace(" ", "") in ("no-new-privileges:true", "no-new-privileges") for opt in options
    )
    for prop, prefix in (("seccomp_profile", "seccomp:"), ("apparmor_profile", "apparmor:")):
        chosen = [opt.removeprefix(prefix) for opt in options if opt.startswith(prefix)]
        if props["privileged"] or "unconfined" in chosen:
            props[prop] = "unconfined"
        elif chosen:
            props[prop] = "localhost"
    user = body.get("user")
    if user is not None:
        props["runs_as_root"] = str(user).split(":")[0] in ("0", "root")
        props["run_as_non_root"] = not props["runs_as_root"]
    limits = as_map(as_map(as_map(body.get("deploy")).get("resources")).get("limits"))
    props["resource_limits"] = bool(limits) or any(body.get(key) for key in _LIMIT_KEYS)
    if image:
        kind = images.registry_kind(image)
        if kind != "unknown":
            props["image_registry"] = kind
        props["image_pinned"] = images.is_pinned(image)
        props["technology"] = image[:120]
    literal = any(images.credential_value(key, value) for key, value in environment.items())
    props["plaintext_credentials"] = literal
    props["secrets_in_env"] = literal
    props["cryptominer"] = images.names_a_miner(
        image, *(str(arg) for key in ("command", "entrypoint") for arg in _words(body.get(key)))
    )
    if props["host_network"]:
        props["metadata_reachable"] = True
    return props


def _words(value: object) -> list[str]:
    """A compose ``command`` or ``entrypoint``: a string or a list of them."""
    return [value] if isinstance(value, str) else [str(item) for item in as_items(value)]


def _binds(body: Mapping[str, Any]) -> list[dict[str, Any]]:
    mounts = []
    for volume in as_items(body.get("volumes")):
        if isinstance(volume, str):
            parts = volume.split(":")
            if len(parts) >= 2 and parts[0].startswith(("/", ".", "~")):
                mode = parts[2] if len(parts) > 2 else ""
                source = parts[0] if parts[0].startswith("/") else f"(project) {parts[0]}"
                mounts.append(
                    host_mount(source, "ro" in mode.split(",")) if parts[0].startswith("/") else _relative(source, mode)
                )
        elif isinstance(volume, Mapping) and volume.get("type") == "bind" and isinstance(volume.get("source"), str):
            source = str(volume["source"])
            mounts.append(
                host_mount(source, volume.get("read_only") is True) if source.startswith("/") else _relative(source, "")
            )
    return mounts


def _relative(source: str, mode: str) -> dict[str, Any]:
    # A project-relative bind mount is the application's own files: a host path, but not a sensitive one.
    read_only = "ro" in mode.split(",")
    return {
        "text": f"{source} ({'ro' if read_only else 'rw'})",
        "socket": source.endswith(".sock"),
        "sensitive": False,
        "writable": not read_only,
    }


def _environment(value: object) -> dict[str, str]:
    if isinstance(value, Mapping):
        return {str(k): "" if v is None else str(v) for k, v in value.items()}
    out = {}
    for item in as_items(value):
        if isinstance(item, str):
            key, _, text = item.partition("=")
            out[key] = text
    return out


def _published(value: object) -> list[str]:
    ports = []
    for item in as_items(value):
        if isinstance(item, str | int):
            text = str(item)
            # "80" publishes the container port on a random host port; "8080:80" and "ip:8080:80" on a chosen one.
            ports.append(text)
        elif isinstance(item, Mapping) and (item.get("published") or item.get("target")):
            ports.append(
                f"{item.get('host_ip', '')}{':' if item.get('host_ip') else ''}{item.get('published', '')}:{item.get('target', '')}"
            )
    return ports
