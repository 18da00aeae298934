"""A team's rule is parsed by the shipped rules' code (pure, no database): the same schema, plus the
team's prefix, the specific layer, no YAML aliases, an inline example diagram, and each problem's line."""

from __future__ import annotations

from pathlib import Path

import pytest

from stride.ruleset import (
    RULES_DIR,
    RuleError,
    default_rules,
    parse_team_rule,
    rule_error_line,
    team_rule_prefix,
    with_rules,
)

SHIPPED = (RULES_DIR / "kubernetes" / "K8S-001.yaml").read_text(encoding="utf-8")
TEXT = SHIPPED.replace("K8S-001", "TEAM-PAYMENTS-001")


def refusal(text: str) -> RuleError:
    with pytest.raises(RuleError) as caught:
        parse_team_rule(text, prefix="TEAM-PAYMENTS-")
    return caught.value


def test_the_prefix_is_made_from_the_slug() -> None:
    assert team_rule_prefix("payments") == "TEAM-PAYMENTS-"
    assert team_rule_prefix("platform_security-eu") == "TEAM-PLATFORM-SECURITY-EU-"


def test_a_shipped_rule_under_the_team_prefix_parses_with_its_shipped_fixture() -> None:
    rule = parse_team_rule(TEXT, prefix="TEAM-PAYMENTS-")
    assert rule.id == "TEAM-PAYMENTS-001" and rule.fixture.diagram == "containers" and rule.fixture.inline is None


def test_an_inline_example_diagram_is_kept_on_the_fixture() -> None:
    text = TEXT.replace("  diagram: containers", "  diagram:\n    elements:\n      - {key: priv, kind: process, name: P}\n"
                        "      - {key: hardened, kind: process, name: H}\n      - {key: root, kind: process, name: R}")  # fmt: skip
    rule = parse_team_rule(text, prefix="TEAM-PAYMENTS-")
    assert rule.fixture.diagram == "inline" and rule.fixture.inline is not None
    assert [e["key"] for e in rule.fixture.inline["elements"]] == ["priv", "hardened", "root"]


def test_another_prefix_a_baseline_rule_and_aliases_are_refused() -> None:
    assert refusal(SHIPPED).field_path == "id"
    baseline = (RULES_DIR / "baseline" / "B-PR-E.yaml").read_text(encoding="utf-8").replace("B-PR-E", "TEAM-PAYMENTS-002")
    assert refusal(baseline).field_path in ("layer", "condition", "fixture")
    error = refusal(TEXT.replace("controls: [DEP-03, RTC-11, DIS-07]", "controls: &c [DEP-03]\nextra: *c"))
    assert "aliases" in error.message and error.line == 11


def test_each_problem_has_its_line() -> None:
    error = refusal(TEXT.replace("name: privileged", "name: privilegd"))
    assert (error.field_path, error.line) == ("condition.property.name", 7)
    assert refusal(TEXT.replace("impact: 5", "impact: 9")).line == 9
    assert refusal(TEXT.replace("likelihood: 4", "likelihood: [4")).message.startswith("not valid YAML")


def test_a_line_is_found_for_nested_paths_and_the_deepest_part_that_exists() -> None:
    assert rule_error_line(TEXT, "fixture.quiet") == TEXT.splitlines().index("  quiet: [hardened, root]") + 1
    assert rule_error_line(TEXT, "techniques[1]") == 10
    assert rule_error_line(TEXT, "nowhere.at.all") == 1
    assert rule_error_line("a: [", "line 3") == 3


def test_merging_keeps_ids_unique() -> None:
    rule = parse_team_rule(TEXT, prefix="TEAM-PAYMENTS-")
    merged = with_rules(default_rules(), [rule])
    assert merged.get(rule.id) is rule and len(merged) == len(default_rules()) + 1
    with pytest.raises(RuleError):
        with_rules(merged, [rule])


def test_the_shipped_library_still_has_no_team_ids() -> None:
    assert not [r.id for r in default_rules().rules if r.id.startswith("TEAM-")]
    assert Path(RULES_DIR).is_dir()
