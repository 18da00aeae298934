"""The rule library, tested both ways: every rule fires where its fixture says and stays quiet where
it says, and meta-tests keep the library honest (ids, schema, fixtures, ATT&CK ids, control ids)."""

from __future__ import annotations

import csv
from collections import defaultdict
from pathlib import Path

import pytest
import yaml
from django.conf import settings

from dfd.graph import build
from dfd.ops import DiagramState, simulate
from stride.engine import analyse
from stride.ruleset import RULES_DIR, RuleError, default_rules, fixture_diagram, load_rules, parse_rule

RULES = default_rules()
CATALOGUE = Path(settings.BASE_DIR) / "fixtures" / "attack" / "enterprise-attack-containers.json"
OUR_CONTROLS = Path(settings.BASE_DIR) / "fixtures" / "controls" / "controls.csv"


def fired_on(diagram: str, *, confirmed: bool = True) -> dict[str, set[str]]:
    """Where each rule raised a finding on a fixture diagram: confirmed ones, or only unconfirmed ones."""
    data = fixture_diagram(diagram)
    findings = analyse(build(data["elements"], data["flows"]), RULES)
    where: dict[str, set[str]] = defaultdict(set)
    for finding in findings:
        if finding.confirmed is confirmed:
            where[finding.rule_id].add(finding.flow_key or finding.element_key)
    return where


@pytest.mark.parametrize("rule", RULES.rules, ids=[rule.id for rule in RULES.rules])
def test_each_rule_fires_and_stays_quiet_where_its_fixture_says(rule) -> None:
    fired = fired_on(rule.fixture.diagram)[rule.id]
    asked = fired_on(rule.fixture.diagram, confirmed=False)[rule.id]
    missing = set(rule.fixture.fires) - fired
    noisy = set(rule.fixture.quiet) & (fired | asked)
    assert not missing, f"{rule.id} did not fire on {sorted(missing)}"
    assert not noisy, f"{rule.id} fired or asked where it must stay quiet: {sorted(noisy)}"
    assert set(rule.fixture.asks) == set(rule.fixture.asks) & asked, (
        f"{rule.id} did not ask on {sorted(set(rule.fixture.asks) - asked)}"
    )
    assert not set(rule.fixture.fires) & asked


def test_the_library_has_at_least_60_rules_and_unique_ids() -> None:
    ids = [rule.id for rule in RULES.rules]
    assert len(ids) >= 60
    assert len(ids) == len(set(ids))


def test_every_fixture_key_exists_in_its_diagram_and_every_diagram_is_valid() -> None:
    for name in {rule.fixture.diagram for rule in RULES.rules}:
        data = fixture_diagram(name)
        ops = [{**e, "op": "add_element"} for e in data["elements"]] + [{**f, "op": "add_flow"} for f in data["flows"]]
        outcome = simulate(DiagramState({}, {}, set()), ops, max_ops=10_000)
        assert outcome.errors == [], f"fixture diagram {name} is not a valid diagram: {outcome.errors[:3]}"
    for rule in RULES.rules:
        data = fixture_diagram(rule.fixture.diagram)
        keys = {e["key"] for e in data["elements"]} | {f["key"] for f in data["flows"]}
        for key in (*rule.fixture.fires, *rule.fixture.quiet, *rule.fixture.asks):
            assert key in keys, f"{rule.id}: {key!r} is not in fixture diagram {rule.fixture.diagram}"


def test_the_baseline_covers_microsofts_chart_exactly_once() -> None:
    expected = {("external_entity", c) for c in "SR"} | {("process", c) for c in "STRIDE"}
    expected |= {("data_store", c) for c in "TRID"} | {("flow", c) for c in "TID"}
    assert set(RULES.baseline) == expected


def test_baseline_findings_claim_no_technique() -> None:
    # A baseline finding says a STRIDE cell applies, not that an attack is possible (issue 11).
    assert [rule.id for rule in RULES.rules if rule.layer == "baseline" and rule.techniques] == []


def test_every_technique_exists_in_the_shipped_catalogue() -> None:
    import json

    bundle = json.loads(CATALOGUE.read_text())
    ids = {
        ref["external_id"]
        for obj in bundle["objects"]
        if obj["type"] == "attack-pattern" and not obj.get("revoked") and not obj.get("x_mitre_deprecated")
        for ref in obj.get("external_references", [])
        if ref.get("source_name") == "mitre-attack"
    }
    for rule in RULES.rules:
        unknown = set(rule.techniques) - ids
        assert not unknown, f"{rule.id} names techniques that are not in the catalogue: {sorted(unknown)}"


def test_every_control_id_exists_in_the_shipped_controls_catalogue() -> None:
    with OUR_CONTROLS.open(newline="", encoding="utf-8") as handle:
        ids = {row["id"] for row in csv.DictReader(line for line in handle if not line.startswith("#"))}
    assert len(ids) == 78
    for rule in RULES.rules:
        unknown = set(rule.controls) - ids
        assert not unknown, f"{rule.id} names controls that are not in the catalogue: {sorted(unknown)}"


def test_every_rule_file_is_named_after_its_id_and_parses_on_its_own() -> None:
    files = sorted(p for p in RULES_DIR.rglob("*.yaml") if p.parent.name != "fixtures")
    assert len(files) == len(RULES.rules)
    for path in files:
        rule = parse_rule(yaml.safe_load(path.read_text()), str(path))
        assert rule.id == path.stem
        assert repr(rule).startswith(f"<Rule {rule.id} [")


GOOD = {
    "id": "X-001", "title": "A test rule", "stride": "E", "target": "process",
    "condition": {"property": {"name": "privileged", "equals": True}},
    "likelihood": 3, "impact": 4, "description": "A description long enough to explain the threat to an engineer.",
    "fixture": {"diagram": "containers", "fires": ["priv"], "quiet": ["hardened"]},
}


@pytest.mark.parametrize(
    ("change", "field", "fragment"),
    [
        ({"id": "x1"}, "id", "capitals"),
        ({"stride": "Q"}, "stride", "one letter"),
        ({"target": "boundary"}, "target", "must be one or more"),
        ({"target": ["process", "flow"]}, "target", "not both"),
        ({"likelihood": 9}, "likelihood", "1 to 5"),
        ({"colour": "red"}, "colour", "not a rule field"),
        ({"condition": {"property": {"name": "privilegd", "equals": True}}}, "condition.property.name", "not in the property vocabulary"),
        ({"condition": {"property": {"name": "privileged", "equals": "yes"}}}, "condition.property.equals", "not a value of privileged"),
        ({"condition": {"property": {"name": "encrypted", "equals": True}}}, "condition.property.name", "does not apply"),
        ({"condition": {"eval": "__import__('os')"}}, "condition", "unknown condition 'eval'"),
        ({"condition": {"all": []}}, "condition.all", "non-empty list"),
        ({"condition": {"source": {"kind": "process"}}}, "condition.source", "only applies to flows"),
        ({"condition": {"all": [{"kind": "process"}, {"crosses_boundary": True}]}}, "condition.all[1].crosses_boundary", "only applies to flows"),
        ({"condition": {"path_to": {"via": {"crosses_boundary": True}}}}, "condition.path_to", "needs 'to'"),
        ({"condition": {"inside": {"property": {"name": "privileged", "equals": True}}}}, "condition.inside.property.name", "does not apply"),
        ({"fixture": {"diagram": "containers", "fires": ["priv"], "quiet": []}}, "fixture.quiet", "at least one"),
        ({"fixture": {"diagram": "containers", "fires": [], "quiet": ["priv"]}}, "fixture.fires", "at least one"),
        ({"techniques": ["1611"]}, "techniques[0]", "does not look like"),
        ({"description": "short"}, "description", "at least 40"),
        ({"layer": "baseline", "techniques": ["T1611"]}, "techniques", "claims no ATT&CK technique"),
    ],
)
def test_a_bad_rule_file_fails_with_its_file_and_field(change: dict[str, object], field: str, fragment: str) -> None:
    data = {**GOOD, **change}
    with pytest.raises(RuleError) as info:
        parse_rule(data, "stride/rules/test/X-001.yaml")
    assert info.value.file == "stride/rules/test/X-001.yaml"
    assert info.value.field_path == field, str(info.value)
    assert fragment in info.value.message


def test_loading_a_directory_names_the_broken_file(tmp_path: Path) -> None:
    (tmp_path / "X-001.yaml").write_text(yaml.safe_dump(GOOD))
    (tmp_path / "X-002.yaml").write_text("id: X-002\ntitle: [unclosed\n")
    with pytest.raises(RuleError) as info:
        load_rules(tmp_path)
    assert "X-002.yaml" in info.value.file and "not valid YAML" in info.value.message


def test_yaml_tags_are_refused(tmp_path: Path) -> None:
    (tmp_path / "X-001.yaml").write_text("!!python/object/apply:os.system ['true']\n")
    with pytest.raises(RuleError):
        load_rules(tmp_path)
