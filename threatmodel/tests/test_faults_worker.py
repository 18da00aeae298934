"""Faults with real processes (issue 12): a Celery worker process killed in the middle of a report.

The worker runs Celery's process pool with one child, as deployed; the test kills that child with
SIGKILL while it renders, as the kernel's out-of-memory killer or a lost node would. The report must
then be rendered by the retry, or, when the retry dies too, end failed with the reason — never stay
"running". A worker that dies whole (parent and child) leaves the report to the periodic reaper.
"""

from __future__ import annotations

import io
import os
import signal
import subprocess
import time
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.utils import timezone

from threatmodel.choices import ReportStatus
from threatmodel.models import Report, ThreatModel
from threatmodel.reporting import services as reporting
from threatmodel.tasks import reports_reap_task

# How long the test waits for each state; the bound the report is held to after its worker dies.
BOUND_SECONDS = 90


def _demo() -> tuple[ThreatModel, object]:
    call_command("load_controls", verbosity=0)
    call_command("seed_demo", stdout=io.StringIO())
    model = ThreatModel.objects.order_by("-id").first()
    assert model is not None
    return model, get_user_model().objects.get(username="demo")


def _child_of(worker: subprocess.Popen[bytes]) -> int:
    """The pid of the worker's one pool process (Linux: /proc/<pid>/task/<pid>/children)."""
    deadline = time.monotonic() + BOUND_SECONDS
    while time.monotonic() < deadline:
        children = Path(f"/proc/{worker.pid}/task/{worker.pid}/children").read_text().split()
        if children:
            return int(children[0])
        time.sleep(0.05)
    pytest.fail("the worker started no pool process")


def _wait(report: Report, *, until: tuple[str, ...], started_after: datetime | None = None) -> Report:
    deadline = time.monotonic() + BOUND_SECONDS
    while time.monotonic() < deadline:
        report.refresh_from_db()
        if report.status in until and (started_after is None or (report.started_at and report.started_at > started_after)):
            return report
        time.sleep(0.02)
    pytest.fail(f"report {report.pk} is {report.status} after {BOUND_SECONDS} s; expected {until}")


def _kill_while_rendering(worker: subprocess.Popen[bytes], report: Report, started_after: datetime | None = None) -> int:
    running = _wait(report, until=(ReportStatus.RUNNING,), started_after=started_after)
    child = _child_of(worker)
    os.kill(child, signal.SIGKILL)
    assert running.status == ReportStatus.RUNNING
    return child


@pytest.mark.django_db(transaction=True)
def test_a_worker_killed_mid_render_is_replaced_and_the_report_is_rendered(celery_prefork_worker: subprocess.Popen[bytes]) -> None:
    model, demo = _demo()
    report, created = reporting.report_request(actor=demo, threat_model=model)  # type: ignore[arg-type]
    assert created
    killed = _kill_while_rendering(celery_prefork_worker, report)
    report.refresh_from_db()
    killed_start = report.started_at
    assert report.status == ReportStatus.RUNNING  # the kill came before the render ended

    done = _wait(report, until=(ReportStatus.DONE, ReportStatus.FAILED))
    assert done.status == ReportStatus.DONE, done.reason
    assert done.started_at and killed_start and done.started_at > killed_start  # rendered by the retry, not the killed run
    assert done.pages is not None and done.pages > 1 and (done.size or 0) > 10_000
    assert _child_of(celery_prefork_worker) != killed  # Celery started a new pool process for the retry
    assert celery_prefork_worker.poll() is None


@pytest.mark.django_db(transaction=True)
def test_a_report_whose_retry_dies_too_ends_failed_with_the_reason(celery_prefork_worker: subprocess.Popen[bytes]) -> None:
    model, demo = _demo()
    report, _ = reporting.report_request(actor=demo, threat_model=model)  # type: ignore[arg-type]
    _kill_while_rendering(celery_prefork_worker, report)
    report.refresh_from_db()
    first_start = report.started_at
    _kill_while_rendering(celery_prefork_worker, report, started_after=first_start)

    failed = _wait(report, until=(ReportStatus.DONE, ReportStatus.FAILED))
    assert failed.status == ReportStatus.FAILED
    assert "worker" in failed.reason and "stopped" in failed.reason
    assert failed.finished_at is not None
    # Asked again, the model gets a new report: the failed one does not block it.
    again, created = reporting.report_request(actor=demo, threat_model=model)  # type: ignore[arg-type]
    assert created and again.pk != failed.pk


@pytest.mark.django_db
def test_the_reaper_fails_what_a_worker_that_died_whole_left_running(world) -> None:
    now = timezone.now()
    abandoned = Report.objects.create(threat_model=world.model, model_version=world.model.version, requested_by=world.users["owner"],
                                      status=ReportStatus.RUNNING, started_at=now - reporting.STALE_AFTER - timedelta(seconds=1))  # fmt: skip
    rendering = Report.objects.create(threat_model=world.model, model_version=world.model.version, requested_by=world.users["owner"],
                                      status=ReportStatus.RUNNING, started_at=now - timedelta(seconds=30), paper="letter")  # fmt: skip

    assert reports_reap_task() == [abandoned.pk]

    abandoned.refresh_from_db()
    rendering.refresh_from_db()
    assert abandoned.status == ReportStatus.FAILED and "stopped" in abandoned.reason
    assert rendering.status == ReportStatus.RUNNING  # still within any render's time limit: left alone
    # A render cannot outlive its hard time limit, so nothing alive is ever reaped.
    assert reporting.STALE_AFTER.total_seconds() > reporting.REPORT_TIME_LIMIT_SECONDS + 30
