"""Mitigations: create, change, link to threats, move through their statuses, verify, delete.

A mitigation moves proposed → planned → implemented → verified. Editors do the first three;
verifying is a review act (reviewer or above) by someone other than the person who implemented it,
and needs evidence. Changing what was verified — the evidence or the expected effect — sends a
verified mitigation back to implemented, to be verified again.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.validators import URLValidator
from django.db import transaction
from django.utils import timezone

from common.errors import Conflict, ErrorDetail, ValidationFailed
from stride.choices import ThreatStatus
from stride.models import AttackMitigation, Threat
from threatmodel.audit import audit, audit_record
from threatmodel.models import AuditEvent, Control, Mitigation, MitigationStatus, ThreatMitigation, ThreatModel
from threatmodel.permissions import require_role
from threatmodel.workflow.common import fail, lock_model, member, pin_policy, refuse_if_approved, snapshot_of, text

if TYPE_CHECKING:
    from django.contrib.auth.models import User

REF_RE = re.compile(r"^MIT-(\d{1,9})$")
AUDITED = (
    "ref",
    "title",
    "description",
    "status",
    "likelihood_reduction",
    "impact_reduction",
    "evidence_url",
    "evidence",
)
# Fields whose change invalidates a verification.
VERIFIED_FACTS = ("likelihood_reduction", "impact_reduction", "evidence_url", "evidence")
SETTABLE = (MitigationStatus.PROPOSED, MitigationStatus.PLANNED, MitigationStatus.IMPLEMENTED)


def _state(mitigation: Mitigation) -> dict[str, Any]:
    state = snapshot_of(mitigation, AUDITED)
    state["control"] = mitigation.control.control_id if mitigation.control_id and mitigation.control else None
    state["owner"] = mitigation.owner.get_username() if mitigation.owner_id and mitigation.owner else None
    state["attack_mitigations"] = sorted(mitigation.attack_mitigations.values_list("attack_id", flat=True))
    return state


def _next_ref(model: ThreatModel) -> str:
    """The next free MIT-n. References of deleted mitigations are never reused: snapshots and
    diffs identify mitigations by reference."""
    refs = list(Mitigation.objects.filter(threat_model=model).values_list("ref", flat=True))
    refs += [
        ref
        for ref in AuditEvent.objects.filter(threat_model_id=model.pk, action="mitigation.delete").values_list("before__ref", flat=True)
        if isinstance(ref, str)
    ]
    numbers = [int(m.group(1)) for ref in refs if (m := REF_RE.match(ref))]
    return f"MIT-{max(numbers, default=0) + 1}"


class _Fields:
    """Checks the editable fields of a mitigation; collects path-named problems."""

    def __init__(self, model: ThreatModel) -> None:
        self.model = model
        self.problems: list[ErrorDetail] = []

    def reduction(self, value: object, path: str, maximum: int) -> int:
        if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= maximum:
            self.problems.append({"path": path, "message": f"must be an integer from 0 to {maximum} (levels)"})
            return 0
        return value

    def control(self, value: object) -> Control | None:
        if value is None or value == "":
            return None
        control = Control.objects.filter(control_id=value).first() if isinstance(value, str) else None
        if control is None:
            self.problems.append({"path": "control", "message": f"{str(value)[:20]!r} is not a control of the catalogue"})
        return control

    def attack(self, values: object) -> list[AttackMitigation]:
        if not isinstance(values, list) or not all(isinstance(v, str) for v in values):
            self.problems.append({"path": "attack_mitigations", "message": "must be a list of ATT&CK mitigation ids (M1048)"})
            return []
        found = {m.attack_id: m for m in AttackMitigation.objects.filter(attack_id__in=values)}
        for index, value in enumerate(values):
            if value not in found:
                self.problems.append({"path": f"attack_mitigations[{index}]", "message": f"{value[:20]!r} is not in the ATT&CK catalogue"})
        return [found[v] for v in dict.fromkeys(values) if v in found]

    def url(self, value: object) -> str:
        url = text(value, "evidence_url", self.problems, max_length=1000)
        if url:
            try:
                URLValidator(schemes=["http", "https"])(url)
            except DjangoValidationError:
                self.problems.append({"path": "evidence_url", "message": "must be an http(s) URL"})
        return url

    def threats(self, ids: object, path: str = "threats") -> list[Threat]:
        if not isinstance(ids, list) or not all(isinstance(v, int) and not isinstance(v, bool) for v in ids):
            self.problems.append({"path": path, "message": "must be a list of threat ids"})
            return []
        found = {t.pk: t for t in Threat.objects.filter(threat_model=self.model, pk__in=ids)}
        for index, value in enumerate(ids):
            if value not in found:
                self.problems.append({"path": f"{path}[{index}]", "message": f"{value} is not a threat of this model"})
            elif found[value].status == ThreatStatus.OBSOLETE:
                self.problems.append({"path": f"{path}[{index}]", "message": f"threat {value} is obsolete"})
        return [found[v] for v in dict.fromkeys(ids) if v in found]


def mitigation_create(
    *,
    actor: User,
    threat_model: ThreatModel,
    title: object,
    description: object = "",
    control: object = None,
    attack_mitigations: object = (),
    likelihood_reduction: object = 0,
    impact_reduction: object = 0,
    owner: object = None,
    evidence_url: object = "",
    evidence: object = "",
    status: object = MitigationStatus.PROPOSED,
    threats: object = (),
) -> Mitigation:
    require_role(actor, threat_model.team_id, "write", what="threat model")
    check = _Fields(threat_model)
    values: dict[str, Any] = {
        "title": text(title, "title", check.problems, required=True, max_length=300),
        "description": text(description, "description", check.problems),
        "control": check.control(control),
        "likelihood_reduction": check.reduction(likelihood_reduction, "likelihood_reduction", 3),
        "impact_reduction": check.reduction(impact_reduction, "impact_reduction", 2),
        "evidence_url": check.url(evidence_url),
        "evidence": text(evidence, "evidence", check.problems),
    }
    attack = check.attack(list(attack_mitigations) if isinstance(attack_mitigations, tuple) else attack_mitigations)
    linked = check.threats(list(threats) if isinstance(threats, tuple) else threats)
    if status not in SETTABLE:
        check.problems.append({"path": "status", "message": f"must be one of {', '.join(SETTABLE)} (verifying is a separate step)"})
    try:
        values["owner"] = member(threat_model.team_id, owner, "owner")
    except ValidationFailed as exc:
        check.problems.extend(exc.details)
    fail(check.problems, "The mitigation is invalid; nothing was changed.")
    with transaction.atomic():
        model = lock_model(threat_model.pk)
        refuse_if_approved(model, "mitigations")
        pin_policy(model)
        mitigation = Mitigation.objects.create(
            threat_model=model,
            ref=_next_ref(model),
            status=str(status),
            created_by=actor,
            implemented_by=actor if status == MitigationStatus.IMPLEMENTED else None,
            implemented_at=timezone.now() if status == MitigationStatus.IMPLEMENTED else None,
            **values,
        )
        mitigation.attack_mitigations.set(attack)
        audit(actor=actor, action="mitigation.create", obj=mitigation, after=_state(mitigation))
        _link(actor, model, mitigation, linked)
        return mitigation


def mitigation_update(*, actor: User, mitigation: Mitigation, changes: Mapping[str, object]) -> Mitigation:
    """Change any of title, description, control, attack_mitigations, the expected effect, owner, evidence."""
    model = mitigation.threat_model
    require_role(actor, model.team_id, "write", what="mitigation")
    allowed = {
        "title",
        "description",
        "control",
        "attack_mitigations",
        "likelihood_reduction",
        "impact_reduction",
        "owner",
        "evidence_url",
        "evidence",
    }
    check = _Fields(model)
    for name in sorted(set(changes) - allowed):
        check.problems.append({"path": name[:60], "message": "cannot be changed here (status: use the status or verify actions)"})
    values: dict[str, Any] = {}
    for name, value in changes.items():
        if name == "title":
            values[name] = text(value, name, check.problems, required=True, max_length=300)
        elif name in ("description", "evidence"):
            values[name] = text(value, name, check.problems)
        elif name == "control":
            values[name] = check.control(value)
        elif name == "likelihood_reduction":
            values[name] = check.reduction(value, name, 3)
        elif name == "impact_reduction":
            values[name] = check.reduction(value, name, 2)
        elif name == "evidence_url":
            values[name] = check.url(value)
        elif name == "owner":
            try:
                values[name] = member(model.team_id, value, "owner")
            except ValidationFailed as exc:
                check.problems.extend(exc.details)
    attack = check.attack(changes["attack_mitigations"]) if "attack_mitigations" in changes else None
    fail(check.problems, "The change is invalid; nothing was changed.")
    with transaction.atomic():
        lock_model(model.pk)
        refuse_if_approved(model, "mitigations")
        locked = Mitigation.objects.select_for_update().get(pk=mitigation.pk)
        before = _state(locked)
        for name, value in values.items():
            setattr(locked, name, value)
        if attack is not None:
            locked.attack_mitigations.set(attack)
        after = _state(locked)
        if locked.status == MitigationStatus.VERIFIED and any(before[f] != after[f] for f in VERIFIED_FACTS):
            # What was verified is no longer what the mitigation says: it must be verified again.
            locked.status = MitigationStatus.IMPLEMENTED
            locked.verified_by = None
            locked.verified_at = None
            after["status"] = locked.status
        locked.save()
        if before != after:
            audit(
                actor=actor,
                action="mitigation.update",
                obj=locked,
                before={k: v for k, v in before.items() if before[k] != after[k]},
                after={k: v for k, v in after.items() if before[k] != after[k]},
            )
        return locked


def mitigation_status_set(*, actor: User, mitigation: Mitigation, status: object) -> Mitigation:
    """Move a mitigation to proposed, planned or implemented (verifying is ``mitigation_verify``)."""
    model = mitigation.threat_model
    require_role(actor, model.team_id, "write", what="mitigation")
    if status not in SETTABLE:
        raise ValidationFailed(
            "Unknown status for this action.",
            details=[{"path": "status", "message": f"must be one of {', '.join(SETTABLE)} (verify with the verify action)"}],
        )
    with transaction.atomic():
        lock_model(model.pk)
        refuse_if_approved(model, "mitigations")
        locked = Mitigation.objects.select_for_update().get(pk=mitigation.pk)
        before = {"status": locked.status}
        if locked.status != status:
            locked.status = str(status)
            if status == MitigationStatus.IMPLEMENTED:
                locked.implemented_by, locked.implemented_at = actor, timezone.now()
            else:
                locked.implemented_by, locked.implemented_at = None, None
            locked.verified_by, locked.verified_at = None, None
            locked.save()
            audit(actor=actor, action="mitigation.status", obj=locked, before=before, after={"status": locked.status})
            if status == MitigationStatus.PROPOSED:
                linked = list(ThreatMitigation.objects.filter(mitigation=locked).values_list("threat_id", flat=True))
                _reopen_unanswered(actor, model, linked)
        return locked


def mitigation_verify(*, actor: User, mitigation: Mitigation, evidence_url: object = None, evidence: object = None) -> Mitigation:
    """Verify an implemented mitigation: reviewer or above, not its implementer, with evidence."""
    model = mitigation.threat_model
    require_role(actor, model.team_id, "review", what="mitigation")
    check = _Fields(model)
    new_url = check.url(evidence_url) if evidence_url is not None else None
    new_text = text(evidence, "evidence", check.problems) if evidence is not None else None
    fail(check.problems, "The verification is invalid; nothing was changed.")
    with transaction.atomic():
        lock_model(model.pk)
        refuse_if_approved(model, "mitigations")
        locked = Mitigation.objects.select_for_update().get(pk=mitigation.pk)
        if locked.status != MitigationStatus.IMPLEMENTED:
            raise Conflict(
                f"Only an implemented mitigation can be verified; this one is {locked.status}.",
                details=[{"path": "status", "message": f"is {locked.status}, not implemented"}],
            )
        if locked.implemented_by_id is not None and locked.implemented_by_id == actor.pk:
            raise ValidationFailed(
                "You implemented this mitigation; someone else must verify it.",
                details=[{"path": "verified_by", "message": "must not be the implementer"}],
            )
        before = _state(locked)
        if new_url is not None:
            locked.evidence_url = new_url
        if new_text is not None:
            locked.evidence = new_text
        if not locked.has_evidence:
            raise ValidationFailed(
                "Verifying needs evidence: a link (pull request, policy, scan report, test run) or a text.",
                details=[{"path": "evidence", "message": "give evidence_url or evidence"}],
            )
        locked.status = MitigationStatus.VERIFIED
        locked.verified_by, locked.verified_at = actor, timezone.now()
        locked.save()
        audit(actor=actor, action="mitigation.verify", obj=locked, before=before, after=_state(locked))
        return locked


def mitigation_link(*, actor: User, mitigation: Mitigation, threats: object) -> Mitigation:
    model = mitigation.threat_model
    require_role(actor, model.team_id, "write", what="mitigation")
    check = _Fields(model)
    found = check.threats(threats)
    fail(check.problems, "The link is invalid; nothing was changed.")
    with transaction.atomic():
        locked_model = lock_model(model.pk)
        refuse_if_approved(locked_model, "mitigations")
        _link(actor, locked_model, mitigation, found)
        return mitigation


def mitigation_unlink(*, actor: User, mitigation: Mitigation, threats: object) -> Mitigation:
    """Unlink threats. A mitigated threat left without a planned mitigation goes back to open."""
    model = mitigation.threat_model
    require_role(actor, model.team_id, "write", what="mitigation")
    check = _Fields(model)
    if not isinstance(threats, list) or not all(isinstance(v, int) and not isinstance(v, bool) for v in threats):
        check.problems.append({"path": "threats", "message": "must be a list of threat ids"})
    fail(check.problems, "The request is invalid; nothing was changed.")
    assert isinstance(threats, list)
    with transaction.atomic():
        locked_model = lock_model(model.pk)
        refuse_if_approved(locked_model, "mitigations")
        links = {link.threat_id: link for link in ThreatMitigation.objects.filter(mitigation=mitigation, threat_id__in=threats)}
        missing = [{"path": f"threats[{i}]", "message": f"{v} is not linked to {mitigation.ref}"} for i, v in enumerate(threats) if v not in links]
        if missing:
            raise ValidationFailed("Some threats are not linked to this mitigation; nothing was changed.", details=missing)  # type: ignore[arg-type]
        for threat_id, link in links.items():
            link.delete()
            audit_record(
                team_id=locked_model.team_id,
                actor=actor,
                action="mitigation.unlink",
                obj=mitigation,
                threat_model_id=locked_model.pk,
                threat_id=threat_id,
                before={"mitigation": mitigation.ref, "threat": threat_id},
            )
        _reopen_unanswered(actor, locked_model, list(links))
        return mitigation


def mitigation_delete(*, actor: User, mitigation: Mitigation) -> None:
    model = mitigation.threat_model
    require_role(actor, model.team_id, "write", what="mitigation")
    with transaction.atomic():
        locked_model = lock_model(model.pk)
        refuse_if_approved(locked_model, "mitigations")
        locked = Mitigation.objects.select_for_update().get(pk=mitigation.pk)
        threat_ids = list(ThreatMitigation.objects.filter(mitigation=locked).values_list("threat_id", flat=True))
        audit(actor=actor, action="mitigation.delete", obj=locked, before={**_state(locked), "threats": threat_ids})
        locked.delete()
        _reopen_unanswered(actor, locked_model, threat_ids)


def _link(actor: User, model: ThreatModel, mitigation: Mitigation, threats: Iterable[Threat]) -> None:
    existing = set(ThreatMitigation.objects.filter(mitigation=mitigation).values_list("threat_id", flat=True))
    for threat in threats:
        if threat.pk in existing:
            continue
        ThreatMitigation.objects.create(threat=threat, mitigation=mitigation)
        audit(
            actor=actor,
            action="mitigation.link",
            obj=mitigation,
            after={"mitigation": mitigation.ref, "threat": threat.pk},
            scope=threat,
        )


def _reopen_unanswered(actor: User, model: ThreatModel, threat_ids: list[int]) -> None:
    """Threats marked mitigated that no longer have a planned mitigation are open again."""
    from threatmodel.models import PROJECTED_STATUSES

    answered = set(
        ThreatMitigation.objects.filter(threat_id__in=threat_ids, mitigation__status__in=PROJECTED_STATUSES).values_list(
            "threat_id", flat=True
        )
    )
    for threat in Threat.objects.select_for_update().filter(pk__in=threat_ids, status=ThreatStatus.MITIGATED).exclude(pk__in=answered):
        threat.status = ThreatStatus.OPEN
        threat.save(update_fields=["status", "updated_at"])
        audit(
            actor=actor,
            action="threat.status",
            obj=threat,
            before={"status": ThreatStatus.MITIGATED},
            after={"status": ThreatStatus.OPEN, "reason": "its last planned mitigation was removed"},
        )
