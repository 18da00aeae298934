"""The rule library's parse cache: the same rules as the YAML, and the YAML wins whenever the cache is stale or foreign."""

from __future__ import annotations

import json
import shutil
import tempfile
from pathlib import Path

from stride.ruleset import RULES_DIR, load_rules, load_rules_cached

RULE = """id: TST-001
title: A test rule on processes
stride: T
target: process
condition: {property: {name: validates_input, equals: false}}
likelihood: 3
impact: 3
description: A process that does not validate its input can be fed data that changes what it does.
fixture: {diagram: elements, fires: [api], quiet: [web]}
"""


def _library(tmp_path: Path) -> Path:
    rules = tmp_path / "rules"
    rules.mkdir()
    (rules / "TST-001.yaml").write_text(RULE)
    return rules


def test_the_cached_library_is_the_parsed_library() -> None:
    parsed = load_rules(RULES_DIR)
    cache = Path(tempfile.mkdtemp())
    try:
        first = load_rules_cached(RULES_DIR, cache)
        assert len(list(cache.glob("rules-*.json"))) == 1
        second = load_rules_cached(RULES_DIR, cache)
    finally:
        shutil.rmtree(cache)
    assert [r.as_dict() for r in first.rules] == [r.as_dict() for r in second.rules] == [r.as_dict() for r in parsed.rules]
    assert {k: [r.id for r in v] for k, v in second.by_target.items()} == {k: [r.id for r in v] for k, v in parsed.by_target.items()}


def test_an_edited_rule_file_is_parsed_again_and_replaces_the_cache(tmp_path: Path) -> None:
    rules, cache = _library(tmp_path), tmp_path / "cache"
    assert load_rules_cached(rules, cache).rules[0].likelihood == 3
    old = next(cache.glob("rules-*.json"))
    (rules / "TST-001.yaml").write_text(RULE.replace("likelihood: 3", "likelihood: 5"))
    assert load_rules_cached(rules, cache).rules[0].likelihood == 5
    assert not old.exists() and len(list(cache.glob("rules-*.json"))) == 1


def test_a_cache_that_does_not_validate_falls_back_to_the_yaml(tmp_path: Path) -> None:
    rules, cache = _library(tmp_path), tmp_path / "cache"
    load_rules_cached(rules, cache)
    written = next(cache.glob("rules-*.json"))
    stored = json.loads(written.read_text())
    stored["data"][0]["likelihood"] = "not a level"
    written.write_text(json.dumps(stored))
    assert load_rules_cached(rules, cache).rules[0].likelihood == 3
    written.write_text("{not json")
    assert load_rules_cached(rules, cache).rules[0].likelihood == 3


def test_an_unwritable_cache_directory_only_costs_the_parse(tmp_path: Path) -> None:
    rules = _library(tmp_path)
    blocker = tmp_path / "file"
    blocker.write_text("")
    assert load_rules_cached(rules, blocker / "cache").rules[0].id == "TST-001"
