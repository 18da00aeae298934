"""What a review board signs beside the register: the executive summary, every mitigation with its
evidence and verifier, the in-app approval record and the changes since the last approved snapshot.

Each section is built from the records the workflow keeps — snapshots frozen at approval, the
mitigations' verification fields, the decisions, the open questions — never from the report's own
earlier output, so the report says what the application knows and nothing it guessed. Reads are a
fixed number of queries; long lists are capped (and the cap said) so a large model stays readable.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from stride.questions import open_questions
from threatmodel.models import Mitigation, MitigationStatus, Snapshot, SnapshotReason, ThreatMitigation
from threatmodel.reporting import data
from threatmodel.workflow.diff import SECTIONS, document_diff

if TYPE_CHECKING:
    from django.contrib.auth.models import AbstractBaseUser

    from threatmodel.models import ThreatModel
    from threatmodel.reporting.register import RegisterRow

BANDS = ("unacceptable", "tolerable", "broadly_acceptable", "unrated")
LIST_CAP = 60  # items listed per change list or question list; the rest are counted
LAYOUT_FIELDS = frozenset({"x", "y", "width", "height"})  # a moved shape is not a change a board reviews
SHOWN_VALUES = frozenset({"name", "label", "kind", "parent", "protocol", "title", "status", "likelihood", "impact", "stride", "bidirectional", "owner"})
_MITIGATION_LABELS = dict(MitigationStatus.choices)


def person(user: AbstractBaseUser | None) -> str:
    """A user as a report names them: full name and username, or "—"."""
    if user is None:
        return "—"
    full = user.get_full_name().strip() if hasattr(user, "get_full_name") else ""
    username = user.get_username()
    return f"{full} ({username})" if full and full != username else username


# --- executive summary -----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class BandPosture:
    band: str
    label: str
    inherent: int
    residual: int

    @property
    def change(self) -> str:
        """"+2", "−3" (a real minus sign) or "—"."""
        delta = self.residual - self.inherent
        return f"+{delta}" if delta > 0 else f"−{-delta}" if delta < 0 else "—"


@dataclass(frozen=True)
class AcceptedRisk:
    threat_title: str
    kind: str
    status: str
    owner: str
    approver: str
    expires: str
    days_left: int | None  # None when it does not expire


@dataclass
class Summary:
    scope: str
    out_of_scope: str
    about: str
    assumption_count: int
    false_assumptions: int
    live: int
    rated: int
    posture: list[BandPosture]
    accepted: list[AcceptedRisk]
    questions_open: int
    unconfirmed: int
    questions: list[dict[str, Any]]
    questions_more: int
    mitigations_by_status: list[tuple[str, int]]


def band_counts(register: list[RegisterRow], not_live: tuple[str, ...]) -> dict[str, Counter[str]]:
    """Live threats per band: before mitigation (inherent), as planned (projected), after verified ones (residual)."""
    counts: dict[str, Counter[str]] = {"inherent": Counter(), "projected": Counter(), "residual": Counter()}
    for row in register:
        if row.status in not_live:
            continue
        counts["inherent"][row.risk.inherent_band or "unrated"] += 1
        counts["projected"][row.risk.projected_band or "unrated"] += 1
        counts["residual"][row.risk.band or "unrated"] += 1
    return counts


BAND_NAMES = {**data.BAND_LABELS, "unrated": "Not rated yet"}


def _posture(register: list[RegisterRow], not_live: tuple[str, ...]) -> list[BandPosture]:
    counts = band_counts(register, not_live)
    inherent, residual = counts["inherent"], counts["residual"]
    labels = BAND_NAMES
    return [BandPosture(band, labels[band], inherent[band], residual[band]) for band in BANDS]


def executive_summary(
    model: ThreatModel,
    *,
    register: list[RegisterRow],
    decisions: list[data.DecisionRow],
    assumptions: list[dict[str, Any]],
    not_live: tuple[str, ...],
    today: date,
) -> Summary:
    live = [row for row in register if row.status not in not_live]
    accepted = [
        AcceptedRisk(
            threat_title=d.threat_title,
            kind=d.kind.replace("_", " "),
            status=d.status,
            owner=d.owner,
            approver=d.approver,
            expires=d.expires,
            days_left=(date.fromisoformat(d.expires) - today).days if d.expires else None,
        )
        for d in decisions
    ]
    # Soonest expiry first; those that never expire last: what the board must revisit comes first.
    accepted.sort(key=lambda a: (a.days_left is None, a.days_left if a.days_left is not None else 0, a.threat_title.lower()))
    asked = open_questions(model.pk)
    counts = Counter(Mitigation.objects.filter(threat_model=model).values_list("status", flat=True))
    return Summary(
        scope=model.scope,
        out_of_scope=model.out_of_scope,
        about=model.description,
        assumption_count=len(assumptions) + sum(1 for line in model.assumptions.splitlines() if line.strip()),
        false_assumptions=sum(1 for item in assumptions if item["false"]),
        live=len(live),
        rated=sum(1 for row in live if row.risk.inherent is not None),
        posture=_posture(register, not_live),
        accepted=accepted,
        questions_open=asked["open"],
        unconfirmed=asked["unconfirmed"],
        questions=asked["questions"][:LIST_CAP],
        questions_more=max(0, len(asked["questions"]) - LIST_CAP),
        mitigations_by_status=[(_MITIGATION_LABELS[status], counts[status]) for status in MitigationStatus.values if counts[status]],
    )


# --- mitigations -------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class MitigationRow:
    ref: str
    title: str
    description: str
    status: str
    status_label: str
    control: str  # "RTC-11 Run containers unprivileged", or ""
    attack_mitigations: list[str]
    reduction: str  # "likelihood −2, impact −1", or ""
    owner: str
    implemented: str  # "name on date", or ""
    verified: str
    evidence: str
    evidence_url: str
    threats: list[tuple[str, str]]  # (title, target name)
    threats_more: int


def _on(user: AbstractBaseUser | None, when: datetime | None) -> str:
    if user is None and when is None:
        return ""
    return f"{person(user)}{' on ' + when.strftime('%Y-%m-%d') if when else ''}"


def model_mitigations(model: ThreatModel, register: list[RegisterRow]) -> list[MitigationRow]:
    """Every mitigation of the model, in reference order, with the threats it answers by title and target (three queries)."""
    rows_by_id = {row.threat_id: row for row in register}
    answers: dict[int, list[tuple[str, str]]] = defaultdict(list)
    for mitigation_id, threat_id, title in (
        ThreatMitigation.objects.filter(mitigation__threat_model=model).order_by("mitigation_id", "threat_id").values_list("mitigation_id", "threat_id", "threat__title")
    ):
        row = rows_by_id.get(threat_id)
        target = row.target_name if row is not None and row.target_name else ""
        answers[mitigation_id].append((title, target))
    rows = (
        Mitigation.objects.filter(threat_model=model)
        .select_related("control", "owner", "implemented_by", "verified_by")
        .prefetch_related("attack_mitigations")
    )
    out = []
    for m in sorted(rows, key=lambda m: (len(m.ref), m.ref)):
        reduction = ", ".join(
            text for text in (f"likelihood −{m.likelihood_reduction}" if m.likelihood_reduction else "", f"impact −{m.impact_reduction}" if m.impact_reduction else "") if text
        )
        titles = sorted(answers.get(m.pk, []), key=lambda pair: (pair[0].lower(), pair[1].lower()))
        out.append(
            MitigationRow(
                ref=m.ref,
                title=m.title,
                description=m.description,
                status=m.status,
                status_label=_MITIGATION_LABELS.get(m.status, m.status),
                control=f"{m.control.control_id} {m.control.name}" if m.control else "",
                attack_mitigations=[f"{a.attack_id} {a.name}" for a in sorted(m.attack_mitigations.all(), key=lambda a: a.attack_id)],
                reduction=reduction,
                owner=person(m.owner) if m.owner else "",
                implemented=_on(m.implemented_by, m.implemented_at),
                verified=_on(m.verified_by, m.verified_at),
                evidence=m.evidence,
                evidence_url=m.evidence_url,
                threats=titles[:10],
                threats_more=max(0, len(titles) - 10),
            )
        )
    return out


# --- the approval record -----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Approval:
    number: int
    model_version: int
    policy_version: int | None
    approved_by: str
    approved_at: datetime
    note: str
    sha256: str


@dataclass
class ApprovalRecord:
    approvals: list[Approval]  # newest first
    current_version: int
    stage: str

    @property
    def last(self) -> Approval | None:
        return self.approvals[0] if self.approvals else None

    @property
    def covers_this_version(self) -> bool:
        return self.last is not None and self.last.model_version == self.current_version and self.stage == "approved"


def approval_record(model: ThreatModel) -> ApprovalRecord:
    snapshots = (
        Snapshot.objects.filter(threat_model=model, reason=SnapshotReason.APPROVAL)
        .select_related("created_by")
        .order_by("-number")
        .only("number", "model_version", "policy_version", "created_by", "created_at", "label", "content_sha256")
    )
    return ApprovalRecord(
        approvals=[
            Approval(s.number, s.model_version, s.policy_version, person(s.created_by), s.created_at, s.label, s.content_sha256)
            for s in snapshots
        ],
        current_version=model.version,
        stage=model.stage,
    )


# --- changes since the last approved snapshot -------------------------------------------------------------------


@dataclass(frozen=True)
class Change:
    name: str
    detail: str  # what changed, in words ("status: open → mitigated; description")


@dataclass
class ChangeList:
    title: str
    added: list[Change] = field(default_factory=list)
    removed: list[Change] = field(default_factory=list)
    changed: list[Change] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=dict)

    @property
    def empty(self) -> bool:
        return not any(self.counts.values())

    @property
    def cut(self) -> bool:
        return any(self.counts[kind] > len(getattr(self, kind)) for kind in ("added", "removed", "changed"))


@dataclass
class Changes:
    since: Approval | None
    identical: bool = False
    model_fields: list[str] = field(default_factory=list)
    sections: list[ChangeList] = field(default_factory=list)
    moved: int = 0  # elements only moved or resized

    @property
    def in_words(self) -> str:
        """"1 element added, 1 changed; 6 threats added, 4 changed" — the summary's one line."""
        parts = []
        for part in self.sections:
            if part.empty:
                continue
            counts = [f"{n} {kind}" for kind, n in part.counts.items() if n]
            parts.append(f"{part.title.lower()}: " + ", ".join(counts))
        if self.model_fields:
            parts.append("the model's " + ", ".join(self.model_fields))
        return "; ".join(parts)


def _name(section: str, item: dict[str, Any], names: dict[str, str]) -> str:
    if section == "elements":
        return str(item.get("name") or item.get("key"))
    if section == "flows":
        label = item.get("label") or ""
        ends = f"{names.get(item.get('source', ''), item.get('source'))} → {names.get(item.get('target', ''), item.get('target'))}"
        return f"{label} ({ends})" if label else ends
    if section == "threats":
        title = str(item.get("title") or item.get("fingerprint"))
        target = names.get(item.get("flow") or item.get("element") or "", "")
        return f"{title} — {target}" if target else title
    return str(item.get("ref") or item.get("key") or "")


def _short(value: object) -> str:
    if value is None or value == "":
        return "—"
    text = str(value)
    return text if len(text) <= 60 else text[:57] + "…"


def _detail(fields: dict[str, dict[str, Any]], names: dict[str, str]) -> str:
    parts = []
    for name in sorted(fields, key=lambda n: (n not in SHOWN_VALUES, n)):
        if name in LAYOUT_FIELDS:
            continue
        values = fields[name]
        if name == "parent":  # a boundary's key means nothing to a reader; its name does
            parts.append(f"boundary: {_short(names.get(values['before'], values['before']))} → {_short(names.get(values['after'], values['after']))}")
        elif name in SHOWN_VALUES:
            parts.append(f"{name}: {_short(values['before'])} → {_short(values['after'])}")
        else:
            parts.append(name.replace("_", " "))
    return "; ".join(parts)


def changes_since_approval(model: ThreatModel, record: ApprovalRecord) -> Changes:
    """Elements, flows and threats added, removed and changed since the last approval's snapshot."""
    from threatmodel.native import native_export

    if record.last is None:
        return Changes(since=None)
    before = Snapshot.objects.only("content").get(threat_model=model, number=record.last.number).content
    after = native_export(model)
    diff = document_diff(before, after)
    names = {key: str(item.get("name", key)) for doc in (before, after) for key, item in SECTIONS["elements"][0](doc).items()}
    flow_names = {key: _name("flows", item, names) for doc in (before, after) for key, item in SECTIONS["flows"][0](doc).items()}
    names.update(flow_names)  # a threat on a flow is named by the flow
    result = Changes(since=record.last, model_fields=sorted(name.replace("_", " ") for name in diff["threat_model"]))
    for section, title in (("elements", "Elements"), ("flows", "Data flows"), ("threats", "Threats"), ("mitigations", "Mitigations")):
        index_before, index_after = SECTIONS[section][0](before), SECTIONS[section][0](after)
        part = diff[section]
        listed = ChangeList(title)
        id_name = SECTIONS[section][1]
        for item in part["added"]:
            listed.added.append(Change(_name(section, item, names), ""))
        for item in part["removed"]:
            listed.removed.append(Change(_name(section, item, names), ""))
        for item in part["changed"]:
            detail = _detail(item["fields"], names)
            if not detail:  # only moved or resized
                result.moved += 1
                continue
            key = item[id_name]
            listed.changed.append(Change(_name(section, index_after.get(key) or index_before.get(key) or {}, names), detail))
        listed.counts = {"added": len(listed.added), "removed": len(listed.removed), "changed": len(listed.changed)}
        for kind in ("added", "removed", "changed"):
            entries: list[Change] = getattr(listed, kind)
            entries.sort(key=lambda c: c.name.lower())
            del entries[LIST_CAP:]
        result.sections.append(listed)
    result.identical = not result.model_fields and all(s.empty for s in result.sections)
    return result
