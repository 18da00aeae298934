"""The workflow's list endpoints: a query count that does not grow with the rows, and filters by id
that reveal nothing about other teams' ids."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from conftest import World
from threatmodel.audit import audit_record
from threatmodel.models import BandChange, Decision, Mitigation, ThreatMitigation
from threatmodel.tests.helpers import attack_catalogue, rated_threat
from threatmodel.workflow.common import ensure_team_policy
from threatmodel.workflow.controls import controls_sync
from threatmodel.workflow.snapshots import freeze

pytestmark = pytest.mark.django_db


def grow(world: World, n: int, prefix: str) -> None:
    catalogue = attack_catalogue()
    policy = ensure_team_policy(world.team.pk)
    for i in range(n):
        threat = rated_threat(world, f"{prefix}{i}@web")
        mitigation = Mitigation.objects.create(threat_model=world.model, ref=f"{prefix}-{i}", title=f"M{i}", status="verified",
                                               owner=world.users["editor"], verified_by=world.users["reviewer"])
        mitigation.attack_mitigations.add(catalogue["M1048"], catalogue["M1026"])
        ThreatMitigation.objects.create(threat=threat, mitigation=mitigation)
        Decision.objects.create(threat_model=world.model, threat=threat, kind="acceptance", status="active", justification="x",
                                owner=world.users["owner"], expires_on=timezone.localdate() + timedelta(days=30),
                                created_by=world.users["editor"])
        BandChange.objects.create(threat_model=world.model, threat=threat, policy=policy, previous_version=1, before={}, after={},
                                  acknowledged_by=world.users["editor"], acknowledged_at=timezone.now())
        audit_record(team_id=world.team.pk, actor=world.users["editor"], action="x", obj=threat, threat_model_id=world.model.pk)
        freeze(actor=world.users["editor"], model=world.model, reason="manual")


@pytest.mark.parametrize(
    "url",
    ["/api/v1/mitigations/", "/api/v1/decisions/", "/api/v1/snapshots/", "/api/v1/audit-events/", "/api/v1/band-changes/",
     "/api/v1/risk-policies/", "/api/v1/controls/"],
)
def test_list_endpoints_do_not_issue_a_query_per_row(world: World, url: str) -> None:
    controls_sync()
    client = world.client("viewer")
    grow(world, 2, "a")
    with CaptureQueriesContext(connection) as small:
        assert client.get(url).status_code == 200
    grow(world, 12, "b")
    with CaptureQueriesContext(connection) as large:
        response = client.get(url)
    assert response.status_code == 200 and response.json()["count"] >= 1
    assert len(large.captured_queries) == len(small.captured_queries), [q["sql"][:100] for q in large.captured_queries]


@pytest.mark.parametrize(
    "query",
    ["mitigations/?threat_model={model}", "mitigations/?threats={threat}", "decisions/?threat={threat}",
     "snapshots/?threat_model={model}", "audit-events/?threat={threat}", "band-changes/?threat={threat}",
     "risk-policies/?team={team}"],
)
def test_an_outsider_cannot_tell_existing_ids_from_missing_ones(world: World, query: str) -> None:
    threat = rated_threat(world, "X@web")
    client = world.client("outsider")
    real = client.get("/api/v1/" + query.format(model=world.model.pk, threat=threat.pk, team=world.team.pk))
    missing = client.get("/api/v1/" + query.format(model=10**9, threat=10**9, team=10**9))
    assert (real.status_code, real.json()["count"]) == (missing.status_code, missing.json()["count"]) == (200, 0)
