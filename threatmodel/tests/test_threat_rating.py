"""Rating a threat's inherent risk (``threat_rate``, PUT /threats/{id}/rating/)."""

from __future__ import annotations

from typing import Any

import pytest

from conftest import World
from stride.models import Threat
from threatmodel.models import AuditEvent, ThreatRating
from threatmodel.tests.helpers import set_stage
from threatmodel.tests.test_risk import IMPACT, LIKELIHOOD

pytestmark = pytest.mark.django_db


def rate(world: World, threat: Threat, persona: str = "editor", **body: Any) -> Any:
    return world.client(persona).put(f"/api/v1/threats/{threat.pk}/rating/", body, format="json")


def test_an_editor_rates_a_threat_and_gets_its_three_numbers(world: World, threat: Threat) -> None:
    response = rate(world, threat, likelihood=5, impact=4, rationale="Reachable from the internet without auth")
    assert response.status_code == 200, response.json()
    body = response.json()
    assert body["risk"]["inherent"] == {"likelihood": 5, "impact": 4, "score": 20, "level": "Critical", "band": "unacceptable"}
    assert body["risk"]["verified"] == body["risk"]["inherent"]  # nothing verified yet
    threat.refresh_from_db()
    assert (threat.likelihood, threat.impact, threat.rationale) == (5, 4, "Reachable from the internet without auth")
    world.model.refresh_from_db()
    assert world.model.risk_policy is not None and world.model.risk_policy.version == 1


def test_the_rating_is_in_the_audit_trail_with_before_and_after(world: World, threat: Threat) -> None:
    rate(world, threat, likelihood=2, impact=2, rationale="internal only")
    event = AuditEvent.objects.get(action="threat.rate")
    assert event.actor == world.users["editor"] and event.threat_id == threat.pk and event.threat_model_id == world.model.pk
    assert event.before == {"likelihood": 3, "impact": 4, "score": 12, "rationale": ""}
    assert event.after == {"likelihood": 2, "impact": 2, "score": 4, "rationale": "internal only"}


@pytest.mark.parametrize("persona", ["viewer", "reviewer"])
def test_a_viewer_or_reviewer_cannot_rate(world: World, threat: Threat, persona: str) -> None:
    response = rate(world, threat, persona, likelihood=1, impact=1, rationale="x")
    assert response.status_code == 403
    threat.refresh_from_db()
    assert (threat.likelihood, threat.impact) == (3, 4) and not AuditEvent.objects.exists()


def test_an_outsider_cannot_find_the_threat(world: World, threat: Threat) -> None:
    assert rate(world, threat, "outsider", likelihood=1, impact=1, rationale="x").status_code == 404


@pytest.mark.parametrize(
    ("body", "path"),
    [
        ({"likelihood": 6, "impact": 3, "rationale": "x"}, "likelihood"),
        ({"likelihood": 0, "impact": 3, "rationale": "x"}, "likelihood"),
        ({"likelihood": 3, "impact": True, "rationale": "x"}, "impact"),
        ({"likelihood": 3, "rationale": "x"}, "impact"),
        ({"likelihood": 3, "impact": 3, "rationale": "  "}, "rationale"),
        ({"likelihood": 3, "impact": 3}, "rationale"),
        ({"impact": 3, "rationale": "x", "owasp": {"likelihood": {"motive": 3}}}, "owasp.likelihood.skill_level"),
    ],
)
def test_a_bad_rating_names_the_field_and_changes_nothing(world: World, threat: Threat, body: dict[str, Any], path: str) -> None:
    response = rate(world, threat, **body)
    assert response.status_code == 400, response.json()
    assert path in [d["path"] for d in response.json()["error"]["details"]]
    threat.refresh_from_db()
    assert (threat.likelihood, threat.impact, threat.rationale) == (3, 4, "")


def test_the_owasp_factors_propose_the_levels_left_out_and_are_kept(world: World, threat: Threat) -> None:
    response = rate(world, threat, rationale="workshop estimate", owasp={"likelihood": LIKELIHOOD, "impact": IMPACT})
    assert response.status_code == 200, response.json()
    assert (response.json()["likelihood"], response.json()["impact"]) == (4, 2)
    record = ThreatRating.objects.get(threat=threat)
    assert record.owasp == {"likelihood": LIKELIHOOD, "impact": IMPACT} and record.rated_by == world.users["editor"]
    assert (AuditEvent.objects.get(action="threat.rate").after or {})["owasp"]["proposal"]["likelihood_mean"] == 6.75


def test_a_level_given_outright_wins_over_the_owasp_proposal(world: World, threat: Threat) -> None:
    response = rate(world, threat, likelihood=1, rationale="the team knows better", owasp={"likelihood": LIKELIHOOD, "impact": IMPACT})
    assert (response.json()["likelihood"], response.json()["impact"]) == (1, 2)


def test_an_obsolete_threat_cannot_be_rated(world: World, threat: Threat) -> None:
    Threat.objects.filter(pk=threat.pk).update(status="obsolete")
    response = rate(world, threat, likelihood=1, impact=1, rationale="x")
    assert response.status_code == 409


def test_an_approved_model_cannot_be_rated_until_reopened(world: World, threat: Threat) -> None:
    set_stage(world.model, "approved")
    response = rate(world, threat, likelihood=1, impact=1, rationale="x")
    assert response.status_code == 409 and response.json()["error"]["code"] == "conflict"


def test_the_owasp_helper_endpoint_proposes_levels_without_a_threat(world: World) -> None:
    response = world.client("viewer").post("/api/v1/risk/owasp-rating/", {"likelihood": LIKELIHOOD}, format="json")
    assert response.status_code == 200
    assert response.json() == {"likelihood_mean": 6.75, "impact_mean": None, "likelihood": 4, "impact": None}
    bad = world.client("viewer").post("/api/v1/risk/owasp-rating/", {"impact": {"karma": 1}}, format="json")
    assert bad.status_code == 400 and "impact.karma" in [d["path"] for d in bad.json()["error"]["details"]]


def test_the_scales_endpoint_names_levels_bands_and_factors(world: World) -> None:
    body = world.client("viewer").get("/api/v1/risk/scales/").json()
    assert body["levels"]["3"] == "Moderate" and body["caps"] == {"likelihood_reduction": 3, "impact_reduction": 2}
    assert len(body["owasp_factors"]["likelihood"]) == len(body["owasp_factors"]["impact"]) == 8


def test_a_hostile_owasp_body_gets_a_bounded_answer_and_changes_nothing(world: World, threat: Threat) -> None:
    junk = {"likelihood": {f"factor{i}": i for i in range(5_000)}}
    response = rate(world, threat, rationale="x", impact=2, owasp=junk)
    assert response.status_code == 400 and len(response.json()["error"]["details"]) <= 60  # not 5,000
    threat.refresh_from_db()
    assert threat.impact == 4 and not ThreatRating.objects.exists()
