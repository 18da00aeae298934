"""Snapshots: frozen native documents of a model, taken at approval or by hand, and their diffs.

The content is ``native.native_export`` — the whole model with its mitigations, decisions and risk
policy — so a snapshot can be re-imported, compared and read without the database it came from.
"""

from __future__ import annotations

import hashlib
import json
from typing import TYPE_CHECKING, Any

from django.db import transaction
from django.db.models import Max

from threatmodel.audit import audit
from threatmodel.models import Snapshot, SnapshotReason, ThreatModel
from threatmodel.permissions import require_role
from threatmodel.workflow.common import fail, lock_model, text
from threatmodel.workflow.diff import document_diff
from threatmodel.workflow.selectors import model_policy

if TYPE_CHECKING:
    from django.contrib.auth.models import User


def content_digest(content: Any) -> str:
    canonical = json.dumps(content, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def freeze(*, actor: User | None, model: ThreatModel, reason: str, label: str = "") -> Snapshot:
    """Write a snapshot of the model as it is now (call inside the caller's transaction, model locked)."""
    from threatmodel.native import native_export

    content = native_export(model)
    number = (Snapshot.objects.filter(threat_model=model).aggregate(top=Max("number"))["top"] or 0) + 1
    snapshot = Snapshot.objects.create(
        threat_model=model,
        number=number,
        reason=reason,
        label=label,
        stage=model.stage,
        model_version=model.version,
        policy_version=model_policy(model).version,
        content=content,
        content_sha256=content_digest(content),
        created_by=actor,
    )
    audit(
        actor=actor,
        action="snapshot.create",
        obj=snapshot,
        after={"number": number, "reason": reason, "label": label, "model_version": model.version, "sha256": snapshot.content_sha256},
    )
    return snapshot


def snapshot_create(*, actor: User, threat_model: ThreatModel, label: object = "") -> Snapshot:
    """Save a version of the model by hand (editors), e.g. before a workshop changes it."""
    require_role(actor, threat_model.team_id, "write", what="threat model")
    problems: list[Any] = []
    name = text(label, "label", problems, max_length=200)
    fail(problems)
    with transaction.atomic():
        model = lock_model(threat_model.pk)
        return freeze(actor=actor, model=model, reason=SnapshotReason.MANUAL, label=name)


def snapshot_diff(before: Snapshot, after: Snapshot | None) -> dict[str, Any]:
    """The diff from one snapshot to another, or to the model as it is now (``after`` None)."""
    from threatmodel.native import native_export

    if after is None:
        model = before.threat_model
        current = native_export(model)
        target = {"snapshot": None, "model_version": model.version, "stage": model.stage}
    else:
        current = after.content
        target = {"snapshot": after.number, "model_version": after.model_version, "stage": after.stage}
    return {
        "threat_model": before.threat_model_id,
        "from": {"snapshot": before.number, "model_version": before.model_version, "stage": before.stage},
        "to": target,
        "changes": document_diff(before.content, current),
    }
