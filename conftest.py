"""Shared test fixtures: the personas of every permission test, and a small world to act on.

Healthchecks' Alice/Bob/Charlie, extended to our four roles: an owner, an editor, a reviewer and
a viewer of one team, and an outsider who belongs to another team.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from rest_framework.test import APIClient

import threatmodel.celery  # noqa: F401 - the test session queues tasks: the Celery app must exist
from dfd.models import Diagram
from stride.models import Technique, Threat
from threatmodel.choices import Role
from threatmodel.diagrams import diagram_change
from threatmodel.models import Membership, Team, ThreatModel

PERSONAS = ("owner", "editor", "reviewer", "viewer", "outsider")
PASSWORD = "correct-horse-battery-staple"


@dataclass
class World:
    team: Team
    other_team: Team
    users: dict[str, Any]
    model: ThreatModel
    diagram: Diagram

    def client(self, persona: str | None) -> APIClient:
        client = APIClient()
        if persona is not None:
            client.force_authenticate(self.users[persona])
        return client


def make_user(username: str) -> Any:
    return get_user_model().objects.create_user(username=username, email=f"{username}@example.com", password=PASSWORD)


SMALL_DIAGRAM_OPS: list[dict[str, Any]] = [
    {"op": "add_element", "key": "tb-inet", "kind": "trust_boundary", "name": "Internet", "properties": {"boundary_type": "internet"}},
    {"op": "add_element", "key": "tb-app", "kind": "trust_boundary", "name": "App", "x": 300, "width": 400, "height": 300},
    {"op": "add_element", "key": "user", "kind": "external_entity", "name": "User", "parent": "tb-inet"},
    {"op": "add_element", "key": "web", "kind": "process", "name": "Web", "parent": "tb-app", "x": 20, "y": 30,
     "properties": {"privileged": False, "runs_as_root": True}},
    {"op": "add_element", "key": "db", "kind": "data_store", "name": "DB", "parent": "tb-app", "x": 200, "y": 30,
     "properties": {"encrypted": True, "data_classification": "confidential"}},
    {"op": "add_flow", "key": "f1", "source": "user", "target": "web", "label": "HTTPS", "protocol": "https",
     "properties": {"encrypted": True, "public_network": True}},
    {"op": "add_flow", "key": "f2", "source": "web", "target": "db", "label": "SQL", "protocol": "postgres"},
]


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings: Any) -> None:
    # The production hasher is slow on purpose; tests create many users.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _own_cache_namespace(settings: Any, request: pytest.FixtureRequest) -> None:
    # Throttles and the sign-in lock count in the cache: each test starts from zero, without
    # flushing a Redis database that the broker may share.
    settings.CACHES = {name: {**config, "KEY_PREFIX": f"test-{os.getpid()}-{id(request.node)}-{time.monotonic_ns()}"} for name, config in settings.CACHES.items()}


@pytest.fixture(autouse=True)
def _static_files_without_a_manifest(settings: Any) -> None:
    # Production serves hashed names from the manifest `collectstatic` writes (make run and the
    # image run it); a fresh checkout under test has none, so pages resolve plain names.
    settings.STORAGES = {**settings.STORAGES, "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}}


@pytest.fixture
def world(db: None) -> World:
    users = {name: make_user(name) for name in PERSONAS}
    team = Team.objects.create(name="Payments", slug="payments")
    other = Team.objects.create(name="Elsewhere", slug="elsewhere")
    for name, role in (("owner", Role.OWNER), ("editor", Role.EDITOR), ("reviewer", Role.REVIEWER), ("viewer", Role.VIEWER)):
        Membership.objects.create(team=team, user=users[name], role=role)
    Membership.objects.create(team=other, user=users["outsider"], role=Role.OWNER)
    model = ThreatModel.objects.create(team=team, name="Checkout", created_by=users["owner"])
    diagram = Diagram.objects.create(threat_model=model, name="Level 0")
    diagram_change(analyse=False, diagram_id=diagram.pk, actor=None, base_version=1, ops=SMALL_DIAGRAM_OPS)
    diagram.refresh_from_db()
    model.refresh_from_db()
    return World(team=team, other_team=other, users=users, model=model, diagram=diagram)


@pytest.fixture
def technique(db: None) -> Technique:
    # The shipped catalogue is loaded after every migrate and flush (stride.apps).
    return Technique.objects.get(attack_id="T1611")


@pytest.fixture
def threat(world: World, technique: Technique) -> Threat:
    threat = Threat.objects.create(
        threat_model=world.model,
        fingerprint="TEST-1@web",
        rule_id="TEST-1",
        origin="rule",
        stride="E",
        element=world.model.diagrams.get().elements.get(key="web"),
        element_key="web",
        title="Escape from the web container",
        likelihood=3,
        impact=4,
    )
    threat.techniques.add(technique)
    return threat


@pytest.fixture
def celery_worker(transactional_db: None, settings: Any) -> Iterator[subprocess.Popen[bytes]]:
    """A real Celery worker process on Redis, working against this test's database.

    Tests that use it must commit what the worker reads (``transactional_db``). Skipped with a
    message when no broker is configured (``REDIS_URL``); ``make test`` always configures one.
    """
    yield from _worker(settings, ["--pool", "solo"])


@pytest.fixture
def celery_prefork_worker(transactional_db: None, settings: Any) -> Iterator[subprocess.Popen[bytes]]:
    """The same with Celery's process pool of one child, as deployed: the fault tests kill the child."""
    yield from _worker(settings, ["--pool", "prefork", "--concurrency", "1"])


def _worker(settings: Any, pool: list[str]) -> Iterator[subprocess.Popen[bytes]]:
    from django.db import connection

    from threatmodel.celery import app

    broker = os.environ.get("CELERY_BROKER_URL") or os.environ.get("REDIS_URL")
    if not broker:
        pytest.skip("no REDIS_URL: the Celery tests need a real broker (make test starts Redis)")
    db = connection.settings_dict
    env = {
        **os.environ,
        "DATABASE_URL": f"postgres://{db['USER']}:{db['PASSWORD'] or ''}@{db['HOST']}:{db['PORT']}/{db['NAME']}"
        if connection.vendor == "postgresql"
        else "",
        "CELERY_BROKER_URL": broker,
        "CELERY_RESULT_BACKEND": broker,
    }
    if connection.vendor != "postgresql":
        pytest.skip("the Celery worker tests run on PostgreSQL (set DATABASE_URL)")
    # The test process sends tasks to the real broker instead of running them eagerly.
    settings.CELERY_TASK_ALWAYS_EAGER = False
    was_eager = app.conf.task_always_eager
    app.conf.task_always_eager = False
    app.conf.update(broker_url=broker, result_backend=broker)
    app.control.purge()
    worker = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "threatmodel.celery", "worker", *pool, "--loglevel", "warning",
         "--without-heartbeat", "--without-gossip", "--without-mingle"],
        cwd=Path(__file__).resolve().parent,
        env=env,
    )
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if app.control.ping(timeout=1):
                break
            if worker.poll() is not None:
                pytest.fail(f"the Celery worker exited with {worker.returncode}")
        else:
            pytest.fail("the Celery worker did not answer a ping within 60 s")
        yield worker
    finally:
        worker.terminate()
        try:
            worker.wait(timeout=20)
        except subprocess.TimeoutExpired:
            worker.kill()
        app.conf.task_always_eager = was_eager
