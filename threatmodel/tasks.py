"""Celery tasks of the core app: thin wrappers that load by id (or run a job) and call one service.

Modules are imported whole (``from threatmodel import analysis``) because the analysis service
queues the task defined here: each name is looked up when the task runs, not at import.
"""

from __future__ import annotations

from typing import Any

from celery import shared_task
from celery.exceptions import SoftTimeLimitExceeded

from threatmodel import analysis
from threatmodel.choices import AnalysisStatus
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
