"""Celery tasks of the core app: thin wrappers that load by id (or run a job) and call one service.

Modules are imported whole (``from threatmodel import analysis``) because the analysis service
queues the task defined here: each name is looked up when the task runs, not at import.
"""

from __future__ import annotations

from typing import Any

from celery import shared_task
from celery.exceptions import SoftTimeLimitExceeded
from celery.signals import task_failure

from threatmodel import analysis
from threatmodel.choices import AnalysisStatus
from threatmodel.interop import import_jobs
from threatmodel.models import ThreatModel
from threatmodel.reporting import services as reporting
from threatmodel.workflow.decisions import decisions_expire


@shared_task(name="threatmodel.analyse_threat_model", acks_late=True, ignore_result=False)
def analyse_threat_model_task(model_id: int) -> dict[str, Any]:
    """Analyse a model that is too large to analyse inside the request that changed it."""
    state = ThreatModel.objects.filter(pk=model_id).values("version", "analysed_version").first()
    if state is None:
        return {"skipped": "the model was deleted"}
    if state["analysed_version"] == state["version"]:
        return {"skipped": "already analysed at this version"}
    analysis.analysis_mark(model_id=model_id, status=AnalysisStatus.RUNNING)
    try:
        result = analysis.threat_model_analyse(model_id=model_id, durable=False)
    except Exception as exc:
        analysis.analysis_mark(model_id=model_id, status=AnalysisStatus.FAILED, error=f"{type(exc).__name__}: {exc}")
        raise
    return result.as_dict()


@shared_task(name="threatmodel.decisions_expire")
def decisions_expire_task() -> dict[str, list[int]]:
    """The daily job (the beat schedule in threatmodel/celery.py): expire lapsed acceptances and exceptions, notify owners."""
    return decisions_expire().as_dict()


@shared_task(  # type: ignore[call-overload]  # celery-types does not know Celery 5.7's retry_on_worker_lost yet
    name="threatmodel.report_generate",
    bind=True,
    acks_late=True,
    soft_time_limit=reporting.REPORT_TIME_LIMIT_SECONDS,
    time_limit=reporting.REPORT_TIME_LIMIT_SECONDS + 30,
    # A worker process killed mid-render (out of memory, a deploy): Celery's parent process sees it and
    # runs the report once more on the next free worker; a second loss ends it failed (report_worker_lost).
    retry_on_worker_lost=True,
    max_retries=1,
    default_retry_delay=1,
)
def report_generate_task(self: Any, report_id: int) -> None:
    try:
        reporting.report_generate(report_id=report_id, reclaim=self.request.retries > 0)
    except SoftTimeLimitExceeded:
        reporting.report_fail(
            report_id=report_id, reason=f"The report took longer than {reporting.REPORT_TIME_LIMIT_SECONDS} s to render."
        )


@task_failure.connect(sender=report_generate_task)
def report_worker_lost(sender: Any = None, task_id: str = "", exception: BaseException | None = None, args: Any = (), **kwargs: Any) -> None:
    """The last word on a report whose task failed outside the render's own error handling (the worker was
    lost for good, the hard time limit): it ends failed with the reason, never "running" forever."""
    if args:
        reporting.report_fail(report_id=int(args[0]), reason=f"The worker rendering the report stopped ({type(exception).__name__}).")


@shared_task(name="threatmodel.reports_reap")
def reports_reap_task() -> list[int]:
    """The periodic sweep (threatmodel/celery.py): reports left "running" by a worker that died whole."""
    return reporting.report_reap_stale()


@shared_task(name="threatmodel.import_run", acks_late=True)
def import_run_task(job_id: int) -> None:
    """A large import (threatmodel/interop/import_jobs.py): the same all-or-nothing import, in a worker."""
    import_jobs.import_job_run(job_id=job_id)


@task_failure.connect(sender=import_run_task)
def import_worker_lost(sender: Any = None, exception: BaseException | None = None, args: Any = (), **kwargs: Any) -> None:
    if args:
        import_jobs.import_job_fail(job_id=int(args[0]), reason=f"The worker running the import stopped ({type(exception).__name__}).")
