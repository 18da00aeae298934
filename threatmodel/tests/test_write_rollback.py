"""A failing operations request leaves nothing behind (issue 12, finding 2: a 500 answered after rows were written).

Each test lets a batch write its rows — elements, flows, the operation log, the diagram's and the
model's versions — then makes the request fail at a later step, and checks that the database is
exactly as before: the write path's transaction (``threatmodel.diagrams.diagram_change``, and the
view's around the answer) covers everything the request writes.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from conftest import World
from dfd import services as dfd_services
from dfd.models import Diagram, DiagramOp, Element, Flow
from threatmodel import analysis, diagrams
from threatmodel.models import ThreatModel

pytestmark = pytest.mark.django_db

BATCH = [
    {"op": "add_element", "key": "api", "kind": "process", "name": "API", "x": 500, "y": 40},
    {"op": "add_flow", "key": "f-api", "source": "web", "target": "api", "label": "RPC"},
    {"op": "update_element", "key": "web", "name": "Web (renamed)"},
]


class Injected(RuntimeError):
    """The failure a test injects."""


def snapshot(world: World) -> tuple[Any, ...]:
    return (
        sorted(Element.objects.filter(diagram=world.diagram).values_list("key", "name")),
        sorted(Flow.objects.filter(diagram=world.diagram).values_list("key", "label")),
        DiagramOp.objects.filter(diagram=world.diagram).count(),
        Diagram.objects.values_list("version", flat=True).get(pk=world.diagram.pk),
        ThreatModel.objects.values_list("version", flat=True).get(pk=world.model.pk),
    )


def after(real: Callable[..., Any]) -> Callable[..., Any]:
    """``real``, run to the end (its rows written), then a failure."""

    def failing(*args: Any, **kwargs: Any) -> Any:
        real(*args, **kwargs)
        raise Injected("after the write")

    return failing


def send(world: World) -> Any:
    client = world.client("editor")
    client.raise_request_exception = False
    return client.post(f"/api/v1/diagrams/{world.diagram.pk}/ops/", {"base_version": world.diagram.version, "ops": BATCH}, format="json")


@pytest.mark.parametrize(
    "where",
    [
        pytest.param(lambda mp: mp.setattr(dfd_services, "_log", after(dfd_services._log)), id="after-the-op-log"),
        pytest.param(lambda mp: mp.setattr(diagrams, "analysis_after_change", after(analysis.analysis_after_change)), id="in-the-analysis"),
        pytest.param(lambda mp: mp.setattr(diagrams.DiagramChange, "as_dict", after(diagrams.DiagramChange.as_dict)), id="building-the-answer"),
    ],
)
def test_a_failure_after_the_write_leaves_the_database_unchanged(world: World, monkeypatch: pytest.MonkeyPatch, where: Callable[[pytest.MonkeyPatch], None]) -> None:
    before = snapshot(world)
    where(monkeypatch)
    response = send(world)
    assert response.status_code == 500
    assert snapshot(world) == before


def test_the_same_batch_without_a_failure_writes_every_row(world: World) -> None:
    before = snapshot(world)
    response = send(world)
    assert response.status_code == 200, response.content[:300]
    elements, flows, ops, diagram_version, model_version = snapshot(world)
    assert ("api", "API") in elements and ("web", "Web (renamed)") in elements and ("f-api", "RPC") in flows
    assert ops == before[2] + len(BATCH) and diagram_version == before[3] + 1 and model_version == before[4] + 1
