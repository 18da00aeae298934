"""Builders for workflow tests: threats, a diagram that passes design, full coverage, a model at a stage."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.utils import timezone

from conftest import World
from stride.coverage import coverage_for
from stride.models import AttackMitigation, CoverageNote, Technique, Threat
from threatmodel.diagrams import diagram_change
from threatmodel.models import Decision, Mitigation, ThreatMitigation, ThreatModel

# The properties the world fixture's diagram leaves unset, so that it passes the design gate.
COMPLETE_DESIGN_OPS: list[dict[str, Any]] = [
    {"op": "update_element", "key": "tb-app", "properties": {"boundary_type": "namespace"}},
    {"op": "update_element", "key": "user", "properties": {"public_network": True}},
    {"op": "update_element", "key": "web", "properties": {"authenticated": True}},
    {"op": "update_element", "key": "db", "properties": {"authenticated": True, "stores_credentials": False}},
    {"op": "update_flow", "key": "f1", "properties": {"authenticated": True, "data_classification": "confidential"}},
    {"op": "update_flow", "key": "f2", "properties": {"authenticated": "unknown", "encrypted": False, "public_network": False,
                                                      "data_classification": "confidential"}},
]


def complete_design(world: World) -> None:
    world.diagram.refresh_from_db()
    diagram_change(analyse=False, diagram_id=world.diagram.pk, actor=None, base_version=world.diagram.version, ops=COMPLETE_DESIGN_OPS)
    world.diagram.refresh_from_db()
    world.model.refresh_from_db()


def add_threat(world: World, fingerprint: str, *, element: str = "web", stride: str = "T", **fields: Any) -> Threat:
    target = world.model.diagrams.get().elements.get(key=element)
    return Threat.objects.create(
        threat_model=world.model,
        fingerprint=fingerprint,
        rule_id=fingerprint.split("@")[0],
        origin="rule",
        stride=stride,
        element=target,
        element_key=element,
        title=fields.pop("title", f"Threat {fingerprint}"),
        **fields,
    )


def rated_threat(world: World, fingerprint: str, likelihood: int | None = 3, impact: int | None = 3, **fields: Any) -> Threat:
    return add_threat(
        world, fingerprint, likelihood=likelihood, impact=impact, rationale=fields.pop("rationale", "reachable from a pod"),
        triaged=fields.pop("triaged", True), **fields,
    )


def cover_everything(world: World, reason: str = "considered in the workshop") -> None:
    """A coverage note for every cell that no threat covers."""
    for cell in coverage_for(world.model.pk):
        if not cell.covered:
            CoverageNote.objects.create(threat_model=world.model, target_key=cell.target, stride=cell.stride, reason=reason)


def mark_analysed(model: ThreatModel) -> None:
    model.refresh_from_db()
    ThreatModel.objects.filter(pk=model.pk).update(analysed_version=model.version, analysed_at=timezone.now())
    model.refresh_from_db()


def set_stage(model: ThreatModel, stage: str) -> None:
    model.refresh_from_db()
    ThreatModel.objects.filter(pk=model.pk).update(stage=stage, break_version=model.version if stage in ("fix", "verify", "approved") else None)
    model.refresh_from_db()


def mitigation(world: World, threats: list[Threat], *, status: str = "planned", ref: str = "MIT-1", **fields: Any) -> Mitigation:
    created = Mitigation.objects.create(threat_model=world.model, ref=ref, title=fields.pop("title", "Drop privileges"), status=status, **fields)
    for threat in threats:
        ThreatMitigation.objects.create(threat=threat, mitigation=created)
    return created


def acceptance(world: World, threat: Threat, days: int = 90, **fields: Any) -> Decision:
    values: dict[str, Any] = {
        "kind": "acceptance",
        "status": "active",
        "justification": "Cost of the fix outweighs the risk",
        "owner": world.users["owner"],
        "expires_on": timezone.localdate() + timedelta(days=days),
        **fields,
    }
    return Decision.objects.create(threat_model=world.model, threat=threat, **values)


def attack_catalogue() -> dict[str, Any]:
    """Rows of the shipped ATT&CK catalogue (loaded after every migrate and flush) the tests use."""
    techniques = {t.attack_id: t for t in Technique.objects.filter(attack_id__in=["T1611", "T1552", "T1552.007"])}
    mitigations = {m.attack_id: m for m in AttackMitigation.objects.filter(attack_id__in=["M1048", "M1026", "M1035"])}
    assert len(techniques) == 3 and len(mitigations) == 3, "the shipped ATT&CK catalogue is not loaded"
    return {**techniques, **mitigations}
