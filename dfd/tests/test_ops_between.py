"""``ops_between``: the operations that turn one diagram state into another.

Random valid diagrams are built by simulating random batches (so every state is one the write
path can hold); the difference between any two must apply cleanly and land exactly on the
second, and be empty between a state and itself.
"""

from __future__ import annotations

from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from dfd.ops import DiagramState, ElementState, FlowState, ops_between, simulate
from dfd.tests.test_ops_properties import BATCH, comparable

EMPTY = DiagramState({}, {}, set())


def state_from(batch: list[Any]) -> DiagramState:
    return simulate(EMPTY, batch, max_ops=100).state


STATES = st.builds(state_from, BATCH)


def apply(state: DiagramState, ops: list[dict[str, Any]]) -> DiagramState:
    outcome = simulate(state, ops, max_ops=len(ops) + 1)
    assert outcome.errors == [], (ops, outcome.errors)
    return outcome.state


@given(a=STATES, b=STATES)
@settings(max_examples=400, deadline=None)
def test_applying_the_difference_gives_the_wanted_state(a: DiagramState, b: DiagramState) -> None:
    assert comparable(apply(a, ops_between(a, b))) == comparable(b)


@given(a=STATES)
@settings(max_examples=200, deadline=None)
def test_there_is_no_difference_between_a_state_and_itself(a: DiagramState) -> None:
    assert ops_between(a, a) == []


def element(key: str, kind: str = "process", **fields: Any) -> ElementState:
    return ElementState(key=key, kind=kind, name=fields.pop("name", key.title()), **fields)


def test_one_changed_property_is_one_update_with_only_that_property() -> None:
    a = DiagramState({"web": element("web", properties={"privileged": False, "runs_as_root": True})}, {})
    b = DiagramState({"web": element("web", properties={"privileged": True, "runs_as_root": True})}, {})
    assert ops_between(a, b) == [{"op": "update_element", "key": "web", "properties": {"privileged": True}}]


def test_a_removed_element_takes_its_flows_with_it() -> None:
    a = DiagramState(
        {"user": element("user", "external_entity"), "web": element("web"), "db": element("db", "data_store")},
        {"f1": FlowState("f1", "user", "web"), "f2": FlowState("f2", "web", "db")},
    )
    b = DiagramState({"user": element("user", "external_entity"), "db": element("db", "data_store")}, {})
    assert ops_between(a, b) == [
        {"op": "delete_flow", "key": "f1"},
        {"op": "delete_flow", "key": "f2"},
        {"op": "delete_element", "key": "web"},
    ]


def test_swapped_nesting_is_reached_without_a_cycle_on_the_way() -> None:
    a = DiagramState(
        {"outer": element("outer", "trust_boundary"), "inner": element("inner", "trust_boundary", parent="outer")}, {}
    )
    b = DiagramState(
        {"outer": element("outer", "trust_boundary", parent="inner"), "inner": element("inner", "trust_boundary")}, {}
    )
    assert comparable(apply(a, ops_between(a, b))) == comparable(b)


def test_a_kind_change_recreates_the_element_and_its_flows() -> None:
    a = DiagramState({"u": element("u", "external_entity"), "x": element("x")}, {"f": FlowState("f", "u", "x", label="calls")})
    b = DiagramState({"u": element("u", "external_entity"), "x": element("x", "data_store")}, {"f": FlowState("f", "u", "x", label="calls")})
    ops = ops_between(a, b)
    assert [op["op"] for op in ops] == ["delete_flow", "delete_element", "add_element", "add_flow"]
    assert comparable(apply(a, ops)) == comparable(b)
