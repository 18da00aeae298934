"""``POST /api/v1/threat-models/import/?format=kubernetes|compose``: manifests become a model, all or nothing.

Good files from the shared corpus create a model whose diagram has the mapping's keys and whose
analysis finds the risks the files declare; bad input (not YAML, unsafe tags, alias bombs, too
many documents, oversized files, a workload without a pod template) is refused with a message that
names the document and field, and nothing is written.
"""

from __future__ import annotations

import io
from typing import Any

import pytest

from conftest import World
from dfd.models import Diagram, Element, Flow
from stride.models import Threat
from threatmodel.analysis import threat_model_analyse
from threatmodel.models import ThreatModel
from threatmodel.tests.manifest_helpers import corpus

pytestmark = pytest.mark.django_db


def upload(
    world: World, files: list[tuple[str, bytes]], fmt: str | None = "kubernetes", persona: str = "editor"
) -> Any:
    parts = []
    for name, raw in files:
        part = io.BytesIO(raw)
        part.name = name
        parts.append(part)
    query = f"?format={fmt}" if fmt else ""
    return world.client(persona).post(
        f"/api/v1/threat-models/import/{query}", data={"team": world.team.pk, "file": parts}, format="multipart"
    )


def counts() -> tuple[int, int, int, int, int]:
    return (
        ThreatModel.objects.count(),
        Diagram.objects.count(),
        Element.objects.count(),
        Flow.objects.count(),
        Threat.objects.count(),
    )


def read(*relative: str) -> list[tuple[str, bytes]]:
    return [(path.name, path.read_bytes()) for path in corpus(*relative)]


def test_a_manifest_stream_becomes_a_model_with_the_mappings_keys(world: World) -> None:
    response = upload(world, read("online-boutique/release/kubernetes-manifests.yaml"))
    assert response.status_code == 201, response.content[:800]
    body = response.json()
    assert body["format"] == "kubernetes"
    assert body["summary"]["boundaries"] == 3 and body["summary"]["elements"] >= 14
    assert any("shoppingassistantservice" in warning for warning in body["warnings"])
    model = ThreatModel.objects.get(pk=body["threat_model"]["id"])
    keys = set(Element.objects.filter(diagram__threat_model=model).values_list("key", flat=True))
    assert {"k8s:cluster", "k8s:namespace:default", "k8s:deployment:default:frontend", "k8s:internet-clients"} <= keys


def test_several_files_arrive_in_one_import_and_give_one_diagram(world: World) -> None:
    names = [f"k8s-guestbook/web/guestbook/{name}-{part}.yaml" for name in ("frontend", "redis-master", "redis-replica")
             for part in ("deployment", "service")]  # fmt: skip
    response = upload(world, read(*names))
    assert response.status_code == 201, response.content[:800]
    model = ThreatModel.objects.get(pk=response.json()["threat_model"]["id"])
    assert model.diagrams.count() == 1
    assert Element.objects.filter(diagram__threat_model=model, key="k8s:deployment:default:redis-master").exists()


def test_the_format_is_recognised_when_not_named(world: World) -> None:
    response = upload(world, read("kubernetes-dashboard/src/deploy/kubernetes-dashboard.yaml"), fmt=None)
    assert response.status_code == 201, response.content[:800]
    assert response.json()["format"] == "kubernetes"
    compose = upload(world, read("awesome-compose/portainer/compose.yaml"), fmt=None)
    assert compose.status_code == 201, compose.content[:800]
    assert compose.json()["format"] == "compose"


def test_the_analysis_of_an_imported_cluster_admin_dashboard_finds_its_risks(world: World) -> None:
    response = upload(world, read("kubernetes-dashboard/src/deploy/kubernetes-dashboard.yaml"))
    model = ThreatModel.objects.get(pk=response.json()["threat_model"]["id"])
    threat_model_analyse(actor=world.users["editor"], model_id=model.pk)
    on_dashboard = Threat.objects.filter(
        threat_model=model, element_key="k8s:deployment:kube-system:kubernetes-dashboard"
    )
    assert on_dashboard.exists()
    quiet = upload(world, read("kubehound/test/setup/test-cluster/attacks/CONTROL_POD.yaml"))
    control = ThreatModel.objects.get(pk=quiet.json()["threat_model"]["id"])
    threat_model_analyse(actor=world.users["editor"], model_id=control.pk)
    rules = set(Threat.objects.filter(threat_model=control).values_list("rule_id", flat=True))
    assert not {"K8S-001", "K8S-012"} & rules  # neither privileged nor a runtime socket


def test_a_compose_project_becomes_a_model(world: World) -> None:
    response = upload(world, read("sock-shop/deploy/docker-compose/docker-compose.yml"), fmt="compose")
    assert response.status_code == 201, response.content[:800]
    model = ThreatModel.objects.get(pk=response.json()["threat_model"]["id"])
    queue = Element.objects.get(diagram__threat_model=model, key="compose:service:queue-master")
    assert queue.properties["runtime_socket_mounted"] is True


POD = b"""apiVersion: v1
kind: Pod
metadata: {name: web}
spec: {containers: [{name: web, image: nginx}]}
"""
ALIAS_BOMB = b"""a: &a ["x","x","x","x","x","x","x","x","x","x"]
b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a,*a]
c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b,*b]
d: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c,*c]
e: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d,*d]
f: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e,*e]
g: [*f,*f,*f,*f,*f,*f,*f,*f,*f,*f]
"""
BAD: list[tuple[str, bytes, str, str]] = [
    ("not YAML", b"apiVersion: v1\nkind: [Pod\n", "not valid YAML", "document 1"),
    ("a python tag", b"apiVersion: v1\nkind: Pod\nmetadata: !!python/object/apply:os.system ['id']\n", "is not allowed", "document 1"),
    ("an alias bomb", b"apiVersion: v1\nkind: ConfigMap\n" + ALIAS_BOMB, "alias bomb", "document 1"),
    ("10,000 documents", b"---\n".join([POD] * 10_000), "at most 5000 documents", "document 5001"),
    ("a workload without a pod template", b"apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web}\nspec: {replicas: 2}\n",
     "needs a pod template", "document 1 (Deployment default/web), spec.template"),
    ("a container without an image", POD + b"---\napiVersion: v1\nkind: Pod\nmetadata: {name: bare}\nspec: {containers: [{name: x}]}\n",
     "is required", "document 2 (Pod default/bare), spec.containers[0].image"),
    ("a document that is not an object", POD + b"---\n- just\n- a list\n", "must be a Kubernetes object", "bad.yaml, document 2"),
    ("an object without a kind", b"apiVersion: v1\nmetadata: {name: x}\n", "is required", "document 1, kind"),
    ("text that is not UTF-8", b"apiVersion: v1\nkind: Pod\nmetadata: {name: \xff\xfe}\n", "not UTF-8", "offset"),
    ("nesting 300 levels deep", b"apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x}\ndata: " + b"[" * 300 + b"]" * 300 + b"\n",
     "nested more than 64 levels deep", "document 1"),
    ("a NUL character", POD + b"---\napiVersion: v1\nkind: Pod\nmetadata: {name: \"web\\0\"}\nspec: {containers: [{name: web, image: nginx}]}\n",
     "NUL", "bad.yaml, document 2: metadata.name"),
]  # fmt: skip


@pytest.mark.parametrize(("what", "raw", "message", "where"), BAD, ids=[row[0] for row in BAD])
def test_bad_input_is_refused_naming_the_document_and_nothing_is_written(
    world: World, what: str, raw: bytes, message: str, where: str
) -> None:
    before = counts()
    response = upload(world, [("bad.yaml", raw)])
    assert response.status_code == 400, response.content[:500]
    error = response.json()["error"]
    text = error["message"] + " " + " ".join(f"{d['path']} {d['message']}" for d in error["details"])
    assert message in text and where in text, text[:800]
    assert counts() == before


def test_an_oversized_upload_is_refused(world: World, settings: Any) -> None:
    settings.THREATMODEL_IMPORT_MAX_BYTES = 50_000
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024
    before = counts()
    response = upload(world, [("a.yaml", POD + b"#" * 30_000), ("b.yaml", POD + b"#" * 30_000)])
    assert response.status_code == 413
    assert counts() == before


def test_an_unrendered_helm_template_is_named_as_one(world: World) -> None:
    response = upload(world, read("kubernetes-goat/scenarios/metadata-db/templates/service.yaml"))
    assert response.status_code == 400
    assert "helm template" in response.json()["error"]["message"]


def test_an_unknown_kind_is_kept_in_the_answer_not_refused(world: World) -> None:
    crd = b"---\napiVersion: argoproj.io/v1alpha1\nkind: Workflow\nmetadata: {name: nightly, namespace: ci}\nspec: {}\n"
    response = upload(world, [("app.yaml", POD + crd)])
    assert response.status_code == 201, response.content[:500]
    body = response.json()
    assert body["summary"]["skipped"] == 1
    assert any("Workflow ci/nightly (app.yaml, document 2)" in warning for warning in body["warnings"])


def test_a_viewer_cannot_import_and_an_outsider_cannot_see_the_team(world: World) -> None:
    before = counts()
    assert upload(world, [("pod.yaml", POD)], persona="viewer").status_code == 403
    assert upload(world, [("pod.yaml", POD)], persona="outsider").status_code == 404
    assert counts() == before
