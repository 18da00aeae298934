"""Threats follow the diagram: analysed inside the request for small models, by a Celery task beyond
the inline limit — eagerly without a broker, and on a real worker with Redis."""

from __future__ import annotations

import subprocess
import time
from collections.abc import Iterator

import pytest

from conftest import World
from stride.models import Threat
from threatmodel.models import ThreatModel


@pytest.fixture
def eager_tasks() -> Iterator[None]:
    """Tasks run in the caller, as in `make run` without a broker."""
    from threatmodel.celery import app

    was = app.conf.task_always_eager
    app.conf.update(task_always_eager=True)
    try:
        yield
    finally:
        app.conf.update(task_always_eager=was)


def post_ops(world: World, ops: list[dict[str, object]]):
    world.diagram.refresh_from_db()
    return world.client("editor").post(
        f"/api/v1/diagrams/{world.diagram.pk}/ops/", {"base_version": world.diagram.version, "ops": ops}, format="json"
    )


@pytest.mark.django_db
def test_a_small_model_is_analysed_inside_the_request(world: World) -> None:
    response = post_ops(world, [{"op": "update_element", "key": "web", "properties": {"privileged": True}}])
    assert response.json()["analysis"]["status"] == "done"
    assert Threat.objects.filter(threat_model=world.model, fingerprint="K8S-001@web", status="open").exists()
    model = ThreatModel.objects.get(pk=world.model.pk)
    assert model.analysed_version == model.version


@pytest.mark.django_db
def test_a_large_model_is_queued_and_analysed_after_commit(world: World, settings, django_capture_on_commit_callbacks, eager_tasks) -> None:
    settings.THREATMODEL_INLINE_ANALYSIS_MAX_ELEMENTS = 2
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        response = post_ops(world, [{"op": "update_element", "key": "web", "properties": {"privileged": True}}])
    assert response.json()["analysis"] == {"status": "queued"}
    # The task is sent only once the batch is committed (beside the live room's notice).
    assert [cb.__qualname__.split(".")[0] for cb in callbacks] == ["analysis_after_change", "publish_applied"]
    model = ThreatModel.objects.get(pk=world.model.pk)
    assert model.analysis_status == "idle" and model.analysed_version == model.version  # eager: already ran
    assert Threat.objects.filter(threat_model=world.model, fingerprint="K8S-001@web").exists()


@pytest.mark.django_db
def test_editing_the_scope_keeps_a_current_analysis_current(world: World) -> None:
    post_ops(world, [])
    world.client("editor").patch(f"/api/v1/threat-models/{world.model.pk}/", {"scope": "Checkout only"}, format="json")
    model = ThreatModel.objects.get(pk=world.model.pk)
    assert model.analysed_version == model.version


@pytest.mark.django_db(transaction=True)
def test_a_real_worker_analyses_a_queued_model(world: World, settings, celery_worker: subprocess.Popen[bytes]) -> None:
    settings.THREATMODEL_INLINE_ANALYSIS_MAX_ELEMENTS = 2
    response = post_ops(world, [{"op": "update_element", "key": "web", "properties": {"privileged": True}}])
    assert response.json()["analysis"] == {"status": "queued"}
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        model = ThreatModel.objects.get(pk=world.model.pk)
        if model.analysed_version == model.version and model.analysis_status == "idle":
            break
        time.sleep(0.25)
    else:
        pytest.fail(f"the worker did not analyse the model: status {model.analysis_status!r} {model.analysis_error!r}")
    assert Threat.objects.filter(threat_model=world.model, fingerprint="K8S-001@web", status="open").exists()
