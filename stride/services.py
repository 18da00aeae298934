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
re-run with no diagram change writes nothing.

The digest has two halves: what the engine wrote (a hash of the text, as it was before the halves)
and what that text was computed from (``Finding.inputs``, with this code's version). The difference
is worked out in memory: a kept threat whose inputs are unchanged is skipped without building its
explanation — most of a re-analysis's time before, 257,668 explanations at 10,000 elements; one whose
inputs changed but whose text did not only gets its digest refreshed (no version stamp, no change
to report); only a changed text is rewritten. Every row the sync writes is stamped with the
model's version (``changed_version``), and the result names the fingerprints it touched, so the
editor patches its list instead of reloading it.
"""

from __future__ import annotations

import gc
import hashlib
import json
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from django.db import connection
from django.db.models import F, Value
from django.db.models.functions import Coalesce, NullIf
from django.utils import timezone

from dfd import graph as dfd_graph
from dfd import vocabulary
from dfd.graph import DfdGraph
from dfd.models import Element, Flow
from stride import conditions, engine
from stride.choices import ThreatOrigin, ThreatStatus
from stride.engine import Finding, analyse, input_signatures
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


_JSON = json.JSONEncoder(separators=(",", ":"), ensure_ascii=False)
# The code that turns a rule and a graph into a finding's text: a new version of it recomputes every text once.
_ENGINE = (engine, conditions, dfd_graph, vocabulary)
_CODE = hashlib.blake2b(b"".join(Path(m.__file__).read_bytes() for m in _ENGINE if m.__file__), digest_size=8).hexdigest()


def _explanation_json(finding: Finding) -> str:
    # Explanations are built in a fixed key order, so no sorting is needed for a stable digest.
    return _JSON.encode(finding.explanation)


def _text_digest(finding: Finding, explanation_json: str | None = None) -> str:
    """What the engine wrote on a threat, condensed: re-analysis rewrites a kept threat only when it changes."""
    payload = "|".join(
        (finding.title, str(finding.likelihood), str(finding.impact), ",".join(finding.techniques),
         explanation_json if explanation_json is not None else _explanation_json(finding))
    )
    return hashlib.blake2b(payload.encode(), digest_size=16).hexdigest()[:16]


def _bases(findings: Iterable[Finding]) -> Iterator[str]:
    """What each finding's text was computed from: its rule, what the rule reads, its questions, this code."""
    return input_signatures(findings, _CODE)


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
    # As in the engine: the sync holds a few hundred thousand small objects, and collecting garbage
    # meanwhile only walks them again and again (measured: a third of a no-change sync).
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        return _threats_sync(model_id, version, findings, element_ids, flow_ids)
    finally:
        if was_enabled:
            gc.enable()


def _threats_sync(
    model_id: int,
    version: int,
    findings: Iterable[Finding],
    element_ids: Mapping[str, int] | None,
    flow_ids: Mapping[str, int] | None,
) -> SyncResult:
    wanted = {finding.fingerprint: finding for finding in findings}
    with connection.cursor() as cursor:
        # A plain cursor: 250,000 rows come back several times faster than through values_list.
        cursor.execute(
            f"SELECT fingerprint, id, status, finding_digest, element_id, flow_id FROM {Threat._meta.db_table} "
            "WHERE threat_model_id = %s AND origin = %s",
            [model_id, ThreatOrigin.RULE.value],
        )
        existing = {row[0]: row[1:] for row in cursor.fetchall()}
    if element_ids is None:
        element_ids = dict(Element.objects.filter(threat_model_id=model_id).values_list("key", "id"))
    if flow_ids is None:
        flow_ids = dict(Flow.objects.filter(threat_model_id=model_id).values_list("key", "id"))

    new = [finding for fingerprint, finding in wanted.items() if fingerprint not in existing]
    gone = {fp: row[0] for fp, row in existing.items() if fp not in wanted and row[1] != ThreatStatus.OBSOLETE}
    revived = {fp: row[0] for fp, row in existing.items() if fp in wanted and row[1] == ThreatStatus.OBSOLETE}
    rewrite: list[tuple[int, Finding, str]] = []
    resign: list[tuple[int, str]] = []
    retarget: dict[str, Threat] = {}
    elements_get, flows_get = element_ids.get, flow_ids.get
    kept = [(row, wanted[fingerprint]) for fingerprint, row in existing.items() if fingerprint in wanted]
    for ((threat_id, _status, digest, element_id, flow_id), finding), basis in zip(
        kept, _bases(finding for _, finding in kept), strict=True
    ):
        if digest[16:] != basis:
            text = _text_digest(finding)
            if digest[:16] != text:
                rewrite.append((threat_id, finding, text + basis))
            else:  # computed from other inputs, to the same text: nothing to show, only the digest to keep
                resign.append((threat_id, text + basis))
        flow_key = finding.flow_key
        target = (elements_get(finding.element_key), flows_get(flow_key) if flow_key else None)
        if (element_id, flow_id) != target:
            retarget[finding.fingerprint] = Threat(pk=threat_id, element_id=target[0], flow_id=target[1], changed_version=version)

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
    if resign:
        _resign(resign)
    said = {f.fingerprint for f in new} | set(gone) | set(revived)
    rewritten = sorted({f.fingerprint for _, f, _ in rewrite} - said)
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
    for f, basis in zip(findings, _bases(findings), strict=True):
        explanation_json = _explanation_json(f)
        rows.append(
            (
                model_id, f.fingerprint, f.rule_id, ThreatOrigin.RULE.value, f.stride,
                element_ids.get(f.element_key), f.element_key, flow_ids.get(f.flow_key) if f.flow_key else None, f.flow_key,
                f.title, explanation_json, f.likelihood, f.impact, _text_digest(f, explanation_json) + basis, version, now,
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
    """PostgreSQL: stream new threats with COPY, as text lines this function writes (psycopg's
    ``write_row`` adapts each value in Python: measured, it was a tenth of a first sync)."""
    columns = (*_COLUMNS, "updated_at", *_DEFAULTS)
    table = Threat._meta.db_table
    created = _COLUMNS.index("created_at")
    tail = "\t".join(_copy_value(value) for value in _DEFAULTS.values())
    with connection.cursor() as cursor, cursor.cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
        for start in range(0, len(rows), 5000):
            lines = []
            for row in rows[start : start + 5000]:
                stamp = _copy_value(row[created])
                lines.append("\t".join([*map(_copy_value, row), stamp, tail]))  # updated_at = created_at
            copy.write(("\n".join(lines) + "\n").encode())


def _copy_value(value: Any) -> str:
    """One value in COPY's text format."""
    if value is None:
        return "\\N"
    if value is True or value is False:
        return "t" if value else "f"
    if isinstance(value, str):
        if "\\" in value or "\t" in value or "\n" in value or "\r" in value:
            return value.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")
        return value
    if isinstance(value, datetime):
        return value.isoformat()
    return str(value)


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


def _rewrite(items: list[tuple[int, Finding, str]], version: int) -> None:
    now = timezone.now()
    Threat.objects.bulk_update(
        [
            Threat(
                pk=threat_id,
                title=f.title,
                explanation=f.explanation,
                suggested_likelihood=f.likelihood,
                suggested_impact=f.impact,
                finding_digest=digest,
                changed_version=version,
                updated_at=now,
                confirmed=f.confirmed,
                questions=list(f.questions),
            )
            for threat_id, f, digest in items
        ],
        ["title", "explanation", "suggested_likelihood", "suggested_impact", "finding_digest", "changed_version", "updated_at",
         "confirmed", "questions"],
        batch_size=2000,
    )


def _resign(items: list[tuple[int, str]]) -> None:
    """Refresh only the digests, in one statement on PostgreSQL (bulk_update's CASE takes minutes for 250,000 rows)."""
    if connection.vendor != "postgresql":
        Threat.objects.bulk_update([Threat(pk=pk, finding_digest=d) for pk, d in items], ["finding_digest"], batch_size=500)
        return
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {Threat._meta.db_table} AS t SET finding_digest = v.digest "
            "FROM unnest(%s::bigint[], %s::varchar[]) AS v(id, digest) WHERE t.id = v.id",
            [[pk for pk, _ in items], [d for _, d in items]],
        )


def threats_for_filter(queryset: Any, *, technique: str | None = None, tactic: str | None = None) -> Any:
    """Narrow a threat queryset by ATT&CK technique (id) or tactic (id or shortname), sub-techniques included."""
    if technique:
        queryset = queryset.filter(technique_filter(technique))
    if tactic:
        queryset = queryset.filter(tactic_filter(tactic))
    return queryset.distinct()
