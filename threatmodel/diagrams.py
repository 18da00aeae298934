"""Every change to a model's diagrams, through the core: role, lock, version, then the rows.

``dfd`` writes rows and knows nothing of teams or threat models' versions; this module owns the
transaction around it. A batch on a stale base version is refused before any lock is taken (a
stale save must not wait behind another writer only to be told it is stale), then the threat
model's row is locked — one writer per model, because keys are unique across its diagrams and its
version moves with every batch — and ``dfd.services.apply_ops`` checks the version again under
the diagram's own lock. ``diagram_change`` adds the analysis that follows, fed with the states
the write produced, so nothing is read twice.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from django.db import transaction
from django.db.models import F

from common.errors import Conflict, NotFound
from dfd.models import Diagram, DiagramOp
from dfd.ops import OpRecord
from dfd.rebase import rebase
from dfd.services import OpsResult, apply_ops, stale
from threatmodel.analysis import analysis_after_change, analysis_unchanged
from threatmodel.models import ThreatModel
from threatmodel.permissions import require_role

if TYPE_CHECKING:
    from django.contrib.auth.models import User


@dataclass(frozen=True)
class DiagramChange:
    """An applied batch: what ``dfd`` wrote, the model's new version, and the analysis (if asked)."""

    ops: OpsResult
    threat_model_version: int
    analysis: dict[str, Any] | None = None
    # Set when the batch was made on an older version and rebased onto the current one (live edits).
    rebased_from: int | None = None
    dropped: list[dict[str, Any]] = field(default_factory=list)

    @property
    def diagram_id(self) -> int:
        return self.ops.diagram_id

    @property
    def version(self) -> int:
        return self.ops.version

    @property
    def applied(self) -> int:
        return self.ops.applied

    @property
    def deleted_flows(self) -> list[str]:
        return self.ops.deleted_flows

    @property
    def reparented(self) -> list[str]:
        return self.ops.reparented

    @property
    def records(self) -> list[OpRecord]:
        return self.ops.records

    def as_dict(self) -> dict[str, Any]:
        body = {**self.ops.as_dict(), "threat_model_version": self.threat_model_version}
        if self.rebased_from is not None:
            body["rebased_from"] = self.rebased_from
            body["dropped"] = self.dropped
        if self.analysis is not None:
            body["analysis"] = self.analysis
        return body


# Operations that change where things are drawn and nothing the rules read.
GEOMETRY_OPS = frozenset({"move_element"})


def _lock_model(model_id: int) -> None:
    ThreatModel.objects.select_for_update().only("id").get(pk=model_id)


def _bump(model_id: int, *, keep_analysis: bool = False) -> int:
    """Move the model's version on; with ``keep_analysis`` its analysis moves with it (still current)."""
    changes: dict[str, Any] = {"version": F("version") + 1}
    if keep_analysis:
        changes["analysed_version"] = F("version") + 1
    ThreatModel.objects.filter(pk=model_id).update(**changes)
    return ThreatModel.objects.values_list("version", flat=True).get(pk=model_id)


# How far behind a live batch may be and still be rebased; further behind, the client reloads.
MAX_REBASE_VERSIONS = 200


def diagram_change(
    *,
    actor: User | None,
    diagram_id: int,
    base_version: int,
    ops: object,
    analyse: bool = True,
    allow_rebase: bool = False,
    batch: uuid.UUID | None = None,
) -> DiagramChange:
    """Apply an operation batch (the single write path), then bring the threats up to date.

    ``actor`` must be an editor or owner of the model's team; ``None`` is the system itself
    (imports, templates, management commands) and is only passed by code, never from a request.
    ``analyse=False`` leaves the analysis to the caller (an import that writes several batches).
    ``allow_rebase`` (the live workshop channel) rebases a batch made on an older version onto the
    current one instead of refusing it (``dfd.rebase``); the REST API refuses stale batches (409).
    ``batch`` is the log's batch id, chosen by a live client so that a re-sent batch is recognised.
    """
    with transaction.atomic():
        row = Diagram.objects.filter(pk=diagram_id).values("threat_model_id", "threat_model__team_id", "version").first()
        if row is None:
            raise NotFound("No such diagram.")
        if actor is not None:
            require_role(actor, row["threat_model__team_id"], "write", what="diagram")
        if row["version"] != base_version and not (allow_rebase and 0 < base_version < row["version"]):
            raise stale(diagram_id, row["version"], base_version)
        model_id = row["threat_model_id"]
        locked = ThreatModel.objects.select_for_update().only("id", "version", "analysed_version").get(pk=model_id)
        rebased_from: int | None = None
        dropped: list[dict[str, Any]] = []
        current = Diagram.objects.values_list("version", flat=True).get(pk=diagram_id)
        if current != base_version and allow_rebase:
            ops, dropped = _rebased(diagram_id, base_version, current, ops)
            rebased_from, base_version = base_version, current
        result = apply_ops(diagram_id=diagram_id, base_version=base_version, ops=ops, actor=actor, batch=batch)
        geometry_only = bool(result.records) and all(record.op in GEOMETRY_OPS for record in result.records)
        was_current = locked.analysed_version == locked.version
        model_version = _bump(model_id, keep_analysis=geometry_only and was_current)
        analysis = None
        if analyse and geometry_only and was_current:
            # The rules read kinds, properties, nesting and flows, never coordinates: the threats
            # already follow this batch, and the analysis stays current without running.
            analysis = analysis_unchanged(version=model_version)
        elif analyse:
            analysis = analysis_after_change(model_id=model_id, states=result.model_states)
        return DiagramChange(
            ops=result, threat_model_version=model_version, analysis=analysis, rebased_from=rebased_from, dropped=dropped
        )


def _rebased(diagram_id: int, base_version: int, current: int, ops: object) -> tuple[object, list[dict[str, Any]]]:
    """``ops`` rebased from ``base_version`` onto ``current`` by the log, or a Conflict with the reasons."""
    if current - base_version > MAX_REBASE_VERSIONS:
        raise stale(diagram_id, current, base_version)
    since = DiagramOp.objects.filter(diagram_id=diagram_id, version__gt=base_version).order_by("id").values_list("op", "target_key")
    rebased = rebase(ops, since, base_version=base_version)
    if rebased.conflicts:
        raise Conflict(
            f"The batch conflicts with changes made after version {base_version}; nothing was applied.",
            details=rebased.conflicts,  # type: ignore[arg-type]
            current_version=current,
        )
    return rebased.ops, rebased.dropped


def diagram_create(
    *, actor: User | None, threat_model: ThreatModel, name: str, level: str, order: int | None = None
) -> Diagram:
    if actor is not None:
        require_role(actor, threat_model.team_id, "write", what="threat model")
    with transaction.atomic():
        _lock_model(threat_model.pk)
        if order is None:
            last = Diagram.objects.filter(threat_model=threat_model).order_by("-order").values_list("order", flat=True).first()
            order = 0 if last is None else last + 1
        diagram = Diagram(threat_model=threat_model, name=name, level=level, order=order)
        diagram.full_clean()
        diagram.save()
        _bump(threat_model.pk)
        return diagram


def diagram_update(
    *,
    actor: User | None,
    diagram: Diagram,
    name: str | None = None,
    level: str | None = None,
    order: int | None = None,
) -> Diagram:
    if actor is not None:
        require_role(actor, diagram.threat_model.team_id, "write", what="diagram")
    with transaction.atomic():
        if name is not None:
            diagram.name = name
        if level is not None:
            diagram.level = level
        if order is not None:
            diagram.order = order
        diagram.full_clean()
        diagram.save(update_fields=["name", "level", "order", "updated_at"])
        _bump(diagram.threat_model_id)
        return diagram


def diagram_delete(*, actor: User | None, diagram: Diagram) -> None:
    """Delete a diagram with its elements and flows. Threats on them keep their keys and history."""
    if actor is not None:
        require_role(actor, diagram.threat_model.team_id, "write", what="diagram")
    with transaction.atomic():
        _lock_model(diagram.threat_model_id)
        diagram.delete()
        _bump(diagram.threat_model_id)
