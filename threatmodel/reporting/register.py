"""The threat register: every threat of a model with its target, risk, techniques, mitigations and
decision, riskiest first. The PDF report and the CSV export print the same rows, read in a fixed
number of queries whatever the model's size.

Riskiest first means by residual risk, then projected, then inherent; threats nobody has rated yet
come last, ordered among themselves by their rule's suggested risk — so an unrated model still
opens on its worst findings rather than on whichever STRIDE letter sorts first.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from dfd.models import Element, Flow
from stride.choices import Stride, ThreatStatus
from stride.explained import Explained
from stride.models import Technique, Threat
from stride.techniques import techniques_by_threat
from threatmodel.explanations import model_explanations
from threatmodel.reporting import data

if TYPE_CHECKING:
    from threatmodel.models import ThreatModel

_STRIDE_LABELS = dict(Stride.choices)
_STATUS_LABELS = dict(ThreatStatus.choices)


@dataclass(frozen=True)
class RegisterRow:
    rank: int
    threat_id: int
    fingerprint: str
    stride: str
    stride_label: str
    title: str
    description: str
    target_kind: str  # an element kind, "flow", or "" when the target is gone
    target_key: str
    target_name: str
    status: str
    status_label: str
    risk: data.Risk
    techniques: list[tuple[str, str]]  # (id, name)
    mitigations: list[data.MitigationRef]
    decision: str  # the live decision's kind ("acceptance", "exception (pending approval)"…), or ""
    owner: str
    origin: str
    rule_id: str
    notes: str
    explained: Explained
    suggested: int | None = None  # the rule's suggested likelihood × impact, shown while unrated

    @property
    def description_text(self) -> str:
        """What a description field prints: the threat explained (a person's own text leads it)."""
        return self.explained.as_text()


def _suggested(row: Any) -> int | None:
    """The rule's suggested likelihood × impact, or None when it suggests none."""
    return (row["suggested_likelihood"] or 0) * (row["suggested_impact"] or 0) or None


def threat_register(model: ThreatModel, *, include_obsolete: bool = False) -> list[RegisterRow]:
    risks = data.threat_risks(model)
    mitigations = data.threat_mitigations(model)
    decisions = {decision.fingerprint: decision for decision in data.model_decisions(model)}
    elements = {
        row["key"]: (row["kind"], row["name"]) for row in Element.objects.filter(threat_model=model).values("key", "kind", "name")
    }
    flows = {
        row["key"]: row["label"] or f"{row['source__name']} → {row['target__name']}"
        for row in Flow.objects.filter(threat_model=model).values("key", "label", "source__name", "target__name")
    }
    threats = Threat.objects.filter(threat_model=model)
    technique_ids = techniques_by_threat(threats.values_list("id", "rule_id"), model_id=model.pk)
    names = dict(Technique.objects.values_list("attack_id", "name"))
    techniques = {
        threat_id: [(attack_id, names.get(attack_id, "")) for attack_id in ids] for threat_id, ids in technique_ids.items()
    }
    if not include_obsolete:
        threats = threats.exclude(status=ThreatStatus.OBSOLETE)
    rows = list(
        threats.values(
            "id", "fingerprint", "stride", "title", "description", "element_key", "flow_key", "status", "owner__username",
            "origin", "rule_id", "notes", "likelihood", "impact", "suggested_likelihood", "suggested_impact",
        )
    )  # fmt: skip
    explained = model_explanations(model, include_obsolete=include_obsolete)
    def unrated_key(row: Any) -> int:
        """Among unrated threats, the highest suggested risk first; rated threats are already apart."""
        return 0 if risks.get(row["fingerprint"], data.UNRATED).inherent is not None else -(_suggested(row) or 0)

    rows.sort(key=lambda row: (risks.get(row["fingerprint"], data.UNRATED).sort_key, unrated_key(row), row["stride"], row["fingerprint"]))
    register = []
    for rank, row in enumerate(rows, start=1):
        if row["flow_key"]:
            kind, key = ("flow", row["flow_key"]) if row["flow_key"] in flows else ("", row["flow_key"])
            name = flows.get(row["flow_key"], "")
        else:
            key = row["element_key"]
            kind, name = elements.get(key, ("", ""))
        decision = decisions.get(row["fingerprint"])
        register.append(
            RegisterRow(
                rank=rank,
                threat_id=row["id"],
                fingerprint=row["fingerprint"],
                stride=row["stride"],
                stride_label=_STRIDE_LABELS.get(row["stride"], row["stride"]),
                title=row["title"],
                description=row["description"],
                target_kind=kind,
                target_key=key,
                target_name=name,
                status=row["status"],
                status_label=_STATUS_LABELS.get(row["status"], row["status"]),
                risk=risks.get(row["fingerprint"], data.risk_of(row["likelihood"], row["impact"])),
                techniques=techniques.get(row["id"], []),
                mitigations=mitigations.get(row["fingerprint"], []),
                decision=(decision.kind.replace("_", " ") + (" (pending approval)" if decision.status == "pending" else "")) if decision else "",
                owner=row["owner__username"] or "",
                origin=row["origin"],
                rule_id=row["rule_id"],
                notes=row["notes"],
                explained=explained[row["id"]],
                suggested=_suggested(row),
            )
        )
    return register
