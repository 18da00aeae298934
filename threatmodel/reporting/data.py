"""Risk, mitigations, decisions and gate items: the one place reports and exports ask for them.

The workflow (risk policy and bands, mitigations, acceptances, gates) is built on another branch.
Until it lands, this module answers from what the domain model already has, and says so:

* residual risk **is** the inherent risk (likelihood × impact) — ``Risk.residual_source`` is
  ``"inherent"`` — and bands use the default policy of the design (≥ 15 unacceptable, 5–14
  tolerable, ≤ 4 broadly acceptable, never broadly acceptable with an impact of 4 or 5);
* mitigations: none are recorded (``threat_mitigations`` answers an empty list per threat);
* decisions: a threat whose status is ``accepted`` or ``transferred`` is listed with its owner and
  rationale; approver and expiry are not recorded yet;
* gate items: not evaluated (``GateItems.available`` is False).

When the workflow merges, the functions below are the ones to re-point at its services; callers
(the PDF report, OTM, Navigator and CSV exports) need no change.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from stride.choices import ThreatStatus

if TYPE_CHECKING:
    from threatmodel.models import ThreatModel

WORKFLOW_AVAILABLE = False

UNACCEPTABLE_FROM = 15
TOLERABLE_FROM = 5
BAND_LABELS = {
    "unacceptable": "Unacceptable",
    "tolerable": "Tolerable",
    "acceptable": "Broadly acceptable",
}
DECISION_STATUSES = (ThreatStatus.ACCEPTED, ThreatStatus.TRANSFERRED)


@dataclass(frozen=True)
class Risk:
    likelihood: int | None
    impact: int | None
    inherent: int | None
    residual: int | None
    band: str | None  # band of the residual risk: unacceptable | tolerable | acceptable; None when not rated
    residual_likelihood: int | None = None
    residual_impact: int | None = None
    residual_source: str = "inherent"  # what "residual" is computed from

    @property
    def sort_key(self) -> tuple[int, int]:
        """Highest residual risk first; unrated last."""
        return (-(self.residual or 0), -(self.inherent or 0))


@dataclass(frozen=True)
class MitigationRef:
    name: str
    status: str
    owner: str = ""


@dataclass(frozen=True)
class Decision:
    fingerprint: str
    threat_title: str
    kind: str  # accepted | transferred | exception
    owner: str
    justification: str
    approver: str = ""
    expires: str = ""  # ISO date, "" when not recorded


@dataclass(frozen=True)
class GateItems:
    available: bool
    stage: str
    next_stage: str
    items: list[str] = field(default_factory=list)


def band_for(score: int | None, impact: int | None) -> str | None:
    if score is None:
        return None
    if score >= UNACCEPTABLE_FROM:
        return "unacceptable"
    if score >= TOLERABLE_FROM or (impact is not None and impact >= 4):
        return "tolerable"
    return "acceptable"


def risk_of(likelihood: int | None, impact: int | None) -> Risk:
    inherent = likelihood * impact if likelihood is not None and impact is not None else None
    return Risk(likelihood, impact, inherent, inherent, band_for(inherent, impact), likelihood, impact)


def threat_risks(model: ThreatModel) -> dict[str, Risk]:
    """Risk of every threat of a model, by fingerprint (one query)."""
    from stride.models import Threat

    return {
        fingerprint: risk_of(likelihood, impact)
        for fingerprint, likelihood, impact in Threat.objects.filter(threat_model=model).values_list(
            "fingerprint", "likelihood", "impact"
        )
    }


def threat_mitigations(model: ThreatModel) -> dict[str, list[MitigationRef]]:
    """Mitigations of each threat, by fingerprint. None are recorded until the workflow lands."""
    return {}


def model_decisions(model: ThreatModel) -> list[Decision]:
    """Accepted and transferred risks, highest inherent risk first (one query)."""
    from stride.models import Threat

    rows = (
        Threat.objects.filter(threat_model=model, status__in=DECISION_STATUSES)
        .values("fingerprint", "title", "status", "owner__username", "rationale", "notes", "likelihood", "impact")
        .order_by("fingerprint")
    )
    decisions = [
        (
            risk_of(row["likelihood"], row["impact"]).sort_key,
            Decision(
                fingerprint=row["fingerprint"],
                threat_title=row["title"],
                kind=row["status"],
                owner=row["owner__username"] or "",
                justification=row["rationale"] or row["notes"] or "",
            ),
        )
        for row in rows
    ]
    return [decision for _, decision in sorted(decisions, key=lambda item: (item[0], item[1].fingerprint))]


_NEXT_STAGE = {"design": "break", "break": "fix", "fix": "verify", "verify": "approved", "approved": ""}


def open_gate_items(model: ThreatModel) -> GateItems:
    """What still blocks the model's next stage. Not evaluated until the workflow lands."""
    return GateItems(available=WORKFLOW_AVAILABLE, stage=model.stage, next_stage=_NEXT_STAGE.get(model.stage, ""))
