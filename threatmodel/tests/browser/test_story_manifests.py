"""The cluster's own files as the model, from the browser (issue 10): the guestbook's manifests and
one of badPods' pods go in as one import of several files; a shop clerk drawn by hand (the first
change, which analyses the model) shows the bad pod's hostPath threats. Then the frontend
Deployment is made privileged in a copy of its file: a broken copy is refused with its file,
document and field, and the re-import's preview shows exactly that change, keeps the clerk, and
once applied the privileged container's threats are new. A preview made stale by someone else's
drawing is refused with 409 and nothing written; previewed again, it keeps that drawing too."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from dfd.models import Diagram, Element, Flow
from stride.models import Threat
from threatmodel.diagrams import diagram_change
from threatmodel.interop.imports import import_model
from threatmodel.interop.sources import SourceFile
from threatmodel.models import Control, Mitigation, MitigationStatus, ThreatMitigation, ThreatModel
from threatmodel.tests.browser.conftest import Workshop, sign_in
from threatmodel.tests.browser.drawing import boundary, box_of, connect, drop_stencil, node, rename_selected, wait_saved
from threatmodel.tests.shared_data import DATA, MISSING
from threatmodel.workflow.controls import controls_sync

pytestmark = pytest.mark.browser

GUESTBOOK = DATA / "manifests" / "k8s-guestbook" / "web" / "guestbook"
GUESTBOOK_FILES = ("frontend-deployment.yaml", "frontend-service.yaml", "redis-master-deployment.yaml", "redis-master-service.yaml")
BAD_POD = DATA / "manifests" / "badpods" / "manifests" / "hostpath" / "pod" / "hostpath-exec-pod.yaml"
NAME = "Guestbook beside a bad pod"
FRONTEND = "k8s:deployment:default:frontend"


@pytest.fixture
def manifests(tmp_path: Path) -> dict[str, Any]:
    if not GUESTBOOK.is_dir() or not BAD_POD.is_file():
        pytest.skip(MISSING)
    files = [GUESTBOOK / name for name in GUESTBOOK_FILES] + [BAD_POD]
    edited_dir = tmp_path / "edited"
    edited_dir.mkdir()
    original = (GUESTBOOK / "frontend-deployment.yaml").read_text(encoding="utf-8")
    privileged = original.replace("        resources:", "        securityContext:\n          privileged: true\n        resources:", 1)
    assert privileged != original
    edited = edited_dir / "frontend-deployment.yaml"
    edited.write_text(privileged, encoding="utf-8")
    broken = edited_dir / "redis-master-deployment.yaml"
    broken.write_text((GUESTBOOK / "redis-master-deployment.yaml").read_text(encoding="utf-8").replace("  template:", "  templat:", 1))
    return {"files": files, "edited": [edited, *files[1:]], "broken": [edited, files[1], broken, *files[3:]]}


def test_manifests_become_a_model_and_a_reimport_shows_the_drift(page: Page, workshop: Workshop, manifests: dict[str, Any], shot: Any) -> None:
    sign_in(page, workshop.url, "ana")
    page.get_by_role("button", name="Import from a file…").click()
    dialog = page.get_by_role("dialog", name="Import a threat model")
    dialog.get_by_label("Files").set_input_files(manifests["files"])
    expect(dialog.locator(".import-files")).to_contain_text(re.compile(r"^5 files, \d+ KB: frontend-deployment\.yaml, frontend-service\.yaml"))
    expect(dialog.locator(".import-files")).to_contain_text("looks like Kubernetes manifests")
    expect(dialog.get_by_label("Format")).to_have_value("kubernetes")
    dialog.get_by_label("Name (optional)").fill(NAME)
    shot(page, "manifests-1-several-files")
    dialog.get_by_role("button", name="Import", exact=True).click()
    result = dialog.locator(".import-result")
    expect(result).to_contain_text("was imported as Kubernetes manifests")
    model = ThreatModel.objects.get(name=NAME, team=workshop.team)
    elements = Element.objects.filter(diagram__threat_model=model)
    boundaries = elements.filter(kind="trust_boundary").count()
    flows = Flow.objects.filter(diagram__threat_model=model).count()
    assert set(elements.values_list("key", flat=True)) >= {FRONTEND, "k8s:deployment:default:redis-master", "k8s:pod:default:hostpath-exec-pod"}
    expect(result).to_contain_text(f"{boundaries} trust boundaries")
    expect(result).to_contain_text(f"{elements.count() - boundaries} elements (external entities, processes, data stores)")
    expect(result).to_contain_text(f"{flows} flows")
    shot(page, "manifests-2-imported")

    dialog.get_by_role("button", name="Open the model").click()
    expect(page.locator(".app-header .model-name")).to_have_text(NAME)
    expect(page.locator(".react-flow__node")).to_have_count(elements.count())
    expect(page.locator(".react-flow__edge")).to_have_count(flows)
    # The import wrote the diagram without analysing it; the first change drawn by hand analyses it:
    # a shop clerk who uses the guestbook, which no manifest knows of.
    cluster = box_of(boundary(page, "Kubernetes cluster"))
    drop_stencil(page, "external_entity", cluster["x"] + 120, cluster["y"] - 150)
    rename_selected(page, "Shop clerk")
    wait_saved(page)
    connect(page, node(page, "Shop clerk"), "bottom", node(page, "frontend (Deployment)"), "top")
    wait_saved(page)
    expect(page.locator(".react-flow__edge")).to_have_count(flows + 1)
    live = Threat.objects.filter(threat_model=model).exclude(status="obsolete")
    assert live.filter(element_key="k8s:pod:default:hostpath-exec-pod").exists()
    page.get_by_role("tab", name=re.compile("Threats")).click()
    expect(page.get_by_role("tab", name=re.compile("Threats"))).to_contain_text(str(live.count()))
    # The bad pod's threats, from its hostPath mount among them.
    node(page, "hostpath-exec-pod (Pod)").click()
    pod_threats = live.filter(element_key="k8s:pod:default:hostpath-exec-pod")
    expect(page.locator(".threat-row")).to_have_count(pod_threats.count())
    for title in set(pod_threats.values_list("title", flat=True)):
        expect(page.locator(".threat-row", has_text=title).first).to_be_attached()
    assert pod_threats.filter(title__icontains="host").exists()
    shot(page, "manifests-3-analysed")
    before = set(live.values_list("fingerprint", flat=True))
    frontend_before = set(live.filter(element_key=FRONTEND).values_list("title", flat=True))

    # Ben verified a "no privileged pods" admission control for the frontend's threats: the privileged copy breaks it.
    controls_sync()
    answered = live.filter(element_key=FRONTEND, flow_key="").order_by("id").first()
    assert answered is not None
    Threat.objects.filter(pk=answered.pk).update(status="mitigated")
    guard = Mitigation.objects.create(
        threat_model=model, ref="MIT-7", title="Admission refuses privileged pods", control=Control.objects.get(control_id="DEP-03"),
        status=MitigationStatus.VERIFIED, implemented_by=workshop.users["ana"], verified_by=workshop.users["ben"],
    )  # fmt: skip
    ThreatMitigation.objects.create(threat=answered, mitigation=guard)

    # A broken copy first: refused with its file, its document and the field, and nothing written.
    diagram = Diagram.objects.get(threat_model=model)
    version = diagram.version
    page.get_by_role("button", name="Re-import manifests…").click()
    drift = page.get_by_role("dialog", name="Re-import manifests")
    expect(drift.get_by_label("The files are")).to_have_value("kubernetes")
    drift.get_by_label("Manifest files").set_input_files(manifests["broken"])
    drift.get_by_role("button", name="Preview the changes").click()
    refusal = drift.locator(".import-refusal")
    expect(refusal).to_contain_text("nothing was imported")
    expect(refusal.locator("li").first).to_contain_text("redis-master-deployment.yaml, document 1 (Deployment default/redis-master), spec.template")
    shot(page, "manifests-4-reimport-refused")

    # The privileged copy: exactly one element changes, and the mapping's consequences of privileged with it.
    drift.get_by_label("Manifest files").set_input_files(manifests["edited"])
    drift.get_by_role("button", name="Preview the changes").click()
    answer = drift.locator(".drift-answer")
    expect(answer.locator(".drift-counts")).to_contain_text("1 element changed")
    expect(answer.locator(".drift-counts")).not_to_contain_text(re.compile("added|removed"))
    expect(answer.locator(".drift-section")).to_have_count(1)
    changed = answer.get_by_role("region", name="Changed")
    expect(changed.locator(".drift-name")).to_have_text(["frontend (Deployment) — process"])
    facts = changed.locator(".drift-facts li")
    expect(facts).to_have_count(3)
    expect(facts.filter(has_text="Privileged")).to_have_text(re.compile(r"Privileged[^:]*: false → true"))
    # A privileged container runs unconfined whatever its profiles say (docs/manifests.md).
    expect(facts.filter(has_text=re.compile("Seccomp", re.I))).to_contain_text("unknown → unconfined")
    expect(facts.filter(has_text=re.compile("AppArmor", re.I))).to_contain_text("unknown → unconfined")
    kept = answer.locator(".drift-kept")
    expect(kept.locator("summary")).to_have_text("Kept as drawn (not from the files): 1 element, 1 flow")
    kept.locator("summary").click()
    expect(kept.locator("li")).to_have_text(["Shop clerk — external entity", "Shop clerk → frontend (Deployment)"])
    reopens = answer.locator(".drift-reopens")
    expect(reopens).to_contain_text("Applying reopens a verified mitigation")
    expect(reopens.locator("li")).to_contain_text(re.compile(r"^MIT-7 Admission refuses privileged pods — .*\(K8S-001\)"))
    expect(drift.get_by_role("button", name="Apply (1 operation)")).to_be_enabled()
    assert Diagram.objects.get(pk=diagram.pk).version == version  # a preview writes nothing
    assert Mitigation.objects.get(pk=guard.pk).status == MitigationStatus.VERIFIED
    shot(page, "manifests-5-preview")

    drift.get_by_role("button", name="Apply (1 operation)").click()
    expect(drift).to_be_hidden()
    expect(page.locator(".notice-banner")).to_contain_text(re.compile(r"Re-imported the manifests: 1 change applied, diagram version \d+\. \d+ new threats?"))
    expect(page.locator(".notice-banner")).to_contain_text("Reopened MIT-7: the files break this verified mitigation.")
    assert Element.objects.get(diagram=diagram, key=FRONTEND).properties["privileged"] is True
    assert Mitigation.objects.get(pk=guard.pk).status == MitigationStatus.IMPLEMENTED
    assert Threat.objects.get(pk=answered.pk).status == "open"
    live = Threat.objects.filter(threat_model=model).exclude(status="obsolete")
    new = live.exclude(fingerprint__in=before)
    assert new.filter(element_key=FRONTEND).exists()
    page.get_by_role("tab", name=re.compile("Threats")).click()
    expect(page.get_by_role("tab", name=re.compile("Threats"))).to_contain_text(str(live.count()))
    node(page, "frontend (Deployment)").click()
    expect(page.locator(".threat-row")).to_have_count(live.filter(element_key=FRONTEND).count())
    fresh = set(new.filter(element_key=FRONTEND).values_list("title", flat=True)) - frontend_before
    assert fresh, "making the frontend privileged raises threats it did not have"
    for title in fresh:
        expect(page.locator(".threat-row", has_text=title).first).to_be_attached()
    page.get_by_role("tab", name="Properties").click()
    expect(page.locator(".ws-right").get_by_role("combobox", name=re.compile("^Privileged"))).to_have_value("true")
    page.get_by_role("tab", name=re.compile("Threats")).click()
    shot(page, "manifests-6-applied")


def test_a_stale_preview_is_refused_and_nothing_is_written(page: Page, workshop: Workshop, manifests: dict[str, Any], shot: Any) -> None:
    outcome = import_model(
        actor=workshop.users["ana"],
        team=workshop.team,
        files=[SourceFile(path.name, path.read_bytes()) for path in manifests["files"]],
        fmt="kubernetes",
        name=NAME,
    )
    diagram = Diagram.objects.get(threat_model=outcome.model)
    sign_in(page, workshop.url, "ana")
    page.get_by_role("link", name=NAME).click()
    expect(page.locator(".react-flow__node").first).to_be_visible()
    page.get_by_role("button", name="Re-import manifests…").click()
    drift = page.get_by_role("dialog", name="Re-import manifests")
    drift.get_by_label("Manifest files").set_input_files(manifests["edited"])
    drift.get_by_role("button", name="Preview the changes").click()
    expect(drift.locator(".drift-counts")).to_contain_text("1 element changed")
    # Meanwhile ben draws who uses the guestbook: something the files do not know.
    diagram.refresh_from_db()
    diagram_change(
        actor=workshop.users["ben"],
        diagram_id=diagram.pk,
        base_version=diagram.version,
        ops=[
            {"op": "add_element", "key": "support-desk", "kind": "external_entity", "name": "Support desk", "x": 1200, "y": 40},
            {"op": "add_flow", "key": "support-reads", "source": "support-desk", "target": FRONTEND, "label": "HTTPS"},
        ],
    )
    drift.get_by_role("button", name="Apply (1 operation)").click()
    stale = drift.locator(".drift-stale")
    expect(stale).to_contain_text(f"The diagram changed since this preview of version {diagram.version} (it is now at version {diagram.version + 1}): nothing was applied.")
    expect(drift.get_by_role("button", name=re.compile("^Apply"))).to_have_count(0)
    assert Element.objects.get(diagram=diagram, key=FRONTEND).properties.get("privileged") is False
    shot(page, "manifests-7-stale")
    drift.get_by_role("button", name="Preview again").click()
    expect(drift.locator(".drift-stale")).to_have_count(0)
    # Compared with ben's version now: the same one change, and what he drew is kept.
    expect(drift.locator(".drift-counts")).to_contain_text(f"1 element changed (compared with version {diagram.version + 1})")
    kept = drift.locator(".drift-kept")
    expect(kept.locator("summary")).to_have_text("Kept as drawn (not from the files): 1 element, 1 flow")
    kept.locator("summary").click()
    expect(kept.locator("li")).to_have_text(["Support desk — external entity", "Support desk → frontend (Deployment) “HTTPS”"])
    shot(page, "manifests-8-preview-again")
    page.set_viewport_size({"width": 1366, "height": 768})  # the smaller projector: the preview scrolls inside the dialog
    expect(drift.get_by_role("button", name="Apply (1 operation)")).to_be_in_viewport()
    shot(page, "manifests-8-preview-again-1366x768")
    drift.get_by_role("button", name="Apply (1 operation)").click()
    expect(page.locator(".notice-banner")).to_contain_text("1 change applied")
    expect(page.locator(".react-flow__node", has_text="Support desk")).to_be_visible()
    assert Element.objects.get(diagram=diagram, key=FRONTEND).properties["privileged"] is True
    assert Element.objects.filter(diagram=diagram, key="support-desk").exists()
