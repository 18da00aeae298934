"""Everything the report shows, gathered into plain values for the template (no logic in the template).

The numbers of risk, the mitigations, decisions and gate items come from ``reporting.data``, the one
place that will switch to the workflow's services; diagrams are drawn by ``dfd.render``; the
threat register is ``reporting.register``; the executive summary, the mitigations with their
evidence, the approval record and the changes since the last approval are ``reporting.review``. Reads are bounded in number whatever the model's size.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.utils.safestring import SafeString, mark_safe

from dfd import render as drawing
from dfd import vocabulary
from dfd.choices import DiagramLevel, ElementKind
from dfd.selectors import model_diagrams
from stride.choices import ThreatStatus
from stride.models import AttackRelease, Tactic, Technique, Threat
from stride.techniques import techniques_by_threat
from threatmodel.choices import Stage
from threatmodel.notices import ATTACK_LICENSE_URL, ATTACK_NOTICE, ATTACK_TRADEMARK
from threatmodel.reporting import data, review
from threatmodel.reporting.register import RegisterRow, threat_register
from threatmodel.workflow.risk import Policy

if TYPE_CHECKING:
    from threatmodel.models import ThreatModel

_KIND_LABELS = dict(ElementKind.choices)
_LEVEL_LABELS = dict(DiagramLevel.choices)
NOT_LIVE = (ThreatStatus.OBSOLETE, ThreatStatus.NOT_APPLICABLE)


@dataclass(frozen=True)
class InventoryRow:
    name: str
    kind: str
    boundary: str
    properties: list[tuple[str, str]]
    description: str


@dataclass(frozen=True)
class FlowRow:
    source: str
    target: str
    label: str
    protocol: str
    bidirectional: bool
    properties: list[tuple[str, str]]


@dataclass
class DiagramSection:
    anchor: str
    name: str
    level: str
    svg: SafeString | None
    note: str
    elements: list[InventoryRow] = field(default_factory=list)
    boundaries: list[InventoryRow] = field(default_factory=list)
    flows: list[FlowRow] = field(default_factory=list)


@dataclass(frozen=True)
class HeatCell:
    likelihood: int
    impact: int
    count: int
    band: str


@dataclass(frozen=True)
class TacticCoverage:
    name: str
    attack_id: str
    total: int
    mapped: list[tuple[str, str, int, int | None]]  # id, name, threats, highest risk


def natural(text: str) -> tuple[Any, ...]:
    """Sort "Element 9" before "Element 10"."""
    return tuple(int(part) if part.isdigit() else part.lower() for part in re.split(r"(\d+)", text))


def _value(value: object) -> str:
    if value is True:
        return "yes"
    if value is False:
        return "no"
    if isinstance(value, dict):  # the facts kept from an imported file, by the source tool's names
        return "; ".join(f"{name}: {text}" for name, text in value.items())
    return str(value).replace("_", " ")


def _properties(stored: dict[str, Any]) -> list[tuple[str, str]]:
    return [
        (vocabulary.PROPERTIES[name].label if name in vocabulary.PROPERTIES else name, _value(value))
        for name, value in sorted(stored.items(), key=lambda item: list(vocabulary.PROPERTIES).index(item[0]) if item[0] in vocabulary.PROPERTIES else 999)
    ]


def _diagrams(model: ThreatModel) -> list[DiagramSection]:
    diagrams = model_diagrams(model.pk)
    names: dict[str, str] = {}
    parents: dict[str, str | None] = {}
    for one in diagrams:
        for el in one.state.elements.values():
            names[el.key] = el.name
            parents[el.key] = el.parent

    def boundary_path(key: str | None) -> str:
        chain: list[str] = []
        while key is not None and len(chain) < 20:
            chain.append(names.get(key, key))
            key = parents.get(key)
        return " › ".join(reversed(chain)) or "—"

    sections = []
    for index, diagram in enumerate(diagrams):
        snapshot = drawing.render_diagram(diagram.name, diagram.state)
        svg: SafeString | None = None
        note = ""
        if not snapshot.elements:
            note = "This diagram has no elements."
        else:
            try:
                drawn = drawing.render(snapshot, "svg", max_elements=settings.THREATMODEL_RENDER_MAX_ELEMENTS)
                # Our own markup: the SVG is drawn from DOT whose every label dfd.render escaped.
                svg = mark_safe(drawing.svg_fragment(drawn))
            except drawing.DiagramTooLarge as exc:
                note = f"The diagram is too large to draw in a report ({exc}); its inventory follows."
        section = DiagramSection(f"diagram-{index + 1}", diagram.name, _LEVEL_LABELS.get(diagram.level, diagram.level), svg, note)
        ordered = sorted(
            diagram.state.elements.values(),
            key=lambda e: (e.kind != "trust_boundary", natural(boundary_path(e.parent)), natural(e.name), e.key),
        )
        for e in ordered:
            item = InventoryRow(
                name=e.name,
                kind=_KIND_LABELS.get(e.kind, e.kind),
                boundary=boundary_path(e.parent),
                properties=_properties(dict(e.properties)),
                description=e.description,
            )
            (section.boundaries if e.kind == "trust_boundary" else section.elements).append(item)
        flows = diagram.state.flows.values()
        for f in sorted(flows, key=lambda f: (natural(names.get(f.source, "")), natural(names.get(f.target, "")), f.key)):
            section.flows.append(
                FlowRow(
                    source=names.get(f.source, f.source),
                    target=names.get(f.target, f.target),
                    label=f.label,
                    protocol=f.protocol,
                    bidirectional=f.bidirectional,
                    properties=_properties(dict(f.properties)),
                )
            )
        sections.append(section)
    return sections


def _heatmap(register: list[RegisterRow], residual: bool, policy: Policy) -> list[list[HeatCell]]:
    counts: Counter[tuple[int, int]] = Counter()
    for row in register:
        likelihood, impact = (row.risk.residual_likelihood, row.risk.residual_impact) if residual else (row.risk.likelihood, row.risk.impact)
        if row.status in NOT_LIVE or likelihood is None or impact is None:
            continue
        counts[(likelihood, impact)] += 1
    return [
        [HeatCell(likelihood, impact, counts[(likelihood, impact)], str(policy.band(likelihood, impact))) for impact in range(1, 6)]
        for likelihood in range(5, 0, -1)
    ]


def _bands(register: list[RegisterRow]) -> list[tuple[str, str, int, int, int]]:
    counts = review.band_counts(register, NOT_LIVE)
    return [
        (band, review.BAND_NAMES[band], counts["inherent"][band], counts["projected"][band], counts["residual"][band])
        for band in ("unacceptable", "tolerable", "broadly_acceptable", "unrated")
    ]


def _coverage(model: ThreatModel, register: list[RegisterRow]) -> list[TacticCoverage]:
    live = {row.threat_id: row for row in register if row.status not in NOT_LIVE}
    per_technique: dict[str, list[RegisterRow]] = defaultdict(list)
    rule_of = dict(Threat.objects.filter(pk__in=list(live)).values_list("id", "rule_id"))
    for threat_id, attack_ids in techniques_by_threat(rule_of.items(), model_id=model.pk).items():
        for attack_id in attack_ids:
            per_technique[attack_id].append(live[threat_id])
    tactic_of: dict[int, list[tuple[str, str]]] = defaultdict(list)
    for tactic_id, attack_id, name in Technique.tactics.through.objects.order_by("technique__attack_id").values_list(
        "tactic_id", "technique__attack_id", "technique__name"
    ):
        tactic_of[tactic_id].append((attack_id, name))
    coverage = []
    for tactic in Tactic.objects.order_by("order", "attack_id"):
        mapped = [
            (attack_id, name, len(per_technique[attack_id]), max((row.risk.residual or 0 for row in per_technique[attack_id]), default=0) or None)
            for attack_id, name in tactic_of[tactic.pk]
            if per_technique.get(attack_id)
        ]
        coverage.append(TacticCoverage(tactic.name, tactic.attack_id, len(tactic_of[tactic.pk]), mapped))
    return coverage


def _authors(model: ThreatModel) -> list[str]:
    users = get_user_model().objects.filter(pk__in=data.author_ids(model)).order_by("username")
    return [user.get_full_name() or user.get_username() for user in users]


def _assumption_items(model: ThreatModel) -> list[dict[str, Any]]:
    """The model's assumptions with what rests on them, by name, for the scope chapter."""
    from threatmodel.models import Assumption

    rows = Assumption.objects.filter(threat_model=model).prefetch_related("elements", "flows", "threats", "mitigations").order_by("id")
    return [
        {
            "text": row.text,
            "false": row.status == "false",
            "falsified_at": row.falsified_at,
            "falsified_reason": row.falsified_reason,
            "subjects": [e.name for e in row.elements.all()] + [f.label or f.key for f in row.flows.all()],
            "threats": [t.title for t in row.threats.all()],
            "mitigations": [f"{m.ref} {m.title}".strip() for m in row.mitigations.all()],
        }
        for row in rows
    ]


def report_context(model: ThreatModel, *, generated_at: datetime, paper: str, report_id: int | None = None) -> dict[str, Any]:
    register = threat_register(model)
    policy = data.policy(model)
    live = [row for row in register if row.status not in NOT_LIVE]
    release = AttackRelease.objects.first()
    coverage = _coverage(model, register)
    decisions = data.model_decisions(model)
    assumptions = _assumption_items(model)
    approval = review.approval_record(model)
    return {
        "model": model,
        "team": model.team.name,
        "stage": dict(Stage.choices).get(model.stage, model.stage),
        "authors": _authors(model),
        "generated_at": generated_at,
        "paper": paper,
        "report_id": report_id,
        "diagrams": _diagrams(model),
        "register": register,
        "live_count": len(live),
        "heatmaps": [
            ("Inherent risk", _heatmap(register, residual=False, policy=policy)),
            ("Residual risk (verified)", _heatmap(register, residual=True, policy=policy)),
        ],
        "policy": policy,
        "bands": _bands(register),
        "band_labels": data.BAND_LABELS,
        "decisions": decisions,
        "assumption_items": assumptions,
        "summary": review.executive_summary(
            model, register=register, decisions=decisions, assumptions=assumptions, not_live=NOT_LIVE, today=generated_at.date()
        ),
        "mitigations": review.model_mitigations(model, register),
        "approval": approval,
        "changes": review.changes_since_approval(model, approval),
        "list_cap": review.LIST_CAP,
        "gates": data.open_gate_items(model),
        "coverage": coverage,
        "techniques_mapped": sum(len(tactic.mapped) for tactic in coverage),
        "attack_release": f"ATT&CK {release.domain} v{release.version}" if release else "",
        "attack_notice": ATTACK_NOTICE,
        "attack_trademark": ATTACK_TRADEMARK,
        "attack_license_url": ATTACK_LICENSE_URL,
        "levels": [5, 4, 3, 2, 1],
        "impacts": [1, 2, 3, 4, 5],
    }
