"""Stage transitions: advance one stage when the gate is clear, reopen to an earlier stage.

design → break → fix → verify need an editor (or owner) and a clear gate. verify → approved is the
sign-off: a reviewer (or the team owner) who is none of the model's authors; it freezes a snapshot
of the model. Leaving break records the model version, so that later diagram changes are flagged
until they are re-analysed. Reopening needs a reason and is recorded like every other step.
"""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING

from django.db import transaction

from common.errors import Conflict, ErrorDetail, Forbidden, ValidationFailed
from threatmodel.audit import audit
from threatmodel.choices import Stage
from threatmodel.models import Snapshot, SnapshotReason, ThreatModel
from threatmodel.permissions import require_role
from threatmodel.workflow import gates
from threatmodel.workflow.common import fail, lock_model, pin_policy, text
from threatmodel.workflow.selectors import model_author_ids, model_facts
from threatmodel.workflow.snapshots import freeze

if TYPE_CHECKING:
    from django.contrib.auth.models import User


def threat_model_advance(
    *, actor: User, threat_model: ThreatModel, to: object = None, note: object = "", today: date | None = None
) -> tuple[ThreatModel, Snapshot | None]:
    """Move the model to its next stage; answer the model and, at approval, the frozen snapshot."""
    problems: list[ErrorDetail] = []
    comment = text(note, "note", problems, max_length=5_000)
    fail(problems)
    with transaction.atomic():
        model = lock_model(threat_model.pk)
        target = gates.next_stage(model.stage)
        approving = target == Stage.APPROVED
        require_role(actor, model.team_id, "read", what="threat model")
        if target is None:
            raise Conflict("The model is approved; reopen it to change it.", details=[{"path": "stage", "message": "approved"}])
        role = require_role(actor, model.team_id, "review" if approving else "write", what="threat model")
        if to is not None and to != target:
            raise ValidationFailed(
                f"The model is in {model.stage}; the next stage is {target}.",
                details=[{"path": "to", "message": f"must be {target!r} (the model is in {model.stage})"}],
            )
        if approving:
            refusals = gates.signoff_blockers(model_id=model.pk, role=role, actor_id=actor.pk, author_ids=model_author_ids(model))
            if refusals:
                raise Forbidden(
                    " ".join(item.message for item in refusals),
                    details=[{"path": "actor", "message": item.message} for item in refusals],
                    blocking=[item.as_dict() for item in refusals],
                )
        blockers = gates.gate_blockers(model_facts(model, today=today))
        if blockers:
            raise Conflict(
                f"{len(blockers)} item(s) block the move from {model.stage} to {target}; nothing was changed.",
                details=[{"path": f"blocking[{i}]", "message": item.message} for i, item in enumerate(blockers[:100])],
                blocking=[item.as_dict() for item in blockers[:100]],
            )
        policy = pin_policy(model)
        before = {"stage": model.stage, "break_version": model.break_version}
        model.stage = target
        if target == Stage.FIX:
            model.break_version = model.version
        model.save(update_fields=["stage", "break_version", "updated_at"])
        audit(
            actor=actor,
            action="threat_model.advance",
            obj=model,
            before=before,
            after={"stage": model.stage, "break_version": model.break_version, "note": comment},
        )
        snapshot = None
        if approving:
            snapshot = freeze(actor=actor, model=model, reason=SnapshotReason.APPROVAL, label=comment[:200])
            audit(
                actor=actor,
                action="threat_model.approve",
                obj=model,
                after={"snapshot": snapshot.number, "risk_policy_version": policy.version, "model_version": model.version},
            )
        return model, snapshot


def threat_model_reopen(*, actor: User, threat_model: ThreatModel, to: object, reason: object) -> ThreatModel:
    """Send the model back to an earlier stage (the approval's snapshot stays as it was)."""
    require_role(actor, threat_model.team_id, "write", what="threat model")
    problems: list[ErrorDetail] = []
    why = text(reason, "reason", problems, required=True, max_length=5_000)
    if to not in Stage.values or to == Stage.APPROVED:
        problems.append({"path": "to", "message": "must be one of design, break, fix, verify"})
    fail(problems, "The request is invalid; nothing was changed.")
    with transaction.atomic():
        model = lock_model(threat_model.pk)
        if gates.STAGES.index(str(to)) >= gates.STAGES.index(model.stage):
            raise ValidationFailed(
                f"The model is in {model.stage}; reopening goes back to an earlier stage.",
                details=[{"path": "to", "message": f"must come before {model.stage}"}],
            )
        before = {"stage": model.stage, "break_version": model.break_version}
        model.stage = str(to)
        if model.stage in (Stage.DESIGN, Stage.BREAK):
            model.break_version = None
        model.save(update_fields=["stage", "break_version", "updated_at"])
        audit(
            actor=actor,
            action="threat_model.reopen",
            obj=model,
            before=before,
            after={"stage": model.stage, "break_version": model.break_version, "reason": why},
        )
        return model
