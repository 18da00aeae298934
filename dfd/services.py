"""Every state change of a diagram. ``apply_ops`` is the single write path for elements and flows.

A batch is applied against a base version, under a row lock on the threat model, in one
transaction: all operations or none. A stale base version is refused with the current version
(``StaleVersion``, HTTP 409) — nothing is merged blindly. Each applied operation is logged with
its actor, the element or flow before and after, and the version it produced.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.db import transaction
from django.db.models import F

from common.errors import StaleVersion, ValidationFailed
from dfd.models import Diagram, DiagramOp, Element, Flow
from dfd.ops import DiagramState, ElementState, FlowState, OpRecord, simulate
from threatmodel.models import ThreatModel
from threatmodel.permissions import require_role

if TYPE_CHECKING:
    from django.contrib.auth.models import User


@dataclass(frozen=True)
class OpsResult:
    diagram_id: int
    version: int
    threat_model_version: int
    applied: int
    deleted_flows: list[str] = field(default_factory=list)
    reparented: list[str] = field(default_factory=list)
    records: list[OpRecord] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {
            "diagram": self.diagram_id,
            "version": self.version,
            "threat_model_version": self.threat_model_version,
            "applied": self.applied,
            "deleted_flows": self.deleted_flows,
            "reparented": self.reparented,
        }


def load_state(diagram: Diagram) -> DiagramState:
    """The diagram as the pure operations module sees it (3 queries whatever the size)."""
    rows = list(
        Element.objects.filter(diagram=diagram).values(
            "id", "key", "kind", "name", "description", "properties", "parent__key", "x", "y", "width", "height"
        )
    )
    elements = {
        row["key"]: ElementState(
            key=row["key"],
            kind=row["kind"],
            name=row["name"],
            description=row["description"],
            properties=row["properties"] or {},
            parent=row["parent__key"],
            x=row["x"],
            y=row["y"],
            width=row["width"],
            height=row["height"],
            pk=row["id"],
        )
        for row in rows
    }
    flows = {
        row["key"]: FlowState(
            key=row["key"],
            source=row["source__key"],
            target=row["target__key"],
            label=row["label"],
            protocol=row["protocol"],
            bidirectional=row["bidirectional"],
            description=row["description"],
            properties=row["properties"] or {},
            pk=row["id"],
        )
        for row in Flow.objects.filter(diagram=diagram).values(
            "id", "key", "source__key", "target__key", "label", "protocol", "bidirectional", "description", "properties"
        )
    }
    elsewhere = set(
        Element.objects.filter(threat_model_id=diagram.threat_model_id).exclude(diagram=diagram).values_list("key", flat=True)
    )
    elsewhere |= set(
        Flow.objects.filter(threat_model_id=diagram.threat_model_id).exclude(diagram=diagram).values_list("key", flat=True)
    )
    return DiagramState(elements, flows, elsewhere)


def apply_ops(
    *,
    diagram_id: int,
    actor: User | None,
    base_version: int,
    ops: object,
) -> OpsResult:
    """Apply a batch of operations to a diagram, all or none, against ``base_version``.

    ``actor`` must be an editor or owner of the model's team; ``None`` is the system itself
    (templates, management commands) and is only passed by code, never from a request.
    """
    with transaction.atomic():
        diagram = Diagram.objects.select_related("threat_model").get(pk=diagram_id)
        if actor is not None:
            require_role(actor, diagram.threat_model.team_id, "write", what="diagram")
        # One writer per threat model at a time: keys are unique across its diagrams, and its
        # version moves with every batch. select_for_update re-reads the row after the wait.
        ThreatModel.objects.select_for_update().only("id").get(pk=diagram.threat_model_id)
        diagram = Diagram.objects.select_for_update().get(pk=diagram_id)
        if diagram.version != base_version:
            raise StaleVersion(
                f"The diagram is at version {diagram.version}, not {base_version}: reload it and apply your "
                "changes again.",
                current_version=diagram.version,
            )
        original = load_state(diagram)
        outcome = simulate(original, ops, max_ops=settings.THREATMODEL_MAX_OPS_PER_BATCH)
        if outcome.errors:
            raise ValidationFailed(
                f"{len(outcome.errors)} operation(s) are invalid; nothing was applied.", details=outcome.errors
            )
        total = Element.objects.filter(threat_model_id=diagram.threat_model_id).count()
        growth = len(outcome.state.elements) - len(original.elements)
        if total + growth > settings.THREATMODEL_MAX_ELEMENTS_PER_MODEL:
            raise ValidationFailed(
                f"A threat model may hold at most {settings.THREATMODEL_MAX_ELEMENTS_PER_MODEL} elements.",
                details=[{"path": "ops", "message": "too many elements"}],
            )
        _write(diagram, original, outcome.state)
        # The conditional update is the final word on concurrency, also where row locks are not
        # available (SQLite): only one batch can move the version from base_version.
        if not Diagram.objects.filter(pk=diagram.pk, version=base_version).update(version=F("version") + 1):
            current = Diagram.objects.values_list("version", flat=True).get(pk=diagram.pk)
            raise StaleVersion("The diagram changed while this batch was applied.", current_version=current)
        ThreatModel.objects.filter(pk=diagram.threat_model_id).update(version=F("version") + 1)
        new_version = base_version + 1
        DiagramOp.objects.bulk_create(
            [
                DiagramOp(
                    diagram=diagram,
                    actor=actor,
                    batch=batch,
                    seq=record.seq,
                    op=record.op,
                    target_key=record.key,
                    version=new_version,
                    before=record.before,
                    after=record.after,
                )
                for batch in [uuid.uuid4()]
                for record in outcome.records
            ],
            batch_size=1000,
        )
        model_version = ThreatModel.objects.values_list("version", flat=True).get(pk=diagram.threat_model_id)
        return OpsResult(
            diagram_id=diagram.pk,
            version=new_version,
            threat_model_version=model_version,
            applied=len(ops) if isinstance(ops, list) else 0,
            deleted_flows=outcome.deleted_flows,
            reparented=outcome.reparented,
            records=outcome.records,
        )


def _write(diagram: Diagram, original: DiagramState, final: DiagramState) -> None:
    """Write the difference between two states with bulk statements, in an order the foreign keys allow."""
    model_id = diagram.threat_model_id
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
    created = Element.objects.bulk_create(
        [
            Element(
                threat_model_id=model_id,
                diagram=diagram,
                key=el.key,
                kind=el.kind,
                name=el.name,
                description=el.description,
                properties=dict(el.properties),
                x=el.x,
                y=el.y,
                width=el.width,
                height=el.height,
            )
            for el in new_elements.values()
        ],
        batch_size=1000,
    )
    ids: dict[str, int] = {key: el.pk for key, el in kept_elements.items() if el.pk is not None}
    ids.update({row.key: row.pk for row in created})

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
    if parent_changes:
        Element.objects.bulk_update(parent_changes, ["parent"], batch_size=1000)
    if field_changes:
        Element.objects.bulk_update(
            field_changes, ["name", "description", "properties", "x", "y", "width", "height"], batch_size=1000
        )

    new_flows = [fl for key, fl in final.flows.items() if key not in kept_flows]
    Flow.objects.bulk_create(
        [
            Flow(
                threat_model_id=model_id,
                diagram=diagram,
                key=fl.key,
                source_id=ids[fl.source],
                target_id=ids[fl.target],
                label=fl.label,
                protocol=fl.protocol,
                bidirectional=fl.bidirectional,
                description=fl.description,
                properties=dict(fl.properties),
            )
            for fl in new_flows
        ],
        batch_size=1000,
    )
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


# --- diagrams ---------------------------------------------------------------------------------------------------


def diagram_create(
    *, actor: User | None, threat_model: ThreatModel, name: str, level: str, order: int | None = None
) -> Diagram:
    if actor is not None:
        require_role(actor, threat_model.team_id, "write", what="threat model")
    with transaction.atomic():
        ThreatModel.objects.select_for_update().only("id").get(pk=threat_model.pk)
        if order is None:
            last = Diagram.objects.filter(threat_model=threat_model).order_by("-order").values_list("order", flat=True).first()
            order = 0 if last is None else last + 1
        diagram = Diagram(threat_model=threat_model, name=name, level=level, order=order)
        diagram.full_clean()
        diagram.save()
        ThreatModel.objects.filter(pk=threat_model.pk).update(version=F("version") + 1)
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
        ThreatModel.objects.filter(pk=diagram.threat_model_id).update(version=F("version") + 1)
        return diagram


def diagram_delete(*, actor: User | None, diagram: Diagram) -> None:
    """Delete a diagram with its elements and flows. Threats on them keep their keys and history."""
    if actor is not None:
        require_role(actor, diagram.threat_model.team_id, "write", what="diagram")
    with transaction.atomic():
        ThreatModel.objects.select_for_update().only("id").get(pk=diagram.threat_model_id)
        diagram.delete()
        ThreatModel.objects.filter(pk=diagram.threat_model_id).update(version=F("version") + 1)
