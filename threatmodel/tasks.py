"""Celery tasks of the core app: thin wrappers that load by id (or run a job) and call one service."""

from __future__ import annotations

from celery import shared_task
from celery.exceptions import SoftTimeLimitExceeded

from threatmodel.reporting import services as reporting
from threatmodel.workflow.decisions import decisions_expire


@shared_task(name="threatmodel.decisions_expire")
def decisions_expire_task() -> dict[str, list[int]]:
    """The daily job (CELERY_BEAT_SCHEDULE): expire lapsed acceptances and exceptions, notify owners."""
    return decisions_expire().as_dict()


@shared_task(
    name="threatmodel.report_generate",
    acks_late=True,
    soft_time_limit=reporting.REPORT_TIME_LIMIT_SECONDS,
    time_limit=reporting.REPORT_TIME_LIMIT_SECONDS + 30,
)
def report_generate_task(report_id: int) -> None:
    try:
        reporting.report_generate(report_id=report_id)
    except SoftTimeLimitExceeded:
        reporting.report_fail(
            report_id=report_id, reason=f"The report took longer than {reporting.REPORT_TIME_LIMIT_SECONDS} s to render."
        )
