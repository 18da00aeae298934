"""The threat engine's side of threat state: the analysis call and the idempotent sync.

``stride`` offers what the engine does and nothing that a person does: ``model_findings`` runs
the pure engine over a model's graph (with the cells people waived), and ``threats_sync`` is the
bridge from its findings to the database. Every change a person makes to a threat is a workflow
service of the core (``threatmodel.workflow.threats``), and the analysis that joins a diagram
change to this sync is the core's too (``threatmodel.analysis``).

Findings are matched to threats by fingerprint: new ones are created, existing ones are kept with
everything people wrote on them (status, ratings, notes, owner), and rule threats that no longer
apply are marked ``obsolete`` with their previous status remembered — never deleted. A rule threat
that applies again is restored to the status it had. The engine's own output on a kept threat
(title, suggested levels, techniques, explanation) is rewritten only when its digest changed, so a
re-run with no diagram change writes nothing. Every row the sync writes is stamped with the
model's version (``changed_version``), and the result names the fingerprints it touched, so the
editor patches its list instead of reloading it.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from django.db import connection
from django.db.models import F, Value
from django.db.models.functions import Coalesce, NullIf
from django.utils import timezone

from dfd.graph import DfdGraph
from dfd.models import Element, Flow
from stride.choices import ThreatOrigin, ThreatStatus
from stride.engine import Finding, analyse
from stride.models import CoverageNote, Threat
from stride.ruleset import RuleSet, default_rules
from stride.techniques import tactic_filter, technique_filter


def model_findings(*, model_id: int, graph: DfdGraph, ruleset: RuleSet | None = None) -> list[Finding]:
    """The engine's findings on a model's graph, quiet in the cells people recorded as considered."""
    suppressed = set(CoverageNote.objects.filter(threat_model_id=model_id).values_list("target_key", "stride"))
    return analyse(graph, ruleset or default_rules(), suppressed=suppressed)


@dataclass(frozen=True)
class SyncResult:
    new: int
    kept: int
    obsolete: int
    revived: int
    rewritten: int
    version: int
    # The fingerprints of what changed, in each kind of change (a threat is in one list only).
    changes: Mapping[str, list[str]] = field(default_factory=dict)

    def as_dict(self) -> dict[str, int]:
        return {name: getattr(self, name) for name in ("new", "kept", "obsolete", "revived", "rewritten", "version")}

    @property
    def changed(self) -> list[str]:
        return [fingerprint for fingerprints in self.changes.values() for fingerprint in fingerprints]


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


def threats_sync(
    *,
    model_id: int,
    version: int,
    findings: Iterable[Finding],
    element_ids: Mapping[str, int] | None = None,
    flow_ids: Mapping[str, int] | None = None,
) -> SyncResult:
    """Make the model's rule threats match ``findings``; the caller holds the model's row lock.

    ``version`` is the model version analysed: every row written is stamped with it. The ids of
    the model's elements and flows by key are read unless the caller has them (after a write).
    """
    wanted = {finding.fingerprint: finding for finding in findings}
    existing = {
        row[0]: row[1:]
        for row in Threat.objects.filter(threat_model_id=model_id, origin=ThreatOrigin.RULE).values_list(
            "fingerprint", "id", "status", "finding_digest", "element_id", "flow_id"
        )
    }
    if element_ids is None:
        element_ids = dict(Element.objects.filter(threat_model_id=model_id).values_list("key", "id"))
    if flow_ids is None:
        flow_ids = dict(Flow.objects.filter(threat_model_id=model_id).values_list("key", "id"))

    new = [finding for fingerprint, finding in wanted.items() if fingerprint not in existing]
    gone = {fp: row[0] for fp, row in existing.items() if fp not in wanted and row[1] != ThreatStatus.OBSOLETE}
    revived = {fp: row[0] for fp, row in existing.items() if fp in wanted and row[1] == ThreatStatus.OBSOLETE}
    rewrite: list[tuple[int, Finding]] = []
    retarget: dict[str, Threat] = {}
    for fingerprint, (threat_id, _status, digest, element_id, flow_id) in existing.items():
        finding = wanted.get(fingerprint)
        if finding is None:
            continue
        if digest != _digest(finding):
            rewrite.append((threat_id, finding))
        target = (element_ids.get(finding.element_key), flow_ids.get(finding.flow_key) if finding.flow_key else None)
        if (element_id, flow_id) != target:
            retarget[fingerprint] = Threat(pk=threat_id, element_id=target[0], flow_id=target[1], changed_version=version)

    _insert(model_id, version, new, element_ids, flow_ids)
    now = timezone.now()
    if gone:
        Threat.objects.filter(pk__in=gone.values()).update(
            status_before_obsolete=F("status"), status=ThreatStatus.OBSOLETE, updated_at=now, changed_version=version
        )
    if revived:
        Threat.objects.filter(pk__in=revived.values()).update(
            status=Coalesce(NullIf(F("status_before_obsolete"), Value("")), Value(ThreatStatus.OPEN)),
            status_before_obsolete="",
            updated_at=now,
            changed_version=version,
        )
    if retarget:
        Threat.objects.bulk_update(retarget.values(), ["element", "flow", "changed_version"], batch_size=2000)
    if rewrite:
        _rewrite(rewrite, version)
    said = {f.fingerprint for f in new} | set(gone) | set(revived)
    rewritten = sorted({f.fingerprint for _, f in rewrite} - said)
    return SyncResult(
        new=len(new),
        kept=len(wanted) - len(new),
        obsolete=len(gone),
        revived=len(revived),
        rewritten=len(rewrite),
        version=version,
        changes={
            "new": [f.fingerprint for f in new],
            "obsolete": sorted(gone),
            "revived": sorted(revived),
            "rewritten": rewritten,
            "retargeted": sorted(set(retarget) - said - set(rewritten)),
        },
    )


def _insert(
    model_id: int,
    version: int,
    findings: list[Finding],
    element_ids: Mapping[str, int],
    flow_ids: Mapping[str, int],
) -> None:
    if not findings:
        return
    now = timezone.now()
    rows = []
    for f in findings:
        explanation_json = _explanation_json(f)
        rows.append(
            (
                model_id, f.fingerprint, f.rule_id, ThreatOrigin.RULE.value, f.stride,
                element_ids.get(f.element_key), f.element_key, flow_ids.get(f.flow_key) if f.flow_key else None, f.flow_key,
                f.title, explanation_json, f.likelihood, f.impact, _digest(f, explanation_json), version, now,
                f.confirmed, json.dumps(list(f.questions)),
            )
        )
    # A generated threat's techniques are its rule's (stride.techniques): no link rows here.
    if connection.vendor == "postgresql":
        _copy_threats(rows)
    else:
        _create_threats(rows)


_COLUMNS = (
    "threat_model_id", "fingerprint", "rule_id", "origin", "stride", "element_id", "element_key", "flow_id", "flow_key",
    "title", "explanation", "suggested_likelihood", "suggested_impact", "finding_digest", "changed_version", "created_at",
    "confirmed", "questions",
)
# Columns Django fills with field defaults on save; COPY must give them (the table has no DB defaults).
_DEFAULTS = {"description": "", "status": ThreatStatus.OPEN.value, "status_before_obsolete": "", "triaged": False, "rationale": "", "notes": "",
             "statement": "{}"}


def _copy_threats(rows: list[tuple[Any, ...]]) -> None:
    """PostgreSQL: stream new threats with COPY (well over 100,000 rows a second)."""
    columns = (*_COLUMNS, "updated_at", *_DEFAULTS)
    defaults = tuple(_DEFAULTS.values())
    table = Threat._meta.db_table
    created = _COLUMNS.index("created_at")
    with connection.cursor() as cursor, cursor.cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
        for row in rows:
            copy.write_row((*row, row[created], *defaults))  # updated_at = created_at


def _create_threats(rows: list[tuple[Any, ...]]) -> None:
    """Other databases: bulk inserts in batches SQLite can take."""
    objects = [
        Threat(
            threat_model_id=row[0], fingerprint=row[1], rule_id=row[2], origin=row[3], stride=row[4], element_id=row[5],
            element_key=row[6], flow_id=row[7], flow_key=row[8], title=row[9], explanation=json.loads(row[10]),
            suggested_likelihood=row[11], suggested_impact=row[12], finding_digest=row[13], changed_version=row[14],
            created_at=row[15], updated_at=row[15], confirmed=row[16], questions=json.loads(row[17]),
        )
        for row in rows
    ]
    for start in range(0, len(objects), 500):
        Threat.objects.bulk_create(objects[start : start + 500])


def _rewrite(items: list[tuple[int, Finding]], version: int) -> None:
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
                changed_version=version,
                updated_at=now,
                confirmed=f.confirmed,
                questions=list(f.questions),
            )
            for threat_id, f in items
        ],
        ["title", "explanation", "suggested_likelihood", "suggested_impact", "finding_digest", "changed_version", "updated_at",
         "confirmed", "questions"],
        batch_size=2000,
    )


def threats_for_filter(queryset: Any, *, technique: str | None = None, tactic: str | None = None) -> Any:
    """Narrow a threat queryset by ATT&CK technique (id) or tactic (id or shortname), sub-techniques included."""
    if technique:
        queryset = queryset.filter(technique_filter(technique))
    if tactic:
        queryset = queryset.filter(tactic_filter(tactic))
    return queryset.distinct()
