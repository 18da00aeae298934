"""A model that uses everything the formats must carry, and small helpers to import files through the API."""

from __future__ import annotations

from datetime import date
from typing import Any

from conftest import World
from dfd.models import Diagram
from stride.models import AttackMitigation, CoverageNote, Technique, Threat
from threatmodel.diagrams import diagram_change
from threatmodel.models import Decision, Mitigation, ThreatMitigation, ThreatModel

RICH_OPS: list[dict[str, Any]] = [
    {"op": "add_element", "key": "tb-cloud", "kind": "trust_boundary", "name": "Cloud account", "x": 0, "y": 0, "width": 900,
     "height": 600, "properties": {"boundary_type": "cloud_account"}},
    {"op": "add_element", "key": "tb-cluster", "kind": "trust_boundary", "name": "Cluster", "parent": "tb-cloud", "x": 40, "y": 60,
     "width": 700, "height": 450, "properties": {"boundary_type": "cluster"}},
    {"op": "add_element", "key": "tb-ns", "kind": "trust_boundary", "name": "Namespace shop", "parent": "tb-cluster", "x": 30.5,
     "y": 40.25, "width": 400, "height": 300, "properties": {"boundary_type": "namespace", "network_policy": False}},
    {"op": "add_element", "key": "user", "kind": "external_entity", "name": "Customer", "x": 1000, "y": 100,
     "description": "Anyone on the internet", "properties": {"authenticated": True, "public_network": True}},
    {"op": "add_element", "key": "web", "kind": "process", "name": 'Web "shop" <front>', "parent": "tb-ns", "x": 20, "y": 30,
     "width": 120, "height": 60, "properties": {"privileged": True, "runs_as_root": "unknown", "component": "workload"}},
    {"op": "add_element", "key": "db", "kind": "data_store", "name": "Orders DB", "parent": "tb-cluster", "x": 500, "y": 300,
     "properties": {"encrypted": False, "data_classification": "confidential", "stores_credentials": True}},
    {"op": "add_element", "key": "log", "kind": "data_store", "name": "Audit log", "parent": "tb-cloud", "x": 780, "y": 520,
     "properties": {"is_log": True}},
    {"op": "add_flow", "key": "f-user-web", "source": "user", "target": "web", "label": 'Browse & buy "now"', "protocol": "https",
     "properties": {"encrypted": True, "public_network": True}},
    {"op": "add_flow", "key": "f-web-db", "source": "web", "target": "db", "label": "Orders", "protocol": "postgres",
     "bidirectional": True, "description": "SQL over TLS"},
    {"op": "add_flow", "key": "f-web-log", "source": "web", "target": "log"},
]  # fmt: skip

CONTEXT_OPS: list[dict[str, Any]] = [
    {"op": "add_element", "key": "ctx-user", "kind": "external_entity", "name": "Shopper", "x": 10, "y": 10},
    {"op": "add_element", "key": "ctx-shop", "kind": "process", "name": "Shop", "x": 300, "y": 10},
    {"op": "add_flow", "key": "ctx-f1", "source": "ctx-user", "target": "ctx-shop", "label": "Orders"},
]


def techniques() -> dict[str, Technique]:
    """Two techniques of the shipped ATT&CK catalogue (loaded after every migrate and flush)."""
    found = {t.attack_id: t for t in Technique.objects.filter(attack_id__in=["T1611", "T1610"])}
    assert len(found) == 2, "the shipped ATT&CK catalogue is not loaded"
    return found


def rich_model(world: World) -> ThreatModel:
    """Nested boundaries, an element outside them, typed properties, two diagrams, threats of every kind."""
    model = ThreatModel.objects.create(
        team=world.team, name="Shop <rich>", description="All the features", scope="The shop", assumptions="Nodes hardened",
        created_by=world.users["owner"],
    )  # fmt: skip
    level0 = Diagram.objects.create(threat_model=model, name="Level 0", level="level_0", order=0)
    context = Diagram.objects.create(threat_model=model, name="Context", level="context", order=1)
    diagram_change(analyse=False, diagram_id=level0.pk, actor=None, base_version=1, ops=RICH_OPS)
    diagram_change(analyse=False, diagram_id=context.pk, actor=None, base_version=1, ops=CONTEXT_OPS)
    found = techniques()
    elements = {e.key: e for e in level0.elements.all()}
    flows = {f.key: f for f in level0.flows.all()}
    escape = Threat.objects.create(
        threat_model=model, fingerprint="ESC-1@web", rule_id="ESC-1", origin="rule", stride="E", element=elements["web"],
        element_key="web", title="Container escape from the web pod", description="A privileged pod can reach the node.",
        explanation={"matched": ["privileged"]}, likelihood=3, impact=4, owner=world.users["editor"], notes="Seen in workshop",
        rationale="Privileged and internet-facing", triaged=True,
    )  # fmt: skip
    escape.techniques.add(found["T1611"], found["T1610"])
    Threat.objects.create(
        threat_model=model, fingerprint="MANUAL:sniff@f-user-web", origin="manual", stride="I", flow=flows["f-user-web"],
        flow_key="f-user-web", title="=HYPERLINK(\"http://evil\",\"click\")", likelihood=2, impact=2, status="mitigated",
    )  # fmt: skip
    accepted = Threat.objects.create(
        threat_model=model, fingerprint="DOS-1@db", rule_id="DOS-1", origin="rule", stride="D", element=elements["db"],
        element_key="db", title="Orders DB exhausted", likelihood=5, impact=5, status="accepted", owner=world.users["owner"],
        rationale="Managed service with autoscaling",
    )  # fmt: skip
    accepted.techniques.add(found["T1611"])
    Threat.objects.create(
        threat_model=model, fingerprint="TAMP-1@gone", rule_id="TAMP-1", origin="rule", stride="T", element_key="gone",
        title="Tampering with a deleted element", status="obsolete",
    )  # fmt: skip
    Threat.objects.create(
        threat_model=model, fingerprint="REP-1@web", rule_id="REP-1", origin="rule", stride="R", element=elements["web"],
        element_key="web", title="Web denies actions", duplicate_of=escape, likelihood=1, impact=4,
    )  # fmt: skip
    CoverageNote.objects.create(threat_model=model, target_key="log", stride="D", reason="Managed logging SLA", author=world.users["owner"])
    # The workflow: a planned mitigation (projected effect only), a verified one with evidence
    # (it lowers the residual risk), and an active acceptance with an expiry.
    planned = Mitigation.objects.create(
        threat_model=model, ref="MIT-1", title="Drop privileged mode", status="planned", likelihood_reduction=1,
        owner=world.users["editor"],
    )  # fmt: skip
    ThreatMitigation.objects.create(threat=escape, mitigation=planned)
    verified = Mitigation.objects.create(
        threat_model=model, ref="MIT-2", title="Autoscaling with a connection cap", status="verified", likelihood_reduction=2,
        evidence_url="https://example.com/load-test", evidence="Load test report", owner=world.users["owner"],
        verified_by=world.users["reviewer"],
    )  # fmt: skip
    verified.attack_mitigations.add(*AttackMitigation.objects.filter(attack_id="M1048"))
    ThreatMitigation.objects.create(threat=accepted, mitigation=verified)
    Decision.objects.create(
        threat_model=model, threat=accepted, kind="acceptance", status="active", justification="Managed service; cost of more",
        owner=world.users["owner"], expires_on=date(2030, 1, 31), band="unacceptable", score=15, policy_version=1,
        approved_by=world.users["owner"], created_by=world.users["editor"],
    )  # fmt: skip
    model.refresh_from_db()
    return model


def import_file(world: World, raw: bytes, *, fmt: str | None = None, content_type: str = "application/json", persona: str = "editor") -> Any:
    query = f"team={world.team.pk}" + (f"&format={fmt}" if fmt else "")
    return world.client(persona).post(f"/api/v1/threat-models/import/?{query}", data=raw, content_type=content_type)


def imported(response: Any) -> ThreatModel:
    assert response.status_code == 201, response.content[:2000]
    return ThreatModel.objects.get(pk=response.json()["threat_model"]["id"])
