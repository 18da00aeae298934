"""Reads of the workflow, in a fixed number of queries whatever the model's size.

These are the functions other parts of the product call — the API, the PDF report, exports:
``model_policy``, ``model_facts``, ``model_gates``, ``threat_risk``, ``model_risk``, ``heat_map``,
``model_author_ids``, ``threat_history``, ``suggested_attack_mitigations``.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING, Any, cast

from django.db.models import Q, QuerySet
from django.utils import timezone

from dfd.selectors import model_diagrams
from stride.coverage import coverage_for
from stride.models import Mitigates, Technique, Threat
from stride.techniques import techniques_of
from threatmodel.models import AuditEvent, BandChange, Decision, Mitigation, RiskPolicy, ThreatMitigation, ThreatModel
from threatmodel.workflow import gates
from threatmodel.workflow.gates import (
    DecisionFacts,
    ElementFacts,
    FlowFacts,
    MitigationFacts,
    ModelFacts,
    ThreatFacts,
)
from threatmodel.workflow.risk import DEFAULT_POLICY, LEVELS, Band, Policy, RiskNumbers, matrix_cells

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser, User

# Audit actions that are workflow steps or a reviewer's checks, not authorship: they do not make
# someone an author. Every other action on a model does, so a new action counts until listed here.
NOT_AUTHORING = (
    "threat_model.advance",
    "threat_model.reopen",
    "threat_model.approve",
    "snapshot.create",
    "mitigation.verify",
    "decision.approve",
    "decision.expire",
    "band_change.acknowledge",
)


# --- policy ----------------------------------------------------------------------------------------------


def team_policy(team_id: int) -> RiskPolicy | None:
    """The team's current (latest) policy version, or None while it uses the defaults."""
    return RiskPolicy.objects.filter(team_id=team_id).order_by("-version").first()


def model_policy(model: ThreatModel) -> Policy:
    """The policy a model is rated under: its pinned version, else the team's current one."""
    if model.risk_policy_id is not None:
        row = RiskPolicy.objects.get(pk=model.risk_policy_id)
        return row.as_policy()
    current = team_policy(model.team_id)
    return current.as_policy() if current is not None else DEFAULT_POLICY


# --- facts ------------------------------------------------------------------------------------------------------


def model_facts(model: ThreatModel, *, today: date | None = None) -> ModelFacts:
    """Everything the gates need (about a dozen queries, the same for any size of model)."""
    diagrams = model_diagrams(model.pk)
    diagram_ids = tuple(d.id for d in diagrams)
    elements = tuple(
        ElementFacts(el.pk or 0, el.key, el.kind, el.name, d.id, el.properties)
        for d in diagrams
        for el in sorted(d.state.elements.values(), key=lambda e: e.key)
    )
    names = {el.key: el.name for d in diagrams for el in d.state.elements.values()}
    flows = tuple(
        FlowFacts(
            fl.pk or 0,
            fl.key,
            fl.label or f"{names.get(fl.source, fl.source)} → {names.get(fl.target, fl.target)}",
            d.id,
            fl.source,
            fl.target,
            fl.properties,
        )
        for d in diagrams
        for fl in sorted(d.state.flows.values(), key=lambda f: f.key)
    )
    links: dict[int, list[int]] = defaultdict(list)
    for threat_id, mitigation_id in (
        ThreatMitigation.objects.filter(mitigation__threat_model=model).order_by("id").values_list("threat_id", "mitigation_id")
    ):
        links[threat_id].append(mitigation_id)
    threats = tuple(
        ThreatFacts(
            id=row["id"],
            fingerprint=row["fingerprint"],
            title=row["title"],
            stride=row["stride"],
            status=row["status"],
            triaged=row["triaged"],
            duplicate_of=row["duplicate_of_id"],
            likelihood=row["likelihood"],
            impact=row["impact"],
            rationale=row["rationale"],
            mitigation_ids=tuple(links.get(row["id"], ())),
        )
        for row in Threat.objects.filter(threat_model=model)
        .order_by("id")
        .values("id", "fingerprint", "title", "stride", "status", "triaged", "duplicate_of_id", "likelihood", "impact", "rationale")
    )
    mitigations = tuple(_mitigation_facts(Mitigation.objects.filter(threat_model=model)))
    decisions = tuple(
        DecisionFacts(
            id=row["id"],
            threat_id=row["threat_id"],
            kind=row["kind"],
            status=row["status"],
            justification=row["justification"],
            owner_id=row["owner_id"],
            expires_on=row["expires_on"],
            approved_by=row["approved_by_id"],
            recipient=row["recipient"],
            evidence=row["evidence"],
            compensating_controls=row["compensating_controls"],
        )
        for row in Decision.objects.filter(threat_model=model, status__in=["pending", "active"])
        .order_by("id")
        .values(
            "id",
            "threat_id",
            "kind",
            "status",
            "justification",
            "owner_id",
            "expires_on",
            "approved_by_id",
            "recipient",
            "evidence",
            "compensating_controls",
        )
    )
    return ModelFacts(
        id=model.pk,
        stage=model.stage,
        version=model.version,
        analysed_version=model.analysed_version,
        break_version=model.break_version,
        policy=model_policy(model),
        today=today or timezone.localdate(),
        diagram_ids=diagram_ids,
        elements=elements,
        flows=flows,
        threats=threats,
        mitigations=mitigations,
        decisions=decisions,
        coverage=tuple(coverage_for(model.pk)),
        open_band_changes=BandChange.objects.filter(threat_model=model, acknowledged_at__isnull=True).count(),
    )


def _mitigation_facts(queryset: QuerySet[Mitigation]) -> Iterable[MitigationFacts]:
    for row in queryset.order_by("id").values(
        "id",
        "ref",
        "title",
        "status",
        "likelihood_reduction",
        "impact_reduction",
        "evidence",
        "evidence_url",
        "implemented_by_id",
        "verified_by_id",
    ):
        yield MitigationFacts(
            id=row["id"],
            ref=row["ref"],
            title=row["title"],
            status=row["status"],
            likelihood_reduction=row["likelihood_reduction"],
            impact_reduction=row["impact_reduction"],
            has_evidence=bool(row["evidence"].strip() or row["evidence_url"].strip()),
            implemented_by=row["implemented_by_id"],
            verified_by=row["verified_by_id"],
        )


# --- authors and sign-off -------------------------------------------------------------------------------------------


def model_author_ids(model: ThreatModel) -> frozenset[int]:
    """Everyone who changed the model: its creator, the audit trail and the diagram operation log."""
    from dfd.models import DiagramOp

    authors: set[int] = set()
    if model.created_by_id is not None:
        authors.add(model.created_by_id)
    authors.update(
        AuditEvent.objects.filter(threat_model_id=model.pk, actor__isnull=False)
        .exclude(action__in=NOT_AUTHORING)
        .values_list("actor_id", flat=True)
        .distinct()
    )
    authors.update(
        DiagramOp.objects.filter(diagram__threat_model_id=model.pk, actor__isnull=False)
        .values_list("actor_id", flat=True)
        .distinct()
    )
    return frozenset(authors)


@dataclass(frozen=True)
class GateReport:
    stage: str
    next_stage: str | None
    blocking: list[gates.Blocker]
    warnings: list[gates.Blocker]
    your_blocking: list[gates.Blocker]
    role: str | None
    author_ids: frozenset[int]
    facts: ModelFacts

    @property
    def can_advance(self) -> bool:
        return self.next_stage is not None and not self.blocking and not self.your_blocking

    def as_dict(self, usernames: dict[int, str]) -> dict[str, Any]:
        return {
            "threat_model": self.facts.id,
            "stage": self.stage,
            "next_stage": self.next_stage,
            "can_advance": self.can_advance,
            "blocking": [item.as_dict() for item in self.blocking],
            "your_blocking": [item.as_dict() for item in self.your_blocking],
            "warnings": [item.as_dict() for item in self.warnings],
            "counts": _counts(self.blocking),
            "model_version": self.facts.version,
            "analysed_version": self.facts.analysed_version,
            "break_version": self.facts.break_version,
            "diagram_changed_since_break": self.facts.diagram_drift,
            "risk_policy": {"version": self.facts.policy.version, **self.facts.policy.thresholds()},
            "authors": sorted(usernames.get(i, str(i)) for i in self.author_ids),
            "your_role": self.role,
        }


def _counts(items: list[gates.Blocker]) -> dict[str, int]:
    counts: dict[str, int] = defaultdict(int)
    for item in items:
        counts[item.code] += 1
    return dict(sorted(counts.items()))


def model_gates(model: ThreatModel, user: User | AnonymousUser | None = None, *, today: date | None = None) -> GateReport:
    """What blocks the model's next stage, in general and for this user (the sign-off rules)."""
    from threatmodel.permissions import role_in

    facts = model_facts(model, today=today)
    authors = model_author_ids(model)
    role = role_in(user, model.team_id) if user is not None else None
    your: list[gates.Blocker] = []
    next_stage = gates.next_stage(model.stage)
    if next_stage == "approved" and user is not None and role is not None:
        your = gates.signoff_blockers(model_id=model.pk, role=role, actor_id=cast(int, user.pk), author_ids=authors)
    return GateReport(
        stage=model.stage,
        next_stage=next_stage,
        blocking=gates.gate_blockers(facts),
        warnings=gates.gate_warnings(facts),
        your_blocking=your,
        role=role,
        author_ids=authors,
        facts=facts,
    )


# --- risk numbers -------------------------------------------------------------------------------------------------------


def model_risk(model: ThreatModel, *, facts: ModelFacts | None = None) -> dict[int, RiskNumbers]:
    """The three numbers of every threat of a model, by threat id."""
    facts = facts or model_facts(model)
    mitigations = facts.mitigations_by_id()
    return {t.id: gates.threat_risk_numbers(t, mitigations, facts.policy) for t in facts.threats}


def threat_risk(threat: Threat, *, policy: Policy | None = None) -> RiskNumbers:
    """Inherent, projected residual and verified residual risk of one threat, with bands."""
    if policy is None:
        policy = model_policy(threat.threat_model)
    mitigations = {m.id: m for m in _mitigation_facts(Mitigation.objects.filter(threats=threat))}
    facts = ThreatFacts(
        id=threat.pk,
        fingerprint=threat.fingerprint,
        title=threat.title,
        stride=threat.stride,
        status=threat.status,
        likelihood=threat.likelihood,
        impact=threat.impact,
        rationale=threat.rationale,
        mitigation_ids=tuple(mitigations),
    )
    return gates.threat_risk_numbers(facts, mitigations, policy)


def heat_map(model: ThreatModel) -> dict[str, Any]:
    """5×5 counts of the model's counted, rated threats: inherent, projected and verified residual.

    Each cell lists the threat ids, so that clicking a cell can filter the threat list. Threats
    that are obsolete, duplicates or not applicable carry no risk and are left out.
    """
    facts = model_facts(model)
    numbers = model_risk(model, facts=facts)
    ids: dict[str, dict[tuple[int, int], list[int]]] = {m: defaultdict(list) for m in ("inherent", "projected", "verified")}
    unrated = []
    counted = [t for t in facts.counted_threats() if t.status != "not_applicable"]
    for threat in counted:
        risk = numbers[threat.id]
        if risk.inherent is None or risk.projected is None or risk.verified is None:
            unrated.append(threat.id)
            continue
        for measure, rating in (("inherent", risk.inherent), ("projected", risk.projected), ("verified", risk.verified)):
            ids[measure][(rating.likelihood, rating.impact)].append(threat.id)
    cells = []
    for cell in matrix_cells(facts.policy):
        key = (cell["likelihood"], cell["impact"])
        cells.append(
            {
                **cell,
                "counts": {measure: len(ids[measure].get(key, [])) for measure in ids},
                "threats": {measure: ids[measure].get(key, []) for measure in ids},
            }
        )
    bands: dict[str, dict[str, int]] = {measure: dict.fromkeys((b.value for b in Band), 0) for measure in ids}
    for cell in cells:
        for measure in ids:
            bands[measure][cell["band"]] += cell["counts"][measure]
    return {
        "threat_model": model.pk,
        "risk_policy": {"version": facts.policy.version, **facts.policy.thresholds()},
        "likelihood_levels": list(reversed(LEVELS)),
        "impact_levels": list(LEVELS),
        "cells": cells,
        "band_totals": {measure: dict(values) for measure, values in bands.items()},
        "rated": len(counted) - len(unrated),
        "unrated": unrated,
    }


# --- a threat's history and suggestions -----------------------------------------------------------------------------------


def threat_history(threat: Threat) -> QuerySet[AuditEvent]:
    """Every recorded change of a threat: its own events, and those of the mitigations linked to it."""
    mitigation_ids = [str(pk) for pk in ThreatMitigation.objects.filter(threat=threat).values_list("mitigation_id", flat=True)]
    return (
        AuditEvent.objects.filter(Q(threat=threat) | Q(object_type="Mitigation", object_id__in=mitigation_ids, threat__isnull=True))
        .filter(threat_model_id=threat.threat_model_id)
        .select_related("actor")
        .order_by("-created_at", "-id")
    )


def suggested_attack_mitigations(threat: Threat) -> list[dict[str, Any]]:
    """ATT&CK mitigations that ``mitigate`` the threat's techniques (or their parent techniques).

    Ordered by how many of the threat's techniques each covers, then by id; each says which
    techniques it covers and whether one of the model's mitigations already links it.
    """
    techniques = list(Technique.objects.filter(attack_id__in=techniques_of(threat)).values("id", "attack_id", "parent_id"))
    technique_ids = {row["id"] for row in techniques} | {row["parent_id"] for row in techniques if row["parent_id"]}
    covers: dict[int, dict[str, Any]] = {}
    for row in (
        Mitigates.objects.filter(technique_id__in=technique_ids, mitigation__deprecated=False)
        .order_by("mitigation__attack_id", "technique__attack_id")
        .values(
            "mitigation_id",
            "mitigation__attack_id",
            "mitigation__name",
            "mitigation__url",
            "technique__attack_id",
            "description",
        )
    ):
        entry = covers.setdefault(
            row["mitigation_id"],
            {
                "attack_id": row["mitigation__attack_id"],
                "name": row["mitigation__name"],
                "url": row["mitigation__url"],
                "techniques": [],
                "guidance": [],
                "used_by": [],
            },
        )
        entry["techniques"].append(row["technique__attack_id"])
        if row["description"]:
            entry["guidance"].append({"technique": row["technique__attack_id"], "text": row["description"]})
    for mitigation_id, ref in Mitigation.attack_mitigations.through.objects.filter(
        attackmitigation_id__in=list(covers), mitigation__threat_model_id=threat.threat_model_id
    ).values_list("attackmitigation_id", "mitigation__ref"):
        covers[mitigation_id]["used_by"].append(ref)
    return sorted(covers.values(), key=lambda entry: (-len(entry["techniques"]), entry["attack_id"]))


def risk_register(model: ThreatModel) -> list[dict[str, Any]]:
    """Every threat of the model with its three numbers, mitigations and live decision, highest
    verified residual first (obsolete threats last) — the register the report and the UI list."""
    facts = model_facts(model)
    numbers = model_risk(model, facts=facts)
    live: dict[int, DecisionFacts] = {}
    for item in facts.decisions:
        if item.status == "active" or item.threat_id not in live:
            live[item.threat_id] = item
    rows = []
    for threat in facts.threats:
        risk = numbers[threat.id]
        decision = live.get(threat.id)
        rows.append(
            {
                "id": threat.id,
                "fingerprint": threat.fingerprint,
                "title": threat.title,
                "stride": threat.stride,
                "status": threat.status,
                "duplicate_of": threat.duplicate_of,
                "risk": risk.as_dict(),
                "mitigations": list(threat.mitigation_ids),
                "decision": (
                    {
                        "id": decision.id,
                        "kind": decision.kind,
                        "status": decision.status,
                        "expires_on": decision.expires_on.isoformat() if decision.expires_on else None,
                    }
                    if decision
                    else None
                ),
            }
        )

    def order(row: dict[str, Any]) -> tuple[int, int, int, int]:
        verified = row["risk"]["verified"]
        return (row["status"] == "obsolete", -(verified["score"] if verified else 0), -(row["risk"]["inherent"] or {}).get("score", 0), row["id"])

    return sorted(rows, key=order)
