"""The daily expiry job (``decisions_expire``) in-process: expire, reopen, notify exactly once."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.core import mail
from django.utils import timezone

from conftest import World
from stride.models import Threat
from threatmodel.models import AuditEvent, Decision
from threatmodel.tests.helpers import acceptance, rated_threat, set_stage
from threatmodel.workflow.decisions import decisions_expire

pytestmark = pytest.mark.django_db


def expired_acceptance(world: World, threat: Threat, **fields: Any) -> Decision:
    Threat.objects.filter(pk=threat.pk).update(status="accepted")
    return acceptance(world, threat, days=-1, **fields)


def test_an_expired_acceptance_reopens_its_threat_and_tells_the_owner_once(world: World, threat: Threat) -> None:
    decision = expired_acceptance(world, threat)
    result = decisions_expire()
    assert result.as_dict() == {"expired": [decision.pk], "notified": [decision.pk]}
    decision.refresh_from_db()
    threat.refresh_from_db()
    assert decision.status == "expired" and decision.notified_at is not None and threat.status == "open"
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["owner@example.com"]
    assert "expired" in message.subject and threat.title in message.body
    event = AuditEvent.objects.get(action="decision.expire")
    assert event.actor is None and event.threat_id == threat.pk and (event.after or {})["threat_status"] == "open"
    # A second run finds nothing to do and sends nothing.
    assert decisions_expire().as_dict() == {"expired": [], "notified": []}
    assert len(mail.outbox) == 1


def test_a_decision_is_valid_through_its_expiry_day(world: World, threat: Threat) -> None:
    acceptance(world, threat, days=0)
    assert decisions_expire().expired == []
    assert decisions_expire(today=timezone.localdate() + timedelta(days=1)).expired != []


def test_an_expired_exception_sends_an_approved_model_back_to_fix(world: World) -> None:
    severe = rated_threat(world, "SEVERE@web", likelihood=5, impact=4, status="accepted")
    Decision.objects.create(
        threat_model=world.model, threat=severe, kind="exception", status="active", justification="migration",
        owner=world.users["editor"], expires_on=timezone.localdate() - timedelta(days=2), compensating_controls="WAF",
        approved_by=world.users["owner"],
    )
    set_stage(world.model, "approved")
    decisions_expire()
    world.model.refresh_from_db()
    assert world.model.stage == "fix"
    reopen = AuditEvent.objects.get(action="threat_model.reopen")
    assert reopen.before == {"stage": "approved"} and "expired" in (reopen.after or {})["reason"]
    assert mail.outbox[0].to == ["editor@example.com"]


def test_revoked_and_transfer_decisions_are_left_alone(world: World, threat: Threat) -> None:
    acceptance(world, threat, days=-5, status="revoked")
    other = rated_threat(world, "T2@web", status="transferred")
    Decision.objects.create(threat_model=world.model, threat=other, kind="transfer", status="active", recipient="cloud",
                            evidence="SLA", expires_on=timezone.localdate() - timedelta(days=1))
    assert decisions_expire().as_dict() == {"expired": [], "notified": []}
    assert mail.outbox == []


def test_the_team_owners_are_told_when_the_risk_owner_has_no_address(world: World, threat: Threat) -> None:
    world.users["viewer"].email = ""
    world.users["viewer"].save()
    expired_acceptance(world, threat, owner=world.users["viewer"])
    decisions_expire()
    assert mail.outbox[0].to == ["owner@example.com"]


def test_a_failed_notice_is_retried_by_the_next_run_and_sent_once(world: World, threat: Threat, monkeypatch: pytest.MonkeyPatch) -> None:
    decision = expired_acceptance(world, threat)

    def refuse(self: Any, *args: Any, **kwargs: Any) -> int:
        raise ConnectionRefusedError("mail server down")

    with monkeypatch.context() as patch:
        patch.setattr(mail.EmailMessage, "send", refuse)
        first = decisions_expire()
    assert first.as_dict() == {"expired": [decision.pk], "notified": []}
    threat.refresh_from_db()
    assert threat.status == "open"  # the reopening does not wait for the mail server
    second = decisions_expire()
    assert second.as_dict() == {"expired": [], "notified": [decision.pk]}
    assert len(mail.outbox) == 1


def test_an_obsolete_threat_stays_obsolete(world: World, threat: Threat) -> None:
    acceptance(world, threat, days=-1)
    Threat.objects.filter(pk=threat.pk).update(status="obsolete")
    decisions_expire()
    threat.refresh_from_db()
    assert threat.status == "obsolete"
