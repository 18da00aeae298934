"""The stage gates (pure): each blocking condition on its own, and each gate all clear.

Every test starts from a model that passes the gate and breaks one thing, so that a gate which
blocks for the wrong reason (or for two reasons at once) shows up.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta

import pytest

from stride.coverage import Cell
from threatmodel.workflow import gates
from threatmodel.workflow.gates import (
    DecisionFacts,
    ElementFacts,
    FlowFacts,
    MitigationFacts,
    ModelFacts,
    ThreatFacts,
    signoff_blockers,
)
from threatmodel.workflow.risk import DEFAULT_POLICY

TODAY = date(2026, 11, 26)
FULL_PROCESS = {"authenticated": True}
ELEMENTS = (
    ElementFacts(1, "tb", "trust_boundary", "Cluster", 7, {"boundary_type": "namespace"}),
    ElementFacts(2, "user", "external_entity", "User", 7, {"public_network": True}),
    ElementFacts(3, "web", "process", "Web", 7, FULL_PROCESS),
    ElementFacts(4, "db", "data_store", "DB", 7, {"authenticated": True, "encrypted": "unknown", "data_classification": "confidential",
                                                 "stores_credentials": False}),
)
FLOW_PROPS = {"authenticated": True, "encrypted": True, "public_network": False, "data_classification": "internal"}
FLOWS = (FlowFacts(10, "f1", "HTTPS", 7, "user", "web", FLOW_PROPS),)


def covered(*cells: tuple[str, str, str]) -> tuple[Cell, ...]:
    return tuple(Cell(target=key, kind=kind, name=key, stride=letter, threats=(1,), note=None) for key, kind, letter in cells)


def rated(threat_id: int, fingerprint: str, **changes: object) -> ThreatFacts:
    base = ThreatFacts(
        id=threat_id,
        fingerprint=fingerprint,
        title=fingerprint,
        stride="T",
        status="open",
        triaged=True,
        likelihood=3,
        impact=3,
        rationale="reachable by any pod",
    )
    return replace(base, **changes)  # type: ignore[arg-type]


def facts(stage: str, **changes: object) -> ModelFacts:
    base = ModelFacts(
        id=99,
        stage=stage,
        version=8,
        analysed_version=8,
        break_version=8,
        policy=DEFAULT_POLICY,
        today=TODAY,
        diagram_ids=(7,),
        elements=ELEMENTS,
        flows=FLOWS,
        coverage=covered(("web", "process", "T")),
    )
    return replace(base, **changes)  # type: ignore[arg-type]


def codes(items: list[gates.Blocker]) -> list[str]:
    return [item.code for item in items]


# --- design -----------------------------------------------------------------------------------------------------


def test_design_gate_is_clear_for_a_typed_diagram_with_a_boundary() -> None:
    assert gates.design_gate(facts("design")) == []


def test_design_gate_needs_a_trust_boundary() -> None:
    items = gates.design_gate(facts("design", elements=ELEMENTS[1:]))
    assert codes(items) == ["no_trust_boundary"]
    assert items[0].as_dict()["actions"] == [{"label": "Change the diagram", "method": "POST", "url": "/api/v1/diagrams/7/ops/"}]


def test_design_gate_needs_both_ends_of_every_flow() -> None:
    broken = (replace(FLOWS[0], target_key=None),)
    items = gates.design_gate(facts("design", flows=broken))
    assert codes(items) == ["flow_missing_end"]
    assert items[0].as_dict()["object"] == {"type": "flow", "id": 10, "key": "f1", "url": "/api/v1/flows/10/"}


def test_design_gate_needs_every_required_property_looked_at() -> None:
    unset = (*ELEMENTS[:3], replace(ELEMENTS[3], properties={"authenticated": True}))
    items = gates.design_gate(facts("design", elements=unset))
    assert codes(items) == ["required_property_unset"]
    assert "encrypted, data_classification" in items[0].message and items[0].object_key == "db"


def test_design_gate_needs_the_required_properties_of_flows_too() -> None:
    items = gates.design_gate(facts("design", flows=(replace(FLOWS[0], properties={}),)))
    assert codes(items) == ["required_property_unset"]
    assert items[0].object_type == "flow"


# --- break ------------------------------------------------------------------------------------------------------------


def test_break_gate_is_clear_when_analysed_covered_triaged_and_rated() -> None:
    assert gates.break_gate(facts("break", threats=(rated(1, "R1@web"),))) == []


def test_break_gate_needs_the_analysis_of_the_current_version() -> None:
    items = gates.break_gate(facts("break", analysed_version=7))
    assert codes(items) == ["analysis_not_current"]
    assert items[0].actions[0].url == "/api/v1/threat-models/99/analyse/"


def test_break_gate_needs_every_coverage_cell_covered() -> None:
    gap = (Cell(target="db", kind="data_store", name="DB", stride="I", threats=(), note=None),)
    items = gates.break_gate(facts("break", coverage=gap))
    assert codes(items) == ["coverage_gap"]
    assert items[0].as_dict()["object"] == {"type": "element", "id": 4, "key": "db×I", "url": "/api/v1/elements/4/"}
    assert [a.url for a in items[0].actions] == ["/api/v1/coverage-notes/", "/api/v1/threats/"]


def test_a_coverage_note_covers_a_cell() -> None:
    noted = (Cell(target="db", kind="data_store", name="DB", stride="I", threats=(), note="managed service"),)
    assert gates.break_gate(facts("break", coverage=noted)) == []


def test_break_gate_needs_every_threat_triaged() -> None:
    items = gates.break_gate(facts("break", threats=(rated(1, "R1@web", triaged=False),)))
    assert codes(items) == ["threat_not_triaged"]


def test_duplicates_and_obsolete_threats_need_no_triage() -> None:
    threats = (
        rated(1, "R1@web"),
        rated(2, "R2@web", triaged=False, duplicate_of=1, likelihood=None),
        rated(3, "R3@web", triaged=False, status="obsolete", likelihood=None),
    )
    assert gates.break_gate(facts("break", threats=threats)) == []


def test_not_applicable_counts_as_triage_only_with_a_recorded_reason() -> None:
    threat = rated(1, "R1@web", triaged=False, status="not_applicable", likelihood=None)
    assert codes(gates.break_gate(facts("break", threats=(threat,)))) == ["not_applicable_without_reason"]
    reason = DecisionFacts(5, 1, "not_applicable", "active", justification="no user input reaches it")
    assert gates.break_gate(facts("break", threats=(threat,), decisions=(reason,))) == []


@pytest.mark.parametrize("missing", [{"likelihood": None}, {"impact": None}, {"rationale": "  "}])
def test_break_gate_needs_every_inherent_risk_rated_with_a_rationale(missing: dict[str, object]) -> None:
    items = gates.break_gate(facts("break", threats=(rated(1, "R1@web", **missing),)))
    assert codes(items) == ["threat_not_rated"]
    assert items[0].actions[0].url == "/api/v1/threats/1/rating/"


# --- fix --------------------------------------------------------------------------------------------------------------------

PLANNED = MitigationFacts(20, "MIT-1", "Network policy", "planned", likelihood_reduction=2)
ACCEPTANCE = DecisionFacts(30, 1, "acceptance", "active", justification="ALARP", owner_id=3, expires_on=TODAY + timedelta(days=90))


def test_fix_gate_is_clear_when_every_threat_has_a_complete_response() -> None:
    threats = (
        rated(1, "accepted", status="accepted"),
        rated(2, "mitigated", status="mitigated", likelihood=5, impact=3, mitigation_ids=(20,)),
        rated(3, "transferred", status="transferred"),
        rated(4, "eliminated", status="eliminated"),
    )
    decisions = (ACCEPTANCE, DecisionFacts(31, 3, "transfer", "active", recipient="Cloud provider", evidence="SLA §4"))
    assert gates.fix_gate(facts("fix", threats=threats, mitigations=(PLANNED,), decisions=decisions)) == []


def test_fix_gate_blocks_an_open_threat() -> None:
    items = gates.fix_gate(facts("fix", threats=(rated(1, "R1@web"),)))
    assert codes(items) == ["threat_open"]
    assert [a.url for a in items[0].actions] == ["/api/v1/mitigations/", "/api/v1/decisions/", "/api/v1/threats/1/status/"]


def test_fix_gate_blocks_an_unacceptable_threat_whose_planned_mitigations_are_not_enough() -> None:
    weak = replace(PLANNED, likelihood_reduction=1)
    threat = rated(1, "R1@web", status="mitigated", likelihood=5, impact=4, mitigation_ids=(20,))
    items = gates.fix_gate(facts("fix", threats=(threat,), mitigations=(weak,)))
    assert codes(items) == ["residual_unacceptable"]
    assert "residual risk of 16" in items[0].message


def test_a_live_exception_answers_an_unacceptable_residual() -> None:
    threat = rated(1, "R1@web", status="accepted", likelihood=5, impact=4)
    exception = DecisionFacts(
        30, 1, "exception", "active", justification="migration", owner_id=3, expires_on=TODAY + timedelta(days=30),
        approved_by=1, compensating_controls="WAF rule",
    )
    assert gates.fix_gate(facts("fix", threats=(threat,), decisions=(exception,))) == []


def test_fix_gate_refuses_an_acceptance_of_an_unacceptable_risk() -> None:
    threat = rated(1, "R1@web", status="accepted", likelihood=5, impact=4)
    items = gates.fix_gate(facts("fix", threats=(threat,), decisions=(ACCEPTANCE,)))
    assert codes(items) == ["acceptance_of_unacceptable_risk"]


def test_fix_gate_blocks_a_mitigated_threat_without_a_planned_mitigation() -> None:
    proposed = replace(PLANNED, status="proposed")
    threat = rated(1, "R1@web", status="mitigated", mitigation_ids=(20,))
    assert codes(gates.fix_gate(facts("fix", threats=(threat,), mitigations=(proposed,)))) == ["mitigated_without_mitigation"]


def test_fix_gate_blocks_a_status_without_its_decision() -> None:
    items = gates.fix_gate(facts("fix", threats=(rated(1, "R1@web", status="transferred"),)))
    assert codes(items) == ["status_without_decision"]


@pytest.mark.parametrize(
    ("decision", "missing"),
    [
        (replace(ACCEPTANCE, owner_id=None), "a risk owner"),
        (replace(ACCEPTANCE, justification=""), "a justification"),
        (replace(ACCEPTANCE, expires_on=None), "an expiry date"),
    ],
)
def test_fix_gate_needs_every_acceptance_complete(decision: DecisionFacts, missing: str) -> None:
    items = gates.fix_gate(facts("fix", threats=(rated(1, "R1@web", status="accepted"),), decisions=(decision,)))
    assert codes(items) == ["acceptance_incomplete"]
    assert missing in items[0].message and items[0].object_type == "decision"


def test_fix_gate_blocks_an_expired_acceptance() -> None:
    lapsed = replace(ACCEPTANCE, expires_on=TODAY - timedelta(days=1))
    items = gates.fix_gate(facts("fix", threats=(rated(1, "R1@web", status="accepted"),), decisions=(lapsed,)))
    assert codes(items) == ["decision_expired"]


def test_fix_gate_shows_an_exception_waiting_for_the_owner() -> None:
    pending = DecisionFacts(30, 1, "exception", "pending", justification="x", owner_id=3, expires_on=TODAY + timedelta(days=10))
    threat = rated(1, "R1@web", status="accepted", likelihood=2)
    items = gates.fix_gate(facts("fix", threats=(threat,), decisions=(ACCEPTANCE, pending)))
    assert codes(items) == ["exception_pending"]
    assert items[0].actions[0].url == "/api/v1/decisions/30/approve/"


def test_fix_gate_needs_a_transfer_recipient_and_evidence() -> None:
    transfer = DecisionFacts(31, 1, "transfer", "active", recipient="Platform team")
    items = gates.fix_gate(facts("fix", threats=(rated(1, "R1@web", status="transferred"),), decisions=(transfer,)))
    assert codes(items) == ["transfer_incomplete"] and "evidence" in items[0].message


# --- verify -----------------------------------------------------------------------------------------------------------------------

VERIFIED = MitigationFacts(20, "MIT-1", "Network policy", "verified", likelihood_reduction=2, has_evidence=True, implemented_by=5, verified_by=6)


def verified_model(**changes: object) -> ModelFacts:
    threat = rated(1, "R1@web", status="mitigated", likelihood=5, impact=3, mitigation_ids=(20,))
    return facts("verify", **{"threats": (threat,), "mitigations": (VERIFIED,), **changes})


def test_verify_gate_is_clear_when_verified_residual_is_tolerable() -> None:
    assert gates.verify_gate(verified_model()) == []


def test_verify_gate_uses_the_verified_residual_not_the_projected_one() -> None:
    implemented = replace(VERIFIED, status="implemented", verified_by=None)
    items = gates.verify_gate(verified_model(mitigations=(implemented,)))
    assert codes(items) == ["residual_unacceptable", "mitigation_not_verified"]
    assert gates.fix_gate(replace(verified_model(mitigations=(implemented,)), stage="fix")) == []


def test_verify_gate_needs_every_mitigation_of_a_mitigated_threat_verified() -> None:
    extra = MitigationFacts(21, "MIT-2", "Logging", "planned")
    threat = rated(1, "R1@web", status="mitigated", likelihood=5, impact=3, mitigation_ids=(20, 21))
    items = gates.verify_gate(verified_model(threats=(threat,), mitigations=(VERIFIED, extra)))
    assert codes(items) == ["mitigation_not_verified"] and items[0].object_key == "MIT-2"


def test_verify_gate_needs_evidence_on_a_verified_mitigation() -> None:
    items = gates.verify_gate(verified_model(mitigations=(replace(VERIFIED, has_evidence=False),)))
    # Without evidence it does not count as verified, so the residual stays unacceptable too.
    assert codes(items) == ["residual_unacceptable", "verified_without_evidence"]


def test_verify_gate_refuses_a_verifier_who_implemented_the_mitigation() -> None:
    items = gates.verify_gate(verified_model(mitigations=(replace(VERIFIED, verified_by=5),)))
    assert codes(items) == ["verifier_is_implementer"]


def test_verify_gate_needs_a_recorded_verifier() -> None:
    items = gates.verify_gate(verified_model(mitigations=(replace(VERIFIED, verified_by=None),)))
    assert codes(items) == ["verifier_missing"]


def test_verify_gate_flags_a_diagram_changed_since_break_until_it_is_reanalysed() -> None:
    drifted = verified_model(version=9, analysed_version=8, break_version=8)
    assert codes(gates.verify_gate(drifted)) == ["diagram_changed_since_break"]
    assert drifted.diagram_drift
    reanalysed = verified_model(version=9, analysed_version=9, break_version=8)
    assert gates.verify_gate(reanalysed) == [] and not reanalysed.diagram_drift


def test_verify_gate_still_needs_full_coverage() -> None:
    gap = (Cell(target="f1", kind="flow", name="HTTPS", stride="D", threats=(), note=None),)
    assert codes(gates.verify_gate(verified_model(coverage=gap))) == ["coverage_gap"]


def test_an_approved_model_has_no_gate() -> None:
    assert gates.gate_blockers(facts("approved", threats=(rated(1, "R1@web"),))) == []
    assert gates.next_stage("approved") is None and gates.next_stage("verify") == "approved"


def test_warnings_flag_drift_in_fix_and_open_band_changes() -> None:
    items = gates.gate_warnings(facts("fix", version=9, open_band_changes=2))
    assert codes(items) == ["diagram_changed_since_break", "band_changes"]


# --- sign-off -------------------------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("role", "actor", "authors", "expected"),
    [
        ("reviewer", 2, frozenset({1}), []),
        ("owner", 1, frozenset({2}), []),
        ("reviewer", 2, frozenset({1, 2}), ["own_work"]),
        ("owner", 1, frozenset({1, 2}), ["own_work"]),
        ("reviewer", 2, frozenset({2}), ["own_work"]),
        ("editor", 3, frozenset({1}), ["signoff_role"]),
        ("viewer", 4, frozenset({1}), ["signoff_role"]),
        ("editor", 3, frozenset({3}), ["signoff_role", "own_work"]),
        ("owner", 1, frozenset({1}), ["own_work"]),
    ],
)
def test_signoff_needs_a_reviewer_who_authored_nothing(role: str, actor: int, authors: frozenset[int], expected: list[str]) -> None:
    assert codes(signoff_blockers(model_id=99, role=role, actor_id=actor, author_ids=authors)) == expected
