"""Faults with real processes (issue 12): Redis unreachable while the web serves.

Redis carries the cache (sign-in counts, the room's lock), the Celery broker and the live rooms'
channel layer. Here all three point at a port where nothing listens, as when Redis is down: the web
must keep serving reads and edits, keep counting failed sign-ins, and say what waits (a report, a
queued analysis) instead of answering 500 after it committed. When Redis is back, asking again
sends what waited.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import redis
from channels.layers import channel_layers
from django.core.cache import cache
from kombu import pools
from rest_framework.test import APIClient

from conftest import PASSWORD, World
from threatmodel.celery import app
from threatmodel.choices import AnalysisStatus, ReportStatus
from threatmodel.models import Report, ThreatModel
from threatmodel.queueing import WAITING_FOR_QUEUE

DOWN = "redis://127.0.0.1:9/0"  # the discard port: nothing answers there


@pytest.fixture
def redis_down(settings: Any) -> Iterator[None]:
    settings.CACHES = {"default": {"BACKEND": "common.cache.ResilientRedisCache", "LOCATION": DOWN}}
    settings.CHANNEL_LAYERS = {"default": {"BACKEND": "channels_redis.core.RedisChannelLayer", "CONFIG": {"hosts": [DOWN]}}}
    settings.CELERY_TASK_ALWAYS_EAGER = False
    was = (app.conf.task_always_eager, str(app.conf.broker_url))
    app.conf.task_always_eager = False
    _broker(DOWN)
    channel_layers.backends.clear()
    try:
        yield
    finally:
        app.conf.task_always_eager = was[0]
        _broker(was[1])
        channel_layers.backends.clear()


def _broker(url: str) -> None:
    """Point the app's producers at ``url``: close the pooled connections and let Celery make new ones."""
    app.conf.update(broker_url=url)
    pools.reset()  # kombu's pools are global, keyed by connection
    app._after_fork()  # type: ignore[attr-defined]  # what Celery does in a forked process: forget its pools, so the next send connects afresh


def _signed_in(username: str) -> APIClient:
    client = APIClient()
    response = client.post("/api/v1/auth/login/", {"username": username, "password": PASSWORD}, format="json")
    assert response.status_code == 200, response.content
    return client


@pytest.mark.django_db(transaction=True)
def test_sign_in_works_and_failures_are_still_counted(world: World, redis_down: None) -> None:
    with pytest.raises(redis.exceptions.ConnectionError):
        redis.Redis.from_url(DOWN, socket_connect_timeout=1).ping()  # Redis really is unreachable
    _signed_in("owner")
    for _ in range(5):
        assert APIClient().post("/api/v1/auth/login/", {"username": "editor", "password": "wrong"}, format="json").status_code == 400
    locked = APIClient().post("/api/v1/auth/login/", {"username": "editor", "password": PASSWORD}, format="json")
    assert locked.status_code == 429  # counted in the process's memory while Redis is away: never open
    assert cache.get("no-such-key", "fallback") == "fallback"


@pytest.mark.django_db(transaction=True)
def test_reads_and_edits_are_served_and_saved(world: World, redis_down: None) -> None:
    owner = _signed_in("owner")
    assert owner.get(f"/api/v1/threat-models/{world.model.pk}/").status_code == 200
    ops = [{"op": "update_element", "key": "web", "name": "Web front"}]
    response = owner.post(f"/api/v1/diagrams/{world.diagram.pk}/ops/", {"base_version": world.diagram.version, "ops": ops}, format="json")
    assert response.status_code == 200, response.content  # the live room could not be told; the edit stands
    assert world.diagram.elements.get(key="web").name == "Web front"


@pytest.mark.django_db(transaction=True)
def test_a_report_says_it_waits_for_the_queue_and_is_sent_when_asked_again(world: World, redis_down: None, settings: Any) -> None:
    owner = _signed_in("owner")
    response = owner.post(f"/api/v1/threat-models/{world.model.pk}/reports/", {"paper": "a4"}, format="json")
    assert response.status_code in (201, 202), response.content
    report = Report.objects.get(pk=response.json()["id"])
    assert report.status == ReportStatus.QUEUED and report.reason == WAITING_FOR_QUEUE
    shown = owner.get(f"/api/v1/threat-models/{world.model.pk}/reports/{report.pk}/").json()
    assert shown["status"] == "queued" and "task queue" in shown["reason"]

    # Redis is back: asking again sends the same report to the queue.
    live = redis.Redis.from_url(settings.CELERY_BROKER_URL)
    _broker(settings.CELERY_BROKER_URL)
    app.control.purge()
    again = owner.post(f"/api/v1/threat-models/{world.model.pk}/reports/", {"paper": "a4"}, format="json")
    assert again.status_code in (200, 201, 202) and again.json()["id"] == report.pk
    report.refresh_from_db()
    assert report.reason == ""
    assert live.llen("celery") == 1  # the task is on the queue for the next worker
    app.control.purge()


@pytest.mark.django_db(transaction=True)
def test_a_queued_analysis_says_what_it_waits_for(world: World, redis_down: None, settings: Any) -> None:
    settings.THREATMODEL_INLINE_ANALYSIS_MAX_ELEMENTS = 0  # every change goes to a worker
    owner = _signed_in("editor")
    ops = [{"op": "update_element", "key": "db", "properties": {"encrypted": False}}]
    response = owner.post(f"/api/v1/diagrams/{world.diagram.pk}/ops/", {"base_version": world.diagram.version, "ops": ops}, format="json")
    assert response.status_code == 200, response.content
    assert response.json()["analysis"]["status"] == AnalysisStatus.QUEUED
    model = ThreatModel.objects.get(pk=world.model.pk)
    assert model.analysis_status == AnalysisStatus.QUEUED and model.analysis_error == WAITING_FOR_QUEUE
    assert owner.get(f"/api/v1/threat-models/{world.model.pk}/").json()["analysis_error"] == WAITING_FOR_QUEUE
