"""The pure operations module: every operation kind and every validation error, without a database."""

from __future__ import annotations

from typing import Any

import pytest

from dfd.ops import DiagramState, ElementState, FlowState, simulate


def state() -> DiagramState:
    return DiagramState(
        elements={
            "tb": ElementState("tb", "trust_boundary", "Cluster", x=100, y=100, width=400, height=300, pk=1),
            "inner": ElementState("inner", "trust_boundary", "Namespace", parent="tb", x=10, y=10, pk=2),
            "web": ElementState("web", "process", "Web", parent="inner", x=5, y=6, pk=3),
            "db": ElementState("db", "data_store", "DB", pk=4),
            "user": ElementState("user", "external_entity", "User", pk=5),
        },
        flows={
            "f1": FlowState("f1", "user", "web", label="HTTPS", pk=10),
            "f2": FlowState("f2", "web", "db", label="SQL", pk=11),
        },
        keys_elsewhere={"taken"},
    )


def run(ops: list[dict[str, Any]] | object) -> Any:
    return simulate(state(), ops, max_ops=100)


def only_error(ops: list[dict[str, Any]]) -> dict[str, str]:
    outcome = run(ops)
    assert len(outcome.errors) == 1, outcome.errors
    return dict(outcome.errors[0])


def test_it_adds_an_element_inside_a_boundary() -> None:
    outcome = run([{"op": "add_element", "key": "cache", "kind": "data_store", "name": "Cache", "parent": "inner",
                    "properties": {"encrypted": False, "stores_credentials": "unknown"}}])
    assert not outcome.errors
    cache = outcome.state.elements["cache"]
    assert (cache.parent, cache.properties) == ("inner", {"encrypted": False, "stores_credentials": "unknown"})
    assert outcome.records[0].before is None and outcome.records[0].after["key"] == "cache"


def test_it_updates_properties_one_by_one_and_null_removes_one() -> None:
    s = state()
    s.elements["web"] = ElementState("web", "process", "Web", properties={"privileged": True, "runs_as_root": True}, pk=3)
    outcome = simulate(s, [{"op": "update_element", "key": "web", "name": "Web app",
                            "properties": {"privileged": False, "runs_as_root": None, "host_pid": "unknown"}}], max_ops=10)
    assert not outcome.errors
    assert outcome.state.elements["web"].name == "Web app"
    assert dict(outcome.state.elements["web"].properties) == {"privileged": False, "host_pid": "unknown"}


def test_it_moves_and_resizes() -> None:
    outcome = run([{"op": "move_element", "key": "tb", "x": 1, "y": 2, "width": 50, "height": 60}])
    tb = outcome.state.elements["tb"]
    assert (tb.x, tb.y, tb.width, tb.height) == (1, 2, 50, 60)


def test_it_sets_and_clears_a_parent() -> None:
    outcome = run([{"op": "set_parent", "key": "db", "parent": "tb", "x": 3, "y": 4},
                   {"op": "set_parent", "key": "web", "parent": None}])
    assert not outcome.errors
    assert outcome.state.elements["db"].parent == "tb"
    assert outcome.state.elements["web"].parent is None


def test_deleting_an_element_deletes_its_flows_and_says_so() -> None:
    outcome = run([{"op": "delete_element", "key": "web"}])
    assert not outcome.errors
    assert "web" not in outcome.state.elements
    assert outcome.state.flows == {}
    assert sorted(outcome.deleted_flows) == ["f1", "f2"]


def test_deleting_a_boundary_moves_its_children_up_where_they_were() -> None:
    outcome = run([{"op": "delete_element", "key": "inner"}])
    web = outcome.state.elements["web"]
    assert web.parent == "tb"
    assert (web.x, web.y) == (15, 16)  # 5 + 10, 6 + 10: same place on the canvas
    assert outcome.reparented == ["web"]


def test_it_adds_updates_and_deletes_flows() -> None:
    outcome = run([
        {"op": "add_flow", "key": "f3", "source": "db", "target": "user", "label": "Report", "bidirectional": True,
         "properties": {"encrypted": "unknown", "data_classification": "internal"}},
        {"op": "update_flow", "key": "f1", "label": "HTTP", "properties": {"encrypted": False}, "target": "db"},
        {"op": "delete_flow", "key": "f2"},
    ])
    assert not outcome.errors
    assert outcome.state.flows["f3"].bidirectional is True
    assert (outcome.state.flows["f1"].label, outcome.state.flows["f1"].target) == ("HTTP", "db")
    assert "f2" not in outcome.state.flows


def test_later_operations_see_earlier_ones() -> None:
    outcome = run([
        {"op": "add_element", "key": "zone", "kind": "trust_boundary", "name": "Zone"},
        {"op": "add_element", "key": "svc", "kind": "process", "name": "Svc", "parent": "zone"},
        {"op": "add_flow", "key": "f9", "source": "svc", "target": "db"},
        {"op": "delete_element", "key": "svc"},
        {"op": "add_element", "key": "svc", "kind": "data_store", "name": "Svc again"},
    ])
    assert not outcome.errors
    assert outcome.state.elements["svc"].kind == "data_store"
    assert "f9" not in outcome.state.flows


@pytest.mark.parametrize(
    ("op", "path", "fragment"),
    [
        ({"op": "explode", "key": "x"}, "ops[0].op", "must be one of"),
        ({"op": "add_element", "key": "x", "kind": "process", "name": "X", "colour": "red"}, "ops[0].colour", "not a field"),
        ({"op": "add_element", "key": "bad key!", "kind": "process", "name": "X"}, "ops[0].key", "letters, digits"),
        ({"op": "add_element", "kind": "process", "name": "X"}, "ops[0].key", "required"),
        ({"op": "add_element", "key": "web", "kind": "process", "name": "X"}, "ops[0].key", "already used in this diagram"),
        ({"op": "add_element", "key": "f1", "kind": "process", "name": "X"}, "ops[0].key", "already used in this diagram"),
        ({"op": "add_element", "key": "taken", "kind": "process", "name": "X"}, "ops[0].key", "another diagram"),
        ({"op": "add_element", "key": "x", "kind": "actor", "name": "X"}, "ops[0].kind", "must be one of"),
        ({"op": "add_element", "key": "x", "kind": "process", "name": "  "}, "ops[0].name", "must not be empty"),
        ({"op": "add_element", "key": "x", "kind": "process", "name": "X" * 201}, "ops[0].name", "at most 200"),
        ({"op": "add_element", "key": "x", "kind": "process", "name": 7}, "ops[0].name", "must be a string"),
        ({"op": "add_element", "key": "x", "kind": "process", "name": "X", "properties": {"colour": 1}},
         "ops[0].properties.colour", "not a known property"),
        ({"op": "add_element", "key": "x", "kind": "process", "name": "X", "properties": {"encrypted": True}},
         "ops[0].properties.encrypted", "does not apply to a process"),
        ({"op": "add_element", "key": "x", "kind": "process", "name": "X", "properties": {"privileged": "yes"}},
         "ops[0].properties.privileged", "true, false or \"unknown\""),
        ({"op": "add_element", "key": "x", "kind": "process", "name": "X", "properties": {"image_registry": "dockerhub"}},
         "ops[0].properties.image_registry", "must be one of private, public"),
        ({"op": "add_element", "key": "x", "kind": "process", "name": "X", "properties": {"privileged": None}},
         "ops[0].properties.privileged", "true, false"),
        ({"op": "add_element", "key": "x", "kind": "process", "name": "X", "properties": ["privileged"]},
         "ops[0].properties", "must be an object"),
        ({"op": "add_element", "key": "x", "kind": "process", "name": "X", "parent": "web"}, "ops[0].parent",
         "only a trust boundary can contain"),
        ({"op": "add_element", "key": "x", "kind": "process", "name": "X", "parent": "nowhere"}, "ops[0].parent", "no element"),
        ({"op": "add_element", "key": "x", "kind": "process", "name": "X", "x": "left"}, "ops[0].x", "must be a number"),
        ({"op": "add_element", "key": "x", "kind": "process", "name": "X", "x": 1e300}, "ops[0].x", "finite number"),
        ({"op": "add_element", "key": "x", "kind": "process", "name": "X", "width": -3}, "ops[0].width", "greater than 0"),
        ({"op": "add_element", "key": "x", "kind": "process", "name": "X", "description": "a\x00b"}, "ops[0].description", "NUL"),
        ({"op": "update_element", "key": "ghost", "name": "X"}, "ops[0].key", "no element 'ghost'"),
        ({"op": "update_element", "key": "web", "kind": "data_store"}, "ops[0].kind", "not a field"),
        ({"op": "move_element", "key": "web", "x": 1}, "ops[0].y", "required"),
        ({"op": "set_parent", "key": "tb", "parent": "tb"}, "ops[0].parent", "its own parent"),
        ({"op": "set_parent", "key": "tb", "parent": "inner"}, "ops[0].parent", "nested in itself"),
        ({"op": "set_parent", "key": "web"}, "ops[0].parent", "required"),
        ({"op": "delete_element", "key": "ghost"}, "ops[0].key", "no element"),
        ({"op": "add_flow", "key": "f9", "source": "user", "target": "ghost"}, "ops[0].target", "no element 'ghost'"),
        ({"op": "add_flow", "key": "f9", "source": "user"}, "ops[0].target", "required"),
        ({"op": "add_flow", "key": "f9", "source": "tb", "target": "web"}, "ops[0].source", "is a trust boundary"),
        ({"op": "add_flow", "key": "f9", "source": "web", "target": "web"}, "ops[0].target", "two different elements"),
        ({"op": "add_flow", "key": "f1", "source": "user", "target": "db"}, "ops[0].key", "already used"),
        ({"op": "add_flow", "key": "f9", "source": "user", "target": "db", "properties": {"privileged": True}},
         "ops[0].properties.privileged", "does not apply to a flow"),
        ({"op": "add_flow", "key": "f9", "source": "user", "target": "db", "bidirectional": "yes"},
         "ops[0].bidirectional", "true or false"),
        ({"op": "update_flow", "key": "f7", "label": "x"}, "ops[0].key", "no flow"),
        ({"op": "update_flow", "key": "f1", "target": "user"}, "ops[0].target", "two different elements"),
        ({"op": "delete_flow", "key": "f7"}, "ops[0].key", "no flow"),
    ],
)
def test_it_refuses_an_invalid_operation_naming_the_field(op: dict[str, Any], path: str, fragment: str) -> None:
    error = only_error([op])
    assert error["path"] == path
    assert fragment in error["message"]


def test_it_refuses_a_non_list_and_an_oversized_batch() -> None:
    assert run({"op": "delete_flow"}).errors == [{"path": "ops", "message": "must be a list of operations"}]
    outcome = simulate(state(), [{"op": "delete_flow", "key": "f1"}] * 101, max_ops=100)
    assert "at most 100 operations" in outcome.errors[0]["message"]


def test_it_reports_every_bad_operation_of_a_batch() -> None:
    outcome = run([{"op": "delete_flow", "key": "f1"}, {"op": "delete_flow", "key": "nope"}, "junk"])
    assert [e["path"] for e in outcome.errors] == ["ops[1].key", "ops[2]"]


def test_it_leaves_the_input_state_untouched() -> None:
    original = state()
    simulate(original, [{"op": "delete_element", "key": "web"}, {"op": "delete_flow", "key": "f1"}], max_ops=10)
    assert set(original.elements) == {"tb", "inner", "web", "db", "user"}
    assert set(original.flows) == {"f1", "f2"}
