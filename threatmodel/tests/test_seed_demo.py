"""``seed_demo``: the demo arrives as a first workshop leaves it, once, through the workflow services."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command

from stride.models import Threat
from threatmodel.models import AuditEvent, Decision, Membership, Mitigation, ThreatModel
from threatmodel.workflow.selectors import heat_map, model_author_ids

pytestmark = pytest.mark.django_db


def seed(*args: str) -> ThreatModel:
    call_command("load_controls", verbosity=0)
    call_command("seed_demo", *args, stdout=io.StringIO())
    return ThreatModel.objects.get(team__slug="demo")


def test_the_demo_arrives_rated_with_mitigations_and_one_acceptance() -> None:
    model = seed()
    threats = Threat.objects.filter(threat_model=model)
    assert threats.count() >= 80 and not threats.filter(likelihood__isnull=True).exists()
    assert not threats.filter(rationale="").exists()
    assert Mitigation.objects.filter(threat_model=model).count() == 3
    assert set(Mitigation.objects.filter(threat_model=model).values_list("status", flat=True)) == {"planned", "verified"}
    verified = Mitigation.objects.get(threat_model=model, status="verified")
    assert verified.verified_by is not None and verified.verified_by.get_username() == "reviewer"
    decision = Decision.objects.get(threat_model=model)
    assert decision.kind == "acceptance" and decision.status == "active" and decision.threat.status == "accepted"
    assert set(threats.filter(status="mitigated").values_list("rule_id", flat=True)) == {"K8S-004", "K8S-014", "K8S-016", "K8S-021", "K8S-022", "K8S-029"}
    # Through the services: every step is in the audit trail.
    assert AuditEvent.objects.filter(threat_model=model, action="threat.rate").count() == threats.count()
    cells = heat_map(model)
    assert cells["unrated"] == [] and sum(c["counts"]["inherent"] for c in cells["cells"]) == threats.count()
    assert sum(c["counts"]["projected"] for c in cells["cells"] if c["band"] == "unacceptable") < sum(
        c["counts"]["inherent"] for c in cells["cells"] if c["band"] == "unacceptable"
    )
    assert sum(c["counts"]["verified"] for c in cells["cells"] if c["score"] <= 4) > 0
    assert model.scope and model.description and model.assumptions
    # The reviewer only verified: they are no author, and may sign the demo off once its gates are clear.
    assert model_author_ids(model) == {Membership.objects.get(team=model.team, user__username="demo").user_id}


def test_the_demo_seeds_without_the_controls_catalogue() -> None:
    call_command("seed_demo", stdout=io.StringIO())
    model = ThreatModel.objects.get(team__slug="demo")
    assert Mitigation.objects.filter(threat_model=model, control__isnull=True).count() == 3


def test_unrated_leaves_the_analysis_as_it_is_and_a_second_run_changes_nothing() -> None:
    model = seed("--unrated")
    assert not Threat.objects.filter(threat_model=model, likelihood__isnull=False).exists()
    assert not Mitigation.objects.exists() and not Decision.objects.exists()
    call_command("seed_demo", stdout=io.StringIO())
    assert ThreatModel.objects.filter(team__slug="demo").count() == 1 and not Mitigation.objects.exists()
