"""The document's threats in a compact, column-wise form, and the document's cheap ETag.

A 1,000-element model has some 20,000 threats but only a few dozen rules: sent as one object per
threat, the rule's title, description and techniques and every field's name were repeated 20,000
times (13 MB). Here what threats share is sent once, in ``rules`` (one entry per distinct rule
text — one per rule unless a person edited a threat's text, or a finding waits on an answer and so
claims no techniques), and each threat is a position in parallel columns holding only what differs:
id, rule entry, subject, status (a position in ``statuses``), likelihood and impact. The few
threats that are triaged, rated, duplicates, unconfirmed, on a graph-walk path or with an unusual
fingerprint are listed by position. What the editor shows only for an opened threat (the engine's reasons, notes, rationale,
the owner, the statement) is not here: it fetches ``GET /api/v1/threats/{id}/`` then.

The ETag is computed from the model's counters, not from the body, so an unchanged document is
answered 304 without being built: the model's version and timestamps, its diagrams' versions, the
threats' count and newest change (every write path stamps ``updated_at`` or ``changed_version``),
and the coverage notes themselves (a handful of rows).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping
from functools import lru_cache
from typing import Any

from django.db.models import Count, Max, QuerySet, TextField
from django.db.models.fields.json import KeyTransform
from django.db.models.functions import Cast

from dfd import vocabulary
from dfd.models import Diagram
from stride.models import CoverageNote, Threat
from stride.techniques import rule_techniques

# Part of the ETag: a change to the document's shape must not be answered 304 from an old body.
DOCUMENT_SHAPE = "compact-1"

_RULE_FIELDS = ("rule_id", "origin", "stride", "title", "description", "suggested_likelihood", "suggested_impact")


def document_threats(model_id: int) -> dict[str, Any]:
    """The model's threats as columns (ordered by fingerprint, obsolete ones included)."""
    threats = Threat.objects.filter(threat_model_id=model_id)
    rows = list(
        threats.order_by("fingerprint").values_list(
            "id", "fingerprint", *_RULE_FIELDS, "element_key", "flow_key", "status", "likelihood", "impact",
            "rationale", "triaged", "duplicate_of_id",
        )
    )  # fmt: skip
    waiting = _waiting(threats)
    walks = {
        threat_id: _path_keys(path, flows)
        for threat_id, path, flows in threats.filter(explanation__has_any_keys=["path", "flows"]).values_list(
            "id", "explanation__path", "explanation__flows"
        )
    }
    # As ``stride.techniques.techniques_by_threat`` reads them: the rule's techniques (none while
    # the finding waits on answers) and the threat's own links.
    by_rule = {rule_id: tuple(sorted(ids)) for rule_id, ids in rule_techniques().items()}
    own: dict[int, set[str]] = {}
    for threat_id, attack_id in Threat.techniques.through.objects.filter(threat__threat_model_id=model_id).values_list(
        "threat_id", "technique__attack_id"
    ):
        own.setdefault(threat_id, set()).add(attack_id)

    def techniques(threat_id: int, rule_id: str) -> tuple[str, ...]:
        claimed = () if threat_id in waiting else by_rule.get(rule_id, ())
        return tuple(sorted(own[threat_id].union(claimed))) if threat_id in own else claimed

    rules: dict[tuple[Any, ...], int] = {}
    rule_column = [rules.setdefault((*row[2:9], techniques(row[0], row[2])), len(rules)) for row in rows]
    elements = [row[9] or None for row in rows]
    flows = [row[10] or None for row in rows]
    texts = _Interned()
    unconfirmed: dict[str, list[Any]] = {"rows": [], "questions": [], "assumed": []}
    paths: dict[str, list[Any]] = {"rows": [], "keys": []}
    fingerprints: dict[str, list[Any]] = {"rows": [], "values": []}
    for position, row in enumerate(rows):
        threat_id = row[0]
        if threat_id in waiting:
            questions, assumed = waiting[threat_id]
            unconfirmed["rows"].append(position)
            unconfirmed["questions"].append([texts.index(str(q)) for q in questions or []])
            unconfirmed["assumed"].append([texts.index(key) for key in sorted(assumed)] if isinstance(assumed, Mapping) else [])
        if walks.get(threat_id):
            paths["rows"].append(position)
            paths["keys"].append(walks[threat_id])
        if row[1] != derived_fingerprint(row[2], elements[position], flows[position]):
            fingerprints["rows"].append(position)
            fingerprints["values"].append(row[1])
    status_index: dict[str, int] = {}
    status_column = [status_index.setdefault(row[11], len(status_index)) for row in rows]
    return {
        "rules": [{**dict(zip(_RULE_FIELDS, key, strict=False)), "techniques": list(key[-1])} for key in rules],
        "texts": texts.values,
        "id": [row[0] for row in rows],
        "rule": rule_column,
        "element": elements,
        "flow": flows,
        "statuses": list(status_index),
        "status": status_column,
        "likelihood": [row[12] for row in rows],
        "impact": [row[13] for row in rows],
        "triaged": [position for position, row in enumerate(rows) if row[15]],
        "rated": [
            position for position, row in enumerate(rows) if row[12] is not None and row[13] is not None and row[14].strip()
        ],
        "duplicate": [position for position, row in enumerate(rows) if row[16] is not None],
        "unconfirmed": unconfirmed,
        "paths": paths,
        "fingerprints": fingerprints,
    }


def _waiting(threats: QuerySet[Threat]) -> dict[int, tuple[Any, Any]]:
    """The questions and assumed properties of the findings that wait on answers, by threat id.

    Read as JSON text and decoded in one ``json.loads`` rather than a decode per value: a large
    model has thousands of such findings.
    """
    ids, encoded = [], []
    for threat_id, questions, assumed in threats.filter(confirmed=False).values_list(
        "id", Cast("questions", TextField()), Cast(KeyTransform("assumed", "explanation"), TextField())
    ):
        ids.append(threat_id)
        encoded.append(f"[{questions or 'null'},{assumed or 'null'}]")
    decoded = json.loads(f"[{','.join(encoded)}]")
    return {threat_id: (questions, assumed) for threat_id, (questions, assumed) in zip(ids, decoded, strict=True)}


def derived_fingerprint(rule_id: str, element: str | None, flow: str | None) -> str:
    """A rule's finding is fingerprinted ``rule@element[@flow]``; only other fingerprints are sent."""
    if flow:
        return f"{rule_id}@{element}@{flow}" if element else f"{rule_id}@{flow}"
    return f"{rule_id}@{element}" if element else rule_id


def _path_keys(*fields: object) -> list[str]:
    """Element and flow keys of a graph walk's explanation (``path``, then ``flows``), as the editor reads them."""
    keys: list[str] = []
    for field in fields:
        if not isinstance(field, list):
            continue
        for item in field:
            if isinstance(item, str):
                keys.append(item)
            elif isinstance(item, Mapping) and isinstance(item.get("key"), str):
                keys.append(item["key"])
    return keys


class _Interned:
    """Strings sent once and referred to by position (questions and assumed properties repeat)."""

    def __init__(self) -> None:
        self.values: list[str] = []
        self._positions: dict[str, int] = {}

    def index(self, text: str) -> int:
        position = self._positions.get(text)
        if position is None:
            position = self._positions[text] = len(self.values)
            self.values.append(text)
        return position


def document_etag(*, model_id: int, version: int, updated_at: object, team_id: int, stage: str) -> str:
    """A weak ETag naming this state of the document, from counters (a few small queries).

    Weak because the same document leaves gzipped or not, byte for byte different.
    """
    diagrams = list(Diagram.objects.filter(threat_model_id=model_id).order_by("id").values_list("id", "version", "name", "level", "order"))
    threats = Threat.objects.filter(threat_model_id=model_id).aggregate(
        count=Count("id"), newest=Max("updated_at"), changed=Max("changed_version"), last=Max("id")
    )
    notes = list(
        CoverageNote.objects.filter(threat_model_id=model_id)
        .order_by("target_key", "stride")
        .values_list("target_key", "stride", "reason", "author_id")
    )
    parts: Iterable[object] = (
        DOCUMENT_SHAPE, vocabulary.VOCABULARY_VERSION, _rules_digest(), model_id, version, updated_at, team_id, stage, diagrams, sorted(threats.items()), notes
    )
    digest = hashlib.blake2b(repr(tuple(parts)).encode(), digest_size=16).hexdigest()
    return f'W/"doc-{model_id}-v{version}-{digest}"'


@lru_cache(maxsize=1)
def _rules_digest() -> str:
    """The rule library's techniques feed the document; a new library is a new document."""
    return hashlib.blake2b(repr(sorted(rule_techniques().items())).encode(), digest_size=8).hexdigest()


def threat_rows(columns: Mapping[str, Any]) -> list[dict[str, Any]]:
    """The columns back as one dict per threat (for tools and tests; the editor has its own reader)."""
    texts = columns["texts"]
    waiting = dict(zip(columns["unconfirmed"]["rows"], zip(columns["unconfirmed"]["questions"], columns["unconfirmed"]["assumed"], strict=True), strict=True))
    paths = dict(zip(columns["paths"]["rows"], columns["paths"]["keys"], strict=True))
    fingerprints = dict(zip(columns["fingerprints"]["rows"], columns["fingerprints"]["values"], strict=True))
    flags = {name: set(columns[name]) for name in ("triaged", "rated", "duplicate")}
    rows = []
    for position, threat_id in enumerate(columns["id"]):
        rule = columns["rules"][columns["rule"][position]]
        element, flow = columns["element"][position], columns["flow"][position]
        questions, assumed = waiting.get(position, ([], []))
        rows.append({
            "id": threat_id,
            "fingerprint": fingerprints.get(position) or derived_fingerprint(rule["rule_id"], element, flow),
            **rule,
            "element": element,
            "flow": flow,
            "status": columns["statuses"][columns["status"][position]],
            "likelihood": columns["likelihood"][position],
            "impact": columns["impact"][position],
            **{name: position in members for name, members in flags.items()},
            "confirmed": position not in waiting,
            "questions": [texts[i] for i in questions],
            "assumed": [texts[i] for i in assumed],
            "path": paths.get(position, []),
        })  # fmt: skip
    return rows
