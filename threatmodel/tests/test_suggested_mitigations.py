"""GET /threats/{id}/suggested-mitigations/: ATT&CK mitigations from the threat's techniques,
through the `mitigates` relationships of the shipped ATT&CK v19.1 Containers catalogue."""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings

from conftest import World
from stride.models import Technique, Threat
from threatmodel.tests.helpers import attack_catalogue, mitigation

pytestmark = pytest.mark.django_db

SHARED_ATTACK = Path(settings.BASE_DIR).parent / "shared" / "data" / "attack"


def suggestions(world: World, threat: Threat) -> list[dict[str, Any]]:
    response = world.client("viewer").get(f"/api/v1/threats/{threat.pk}/suggested-mitigations/")
    assert response.status_code == 200
    rows: list[dict[str, Any]] = response.json()
    return rows


def test_it_suggests_what_mitigates_the_techniques_and_their_parents_most_covering_first(world: World, threat: Threat) -> None:
    catalogue = attack_catalogue()
    threat.techniques.add(catalogue["T1552.007"])  # with T1611 from the fixture; T1552 is the parent
    rows = suggestions(world, threat)
    assert [(r["attack_id"], r["techniques"]) for r in rows[:3]] == [
        ("M1026", ["T1552", "T1552.007", "T1611"]),
        ("M1035", ["T1552", "T1552.007"]),
        ("M1051", ["T1552", "T1611"]),
    ]
    assert len(rows) == 16 and all(len(r["techniques"]) == 1 for r in rows[3:])
    assert [r["attack_id"] for r in rows[3:]] == sorted(r["attack_id"] for r in rows[3:])
    escape = next(g for g in rows[0]["guidance"] if g["technique"] == "T1611")
    assert escape["text"].startswith("Ensure containers are not running as root")
    assert rows[0]["name"] == "Privileged Account Management" and rows[0]["url"].endswith("/M1026")


def test_it_says_which_of_the_models_mitigations_already_use_a_suggestion(world: World, threat: Threat) -> None:
    catalogue = attack_catalogue()
    used = mitigation(world, [], ref="MIT-4")
    used.attack_mitigations.add(catalogue["M1048"])
    rows = {r["attack_id"]: r for r in suggestions(world, threat)}
    assert rows["M1048"]["used_by"] == ["MIT-4"] and rows["M1026"]["used_by"] == []


def test_a_threat_without_techniques_gets_no_suggestions(world: World) -> None:
    bare = Threat.objects.create(threat_model=world.model, fingerprint="M@x", stride="S", title="manual")
    assert suggestions(world, bare) == []


def test_an_outsider_gets_404(world: World, threat: Threat) -> None:
    assert world.client("outsider").get(f"/api/v1/threats/{threat.pk}/suggested-mitigations/").status_code == 404


def test_suggestions_agree_with_the_research_view_of_the_bundle(world: World) -> None:
    table = SHARED_ATTACK / "containers-techniques.csv"
    if not table.exists():
        pytest.skip("../shared is absent: this test compares with its CSV view of the ATT&CK bundle")
    with table.open() as handle:
        per_technique = {row["id"]: set(row["mitigation_ids"].split(";")) for row in csv.DictReader(handle)}
    for attack_id, mitigations in sorted(per_technique.items()):
        threat = Threat.objects.create(threat_model=world.model, fingerprint=f"K@{attack_id}", stride="E", title=attack_id)
        technique = Technique.objects.get(attack_id=attack_id)
        threat.techniques.add(technique)
        expected = mitigations | (per_technique.get(technique.parent.attack_id, set()) if technique.parent else set())
        assert {r["attack_id"] for r in suggestions(world, threat)} == expected - {""}, attack_id
