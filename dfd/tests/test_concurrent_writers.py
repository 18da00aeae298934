"""Two writers on one diagram at the same moment, on a real PostgreSQL: one wins, the other gets 409.

Threads use their own database connections, so this exercises the row lock and the conditional
version update for real. Nothing may be lost or applied twice.
"""

from __future__ import annotations

import threading
from typing import Any

import pytest
from django.db import connection, connections

from common.errors import StaleVersion
from conftest import World
from dfd.models import Diagram, DiagramOp, Element
from threatmodel.diagrams import diagram_change

pytestmark = pytest.mark.django_db(transaction=True)


def race(world: World, base_version: int, round_no: int) -> list[Any]:
    barrier = threading.Barrier(2)
    results: list[Any] = [None, None]

    def writer(slot: int) -> None:
        try:
            barrier.wait(timeout=10)
            results[slot] = diagram_change(analyse=False,
                diagram_id=world.diagram.pk,
                actor=world.users["editor" if slot else "owner"],
                base_version=base_version,
                ops=[
                    {"op": "add_element", "key": f"w{slot}-r{round_no}", "kind": "process", "name": f"Writer {slot}"},
                    {"op": "move_element", "key": "web", "x": slot * 100 + round_no, "y": 0},
                ],
            )
        except Exception as exc:  # the loser's StaleVersion is the expected outcome
            results[slot] = exc
        finally:
            connections.close_all()

    threads = [threading.Thread(target=writer, args=(slot,)) for slot in (0, 1)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    return results


@pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks are tested on PostgreSQL (set DATABASE_URL)")
def test_one_of_two_simultaneous_writers_wins_and_the_other_gets_409(world: World) -> None:
    winners = []
    for round_no in range(8):
        version = Diagram.objects.get(pk=world.diagram.pk).version
        first, second = race(world, version, round_no)
        outcomes = [type(first).__name__, type(second).__name__]
        assert sorted(outcomes) == ["DiagramChange", "StaleVersion"], outcomes
        loser = first if isinstance(first, StaleVersion) else second
        winner = second if loser is first else first
        assert loser.extra["current_version"] == version + 1
        assert winner.version == version + 1
        winners.append(0 if winner is first else 1)
    added = set(Element.objects.filter(diagram=world.diagram, key__regex=r"^w[01]-r\d$").values_list("key", flat=True))
    assert added == {f"w{slot}-r{round_no}" for round_no, slot in enumerate(winners)}
    diagram = Diagram.objects.get(pk=world.diagram.pk)
    assert diagram.version == world.diagram.version + 8
    # one log batch per winning write, never for a loser
    assert DiagramOp.objects.filter(diagram=diagram, version__gt=world.diagram.version).values("batch").distinct().count() == 8
