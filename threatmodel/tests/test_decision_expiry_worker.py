"""The expiry job on a real Celery worker (Redis broker, this test's PostgreSQL database).

What crosses the process boundary is asserted where it lands: the decision and threat rows and
the audit record in the database, and the e-mail as a file written by the worker's file-based
mail backend (EMAIL_BACKEND=file, EMAIL_FILE_PATH) — the test process's own outbox would see nothing.
"""

from __future__ import annotations

from datetime import timedelta
from email import message_from_string
from pathlib import Path
from typing import Any

import pytest
from django.utils import timezone

from conftest import World
from stride.models import Threat
from threatmodel.celery import app as celery_app
from threatmodel.models import AuditEvent, Decision
from threatmodel.tasks import decisions_expire_task


@pytest.fixture
def worker_mail_dir(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, request: pytest.FixtureRequest) -> Path:
    """Start the worker with a file mail backend (the environment must be set before it starts)."""
    mail_dir = tmp_path / "mail"
    monkeypatch.setenv("EMAIL_BACKEND", "file")
    monkeypatch.setenv("EMAIL_FILE_PATH", str(mail_dir))
    request.getfixturevalue("celery_worker")
    return mail_dir


def test_the_beat_schedule_runs_the_job_daily() -> None:
    entry: Any = celery_app.conf.beat_schedule["decisions-expire"]
    assert entry["task"] == decisions_expire_task.name
    schedule = entry["schedule"]
    assert schedule.hour == {2} and schedule.minute == {30} and len(schedule.day_of_week) == 7


@pytest.mark.django_db(transaction=True)
def test_an_expired_acceptance_reopens_its_threat_and_sends_one_email(world: World, threat: Threat, worker_mail_dir: Path) -> None:
    Threat.objects.filter(pk=threat.pk).update(status="accepted")
    decision = Decision.objects.create(
        threat_model=world.model, threat=threat, kind="acceptance", status="active", justification="ALARP",
        owner=world.users["owner"], expires_on=timezone.localdate() - timedelta(days=1),
    )
    result = decisions_expire_task.delay().get(timeout=60)
    assert result == {"expired": [decision.pk], "notified": [decision.pk]}
    threat.refresh_from_db()
    decision.refresh_from_db()
    assert threat.status == "open" and decision.status == "expired" and decision.notified_at is not None
    assert AuditEvent.objects.filter(action="decision.expire", threat=threat, actor__isnull=True).count() == 1
    files = sorted(worker_mail_dir.iterdir())
    assert len(files) == 1
    message = message_from_string(files[0].read_text())
    assert message["To"] == "owner@example.com" and "expired" in message["Subject"]
    # Run again on the worker: nothing left to expire, no second e-mail.
    assert decisions_expire_task.delay().get(timeout=60) == {"expired": [], "notified": []}
    assert len(list(worker_mail_dir.iterdir())) == 1
