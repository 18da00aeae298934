"""Celery tasks of the threat engine: thin wrappers that load by id and call a service."""

from __future__ import annotations

from typing import Any

from celery import shared_task

from stride.services import analysis_mark, threat_model_analyse
from threatmodel.choices import AnalysisStatus
from threatmodel.models import ThreatModel


@shared_task(acks_late=True, ignore_result=False)
def analyse_threat_model_task(model_id: int) -> dict[str, Any]:
    """Analyse a model that is too large to analyse inside the request that changed it."""
    state = ThreatModel.objects.filter(pk=model_id).values("version", "analysed_version").first()
    if state is None:
        return {"skipped": "the model was deleted"}
    if state["analysed_version"] == state["version"]:
        return {"skipped": "already analysed at this version"}
    analysis_mark(model_id=model_id, status=AnalysisStatus.RUNNING)
    try:
        result = threat_model_analyse(model_id=model_id, durable=False)
    except Exception as exc:
        analysis_mark(model_id=model_id, status=AnalysisStatus.FAILED, error=f"{type(exc).__name__}: {exc}")
        raise
    return result.as_dict()
