"""The closed condition vocabulary of rule files, compiled once into Python predicates.

A condition is a mapping with exactly one key. Nothing in a rule file is ever evaluated as code:
each key below is matched by this module and turned into a closure over plain values.

    all: [c, …]                every sub-condition holds
    any: [c, …]                at least one holds
    not: c                     it does not hold
    property: {name, equals: v | in: [v, …] | unknown: true|false}
    kind: process | [process, data_store]
    entry_point: true|false    derived by dfd.graph (elements)
    crown_jewel: true|false    derived by dfd.graph (elements)
    crosses_boundary: true|false | {leaves: c, enters: c}       (flows; c is tested on boundaries)
    source: c / target: c      the flow's ends (flows)
    inside: c                  some enclosing boundary satisfies c (elements)
    reachable_from: {from: c, via: f}   some element satisfying c reaches this one over flows satisfying f
    path_to: {to: c, via: f}            this element reaches another satisfying c over flows satisfying f

Compilation checks every name against the property vocabulary (``dfd.vocabulary``) and every value
against the property's allowed values, and knows in which context (element, flow or boundary) a
key may appear; an error names the path inside the rule (``condition.all[1].property.equals``).
Graph conditions (``reachable_from``, ``path_to``) run one breadth-first search per analysis and
condition, cached in the ``Context``, so a rule costs a set lookup per element.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from dfd import vocabulary
from dfd.graph import DfdGraph, Edge, Node

UNKNOWN = vocabulary.UNKNOWN

ELEMENT = "element"
FLOW = "flow"
BOUNDARY = "boundary"

Subject = Node | Edge
Test = Callable[[Any, "Context"], bool]


class ConditionError(ValueError):
    def __init__(self, path: str, message: str) -> None:
        super().__init__(f"{path}: {message}")
        self.path = path
        self.message = message


@dataclass
class Context:
    """Per-analysis state: the graph, and the results of graph walks shared by all rules."""

    graph: DfdGraph
    _walks: dict[str, Any] = field(default_factory=dict)

    def walk(self, walk_id: str, compute: Callable[[], Any]) -> Any:
        if walk_id not in self._walks:
            self._walks[walk_id] = compute()
        return self._walks[walk_id]


class Condition:
    """A compiled condition: ``test`` decides, ``explain`` says which parts matched."""

    __slots__ = ("explain", "source", "test")

    def __init__(self, test: Test, explain: Callable[[Any, Context, list[Any]], None], source: Any) -> None:
        self.test = test
        self.explain = explain
        self.source = source

    def __repr__(self) -> str:
        return f"Condition({self.source!r})"


ALWAYS = Condition(lambda s, c: True, lambda s, c, out: None, None)


def compile_condition(raw: Any, *, context: str, kinds: tuple[str, ...], path: str = "condition") -> Condition:
    """Compile ``raw`` for subjects of ``context`` whose kinds are ``kinds``."""
    return _Compiler().compile(raw, context, kinds, path)


def _all_of(tests: tuple[Test, ...]) -> Test:
    """``all`` as one closure; the short lists rules use are unrolled (no loop per call)."""
    if len(tests) == 1:
        return tests[0]
    if len(tests) == 2:
        first, second = tests
        return lambda s, c: first(s, c) and second(s, c)
    if len(tests) == 3:
        first, second, third = tests
        return lambda s, c: first(s, c) and second(s, c) and third(s, c)

    def test(s: Any, c: Context) -> bool:
        for t in tests:
            if not t(s, c):
                return False
        return True

    return test


def _any_of(tests: tuple[Test, ...]) -> Test:
    if len(tests) == 1:
        return tests[0]
    if len(tests) == 2:
        first, second = tests
        return lambda s, c: first(s, c) or second(s, c)
    if len(tests) == 3:
        first, second, third = tests
        return lambda s, c: first(s, c) or second(s, c) or third(s, c)

    def test(s: Any, c: Context) -> bool:
        for t in tests:
            if t(s, c):
                return True
        return False

    return test


def _walk_key(kind: str, value: Any) -> str:
    """Rules that ask the same graph question share one walk per analysis."""
    return kind + ":" + json.dumps(value, sort_keys=True, default=str)


class _Compiler:
    def compile(self, raw: Any, ctx: str, kinds: tuple[str, ...], path: str) -> Condition:
        if not isinstance(raw, Mapping) or len(raw) != 1:
            raise ConditionError(path, "a condition is a mapping with exactly one key")
        (key, value), = raw.items()
        handler = getattr(self, f"_c_{key}", None)
        if handler is None:
            raise ConditionError(path, f"unknown condition {key!r}")
        compiled: Condition = handler(value, ctx, kinds, f"{path}.{key}")
        return compiled

    # --- logic --------------------------------------------------------------------------------

    def _list(self, value: Any, ctx: str, kinds: tuple[str, ...], path: str) -> list[Condition]:
        if not isinstance(value, list) or not value:
            raise ConditionError(path, "must be a non-empty list of conditions")
        return [self.compile(item, ctx, kinds, f"{path}[{i}]") for i, item in enumerate(value)]

    def _c_all(self, value: Any, ctx: str, kinds: tuple[str, ...], path: str) -> Condition:
        parts = self._list(value, ctx, kinds, path)
        tests = tuple(p.test for p in parts)
        test = _all_of(tests)

        def explain(s: Any, c: Context, out: list[Any]) -> None:
            for p in parts:
                p.explain(s, c, out)

        return Condition(test, explain, {"all": [p.source for p in parts]})

    def _c_any(self, value: Any, ctx: str, kinds: tuple[str, ...], path: str) -> Condition:
        parts = self._list(value, ctx, kinds, path)
        tests = tuple(p.test for p in parts)
        test = _any_of(tests)

        def explain(s: Any, c: Context, out: list[Any]) -> None:
            for p in parts:
                if p.test(s, c):
                    p.explain(s, c, out)
                    return

        return Condition(test, explain, {"any": [p.source for p in parts]})

    def _c_not(self, value: Any, ctx: str, kinds: tuple[str, ...], path: str) -> Condition:
        inner = self.compile(value, ctx, kinds, path)
        inner_test = inner.test

        def explain(s: Any, c: Context, out: list[Any]) -> None:
            out.append(f"not ({describe(inner.source)})")

        return Condition(lambda s, c: not inner_test(s, c), explain, {"not": inner.source})

    # --- properties and kinds --------------------------------------------------------------------

    def _c_property(self, value: Any, ctx: str, kinds: tuple[str, ...], path: str) -> Condition:
        name, spec, op = _property_clause(value, ctx, kinds, path)
        test, label = _PROPERTY_TESTS[op](name, spec, value[op], f"{path}.{op}")

        def explain(s: Any, c: Context, out: list[Any]) -> None:
            out.append(f"{_who(s, ctx)}{name} = {_fmt(s.props.get(name, UNKNOWN))}" if op != "unknown" else f"{_who(s, ctx)}{label}")

        return Condition(test, explain, {"property": dict(value)})

    def _c_kind(self, value: Any, ctx: str, kinds: tuple[str, ...], path: str) -> Condition:
        if ctx != ELEMENT:
            raise ConditionError(path, "only applies to elements")
        wanted = value if isinstance(value, list) else [value]
        for kind in wanted:
            if kind not in ("external_entity", "process", "data_store"):
                raise ConditionError(path, f"{kind!r} is not an element kind a flow can touch")
        allowed = frozenset(wanted)

        def explain(s: Any, c: Context, out: list[Any]) -> None:
            out.append(f"{_who(s, ctx)}is a {s.kind.replace('_', ' ')}")

        return Condition(lambda s, c: s.kind in allowed, explain, {"kind": value})

    def _flag(self, attr: str, value: Any, ctx: str, path: str, words: str) -> Condition:
        if ctx != ELEMENT:
            raise ConditionError(path, "only applies to elements")
        if not isinstance(value, bool):
            raise ConditionError(path, "must be true or false")

        def explain(s: Any, c: Context, out: list[Any]) -> None:
            out.append(f"{_who(s, ctx)}{'is' if value else 'is not'} {words}")

        return Condition(lambda s, c: getattr(s, attr) is value, explain, {attr: value})

    def _c_entry_point(self, value: Any, ctx: str, kinds: tuple[str, ...], path: str) -> Condition:
        return self._flag("entry_point", value, ctx, path, "an entry point")

    def _c_crown_jewel(self, value: Any, ctx: str, kinds: tuple[str, ...], path: str) -> Condition:
        return self._flag("crown_jewel", value, ctx, path, "a crown jewel (sensitive data or credentials)")

    # --- flows and boundaries -----------------------------------------------------------------------

    def _c_source(self, value: Any, ctx: str, kinds: tuple[str, ...], path: str) -> Condition:
        return self._end("source", value, ctx, path)

    def _c_target(self, value: Any, ctx: str, kinds: tuple[str, ...], path: str) -> Condition:
        return self._end("target", value, ctx, path)

    def _end(self, end: str, value: Any, ctx: str, path: str) -> Condition:
        if ctx != FLOW:
            raise ConditionError(path, "only applies to flows")
        inner = self.compile(value, ELEMENT, ("external_entity", "process", "data_store"), path)
        inner_test = inner.test
        if end == "source":

            def test(s: Any, c: Context) -> bool:
                return inner_test(s.source, c)

        else:

            def test(s: Any, c: Context) -> bool:
                return inner_test(s.target, c)

        def explain(s: Any, c: Context, out: list[Any]) -> None:
            inner.explain(getattr(s, end), c, out)

        return Condition(test, explain, {end: inner.source})

    def _c_crosses_boundary(self, value: Any, ctx: str, kinds: tuple[str, ...], path: str) -> Condition:
        if ctx != FLOW:
            raise ConditionError(path, "only applies to flows")
        if isinstance(value, bool):
            wanted = value

            def explain_crossing(s: Any, c: Context, out: list[Any]) -> None:
                out.append(_crossing_words(s, c.graph) if wanted else "stays inside one trust zone")

            return Condition(
                lambda s, c: (bool(s.leaves) or bool(s.enters)) is wanted, explain_crossing, {"crosses_boundary": value}
            )
        if not isinstance(value, Mapping) or not value or set(value) - {"leaves", "enters"}:
            raise ConditionError(path, "must be true, false, or a mapping with 'leaves' and/or 'enters'")
        leaves = self.compile(value["leaves"], BOUNDARY, ("trust_boundary",), f"{path}.leaves") if "leaves" in value else None
        enters = self.compile(value["enters"], BOUNDARY, ("trust_boundary",), f"{path}.enters") if "enters" in value else None

        def matching(keys: tuple[str, ...], cond: Condition | None, c: Context) -> list[str]:
            if cond is None:
                return list(keys)
            return [k for k in keys if cond.test(c.graph.boundaries[k], c)]

        def test(s: Any, c: Context) -> bool:
            if leaves is not None and not matching(s.leaves, leaves, c):
                return False
            return not (enters is not None and not matching(s.enters, enters, c))

        def explain(s: Any, c: Context, out: list[Any]) -> None:
            names = c.graph.boundaries
            if leaves is not None:
                out.append("leaves " + ", ".join(names[k].name for k in matching(s.leaves, leaves, c)))
            if enters is not None:
                out.append("enters " + ", ".join(names[k].name for k in matching(s.enters, enters, c)))

        return Condition(test, explain, {"crosses_boundary": value})

    def _c_inside(self, value: Any, ctx: str, kinds: tuple[str, ...], path: str) -> Condition:
        if ctx != ELEMENT:
            raise ConditionError(path, "only applies to elements")
        inner = self.compile(value, BOUNDARY, ("trust_boundary",), path)
        inner_test = inner.test

        def test(s: Any, c: Context) -> bool:
            boundaries = c.graph.boundaries
            for key in s.ancestors:
                if inner_test(boundaries[key], c):
                    return True
            return False

        def explain(s: Any, c: Context, out: list[Any]) -> None:
            for key in s.ancestors:
                boundary = c.graph.boundaries[key]
                if inner_test(boundary, c):
                    out.append(f"inside {boundary.name}")
                    inner.explain(boundary, c, out)
                    return

        return Condition(test, explain, {"inside": inner.source})

    # --- graph walks --------------------------------------------------------------------------------

    def _walk_spec(self, value: Any, path: str, end: str) -> tuple[Condition, Condition | None]:
        if not isinstance(value, Mapping) or end not in value or set(value) - {end, "via"}:
            raise ConditionError(path, f"needs '{end}' (an element condition) and optionally 'via' (a flow condition)")
        target = self.compile(value[end], ELEMENT, ("external_entity", "process", "data_store"), f"{path}.{end}")
        via = self.compile(value["via"], FLOW, ("flow",), f"{path}.via") if "via" in value else None
        return target, via

    def _c_reachable_from(self, value: Any, ctx: str, kinds: tuple[str, ...], path: str) -> Condition:
        if ctx != ELEMENT:
            raise ConditionError(path, "only applies to elements")
        origin, via = self._walk_spec(value, path, "from")
        walk_id = _walk_key("reachable_from", value)

        def walk(c: Context) -> dict[str, Any]:
            graph = c.graph
            starts = [key for key, node in graph.nodes.items() if origin.test(node, c)]
            allowed = None if via is None else (lambda e: via.test(e, c))
            return {"parents": graph.reachable(starts, via=allowed), "via": allowed}

        def test(s: Any, c: Context) -> bool:
            return _hit(c.walk(walk_id, lambda: walk(c)), c.graph, s.key, forward=False) is not None

        def explain(s: Any, c: Context, out: list[Any]) -> None:
            found = _hit(c.walk(walk_id, lambda: walk(c)), c.graph, s.key, forward=False)
            if found is not None:
                nodes, flows = found
                out.append({"path": nodes, "flows": flows, "text": "reachable from " + " → ".join(_names(c, nodes))})

        return Condition(test, explain, {"reachable_from": dict(value)})

    def _c_path_to(self, value: Any, ctx: str, kinds: tuple[str, ...], path: str) -> Condition:
        if ctx != ELEMENT:
            raise ConditionError(path, "only applies to elements")
        goal, via = self._walk_spec(value, path, "to")
        walk_id = _walk_key("path_to", value)

        def walk(c: Context) -> dict[str, Any]:
            graph = c.graph
            goals = [key for key, node in graph.nodes.items() if goal.test(node, c)]
            allowed = None if via is None else (lambda e: via.test(e, c))
            return {"parents": graph.reachable(goals, via=allowed, reverse=True), "via": allowed}

        def test(s: Any, c: Context) -> bool:
            return _hit(c.walk(walk_id, lambda: walk(c)), c.graph, s.key, forward=True) is not None

        def explain(s: Any, c: Context, out: list[Any]) -> None:
            found = _hit(c.walk(walk_id, lambda: walk(c)), c.graph, s.key, forward=True)
            if found is not None:
                nodes, flows = found
                out.append({"path": nodes, "flows": flows, "text": "path " + " → ".join(_names(c, nodes))})

        return Condition(test, explain, {"path_to": dict(value)})


_MISSING = object()


def _hit(walk: dict[str, Any], graph: DfdGraph, key: str, *, forward: bool) -> tuple[list[str], list[str]] | None:
    """The path that makes ``key`` satisfy a walk condition, or None.

    ``walk`` holds the breadth-first parents from the walk's starts (goals for ``path_to``, walked
    backwards; origins for ``reachable_from``). A start only counts when it also connects to
    *another* start: an element is not "reachable from an entry point" merely by being one.
    The returned path runs in flow direction.
    """
    parents = walk["parents"]
    step = parents.get(key, _MISSING)
    if step is _MISSING:
        return None
    if step is not None:
        nodes, flows = graph.path_to(parents, key)
        if forward:
            nodes.reverse()
            flows.reverse()
        return nodes, flows
    allowed = walk["via"]
    edges = graph.out_edges(key) if forward else graph.in_edges(key)
    for edge in edges:
        if allowed is not None and not allowed(edge):
            continue
        other = edge.target.key if edge.source.key == key else edge.source.key
        if other == key or other not in parents:
            continue
        nodes, flows = graph.path_to(parents, other)
        if key in nodes:
            continue  # that way only leads back here
        if forward:
            nodes.reverse()
            flows.reverse()
            return [key, *nodes], [edge.key, *flows]
        return [*nodes, key], [*flows, edge.key]
    return None


def _names(c: Context, keys: list[str]) -> list[str]:
    return [c.graph.nodes[k].name if k in c.graph.nodes else k for k in keys]


def _crossing_words(edge: Edge, graph: DfdGraph) -> str:
    parts = []
    if edge.leaves:
        parts.append("leaves " + ", ".join(graph.boundaries[k].name for k in edge.leaves))
    if edge.enters:
        parts.append("enters " + ", ".join(graph.boundaries[k].name for k in edge.enters))
    return "; ".join(parts) or "crosses no boundary"


def _who(subject: Any, ctx: str) -> str:
    if ctx == BOUNDARY:
        return f"{subject.name}: "
    if isinstance(subject, Node):
        return f"{subject.name}: "
    return ""


def _fmt(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return "[" + ", ".join(_fmt(v) for v in value) + "]"
    return str(value)


def _show(values: list[Any]) -> str:
    return ", ".join(_fmt(v) for v in values)


def describe(source: Any) -> str:
    """A short human reading of a condition's source, for explanations and the rule docs."""
    if source is None:
        return "always"
    if not isinstance(source, Mapping):
        return _fmt(source)
    (key, value), = source.items()
    if key in ("all", "any"):
        joiner = " and " if key == "all" else " or "
        return "(" + joiner.join(describe(v) for v in value) + ")"
    if key == "not":
        return f"not {describe(value)}"
    if key == "property":
        name = value["name"]
        if "equals" in value:
            return f"{name} = {_fmt(value['equals'])}"
        if "in" in value:
            return f"{name} in {_fmt(value['in'])}"
        return f"{name} is {'unknown' if value['unknown'] else 'known'}"
    if key in ("source", "target", "inside"):
        return f"{key} {describe(value)}"
    if key in ("reachable_from", "path_to"):
        end = value.get("from", value.get("to"))
        via = f" via flows where {describe(value['via'])}" if "via" in value else ""
        return f"{key.replace('_', ' ')} {describe(end)}{via}"
    return f"{key.replace('_', ' ')} = {_fmt(value)}"


# --- property tests: each checks its operand against the vocabulary and answers (test, label) ----


def _property_clause(value: Any, ctx: str, kinds: tuple[str, ...], path: str) -> tuple[str, vocabulary.PropertySpec, str]:
    """The property's name, its vocabulary entry and the one test the clause asks for, or the error at `path`."""
    if not isinstance(value, Mapping) or "name" not in value:
        raise ConditionError(path, "needs a 'name' and one of 'equals', 'in', 'unknown'")
    tests = [k for k in ("equals", "in", "unknown") if k in value]
    extra = set(value) - {"name", "equals", "in", "unknown"}
    if len(tests) != 1 or extra:
        raise ConditionError(path, "needs exactly one of 'equals', 'in', 'unknown' besides 'name'")
    name = value["name"]
    spec = vocabulary.PROPERTIES.get(name) if isinstance(name, str) else None
    if spec is None:
        raise ConditionError(f"{path}.name", f"{name!r} is not in the property vocabulary")
    subject_kinds = {ELEMENT: kinds, FLOW: ("flow",), BOUNDARY: ("trust_boundary",)}[ctx]
    if not set(subject_kinds) & set(spec.applies_to):
        raise ConditionError(f"{path}.name", f"{name!r} does not apply to {', '.join(subject_kinds)}")
    return name, spec, tests[0]


def _check_value(spec: vocabulary.PropertySpec, name: str, option: Any, path: str) -> None:
    allowed = spec.allowed_values()
    if spec.type != "text" and not any(option is v or (type(v) is str and option == v) for v in allowed):
        raise ConditionError(path, f"{option!r} is not a value of {name} ({_show(allowed)})")


def _unknown_test(name: str, spec: vocabulary.PropertySpec, wanted: Any, path: str) -> tuple[Test, str]:
    if not isinstance(wanted, bool):
        raise ConditionError(path, "must be true or false")

    def test(s: Any, c: Context) -> bool:
        return (s.props.get(name, UNKNOWN) == UNKNOWN) is wanted

    return test, f"{name} is {'unknown' if wanted else 'known'}"


def _equals_test(name: str, spec: vocabulary.PropertySpec, expected: Any, path: str) -> tuple[Test, str]:
    _check_value(spec, name, expected, path)
    if isinstance(expected, bool):

        def test(s: Any, c: Context) -> bool:
            return s.props.get(name, UNKNOWN) is expected

    else:

        def test(s: Any, c: Context) -> bool:
            return bool(s.props.get(name, UNKNOWN) == expected)

    return test, f"{name} = {_fmt(expected)}"


def _in_test(name: str, spec: vocabulary.PropertySpec, options: Any, path: str) -> tuple[Test, str]:
    if not isinstance(options, list) or not options:
        raise ConditionError(path, "must be a non-empty list")
    for i, option in enumerate(options):
        _check_value(spec, name, option, f"{path}[{i}]")
    bools = tuple(o for o in options if isinstance(o, bool))
    strings = frozenset(o for o in options if isinstance(o, str))

    def test(s: Any, c: Context) -> bool:
        got = s.props.get(name, UNKNOWN)
        if isinstance(got, bool):
            return any(got is b for b in bools)
        return got in strings

    return test, f"{name} in {_fmt(options)}"


_PROPERTY_TESTS: dict[str, Callable[[str, vocabulary.PropertySpec, Any, str], tuple[Test, str]]] = {
    "unknown": _unknown_test,
    "equals": _equals_test,
    "in": _in_test,
}
