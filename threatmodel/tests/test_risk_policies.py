"""Risk policies (``risk_policy_change``, /risk-policies/) and the band changes they flag (/band-changes/)."""

from __future__ import annotations

from typing import Any

import pytest

from conftest import World
from stride.models import Threat
from threatmodel.models import AuditEvent, BandChange, RiskPolicy, ThreatModel
from threatmodel.tests.helpers import acceptance, rated_threat, set_stage

pytestmark = pytest.mark.django_db


def change(world: World, persona: str = "owner", **body: Any) -> Any:
    return world.client(persona).post("/api/v1/risk-policies/", {"team": world.team.pk, **body}, format="json")


def test_an_owner_lowers_the_unacceptable_threshold_and_the_moved_bands_are_flagged(world: World, threat: Threat) -> None:
    calm = rated_threat(world, "CALM@web", likelihood=2, impact=2)
    approved = ThreatModel.objects.create(team=world.team, name="Signed off", stage="approved")
    response = change(world, unacceptable_at=12, note="Cloud migration: stricter")
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["policy"]["version"] == 2 and body["previous_version"] == 1 and body["policy"]["unacceptable_at"] == 12
    assert body["models"] == [world.model.pk]  # approved models keep the version they were signed off under
    assert [(c["threat"], c["before"]["inherent"], c["after"]["inherent"]) for c in body["band_changes"]] == [
        (threat.pk, "tolerable", "unacceptable")
    ]
    world.model.refresh_from_db()
    approved.refresh_from_db()
    assert world.model.risk_policy is not None and world.model.risk_policy.version == 2 and approved.risk_policy is None
    assert not BandChange.objects.filter(threat=calm).exists()
    event = AuditEvent.objects.get(action="risk_policy.change")
    assert (event.before or {})["unacceptable_at"] == 15 and (event.after or {})["unacceptable_at"] == 12 and event.actor == world.users["owner"]


def test_thresholds_left_out_keep_their_value(world: World) -> None:
    change(world, acceptable_max=3)
    second = change(world, impact_floor=5).json()["policy"]
    assert (second["version"], second["acceptable_max"], second["impact_floor"], second["unacceptable_at"]) == (3, 3, 5, 15)


@pytest.mark.parametrize("persona", ["editor", "reviewer", "viewer"])
def test_only_an_owner_changes_the_policy(world: World, persona: str) -> None:
    assert change(world, persona, unacceptable_at=12).status_code == 403
    assert not RiskPolicy.objects.exists()


def test_an_outsider_cannot_find_the_team(world: World) -> None:
    assert change(world, "outsider", unacceptable_at=12).status_code == 404


@pytest.mark.parametrize(
    ("body", "path"),
    [
        ({"acceptable_max": 15}, "acceptable_max"),
        ({"unacceptable_at": 30}, "unacceptable_at"),
        ({"exception_max_days": 120}, "exception_max_days"),
        ({"impact_floor": 0}, "impact_floor"),
        ({"unacceptable_at": 15}, ""),  # nothing changes
    ],
)
def test_an_unusable_policy_is_refused_and_changes_nothing(world: World, threat: Threat, body: dict[str, Any], path: str) -> None:
    response = change(world, **body)
    assert response.status_code == 400, response.json()
    assert path in [d["path"] for d in response.json()["error"]["details"]]
    assert RiskPolicy.objects.filter(version__gt=1).count() == 0 and not BandChange.objects.exists()


def test_an_acceptance_whose_risk_becomes_unacceptable_blocks_the_fix_gate(world: World, threat: Threat) -> None:
    Threat.objects.filter(pk=threat.pk).update(status="accepted", rationale="internal")
    acceptance(world, threat)
    set_stage(world.model, "fix")
    gates = world.client("viewer").get(f"/api/v1/threat-models/{world.model.pk}/gates/").json()
    assert "acceptance_of_unacceptable_risk" not in gates["counts"]
    change(world, unacceptable_at=12)
    gates = world.client("viewer").get(f"/api/v1/threat-models/{world.model.pk}/gates/").json()
    assert gates["counts"]["acceptance_of_unacceptable_risk"] == 1
    assert [w["code"] for w in gates["warnings"]] == ["band_changes"]


def test_band_changes_are_listed_and_acknowledged(world: World, threat: Threat) -> None:
    change(world, unacceptable_at=12)
    flag = BandChange.objects.get()
    listed = world.client("viewer").get(f"/api/v1/band-changes/?threat_model={world.model.pk}&acknowledged=false").json()
    assert [row["id"] for row in listed["results"]] == [flag.pk] and listed["results"][0]["policy_version"] == 2
    assert world.client("viewer").post(f"/api/v1/band-changes/{flag.pk}/acknowledge/").status_code == 403
    done = world.client("editor").post(f"/api/v1/band-changes/{flag.pk}/acknowledge/")
    assert done.status_code == 200 and done.json()["acknowledged_by"] == "editor"
    assert world.client("editor").post(f"/api/v1/band-changes/{flag.pk}/acknowledge/").status_code == 409
    assert world.client("viewer").get("/api/v1/band-changes/?acknowledged=false").json()["count"] == 0
    assert world.client("viewer").get("/api/v1/band-changes/?acknowledged=true").json()["count"] == 1
    assert world.client("outsider").get(f"/api/v1/band-changes/{flag.pk}/").status_code == 404


def test_policy_versions_are_listed_per_team(world: World) -> None:
    change(world, unacceptable_at=12)
    rows = world.client("viewer").get(f"/api/v1/risk-policies/?team={world.team.pk}").json()["results"]
    assert [row["version"] for row in rows] == [2, 1]
    assert world.client("outsider").get("/api/v1/risk-policies/").json()["count"] == 0
