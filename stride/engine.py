"""The threat engine: a pure function of (graph, rule set) to findings in a deterministic order.

No ORM, no settings, no I/O — not even an import of Django: it runs in a request, a Celery task, a
CLI or a benchmark alike.

For every element and flow it evaluates the specific rules of its kind (each condition compiled
once; graph walks computed once per analysis), then fills each STRIDE-per-element cell that no
specific rule covered with the baseline rule of that cell — unless a person recorded the cell as
considered (``suppressed``). Each finding carries a fingerprint ``rule@element[@flow]`` that stays
the same across runs, so triage survives re-analysis, and an explanation: the rule, the parts of
its condition that matched, and the path for graph rules. Explanations are worked out when first
read, because most re-analyses only need fingerprints (measured: building every explanation up
front was two thirds of the engine's time on a 10,000-element model).
"""

from __future__ import annotations

import gc
from collections.abc import Iterable
from typing import Any

from dfd.graph import DfdGraph, Edge, Node
from stride.chart import letters_for
from stride.conditions import Context
from stride.ruleset import Rule, RuleSet


class Finding:
    """One threat the rules found: which rule, on which element or flow, and why.

    Only the fingerprint is computed up front (it orders the findings); everything else is read
    from the rule and the subject when asked for — a large model yields over 100,000 findings.
    """

    __slots__ = ("_context", "_explanation", "_rule", "_subject", "fingerprint")

    def __init__(self, rule: Rule, subject: Node | Edge, context: Context, fingerprint: str) -> None:
        self._rule = rule
        self._subject = subject
        self._context = context
        self._explanation: dict[str, Any] | None = None
        self.fingerprint = fingerprint

    @property
    def rule_id(self) -> str:
        return self._rule.id

    @property
    def stride(self) -> str:
        return self._rule.stride

    @property
    def element_key(self) -> str:
        subject = self._subject
        return subject.target.key if isinstance(subject, Edge) else subject.key

    @property
    def flow_key(self) -> str:
        return self._subject.key if isinstance(self._subject, Edge) else ""

    @property
    def title(self) -> str:
        return self._rule.title

    @property
    def likelihood(self) -> int:
        return self._rule.likelihood

    @property
    def impact(self) -> int:
        return self._rule.impact

    @property
    def techniques(self) -> tuple[str, ...]:
        return self._rule.techniques

    @property
    def explanation(self) -> dict[str, Any]:
        if self._explanation is None:
            self._explanation = explain(self._rule, self._subject, self._context)
        return self._explanation

    def as_tuple(self) -> tuple[Any, ...]:
        return (self.fingerprint, self.rule_id, self.stride, self.element_key, self.flow_key, self.title,
                self.likelihood, self.impact, self.techniques, self.explanation)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Finding) and self.as_tuple() == other.as_tuple()

    def __hash__(self) -> int:
        return hash(self.fingerprint)

    def __repr__(self) -> str:
        return f"<Finding {self.fingerprint}>"


def fingerprint(rule_id: str, element_key: str, flow_key: str = "") -> str:
    return f"{rule_id}@{element_key}@{flow_key}" if flow_key else f"{rule_id}@{element_key}"


def explain(rule: Rule, subject: Node | Edge, context: Context) -> dict[str, Any]:
    """What made ``rule`` fire on ``subject``: the matched parts of its condition, and a path for walks."""
    matched: list[Any] = []
    rule.condition.explain(subject, context, matched)
    explanation: dict[str, Any] = {"rule": rule.id, "layer": rule.layer, "matched": [m for m in matched if isinstance(m, str)]}
    for item in matched:
        if isinstance(item, dict):
            explanation["path"] = item["path"]
            explanation["flows"] = item["flows"]
            explanation["matched"].append(item["text"])
            break
    return explanation


def analyse(graph: DfdGraph, ruleset: RuleSet, *, suppressed: Iterable[tuple[str, str]] = ()) -> list[Finding]:
    """All findings for ``graph``, sorted by fingerprint.

    ``suppressed`` holds ``(element or flow key, STRIDE letter)`` cells a person recorded as
    considered; the baseline stays quiet there (specific rules still fire).
    """
    # The loop allocates many small objects and keeps all of them: collecting garbage during it
    # only walks live objects (a third of the run time on large models), so it waits until the end.
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        return _analyse(graph, ruleset, set(suppressed))
    finally:
        if was_enabled:
            gc.enable()


def _analyse(graph: DfdGraph, ruleset: RuleSet, quiet: set[tuple[str, str]]) -> list[Finding]:
    ctx = Context(graph)
    findings: list[Finding] = []
    append = findings.append
    # Subjects by kind, each with the part of its fingerprints that follows the rule id.
    by_kind: dict[str, list[tuple[Node | Edge, str]]] = {}
    for key, node in sorted(graph.nodes.items()):
        by_kind.setdefault(node.kind, []).append((node, "@" + key))
    by_kind["flow"] = [(edge, f"@{edge.target.key}@{key}") for key, edge in sorted(graph.edges.items())]
    # Specific rules, one rule over all subjects of its kind at a time (a comprehension is the
    # cheapest loop Python has); ``said`` records the STRIDE letters each subject received.
    said: dict[str, str] = {}
    for kind, rules in ruleset.by_target.items():
        subjects = by_kind.get(kind, ())
        for rule in rules:
            test = rule.condition.test
            rule_id, letter = rule.id, rule.stride
            for subject, suffix in [entry for entry in subjects if test(entry[0], ctx)]:
                append(Finding(rule, subject, ctx, rule_id + suffix))
                said[subject.key] = said.get(subject.key, "") + letter
    # The baseline fills each STRIDE-per-element cell that nothing covered and no one waived.
    for kind, subjects in by_kind.items():
        for subject, suffix in subjects:
            letters = letters_for(kind, subject.props)
            if not letters:
                continue
            key = subject.key
            covered = said.get(key, "")
            for letter in letters:
                if letter in covered or (quiet and (key, letter) in quiet):
                    continue
                fill = ruleset.baseline.get((kind, letter))
                if fill is not None and fill.condition.test(subject, ctx):
                    append(Finding(fill, subject, ctx, fill.id + suffix))
    findings.sort(key=_by_fingerprint)
    return findings


def _by_fingerprint(finding: Finding) -> str:
    return finding.fingerprint
