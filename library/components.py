"""Reusable components: a selection saved as plain data, and dropped into a diagram as one batch.

A component holds no keys and no rows — only what was drawn, by position in the component
(elements parents first, each with the index of its parent when the parent was selected too), so
it can be dropped any number of times. A drop is one operation batch through the single write
path (``threatmodel.diagrams.diagram_change``): fresh keys, the role check, the version check
(409 on a stale base), the op log and the analysis all come with it. The triage people did on the
source's threats is carried afterwards, threat by threat through the workflow's own service
(``threat_update``, role-checked and audited), onto the new threats with the same rule, STRIDE
category and subject. Statuses that rest on the source model's mitigations or decisions
(mitigated, accepted, transferred) are not carried: the target model has neither.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from django.db import transaction
from django.db.models import Q, QuerySet

from common.errors import ApplicationError, NotFound, ValidationFailed
from dfd.models import Diagram
from dfd.ops import DiagramState, ElementState
from dfd.selectors import model_diagrams
from library.models import Component
from stride.choices import ThreatOrigin, ThreatStatus
from stride.models import Threat
from threatmodel.audit import audit
from threatmodel.diagrams import DiagramChange, diagram_change
from threatmodel.models import Team
from threatmodel.permissions import require_role
from threatmodel.workflow.threats import threat_update

if TYPE_CHECKING:
    from django.contrib.auth.models import User

MAX_COMPONENT_ELEMENTS = 200
MAX_COMPONENT_FLOWS = 400
MAX_TEAM_COMPONENTS = 200
# Statuses a drop may set on a new threat: those that rest on a reason alone.
CARRIED_STATUSES = {ThreatStatus.NOT_APPLICABLE, ThreatStatus.ELIMINATED}
KEY_PREFIX = {"external_entity": "ee", "process": "p", "data_store": "ds", "trust_boundary": "tb"}


@dataclass(frozen=True)
class ComponentDrop:
    """An inserted component: the batch's answer, the new keys in component order, the triage carried."""

    change: DiagramChange
    element_keys: list[str]
    flow_keys: list[str]
    carried: int = 0
    not_carried: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {
            **self.change.as_dict(),
            "element_keys": self.element_keys,
            "flow_keys": self.flow_keys,
            "triage_carried": self.carried,
            "triage_not_carried": self.not_carried,
        }


# --- reading --------------------------------------------------------------------------------------


def components_for(user: User, *, team: int | None = None) -> QuerySet[Component]:
    """The components of the user's teams (of one of them with ``team``), never another team's."""
    rows = Component.objects.filter(team__in=Team.objects.visible_to(user)).select_related("team")
    return rows.filter(team_id=team) if team is not None else rows


def team_component(user: User, component_id: object) -> Component:
    """A component of one of the user's teams; another team's looks the same as a missing one."""
    row = components_for(user).filter(pk=component_id).first() if isinstance(component_id, int) else None
    if row is None:
        raise NotFound("No such component.")
    return row


# --- saving ---------------------------------------------------------------------------------------


def _absolute(state: DiagramState, key: str) -> tuple[float, float]:
    x, y, seen = 0.0, 0.0, set()
    element: ElementState | None = state.elements.get(key)
    while element is not None and element.key not in seen:
        seen.add(element.key)
        x, y = x + element.x, y + element.y
        element = state.elements.get(element.parent) if element.parent else None
    return x, y


def _depth(state: DiagramState, key: str, chosen: set[str]) -> int:
    depth, element = 0, state.elements[key]
    while element.parent in chosen and depth <= len(chosen):
        depth += 1
        element = state.elements[element.parent]
    return depth


def component_content(state: DiagramState, element_keys: Iterable[str], flow_keys: Iterable[str]) -> dict[str, Any]:
    """The selection as plain data (pure): unknown keys are refused, flows with an end outside are left out."""
    chosen = {str(key) for key in element_keys}
    unknown = sorted(key for key in chosen if key not in state.elements)
    wanted_flows = [str(key) for key in dict.fromkeys(flow_keys)]
    unknown += sorted(key for key in wanted_flows if key not in state.flows)
    if unknown:
        raise ValidationFailed(
            "The selection names elements or flows the diagram does not have.",
            details=[{"path": "elements", "message": f"no element or flow {key!r}"} for key in unknown[:20]],
        )
    if not chosen:
        raise ValidationFailed("Select at least one element.", details=[{"path": "elements", "message": "is empty"}])
    if len(chosen) > MAX_COMPONENT_ELEMENTS:
        raise ValidationFailed(
            f"A component holds at most {MAX_COMPONENT_ELEMENTS} elements.",
            details=[{"path": "elements", "message": f"at most {MAX_COMPONENT_ELEMENTS}"}],
        )
    # Parents first (so a drop can add them in order), then in the diagram's own order.
    order = {key: n for n, key in enumerate(state.elements)}
    keys = sorted(chosen, key=lambda key: (_depth(state, key, chosen), order[key]))
    index = {key: n for n, key in enumerate(keys)}
    roots = [key for key in keys if state.elements[key].parent not in chosen]
    corner = (min(_absolute(state, key)[0] for key in roots), min(_absolute(state, key)[1] for key in roots))
    elements: list[dict[str, Any]] = []
    width = height = 0.0
    for key in keys:
        element = state.elements[key]
        nested = element.parent in chosen
        if nested:
            x, y = element.x, element.y
        else:
            ax, ay = _absolute(state, key)
            x, y = ax - corner[0], ay - corner[1]
            width, height = max(width, x + (element.width or 140)), max(height, y + (element.height or 80))
        elements.append(
            {
                "kind": element.kind,
                "name": element.name,
                "description": element.description,
                "properties": dict(element.properties),
                "parent": index[element.parent] if nested and element.parent is not None else None,
                "x": x,
                "y": y,
                "width": element.width,
                "height": element.height,
            }
        )
    flows = [
        {
            "source": index[flow.source],
            "target": index[flow.target],
            "label": flow.label,
            "protocol": flow.protocol,
            "bidirectional": flow.bidirectional,
            "description": flow.description,
            "properties": dict(flow.properties),
        }
        for flow in (state.flows[key] for key in wanted_flows)
        if flow.source in chosen and flow.target in chosen
    ]
    if len(flows) > MAX_COMPONENT_FLOWS:
        raise ValidationFailed(
            f"A component holds at most {MAX_COMPONENT_FLOWS} flows.", details=[{"path": "flows", "message": f"at most {MAX_COMPONENT_FLOWS}"}]
        )
    kept_flows = [key for key in wanted_flows if state.flows[key].source in chosen and state.flows[key].target in chosen]
    return {
        "elements": elements,
        "flows": flows,
        "triage": [],
        "size": {"width": width, "height": height},
        "_keys": {"elements": index, "flows": {key: n for n, key in enumerate(kept_flows)}},
    }


def _triage(model_id: int, element_index: dict[str, int], flow_index: dict[str, int]) -> list[dict[str, Any]]:
    """What people wrote on the selection's rule threats, by rule, STRIDE and the subject's index."""
    threats = Threat.objects.filter(threat_model_id=model_id, origin=ThreatOrigin.RULE).exclude(status=ThreatStatus.OBSOLETE)
    threats = threats.filter(Q(element_key__in=list(element_index)) | Q(flow_key__in=list(flow_index)))
    threats = threats.filter(Q(triaged=True) | ~Q(notes="") | Q(likelihood__isnull=False) | Q(status__in=list(CARRIED_STATUSES)))
    carried: list[dict[str, Any]] = []
    for threat in threats.order_by("id"):
        element = element_index.get(threat.element_key) if threat.element_key else None
        flow = flow_index.get(threat.flow_key) if threat.flow_key else None
        if (threat.element_key and element is None) or (threat.flow_key and flow is None):
            continue  # about something outside the selection
        entry: dict[str, Any] = {"rule": threat.rule_id, "stride": threat.stride, "element": element, "flow": flow,
                                 "notes": threat.notes, "triaged": threat.triaged, "rationale": threat.rationale}  # fmt: skip
        if threat.likelihood is not None and threat.impact is not None:
            entry |= {"likelihood": threat.likelihood, "impact": threat.impact}
        if threat.status in CARRIED_STATUSES:
            entry["status"] = threat.status
        carried.append(entry)
    return carried


def component_save(
    *, actor: User, diagram: Diagram, element_keys: list[str], flow_keys: list[str], name: str, description: str = ""
) -> Component:
    """Save a selection of ``diagram`` to its team's library (editors and above)."""
    team_id = diagram.threat_model.team_id
    require_role(actor, team_id, "write", what="diagram")
    name = name.strip()
    if not name:
        raise ValidationFailed("Name the component.", details=[{"path": "name", "message": "is required"}])
    snapshot = model_diagrams(diagram.threat_model_id, only=diagram.pk)[0]
    content = component_content(snapshot.state, element_keys, flow_keys)
    keys = content.pop("_keys")
    content["triage"] = _triage(diagram.threat_model_id, keys["elements"], keys["flows"])
    with transaction.atomic():
        team = Team.objects.select_for_update().get(pk=team_id)
        if Component.objects.filter(team=team).count() >= MAX_TEAM_COMPONENTS:
            raise ValidationFailed(
                f"The team has {MAX_TEAM_COMPONENTS} components already; delete one first.",
                details=[{"path": "name", "message": f"at most {MAX_TEAM_COMPONENTS} components per team"}],
            )
        row = Component.objects.create(
            team=team,
            name=name[:200],
            description=description[:2000],
            content=content,
            element_count=len(content["elements"]),
            flow_count=len(content["flows"]),
            width=content["size"]["width"],
            height=content["size"]["height"],
            created_by=actor,
        )
        audit(actor=actor, action="component.save", obj=diagram.threat_model,
              after={"component": row.pk, "name": row.name, "diagram": diagram.pk, "elements": row.element_count})  # fmt: skip
    return row


def component_delete(*, actor: User, row: Component) -> None:
    require_role(actor, row.team_id, "write", what="component")
    with transaction.atomic():
        audit(actor=actor, action="component.delete", obj=row, before={"component": row.pk, "name": row.name})
        row.delete()


# --- dropping -------------------------------------------------------------------------------------


def _fresh_key(kind: str, taken: set[str]) -> str:
    while True:
        key = f"{KEY_PREFIX.get(kind, 'f')}-{secrets.token_hex(4)}"
        if key not in taken:
            taken.add(key)
            return key


def component_ops(
    content: dict[str, Any], *, taken: set[str], x: float, y: float, parent: str | None = None
) -> tuple[list[dict[str, Any]], list[str], list[str]]:
    """The batch that draws ``content`` with its corner at (x, y) — relative to ``parent`` when given (pure)."""
    element_keys = [_fresh_key(str(item["kind"]), taken) for item in content["elements"]]
    ops: list[dict[str, Any]] = []
    for item, key in zip(content["elements"], element_keys, strict=True):
        nested = item["parent"] is not None
        op: dict[str, Any] = {
            "op": "add_element",
            "key": key,
            "kind": item["kind"],
            "name": item["name"],
            "x": round(item["x"] if nested else x + item["x"], 2),
            "y": round(item["y"] if nested else y + item["y"], 2),
        }
        if item.get("description"):
            op["description"] = item["description"]
        if item.get("properties"):
            op["properties"] = dict(item["properties"])
        if nested:
            op["parent"] = element_keys[item["parent"]]
        elif parent is not None:
            op["parent"] = parent
        for size in ("width", "height"):
            if item.get(size) is not None:
                op[size] = item[size]
        ops.append(op)
    flow_keys = [_fresh_key("flow", taken) for _ in content["flows"]]
    for item, key in zip(content["flows"], flow_keys, strict=True):
        op = {"op": "add_flow", "key": key, "source": element_keys[item["source"]], "target": element_keys[item["target"]]}
        for name in ("label", "protocol", "description"):
            if item.get(name):
                op[name] = item[name]
        if item.get("bidirectional"):
            op["bidirectional"] = True
        if item.get("properties"):
            op["properties"] = dict(item["properties"])
        ops.append(op)
    return ops, element_keys, flow_keys


def component_insert(
    *,
    actor: User,
    component: Component,
    diagram: Diagram,
    base_version: int,
    x: float,
    y: float,
    parent: str | None = None,
) -> ComponentDrop:
    """Drop ``component`` into ``diagram`` as one batch, then carry its triage onto the new threats."""
    require_role(actor, diagram.threat_model.team_id, "write", what="diagram")
    if component.team_id != diagram.threat_model.team_id:
        # A team's library serves that team's models (a member of both still sees it only there).
        raise NotFound("No such component.")
    snapshot = model_diagrams(diagram.threat_model_id, only=diagram.pk)[0]
    taken = set(snapshot.state.elements) | set(snapshot.state.flows) | set(snapshot.state.keys_elsewhere)
    ops, element_keys, flow_keys = component_ops(component.content, taken=taken, x=x, y=y, parent=parent)
    with transaction.atomic():
        change = diagram_change(actor=actor, diagram_id=diagram.pk, base_version=base_version, ops=ops)
        carried, not_carried = 0, list[str]()
        if change.analysis is not None and change.analysis.get("status") == "done":
            carried, not_carried = _carry_triage(actor, diagram.threat_model_id, component.content.get("triage") or [],
                                                 element_keys, flow_keys)  # fmt: skip
        elif component.content.get("triage"):
            not_carried.append("The analysis was queued (a large model): the triage was not carried.")
        audit(actor=actor, action="component.insert", obj=diagram.threat_model,
              after={"component": component.pk, "diagram": diagram.pk, "elements": element_keys, "carried": carried})  # fmt: skip
    return ComponentDrop(change=change, element_keys=element_keys, flow_keys=flow_keys, carried=carried, not_carried=not_carried)


def _carry_triage(
    actor: User, model_id: int, triage: list[dict[str, Any]], element_keys: list[str], flow_keys: list[str]
) -> tuple[int, list[str]]:
    if not triage:
        return 0, []
    threats = Threat.objects.filter(threat_model_id=model_id, origin=ThreatOrigin.RULE).exclude(status=ThreatStatus.OBSOLETE)
    threats = threats.filter(Q(element_key__in=element_keys) | Q(flow_key__in=flow_keys)).select_related("threat_model")
    by_subject = {(t.rule_id, t.stride, t.element_key, t.flow_key): t for t in threats}
    carried, skipped = 0, []
    for entry in triage:
        element = element_keys[entry["element"]] if entry.get("element") is not None else ""
        flow = flow_keys[entry["flow"]] if entry.get("flow") is not None else ""
        threat = by_subject.get((entry["rule"], entry["stride"], element, flow))
        if threat is None:
            skipped.append(f"{entry['rule']} on {element or flow}: the rule does not fire here")
            continue
        changes: dict[str, Any] = {name: entry[name] for name in ("notes", "triaged") if entry.get(name)}
        if entry.get("likelihood") is not None:
            changes |= {"likelihood": entry["likelihood"], "impact": entry["impact"], "rationale": entry.get("rationale", "")}
        elif entry.get("rationale"):
            changes["rationale"] = entry["rationale"]
        if entry.get("status") in CARRIED_STATUSES:
            changes["status"] = entry["status"]
        if not changes:
            continue
        try:
            with transaction.atomic():
                threat_update(actor=actor, threat=threat, changes=changes)
            carried += 1
        except ApplicationError as error:
            skipped.append(f"{entry['rule']} on {element or flow}: {error}")
    return carried, skipped
