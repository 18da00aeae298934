"""A team's own rules: checked, previewed, saved, enabled — the same schema and engine as the shipped ones.

A rule is checked in three steps, and its answer lists every problem with the line of the YAML it
is on: the shipped parser (``stride.ruleset.parse_team_rule``: schema, condition vocabulary, the
team's id prefix), the catalogue (its ATT&CK techniques exist), and its examples — the engine run
with the rule alone on its fixture diagram, where it must fire on every ``fires`` key and stay quiet
on every ``quiet`` one. A rule is saved even while its examples fail, but only enabled when all
three pass; an enabled rule's text is changed only to one that passes.

The preview runs the rule alone on each of the team's models (their coverage notes apply) and
writes nothing; it warns when the rule would fire on more than half of the subjects it can target
in every model, which is what a condition that matches everything looks like. Enabling, disabling,
changing an enabled rule and deleting one re-analyse the team's models so their threats follow.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from django.db import transaction

from common.errors import ErrorDetail, ValidationFailed
from dfd.graph import DfdGraph, build
from dfd.ops import DiagramState, simulate
from dfd.selectors import graph_from_states, model_diagrams
from library.models import TeamRule
from stride.engine import analyse
from stride.models import Technique
from stride.ruleset import (
    Rule,
    RuleError,
    default_rules,
    fixture_diagram,
    parse_team_rule,
    rule_error_line,
    rule_set,
    team_rule_prefix,
)
from stride.services import model_findings
from threatmodel.analysis import analysis_after_change
from threatmodel.audit import audit
from threatmodel.models import Team, ThreatModel
from threatmodel.permissions import require_role

if TYPE_CHECKING:
    from django.contrib.auth.models import User

MAX_TEAM_RULES = 200
PREVIEW_MODELS = 100
PREVIEW_SUBJECTS = 10


@dataclass(frozen=True)
class Problem:
    path: str
    line: int | None
    message: str

    def as_dict(self) -> dict[str, Any]:
        return {"path": self.path, "line": self.line, "message": self.message}

    def detail(self) -> ErrorDetail:
        return {"path": self.path, "message": f"line {self.line}: {self.message}" if self.line else self.message}


@dataclass
class Check:
    """What checking a rule's text found: the rule (when it parses), the problems, the examples' outcome."""

    rule: Rule | None
    problems: list[Problem] = field(default_factory=list)
    fired: list[str] = field(default_factory=list)
    quiet: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.rule is not None and not self.problems


def _problem(text: str, path: str, message: str) -> Problem:
    return Problem(path, rule_error_line(text, path), message)


def _example_graph(rule: Rule, text: str, check: Check) -> DfdGraph | None:
    if rule.fixture.inline is not None:
        data: Mapping[str, Any] = rule.fixture.inline
    else:
        try:
            data = fixture_diagram(rule.fixture.diagram)
        except FileNotFoundError:
            check.problems.append(_problem(text, "fixture.diagram", f"no shipped fixture diagram {rule.fixture.diagram!r}"))
            return None
    elements, flows = list(data["elements"]), list(data["flows"])
    ops = [{**e, "op": "add_element"} for e in elements] + [{**f, "op": "add_flow"} for f in flows]
    outcome = simulate(DiagramState({}, {}, set()), ops, max_ops=1_000)
    if outcome.errors:
        first = outcome.errors[0]
        message = first.get("message", str(first)) if isinstance(first, Mapping) else str(first)
        check.problems.append(_problem(text, "fixture.diagram", f"the example diagram is not a valid diagram: {message}"))
        return None
    keys = {str(e["key"]) for e in elements} | {str(f["key"]) for f in flows}
    for name, listed in (("fires", rule.fixture.fires), ("quiet", rule.fixture.quiet), ("asks", rule.fixture.asks)):
        for index, key in enumerate(listed):
            if key not in keys:
                check.problems.append(_problem(text, f"fixture.{name}[{index}]", f"{key!r} is not in the example diagram"))
    return None if check.problems else build(elements, flows)


def rule_check(*, team: Team, text: str) -> Check:
    """Parse ``text`` as a rule of ``team`` and run its examples (pure but for the catalogue lookup)."""
    try:
        rule = parse_team_rule(text, prefix=team_rule_prefix(team.slug))
    except RuleError as exc:
        return Check(None, [Problem(exc.field_path, exc.line, exc.message)])
    check = Check(rule)
    if default_rules().get(rule.id) is not None:
        check.problems.append(_problem(text, "id", f"{rule.id} is a shipped rule's id"))
    known = set(Technique.objects.filter(attack_id__in=rule.techniques).values_list("attack_id", flat=True))
    for index, technique in enumerate(rule.techniques):
        if technique not in known:
            check.problems.append(_problem(text, f"techniques[{index}]", f"{technique} is not in the ATT&CK catalogue"))
    graph = _example_graph(rule, text, check)
    if graph is None:
        return check
    findings = analyse(graph, rule_set([rule]))
    fired = {f.flow_key or f.element_key for f in findings if f.confirmed}
    asked = {f.flow_key or f.element_key for f in findings if not f.confirmed}
    check.fired, check.quiet = sorted(set(rule.fixture.fires) & fired), sorted(set(rule.fixture.quiet) - fired - asked)
    missing = [key for key in rule.fixture.fires if key not in fired]
    noisy = [key for key in rule.fixture.quiet if key in fired or key in asked]
    silent = [key for key in rule.fixture.asks if key not in asked]
    if missing:
        check.problems.append(_problem(text, "fixture.fires", f"the rule does not fire on {', '.join(missing)}"))
    if noisy:
        check.problems.append(_problem(text, "fixture.quiet", f"the rule fires or asks on {', '.join(noisy)}"))
    if silent:
        check.problems.append(_problem(text, "fixture.asks", f"the rule does not ask on {', '.join(silent)}"))
    return check


@dataclass(frozen=True)
class ModelPreview:
    threat_model: int
    name: str
    subjects: int  # the elements (or flows) of the kinds the rule targets
    fires: int
    asks: int
    first: list[dict[str, Any]]

    def as_dict(self) -> dict[str, Any]:
        return {"threat_model": self.threat_model, "name": self.name, "subjects": self.subjects,
                "fires": self.fires, "asks": self.asks, "first": self.first}  # fmt: skip


def _targets(rule: Rule, graph: DfdGraph) -> int:
    if rule.on_flows:
        return len(graph.edges)
    return sum(1 for node in graph.nodes.values() if node.kind in rule.targets)


def rule_preview(*, rule: Rule, team: Team) -> tuple[list[ModelPreview], list[str]]:
    """What ``rule`` alone would raise on each of the team's models, and the warnings it deserves."""
    ruleset = rule_set([rule])
    previews: list[ModelPreview] = []
    for model in ThreatModel.objects.filter(team=team).order_by("pk")[:PREVIEW_MODELS]:
        graph = graph_from_states([snapshot.state for snapshot in model_diagrams(model.pk)])
        findings = model_findings(model_id=model.pk, graph=graph, ruleset=ruleset)
        first = [
            {"element_key": f.element_key, "flow_key": f.flow_key, "title": f.title, "confirmed": f.confirmed}
            for f in findings[:PREVIEW_SUBJECTS]
        ]
        confirmed = sum(1 for f in findings if f.confirmed)
        previews.append(ModelPreview(model.pk, model.name, _targets(rule, graph), confirmed, len(findings) - confirmed, first))
    warnings = []
    counted = [p for p in previews if p.subjects]
    if counted and all(p.fires + p.asks > p.subjects / 2 for p in counted):
        warnings.append(
            f"{rule.id} would fire on more than half of the {'flows' if rule.on_flows else 'elements'} it targets "
            "in every model of the team: does its condition match everything?"
        )
    return previews, warnings


def _refuse(check: Check, message: str) -> ValidationFailed:
    return ValidationFailed(message, details=[problem.detail() for problem in check.problems])


def _reanalyse(team_id: int) -> None:
    for model_id in ThreatModel.objects.filter(team_id=team_id).order_by("pk").values_list("pk", flat=True):
        analysis_after_change(model_id=model_id)


def _state(row: TeamRule) -> dict[str, Any]:
    return {"rule_id": row.rule_id, "version": row.version, "enabled": row.enabled}


def team_rule_create(*, actor: User, team: Team, text: str) -> tuple[TeamRule, Check]:
    """Save a new rule of ``team``, disabled (editors and owners); it must parse."""
    require_role(actor, team.pk, "write", what="team")
    check = rule_check(team=team, text=text)
    if check.rule is None or any(p.path == "id" for p in check.problems):
        raise _refuse(check, "The rule does not validate.")
    rule = check.rule
    with transaction.atomic():
        locked = Team.objects.select_for_update().get(pk=team.pk)
        if TeamRule.objects.filter(team=locked).count() >= MAX_TEAM_RULES:
            raise ValidationFailed(f"The team has {MAX_TEAM_RULES} rules already; delete one first.",
                                   details=[{"path": "team", "message": f"at most {MAX_TEAM_RULES} rules per team"}])  # fmt: skip
        if TeamRule.objects.filter(team=locked, rule_id=rule.id).exists():
            raise ValidationFailed(f"The team already has a rule {rule.id}.", details=[{"path": "id", "message": "is taken"}])
        row = TeamRule.objects.create(team=locked, rule_id=rule.id, title=rule.title, yaml=text,
                                      created_by=actor, updated_by=actor)  # fmt: skip
        audit(actor=actor, action="team_rule.create", obj=row, after={**_state(row), "yaml": text})
    return row, check


def team_rule_update(*, actor: User, row: TeamRule, text: str) -> tuple[TeamRule, Check]:
    """Change a rule's text (a new version); its id stays, and an enabled rule's new text must pass."""
    require_role(actor, row.team_id, "write", what="team rule")
    check = rule_check(team=row.team, text=text)
    if check.rule is None:
        raise _refuse(check, "The rule does not validate.")
    if check.rule.id != row.rule_id:
        raise ValidationFailed(f"A rule keeps its id ({row.rule_id}): its threats are known by it.",
                               details=[{"path": "id", "message": f"must stay {row.rule_id}"}])  # fmt: skip
    if row.enabled and not check.ok:
        raise _refuse(check, "The rule is enabled, and the new text does not pass: disable it first to save a draft.")
    with transaction.atomic():
        row = TeamRule.objects.select_for_update().get(pk=row.pk)
        if row.yaml == text:
            return row, check
        before = {**_state(row), "yaml": row.yaml}
        row.yaml, row.title, row.version, row.updated_by = text, check.rule.title, row.version + 1, actor
        row.save(update_fields=["yaml", "title", "version", "updated_by", "updated_at"])
        audit(actor=actor, action="team_rule.update", obj=row, before=before, after={**_state(row), "yaml": text})
        if row.enabled:
            _reanalyse(row.team_id)
    return row, check


def team_rule_enable(*, actor: User, row: TeamRule, enabled: bool = True) -> tuple[TeamRule, Check | None]:
    """Enable a rule whose checks pass (or disable one), and re-analyse the team's models."""
    require_role(actor, row.team_id, "write", what="team rule")
    check = None
    if enabled:
        check = rule_check(team=row.team, text=row.yaml)
        if not check.ok:
            raise _refuse(check, "The rule cannot be enabled until it validates and its examples pass.")
    with transaction.atomic():
        row = TeamRule.objects.select_for_update().get(pk=row.pk)
        if row.enabled == enabled:
            return row, check
        before = _state(row)
        row.enabled, row.version, row.updated_by = enabled, row.version + 1, actor
        row.save(update_fields=["enabled", "version", "updated_by", "updated_at"])
        audit(actor=actor, action="team_rule.enable" if enabled else "team_rule.disable", obj=row, before=before, after=_state(row))
        _reanalyse(row.team_id)
    return row, check


def team_rule_delete(*, actor: User, row: TeamRule) -> None:
    """Delete a rule; its threats become obsolete at the re-analysis, as any rule's that stops applying."""
    require_role(actor, row.team_id, "write", what="team rule")
    with transaction.atomic():
        was_enabled = row.enabled
        audit(actor=actor, action="team_rule.delete", obj=row, before={**_state(row), "yaml": row.yaml})
        row.delete()
        if was_enabled:
            _reanalyse(row.team_id)
