"""Assumptions: what the team took for granted, linked to what rests on it.

Editors and owners write them; anyone in the team reads them. When an assumption turns out false
(``assumption_falsify``) every threat that depends on it — linked directly, or answered by a
linked mitigation — goes back to open: a live decision on it is revoked, and each reopened threat
and the assumption itself get an audit event.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.db import transaction
from django.utils import timezone

from common.errors import Conflict, ErrorDetail
from dfd.models import Element, Flow
from stride.choices import ThreatStatus
from stride.models import Threat
from threatmodel.audit import audit
from threatmodel.models import (
    Assumption,
    AssumptionStatus,
    Decision,
    DecisionStatus,
    Mitigation,
    ThreatMitigation,
    ThreatModel,
)
from threatmodel.permissions import require_role
from threatmodel.workflow.common import fail, lock_model, refuse_if_approved, text

if TYPE_CHECKING:
    from django.contrib.auth.models import User

LINKS = ("elements", "flows", "threats", "mitigations")
MAX_LINKS = 500


def _links(model_id: int, data: dict[str, Any], problems: list[ErrorDetail]) -> dict[str, list[Any]]:
    """The rows named by keys (elements, flows) and ids (threats, mitigations), all of this model."""
    found: dict[str, list[Any]] = {}
    sources: dict[str, tuple[Any, str]] = {
        "elements": (Element.objects.filter(threat_model_id=model_id), "key"),
        "flows": (Flow.objects.filter(threat_model_id=model_id), "key"),
        "threats": (Threat.objects.filter(threat_model_id=model_id), "pk"),
        "mitigations": (Mitigation.objects.filter(threat_model_id=model_id), "pk"),
    }
    for name in LINKS:
        if name not in data:
            continue
        wanted = list(dict.fromkeys(data[name]))
        if len(wanted) > MAX_LINKS:
            problems.append({"path": name, "message": f"at most {MAX_LINKS}"})
            continue
        queryset, field = sources[name]
        rows = {getattr(row, field): row for row in queryset.filter(**{f"{field}__in": wanted})}
        missing = [str(w) for w in wanted if w not in rows]
        if missing:
            problems.append({"path": name, "message": f"not in this model: {', '.join(missing[:5])}"})
        found[name] = [rows[w] for w in wanted if w in rows]
    return found


def _state(assumption: Assumption) -> dict[str, Any]:
    return {
        "text": assumption.text,
        "status": assumption.status,
        "elements": sorted(assumption.elements.values_list("key", flat=True)),
        "flows": sorted(assumption.flows.values_list("key", flat=True)),
        "threats": sorted(assumption.threats.values_list("pk", flat=True)),
        "mitigations": sorted(assumption.mitigations.values_list("pk", flat=True)),
    }


def assumption_create(*, actor: User, threat_model: ThreatModel, data: dict[str, Any]) -> Assumption:
    require_role(actor, threat_model.team_id, "write", what="threat model")
    problems: list[ErrorDetail] = []
    body = text(data.get("text"), "text", problems, required=True, max_length=5_000)
    links = _links(threat_model.pk, data, problems)
    fail(problems, "The assumption is invalid; nothing was changed.")
    with transaction.atomic():
        locked_model = lock_model(threat_model.pk)
        refuse_if_approved(locked_model, "assumptions")
        assumption = Assumption.objects.create(threat_model=threat_model, text=body.strip(), created_by=actor)
        for name, rows in links.items():
            getattr(assumption, name).set(rows)
        audit(actor=actor, action="assumption.create", obj=assumption, after=_state(assumption))
        return assumption


def assumption_update(*, actor: User, assumption: Assumption, data: dict[str, Any]) -> Assumption:
    model_id = assumption.threat_model_id
    require_role(actor, assumption.threat_model.team_id, "write", what="assumption")
    problems: list[ErrorDetail] = []
    body = text(data["text"], "text", problems, required=True, max_length=5_000) if "text" in data else None
    links = _links(model_id, data, problems)
    fail(problems, "The assumption is invalid; nothing was changed.")
    with transaction.atomic():
        locked_model = lock_model(model_id)
        refuse_if_approved(locked_model, "assumptions")
        locked = Assumption.objects.select_for_update().get(pk=assumption.pk)
        before = _state(locked)
        if body is not None:
            locked.text = body.strip()
            locked.save(update_fields=["text", "updated_at"])
        for name, rows in links.items():
            getattr(locked, name).set(rows)
        audit(actor=actor, action="assumption.update", obj=locked, before=before, after=_state(locked))
        return locked


def assumption_delete(*, actor: User, assumption: Assumption) -> None:
    require_role(actor, assumption.threat_model.team_id, "write", what="assumption")
    with transaction.atomic():
        refuse_if_approved(lock_model(assumption.threat_model_id), "assumptions")
        audit(actor=actor, action="assumption.delete", obj=assumption, before=_state(assumption))
        assumption.delete()


def dependent_threats(assumption: Assumption) -> list[Threat]:
    """The threats linked to the assumption and those answered by its linked mitigations."""
    mitigated = ThreatMitigation.objects.filter(mitigation__in=assumption.mitigations.all()).values("threat_id")
    direct = assumption.threats.values("pk")
    return list(
        Threat.objects.filter(threat_model_id=assumption.threat_model_id)
        .filter(pk__in=direct.union(mitigated))
        .order_by("pk")
    )


def assumption_falsify(*, actor: User, assumption: Assumption, reason: object = "") -> tuple[Assumption, list[int]]:
    """Record that the assumption turned out false and reopen every threat that depends on it.

    Returns the assumption and the ids of the threats reopened (open or obsolete ones are left as
    they are). An assumption already false is refused (409), as is a change to an approved model.
    """
    require_role(actor, assumption.threat_model.team_id, "write", what="assumption")
    problems: list[ErrorDetail] = []
    note = text(reason, "reason", problems, max_length=5_000)
    fail(problems)
    with transaction.atomic():
        locked_model = lock_model(assumption.threat_model_id)
        refuse_if_approved(locked_model, "assumptions")
        locked = Assumption.objects.select_for_update().get(pk=assumption.pk)
        if locked.status == AssumptionStatus.FALSE:
            raise Conflict("The assumption is already recorded as false.", details=[{"path": "status", "message": "false"}])
        why = f"Assumption {locked.pk} turned out false" + (f": {note}" if note.strip() else "")
        reopened: list[int] = []
        for threat in dependent_threats(locked):
            if threat.status in (ThreatStatus.OPEN, ThreatStatus.OBSOLETE):
                continue
            threat = Threat.objects.select_for_update().get(pk=threat.pk)
            revoked = []
            for decision in Decision.objects.select_for_update().filter(
                threat=threat, status__in=[DecisionStatus.PENDING, DecisionStatus.ACTIVE]
            ):
                decision.status = DecisionStatus.REVOKED
                decision.ended_by = actor
                decision.ended_at = timezone.now()
                decision.end_reason = why[:5_000]
                decision.save(update_fields=["status", "ended_by", "ended_at", "end_reason"])
                revoked.append(decision.pk)
            before = threat.status
            threat.status = ThreatStatus.OPEN
            threat.save(update_fields=["status", "updated_at"])
            audit(
                actor=actor,
                action="threat.reopen",
                obj=threat,
                before={"status": before},
                after={"status": threat.status, "reason": why, "assumption": locked.pk, "revoked_decisions": revoked},
            )
            reopened.append(threat.pk)
        locked.status = AssumptionStatus.FALSE
        locked.falsified_by = actor
        locked.falsified_at = timezone.now()
        locked.falsified_reason = note.strip()
        locked.save(update_fields=["status", "falsified_by", "falsified_at", "falsified_reason", "updated_at"])
        audit(
            actor=actor,
            action="assumption.falsify",
            obj=locked,
            before={"status": AssumptionStatus.HOLDS},
            after={"status": locked.status, "reason": note.strip(), "reopened_threats": reopened},
        )
        return locked, reopened
