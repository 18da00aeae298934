"""Re-importing manifests into a diagram: the drift between what the files say and what is drawn.

The wanted state comes from the same readers and mapping as the first import, so its keys are
the ones already in the diagram; ``dfd.ops.ops_between`` gives the operations that turn the
current state into it. Only what the manifests own is compared: elements and flows whose keys
carry the format's prefix (``k8s:``, ``compose:``), and on those only the properties the mapping
writes (``MANAGED``). What a person drew (an external user, a cloud service, a note), what a
person set that the manifests cannot know (``image_signed``, ``encrypted`` on a flow…) and where
a person moved things are kept. A dry run answers the changes without writing; otherwise they go
through the single write path (``threatmodel.diagrams.diagram_change``) against a base version,
so threats and their triage follow the usual way: kept by fingerprint, new ones new, gone ones
obsolete — the model's history shows the drift.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

from django.db import transaction

from common.errors import ValidationFailed
from dfd.models import Diagram
from dfd.ops import DiagramState, ElementState, FlowState, ops_between
from dfd.services import load_state, stale
from threatmodel.diagrams import diagram_change
from threatmodel.interop import imports
from threatmodel.interop.manifests.formats import wanted_state
from threatmodel.interop.registry import IMPORTS
from threatmodel.interop.sources import SourceFile
from threatmodel.permissions import require_role
from threatmodel.workflow.common import lock_model
from threatmodel.workflow.drift import mitigations_broken, reopen_broken

if TYPE_CHECKING:
    from django.contrib.auth.models import User

FORMATS = {"kubernetes": "k8s:", "compose": "compose:"}
# Every property the mapping may write; the others on a manifest element belong to the people reviewing it.
MANAGED = frozenset(
    {"component", "technology", "privileged", "runs_as_root", "host_path", "host_pid", "host_network", "host_ipc",
     "runtime_socket_mounted", "automount_sa_token", "sa_permissions", "image_registry", "secrets_in_env", "resource_limits",
     "network_policy", "exposes_k8s_api", "metadata_reachable", "allow_privilege_escalation", "added_capabilities",
     "dangerous_capabilities", "host_path_mounts", "host_path_writable", "host_path_sensitive", "plaintext_credentials",
     "read_only_root_fs", "run_as_non_root", "seccomp_profile", "apparmor_profile", "image_pinned", "exposure",
     "rbac_secrets_read", "rbac_pods_exec", "rbac_create_pods", "rbac_escalate", "rbac_nodes_proxy", "rbac_wildcard",
     "rbac_cluster_admin", "pod_security_level", "boundary_type", "public_network", "extra", "stores_credentials",
     "encrypted", "authenticated", "carries_credentials", "cryptominer"}
)  # fmt: skip
# Of those, the ones a person may well set on a flow or store where the files say nothing.
_FILLED_BY_PEOPLE = frozenset(
    {"encrypted", "authenticated", "carries_credentials", "stores_credentials", "public_network"}
)


@dataclass(frozen=True)
class SyncOutcome:
    ops: list[dict[str, Any]]
    changes: dict[str, Any]
    warnings: list[str]
    base_version: int
    applied: dict[str, Any] | None = None  # the write's answer (version, analysis…) when not a dry run
    # verified mitigations the new state breaks: reopened when applied, would be on a dry run
    reopened: list[dict[str, Any]] | None = None

    def as_dict(self, *, dry_run: bool) -> dict[str, Any]:
        body: dict[str, Any] = {"dry_run": dry_run, "base_version": self.base_version, "operations": len(self.ops),
                                "changes": self.changes, "warnings": self.warnings, "ops": self.ops,
                                "reopened": self.reopened or []}  # fmt: skip
        if self.applied is not None:
            body["result"] = self.applied
        return body


def _merge_properties(current: Mapping[str, Any], wanted: Mapping[str, Any]) -> dict[str, Any]:
    kept = {
        name: value
        for name, value in current.items()
        if name not in MANAGED or (name in _FILLED_BY_PEOPLE and name not in wanted)
    }
    return {**kept, **wanted}


def _larger(drawn: float | None, wanted: float | None) -> float | None:
    return wanted if drawn is None else drawn if wanted is None else max(drawn, wanted)


def reconcile(current: DiagramState, wanted: DiagramState, prefix: str) -> DiagramState:
    """The state to move to: the manifests' elements and flows, with what people drew, set and moved kept."""
    elements: dict[str, ElementState] = {}
    for key, element in wanted.elements.items():
        before = current.elements.get(key)
        if before is not None and before.kind == element.kind:
            # Where a person put it stays; a boundary grows (never shrinks) when the files add members to it.
            element = replace(element, x=before.x, y=before.y, width=_larger(before.width, element.width),
                              height=_larger(before.height, element.height),
                              properties=_merge_properties(before.properties, element.properties))  # fmt: skip
        elements[key] = element
    for key, element in current.elements.items():
        if not key.startswith(prefix):
            elements[key] = element
    for key, element in list(elements.items()):
        if element.parent is not None and element.parent not in elements:
            elements[key] = replace(element, parent=None)  # its manifest boundary is gone: it stays, at the top level
    flows: dict[str, FlowState] = {}
    for key, flow in wanted.flows.items():
        before_flow = current.flows.get(key)
        if before_flow is not None:
            flow = replace(flow, properties=_merge_properties(before_flow.properties, flow.properties))
        flows[key] = flow
    for key, flow in current.flows.items():
        if not key.startswith(prefix) and flow.source in elements and flow.target in elements:
            flows[key] = flow
    return DiagramState(elements, flows, set(current.keys_elsewhere))


def _describe(element: ElementState | FlowState) -> dict[str, Any]:
    if isinstance(element, ElementState):
        return {"key": element.key, "kind": element.kind, "name": element.name}
    return {"key": element.key, "source": element.source, "target": element.target, "label": element.label}


def _property_changes(before: Mapping[str, Any], after: Mapping[str, Any]) -> dict[str, dict[str, Any]]:
    names = sorted(set(before) | set(after))
    return {
        name: {"before": before.get(name, "unknown"), "after": after.get(name, "unknown")}
        for name in names
        if before.get(name) != after.get(name)
    }


def changes_between(current: DiagramState, target: DiagramState) -> dict[str, Any]:
    """Added, changed and removed elements and flows, with each changed field's before and after."""
    out: dict[str, Any] = {}
    for label, before_all, after_all in (
        ("elements", current.elements, target.elements),
        ("flows", current.flows, target.flows),
    ):
        added = [_describe(after_all[key]) for key in sorted(set(after_all) - set(before_all))]
        removed = [_describe(before_all[key]) for key in sorted(set(before_all) - set(after_all))]
        changed = []
        for key in sorted(set(before_all) & set(after_all)):
            before, after = before_all[key], after_all[key]
            fields = {name: {"before": getattr(before, name), "after": getattr(after, name)}
                      for name in ("kind", "name", "parent", "source", "target", "label", "protocol", "description")
                      if hasattr(before, name) and getattr(before, name) != getattr(after, name)}  # fmt: skip
            properties = _property_changes(before.properties, after.properties)
            if fields or properties:
                changed.append({**_describe(after), "field_changes": fields, "properties": properties})
        out[label] = {"added": added, "changed": changed, "removed": removed}
    return out


def kept_by_people(target: DiagramState, prefix: str) -> dict[str, list[dict[str, Any]]]:
    """What stays as people drew it: the elements and flows of the target state the files do not own."""
    return {
        "elements": [_describe(element) for key, element in sorted(target.elements.items()) if not key.startswith(prefix)],
        "flows": [_describe(flow) for key, flow in sorted(target.flows.items()) if not key.startswith(prefix)],
    }


def diagram_sync_from_manifests(
    *, actor: User, diagram: Diagram, files: Sequence[SourceFile], fmt: str, base_version: int | None, dry_run: bool
) -> SyncOutcome:
    """Compare the diagram with the manifests; unless ``dry_run``, apply the difference at ``base_version``."""
    require_role(actor, diagram.threat_model.team_id, "write", what="diagram")
    if fmt not in FORMATS:
        raise ValidationFailed(
            "Say which files these are.",
            details=[{"path": "format", "message": f"must be one of {', '.join(FORMATS)}"}],
        )
    reader = IMPORTS[fmt]
    documents = [document for source in files for document in imports.parse_upload(source, reader)]
    wanted, _, warnings, _ = wanted_state(fmt, documents)
    current = load_state(diagram)
    target = reconcile(current, wanted, FORMATS[fmt])
    ops = ops_between(current, target)
    changes = {**changes_between(current, target), "kept": kept_by_people(target, FORMATS[fmt])}
    names = {key: element.name for key, element in target.elements.items()}
    names.update({key: flow.label or key for key, flow in target.flows.items()})
    if dry_run:
        would = [item.as_dict(names) for item in mitigations_broken(diagram.threat_model, current, target)] if ops else []
        return SyncOutcome(ops, changes, warnings, diagram.version, reopened=would)
    if base_version is None:
        raise ValidationFailed(
            "base_version is required to apply.",
            details=[{"path": "base_version", "message": "must be a positive integer"}],
        )
    if base_version != diagram.version:
        raise stale(diagram.pk, diagram.version, base_version)
    if not ops:
        unchanged = {"diagram": diagram.pk, "version": diagram.version, "threat_model_version": diagram.threat_model.version,
                     "applied": 0, "deleted_flows": [], "reparented": []}  # fmt: skip
        return SyncOutcome(ops, changes, warnings, base_version, unchanged)
    with transaction.atomic():  # the change and the reopenings it causes, or neither
        change = diagram_change(actor=actor, diagram_id=diagram.pk, base_version=base_version, ops=ops)
        model = lock_model(diagram.threat_model_id)
        broken = mitigations_broken(model, current, target)
        reopened = reopen_broken(actor=actor, model=model, broken=broken, files=[f.name for f in files if f.name], names=names)
    return SyncOutcome(ops, changes, warnings, base_version, change.as_dict(), reopened)
