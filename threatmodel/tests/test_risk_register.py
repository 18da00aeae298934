"""GET /threat-models/{id}/risk-register/: every threat with its three numbers, highest verified risk first."""

from __future__ import annotations

import pytest

from conftest import World
from threatmodel.tests.helpers import acceptance, mitigation, rated_threat

pytestmark = pytest.mark.django_db


def test_it_orders_threats_by_verified_residual_risk_and_carries_responses(world: World) -> None:
    low = rated_threat(world, "LOW@web", likelihood=1, impact=2)
    high = rated_threat(world, "HIGH@web", likelihood=5, impact=5)
    mid = rated_threat(world, "MID@web", likelihood=3, impact=3, status="accepted")
    gone = rated_threat(world, "GONE@web", likelihood=5, impact=5, status="obsolete")
    fix = mitigation(world, [high], status="verified", likelihood_reduction=3, evidence="test run")
    decision = acceptance(world, mid)
    response = world.client("viewer").get(f"/api/v1/threat-models/{world.model.pk}/risk-register/")
    assert response.status_code == 200
    rows = response.json()
    assert [r["id"] for r in rows] == [high.pk, mid.pk, low.pk, gone.pk]
    assert rows[0]["risk"]["verified"]["score"] == 10 and rows[0]["mitigations"] == [fix.pk]
    assert rows[1]["decision"] == {"id": decision.pk, "kind": "acceptance", "status": "active",
                                   "expires_on": str(decision.expires_on)}
    assert world.client("outsider").get(f"/api/v1/threat-models/{world.model.pk}/risk-register/").status_code == 404
