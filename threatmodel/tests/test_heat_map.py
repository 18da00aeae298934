"""GET /threat-models/{id}/heat-map/: 5×5 counts of inherent against projected and verified residual risk."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from conftest import World
from threatmodel.tests.helpers import mitigation, rated_threat

pytestmark = pytest.mark.django_db


def heat_map(world: World) -> dict[str, Any]:
    response = world.client("viewer").get(f"/api/v1/threat-models/{world.model.pk}/heat-map/")
    assert response.status_code == 200
    body: dict[str, Any] = response.json()
    return body


def cell(body: dict[str, Any], likelihood: int, impact: int) -> dict[str, Any]:
    return next(c for c in body["cells"] if (c["likelihood"], c["impact"]) == (likelihood, impact))


def test_it_counts_threats_per_cell_for_inherent_and_verified_residual_risk(world: World) -> None:
    escape = rated_threat(world, "ESC@web", likelihood=5, impact=4)
    leak = rated_threat(world, "LEAK@web", likelihood=5, impact=4)
    rated_threat(world, "DOS@web", likelihood=2, impact=2)
    mitigation(world, [escape], status="verified", likelihood_reduction=3, evidence="admission policy test run", ref="MIT-1")
    mitigation(world, [leak], status="planned", impact_reduction=2, ref="MIT-2")
    body = heat_map(world)
    assert len(body["cells"]) == 25 and body["likelihood_levels"] == [5, 4, 3, 2, 1] and body["impact_levels"] == [1, 2, 3, 4, 5]
    assert cell(body, 5, 4)["counts"] == {"inherent": 2, "projected": 0, "verified": 1}
    assert sorted(cell(body, 5, 4)["threats"]["inherent"]) == sorted([escape.pk, leak.pk])
    assert cell(body, 2, 4)["counts"] == {"inherent": 0, "projected": 1, "verified": 1}  # escape, (5−3) × 4
    assert cell(body, 5, 2)["counts"] == {"inherent": 0, "projected": 1, "verified": 0}  # leak, projected 5 × (4−2)
    assert cell(body, 2, 2)["counts"] == {"inherent": 1, "projected": 1, "verified": 1}
    assert body["band_totals"]["inherent"] == {"unacceptable": 2, "tolerable": 0, "broadly_acceptable": 1}
    assert body["band_totals"]["verified"] == {"unacceptable": 1, "tolerable": 1, "broadly_acceptable": 1}
    assert body["rated"] == 3 and body["unrated"] == []


def test_each_cell_carries_its_band_under_the_model_policy(world: World) -> None:
    body = heat_map(world)
    assert (cell(body, 3, 5)["band"], cell(body, 1, 4)["band"], cell(body, 2, 2)["band"]) == ("unacceptable", "tolerable", "broadly_acceptable")
    assert cell(body, 3, 5)["score"] == 15 and cell(body, 3, 5)["level"] == "Very high"


def test_obsolete_duplicate_and_not_applicable_threats_are_left_out_and_unrated_ones_listed(world: World) -> None:
    first = rated_threat(world, "A@web", likelihood=3, impact=3)
    rated_threat(world, "B@web", likelihood=3, impact=3, status="obsolete")
    rated_threat(world, "C@web", likelihood=3, impact=3, duplicate_of=first)
    rated_threat(world, "D@web", likelihood=3, impact=3, status="not_applicable")
    unrated = rated_threat(world, "E@web", likelihood=None, impact=None)
    body = heat_map(world)
    assert cell(body, 3, 3)["counts"]["inherent"] == 1
    assert body["unrated"] == [unrated.pk] and body["rated"] == 1


def test_the_query_count_does_not_grow_with_the_model(world: World) -> None:
    rated_threat(world, "T0@web")
    client = world.client("viewer")
    url = f"/api/v1/threat-models/{world.model.pk}/heat-map/"
    with CaptureQueriesContext(connection) as small:
        client.get(url)
    threats = [rated_threat(world, f"T{i}@web", likelihood=i % 5 + 1) for i in range(1, 30)]
    mitigation(world, threats, status="verified", likelihood_reduction=1, evidence="x")
    with CaptureQueriesContext(connection) as large:
        client.get(url)
    assert len(large.captured_queries) == len(small.captured_queries)


def test_an_outsider_gets_404(world: World) -> None:
    assert world.client("outsider").get(f"/api/v1/threat-models/{world.model.pk}/heat-map/").status_code == 404
