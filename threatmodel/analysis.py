"""Where the diagram and the threat engine meet: a diagram change is followed by analysis.

``dfd`` knows nothing of threats and ``stride`` only reads diagrams, so the core app joins them:
after every operation batch the model's threats follow the diagram — in the same transaction for
models up to ``THREATMODEL_INLINE_ANALYSIS_MAX_ELEMENTS`` elements (measured by bench/analyse.py
to stay well under a second), in a Celery task beyond it, with the status on the model.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.db import transaction

from dfd.models import Diagram, Element
from dfd.services import apply_ops
from stride.services import analysis_mark, threat_model_analyse
from stride.tasks import analyse_threat_model_task
from threatmodel.choices import AnalysisStatus

if TYPE_CHECKING:
    from django.contrib.auth.models import User


def analysis_after_change(*, model_id: int) -> dict[str, Any]:
    """Analyse now when the model is small, or queue it; say which."""
    size = Element.objects.filter(threat_model_id=model_id).count()
    if size <= settings.THREATMODEL_INLINE_ANALYSIS_MAX_ELEMENTS:
        return {"status": "done", **threat_model_analyse(model_id=model_id).as_dict()}
    analysis_mark(model_id=model_id, status=AnalysisStatus.QUEUED)
    transaction.on_commit(lambda: analyse_threat_model_task.delay(model_id))
    return {"status": AnalysisStatus.QUEUED}


def diagram_change(*, actor: User, diagram_id: int, base_version: int, ops: object) -> dict[str, Any]:
    """Apply an operation batch (the single write path), then bring the threats up to date."""
    with transaction.atomic():
        result = apply_ops(diagram_id=diagram_id, actor=actor, base_version=base_version, ops=ops)
        model_id = Diagram.objects.values_list("threat_model_id", flat=True).get(pk=diagram_id)
        analysis = analysis_after_change(model_id=model_id)
    return {**result.as_dict(), "analysis": analysis}
