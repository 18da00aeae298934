"""GET /threats/{id}/assessment/ (the threat drawer) and /threats/{id}/history/."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from conftest import World
from stride.models import Threat
from threatmodel.tests.helpers import attack_catalogue, mitigation, rated_threat

pytestmark = pytest.mark.django_db


def assessment(world: World, threat: Threat, persona: str = "viewer") -> Any:
    return world.client(persona).get(f"/api/v1/threats/{threat.pk}/assessment/")


def test_it_gathers_rating_risk_mitigations_decisions_and_history(world: World, threat: Threat) -> None:
    attack_catalogue()
    editor = world.client("editor")
    editor.put(f"/api/v1/threats/{threat.pk}/rating/", {"likelihood": 4, "impact": 3, "rationale": "any pod reaches it"}, format="json")
    created = editor.post("/api/v1/mitigations/", {"threat_model": world.model.pk, "title": "Seccomp profile", "status": "planned",
                                                   "likelihood_reduction": 1, "attack_mitigations": ["M1048"], "threats": [threat.pk]},
                          format="json").json()
    editor.post("/api/v1/decisions/", {"threat": threat.pk, "kind": "acceptance", "justification": "ALARP", "owner": "owner",
                                       "expires_on": (timezone.localdate() + timedelta(days=60)).isoformat()}, format="json")
    body = assessment(world, threat).json()
    assert body["threat"]["id"] == threat.pk and body["threat"]["techniques"] == ["T1611"]
    assert body["rating"]["likelihood"] == 4 and body["rating"]["rated_by"] == "editor" and body["rating"]["owasp"] is None
    assert body["risk"]["inherent"]["score"] == 12 and body["risk"]["projected"]["score"] == 9
    assert [m["ref"] for m in body["mitigations"]] == [created["ref"]]
    assert body["active_decision"]["kind"] == "acceptance" and body["pending_decision"] is None
    assert [d["kind"] for d in body["decisions"]] == ["acceptance"]
    assert [e["action"] for e in body["history"]] == ["decision.create", "mitigation.link", "mitigation.create", "threat.rate"]
    suggested = {s["attack_id"]: s for s in body["suggested_attack_mitigations"]}
    assert set(suggested) == {"M1026", "M1038", "M1042", "M1048", "M1051"}  # what mitigates T1611 in ATT&CK v19.1
    assert suggested["M1048"]["used_by"] == [created["ref"]]
    assert body["links"]["rating"] == f"/api/v1/threats/{threat.pk}/rating/"
    assert body["risk_policy"]["version"] == 1


def test_the_history_pages_through_every_change(world: World, threat: Threat) -> None:
    editor = world.client("editor")
    for level in (1, 2, 3):
        editor.put(f"/api/v1/threats/{threat.pk}/rating/", {"likelihood": level, "impact": 3, "rationale": f"r{level}"}, format="json")
    page = world.client("viewer").get(f"/api/v1/threats/{threat.pk}/history/?page_size=2").json()
    assert page["count"] == 3 and [e["after"]["likelihood"] for e in page["results"]] == [3, 2]
    assert page["results"][0]["actor"] == "editor"


def test_the_history_of_a_threat_leaves_out_other_threats(world: World, threat: Threat) -> None:
    other = rated_threat(world, "OTHER@web")
    world.client("editor").put(f"/api/v1/threats/{other.pk}/rating/", {"likelihood": 1, "impact": 1, "rationale": "x"}, format="json")
    assert world.client("viewer").get(f"/api/v1/threats/{threat.pk}/history/").json()["count"] == 0


def test_an_outsider_gets_404(world: World, threat: Threat) -> None:
    assert assessment(world, threat, "outsider").status_code == 404
    assert world.client("outsider").get(f"/api/v1/threats/{threat.pk}/history/").status_code == 404


def test_the_query_count_does_not_grow_with_mitigations_and_decisions(world: World, threat: Threat) -> None:
    mitigation(world, [threat], ref="MIT-1")
    with CaptureQueriesContext(connection) as small:
        assessment(world, threat)
    for i in range(2, 15):
        mitigation(world, [threat], ref=f"MIT-{i}", owner=world.users["editor"])
    with CaptureQueriesContext(connection) as large:
        assert len(assessment(world, threat).json()["mitigations"]) == 14
    assert len(large.captured_queries) == len(small.captured_queries)
