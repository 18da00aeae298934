"""The /controls/ endpoint: the catalogue for every signed-in user, filtered by STRIDE letter and phase."""

from __future__ import annotations

import pytest

from conftest import World
from threatmodel.workflow.controls import controls_sync

pytestmark = pytest.mark.django_db


def test_the_endpoint_lists_and_filters_controls(world: World) -> None:
    controls_sync()
    client = world.client("viewer")
    response = client.get("/api/v1/controls/?stride=D&phase=runtime&page_size=100")
    assert response.status_code == 200
    ids = [row["id"] for row in response.json()["results"]]
    assert "RTC-07" in ids and "RTA-12" in ids and all("D" in row["stride"] for row in response.json()["results"])
    assert all(row["phase"] == "runtime" for row in response.json()["results"])
    detail = client.get("/api/v1/controls/RTC-07/").json()
    assert detail["name"] == "Resource requests, limits and quotas" and detail["refs"]
    assert client.get("/api/v1/controls/NOPE-1/").status_code == 404


def test_anonymous_callers_cannot_read_the_catalogue(world: World) -> None:
    assert world.client(None).get("/api/v1/controls/").status_code == 401
