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

Unknown is not safe. A rule that ``requires`` properties and does not fire is tried again on each
subject where one of them is unknown, with every value that property could take: if one of them
would make it fire, the finding is raised *unconfirmed*, carrying the questions that settle it
("Is this flow authenticated?"). It covers its STRIDE cell like any specific finding, claims no
ATT&CK technique, and its suggested likelihood is one level lower (never below 1) than the rule's,
so it scores below the same threat confirmed. Answering the question either confirms it (same
fingerprint: triage survives) or makes it go away. Nothing is asked in a cell a person recorded
as considered.

What a finding says is a function of its rule and of what the rule can read: its subject (with the
flow's ends and the boundaries either sits in or crosses) or, for a graph walk, the whole graph.
``input_signatures`` condenses that into one short signature per finding, so the sync can tell that a threat's
text cannot have changed without building its explanation.
"""

from __future__ import annotations

import gc
import hashlib
import itertools
import json
import operator
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import fields
from typing import Any

from dfd.graph import DfdGraph, Edge, Node
from stride.chart import letters_for
from stride.conditions import Context
from stride.ruleset import Requirement, Rule, RuleSet

UNKNOWN = "unknown"


class Finding:
    """One threat the rules found: which rule, on which element or flow, and why.

    Only the fingerprint is computed up front (it orders the findings); everything else is read
    from the rule and the subject when asked for — a large model yields over 100,000 findings.
    """

    __slots__ = ("_assumed", "_context", "_explanation", "_rule", "_subject", "fingerprint", "questions")

    def __init__(
        self,
        rule: Rule,
        subject: Node | Edge,
        context: Context,
        fingerprint: str,
        questions: tuple[str, ...] = (),
        assumed: Node | Edge | None = None,
    ) -> None:
        self._rule = rule
        self._subject = subject
        self._context = context
        self._explanation: dict[str, Any] | None = None
        self.fingerprint = fingerprint
        # Empty when confirmed; otherwise what to answer, and the subject as the answers that make it fire.
        self.questions = questions
        self._assumed = assumed

    @property
    def confirmed(self) -> bool:
        return not self.questions

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
        return self._rule.likelihood if not self.questions else max(1, self._rule.likelihood - 1)

    @property
    def impact(self) -> int:
        return self._rule.impact

    @property
    def techniques(self) -> tuple[str, ...]:
        return self._rule.techniques if not self.questions else ()

    @property
    def explanation(self) -> dict[str, Any]:
        if self._explanation is None:
            if self.questions and self._assumed is not None:
                self._explanation = explain(self._rule, self._assumed, self._context)
                self._explanation["confirmed"] = False
                self._explanation["questions"] = list(self.questions)
                self._explanation["assumed"] = _assumptions(self._rule, self._subject, self._assumed)
            else:
                self._explanation = explain(self._rule, self._subject, self._context)
        return self._explanation

    def as_tuple(self) -> tuple[Any, ...]:
        return (
            self.fingerprint,
            self.rule_id,
            self.stride,
            self.element_key,
            self.flow_key,
            self.title,
            self.likelihood,
            self.impact,
            self.techniques,
            self.questions,
            self.explanation,
        )

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Finding) and self.as_tuple() == other.as_tuple()

    def __hash__(self) -> int:
        return hash(self.fingerprint)

    def __repr__(self) -> str:
        return f"<Finding {self.fingerprint}>"


def _sign(text: str) -> str:
    return hashlib.blake2b(text.encode(), digest_size=8).hexdigest()


_WALKS = ('"reachable_from"', '"path_to"')


def rule_signature(rule: Rule) -> tuple[str, bool]:
    """What of ``rule`` shows in its findings (title, levels, techniques, condition), condensed; and
    whether it walks the graph (then what it reads is the whole graph)."""
    source = json.dumps(rule.condition.source, sort_keys=True, default=str)
    text = repr((rule.id, rule.title, rule.stride, rule.layer, rule.targets, rule.likelihood, rule.impact,
                 rule.techniques, [r.path for r in rule.requires], source))  # fmt: skip
    return _sign(text), any(word in source for word in _WALKS)


_NODE_STATE = operator.attrgetter(*(f.name for f in fields(Node) if f.name != "props"))
_EDGE_STATE = operator.attrgetter(*(f.name for f in fields(Edge) if f.name not in ("props", "source", "target")))


def _state(subject: Node | Edge, boundaries: Mapping[str, Node], memo: dict[int, str]) -> str:
    """A node's or flow's signature: all its fields, its ends' and the boundaries it sits in or crosses."""
    found = memo.get(id(subject))
    if found is not None:
        return found
    # Property names are unique, so sorting the items compares names only.
    props = sorted(subject.props.items())
    if isinstance(subject, Edge):
        ends = (_state(subject.source, boundaries, memo), _state(subject.target, boundaries, memo))
        crossed = [_state(boundaries[k], boundaries, memo) for k in (*subject.leaves, *subject.enters) if k in boundaries]
        text = repr((_EDGE_STATE(subject), props, ends, crossed))
    else:
        inside = [_state(boundaries[k], boundaries, memo) for k in subject.ancestors if k in boundaries and k != subject.key]
        text = repr((_NODE_STATE(subject), props, inside if subject.kind != "trust_boundary" else ()))
    found = memo[id(subject)] = _sign(text)
    return found


def input_signatures(findings: Iterable[Finding], salt: str = "") -> Iterator[str]:
    """For each finding, a signature of its rule and of everything the rule reads on it (``salt``
    mixed in): where it is equal, the finding's text is equal. One hash per finding; the subjects'
    and rules' own signatures are worked out once."""
    rules: dict[int, tuple[Any, bool]] = {}
    memos: dict[int, dict[int, str]] = {}
    graphs: dict[int, bytes] = {}
    for finding in findings:
        rule, subject, ctx = finding._rule, finding._subject, finding._context
        entry = rules.get(id(rule))
        if entry is None:
            signature, walks = rule_signature(rule)
            entry = rules[id(rule)] = (hashlib.blake2b((salt + signature).encode(), digest_size=8), walks)
        memo = memos.get(id(ctx))
        if memo is None:
            memo = memos[id(ctx)] = {}
        if entry[1]:
            # A graph walk reads any element or flow on its path: its findings depend on the whole graph.
            graph_signature = graphs.get(id(ctx))
            if graph_signature is None:
                graph = ctx.graph
                every: list[Node | Edge] = [*graph.boundaries.values(), *graph.nodes.values(), *graph.edges.values()]
                graph_signature = graphs[id(ctx)] = _sign("".join(sorted(_state(s, graph.boundaries, memo) for s in every))).encode()
            read = graph_signature
        else:
            found = memo.get(id(subject))
            read = (found if found is not None else _state(subject, ctx.graph.boundaries, memo)).encode()
        hasher = entry[0].copy()
        hasher.update(read)
        if finding.questions:
            hasher.update(repr(finding.questions).encode())
        yield hasher.hexdigest()


def fingerprint(rule_id: str, element_key: str, flow_key: str = "") -> str:
    return f"{rule_id}@{element_key}@{flow_key}" if flow_key else f"{rule_id}@{element_key}"


def explain(rule: Rule, subject: Node | Edge, context: Context) -> dict[str, Any]:
    """What made ``rule`` fire on ``subject``: the matched parts of its condition, and a path for walks."""
    matched: list[Any] = []
    rule.condition.explain(subject, context, matched)
    explanation: dict[str, Any] = {
        "rule": rule.id,
        "layer": rule.layer,
        "matched": [m for m in matched if isinstance(m, str)],
    }
    for item in matched:
        if isinstance(item, dict):
            explanation["path"] = item["path"]
            explanation["flows"] = item["flows"]
            explanation["matched"].append(item["text"])
            break
    return explanation


KIND_WORDS = {"external_entity": "external entity", "process": "process", "data_store": "data store", "flow": "flow"}


def question(requirement: Requirement, subject: Node | Edge) -> str:
    """The question that settles ``requirement`` on ``subject``, from the property's label."""
    if requirement.end:
        end = getattr(subject, requirement.end)
        noun = f"the flow's {requirement.end} ({end.name})"
    else:
        noun = f"this {KIND_WORDS.get(subject.kind, subject.kind)}"
    return question_text(requirement.label, requirement.type, noun)


def question_text(label: str, kind: str, noun: str) -> str:
    """A property's question about ``noun`` ("this flow"), from its label and type (``bool``, ``enum``)."""
    words = label.split()
    if kind == "enum":
        return f"What is the {label.lower()} of {noun}?"
    if words[0].endswith("s") and not words[0].endswith("ss") and len(words) > 1:
        # "Validates input" -> "Does ... validate input?", "Runs as root" -> "Does ... run as root?"
        return f"Does {noun} {words[0][:-1].lower()} {' '.join(words[1:]).lower()}?"
    if words[-1].endswith("ed") or len(words) == 1:
        return f"Is {noun} {label.lower()}?"
    return f"Is “{label}” true of {noun}?"


def _read(subject: Node | Edge, requirement: Requirement) -> Any:
    holder = getattr(subject, requirement.end) if requirement.end else subject
    return holder.props.get(requirement.name, UNKNOWN)


_NODE_FIELDS = tuple(f.name for f in fields(Node))
_EDGE_FIELDS = tuple(f.name for f in fields(Edge))


_NODE_ALL = operator.attrgetter(*_NODE_FIELDS)
_EDGE_ALL = operator.attrgetter(*_EDGE_FIELDS)


def _clone(subject: Any, props: Mapping[str, Any]) -> Any:
    """A shallow copy of a node or flow with other properties (``dataclasses.replace`` is several
    times slower, and this runs once per subject asked about)."""
    copy = Node(*_NODE_ALL(subject)) if type(subject) is Node else Edge(*_EDGE_ALL(subject))
    copy.props = props
    return copy


def _with(subject: Node | Edge, answers: dict[Requirement, Any]) -> Node | Edge:
    """``subject`` as it would be with ``answers`` given (copies; the graph is not changed)."""
    own = {r.name: v for r, v in answers.items() if not r.end}
    result = _clone(subject, {**subject.props, **own}) if own else subject
    for end in ("source", "target"):
        theirs = {r.name: v for r, v in answers.items() if r.end == end}
        if theirs and isinstance(result, Edge):
            node = getattr(result, end)
            if result is subject:
                result = _clone(subject, subject.props)
            object.__setattr__(result, end, _clone(node, {**node.props, **theirs}))
    return result


def _answers(open_ones: list[Requirement]) -> Iterator[dict[Requirement, Any]]:
    for values in itertools.product(*(r.values for r in open_ones)):
        yield dict(zip(open_ones, values, strict=True))


def _assumptions(rule: Rule, subject: Node | Edge, assumed: Node | Edge) -> dict[str, Any]:
    return {r.path: _read(assumed, r) for r in rule.requires if _read(subject, r) == UNKNOWN}


def _ask(rule: Rule, subject: Node | Edge, ctx: Context) -> tuple[tuple[str, ...], Node | Edge] | None:
    """Whether answering ``rule``'s unknown required properties could make it fire on ``subject``:
    the questions to ask and the subject as the first answers that would, or None."""
    open_ones = [r for r in rule.requires if _read(subject, r) == UNKNOWN]
    if not open_ones:
        return None
    test = rule.condition.test
    if len(open_ones) == 1:  # the common case: one copy, its one property set to each answer in turn
        only = open_ones[0]
        if only.end:
            candidate = _clone(subject, subject.props)
            end = getattr(subject, only.end)
            props = dict(end.props)
            setattr(candidate, only.end, _clone(end, props))
        else:
            props = dict(subject.props)
            candidate = _clone(subject, props)
        name = only.name
        for value in only.values:
            props[name] = value
            if test(candidate, ctx):
                return (question(only, subject),), candidate
        return None
    for answers in _answers(open_ones):
        candidate = _with(subject, answers)
        if test(candidate, ctx):
            return tuple(question(r, subject) for r in open_ones), candidate
    return None


def _asked(
    rule: Rule, subjects: Iterable[tuple[Node | Edge, str]], ctx: Context, quiet: set[tuple[str, str]], fired: set[str]
) -> Iterator[Finding]:
    """The unconfirmed findings of ``rule``: subjects where it did not fire (``fired``: where it did) but an
    answer could make it. ``relaxed`` rules most subjects out at the cost of one test."""
    could = rule.relaxed.test if rule.relaxed is not None else None
    for subject, suffix in subjects:
        if subject.key in fired or (could is not None and not could(subject, ctx)):
            continue
        # A cell a person recorded as considered is answered: nothing is asked there.
        if quiet and (subject.key, rule.stride) in quiet:
            continue
        asked = _ask(rule, subject, ctx)
        if asked is not None:
            yield Finding(rule, subject, ctx, rule.id + suffix, asked[0], asked[1])


def analyse(graph: DfdGraph, ruleset: RuleSet, *, suppressed: Iterable[tuple[str, str]] = ()) -> list[Finding]:
    """All findings for ``graph``, sorted by fingerprint.

    ``suppressed`` holds ``(element or flow key, STRIDE letter)`` cells a person recorded as
    considered; the baseline stays quiet there (specific rules still fire). Elements and flows
    marked ``out_of_scope: true`` get no finding at all (they still take part in graph walks).
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
    # An element or flow the team placed out of scope is drawn, walked through and exported, but
    # nothing is raised on it: no rule, no question, no baseline cell.
    by_kind: dict[str, list[tuple[Node | Edge, str]]] = {}
    for key, node in sorted(graph.nodes.items()):
        if not _out_of_scope(node):
            by_kind.setdefault(node.kind, []).append((node, "@" + key))
    by_kind["flow"] = [
        (edge, f"@{edge.target.key}@{key}") for key, edge in sorted(graph.edges.items()) if not _out_of_scope(edge)
    ]
    # Specific rules, one rule over all subjects of its kind at a time (a comprehension is the
    # cheapest loop Python has); ``said`` records the STRIDE letters each subject received.
    said: dict[str, str] = {}
    for kind, rules in ruleset.by_target.items():
        subjects = by_kind.get(kind, ())
        for rule in rules:
            test = rule.condition.test
            rule_id, letter = rule.id, rule.stride
            fired = [entry for entry in subjects if test(entry[0], ctx)]
            for subject, suffix in fired:
                append(Finding(rule, subject, ctx, rule_id + suffix))
                said[subject.key] = said.get(subject.key, "") + letter
            if rule.requires:
                for finding in _asked(rule, subjects, ctx, quiet, {subject.key for subject, _ in fired}):
                    append(finding)
                    key = finding.flow_key or finding.element_key
                    said[key] = said.get(key, "") + letter
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


def _out_of_scope(subject: Node | Edge) -> bool:
    return subject.props.get("out_of_scope") is True


def _by_fingerprint(finding: Finding) -> str:
    return finding.fingerprint
