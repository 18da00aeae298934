"""The native format's workflow part: risk policy, mitigations and decisions round-trip exactly;
bad workflow data is refused with its JSON path and nothing is imported."""

from __future__ import annotations

import copy
import json
from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from conftest import World
from stride.models import Threat
from threatmodel.models import Decision, Mitigation, RiskPolicy, ThreatModel
from threatmodel.native import native_export
from threatmodel.tests.helpers import acceptance, attack_catalogue, mitigation, rated_threat
from threatmodel.workflow.controls import controls_sync

pytestmark = pytest.mark.django_db


def import_doc(world: World, doc: dict[str, Any]) -> Any:
    return world.client("editor").post(
        f"/api/v1/threat-models/import/?team={world.team.pk}", data=json.dumps(doc).encode(), content_type="application/json"
    )


@pytest.fixture
def rich(world: World, threat: Threat) -> dict[str, Any]:
    """A model with every kind of workflow data, exported."""
    controls_sync()
    catalogue = attack_catalogue()
    severe = rated_threat(world, "SEVERE@db", element="db", stride="I", likelihood=5, impact=4, status="accepted")
    fixed = mitigation(world, [threat, severe], ref="MIT-1", status="verified", control=None, likelihood_reduction=2,
                       impact_reduction=1, owner=world.users["editor"], evidence_url="https://ci.example.com/1", evidence="scan",
                       implemented_by=world.users["editor"], verified_by=world.users["reviewer"], description="seccomp + non-root")
    fixed.attack_mitigations.set([catalogue["M1048"], catalogue["M1026"]])
    from threatmodel.models import Control

    Mitigation.objects.filter(pk=fixed.pk).update(control=Control.objects.get(control_id="RTC-11"))
    mitigation(world, [], ref="MIT-2", status="proposed", title="Unlinked idea")
    acceptance(world, threat, days=-3, status="expired", band="tolerable", score=12, policy_version=1, created_by=world.users["editor"])
    Decision.objects.create(
        threat_model=world.model, threat=severe, kind="exception", status="active", justification="migration in Q1",
        owner=world.users["owner"], expires_on=timezone.localdate() + timedelta(days=40), compensating_controls="WAF",
        approved_by=world.users["owner"], band="unacceptable", score=20, policy_version=1, created_by=world.users["editor"],
    )
    return native_export(world.model)


def test_mitigations_decisions_and_policy_round_trip_exactly(world: World, rich: dict[str, Any]) -> None:
    assert rich["risk_policy"] == {"version": 1, "unacceptable_at": 15, "acceptable_max": 4, "impact_floor": 4,
                                   "acceptance_max_days": 365, "exception_max_days": 90}
    assert [m["ref"] for m in rich["mitigations"]] == ["MIT-1", "MIT-2"]
    first = rich["mitigations"][0]
    assert first["control"] == "RTC-11" and first["attack_mitigations"] == ["M1026", "M1048"]
    assert first["threats"] == ["SEVERE@db", "TEST-1@web"] and first["verified_by"] == "reviewer"
    assert [(d["threat"], d["kind"], d["status"]) for d in rich["decisions"]] == [
        ("SEVERE@db", "exception", "active"),
        ("TEST-1@web", "acceptance", "expired"),
    ]
    response = import_doc(world, rich)
    assert response.status_code == 201, response.json()
    assert response.json()["warnings"] == []
    copy_of = ThreatModel.objects.get(pk=response.json()["threat_model"]["id"])
    assert native_export(copy_of) == rich


def test_the_existing_round_trip_still_holds_for_a_model_without_workflow_data(world: World, threat: Threat) -> None:
    exported = native_export(world.model)
    assert exported["mitigations"] == [] and exported["decisions"] == []
    response = import_doc(world, exported)
    assert native_export(ThreatModel.objects.get(pk=response.json()["threat_model"]["id"])) == exported


def test_a_file_rated_under_other_thresholds_imports_with_a_warning(world: World, rich: dict[str, Any]) -> None:
    doc = copy.deepcopy(rich)
    doc["risk_policy"]["unacceptable_at"] = 12
    response = import_doc(world, doc)
    assert response.status_code == 201
    assert any("unacceptable_at 12 (yours: 15)" in w for w in response.json()["warnings"])


def test_people_outside_the_team_are_dropped_with_a_warning(world: World, rich: dict[str, Any]) -> None:
    doc = copy.deepcopy(rich)
    doc["mitigations"][0]["verified_by"] = "stranger"
    response = import_doc(world, doc)
    assert response.status_code == 201
    assert "mitigations[0].verified_by: 'stranger' is not a member of this team; dropped" in response.json()["warnings"]


def _set(path: list[Any], value: Any) -> Any:
    def mutate(doc: dict[str, Any]) -> None:
        target = doc
        for part in path[:-1]:
            target = target[part]
        target[path[-1]] = value

    return mutate


@pytest.mark.parametrize(
    ("mutate", "path"),
    [
        (_set(["mitigations", 0, "control"], "NOPE-1"), "mitigations[0].control"),
        (_set(["mitigations", 0, "attack_mitigations"], ["M9999"]), "mitigations[0].attack_mitigations[0]"),
        (_set(["mitigations", 0, "threats"], ["missing@x"]), "mitigations[0].threats[0]"),
        (_set(["mitigations", 0, "status"], "done"), "mitigations[0].status"),
        (_set(["mitigations", 0, "likelihood_reduction"], 4), "mitigations[0].likelihood_reduction"),
        (_set(["mitigations", 1, "ref"], "MIT-1"), "mitigations[1].ref"),
        (_set(["mitigations", 0, "title"], ""), "mitigations[0].title"),
        (_set(["decisions", 0, "threat"], "missing@x"), "decisions[0].threat"),
        (_set(["decisions", 0, "kind"], "shrug"), "decisions[0].kind"),
        (_set(["decisions", 0, "expires_on"], "soon"), "decisions[0].expires_on"),
        (_set(["decisions", 0, "score"], 40), "decisions[0].score"),
        (_set(["decisions", 1, "threat"], "SEVERE@db"), "decisions[1]"),  # a second active decision for one threat
        (_set(["risk_policy", "exception_max_days"], 200), "risk_policy.exception_max_days"),
        (_set(["risk_policy", "unacceptable_at"], "high"), "risk_policy.unacceptable_at"),
        (_set(["mitigations"], {"not": "a list"}), "mitigations"),
    ],
)
def test_bad_workflow_data_is_refused_with_its_path_and_nothing_is_imported(
    world: World, rich: dict[str, Any], mutate: Any, path: str
) -> None:
    doc = copy.deepcopy(rich)
    if path == "decisions[1]":
        doc["decisions"][1]["status"] = "active"
    mutate(doc)
    before = (ThreatModel.objects.count(), Mitigation.objects.count(), Decision.objects.count(), Threat.objects.count())
    response = import_doc(world, doc)
    assert response.status_code == 400, response.json()
    assert path in [d["path"] for d in response.json()["error"]["details"]], response.json()
    assert (ThreatModel.objects.count(), Mitigation.objects.count(), Decision.objects.count(), Threat.objects.count()) == before


def test_an_import_follows_the_team_policy(world: World, rich: dict[str, Any]) -> None:
    RiskPolicy.objects.create(team=world.team, version=1)
    RiskPolicy.objects.create(team=world.team, version=2, unacceptable_at=16)
    response = import_doc(world, rich)
    copy_of = ThreatModel.objects.get(pk=response.json()["threat_model"]["id"])
    assert native_export(copy_of)["risk_policy"]["version"] == 2
