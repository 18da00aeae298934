"""GET /threats/{id}/suggested-mitigations/: ATT&CK mitigations from the threat's techniques."""

from __future__ import annotations

import csv
import json
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings

from conftest import World
from stride.models import AttackMitigation, Mitigates, Technique, Threat
from threatmodel.tests.helpers import attack_catalogue, mitigation

pytestmark = pytest.mark.django_db

ATTACK = Path(settings.BASE_DIR).parent / "shared" / "data" / "attack"


def suggestions(world: World, threat: Threat) -> list[dict[str, Any]]:
    response = world.client("viewer").get(f"/api/v1/threats/{threat.pk}/suggested-mitigations/")
    assert response.status_code == 200
    rows: list[dict[str, Any]] = response.json()
    return rows


def test_it_suggests_what_mitigates_the_techniques_and_their_parents(world: World, threat: Threat) -> None:
    catalogue = attack_catalogue()
    threat.techniques.add(catalogue["T1552.007"])
    rows = suggestions(world, threat)
    assert [(r["attack_id"], r["techniques"]) for r in rows] == [
        ("M1026", ["T1552.007", "T1611"]),  # covers two of the threat's techniques: first
        ("M1035", ["T1552"]),  # through the parent technique
        ("M1048", ["T1611"]),
    ]
    assert rows[0]["guidance"] == [{"technique": "T1611", "text": "Avoid privileged containers."}]


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


def load_bundle(path: Path) -> None:
    """Just enough of the real STIX bundle for suggestions: techniques, mitigations, `mitigates`."""
    objects = json.loads(path.read_text())["objects"]

    def attack_id(obj: dict[str, Any]) -> str:
        return str(next(ref["external_id"] for ref in obj["external_references"] if ref.get("source_name") == "mitre-attack"))

    techniques = {
        o["id"]: Technique.objects.create(attack_id=attack_id(o), stix_id=o["id"], name=o["name"])
        for o in objects
        if o["type"] == "attack-pattern" and not o.get("revoked")
    }
    for technique in techniques.values():
        if "." in technique.attack_id:
            technique.parent = Technique.objects.filter(attack_id=technique.attack_id.split(".")[0]).first()
            technique.save()
    mitigations = {
        o["id"]: AttackMitigation.objects.create(attack_id=attack_id(o), stix_id=o["id"], name=o["name"])
        for o in objects
        if o["type"] == "course-of-action"
    }
    for o in objects:
        if o["type"] == "relationship" and o["relationship_type"] == "mitigates" and o["target_ref"] in techniques:
            Mitigates.objects.create(mitigation=mitigations[o["source_ref"]], technique=techniques[o["target_ref"]], stix_id=o["id"])


def test_suggestions_from_the_real_attack_containers_bundle(world: World) -> None:
    bundle = ATTACK / "enterprise-attack-containers.json"
    if not bundle.exists():
        pytest.skip("../shared is absent: this test reads the real ATT&CK bundle")
    load_bundle(bundle)
    threat = Threat.objects.create(threat_model=world.model, fingerprint="K@web", stride="E", title="Escape and steal tokens")
    threat.techniques.set(Technique.objects.filter(attack_id__in=["T1611", "T1552.007"]))
    with (ATTACK / "containers-techniques.csv").open() as handle:
        per_technique = {row["id"]: set(row["mitigation_ids"].split(";")) for row in csv.DictReader(handle)}
    expected = per_technique["T1611"] | per_technique["T1552.007"] | per_technique["T1552"]
    rows = suggestions(world, threat)
    assert {r["attack_id"] for r in rows} == expected
    assert rows[0]["attack_id"] == "M1026"  # it mitigates all three: the escape, the container API and its parent
