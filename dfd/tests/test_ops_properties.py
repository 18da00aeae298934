"""Property-based tests of the write path: random batches never crash it, and what the database
holds afterwards is exactly what the pure simulation said it would."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from common.errors import ValidationFailed
from conftest import World
from dfd.models import Diagram
from dfd.ops import DiagramState, simulate
from dfd.services import load_state
from threatmodel.diagrams import diagram_change

KEYS = st.sampled_from(["a", "b", "c", "d", "tb1", "tb2", "f1", "f2", "f3"])
KINDS = st.sampled_from(["external_entity", "process", "data_store", "trust_boundary"])
NUMBER = st.one_of(st.integers(-500, 500), st.floats(-1e4, 1e4, allow_nan=False))
JUNK = st.one_of(st.none(), st.text(max_size=5), st.integers(), st.booleans(), st.lists(st.integers(), max_size=2))
PROPS = st.dictionaries(
    st.sampled_from(["privileged", "encrypted", "authenticated", "data_classification", "boundary_type", "nonsense"]),
    st.one_of(st.booleans(), st.just("unknown"), st.sampled_from(["internal", "namespace", "weird"]), st.none()),
    max_size=3,
)

OP = st.one_of(
    st.fixed_dictionaries({"op": st.just("add_element"), "key": KEYS, "kind": KINDS, "name": st.text(min_size=0, max_size=8)},
                          optional={"parent": st.one_of(st.none(), KEYS), "x": NUMBER, "y": NUMBER, "properties": PROPS}),
    st.fixed_dictionaries({"op": st.just("update_element"), "key": KEYS},
                          optional={"name": st.text(max_size=8), "properties": PROPS, "description": JUNK}),
    st.fixed_dictionaries({"op": st.just("move_element"), "key": KEYS, "x": NUMBER, "y": NUMBER}),
    st.fixed_dictionaries({"op": st.just("set_parent"), "key": KEYS, "parent": st.one_of(st.none(), KEYS)}),
    st.fixed_dictionaries({"op": st.just("delete_element"), "key": KEYS}),
    st.fixed_dictionaries({"op": st.just("add_flow"), "key": KEYS, "source": KEYS, "target": KEYS},
                          optional={"label": st.text(max_size=5), "properties": PROPS, "bidirectional": JUNK}),
    st.fixed_dictionaries({"op": st.just("update_flow"), "key": KEYS}, optional={"target": KEYS, "label": JUNK}),
    st.fixed_dictionaries({"op": st.just("delete_flow"), "key": KEYS}),
    st.dictionaries(st.text(max_size=4), JUNK, max_size=3),
    JUNK,
)
BATCH = st.lists(OP, max_size=12)


def comparable(state: DiagramState) -> tuple[dict[str, Any], dict[str, Any]]:
    return ({k: e.as_dict() for k, e in state.elements.items()}, {k: f.as_dict() for k, f in state.flows.items()})


@given(batch=BATCH)
@settings(max_examples=300, deadline=None)
def test_simulation_never_raises_and_errors_name_an_operation(batch: list[Any]) -> None:
    outcome = simulate(DiagramState({}, {}, set()), batch, max_ops=100)
    for error in outcome.errors:
        assert error["path"].startswith("ops[") and error["message"]


@pytest.mark.django_db
@given(batches=st.lists(BATCH, min_size=1, max_size=4))
@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
def test_the_database_ends_up_exactly_as_simulated(world: World, batches: list[list[Any]]) -> None:
    diagram = Diagram.objects.create(threat_model=world.model, name="Scratch", order=9)
    try:
        for batch in batches:
            diagram.refresh_from_db()
            before = load_state(diagram)
            expected = simulate(before, batch, max_ops=100)
            try:
                diagram_change(analyse=False, diagram_id=diagram.pk, actor=None, base_version=diagram.version, ops=batch)
            except ValidationFailed as exc:
                assert expected.errors == exc.details  # noqa: PT017 - the comparison is the point
                diagram.refresh_from_db()
                assert comparable(load_state(diagram)) == comparable(before)  # nothing written
                continue
            assert not expected.errors
            diagram.refresh_from_db()
            assert comparable(load_state(diagram)) == comparable(expected.state)
    finally:
        diagram.delete()
