"""The engine as a pure function: deterministic, explained, one threat per cell from the baseline,
and robust on random diagrams (hypothesis)."""

from __future__ import annotations

import random
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from dfd.graph import build
from stride.engine import Finding, analyse, fingerprint
from stride.ruleset import default_rules, fixture_diagram

RULES = default_rules()


def run(elements: list[dict[str, Any]], flows: list[dict[str, Any]], **kw: Any):
    return analyse(build(elements, flows), RULES, **kw)


def test_findings_are_sorted_and_fingerprinted() -> None:
    data = fixture_diagram("paths")
    findings = run(data["elements"], data["flows"])
    prints = [f.fingerprint for f in findings]
    assert prints == sorted(prints) and len(prints) == len(set(prints))
    flow_finding = next(f for f in findings if f.flow_key == "p3")
    assert flow_finding.fingerprint == fingerprint(flow_finding.rule_id, "orders-db", "p3")
    assert flow_finding.element_key == "orders-db"


def test_a_graph_rule_explains_itself_with_the_path() -> None:
    data = fixture_diagram("paths")
    finding = next(f for f in run(data["elements"], data["flows"]) if f.rule_id == "GW-001")
    assert finding.element_key == "orders-db"
    assert finding.explanation["path"] == ["visitor", "front", "back", "orders-db"]
    assert finding.explanation["flows"] == ["p1", "p2", "p3"]
    assert "Orders DB: is a crown jewel (sensitive data or credentials)" in finding.explanation["matched"]
    assert any(m.startswith("reachable from Visitor → Front end → Back end → Orders DB") for m in finding.explanation["matched"])


def test_a_property_rule_explains_which_properties_matched() -> None:
    data = fixture_diagram("containers")
    finding = next(f for f in run(data["elements"], data["flows"]) if f.rule_id == "K8S-021" and f.element_key == "open-pod")
    assert finding.explanation["matched"] == ["Pod in open namespace: network_policy is unknown", "inside Namespace without policy",
                                              "Namespace without policy: network_policy = false"]
    assert finding.techniques == ()  # a missing control raises the threat; it claims no technique


def test_the_baseline_fills_only_cells_no_specific_rule_covered() -> None:
    # what the element rules ask is answered: they neither fire nor ask, so the baseline speaks
    answered = {"audit_logged": True, "validates_input": True, "data_classification": "public"}
    elements = [{"key": "a", "kind": "process", "name": "A", "properties": answered},
                {"key": "b", "kind": "process", "name": "B", "properties": {"privileged": True, **answered}}]
    findings = run(elements, [])
    letters = {key: sorted(f.stride for f in findings if f.element_key == key and f.rule_id.startswith("B-")) for key in "ab"}
    assert letters["a"] == sorted("STRIDE")
    assert letters["b"] == sorted("SRD")  # T, I and E are said by K8S-001..003, not twice
    cells = [(f.element_key, f.stride) for f in findings if f.rule_id.startswith("B-")]
    assert len(cells) == len(set(cells))


def test_a_recorded_coverage_note_quiets_the_baseline_but_not_specific_rules() -> None:
    elements = [{"key": "b", "kind": "process", "name": "B", "properties": {"privileged": True}}]
    findings = run(elements, [], suppressed={("b", "S"), ("b", "E")})
    rules = {f.rule_id for f in findings}
    assert "B-PR-S" not in rules and "K8S-001" in rules


def element_strategy(index: int) -> Any:
    return st.fixed_dictionaries(
        {
            "key": st.just(f"e{index}"),
            "kind": st.sampled_from(["external_entity", "process", "data_store", "trust_boundary"]),
            "name": st.text(max_size=6),
            "parent": st.one_of(st.none(), st.sampled_from([f"e{i}" for i in range(8)])),
            "properties": st.dictionaries(
                st.sampled_from(["privileged", "authenticated", "encrypted", "public_network", "network_policy", "automount_sa_token",
                                 "is_log", "stores_credentials", "component", "data_classification", "boundary_type"]),
                st.one_of(st.booleans(), st.just("unknown"), st.sampled_from(["kube_apiserver", "confidential", "internet"])),
                max_size=5,
            ),
        }
    )


DIAGRAMS = st.tuples(
    st.tuples(*[element_strategy(i) for i in range(8)]),
    st.lists(
        st.fixed_dictionaries(
            {"key": st.sampled_from([f"f{i}" for i in range(12)]), "source": st.sampled_from([f"e{i}" for i in range(8)]),
             "target": st.sampled_from([f"e{i}" for i in range(8)]), "bidirectional": st.booleans(),
             "properties": st.dictionaries(st.sampled_from(["authenticated", "encrypted", "public_network", "carries_credentials"]),
                                           st.booleans(), max_size=3)}
        ),
        max_size=16,
        unique_by=lambda f: f["key"],
    ),
)


@given(diagram=DIAGRAMS, seed=st.integers(0, 1000))
@settings(max_examples=150, deadline=None)
def test_random_diagrams_analyse_deterministically_with_unique_fingerprints(diagram: Any, seed: int) -> None:
    elements, flows = list(diagram[0]), diagram[1]
    first = run(elements, flows)
    shuffled_elements, shuffled_flows = elements[:], flows[:]
    random.Random(seed).shuffle(shuffled_elements)
    random.Random(seed).shuffle(shuffled_flows)
    second = run(shuffled_elements, shuffled_flows)
    assert first == second  # same findings, same order, same explanations, whatever the input order
    prints = [f.fingerprint for f in first]
    assert len(prints) == len(set(prints))


def test_the_engine_imports_neither_django_nor_settings() -> None:
    import subprocess
    import sys
    from pathlib import Path

    code = (
        "import sys; import stride.engine, stride.ruleset, dfd.graph; "
        "bad = sorted(m for m in sys.modules if m == 'django' or m.startswith(('django.', 'threatmodel')));"
        "print(','.join(bad))"
    )
    root = Path(__file__).resolve().parents[2]
    result = subprocess.run([sys.executable, "-c", code], cwd=root, capture_output=True, text=True, env={"PATH": "/usr/bin:/bin"}, timeout=60)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == ""


def _scoped(*, web: dict[str, Any], flow: dict[str, Any]) -> list[Finding]:
    """A user on the internet calling a privileged web process that talks to a database."""
    elements: list[dict[str, Any]] = [
        {"key": "inet", "kind": "trust_boundary", "name": "Internet", "properties": {"boundary_type": "internet"}},
        {"key": "user", "kind": "external_entity", "name": "User", "parent": "inet"},
        {"key": "web", "kind": "process", "name": "Web", "properties": {"privileged": True, **web}},
        {"key": "db", "kind": "data_store", "name": "DB", "properties": {"data_classification": "confidential"}},
    ]
    flows = [
        {"key": "f-in", "source": "user", "target": "web", "properties": flow},
        {"key": "f-db", "source": "web", "target": "db", "properties": {}},
    ]
    return analyse(build(elements, flows), RULES)


def test_elements_and_flows_in_scope_raise_threats_rules_questions_and_baseline() -> None:
    findings = _scoped(web={"out_of_scope": False}, flow={"out_of_scope": False})
    on_web = {f.rule_id for f in findings if f.element_key == "web" and not f.flow_key}
    on_flow = {f.rule_id for f in findings if f.flow_key == "f-in"}
    assert "K8S-001" in on_web  # privileged: a confirmed specific finding
    assert any(rule.startswith("B-PR-") for rule in on_web)
    assert any(not f.confirmed for f in findings if f.flow_key == "f-in")  # authenticated? is asked
    assert on_flow


def test_out_of_scope_elements_and_flows_raise_nothing_but_the_rest_is_analysed() -> None:
    findings = _scoped(web={"out_of_scope": True, "out_of_scope_reason": "the vendor runs it"}, flow={"out_of_scope": True})
    assert not [f for f in findings if f.element_key == "web" and not f.flow_key]  # no rule, no question, no baseline
    assert not [f for f in findings if f.flow_key == "f-in"]
    # what is in scope is still analysed, including the flow out of the out-of-scope process
    assert any(f.flow_key == "f-db" for f in findings)
    assert any(f.element_key == "db" and not f.flow_key for f in findings)
    assert any(f.element_key == "user" for f in findings)
