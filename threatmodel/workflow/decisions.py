"""Decisions: acceptance, exception, transfer, not applicable — and their expiry.

The band rules (DESIGN.md, research note §4.5) are enforced on the threat's projected residual
risk, under the model's policy:

- acceptance: not for an unacceptable risk; needs a risk owner, a justification and an expiry
  within the policy's limit (365 days by default);
- exception: for an unacceptable risk only; needs a risk owner, a justification, compensating
  controls and an expiry at most 90 days away; it waits for the team owner's approval, and until
  then the threat's status does not change;
- transfer: needs a recipient and evidence (an SLA, an attestation, a platform control id);
- not applicable: needs a reason.

An active decision sets the threat's status (accepted, transferred, not applicable); revoking it
or its expiry opens the threat again. ``decisions_expire`` is the daily job: it expires lapsed
acceptances and exceptions, reopens their threats (and the model, when it was past fix), and
tells each risk owner once by e-mail.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date, timedelta
from typing import TYPE_CHECKING, Any

from django.core.mail import EmailMessage
from django.db import transaction
from django.utils import timezone

from common.errors import Conflict, ErrorDetail, ValidationFailed
from stride.choices import ThreatStatus
from stride.models import Threat
from threatmodel.audit import audit
from threatmodel.choices import Role, Stage
from threatmodel.models import Decision, DecisionKind, DecisionStatus, Membership
from threatmodel.permissions import require_role
from threatmodel.workflow.common import fail, lock_model, member, pin_policy, refuse_if_approved, text
from threatmodel.workflow.gates import DECISION_STATUS
from threatmodel.workflow.risk import EXCEPTION_HARD_MAX_DAYS, Band
from threatmodel.workflow.selectors import model_policy, threat_risk

if TYPE_CHECKING:
    from django.contrib.auth.models import User

log = logging.getLogger(__name__)

EXPIRING = (DecisionKind.ACCEPTANCE, DecisionKind.EXCEPTION)


def _state(decision: Decision) -> dict[str, Any]:
    return {
        "decision": decision.pk,
        "kind": decision.kind,
        "status": decision.status,
        "justification": decision.justification,
        "owner": decision.owner.get_username() if decision.owner else None,
        "expires_on": decision.expires_on.isoformat() if decision.expires_on else None,
        "compensating_controls": decision.compensating_controls,
        "recipient": decision.recipient,
        "evidence": decision.evidence,
        "band": decision.band,
        "score": decision.score,
        "policy_version": decision.policy_version,
        "approved_by": decision.approved_by.get_username() if decision.approved_by else None,
    }


def _end(decision: Decision, status: str, actor: User | None, reason: str) -> None:
    decision.status = status
    decision.ended_by = actor
    decision.ended_at = timezone.now()
    decision.end_reason = reason
    decision.save(update_fields=["status", "ended_by", "ended_at", "end_reason"])


def decision_create(
    *,
    actor: User,
    threat: Threat,
    kind: object,
    justification: object = "",
    owner: object = None,
    expires_on: date | None = None,
    compensating_controls: object = "",
    recipient: object = "",
    evidence: object = "",
    today: date | None = None,
) -> Decision:
    model = threat.threat_model
    require_role(actor, model.team_id, "write", what="threat")
    today = today or timezone.localdate()
    problems: list[ErrorDetail] = []
    if kind not in DecisionKind.values:
        raise ValidationFailed("Unknown kind of decision.", details=[{"path": "kind", "message": f"must be one of {', '.join(DecisionKind.values)}"}])
    values: dict[str, Any] = {
        "justification": text(
            justification, "justification", problems, required=kind in (DecisionKind.ACCEPTANCE, DecisionKind.EXCEPTION, DecisionKind.NOT_APPLICABLE)
        ),
        "compensating_controls": text(compensating_controls, "compensating_controls", problems, required=kind == DecisionKind.EXCEPTION),
        "recipient": text(recipient, "recipient", problems, required=kind == DecisionKind.TRANSFER, max_length=200),
        "evidence": text(evidence, "evidence", problems, required=kind == DecisionKind.TRANSFER),
    }
    try:
        values["owner"] = member(model.team_id, owner, "owner")
    except ValidationFailed as exc:
        problems.extend(exc.details)
        values["owner"] = None
    if kind in EXPIRING and owner in (None, ""):
        problems.append({"path": "owner", "message": "is required: name the risk owner (a member of the team)"})
    policy = model_policy(model)  # the version pin_policy will pin below, read without writing
    if kind in EXPIRING:
        limit = policy.acceptance_max_days if kind == DecisionKind.ACCEPTANCE else min(policy.exception_max_days, EXCEPTION_HARD_MAX_DAYS)
        _check_expiry(expires_on, today, limit, problems, required=True)
    elif expires_on is not None:
        _check_expiry(expires_on, today, 3650, problems, required=False)
    risk = threat_risk(threat, policy=policy)
    if kind in EXPIRING:
        if risk.projected is None:
            problems.append({"path": "threat", "message": "rate the threat's inherent risk first: the band decides what may be accepted"})
        elif kind == DecisionKind.ACCEPTANCE and risk.projected.band == Band.UNACCEPTABLE:
            problems.append(
                {
                    "path": "kind",
                    "message": f"the projected residual risk ({risk.projected.score}) is unacceptable (≥ {policy.unacceptable_at}): "
                    "mitigate it, or request an exception",
                }
            )
        elif kind == DecisionKind.EXCEPTION and risk.projected.band != Band.UNACCEPTABLE:
            problems.append(
                {
                    "path": "kind",
                    "message": f"exceptions are for unacceptable risks only; the projected residual risk ({risk.projected.score}) "
                    "is not: accept it instead",
                }
            )
    fail(problems, f"The {str(kind).replace('_', ' ')} is invalid; nothing was changed.")
    with transaction.atomic():
        locked_model = lock_model(model.pk)
        refuse_if_approved(locked_model, "decisions")
        pinned = pin_policy(locked_model)
        locked = Threat.objects.select_for_update().get(pk=threat.pk)
        if locked.status == ThreatStatus.OBSOLETE:
            raise Conflict("The threat is obsolete: it no longer applies to the diagram.", details=[{"path": "threat", "message": "obsolete"}])
        pending = kind == DecisionKind.EXCEPTION
        superseded = Decision.objects.select_for_update().filter(
            threat=locked, status__in=[DecisionStatus.PENDING] if pending else [DecisionStatus.PENDING, DecisionStatus.ACTIVE]
        )
        for old in superseded:
            _end(old, DecisionStatus.SUPERSEDED, actor, f"superseded by a new {kind}")
        decision = Decision.objects.create(
            threat_model=locked_model,
            threat=locked,
            kind=str(kind),
            status=DecisionStatus.PENDING if pending else DecisionStatus.ACTIVE,
            expires_on=expires_on,
            band=risk.projected.band.value if risk.projected else "",
            score=risk.projected.score if risk.projected else None,
            policy_version=pinned.version,
            created_by=actor,
            **values,
        )
        before_status = locked.status
        if not pending:
            _set_threat_status(locked, DECISION_STATUS[str(kind)])
        audit(
            actor=actor,
            action="decision.create",
            obj=decision,
            before={"threat_status": before_status, "superseded": [d.pk for d in superseded]},
            after={**_state(decision), "threat_status": locked.status},
            scope=locked,
        )
        return decision


def _check_expiry(expires_on: date | None, today: date, limit: int, problems: list[ErrorDetail], *, required: bool) -> None:
    if expires_on is None:
        if required:
            problems.append({"path": "expires_on", "message": f"is required (a date within {limit} days)"})
        return
    if expires_on <= today:
        problems.append({"path": "expires_on", "message": "must be in the future"})
    elif expires_on > today + timedelta(days=limit):
        problems.append({"path": "expires_on", "message": f"must be at most {limit} days away (by {today + timedelta(days=limit)})"})


def _set_threat_status(threat: Threat, status: str) -> None:
    if threat.status != status:
        threat.status = status
        threat.save(update_fields=["status", "updated_at"])


def decision_approve(*, actor: User, decision: Decision, today: date | None = None) -> Decision:
    """The team owner approves a pending exception; it becomes the threat's active decision."""
    model = decision.threat_model
    require_role(actor, model.team_id, "manage", what="decision")
    today = today or timezone.localdate()
    with transaction.atomic():
        locked_model = lock_model(model.pk)
        refuse_if_approved(locked_model, "decisions")
        locked = Decision.objects.select_for_update().get(pk=decision.pk)
        if locked.kind != DecisionKind.EXCEPTION or locked.status != DecisionStatus.PENDING:
            raise Conflict(
                f"Only a pending exception can be approved; this is a {locked.status} {locked.kind.replace('_', ' ')}.",
                details=[{"path": "status", "message": f"is {locked.status}"}],
            )
        problems: list[ErrorDetail] = []
        policy = pin_policy(locked_model).as_policy()
        _check_expiry(locked.expires_on, today, min(policy.exception_max_days, EXCEPTION_HARD_MAX_DAYS), problems, required=True)
        threat = Threat.objects.select_for_update().get(pk=locked.threat_id)
        risk = threat_risk(threat, policy=policy)
        if risk.projected is None or risk.projected.band != Band.UNACCEPTABLE:
            problems.append({"path": "kind", "message": "the threat's projected residual risk is no longer unacceptable: accept it instead"})
        fail(problems, "The exception cannot be approved as it stands; nothing was changed.")
        for old in Decision.objects.select_for_update().filter(threat=threat, status=DecisionStatus.ACTIVE):
            _end(old, DecisionStatus.SUPERSEDED, actor, "superseded by an approved exception")
        before = _state(locked)
        locked.status = DecisionStatus.ACTIVE
        locked.approved_by, locked.approved_at = actor, timezone.now()
        locked.save(update_fields=["status", "approved_by", "approved_at"])
        before_status = threat.status
        _set_threat_status(threat, DECISION_STATUS[DecisionKind.EXCEPTION])
        audit(
            actor=actor,
            action="decision.approve",
            obj=locked,
            before={**before, "threat_status": before_status},
            after={**_state(locked), "threat_status": threat.status},
            scope=threat,
        )
        return locked


def decision_revoke(*, actor: User, decision: Decision, reason: object = "") -> Decision:
    """Withdraw a pending or active decision. The threat goes back to open if the decision set its status."""
    model = decision.threat_model
    require_role(actor, model.team_id, "write", what="decision")
    problems: list[ErrorDetail] = []
    note = text(reason, "reason", problems, max_length=5_000)
    fail(problems)
    with transaction.atomic():
        locked_model = lock_model(model.pk)
        refuse_if_approved(locked_model, "decisions")
        locked = Decision.objects.select_for_update().get(pk=decision.pk)
        if locked.status not in (DecisionStatus.PENDING, DecisionStatus.ACTIVE):
            raise Conflict(f"The decision is already {locked.status}.", details=[{"path": "status", "message": f"is {locked.status}"}])
        was_active = locked.status == DecisionStatus.ACTIVE
        _end(locked, DecisionStatus.REVOKED, actor, note)
        threat = Threat.objects.select_for_update().get(pk=locked.threat_id)
        before_status = threat.status
        if was_active and threat.status == DECISION_STATUS[locked.kind]:
            _set_threat_status(threat, ThreatStatus.OPEN)
        audit(
            actor=actor,
            action="decision.revoke",
            obj=locked,
            before={"status": DecisionStatus.ACTIVE if was_active else DecisionStatus.PENDING, "threat_status": before_status},
            after={"status": locked.status, "reason": note, "threat_status": threat.status},
            scope=threat,
        )
        return locked


# --- the daily expiry job ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ExpiryResult:
    expired: list[int]
    notified: list[int]

    def as_dict(self) -> dict[str, list[int]]:
        return {"expired": self.expired, "notified": self.notified}


def decisions_expire(*, today: date | None = None) -> ExpiryResult:
    """Expire acceptances and exceptions whose date has passed, reopen their threats, notify once.

    Each decision is handled in its own transaction, so one failure does not hold up the rest.
    The e-mail goes after the commit and ``notified_at`` is set when it went, so a run that fails
    to send is retried by the next run and a run that succeeded never sends twice.
    """
    today = today or timezone.localdate()
    expired: list[int] = []
    due = Decision.objects.filter(status=DecisionStatus.ACTIVE, kind__in=EXPIRING, expires_on__lt=today).values_list("pk", flat=True)
    for pk in list(due):
        if _expire_one(pk, today):
            expired.append(pk)
    notified: list[int] = []
    for decision in (
        Decision.objects.filter(status=DecisionStatus.EXPIRED, notified_at__isnull=True)
        .select_related("threat", "threat_model", "owner")
        .order_by("id")
    ):
        try:
            _notify(decision)
        except Exception:  # a mail server outage must not stop the job; the next run retries
            log.exception("Could not send the expiry notice of decision %s", decision.pk)
            continue
        Decision.objects.filter(pk=decision.pk, notified_at__isnull=True).update(notified_at=timezone.now())
        notified.append(decision.pk)
    return ExpiryResult(expired=expired, notified=notified)


def _expire_one(pk: int, today: date) -> bool:
    with transaction.atomic():
        decision = Decision.objects.select_for_update().filter(pk=pk, status=DecisionStatus.ACTIVE, expires_on__lt=today).first()
        if decision is None:
            return False  # someone revoked or renewed it meanwhile
        model = lock_model(decision.threat_model_id)
        _end(decision, DecisionStatus.EXPIRED, None, f"expired on {decision.expires_on}")
        threat = Threat.objects.select_for_update().get(pk=decision.threat_id)
        before_status = threat.status
        if threat.status == DECISION_STATUS[decision.kind]:
            _set_threat_status(threat, ThreatStatus.OPEN)
        audit(
            actor=None,
            action="decision.expire",
            obj=decision,
            before={"status": DecisionStatus.ACTIVE, "threat_status": before_status},
            after={"status": DecisionStatus.EXPIRED, "threat_status": threat.status, "expires_on": decision.expires_on.isoformat() if decision.expires_on else None},
            scope=threat,
        )
        if model.stage in (Stage.VERIFY, Stage.APPROVED) and threat.status == ThreatStatus.OPEN:
            before_stage = model.stage
            model.stage = Stage.FIX
            model.save(update_fields=["stage", "updated_at"])
            audit(
                actor=None,
                action="threat_model.reopen",
                obj=model,
                before={"stage": before_stage},
                after={"stage": model.stage, "reason": f"the {decision.kind} of threat {threat.pk} expired"},
            )
        return True


def _notify(decision: Decision) -> None:
    recipients = [decision.owner.email] if decision.owner is not None and decision.owner.email else []
    if not recipients:
        recipients = sorted(
            email
            for email in Membership.objects.filter(team_id=decision.threat_model.team_id, role=Role.OWNER).values_list(
                "user__email", flat=True
            )
            if email
        )
    if not recipients:
        return
    model, threat = decision.threat_model, decision.threat
    subject = f"[{model.name}] The {decision.kind} of '{threat.title[:80]}' expired"
    body = (
        f"The {decision.kind} of the threat '{threat.title}' in the threat model '{model.name}' expired on "
        f"{decision.expires_on}.\n\n"
        "The threat is open again. Mitigate it, or record a new decision with a fresh justification and expiry.\n\n"
        f"Justification that expired: {decision.justification}\n"
        f"Threat id {threat.pk}, threat model id {model.pk}.\n"
    )
    EmailMessage(subject, body, None, recipients).send()
