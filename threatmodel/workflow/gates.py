"""The stage gates: pure functions that list what still blocks a model from its next stage.

Each gate takes ``ModelFacts`` — plain, immutable data loaded by ``selectors.model_facts`` — and
returns ``Blocker`` items. An empty list means the gate is clear. Every item names the object at
fault (type, id, key) and the API calls that fix it, so the UI can link each item to its object.
No ORM, no settings, no clock: ``today`` is part of the facts.

The conditions (DESIGN.md "Risk model and workflow", research note §5.3):

- design → break: a trust boundary; every flow has both ends; every element's and flow's required
  properties are set (``"unknown"`` counts as set: someone looked at it).
- break → fix: the analysis ran on the current model version; every STRIDE coverage cell is
  covered; every threat triaged (kept, not applicable with a reason, or a duplicate); every inherent
  risk rated with a rationale.
- fix → verify: no threat open; every threat whose projected residual is unacceptable has
  mitigations bringing it down or a live exception; every status other than open/mitigated rests
  on a complete, unexpired decision.
- verify → approved: as fix, but on the verified residual; every mitigation of a mitigated threat
  verified; every verified mitigation has evidence and a verifier who is not its implementer; the
  diagram has not changed since break, or was re-analysed; coverage still complete. The sign-off
  itself (a reviewer who is not one of the model's authors) is checked by ``signoff_blockers``.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from dfd import vocabulary
from stride.coverage import Cell
from threatmodel.workflow.risk import Band, Effect, Policy, RiskNumbers, risk_numbers

API = "/api/v1"
STAGES = ("design", "break", "fix", "verify", "approved")
# Roles allowed to sign a model off (checked by name: an editor outranks a reviewer but does not sign).
SIGNOFF_ROLES = ("reviewer", "owner")

PROJECTED = ("planned", "implemented", "verified")
DECISION_STATUS = {"acceptance": "accepted", "exception": "accepted", "transfer": "transferred", "not_applicable": "not_applicable"}


# --- facts ------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ElementFacts:
    id: int
    key: str
    kind: str
    name: str
    diagram_id: int
    properties: Mapping[str, Any]


@dataclass(frozen=True)
class FlowFacts:
    id: int
    key: str
    name: str
    diagram_id: int
    source_key: str | None
    target_key: str | None
    properties: Mapping[str, Any]


@dataclass(frozen=True)
class MitigationFacts:
    id: int
    ref: str
    title: str
    status: str
    likelihood_reduction: int = 0
    impact_reduction: int = 0
    has_evidence: bool = False
    implemented_by: int | None = None
    verified_by: int | None = None

    @property
    def effect(self) -> Effect:
        return Effect(self.likelihood_reduction, self.impact_reduction)

    @property
    def counts_as_verified(self) -> bool:
        return self.status == "verified" and self.has_evidence


@dataclass(frozen=True)
class DecisionFacts:
    id: int
    threat_id: int
    kind: str
    status: str  # only live decisions (pending, active) are loaded
    justification: str = ""
    owner_id: int | None = None
    expires_on: date | None = None
    approved_by: int | None = None
    recipient: str = ""
    evidence: str = ""
    compensating_controls: str = ""


@dataclass(frozen=True)
class ThreatFacts:
    id: int
    fingerprint: str
    title: str
    stride: str
    status: str
    triaged: bool = False
    duplicate_of: int | None = None
    likelihood: int | None = None
    impact: int | None = None
    rationale: str = ""
    mitigation_ids: tuple[int, ...] = ()

    @property
    def rated(self) -> bool:
        return self.likelihood is not None and self.impact is not None and bool(self.rationale.strip())


@dataclass(frozen=True)
class ModelFacts:
    id: int
    stage: str
    version: int
    analysed_version: int | None
    break_version: int | None
    policy: Policy
    today: date
    diagram_ids: tuple[int, ...] = ()
    elements: tuple[ElementFacts, ...] = ()
    flows: tuple[FlowFacts, ...] = ()
    threats: tuple[ThreatFacts, ...] = ()
    mitigations: tuple[MitigationFacts, ...] = ()
    decisions: tuple[DecisionFacts, ...] = ()
    coverage: tuple[Cell, ...] = ()
    open_band_changes: int = 0

    def counted_threats(self) -> list[ThreatFacts]:
        """Threats the workflow answers for: not obsolete, not a duplicate of another."""
        return [t for t in self.threats if t.status != "obsolete" and t.duplicate_of is None]

    def mitigations_by_id(self) -> dict[int, MitigationFacts]:
        return {m.id: m for m in self.mitigations}

    def decisions_by_threat(self) -> dict[int, list[DecisionFacts]]:
        out: dict[int, list[DecisionFacts]] = defaultdict(list)
        for decision in self.decisions:
            out[decision.threat_id].append(decision)
        return out

    @property
    def diagram_drift(self) -> bool:
        """The diagram changed after the break stage and the threats do not describe it yet."""
        if self.break_version is None or self.version == self.break_version:
            return False
        return self.analysed_version != self.version


def threat_risk_numbers(threat: ThreatFacts, mitigations: Mapping[int, MitigationFacts], policy: Policy) -> RiskNumbers:
    linked = [mitigations[i] for i in threat.mitigation_ids if i in mitigations]
    return risk_numbers(
        threat.likelihood,
        threat.impact,
        projected_effects=[m.effect for m in linked if m.status in PROJECTED],
        verified_effects=[m.effect for m in linked if m.counts_as_verified],
        policy=policy,
    )


# --- blocking items ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Link:
    """An API call that fixes (or helps fix) a blocking item."""

    label: str
    method: str
    url: str

    def as_dict(self) -> dict[str, str]:
        return {"label": self.label, "method": self.method, "url": self.url}


@dataclass(frozen=True)
class Blocker:
    code: str
    message: str
    object_type: str
    object_id: int | None = None
    object_key: str | None = None
    actions: tuple[Link, ...] = field(default_factory=tuple)

    def as_dict(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "message": self.message,
            "object": {"type": self.object_type, "id": self.object_id, "key": self.object_key, "url": object_url(self)},
            "actions": [link.as_dict() for link in self.actions],
        }


_OBJECT_URLS = {
    "threat_model": "/threat-models/{id}/",
    "element": "/elements/{id}/",
    "flow": "/flows/{id}/",
    "threat": "/threats/{id}/",
    "mitigation": "/mitigations/{id}/",
    "decision": "/decisions/{id}/",
}


def object_url(item: Blocker) -> str | None:
    template = _OBJECT_URLS.get(item.object_type)
    if template is None or item.object_id is None:
        return None
    return API + template.format(id=item.object_id)


# The calls that fix things, in one place so that a renamed route is changed once.
def _rate(threat_id: int) -> Link:
    return Link("Rate the inherent risk", "PUT", f"{API}/threats/{threat_id}/rating/")


def _status(threat_id: int) -> Link:
    return Link("Change the threat's status", "POST", f"{API}/threats/{threat_id}/status/")


def _decide() -> Link:
    return Link("Record a decision (acceptance, exception, transfer, not applicable)", "POST", f"{API}/decisions/")


def _mitigate() -> Link:
    return Link("Add a mitigation, or link an existing one", "POST", f"{API}/mitigations/")


def _triage(threat_id: int) -> Link:
    return Link("Triage the threat (keep it, or mark it a duplicate)", "PATCH", f"{API}/threats/{threat_id}/")


def _ops(diagram_id: int) -> Link:
    return Link("Change the diagram", "POST", f"{API}/diagrams/{diagram_id}/ops/")


def _analyse(model_id: int) -> Link:
    return Link("Run the threat analysis", "POST", f"{API}/threat-models/{model_id}/analyse/")


def _revoke(decision_id: int) -> Link:
    return Link("Revoke the decision (then record a new one)", "POST", f"{API}/decisions/{decision_id}/revoke/")


# --- the gates ----------------------------------------------------------------------------------------------------


def design_gate(f: ModelFacts) -> list[Blocker]:
    items: list[Blocker] = []
    first_diagram = f.diagram_ids[0] if f.diagram_ids else None
    if not any(e.kind == "trust_boundary" for e in f.elements):
        items.append(
            Blocker(
                "no_trust_boundary",
                "Draw at least one trust boundary: threats live where data crosses from one zone of trust to another.",
                "threat_model",
                f.id,
                actions=(_ops(first_diagram),) if first_diagram is not None else (),
            )
        )
    for flow in f.flows:
        missing_ends = [name for name, key in (("source", flow.source_key), ("target", flow.target_key)) if not key]
        if missing_ends:
            items.append(
                Blocker(
                    "flow_missing_end",
                    f"Flow '{flow.name}' has no {' and no '.join(missing_ends)}.",
                    "flow",
                    flow.id,
                    flow.key,
                    (_ops(flow.diagram_id),),
                )
            )
    for element in f.elements:
        _required_properties(items, "element", element.id, element.key, element.name, element.kind, element.properties, element.diagram_id)
    for flow in f.flows:
        _required_properties(items, "flow", flow.id, flow.key, flow.name, "flow", flow.properties, flow.diagram_id)
    return items


def _required_properties(
    items: list[Blocker],
    object_type: str,
    object_id: int,
    key: str,
    name: str,
    kind: str,
    properties: Mapping[str, Any],
    diagram_id: int,
) -> None:
    missing = [prop for prop in vocabulary.required_for(kind) if prop not in properties]
    if missing:
        what = kind.replace("_", " ")
        items.append(
            Blocker(
                "required_property_unset",
                f"{what.capitalize()} '{name}': set {', '.join(missing)} (\"unknown\" is an answer).",
                object_type,
                object_id,
                key,
                (_ops(diagram_id),),
            )
        )


def break_gate(f: ModelFacts) -> list[Blocker]:
    items: list[Blocker] = []
    if f.analysed_version != f.version:
        described = f"version {f.analysed_version}" if f.analysed_version is not None else "no version yet"
        items.append(
            Blocker(
                "analysis_not_current",
                f"The threats describe {described} of the model; it is at version {f.version}. Run the analysis.",
                "threat_model",
                f.id,
                actions=(_analyse(f.id),),
            )
        )
    items.extend(_coverage_gaps(f))
    decisions = f.decisions_by_threat()
    for threat in f.counted_threats():
        not_applicable = threat.status == "not_applicable"
        if not_applicable:
            if not _live(decisions, threat.id, "not_applicable", active_only=True):
                items.append(
                    Blocker(
                        "not_applicable_without_reason",
                        f"Threat '{threat.title}' is marked not applicable without a recorded reason.",
                        "threat",
                        threat.id,
                        threat.fingerprint,
                        (_decide(),),
                    )
                )
            continue
        if not threat.triaged:
            items.append(
                Blocker(
                    "threat_not_triaged",
                    f"Threat '{threat.title}' is not triaged: keep it, mark it a duplicate, or record why it does not apply.",
                    "threat",
                    threat.id,
                    threat.fingerprint,
                    (_triage(threat.id), _decide()),
                )
            )
        if not threat.rated:
            items.append(_unrated(threat))
    return items


def fix_gate(f: ModelFacts) -> list[Blocker]:
    return _response_checks(f, measure="projected")


def verify_gate(f: ModelFacts) -> list[Blocker]:
    items = _response_checks(f, measure="verified")
    mitigations = f.mitigations_by_id()
    for threat in f.counted_threats():
        if threat.status != "mitigated":
            continue
        for mitigation_id in threat.mitigation_ids:
            mitigation = mitigations.get(mitigation_id)
            if mitigation is not None and mitigation.status != "verified":
                items.append(
                    Blocker(
                        "mitigation_not_verified",
                        f"Mitigation {mitigation.ref} '{mitigation.title}' of threat '{threat.title}' is {mitigation.status}, "
                        "not verified: verify it with evidence, or unlink it from the threat.",
                        "mitigation",
                        mitigation.id,
                        mitigation.ref,
                        (
                            Link("Verify the mitigation", "POST", f"{API}/mitigations/{mitigation.id}/verify/"),
                            Link("Unlink it from the threat", "POST", f"{API}/mitigations/{mitigation.id}/unlink/"),
                        ),
                    )
                )
    for mitigation in f.mitigations:
        if mitigation.status != "verified":
            continue
        if not mitigation.has_evidence:
            items.append(
                Blocker(
                    "verified_without_evidence",
                    f"Mitigation {mitigation.ref} '{mitigation.title}' is verified but carries no evidence (a link or a text).",
                    "mitigation",
                    mitigation.id,
                    mitigation.ref,
                    (Link("Add evidence", "PATCH", f"{API}/mitigations/{mitigation.id}/"),),
                )
            )
        if mitigation.verified_by is None:
            items.append(
                Blocker(
                    "verifier_missing",
                    f"Mitigation {mitigation.ref} '{mitigation.title}' has no recorded verifier.",
                    "mitigation",
                    mitigation.id,
                    mitigation.ref,
                    (Link("Verify the mitigation", "POST", f"{API}/mitigations/{mitigation.id}/verify/"),),
                )
            )
        elif mitigation.verified_by == mitigation.implemented_by:
            items.append(
                Blocker(
                    "verifier_is_implementer",
                    f"Mitigation {mitigation.ref} '{mitigation.title}' was verified by the person who implemented it; "
                    "someone else must verify it.",
                    "mitigation",
                    mitigation.id,
                    mitigation.ref,
                    (Link("Verify the mitigation", "POST", f"{API}/mitigations/{mitigation.id}/verify/"),),
                )
            )
    if f.analysed_version != f.version and f.version != f.break_version:
        items.append(
            Blocker(
                "diagram_changed_since_break",
                "The diagram changed after the break stage and has not been re-analysed: run the analysis and answer "
                "what it finds.",
                "threat_model",
                f.id,
                actions=(_analyse(f.id),),
            )
        )
    items.extend(_coverage_gaps(f))
    return items


def _response_checks(f: ModelFacts, *, measure: str) -> list[Blocker]:
    """What fix and verify share: every threat has a complete response, and its residual risk fits."""
    items: list[Blocker] = []
    mitigations = f.mitigations_by_id()
    decisions = f.decisions_by_threat()
    for threat in f.counted_threats():
        status = threat.status
        live = decisions.get(threat.id, [])
        for decision in live:
            items.extend(_decision_problems(decision, threat, f.today))
        if status == "open":
            items.append(
                Blocker(
                    "threat_open",
                    f"Threat '{threat.title}' is still open: mitigate it, or record a decision.",
                    "threat",
                    threat.id,
                    threat.fingerprint,
                    (_mitigate(), _decide(), _status(threat.id)),
                )
            )
        if status in ("accepted", "transferred", "not_applicable"):
            kinds = [kind for kind, target in DECISION_STATUS.items() if target == status]
            if not any(d.kind in kinds and d.status == "active" for d in live):
                items.append(
                    Blocker(
                        "status_without_decision",
                        f"Threat '{threat.title}' is {status.replace('_', ' ')} without an active decision behind it.",
                        "threat",
                        threat.id,
                        threat.fingerprint,
                        (_decide(), _status(threat.id)),
                    )
                )
        if status == "not_applicable":
            continue
        if not threat.rated:
            items.append(_unrated(threat))
            continue
        linked = [mitigations[i] for i in threat.mitigation_ids if i in mitigations]
        if status == "mitigated" and not any(m.status in PROJECTED for m in linked):
            items.append(
                Blocker(
                    "mitigated_without_mitigation",
                    f"Threat '{threat.title}' is marked mitigated but has no planned, implemented or verified mitigation.",
                    "threat",
                    threat.id,
                    threat.fingerprint,
                    (_mitigate(), _status(threat.id)),
                )
            )
        if status not in ("mitigated", "accepted"):
            continue
        numbers = threat_risk_numbers(threat, mitigations, f.policy)
        rating = numbers.projected if measure == "projected" else numbers.verified
        assert rating is not None  # the threat is rated
        if rating.band != Band.UNACCEPTABLE:
            continue
        if any(d.kind == "exception" and d.status == "active" and _unexpired(d, f.today) for d in live):
            continue
        acceptance = next((d for d in live if d.kind == "acceptance" and d.status == "active"), None)
        if acceptance is not None:
            items.append(
                Blocker(
                    "acceptance_of_unacceptable_risk",
                    f"Threat '{threat.title}' is accepted, but its {measure} residual risk ({rating.score}) is unacceptable "
                    f"(≥ {f.policy.unacceptable_at}): mitigate it further, or ask the team owner for a time-boxed exception.",
                    "threat",
                    threat.id,
                    threat.fingerprint,
                    (_mitigate(), _revoke(acceptance.id), _decide()),
                )
            )
        else:
            what = "planned mitigations leave" if measure == "projected" else "verified mitigations leave"
            items.append(
                Blocker(
                    "residual_unacceptable",
                    f"Threat '{threat.title}': its {what} a residual risk of {rating.score} "
                    f"(likelihood {rating.likelihood} × impact {rating.impact}), which is unacceptable "
                    f"(≥ {f.policy.unacceptable_at}). Mitigate further or ask the team owner for an exception.",
                    "threat",
                    threat.id,
                    threat.fingerprint,
                    (_mitigate(), _decide()),
                )
            )
    return items


def _decision_problems(decision: DecisionFacts, threat: ThreatFacts, today: date) -> list[Blocker]:
    problems: list[str] = []
    code = f"{decision.kind}_incomplete"
    if decision.status == "pending":
        return [
            Blocker(
                "exception_pending",
                f"The exception for threat '{threat.title}' waits for the team owner's approval.",
                "decision",
                decision.id,
                threat.fingerprint,
                (Link("Approve the exception (team owner)", "POST", f"{API}/decisions/{decision.id}/approve/"), _revoke(decision.id)),
            )
        ]
    if decision.kind in ("acceptance", "exception"):
        if decision.owner_id is None:
            problems.append("a risk owner")
        if not decision.justification.strip():
            problems.append("a justification")
        if decision.expires_on is None:
            problems.append("an expiry date")
        if decision.kind == "exception" and decision.approved_by is None:
            problems.append("the team owner's approval")
        if decision.kind == "exception" and not decision.compensating_controls.strip():
            problems.append("compensating controls")
    elif decision.kind == "transfer":
        if not decision.recipient.strip():
            problems.append("a recipient")
        if not decision.evidence.strip():
            problems.append("evidence (an SLA, attestation or control id)")
    elif decision.kind == "not_applicable" and not decision.justification.strip():
        problems.append("a reason")
    items: list[Blocker] = []
    if problems:
        items.append(
            Blocker(
                code,
                f"The {decision.kind.replace('_', ' ')} of threat '{threat.title}' lacks {', '.join(problems)}.",
                "decision",
                decision.id,
                threat.fingerprint,
                (_revoke(decision.id), _decide()),
            )
        )
    if not _unexpired(decision, today):
        items.append(
            Blocker(
                "decision_expired",
                f"The {decision.kind} of threat '{threat.title}' expired on {decision.expires_on}; renew it (a new decision, "
                "with a new rating if needed) or mitigate.",
                "decision",
                decision.id,
                threat.fingerprint,
                (_decide(), _mitigate()),
            )
        )
    return items


def _unexpired(decision: DecisionFacts, today: date) -> bool:
    return decision.expires_on is None or decision.expires_on >= today


def _live(decisions: Mapping[int, Sequence[DecisionFacts]], threat_id: int, kind: str, *, active_only: bool) -> bool:
    return any(d.kind == kind and (d.status == "active" or not active_only) for d in decisions.get(threat_id, ()))



def _unrated(threat: ThreatFacts) -> Blocker:
    missing = [name for name, value in (("likelihood", threat.likelihood), ("impact", threat.impact)) if value is None]
    if not threat.rationale.strip():
        missing.append("a rationale")
    return Blocker(
        "threat_not_rated",
        f"Threat '{threat.title}' needs its inherent risk rated: {', '.join(missing)}.",
        "threat",
        threat.id,
        threat.fingerprint,
        (_rate(threat.id),),
    )


def _coverage_gaps(f: ModelFacts) -> list[Blocker]:
    by_key = {e.key: e for e in f.elements} | {fl.key: fl for fl in f.flows}
    items: list[Blocker] = []
    for cell in f.coverage:
        if cell.covered:
            continue
        target = by_key.get(cell.target)
        object_type = "flow" if cell.kind == "flow" else "element"
        items.append(
            Blocker(
                "coverage_gap",
                f"{cell.kind.replace('_', ' ').capitalize()} '{cell.name}' × {cell.stride}: no threat covers it and nobody "
                "recorded why none applies.",
                object_type,
                target.id if target is not None else None,
                f"{cell.target}×{cell.stride}",
                (
                    Link("Record why no threat applies (a coverage note)", "POST", f"{API}/coverage-notes/"),
                    Link("Write a threat for this cell", "POST", f"{API}/threats/"),
                ),
            )
        )
    return items


GATES: dict[str, Callable[[ModelFacts], list[Blocker]]] = {
    "design": design_gate,
    "break": break_gate,
    "fix": fix_gate,
    "verify": verify_gate,
}


def next_stage(stage: str) -> str | None:
    index = STAGES.index(stage)
    return STAGES[index + 1] if index + 1 < len(STAGES) else None


def gate_blockers(f: ModelFacts) -> list[Blocker]:
    """What blocks the model's current stage from the next one (nothing once approved)."""
    gate = GATES.get(f.stage)
    return gate(f) if gate is not None else []


def gate_warnings(f: ModelFacts) -> list[Blocker]:
    """Things to look at that do not block the next stage."""
    items: list[Blocker] = []
    if f.stage in ("fix", "approved") and f.diagram_drift:
        items.append(
            Blocker(
                "diagram_changed_since_break",
                "The diagram changed after the break stage; the threats do not describe it until it is re-analysed.",
                "threat_model",
                f.id,
                actions=(_analyse(f.id),),
            )
        )
    if f.open_band_changes:
        items.append(
            Blocker(
                "band_changes",
                f"{f.open_band_changes} threat(s) changed band under the team's new risk policy; review their responses.",
                "threat_model",
                f.id,
                actions=(Link("List the band changes", "GET", f"{API}/band-changes/?threat_model={f.id}&acknowledged=false"),),
            )
        )
    return items


def signoff_blockers(*, model_id: int, role: str, actor_id: int, author_ids: frozenset[int]) -> list[Blocker]:
    """Who may approve: a reviewer (or the team owner) who changed none of the model's content.

    Being one of several authors is not independence: a reviewer who verified a mitigation does not
    turn the model into something its author may sign off (issue 13). Verifying is not authoring
    (``selectors.NOT_AUTHORING``), so the verifier stays free to approve.
    """
    items: list[Blocker] = []
    if role not in SIGNOFF_ROLES:
        items.append(
            Blocker(
                "signoff_role",
                f"Approval is a reviewer's sign-off; your role in this team is {role}.",
                "threat_model",
                model_id,
            )
        )
    if actor_id in author_ids:
        others = len(author_ids - {actor_id})
        items.append(
            Blocker(
                "own_work",
                "You changed this model's diagram, ratings, threats or responses"
                + (f" (with {others} other author{'s' if others != 1 else ''})" if others else "")
                + "; a reviewer who did not must sign it off.",
                "threat_model",
                model_id,
            )
        )
    return items
