"""Celery tasks of the core app: thin wrappers that call one service."""

from __future__ import annotations

from celery import shared_task

from threatmodel.workflow.decisions import decisions_expire


@shared_task(name="threatmodel.decisions_expire")
def decisions_expire_task() -> dict[str, list[int]]:
    """The daily job (CELERY_BEAT_SCHEDULE): expire lapsed acceptances and exceptions, notify owners."""
    return decisions_expire().as_dict()
