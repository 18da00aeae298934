"""Large imports go to a worker (issue 12): over the inline limit the request answers 202 with a job.

The job stores the files, a worker runs the same all-or-nothing import and records its steps, then
the model it made or the refusal with the places in the files; the files go once the job ends.
One test runs a real Celery worker on Redis; the others run the job's service as the worker does.
"""

from __future__ import annotations

import io
import json
import subprocess
import time
from typing import Any

import pytest

from conftest import World
from dfd.models import Element
from threatmodel.interop.import_jobs import import_job_run
from threatmodel.models import ImportJob, ImportJobFile, ThreatModel
from threatmodel.native import native_export


def _upload(world: World, persona: str, data: bytes, name: str = "shop.json") -> Any:
    upload = io.BytesIO(data)
    upload.name = name
    return world.client(persona).post(
        "/api/v1/threat-models/import/", data={"team": world.team.pk, "file": upload, "name": "Shop copy"}, format="multipart"
    )


@pytest.fixture
def small_inline_limit(settings: Any) -> None:
    settings.THREATMODEL_IMPORT_INLINE_MAX_BYTES = 200  # every file here is larger: all go to a worker


@pytest.mark.django_db
def test_a_large_import_is_answered_202_with_a_job_that_a_worker_completes(
    world: World, small_inline_limit: None, django_capture_on_commit_callbacks: Any
) -> None:
    document = json.dumps(native_export(world.model)).encode()
    with django_capture_on_commit_callbacks() as sent:
        response = _upload(world, "editor", document)
    assert response.status_code == 202, response.json()
    assert len(sent) == 1  # the task is sent once the job and its files are committed
    job = response.json()["job"]
    assert response["Location"] == f"/api/v1/import-jobs/{job['id']}/"
    assert job["status"] == "queued" and job["files"] == ["shop.json"] and job["size"] == len(document)
    before = ThreatModel.objects.count()

    done = import_job_run(job_id=job["id"])  # what the worker does

    assert done is not None and done.status == "done" and done.progress == 100
    assert ThreatModel.objects.count() == before + 1
    assert done.threat_model is not None and done.threat_model.name == "Shop copy" and done.threat_model.team_id == world.team.pk
    assert done.result["format"] == "json"
    assert (done.result["summary"]["elements"], done.result["summary"]["boundaries"], done.result["summary"]["flows"]) == (3, 2, 2)
    assert not ImportJobFile.objects.filter(job=done).exists()  # the files are not kept
    shown = world.client("viewer").get(f"/api/v1/import-jobs/{job['id']}/").json()
    assert shown["status"] == "done" and shown["threat_model"] == done.threat_model.pk
    assert import_job_run(job_id=job["id"]) is None  # a second delivery changes nothing


@pytest.mark.django_db
def test_a_refused_job_says_where_and_writes_nothing(world: World, small_inline_limit: None) -> None:
    document = native_export(world.model)
    document["diagrams"][0]["flows"][0]["source"] = "nowhere"
    response = _upload(world, "owner", json.dumps(document).encode())
    assert response.status_code == 202
    before = ThreatModel.objects.count()

    failed = import_job_run(job_id=response.json()["job"]["id"])

    assert failed is not None and failed.status == "failed" and failed.reason
    assert any("source" in detail["path"] for detail in failed.details), failed.details
    assert ThreatModel.objects.count() == before and failed.threat_model is None
    assert not ImportJobFile.objects.filter(job=failed).exists()


@pytest.mark.django_db
def test_a_viewer_cannot_queue_an_import_and_an_outsider_sees_no_job(world: World, small_inline_limit: None) -> None:
    document = json.dumps(native_export(world.model)).encode()
    assert _upload(world, "viewer", document).status_code == 403
    assert not ImportJob.objects.exists()
    job = _upload(world, "editor", document).json()["job"]
    assert world.client("outsider").get(f"/api/v1/import-jobs/{job['id']}/").status_code == 404
    assert world.client("outsider").get("/api/v1/import-jobs/").json()["results"] == []


@pytest.mark.django_db
def test_a_small_import_still_runs_inside_the_request(world: World) -> None:
    response = _upload(world, "editor", json.dumps(native_export(world.model)).encode())
    assert response.status_code == 201 and not ImportJob.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_a_real_worker_runs_the_job(world: World, small_inline_limit: None, celery_worker: subprocess.Popen[bytes]) -> None:
    response = _upload(world, "editor", json.dumps(native_export(world.model)).encode())
    assert response.status_code == 202
    job_id = response.json()["job"]["id"]
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        job = ImportJob.objects.get(pk=job_id)
        if job.status in ("done", "failed"):
            break
        time.sleep(0.1)
    assert job.status == "done", job.reason
    assert job.threat_model is not None
    assert Element.objects.filter(diagram__threat_model=job.threat_model).count() == 5
    assert job.started_at is not None and job.finished_at is not None and job.finished_at >= job.started_at


@pytest.mark.django_db
def test_what_is_cheap_to_refuse_is_refused_in_the_request(world: World, small_inline_limit: None) -> None:
    gzip_bytes = b"\x1f\x8b\x08\x00" + b"\x00" * 400
    archive = _upload(world, "editor", gzip_bytes, name="model.json.gz")
    assert archive.status_code == 400 and "not an archive" in archive.json()["error"]["message"]
    upload = io.BytesIO(b"<?xml version='1.0'?>" + b"<a/>" * 100)
    upload.name = "model.xml"
    wrong = world.client("editor").post(
        "/api/v1/threat-models/import/", data={"team": world.team.pk, "file": upload, "format": "otm"}, format="multipart"
    )
    assert wrong.status_code == 400, wrong.json()
    assert not ImportJob.objects.exists()
