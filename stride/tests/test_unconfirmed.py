"""Unknown is not safe: a rule that requires a property asks about it instead of staying quiet.

The finding is unconfirmed — it names the question, claims no ATT&CK technique and scores below
the same finding confirmed — and answering turns it into the confirmed finding (same fingerprint)
or makes it go away.
"""

from __future__ import annotations

from typing import Any

import pytest

from dfd.graph import build
from stride.engine import Finding, analyse
from stride.ruleset import RuleError, default_rules, parse_rule

RULES = default_rules()


def crossing(flow_props: dict[str, Any], target_props: dict[str, Any] | None = None) -> list[Finding]:
    elements: list[dict[str, Any]] = [
        {"key": "inet", "kind": "trust_boundary", "name": "Internet", "properties": {"boundary_type": "internet"}},
        {"key": "dmz", "kind": "trust_boundary", "name": "DMZ", "properties": {"boundary_type": "network_zone"}},
        {"key": "user", "kind": "external_entity", "name": "User", "parent": "inet"},
        {"key": "web", "kind": "process", "name": "Web", "parent": "dmz", "properties": target_props or {}},
    ]
    return analyse(build(elements, [{"key": "f", "source": "user", "target": "web", "properties": flow_props}]), RULES)


def by_rule(findings: list[Finding], rule_id: str) -> Finding | None:
    return next((f for f in findings if f.rule_id == rule_id), None)


def test_an_unknown_required_property_raises_an_unconfirmed_finding_with_its_question() -> None:
    finding = by_rule(crossing({"encrypted": True}), "INT-001")
    assert finding is not None and not finding.confirmed
    assert finding.questions == ("Is this flow authenticated?",)
    assert finding.explanation["confirmed"] is False
    assert finding.explanation["assumed"] == {"authenticated": False}
    assert finding.explanation["questions"] == ["Is this flow authenticated?"]


def test_an_unconfirmed_finding_claims_no_technique_and_scores_below_the_confirmed_one() -> None:
    asked = by_rule(crossing({"encrypted": True}, {"rate_limited": True}), "INT-006")
    confirmed = by_rule(crossing({"encrypted": True}, {"rate_limited": True, "validates_input": False}), "INT-006")
    assert asked is not None and confirmed is not None
    assert asked.questions == ("Does the flow's target (Web) validate input?",)
    assert asked.techniques == () and confirmed.techniques == ("T1190",)
    assert asked.likelihood * asked.impact < confirmed.likelihood * confirmed.impact


def test_answering_confirms_the_same_fingerprint_or_clears_it() -> None:
    asked = by_rule(crossing({}), "INT-001")
    confirmed = by_rule(crossing({"authenticated": False}), "INT-001")
    assert asked is not None and confirmed is not None and confirmed.confirmed
    assert asked.fingerprint == confirmed.fingerprint == "INT-001@web@f"
    assert by_rule(crossing({"authenticated": True}), "INT-001") is None


def test_an_unconfirmed_finding_covers_its_cell_so_stride_coverage_stays_complete() -> None:
    findings = crossing({})
    on_flow = {f.stride for f in findings if f.flow_key == "f"}
    assert {"T", "I", "D"} <= on_flow  # the chart's letters for a flow, by rule or by baseline
    assert not any(f.rule_id == "B-DF-I" for f in findings)  # INT-002 asks about encryption instead


def test_a_cell_recorded_as_considered_asks_nothing() -> None:
    elements = [{"key": "p", "kind": "process", "name": "P"}]
    asked = analyse(build(elements, []), RULES)
    quiet = analyse(build(elements, []), RULES, suppressed={("p", "R")})
    assert any(f.rule_id == "EL-001" and not f.confirmed for f in asked)
    assert not any(f.rule_id == "EL-001" for f in quiet)


BASE = {
    "id": "X-001", "title": "A test rule", "stride": "S", "target": "flow",
    "condition": {"all": [{"crosses_boundary": True}, {"property": {"name": "authenticated", "equals": False}}]},
    "likelihood": 3, "impact": 4, "description": "A description long enough to explain the threat to an engineer.",
    "requires": ["authenticated"],
    "fixture": {"diagram": "interactions", "fires": ["f-in-unauth"], "quiet": ["f-in-auth"], "asks": ["f-imds"]},
}  # fmt: skip


@pytest.mark.parametrize(
    ("change", "field", "fragment"),
    [
        ({"requires": ["encrypted"]}, "requires[0]", "not tested by the condition"),
        ({"requires": ["nonsense"]}, "requires[0]", "not in the property vocabulary"),
        ({"requires": ["middle.authenticated"]}, "requires[0]", "source. or target."),
        ({"requires": ["technology"]}, "requires[0]", "only yes/no and choice"),
        ({"fixture": {"diagram": "interactions", "fires": ["f-in-unauth"], "quiet": ["f-in-auth"]}}, "fixture", "asks"),
        ({"layer": "baseline", "condition": None}, "requires", "baseline rule asks nothing"),
    ],
)
def test_a_bad_requires_fails_with_its_field(change: dict[str, Any], field: str, fragment: str) -> None:
    data = {key: value for key, value in {**BASE, **change}.items() if value is not None}
    with pytest.raises(RuleError) as info:
        parse_rule(data, "stride/rules/test/X-001.yaml")
    assert info.value.field_path == field, str(info.value)
    assert fragment in info.value.message


def test_every_rule_that_requires_a_property_asks_somewhere_in_its_fixture() -> None:
    asking = [rule for rule in RULES.rules if rule.requires]
    assert len(asking) >= 20
    assert all(rule.fixture.asks for rule in asking)
