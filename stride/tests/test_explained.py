"""The wording of a threat explained (``stride.explained``): names from the subject, words from the rule."""

from __future__ import annotations

from stride.explained import Named, explain_threat
from stride.ruleset import default_rules


def test_a_crossing_is_explained_with_the_flow_and_the_boundaries_by_name() -> None:
    rule = default_rules().get("INT-001")
    assert rule is not None
    explained = explain_threat(
        title=rule.title,
        subject="Orders service → Orders DB",
        rule=rule,
        explanation={"rule": "INT-001", "matched": ["leaves Namespace shop", "authenticated = false"]},
        controls={control: f"Control {control}" for control in rule.controls},
        techniques=[Named("T1557", "Adversary-in-the-Middle", "https://attack.mitre.org/techniques/T1557/")],
    )
    assert explained.summary == (
        "Orders service → Orders DB: an unauthenticated flow crosses a trust boundary — leaves Namespace shop; authenticated = false"
    )
    assert explained.what == rule.description and explained.fix == rule.mitigation
    assert [c.label() for c in explained.controls] == [f"{c} Control {c}" for c in rule.controls]
    text = explained.as_text()
    assert text.startswith(explained.summary) and f"What to do: {rule.mitigation}" in text
    assert "ATT&CK techniques: T1557 Adversary-in-the-Middle." in text


def test_the_subjects_own_name_is_not_repeated_and_a_path_is_named() -> None:
    rule = default_rules().get("GW-001")
    assert rule is not None
    explained = explain_threat(
        title=rule.title,
        subject="Session cache",
        rule=rule,
        explanation={"matched": ["Session cache: is a crown jewel", "reachable from Ingress"], "path": ["ing", "web"]},
        names={"ing": "Ingress", "web": "Storefront"},
    )
    assert explained.why == ("is a crown jewel", "reachable from Ingress")
    assert explained.path == ("Ingress", "Storefront") and not explained.path_in_why
    assert "Path: Ingress → Storefront." in explained.as_text()
    named = explain_threat(title=rule.title, subject="Cache", rule=rule, explanation={"matched": ["via Ingress → Storefront"], "path": ["ing", "web"]},
                           names={"ing": "Ingress", "web": "Storefront"})
    assert named.path_in_why and "Path:" not in named.as_text()
    assert [r.id for r in explained.references] == [*rule.cwe, *rule.capec]
    assert all(r.url.startswith("https://") for r in explained.references)


def test_a_baseline_threat_says_it_is_the_stride_check_and_an_acronym_keeps_its_case() -> None:
    baseline = next(rule for rule in default_rules().rules if rule.layer == "baseline" and rule.targets == ("flow",))
    explained = explain_threat(title=baseline.title, subject="kubectl", rule=baseline, explanation={"matched": []})
    assert explained.summary.startswith("kubectl: ") and "STRIDE check of every flow" in explained.summary
    assert explained.what == baseline.description
    sql = explain_threat(title="SQL injection in search", subject="Web", rule=None, explanation={})
    assert sql.summary == "Web: SQL injection in search"


def test_a_persons_description_leads_and_a_manual_threat_has_no_rule_words() -> None:
    explained = explain_threat(title="Insider exports orders", subject="Orders DB", rule=None, explanation={},
                               description="  A support engineer with read access copies the table.  ")
    assert explained.what == "A support engineer with read access copies the table."
    assert explained.fix == "" and explained.controls == () and explained.references == ()
    assert explained.as_text() == "Orders DB: insider exports orders\n\nA support engineer with read access copies the table."


def test_an_unconfirmed_threat_says_which_reasons_are_answers_assumed() -> None:
    rule = default_rules().get("INT-102")
    assert rule is not None
    explanation = {
        "matched": ["leaves Internet", "Ingress controller: is a process", "destination_authenticated = false", "authenticated = true"],
        "confirmed": False,
        "assumed": {"destination_authenticated": False},
    }
    explained = explain_threat(title=rule.title, subject="Browse", rule=rule, explanation=explanation)
    assert explained.why == ("leaves Internet", "Ingress controller: is a process",
                             "destination_authenticated = false (assumed: not answered yet)", "authenticated = true")
    end = explain_threat(title="t", subject="Browse", rule=None, explanation={
        "matched": ["Web: validates_input = false"], "confirmed": False, "assumed": {"target.validates_input": False}})
    assert end.why == ("Web: validates_input = false (assumed: not answered yet)",)
    confirmed = explain_threat(title=rule.title, subject="Browse", rule=rule, explanation={**explanation, "confirmed": True})
    assert confirmed.why[2] == "destination_authenticated = false"
