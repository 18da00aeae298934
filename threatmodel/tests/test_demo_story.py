"""The demo model from design to approved through the API alone, with the real threat engine and
two people: the author (an editor) does the work, a reviewer verifies and signs off.

This is the API half of the workshop story; the browser half (Playwright) waits for the editor UI.
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.utils import timezone
from rest_framework.test import APIClient

from conftest import World
from threatmodel.models import Snapshot

pytestmark = pytest.mark.django_db

DEMO = Path(settings.BASE_DIR) / "fixtures" / "demo" / "online-shop.json"


def ok(response: Any, status: int = 200) -> Any:
    assert response.status_code == status, (response.status_code, response.content[:800])
    return response.json()


def gates(client: APIClient, model_id: int) -> dict[str, Any]:
    body: dict[str, Any] = ok(client.get(f"/api/v1/threat-models/{model_id}/gates/"))
    return body


def test_the_demo_model_goes_from_design_to_approved(world: World) -> None:
    author, reviewer = world.client("editor"), world.client("reviewer")
    created = ok(author.post(f"/api/v1/threat-models/import/?team={world.team.pk}", data=DEMO.read_bytes(),
                             content_type="application/json"), 201)
    model_id = created["threat_model"]["id"]

    # Design: the shipped demo has its boundaries and every required property answered.
    design = gates(author, model_id)
    assert (design["stage"], design["blocking"], design["can_advance"]) == ("design", [], True)
    ok(author.post(f"/api/v1/threat-models/{model_id}/advance/", {"to": "break"}, format="json"))

    # Break: analyse (an import is not analysed by itself), then triage and rate what the engine found.
    if gates(author, model_id)["counts"].get("analysis_not_current"):
        assert ok(author.post(f"/api/v1/threat-models/{model_id}/analyse/"))["new"] > 0
    assert "analysis_not_current" not in gates(author, model_id)["counts"]
    threats = ok(author.get(f"/api/v1/threats/?threat_model={model_id}&page_size=500"))["results"]
    assert len(threats) > 20
    blocking = gates(author, model_id)["counts"]
    assert blocking["threat_not_triaged"] == len(threats) and blocking["threat_not_rated"] == len(threats)
    for threat in threats:
        ok(author.patch(f"/api/v1/threats/{threat['id']}/", {"triaged": True}, format="json"))
        ok(author.put(f"/api/v1/threats/{threat['id']}/rating/",
                      {"likelihood": threat["suggested_likelihood"] or 3, "impact": threat["suggested_impact"] or 3,
                       "rationale": "Workshop of 26 Nov: the rule's levels hold for this shop"}, format="json"))
    assert gates(author, model_id)["blocking"] == []
    ok(author.post(f"/api/v1/threat-models/{model_id}/advance/", {"to": "fix"}, format="json"))

    # Fix: one hardening mitigation answers every unacceptable threat; the rest are accepted.
    register = ok(author.get(f"/api/v1/threat-models/{model_id}/risk-register/"))
    severe = [row["id"] for row in register if row["risk"]["inherent"]["band"] == "unacceptable"]
    assert severe, "the demo should hold at least one unacceptable threat"
    hardening = ok(author.post("/api/v1/mitigations/", {
        "threat_model": model_id, "title": "Baseline workload hardening (restricted Pod Security, network policies, mTLS)",
        "control": None, "likelihood_reduction": 3, "impact_reduction": 2, "status": "planned", "threats": severe,
    }, format="json"), 201)
    expiry = (timezone.localdate() + timedelta(days=180)).isoformat()
    for row in register:
        if row["id"] in severe:
            ok(author.post(f"/api/v1/threats/{row['id']}/status/", {"status": "mitigated"}, format="json"))
        else:
            ok(author.post("/api/v1/decisions/", {"threat": row["id"], "kind": "acceptance", "owner": "owner", "expires_on": expiry,
                                                  "justification": "ALARP: tolerable for the pilot launch"}, format="json"), 201)
    assert gates(author, model_id)["blocking"] == []
    ok(author.post(f"/api/v1/threat-models/{model_id}/advance/", {"to": "verify"}, format="json"))

    # Verify: the author implements, the reviewer verifies with evidence and signs off.
    ok(author.post(f"/api/v1/mitigations/{hardening['id']}/status/", {"status": "implemented"}, format="json"))
    assert gates(reviewer, model_id)["counts"]["mitigation_not_verified"] == len(severe)
    ok(reviewer.post(f"/api/v1/mitigations/{hardening['id']}/verify/",
                     {"evidence_url": "https://git.example.com/shop/infra/pull/42"}, format="json"))
    assert author.post(f"/api/v1/threat-models/{model_id}/advance/", {"to": "approved"}, format="json").status_code == 403
    verify = gates(reviewer, model_id)
    assert verify["blocking"] == [] and verify["can_advance"] is True
    approved = ok(reviewer.post(f"/api/v1/threat-models/{model_id}/advance/", {"to": "approved"}, format="json"))
    assert approved["stage"] == "approved" and approved["snapshot"]["reason"] == "approval"

    snapshot = Snapshot.objects.get(threat_model_id=model_id)
    assert len(snapshot.content["threats"]) == len(threats)
    assert len(snapshot.content["decisions"]) == len(threats) - len(severe)
    assert snapshot.content["mitigations"][0]["verified_by"] == "reviewer"
    heat = ok(reviewer.get(f"/api/v1/threat-models/{model_id}/heat-map/"))
    assert heat["band_totals"]["verified"]["unacceptable"] == 0 and heat["band_totals"]["inherent"]["unacceptable"] == len(severe)
    diff = ok(reviewer.get(f"/api/v1/snapshots/{snapshot.pk}/diff/"))
    assert diff["changes"]["identical"] is True
