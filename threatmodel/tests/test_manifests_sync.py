"""``POST /api/v1/diagrams/{id}/sync-from-manifests/``: the drift between the files and the diagram.

Unchanged files give no operation; one changed field gives exactly one update; a removed
Deployment takes its element and flows with it; what people drew and set is kept; a stale base
version is refused; only editors may run it and outsiders do not see the diagram.
"""

from __future__ import annotations

import io
from typing import Any

import pytest

from conftest import World
from dfd.models import Diagram, Element, Flow
from stride.models import Threat
from threatmodel.analysis import threat_model_analyse
from threatmodel.diagrams import diagram_change
from threatmodel.models import AuditEvent, Control, Mitigation, MitigationStatus, ThreatMitigation, ThreatModel
from threatmodel.tests.manifest_helpers import corpus
from threatmodel.workflow.controls import controls_sync

pytestmark = pytest.mark.django_db

BOUTIQUE = "online-boutique/release/kubernetes-manifests.yaml"


def post(world: World, url: str, raw: bytes, persona: str = "editor", **fields: Any) -> Any:
    part = io.BytesIO(raw)
    part.name = "kubernetes-manifests.yaml"
    return world.client(persona).post(url, data={"file": [part], **fields}, format="multipart")


def imported(world: World) -> tuple[Diagram, bytes]:
    raw = corpus(BOUTIQUE)[0].read_bytes()
    response = post(
        world, f"/api/v1/threat-models/import/?format=kubernetes&team={world.team.pk}", raw, team=world.team.pk
    )
    assert response.status_code == 201, response.content[:500]
    model = ThreatModel.objects.get(pk=response.json()["threat_model"]["id"])
    return model.diagrams.get(), raw


def sync(world: World, diagram: Diagram, raw: bytes, persona: str = "editor", **fields: Any) -> Any:
    return post(
        world, f"/api/v1/diagrams/{diagram.pk}/sync-from-manifests/", raw, persona, format="kubernetes", **fields
    )


def test_unchanged_manifests_give_no_operation(world: World) -> None:
    diagram, raw = imported(world)
    body = sync(world, diagram, raw).json()
    assert body["dry_run"] is True and body["operations"] == 0 and body["ops"] == []
    assert body["changes"]["elements"] == {"added": [], "changed": [], "removed": []}


def test_one_changed_field_is_exactly_one_update_with_its_before_and_after(world: World) -> None:
    diagram, raw = imported(world)
    changed = raw.replace(b"readOnlyRootFilesystem: true", b"readOnlyRootFilesystem: false", 1)
    body = sync(world, diagram, changed).json()
    assert body["operations"] == 1
    (op,) = body["ops"]
    assert op["op"] == "update_element" and op["properties"] == {"read_only_root_fs": False}
    (element,) = body["changes"]["elements"]["changed"]
    assert element["properties"] == {"read_only_root_fs": {"before": True, "after": False}}
    assert (
        Element.objects.get(diagram=diagram, key=element["key"]).properties["read_only_root_fs"] is True
    )  # a dry run writes nothing


def test_a_removed_deployment_takes_its_element_and_flows(world: World) -> None:
    diagram, raw = imported(world)
    documents = raw.split(b"\n---\n")
    kept = b"\n---\n".join(d for d in documents if b"name: emailservice" not in d)
    body = sync(world, diagram, kept).json()
    removed = {item["key"] for item in body["changes"]["elements"]["removed"]}
    assert removed == {"k8s:deployment:default:emailservice"}
    gone_flows = {item["target"] for item in body["changes"]["flows"]["removed"]}
    assert gone_flows == {"k8s:deployment:default:emailservice"}
    applied = sync(world, diagram, kept, dry_run="false", base_version=diagram.version)
    assert applied.status_code == 200, applied.content[:500]
    assert not Element.objects.filter(diagram=diagram, key="k8s:deployment:default:emailservice").exists()
    assert not Flow.objects.filter(diagram=diagram, target__key="k8s:deployment:default:emailservice").exists()


def test_a_drift_is_applied_at_a_base_version_and_a_stale_one_is_refused(world: World) -> None:
    diagram, raw = imported(world)
    privileged = raw.replace(
        b"readOnlyRootFilesystem: true", b"readOnlyRootFilesystem: true\n            privileged: true", 1
    )
    stale = sync(world, diagram, privileged, dry_run="false", base_version=diagram.version + 5)
    assert stale.status_code == 409
    applied = sync(world, diagram, privileged, dry_run="false", base_version=diagram.version)
    assert applied.status_code == 200, applied.content[:500]
    body = applied.json()
    assert body["result"]["version"] == diagram.version + 1 and body["result"]["applied"] == 1
    key = body["changes"]["elements"]["changed"][0]["key"]
    assert Element.objects.get(diagram=diagram, key=key).properties["privileged"] is True
    # The drift is in the model's history: the privileged pod's threat is new and open.
    assert Threat.objects.filter(
        threat_model_id=diagram.threat_model_id, element_key=key, rule_id="K8S-001", status="open"
    ).exists()
    assert sync(world, diagram, privileged).json()["operations"] == 0


def test_hand_drawn_elements_reviewers_facts_positions_and_triage_are_kept(world: World) -> None:
    diagram, raw = imported(world)
    model_id = diagram.threat_model_id
    threat_model_analyse(model_id=model_id, actor=None)
    frontend = "k8s:deployment:default:frontend"
    hand = [
        {"op": "add_element", "key": "cdn", "kind": "external_entity", "name": "CDN", "x": 10, "y": 10},
        {"op": "add_flow", "key": "cdn-front", "source": "cdn", "target": frontend},
        {"op": "update_element", "key": frontend, "properties": {"image_signed": True}},
        {"op": "move_element", "key": frontend, "x": 999, "y": 77},
    ]
    diagram_change(actor=world.users["editor"], diagram_id=diagram.pk, base_version=diagram.version, ops=hand)
    diagram.refresh_from_db()
    threat = Threat.objects.filter(threat_model_id=model_id).first()
    assert threat is not None
    Threat.objects.filter(pk=threat.pk).update(notes="seen in the review", triaged=True)
    body = sync(world, diagram, raw).json()
    assert body["operations"] == 0, body["ops"]
    # The preview names what stays as drawn: the CDN and its flow, nothing the files own.
    assert body["changes"]["kept"] == {
        "elements": [{"key": "cdn", "kind": "external_entity", "name": "CDN"}],
        "flows": [{"key": "cdn-front", "source": "cdn", "target": frontend, "label": ""}],
    }
    removed = raw.replace(b"name: emailservice", b"name: mailer")
    applied = sync(world, diagram, removed, dry_run="false", base_version=diagram.version)
    assert applied.status_code == 200, applied.content[:500]
    assert (
        Element.objects.filter(diagram=diagram, key="cdn").exists()
        and Flow.objects.filter(diagram=diagram, key="cdn-front").exists()
    )
    front = Element.objects.get(diagram=diagram, key=frontend)
    assert front.properties["image_signed"] is True and (front.x, front.y) == (999, 77)
    threat.refresh_from_db()
    assert threat.notes == "seen in the review" and threat.triaged is True


def test_only_editors_sync_and_outsiders_do_not_see_the_diagram(world: World) -> None:
    diagram, raw = imported(world)
    assert sync(world, diagram, raw, persona="viewer").status_code == 403
    assert sync(world, diagram, raw, persona="outsider").status_code == 404


def test_bad_files_are_refused_and_nothing_is_written(world: World) -> None:
    diagram, _ = imported(world)
    version = diagram.version
    response = sync(
        world,
        diagram,
        b"apiVersion: v1\nkind: Pod\nmetadata: !!python/name:os.system\n",
        dry_run="false",
        base_version=version,
    )
    assert response.status_code == 400 and "is not allowed" in str(response.json()["error"])
    diagram.refresh_from_db()
    assert diagram.version == version


def test_a_compose_project_re_imported_unchanged_gives_no_operation(world: World) -> None:
    raw = corpus("sock-shop/deploy/docker-compose/docker-compose.yml")[0].read_bytes()
    created = post(world, f"/api/v1/threat-models/import/?format=compose&team={world.team.pk}", raw, team=world.team.pk)
    assert created.status_code == 201, created.content[:500]
    diagram = ThreatModel.objects.get(pk=created.json()["threat_model"]["id"]).diagrams.get()
    body = post(world, f"/api/v1/diagrams/{diagram.pk}/sync-from-manifests/", raw, format="compose").json()
    assert body["operations"] == 0
    privileged = raw.replace(b"  queue-master:\n", b"  queue-master:\n    privileged: true\n", 1)
    assert privileged != raw
    changed = post(world, f"/api/v1/diagrams/{diagram.pk}/sync-from-manifests/", privileged, format="compose").json()
    assert [op["key"] for op in changed["ops"]] == ["compose:service:queue-master"]


def test_a_namespace_grows_to_hold_new_workloads(world: World) -> None:
    diagram, raw = imported(world)
    namespace = Element.objects.get(diagram=diagram, key="k8s:namespace:default")
    extra = b"".join(
        b"\n---\napiVersion: v1\nkind: Pod\nmetadata: {name: extra-%d}\nspec: {containers: [{name: x, image: nginx}]}" % n for n in range(8)
    )
    body = sync(world, diagram, raw + extra).json()
    assert len(body["changes"]["elements"]["added"]) == 8
    assert namespace.key not in {item["key"] for item in body["changes"]["elements"]["changed"]}  # a size is not a fact
    moves = [op for op in body["ops"] if op["op"] == "move_element" and op["key"] == namespace.key]
    assert moves and moves[0]["height"] > (namespace.height or 0)


def _verified_guard(world: World, diagram: Diagram, key: str) -> tuple[Mitigation, Threat]:
    """A verified 'no privileged pods' mitigation (DEP-03) that answers a mitigated threat on ``key``."""
    controls_sync()
    threat = Threat.objects.filter(threat_model_id=diagram.threat_model_id, element_key=key, flow_key="").exclude(status="obsolete").first()
    assert threat is not None
    threat.status = "mitigated"
    threat.save(update_fields=["status"])
    item = Mitigation.objects.create(
        threat_model_id=diagram.threat_model_id, ref="MIT-7", title="Admission refuses privileged pods",
        control=Control.objects.get(control_id="DEP-03"), status=MitigationStatus.VERIFIED,
        implemented_by=world.users["owner"], verified_by=world.users["reviewer"],
    )  # fmt: skip
    ThreatMitigation.objects.create(threat=threat, mitigation=item)
    return item, threat


def test_a_re_import_that_breaks_a_verified_mitigation_reopens_it_and_its_threats(
    world: World, mailoutbox: list[Any], django_capture_on_commit_callbacks: Any
) -> None:
    world.users["owner"].email = "owner@example.com"
    world.users["owner"].save()
    diagram, raw = imported(world)
    threat_model_analyse(model_id=diagram.threat_model_id, actor=None)
    privileged = raw.replace(b"readOnlyRootFilesystem: true", b"readOnlyRootFilesystem: true\n            privileged: true", 1)
    key = sync(world, diagram, privileged).json()["changes"]["elements"]["changed"][0]["key"]
    item, threat = _verified_guard(world, diagram, key)
    # The dry run says what applying would reopen, and writes nothing.
    preview = sync(world, diagram, privileged).json()
    (would,) = preview["reopened"]
    assert would["mitigation"] == "MIT-7" and "threats_reopened" not in would
    assert any("(K8S-001)" in line for line in would["because"])
    item.refresh_from_db()
    assert item.status == MitigationStatus.VERIFIED
    with django_capture_on_commit_callbacks(execute=True):
        applied = sync(world, diagram, privileged, dry_run="false", base_version=diagram.version)
    assert applied.status_code == 200, applied.content[:500]
    (done,) = applied.json()["reopened"]
    assert done["mitigation"] == "MIT-7" and done["threats_reopened"] == 1
    item.refresh_from_db()
    threat.refresh_from_db()
    assert item.status == MitigationStatus.IMPLEMENTED and item.verified_by is None
    assert threat.status == "open"
    event = AuditEvent.objects.filter(action="mitigation.reopen", object_id=str(item.pk)).get()
    assert event.after is not None and event.after["manifest_drift"]["files"] == ["kubernetes-manifests.yaml"]
    assert AuditEvent.objects.filter(action="threat.status", object_id=str(threat.pk), after__reason__icontains="re-imported manifests").exists()
    (mail,) = mailoutbox
    assert "MIT-7 broken by the re-imported manifests" in mail.subject and "K8S-001" in mail.body


def test_a_re_import_that_breaks_nothing_a_mitigation_claims_leaves_it_verified(world: World) -> None:
    diagram, raw = imported(world)
    threat_model_analyse(model_id=diagram.threat_model_id, actor=None)
    privileged = raw.replace(b"readOnlyRootFilesystem: true", b"readOnlyRootFilesystem: true\n            privileged: true", 1)
    changed_key = sync(world, diagram, privileged).json()["changes"]["elements"]["changed"][0]["key"]
    other = Element.objects.filter(diagram=diagram, kind="process").exclude(key=changed_key).order_by("key").first()
    assert other is not None
    item, _ = _verified_guard(world, diagram, other.key)  # it answers a threat elsewhere, of another rule
    # A read-only root filesystem turned off is not what "no privileged pods" prevents either.
    writable = raw.replace(b"readOnlyRootFilesystem: true", b"readOnlyRootFilesystem: false", 1)
    for files in (privileged, writable):
        assert sync(world, diagram, files).json()["reopened"] == []
    applied = sync(world, diagram, privileged, dry_run="false", base_version=diagram.version)
    assert applied.status_code == 200 and applied.json()["reopened"] == []
    item.refresh_from_db()
    assert item.status == MitigationStatus.VERIFIED
