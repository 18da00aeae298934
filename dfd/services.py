"""The row writer of diagram operations: ``apply_ops`` turns a validated batch into rows.

It is called only through the core's ``diagram_change`` (``threatmodel/diagrams.py``), which owns
the transaction: it checks the actor's role, refuses a stale base version before taking any lock,
locks the threat model (keys are unique across its diagrams, and its version moves with every
batch), and asks for the analysis that follows. Here: the diagram row is locked and its version
checked again, the batch is simulated by the pure ``dfd.ops`` against the state read by the one
reader (``dfd.selectors``), and only the difference is written — all operations or none. Each
applied operation is logged with its actor, the object before and after, and the version it made.
The result carries the new state of every diagram of the model, so the analysis reads nothing again.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from common.errors import NotFound, StaleVersion, ValidationFailed
from dfd.bulk import copy_available, ids_by_key, insert_rows, set_parents
from dfd.models import Diagram, DiagramOp, Element, Flow
from dfd.ops import DiagramState, OpRecord, simulate
from dfd.selectors import model_diagrams

if TYPE_CHECKING:
    from django.contrib.auth.models import User


@dataclass(frozen=True)
class OpsResult:
    diagram_id: int
    threat_model_id: int
    version: int
    applied: int
    deleted_flows: list[str] = field(default_factory=list)
    reparented: list[str] = field(default_factory=list)
    records: list[OpRecord] = field(default_factory=list)
    # The diagram after the batch (row ids filled in), and the model's other diagrams as read.
    state: DiagramState = field(default_factory=lambda: DiagramState({}, {}))
    others: list[DiagramState] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {
            "diagram": self.diagram_id,
            "version": self.version,
            "applied": self.applied,
            "deleted_flows": self.deleted_flows,
            "reparented": self.reparented,
        }

    @property
    def model_states(self) -> list[DiagramState]:
        return [self.state, *self.others]


def load_state(diagram: Diagram) -> DiagramState:
    """The diagram as the pure operations module sees it."""
    for snapshot in model_diagrams(diagram.threat_model_id, only=diagram.pk):
        return snapshot.state
    raise NotFound("No such diagram.")


def stale(diagram_id: int, current: int, base_version: int) -> StaleVersion:
    return StaleVersion(
        f"The diagram is at version {current}, not {base_version}: reload it and apply your changes again.",
        current_version=current,
    )


def apply_ops(
    *, diagram_id: int, base_version: int, ops: object, actor: User | None = None, batch: uuid.UUID | None = None
) -> OpsResult:
    """Write a batch of operations to a diagram, all or none, against ``base_version``.

    The caller holds the transaction and the threat model's row lock (``threatmodel.diagrams``);
    ``actor`` is recorded in the log (``None`` is the system: imports, templates, commands); ``batch``
    is the log's batch id when the client chose one (a live client re-sending an unacknowledged batch).
    """
    with transaction.atomic():
        diagram = Diagram.objects.select_for_update().filter(pk=diagram_id).first()
        if diagram is None:
            raise NotFound("No such diagram.")
        if diagram.version != base_version:
            raise stale(diagram_id, diagram.version, base_version)
        snapshots = model_diagrams(diagram.threat_model_id)
        original = next(s.state for s in snapshots if s.id == diagram.pk)
        others = [s.state for s in snapshots if s.id != diagram.pk]
        outcome = simulate(original, ops, max_ops=settings.THREATMODEL_MAX_OPS_PER_BATCH)
        if outcome.errors:
            raise ValidationFailed(
                f"{len(outcome.errors)} operation(s) are invalid; nothing was applied.", details=outcome.errors
            )
        total = sum(len(s.state.elements) for s in snapshots)
        growth = len(outcome.state.elements) - len(original.elements)
        if total + growth > settings.THREATMODEL_MAX_ELEMENTS_PER_MODEL:
            raise ValidationFailed(
                f"A threat model may hold at most {settings.THREATMODEL_MAX_ELEMENTS_PER_MODEL} elements.",
                details=[{"path": "ops", "message": "too many elements"}],
            )
        final = _write(diagram, original, outcome.state)
        # The conditional update is the final word on concurrency, also where row locks are not
        # available (SQLite): only one batch can move the version from base_version.
        if not Diagram.objects.filter(pk=diagram.pk, version=base_version).update(version=F("version") + 1):
            current = Diagram.objects.values_list("version", flat=True).get(pk=diagram.pk)
            raise StaleVersion("The diagram changed while this batch was applied.", current_version=current)
        new_version = base_version + 1
        _log(diagram, actor, new_version, outcome.records, batch)
        return OpsResult(
            diagram_id=diagram.pk,
            threat_model_id=diagram.threat_model_id,
            version=new_version,
            applied=len(ops) if isinstance(ops, list) else 0,
            deleted_flows=outcome.deleted_flows,
            reparented=outcome.reparented,
            records=outcome.records,
            state=final,
            others=others,
        )


def _write(diagram: Diagram, original: DiagramState, final: DiagramState) -> DiagramState:
    """Write the difference between two states with bulk statements, in an order the foreign keys allow.

    Returns ``final`` with the row id of every element and flow (new rows included)."""
    # An element or flow whose key was deleted and added again in the batch is a new row.
    kept_elements = {
        key: el for key, el in final.elements.items() if key in original.elements and el.pk == original.elements[key].pk
    }
    kept_flows = {key: fl for key, fl in final.flows.items() if key in original.flows and fl.pk == original.flows[key].pk}
    gone_elements = [el.pk for key, el in original.elements.items() if key not in kept_elements and el.pk]
    gone_flows = [fl.pk for key, fl in original.flows.items() if key not in kept_flows and fl.pk]

    # A kept flow whose endpoint changed to an element that is new gets its ids after creation;
    # deleting flows first frees every element that is about to go.
    if gone_flows:
        Flow.objects.filter(pk__in=gone_flows).delete()
    if gone_elements:
        # Children of a deleted boundary get their new parent below (the simulation moved them up).
        Element.objects.filter(pk__in=gone_elements).delete()

    new_elements = {key: el for key, el in final.elements.items() if key not in kept_elements}
    ids: dict[str, int] = {key: el.pk for key, el in kept_elements.items() if el.pk is not None}
    ids.update(_create_elements(diagram, list(new_elements.values())))

    # Parents are set once every row exists; the simulation already refused cycles.
    parent_changes: list[Element] = []
    field_changes: list[Element] = []
    for key, el in final.elements.items():
        before = original.elements.get(key) if key in kept_elements else None
        wanted_parent = ids[el.parent] if el.parent else None
        if before is None:
            if wanted_parent is not None:
                parent_changes.append(Element(pk=ids[key], parent_id=wanted_parent))
            continue
        if el.parent != before.parent or (before.parent and before.parent not in kept_elements):
            parent_changes.append(Element(pk=ids[key], parent_id=wanted_parent))
        if (el.name, el.description, dict(el.properties), el.x, el.y, el.width, el.height) != (
            before.name,
            before.description,
            dict(before.properties),
            before.x,
            before.y,
            before.width,
            before.height,
        ):
            field_changes.append(
                Element(
                    pk=ids[key],
                    name=el.name,
                    description=el.description,
                    properties=dict(el.properties),
                    x=el.x,
                    y=el.y,
                    width=el.width,
                    height=el.height,
                )
            )
    if parent_changes and copy_available():
        set_parents([(row.pk, row.parent_id) for row in parent_changes])
    elif parent_changes:
        Element.objects.bulk_update(parent_changes, ["parent"], batch_size=1000)
    if field_changes:
        Element.objects.bulk_update(
            field_changes, ["name", "description", "properties", "x", "y", "width", "height"], batch_size=1000
        )

    new_flows = [fl for key, fl in final.flows.items() if key not in kept_flows]
    created_flow_ids = _create_flows(diagram, new_flows, ids)
    flow_changes = []
    for key, fl in kept_flows.items():
        before_flow = original.flows[key]
        if fl != before_flow or before_flow.source not in kept_elements or before_flow.target not in kept_elements:
            flow_changes.append(
                Flow(
                    pk=fl.pk,
                    source_id=ids[fl.source],
                    target_id=ids[fl.target],
                    label=fl.label,
                    protocol=fl.protocol,
                    bidirectional=fl.bidirectional,
                    description=fl.description,
                    properties=dict(fl.properties),
                )
            )
    if flow_changes:
        Flow.objects.bulk_update(
            flow_changes,
            ["source", "target", "label", "protocol", "bidirectional", "description", "properties"],
            batch_size=1000,
        )
    flow_ids = {key: fl.pk for key, fl in kept_flows.items()}
    flow_ids.update(created_flow_ids)
    return DiagramState(
        {key: el if el.pk == ids[key] else replace(el, pk=ids[key]) for key, el in final.elements.items()},
        {key: fl if fl.pk == flow_ids[key] else replace(fl, pk=flow_ids[key]) for key, fl in final.flows.items()},
        set(final.keys_elsewhere),
    )


_ELEMENT_FIELDS = ("threat_model_id", "diagram_id", "key", "kind", "name", "description", "properties", "x", "y", "width", "height")
_FLOW_FIELDS = (
    "threat_model_id", "diagram_id", "key", "source_id", "target_id", "label", "protocol", "bidirectional", "description",
    "properties",
)
_LOG_FIELDS = ("diagram_id", "actor_id", "batch", "seq", "op", "target_key", "version", "before", "after", "created_at")


def _create_elements(diagram: Diagram, elements: list[Any]) -> dict[str, int]:
    """Insert new elements without parents (set once every row exists); their ids by key."""
    if not elements:
        return {}
    model_id = diagram.threat_model_id
    rows = [
        (model_id, diagram.pk, el.key, el.kind, el.name, el.description, dict(el.properties), el.x, el.y, el.width, el.height)
        for el in elements
    ]
    if copy_available():
        insert_rows(Element, _ELEMENT_FIELDS, rows)
        return ids_by_key(Element, model_id, [el.key for el in elements])
    created = Element.objects.bulk_create([Element(**dict(zip(_ELEMENT_FIELDS, row, strict=True))) for row in rows], batch_size=1000)
    return {row.key: row.pk for row in created}


def _create_flows(diagram: Diagram, flows: list[Any], ids: dict[str, int]) -> dict[str, int]:
    """Insert new flows between the elements' rows ``ids``; their ids by key."""
    if not flows:
        return {}
    model_id = diagram.threat_model_id
    rows = [
        (model_id, diagram.pk, fl.key, ids[fl.source], ids[fl.target], fl.label, fl.protocol, fl.bidirectional, fl.description,
         dict(fl.properties))
        for fl in flows
    ]
    if copy_available():
        insert_rows(Flow, _FLOW_FIELDS, rows)
        return ids_by_key(Flow, model_id, [fl.key for fl in flows])
    created = Flow.objects.bulk_create([Flow(**dict(zip(_FLOW_FIELDS, row, strict=True))) for row in rows], batch_size=1000)
    return {row.key: row.pk for row in created}


def _log(diagram: Diagram, actor: User | None, version: int, records: list[OpRecord], batch: uuid.UUID | None) -> None:
    """One log row per applied operation, all of the batch under one batch id."""
    batch = batch or uuid.uuid4()
    now = timezone.now()
    actor_id = actor.pk if actor is not None else None
    rows = [
        (diagram.pk, actor_id, batch, r.seq, r.op, r.key, version, r.before, r.after, now) for r in records
    ]
    if copy_available():
        insert_rows(DiagramOp, _LOG_FIELDS, rows)
        return
    DiagramOp.objects.bulk_create([DiagramOp(**dict(zip(_LOG_FIELDS, row, strict=True))) for row in rows], batch_size=1000)
