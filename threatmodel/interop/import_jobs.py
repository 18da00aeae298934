"""Imports too large to run inside the request: queued with their files, run by a worker, step by step.

``import_queue`` is what the import endpoint calls for an upload over
``THREATMODEL_IMPORT_INLINE_MAX_BYTES``: the role was checked and the size bounded, the files are
stored with the job and the task is sent once that has committed. ``import_job_run`` (the task)
runs the very same ``import_model`` — all or nothing — and records its steps, its answer or the
refusal with the places in the files, then drops the files.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from django.db import transaction
from django.utils import timezone

from common.errors import ValidationFailed
from threatmodel import queueing
from threatmodel.interop.imports import import_model, precheck_files
from threatmodel.interop.sources import SourceFile
from threatmodel.models import ImportJob, ImportJobFile, ImportStatus, Team

if TYPE_CHECKING:
    from django.contrib.auth.models import User


def import_queue(*, actor: User, team: Team, files: Sequence[SourceFile], fmt: str | None, name: str | None) -> ImportJob:
    """Store the files as a job of ``team`` and send it to a worker once committed (what is cheap to refuse, refused first)."""
    precheck_files(files=files, fmt=fmt)
    with transaction.atomic():
        job = ImportJob.objects.create(
            team=team, requested_by=actor, format=fmt or "", name=name or "", size=sum(len(f.raw) for f in files)
        )
        ImportJobFile.objects.bulk_create([ImportJobFile(job=job, name=f.name, raw=f.raw) for f in files])
        transaction.on_commit(lambda: _send(job.pk))
    return job


def _send(job_id: int) -> None:
    from threatmodel.tasks import import_run_task

    def waiting() -> None:
        ImportJob.objects.filter(pk=job_id, status=ImportStatus.QUEUED).update(reason=queueing.WAITING_FOR_QUEUE)

    queueing.send(import_run_task, job_id, on_unreachable=waiting)


def import_job_run(*, job_id: int) -> ImportJob | None:
    """Run a queued job; None when it is not queued (another worker has it, or it ended)."""
    now = timezone.now()
    if not ImportJob.objects.filter(pk=job_id, status=ImportStatus.QUEUED).update(status=ImportStatus.RUNNING, started_at=now, reason=""):
        return None
    job = ImportJob.objects.select_related("team", "requested_by").get(pk=job_id)
    files = [SourceFile(f.name, bytes(f.raw)) for f in job.files.all()]

    def step(text: str, percent: int) -> None:
        ImportJob.objects.filter(pk=job_id).update(step=text, progress=percent)

    try:
        if job.requested_by is None:
            raise ValidationFailed("The account that asked for this import no longer exists.")
        outcome = import_model(
            actor=job.requested_by, team=job.team, files=files, fmt=job.format or None, name=job.name or None, on_step=step
        )
    except ValidationFailed as exc:
        return _end(job_id, status=ImportStatus.FAILED, reason=exc.message, details=list(exc.details))
    except Exception as exc:  # a job must end with a reason, whatever went wrong
        return _end(job_id, status=ImportStatus.FAILED, reason=f"The import could not be completed ({type(exc).__name__}).")
    result = {"format": outcome.format, "summary": outcome.summary.as_dict(), "warnings": outcome.warnings}
    return _end(job_id, status=ImportStatus.DONE, result=result, threat_model_id=outcome.model.pk)


def import_job_fail(*, job_id: int, reason: str) -> None:
    """End a job that did not end by itself (its worker was lost)."""
    _end(job_id, status=ImportStatus.FAILED, reason=reason, only_unfinished=True)


def _end(job_id: int, *, status: str, reason: str = "", details: list[Any] | None = None, result: dict[str, Any] | None = None,
         threat_model_id: int | None = None, only_unfinished: bool = False) -> ImportJob | None:  # fmt: skip
    with transaction.atomic():
        jobs = ImportJob.objects.filter(pk=job_id)
        if only_unfinished:
            jobs = jobs.exclude(status__in=(ImportStatus.DONE, ImportStatus.FAILED))
        changed = jobs.update(
            status=status, reason=reason[:4000], details=(details or [])[:200], result=result or {}, threat_model_id=threat_model_id,
            progress=100 if status == ImportStatus.DONE else 0, step="", finished_at=timezone.now(),
        )  # fmt: skip
        if changed:
            ImportJobFile.objects.filter(job_id=job_id).delete()  # the files are not kept once the job has ended
    return ImportJob.objects.filter(pk=job_id).first()
