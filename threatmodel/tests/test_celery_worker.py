"""The Celery set-up itself: a real worker on Redis answers, and the app is configured from settings."""

from __future__ import annotations

import subprocess

import pytest

from threatmodel.celery import app


@pytest.mark.django_db(transaction=True)
def test_a_real_worker_starts_and_answers_on_redis(celery_worker: subprocess.Popen[bytes]) -> None:
    replies = app.control.ping(timeout=5)
    assert replies and all(reply for reply in replies)
    assert celery_worker.poll() is None


def test_tasks_are_eager_without_a_broker_and_queued_with_one(settings) -> None:
    from django.conf import settings as live

    assert (not live.CELERY_BROKER_URL) == live.CELERY_TASK_ALWAYS_EAGER
