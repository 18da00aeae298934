"""Every state change of threats: analysis and its idempotent sync, manual threats, triage, coverage notes.

``threats_sync`` is the bridge from the pure engine to the database. Findings are matched to
threats by fingerprint: new ones are created, existing ones are kept with everything people wrote
on them (status, ratings, notes, owner), and rule threats that no longer apply are marked
``obsolete`` with their previous status remembered — never deleted. A rule threat that applies
again is restored to the status it had. The engine's own output on a kept threat (title, suggested
levels, techniques, explanation) is rewritten only when its digest changed, so a re-run with no
diagram change writes nothing.
"""

from __future__ import annotations

import hashlib
import json
import uuid
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING, Any

from django.db import connection, transaction
from django.db.models import F, Value
from django.db.models.functions import Coalesce, NullIf
from django.utils import timezone

from common.errors import NotFound, ValidationFailed
from dfd.models import Element, Flow
from dfd.selectors import graph_for_model
from stride.choices import Stride, ThreatOrigin, ThreatStatus
from stride.engine import Finding, analyse
from stride.models import CoverageNote, Technique, Threat
from stride.ruleset import RuleSet, default_rules
from threatmodel.choices import AnalysisStatus
from threatmodel.models import Membership, ThreatModel
from threatmodel.permissions import require_role
from threatmodel.services import audit_record

if TYPE_CHECKING:
    from django.contrib.auth.models import User


@dataclass(frozen=True)
class SyncResult:
    new: int
    kept: int
    obsolete: int
    revived: int
    rewritten: int
    version: int

    def as_dict(self) -> dict[str, int]:
        return asdict(self)


def _explanation_json(finding: Finding) -> str:
    # Explanations are built in a fixed key order, so no sorting is needed for a stable digest.
    return json.dumps(finding.explanation, separators=(",", ":"), ensure_ascii=False)


def _digest(finding: Finding, explanation_json: str | None = None) -> str:
    """What the engine wrote on a threat, condensed: re-analysis rewrites a kept threat only when it changes."""
    payload = "|".join(
        (finding.title, str(finding.likelihood), str(finding.impact), ",".join(finding.techniques),
         explanation_json if explanation_json is not None else _explanation_json(finding))
    )
    return hashlib.blake2b(payload.encode(), digest_size=16).hexdigest()


def threats_sync(*, model: ThreatModel, findings: Iterable[Finding]) -> SyncResult:
    """Make the model's rule threats match ``findings``. The caller holds the model's row lock."""
    wanted = {finding.fingerprint: finding for finding in findings}
    existing = {
        row[0]: row[1:]
        for row in Threat.objects.filter(threat_model=model, origin=ThreatOrigin.RULE).values_list(
            "fingerprint", "id", "status", "finding_digest", "element_id", "flow_id"
        )
    }
    element_ids = dict(Element.objects.filter(threat_model=model).values_list("key", "id"))
    flow_ids = dict(Flow.objects.filter(threat_model=model).values_list("key", "id"))

    new = [finding for fingerprint, finding in wanted.items() if fingerprint not in existing]
    gone = [row[0] for fingerprint, row in existing.items() if fingerprint not in wanted and row[1] != ThreatStatus.OBSOLETE]
    revived = [row[0] for fingerprint, row in existing.items() if fingerprint in wanted and row[1] == ThreatStatus.OBSOLETE]
    rewrite: list[tuple[int, Finding]] = []
    retarget: list[Threat] = []
    for fingerprint, (threat_id, _status, digest, element_id, flow_id) in existing.items():
        finding = wanted.get(fingerprint)
        if finding is None:
            continue
        if digest != _digest(finding):
            rewrite.append((threat_id, finding))
        target = (element_ids.get(finding.element_key), flow_ids.get(finding.flow_key) if finding.flow_key else None)
        if (element_id, flow_id) != target:
            retarget.append(Threat(pk=threat_id, element_id=target[0], flow_id=target[1]))

    _insert(model, new, element_ids, flow_ids)
    if gone:
        Threat.objects.filter(pk__in=gone).update(
            status_before_obsolete=F("status"), status=ThreatStatus.OBSOLETE, updated_at=timezone.now()
        )
    if revived:
        Threat.objects.filter(pk__in=revived).update(
            status=Coalesce(NullIf(F("status_before_obsolete"), Value("")), Value(ThreatStatus.OPEN)),
            status_before_obsolete="",
            updated_at=timezone.now(),
        )
    if retarget:
        Threat.objects.bulk_update(retarget, ["element", "flow"], batch_size=2000)
    if rewrite:
        _rewrite(rewrite)
    return SyncResult(
        new=len(new),
        kept=len(wanted) - len(new),
        obsolete=len(gone),
        revived=len(revived),
        rewritten=len(rewrite),
        version=model.version,
    )


def _insert(
    model: ThreatModel,
    findings: list[Finding],
    element_ids: dict[str, int],
    flow_ids: dict[str, int],
) -> None:
    if not findings:
        return
    now = timezone.now()
    rows = []
    for f in findings:
        explanation_json = _explanation_json(f)
        rows.append(
            (
                model.pk, f.fingerprint, f.rule_id, ThreatOrigin.RULE.value, f.stride,
                element_ids.get(f.element_key), f.element_key, flow_ids.get(f.flow_key) if f.flow_key else None, f.flow_key,
                f.title, explanation_json, f.likelihood, f.impact, _digest(f, explanation_json), now,
            )
        )
    # A generated threat's techniques are its rule's (stride.techniques): no link rows here.
    if connection.vendor == "postgresql":
        _copy_threats(model, rows)
    else:
        _create_threats(model, rows)


_COLUMNS = (
    "threat_model_id", "fingerprint", "rule_id", "origin", "stride", "element_id", "element_key", "flow_id", "flow_key",
    "title", "explanation", "suggested_likelihood", "suggested_impact", "finding_digest", "created_at",
)
# Columns Django fills with field defaults on save; COPY must give them (the table has no DB defaults).
_DEFAULTS = {"description": "", "status": ThreatStatus.OPEN.value, "status_before_obsolete": "", "triaged": False, "rationale": "", "notes": ""}


def _copy_threats(model: ThreatModel, rows: list[tuple[Any, ...]]) -> None:
    """PostgreSQL: stream new threats with COPY (well over 100,000 rows a second)."""
    columns = (*_COLUMNS, "updated_at", *_DEFAULTS)
    defaults = tuple(_DEFAULTS.values())
    table = Threat._meta.db_table
    with connection.cursor() as cursor, cursor.cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
        for row in rows:
            copy.write_row((*row, row[-1], *defaults))  # updated_at = created_at


def _create_threats(model: ThreatModel, rows: list[tuple[Any, ...]]) -> None:
    """Other databases: bulk inserts in batches SQLite can take."""
    objects = [
        Threat(
            threat_model_id=row[0], fingerprint=row[1], rule_id=row[2], origin=row[3], stride=row[4], element_id=row[5],
            element_key=row[6], flow_id=row[7], flow_key=row[8], title=row[9], explanation=json.loads(row[10]),
            suggested_likelihood=row[11], suggested_impact=row[12], finding_digest=row[13], created_at=row[14], updated_at=row[14],
        )
        for row in rows
    ]
    for start in range(0, len(objects), 500):
        Threat.objects.bulk_create(objects[start : start + 500])


def _rewrite(items: list[tuple[int, Finding]]) -> None:
    now = timezone.now()
    Threat.objects.bulk_update(
        [
            Threat(
                pk=threat_id,
                title=f.title,
                explanation=f.explanation,
                suggested_likelihood=f.likelihood,
                suggested_impact=f.impact,
                finding_digest=_digest(f),
                updated_at=now,
            )
            for threat_id, f in items
        ],
        ["title", "explanation", "suggested_likelihood", "suggested_impact", "finding_digest", "updated_at"],
        batch_size=2000,
    )


# --- analysis -------------------------------------------------------------------------------------------------


def threat_model_analyse(
    *, model_id: int, actor: User | None = None, ruleset: RuleSet | None = None, durable: bool = True
) -> SyncResult:
    """Analyse the model's current diagrams and bring its threats up to date, under the model's lock.

    ``actor`` (when given) must be an editor; ``None`` is the system (after a diagram change).
    ``durable=False`` lets PostgreSQL acknowledge the commit before its log reaches the disk: for a
    background analysis on its own transaction, whose result a crash would only send back to
    "not analysed" (the version mark goes with it). Never for a transaction that holds user edits.
    """
    with transaction.atomic():
        if not durable and connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SET LOCAL synchronous_commit TO OFF")
        model = ThreatModel.objects.select_for_update().filter(pk=model_id).first()
        if model is None:
            raise NotFound("No such threat model.")
        if actor is not None:
            require_role(actor, model.team_id, "write", what="threat model")
        graph = graph_for_model(model.pk)
        suppressed = set(CoverageNote.objects.filter(threat_model=model).values_list("target_key", "stride"))
        findings = analyse(graph, ruleset or default_rules(), suppressed=suppressed)
        result = threats_sync(model=model, findings=findings)
        ThreatModel.objects.filter(pk=model.pk).update(
            analysed_version=model.version, analysed_at=timezone.now(), analysis_status=AnalysisStatus.IDLE, analysis_error=""
        )
        if actor is not None or result.new or result.obsolete or result.revived:
            audit_record(
                team_id=model.team_id,
                actor=actor,
                action="threat_model.analyse",
                obj=model,
                threat_model_id=model.pk,
                after=result.as_dict(),
            )
        return result


def analysis_mark(*, model_id: int, status: str, error: str = "") -> None:
    ThreatModel.objects.filter(pk=model_id).update(analysis_status=status, analysis_error=error[:2000])


# --- manual threats and triage -----------------------------------------------------------------------------------

# Statuses a person may set directly. Accepting or transferring a threat is a decision with an
# owner and an expiry (the workflow records it); obsolete belongs to the engine.
DIRECT_STATUSES = {ThreatStatus.OPEN, ThreatStatus.MITIGATED, ThreatStatus.ELIMINATED, ThreatStatus.NOT_APPLICABLE}
TRIAGE_FIELDS = {"notes", "owner", "triaged", "duplicate_of", "rationale", "likelihood", "impact", "status"}
MANUAL_FIELDS = {"title", "description", "stride", "techniques"}


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
) -> Threat:
    """A threat written by a person (no rule); it sits beside generated ones and is never made obsolete."""
    require_role(actor, threat_model.team_id, "write", what="threat model")
    if stride not in Stride.values:
        raise ValidationFailed("Unknown STRIDE category.", details=[{"path": "stride", "message": "must be one of S T R I D E"}])
    with transaction.atomic():
        element = Element.objects.filter(threat_model=threat_model, key=element_key).first() if element_key else None
        flow = Flow.objects.filter(threat_model=threat_model, key=flow_key).first() if flow_key else None
        if element_key and element is None:
            raise ValidationFailed("No such element in this model.", details=[{"path": "element", "message": f"no element {element_key!r}"}])
        if flow_key and flow is None:
            raise ValidationFailed("No such flow in this model.", details=[{"path": "flow", "message": f"no flow {flow_key!r}"}])
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
        )
        threat.full_clean()
        threat.save()
        threat.techniques.set(_techniques(techniques or []))
        audit_record(
            team_id=threat_model.team_id,
            actor=actor,
            action="threat.create",
            obj=threat,
            threat_model_id=threat_model.pk,
            after=_snapshot(threat),
        )
        return threat


def threat_update(*, actor: User, threat: Threat, changes: dict[str, Any]) -> Threat:
    """Triage a threat: status, rating and rationale, owner, notes, duplicate; title and text of manual ones.

    Ratings and statuses are workflow changes: they go through ``threatmodel.workflow`` (its role
    checks, band rules and audit events), not around it. Likelihood and impact go to
    ``threat_rate`` (with the rationale); a status goes to ``threat_status_set``, and not applicable
    becomes a not-applicable decision whose reason is the rationale. The remaining fields are
    triage and are written here, recorded as one ``threat.update`` event.
    """
    from threatmodel.workflow.decisions import decision_create
    from threatmodel.workflow.threats import threat_rate, threat_status_set

    model = threat.threat_model
    require_role(actor, model.team_id, "write", what="threat")
    allowed = TRIAGE_FIELDS | (MANUAL_FIELDS if threat.origin != ThreatOrigin.RULE else set())
    unknown = sorted(set(changes) - allowed)
    if unknown:
        reason = "is set by the rule" if set(unknown) <= MANUAL_FIELDS else "cannot be changed here"
        raise ValidationFailed("Some fields cannot be changed.", details=[{"path": name, "message": reason} for name in unknown])
    changes = dict(changes)
    status = changes.pop("status", None)
    if status is not None:
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
    with transaction.atomic():
        # The workflow services lock the model, then the threat: take the locks in the same order.
        ThreatModel.objects.select_for_update().only("id").get(pk=model.pk)
        locked = Threat.objects.select_for_update().get(pk=threat.pk)
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
        locked = Threat.objects.select_for_update().get(pk=threat.pk)
        if not changes:
            return locked
        before = _snapshot(locked)
        if changes.get("owner") is not None and not Membership.objects.filter(
            team_id=model.team_id, user_id=changes["owner"]
        ).exists():
            raise ValidationFailed("The owner must be a member of the team.", details=[{"path": "owner", "message": "not a member"}])
        if changes.get("duplicate_of") is not None:
            other = Threat.objects.filter(threat_model=model, pk=changes["duplicate_of"]).first()
            if other is None or other.pk == locked.pk:
                raise ValidationFailed(
                    "A threat can only duplicate another threat of the same model.",
                    details=[{"path": "duplicate_of", "message": "no such threat in this model"}],
                )
        for name, value in changes.items():
            if name == "owner":
                locked.owner_id = value
            elif name == "duplicate_of":
                locked.duplicate_of_id = value
            elif name == "techniques":
                locked.techniques.set(_techniques(value))
            else:
                setattr(locked, name, value)
        locked.full_clean()
        locked.save()
        audit_record(
            team_id=model.team_id,
            actor=actor,
            action="threat.update",
            obj=locked,
            threat_model_id=model.pk,
            threat_id=locked.pk,
            before=before,
            after=_snapshot(locked),
        )
        return locked


def threat_delete(*, actor: User, threat: Threat) -> None:
    require_role(actor, threat.threat_model.team_id, "write", what="threat")
    if threat.origin == ThreatOrigin.RULE:
        raise ValidationFailed(
            "A generated threat comes back on the next analysis; mark it not applicable (with a reason) instead.",
            details=[{"path": "origin", "message": "rule"}],
        )
    audit_record(
        team_id=threat.threat_model.team_id,
        actor=actor,
        action="threat.delete",
        obj=threat,
        threat_model_id=threat.threat_model_id,
        before=_snapshot(threat),
    )
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
        audit_record(
            team_id=threat_model.team_id,
            actor=actor,
            action="coverage_note.set",
            obj=note,
            threat_model_id=threat_model.pk,
            after={"target": target_key, "stride": stride, "reason": reason},
        )
        return note


def coverage_note_delete(*, actor: User, note: CoverageNote) -> None:
    require_role(actor, note.threat_model.team_id, "write", what="coverage note")
    audit_record(
        team_id=note.threat_model.team_id,
        actor=actor,
        action="coverage_note.delete",
        obj=note,
        threat_model_id=note.threat_model_id,
        before={"target": note.target_key, "stride": note.stride, "reason": note.reason},
    )
    note.delete()


def threats_for_filter(queryset: Any, *, technique: str | None = None, tactic: str | None = None) -> Any:
    """Narrow a threat queryset by ATT&CK technique (id) or tactic (id or shortname), sub-techniques included."""
    from stride.techniques import tactic_filter, technique_filter

    if technique:
        queryset = queryset.filter(technique_filter(technique))
    if tactic:
        queryset = queryset.filter(tactic_filter(tactic))
    return queryset.distinct()
