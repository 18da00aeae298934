"""Changes to a threat's risk and response: its inherent rating and its status.

Every rating and status change passes here (the threats API of the engine included), so each one
is role-checked and lands in the audit trail with the state before and after. Statuses that rest
on a decision (accepted, transferred, not applicable) are set by ``decisions``; obsolete belongs to
the engine's sync.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from django.db import transaction

from common.errors import Conflict, ErrorDetail, ValidationFailed
from stride.choices import ThreatStatus
from stride.models import Threat
from threatmodel.models import PROJECTED_STATUSES, Decision, DecisionStatus, ThreatMitigation, ThreatRating
from threatmodel.permissions import require_role
from threatmodel.services import audit_record
from threatmodel.workflow.common import fail, lock_model, pin_policy, refuse_if_approved, text
from threatmodel.workflow.risk import owasp_problems, owasp_propose

if TYPE_CHECKING:
    from django.contrib.auth.models import User

# Statuses a person sets directly; the others follow a decision or the engine.
SETTABLE_STATUSES = (ThreatStatus.OPEN, ThreatStatus.MITIGATED, ThreatStatus.ELIMINATED)


def _rating_state(threat: Threat) -> dict[str, Any]:
    return {
        "likelihood": threat.likelihood,
        "impact": threat.impact,
        "score": threat.inherent_score,
        "rationale": threat.rationale,
    }


def _level(value: object, path: str, problems: list[ErrorDetail]) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= 5:
        problems.append({"path": path, "message": "must be an integer from 1 (very low) to 5 (very high)"})
        return None
    return value


def threat_rate(
    *,
    actor: User,
    threat: Threat,
    rationale: object,
    likelihood: object = None,
    impact: object = None,
    owasp: object = None,
) -> Threat:
    """Rate a threat's inherent likelihood and impact (1–5) with a rationale.

    With ``owasp`` (the OWASP Risk Rating factor answers, 0–9 each), a level left out is taken
    from the factors' proposal, and the answers are kept for the audit.
    """
    model = threat.threat_model
    require_role(actor, model.team_id, "write", what="threat")
    problems: list[ErrorDetail] = []
    proposal = None
    if owasp is not None:
        owasp_errors = owasp_problems(owasp)
        problems.extend({"path": f"owasp.{path}".rstrip("."), "message": message} for path, message in owasp_errors)
        if not owasp_errors:
            assert isinstance(owasp, Mapping)
            proposal = owasp_propose(owasp)
    level_l = _level(likelihood, "likelihood", problems)
    level_i = _level(impact, "impact", problems)
    if proposal is not None:
        level_l = level_l if likelihood is not None else proposal.likelihood
        level_i = level_i if impact is not None else proposal.impact
    for name, value, given in (("likelihood", level_l, likelihood), ("impact", level_i, impact)):
        if value is None and given is None:
            problems.append({"path": name, "message": "is required (or answer its OWASP factors)"})
    reason = text(rationale, "rationale", problems, required=True)
    fail(problems, "The rating is invalid; nothing was changed.")
    assert level_l is not None and level_i is not None
    with transaction.atomic():
        locked_model = lock_model(model.pk)
        refuse_if_approved(locked_model, "ratings")
        locked = Threat.objects.select_for_update().get(pk=threat.pk)
        if locked.status == ThreatStatus.OBSOLETE:
            raise Conflict("The threat is obsolete: it no longer applies to the diagram.", details=[{"path": "status", "message": "obsolete"}])
        pin_policy(locked_model)
        before = _rating_state(locked)
        locked.likelihood, locked.impact, locked.rationale = level_l, level_i, reason
        locked.save(update_fields=["likelihood", "impact", "rationale", "updated_at"])
        ThreatRating.objects.update_or_create(threat=locked, defaults={"owasp": owasp if proposal else None, "rated_by": actor})
        after = _rating_state(locked)
        if proposal is not None:
            after["owasp"] = {"answers": owasp, "proposal": proposal.as_dict()}
        audit_record(
            team_id=model.team_id,
            actor=actor,
            action="threat.rate",
            obj=locked,
            threat_model_id=model.pk,
            threat_id=locked.pk,
            before=before,
            after=after,
        )
        return locked


def threat_status_set(*, actor: User, threat: Threat, status: object, reason: object = "") -> Threat:
    """Set a threat open, mitigated or eliminated.

    Mitigated needs a planned (or further) mitigation; eliminated needs a reason (the design change
    that removed it). A threat whose status rests on a live decision changes by revoking it.
    """
    model = threat.threat_model
    require_role(actor, model.team_id, "write", what="threat")
    problems: list[ErrorDetail] = []
    if status not in SETTABLE_STATUSES:
        problems.append(
            {
                "path": "status",
                "message": f"must be one of {', '.join(SETTABLE_STATUSES)} (accepted, transferred and not applicable "
                "are recorded as decisions)",
            }
        )
    note = text(reason, "reason", problems, required=status == ThreatStatus.ELIMINATED, max_length=5_000)
    fail(problems, "The status change is invalid; nothing was changed.")
    with transaction.atomic():
        locked_model = lock_model(model.pk)
        refuse_if_approved(locked_model, "threat statuses")
        locked = Threat.objects.select_for_update().get(pk=threat.pk)
        if locked.status == ThreatStatus.OBSOLETE:
            raise Conflict("The threat is obsolete: it no longer applies to the diagram.", details=[{"path": "status", "message": "obsolete"}])
        live = Decision.objects.filter(threat=locked, status__in=[DecisionStatus.PENDING, DecisionStatus.ACTIVE]).first()
        if live is not None and live.status == DecisionStatus.ACTIVE:
            raise Conflict(
                f"The threat's status follows its active {live.kind.replace('_', ' ')} (decision {live.pk}); revoke it first.",
                details=[{"path": "status", "message": f"set by decision {live.pk}"}],
            )
        if status == ThreatStatus.MITIGATED and not ThreatMitigation.objects.filter(
            threat=locked, mitigation__status__in=PROJECTED_STATUSES
        ).exists():
            raise ValidationFailed(
                "A threat is mitigated only when at least one planned, implemented or verified mitigation answers it.",
                details=[{"path": "status", "message": "link a planned mitigation first"}],
            )
        before = {"status": locked.status}
        locked.status = str(status)
        locked.save(update_fields=["status", "updated_at"])
        pin_policy(locked_model)
        audit_record(
            team_id=model.team_id,
            actor=actor,
            action="threat.status",
            obj=locked,
            threat_model_id=model.pk,
            threat_id=locked.pk,
            before=before,
            after={"status": locked.status, "reason": note},
        )
        return locked
