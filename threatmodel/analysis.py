"""The analysis of a threat model: the diagram read once, the pure engine, the threat sync.

``dfd`` knows nothing of threats and ``stride`` only offers the engine call and the sync, so the
core app joins them: after every operation batch the model's threats follow the diagram — in the
same transaction for models up to ``THREATMODEL_INLINE_ANALYSIS_MAX_ELEMENTS`` elements (measured
by bench/analyse.py to stay well under a second), in a Celery task beyond it, with the status on
the model. After a write the analysis is fed the states the write produced, so it reads no diagram
row again; the answer names what changed, with the rows when they are few, so the editor patches
its threat list instead of reloading it.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from common.errors import NotFound
from dfd.ops import DiagramState
from dfd.selectors import graph_from_states, model_diagrams
from library.selectors import team_ruleset
from stride.api.serializers import ThreatSerializer
from stride.models import Threat
from stride.ruleset import RuleSet
from stride.services import SyncResult, model_findings, threats_sync
from threatmodel import queueing, tasks
from threatmodel.audit import audit
from threatmodel.choices import AnalysisStatus
from threatmodel.models import ThreatModel
from threatmodel.permissions import require_role

if TYPE_CHECKING:
    from django.contrib.auth.models import User

# The ops answer carries the changed threats' rows up to this many; beyond it, the editor asks
# for ``?changed_since=``.
DELTA_ROWS_MAX = 200


def threat_model_analyse(
    *,
    model_id: int,
    actor: User | None = None,
    ruleset: RuleSet | None = None,
    durable: bool = True,
    states: Iterable[DiagramState] | None = None,
) -> SyncResult:
    """Analyse the model's current diagrams and bring its threats up to date, under the model's lock.

    ``actor`` (when given) must be an editor; ``None`` is the system (after a diagram change).
    ``states`` are the model's diagrams when the caller has just written them (else they are read).
    ``durable=False`` lets PostgreSQL acknowledge the commit before its log reaches the disk: for a
    background analysis on its own transaction, whose result a crash would only send back to
    "not analysed" (the version mark goes with it). Never for a transaction that holds user edits.
    """
    with transaction.atomic():
        if not durable and connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SET LOCAL synchronous_commit TO OFF")
        model = ThreatModel.objects.select_for_update().filter(pk=model_id).first()
        if model is None:
            raise NotFound("No such threat model.")
        if actor is not None:
            require_role(actor, model.team_id, "write", what="threat model")
        diagram_states = list(states) if states is not None else [s.state for s in model_diagrams(model.pk)]
        rules = ruleset or team_ruleset(model.team_id)  # the shipped library and the team's enabled rules
        findings = model_findings(model_id=model.pk, graph=graph_from_states(diagram_states), ruleset=rules)
        element_ids = {k: el.pk for st in diagram_states for k, el in st.elements.items() if el.pk is not None}
        flow_ids = {k: fl.pk for st in diagram_states for k, fl in st.flows.items() if fl.pk is not None}
        result = threats_sync(
            model_id=model.pk, version=model.version, findings=findings, element_ids=element_ids, flow_ids=flow_ids
        )
        ThreatModel.objects.filter(pk=model.pk).update(
            analysed_version=model.version, analysed_at=timezone.now(), analysis_status=AnalysisStatus.IDLE, analysis_error=""
        )
        if actor is not None or result.new or result.obsolete or result.revived:
            audit(actor=actor, action="threat_model.analyse", obj=model, after=result.as_dict())
        return result


def analysis_mark(*, model_id: int, status: str, error: str = "") -> None:
    ThreatModel.objects.filter(pk=model_id).update(analysis_status=status, analysis_error=error[:2000])


def analysis_after_change(*, model_id: int, states: list[DiagramState] | None = None) -> dict[str, Any]:
    """Analyse now when the model is small, or queue it; say which, and what changed."""
    if states is not None:
        size = sum(len(state.elements) for state in states)
    else:
        size = sum(len(s.state.elements) for s in model_diagrams(model_id))
    if size <= settings.THREATMODEL_INLINE_ANALYSIS_MAX_ELEMENTS:
        result = threat_model_analyse(model_id=model_id, states=states)
        return {"status": "done", **result.as_dict(), "changes": changes_answer(model_id=model_id, result=result)}
    analysis_mark(model_id=model_id, status=AnalysisStatus.QUEUED)

    def waiting() -> None:
        analysis_mark(model_id=model_id, status=AnalysisStatus.QUEUED, error=queueing.WAITING_FOR_QUEUE)

    transaction.on_commit(lambda: queueing.send(tasks.analyse_threat_model_task, model_id, on_unreachable=waiting))
    return {"status": AnalysisStatus.QUEUED}


def analysis_unchanged(*, version: int) -> dict[str, Any]:
    """The answer for a batch that cannot change any threat (it only moved or resized elements)."""
    empty: dict[str, Any] = {name: [] for name in ("new", "obsolete", "revived", "rewritten", "retargeted")}
    return {"status": "done", "version": version, "changes": {**empty, "threats": []}}


def changes_answer(*, model_id: int, result: SyncResult) -> dict[str, Any]:
    """The fingerprints the sync touched, by kind, and their rows when there are few enough."""
    body: dict[str, Any] = {name: list(fingerprints) for name, fingerprints in result.changes.items()}
    changed = result.changed
    rows = None
    if len(changed) <= DELTA_ROWS_MAX:
        threats = Threat.objects.filter(threat_model_id=model_id, fingerprint__in=changed).prefetch_related("techniques")
        rows = ThreatSerializer(threats, many=True).data if changed else []
    body["threats"] = rows
    return body
