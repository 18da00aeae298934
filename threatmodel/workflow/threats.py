"""Every change a person makes to a threat: writing one, triage, rating, status, deletion, and the
coverage notes that waive a STRIDE cell.

This is the one owner of what people do to threats (the engine's ``stride.services`` only syncs
findings). Each change is role-checked, runs in one transaction under the model's lock, and lands
in the audit trail with the state before and after (``threatmodel.audit``). Statuses that rest on a
decision (accepted, transferred, not applicable) are set by ``decisions``; obsolete belongs to the
engine's sync.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from django.db import transaction

from common.errors import Conflict, ErrorDetail, ValidationFailed
from dfd.models import Element, Flow
from stride.choices import Stride, ThreatOrigin, ThreatStatus
from stride.models import CoverageNote, Technique, Threat
from threatmodel.audit import audit
from threatmodel.models import (
    PROJECTED_STATUSES,
    Decision,
    DecisionStatus,
    Membership,
    ThreatMitigation,
    ThreatModel,
    ThreatRating,
)
from threatmodel.permissions import require_role
from threatmodel.workflow.common import fail, lock_model, pin_policy, refuse_if_approved, text
from threatmodel.workflow.decisions import decision_create
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
        audit(actor=actor, action="threat.rate", obj=locked, before=before, after=after)
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
        audit(
            actor=actor,
            action="threat.status",
            obj=locked,
            before=before,
            after={"status": locked.status, "reason": note},
        )
        return locked


# --- manual threats and triage -----------------------------------------------------------------------------------

# Statuses a person may set directly. Accepting or transferring a threat is a decision with an
# owner and an expiry (the workflow records it); obsolete belongs to the engine.
DIRECT_STATUSES = {ThreatStatus.OPEN, ThreatStatus.MITIGATED, ThreatStatus.ELIMINATED, ThreatStatus.NOT_APPLICABLE}
TRIAGE_FIELDS = {"notes", "owner", "triaged", "duplicate_of", "rationale", "likelihood", "impact", "status"}
MANUAL_FIELDS = {"title", "description", "stride", "techniques", "statement", "element", "flow"}


def threat_create(
    *,
    actor: User,
    threat_model: ThreatModel,
    stride: str,
    title: str,
    description: str = "",
    element_key: str = "",
    flow_key: str = "",
    techniques: list[str] | None = None,
    likelihood: int | None = None,
    impact: int | None = None,
    statement: dict[str, str] | None = None,
) -> Threat:
    """A threat written by a person (no rule); it sits beside generated ones and is never made obsolete."""
    require_role(actor, threat_model.team_id, "write", what="threat model")
    if stride not in Stride.values:
        raise ValidationFailed("Unknown STRIDE category.", details=[{"path": "stride", "message": "must be one of S T R I D E"}])
    with transaction.atomic():
        element, flow = _subject(threat_model.pk, element_key, flow_key)
        threat = Threat(
            threat_model=threat_model,
            fingerprint=f"MANUAL@{uuid.uuid4().hex}",
            origin=ThreatOrigin.MANUAL,
            stride=stride,
            title=title,
            description=description,
            element=element,
            element_key=element_key,
            flow=flow,
            flow_key=flow_key,
            likelihood=likelihood,
            impact=impact,
            statement=statement or {},
        )
        threat.full_clean()
        threat.save()
        threat.techniques.set(_techniques(techniques or []))
        audit(actor=actor, action="threat.create", obj=threat, after=_snapshot(threat))
        return threat


def threat_update(*, actor: User, threat: Threat, changes: dict[str, Any]) -> Threat:
    """Triage a threat: status, rating and rationale, owner, notes, duplicate; title and text of manual ones.

    Ratings and statuses are workflow changes: they go through their own services (role checks,
    band rules and audit events), not around them. Likelihood and impact go to ``threat_rate``
    (with the rationale); a status goes to ``threat_status_set``, and not applicable becomes a
    not-applicable decision whose reason is the rationale. The remaining fields are triage and are
    written here, recorded as one ``threat.update`` event.
    """
    model = threat.threat_model
    require_role(actor, model.team_id, "write", what="threat")
    _check_fields(threat, changes)
    changes = dict(changes)
    status = changes.pop("status", None)
    if status is not None:
        _check_status(threat, status, changes)
    with transaction.atomic():
        # The workflow services lock the model, then the threat: take the locks in the same order.
        lock_model(model.pk)
        locked = Threat.objects.select_for_update().get(pk=threat.pk)
        locked = _rate_and_respond(actor, locked, status, changes)
        if not changes:
            return locked
        _check_references(model.team_id, model.pk, locked, changes)
        before = _snapshot(locked)
        for name, value in changes.items():
            if name == "owner":
                locked.owner_id = value
            elif name == "duplicate_of":
                locked.duplicate_of_id = value
            elif name == "techniques":
                locked.techniques.set(_techniques(value))
            elif name in ("element", "flow"):
                subject, _other = _subject(model.pk, value if name == "element" else "", value if name == "flow" else "")
                setattr(locked, name, subject if name == "element" else _other)
                setattr(locked, f"{name}_key", value)
            else:
                setattr(locked, name, value)
        locked.full_clean()
        locked.save()
        audit(actor=actor, action="threat.update", obj=locked, before=before, after=_snapshot(locked))
        return locked


def _subject(model_id: int, element_key: str, flow_key: str) -> tuple[Element | None, Flow | None]:
    """The element and flow a manual threat is about, by key; a key not in the model is refused."""
    element = Element.objects.filter(threat_model_id=model_id, key=element_key).first() if element_key else None
    flow = Flow.objects.filter(threat_model_id=model_id, key=flow_key).first() if flow_key else None
    if element_key and element is None:
        raise ValidationFailed("No such element in this model.", details=[{"path": "element", "message": f"no element {element_key!r}"}])
    if flow_key and flow is None:
        raise ValidationFailed("No such flow in this model.", details=[{"path": "flow", "message": f"no flow {flow_key!r}"}])
    return element, flow


def _check_fields(threat: Threat, changes: Mapping[str, Any]) -> None:
    allowed = TRIAGE_FIELDS | (MANUAL_FIELDS if threat.origin != ThreatOrigin.RULE else set())
    unknown = sorted(set(changes) - allowed)
    if unknown:
        reason = "is set by the rule" if set(unknown) <= MANUAL_FIELDS else "cannot be changed here"
        raise ValidationFailed("Some fields cannot be changed.", details=[{"path": name, "message": reason} for name in unknown])


def _check_status(threat: Threat, status: object, changes: Mapping[str, Any]) -> None:
    if status not in DIRECT_STATUSES:
        raise ValidationFailed(
            "That status needs a decision.",
            details=[{"path": "status", "message": f"set directly: {', '.join(sorted(DIRECT_STATUSES))}"}],
        )
    if threat.status == ThreatStatus.OBSOLETE:
        raise ValidationFailed(
            "An obsolete threat no longer applies to the diagram.", details=[{"path": "status", "message": "obsolete"}]
        )
    if status == ThreatStatus.NOT_APPLICABLE and not (changes.get("rationale") or threat.rationale).strip():
        raise ValidationFailed(
            "Say why the threat does not apply.",
            details=[{"path": "rationale", "message": "required when the status is not_applicable"}],
        )
    if status == ThreatStatus.ELIMINATED and not (changes.get("notes") or "").strip():
        raise ValidationFailed(
            "Say which design change removed the threat.",
            details=[{"path": "notes", "message": "required when the status is eliminated"}],
        )


def _rate_and_respond(actor: User, locked: Threat, status: object, changes: dict[str, Any]) -> Threat:
    """Pass the rating and the status on to their services; ``changes`` keeps the rest."""
    rates = "likelihood" in changes or "impact" in changes or (
        "rationale" in changes and locked.likelihood is not None and locked.impact is not None
    )
    if rates:
        locked = threat_rate(
            actor=actor,
            threat=locked,
            likelihood=changes.pop("likelihood", locked.likelihood),
            impact=changes.pop("impact", locked.impact),
            rationale=changes.pop("rationale", locked.rationale),
        )
    if status == ThreatStatus.NOT_APPLICABLE:
        reason = changes.pop("rationale", None) or locked.rationale
        decision_create(actor=actor, threat=locked, kind="not_applicable", justification=reason)
    elif status is not None:
        threat_status_set(actor=actor, threat=locked, status=status, reason=changes.get("notes", ""))
    return Threat.objects.select_for_update().get(pk=locked.pk)


def _check_references(team_id: int, model_id: int, locked: Threat, changes: Mapping[str, Any]) -> None:
    if changes.get("owner") is not None and not Membership.objects.filter(team_id=team_id, user_id=changes["owner"]).exists():
        raise ValidationFailed("The owner must be a member of the team.", details=[{"path": "owner", "message": "not a member"}])
    if changes.get("duplicate_of") is not None:
        other = Threat.objects.filter(threat_model_id=model_id, pk=changes["duplicate_of"]).first()
        if other is None or other.pk == locked.pk:
            raise ValidationFailed(
                "A threat can only duplicate another threat of the same model.",
                details=[{"path": "duplicate_of", "message": "no such threat in this model"}],
            )


def threat_delete(*, actor: User, threat: Threat) -> None:
    require_role(actor, threat.threat_model.team_id, "write", what="threat")
    if threat.origin == ThreatOrigin.RULE:
        raise ValidationFailed(
            "A generated threat comes back on the next analysis; mark it not applicable (with a reason) instead.",
            details=[{"path": "origin", "message": "rule"}],
        )
    audit(actor=actor, action="threat.delete", obj=threat, before=_snapshot(threat))
    threat.delete()


def _techniques(attack_ids: list[str]) -> list[int]:
    found = dict(Technique.objects.filter(attack_id__in=attack_ids).values_list("attack_id", "id"))
    missing = [a for a in attack_ids if a not in found]
    if missing:
        raise ValidationFailed(
            "Unknown ATT&CK techniques.", details=[{"path": "techniques", "message": f"not in the catalogue: {', '.join(missing[:5])}"}]
        )
    return [found[a] for a in attack_ids]


def _snapshot(threat: Threat) -> dict[str, Any]:
    return {
        "status": threat.status,
        "likelihood": threat.likelihood,
        "impact": threat.impact,
        "rationale": threat.rationale,
        "owner": threat.owner_id,
        "notes": threat.notes,
        "triaged": threat.triaged,
        "duplicate_of": threat.duplicate_of_id,
        "title": threat.title,
        "statement": threat.statement,
        "element": threat.element_key,
        "flow": threat.flow_key,
    }


# --- coverage notes ----------------------------------------------------------------------------------------------


def coverage_note_set(*, actor: User, threat_model: ThreatModel, target_key: str, stride: str, reason: str) -> CoverageNote:
    """Record that an element or flow × STRIDE letter was considered and needs no threat (or update the reason)."""
    require_role(actor, threat_model.team_id, "write", what="threat model")
    reason = reason.strip()
    if not reason:
        raise ValidationFailed("Say why no threat is needed.", details=[{"path": "reason", "message": "must not be empty"}])
    if stride not in Stride.values:
        raise ValidationFailed("Unknown STRIDE category.", details=[{"path": "stride", "message": "must be one of S T R I D E"}])
    exists = (
        Element.objects.filter(threat_model=threat_model, key=target_key).exclude(kind="trust_boundary").exists()
        or Flow.objects.filter(threat_model=threat_model, key=target_key).exists()
    )
    if not exists:
        raise ValidationFailed("No such element or flow.", details=[{"path": "target", "message": f"no element or flow {target_key!r}"}])
    with transaction.atomic():
        note, _ = CoverageNote.objects.update_or_create(
            threat_model=threat_model, target_key=target_key, stride=stride, defaults={"reason": reason, "author": actor}
        )
        audit(
            actor=actor,
            action="coverage_note.set",
            obj=note,
            after={"target": target_key, "stride": stride, "reason": reason},
        )
        return note


def coverage_note_delete(*, actor: User, note: CoverageNote) -> None:
    require_role(actor, note.threat_model.team_id, "write", what="coverage note")
    audit(
        actor=actor,
        action="coverage_note.delete",
        obj=note,
        before={"target": note.target_key, "stride": note.stride, "reason": note.reason},
    )
    note.delete()
