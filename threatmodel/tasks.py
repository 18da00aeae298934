"""Celery tasks of the core app: thin wrappers that load by id and call one service."""

from __future__ import annotations

from celery.exceptions import SoftTimeLimitExceeded

from threatmodel.celery import app
from threatmodel.reporting import services


@app.task(
    name="threatmodel.report_generate",
    acks_late=True,
    soft_time_limit=services.REPORT_TIME_LIMIT_SECONDS,
    time_limit=services.REPORT_TIME_LIMIT_SECONDS + 30,
)
def report_generate_task(report_id: int) -> None:
    try:
        services.report_generate(report_id=report_id)
    except SoftTimeLimitExceeded:
        services.report_fail(
            report_id=report_id, reason=f"The report took longer than {services.REPORT_TIME_LIMIT_SECONDS} s to render."
        )
