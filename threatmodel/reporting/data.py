"""Risk, mitigations, decisions and gate items, as the report and the exports need them.

One thin module over the workflow's selectors (``threatmodel.workflow.selectors``), so the PDF,
OTM, Threat Dragon, Navigator and CSV all show the same numbers the workflow's API shows:

* three numbers per threat under the model's risk policy — inherent (likelihood × impact),
  projected residual (planned, implemented and verified mitigations' expected effects, capped)
  and verified residual (only verified mitigations with evidence). "Residual" in reports and
  exports is the **verified** residual, the one the verify gate uses;
* each threat's mitigations with their status;
* the live decisions (acceptances, exceptions, transfers, not-applicable) with owner, approver
  and expiry;
* what still blocks the model's next stage (the gates).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from threatmodel.models import Decision, DecisionStatus, ThreatMitigation
from threatmodel.workflow.risk import BAND_LABELS as WORKFLOW_BAND_LABELS
from threatmodel.workflow.risk import Policy, Rating
from threatmodel.workflow.selectors import model_author_ids, model_facts, model_gates, model_policy, model_risk

if TYPE_CHECKING:
    from threatmodel.models import ThreatModel

BAND_LABELS: dict[str, str] = {str(band): label for band, label in WORKFLOW_BAND_LABELS.items()}
LIVE_DECISIONS = (DecisionStatus.ACTIVE, DecisionStatus.PENDING)


@dataclass(frozen=True)
class Risk:
    """A threat's risk. ``residual`` is the verified residual; every number is None until rated."""

    likelihood: int | None
    impact: int | None
    inherent: int | None
    inherent_band: str | None
    projected: int | None
    projected_band: str | None
    projected_likelihood: int | None
    projected_impact: int | None
    residual: int | None
    band: str | None
    residual_likelihood: int | None
    residual_impact: int | None

    @property
    def sort_key(self) -> tuple[int, int, int]:
        """Highest residual risk first, then projected, then inherent; unrated last."""
        return (-(self.residual or 0), -(self.projected or 0), -(self.inherent or 0))


UNRATED = Risk(None, None, None, None, None, None, None, None, None, None, None, None)


def _risk(inherent: Rating | None, projected: Rating | None, verified: Rating | None) -> Risk:
    if inherent is None or projected is None or verified is None:
        return UNRATED
    return Risk(
        likelihood=inherent.likelihood,
        impact=inherent.impact,
        inherent=inherent.score,
        inherent_band=str(inherent.band),
        projected=projected.score,
        projected_band=str(projected.band),
        projected_likelihood=projected.likelihood,
        projected_impact=projected.impact,
        residual=verified.score,
        band=str(verified.band),
        residual_likelihood=verified.likelihood,
        residual_impact=verified.impact,
    )


def risk_of(likelihood: int | None, impact: int | None, policy: Policy | None = None) -> Risk:
    """The risk of a rating with no mitigations (all three numbers equal)."""
    if likelihood is None or impact is None:
        return UNRATED
    rating = Rating(likelihood, impact, policy or Policy())
    return _risk(rating, rating, rating)


@dataclass(frozen=True)
class MitigationRef:
    ref: str
    title: str
    status: str
    owner: str = ""

    @property
    def name(self) -> str:
        return f"{self.ref} {self.title}"


@dataclass(frozen=True)
class DecisionRow:
    fingerprint: str
    threat_title: str
    kind: str
    status: str
    owner: str
    justification: str
    approver: str
    expires: str  # ISO date, "" when the decision does not expire
    recipient: str
    compensating_controls: str
    band: str
    score: int | None


@dataclass(frozen=True)
class GateItems:
    stage: str
    next_stage: str
    items: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


def policy(model: ThreatModel) -> Policy:
    return model_policy(model)


def threat_risks(model: ThreatModel) -> dict[str, Risk]:
    """Risk of every threat of a model, by fingerprint."""
    facts = model_facts(model)
    numbers = model_risk(model, facts=facts)
    return {
        threat.fingerprint: _risk(numbers[threat.id].inherent, numbers[threat.id].projected, numbers[threat.id].verified)
        for threat in facts.threats
    }


def threat_mitigations(model: ThreatModel) -> dict[str, list[MitigationRef]]:
    """The mitigations of each threat, by fingerprint, in reference order (one query)."""
    out: dict[str, list[MitigationRef]] = {}
    rows = (
        ThreatMitigation.objects.filter(threat__threat_model=model)
        .order_by("threat_id", "mitigation__ref")
        .values_list("threat__fingerprint", "mitigation__ref", "mitigation__title", "mitigation__status", "mitigation__owner__username")
    )
    for fingerprint, ref, title, status, owner in rows:
        out.setdefault(fingerprint, []).append(MitigationRef(ref, title, status, owner or ""))
    return out


def model_decisions(model: ThreatModel) -> list[DecisionRow]:
    """The live decisions of a model (active, and exceptions waiting for approval), riskiest first."""
    risks = threat_risks(model)
    rows = (
        Decision.objects.filter(threat_model=model, status__in=LIVE_DECISIONS)
        .order_by("threat__fingerprint", "id")
        .values(
            "threat__fingerprint", "threat__title", "kind", "status", "owner__username", "justification", "approved_by__username",
            "expires_on", "recipient", "compensating_controls", "band", "score",
        )
    )  # fmt: skip
    decisions = [
        DecisionRow(
            fingerprint=row["threat__fingerprint"],
            threat_title=row["threat__title"],
            kind=row["kind"],
            status=row["status"],
            owner=row["owner__username"] or "",
            justification=row["justification"],
            approver=row["approved_by__username"] or "",
            expires=row["expires_on"].isoformat() if row["expires_on"] else "",
            recipient=row["recipient"],
            compensating_controls=row["compensating_controls"],
            band=row["band"],
            score=row["score"],
        )
        for row in rows
    ]
    return sorted(decisions, key=lambda d: (risks.get(d.fingerprint, UNRATED).sort_key, d.fingerprint))


def open_gate_items(model: ThreatModel) -> GateItems:
    """What blocks the model's next stage, in the workflow's own words."""
    report = model_gates(model)
    return GateItems(
        stage=report.stage,
        next_stage=report.next_stage or "",
        items=[item.message for item in report.blocking],
        warnings=[item.message for item in report.warnings],
    )


def author_ids(model: ThreatModel) -> frozenset[int]:
    """The people who wrote the model (the workflow's definition: not those who only moved its stage)."""
    return model_author_ids(model)
