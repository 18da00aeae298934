"""The editor's user stories, each played in Debian's Chromium against the live server."""

from __future__ import annotations

import contextlib
import re
import time
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from playwright.sync_api import Page, expect
from playwright.sync_api import TimeoutError as PlaywrightTimeoutError

from conftest import SMALL_DIAGRAM_OPS
from dfd.models import Diagram, DiagramOp, Element, Flow
from stride.models import Technique, Threat
from threatmodel.diagrams import diagram_change
from threatmodel.models import ThreatModel
from threatmodel.services import threat_model_create
from threatmodel.tests.browser.conftest import Workshop, sign_in
from threatmodel.tests.browser.drawing import (
    boundary,
    box_of,
    click_flow,
    connect,
    drag_by,
    drop_stencil,
    node,
    rename_selected,
    wait_saved,
)

pytestmark = pytest.mark.browser


def test_draw_a_diagram_from_scratch_with_the_mouse(page: Page, workshop: Workshop, shot: Any) -> None:
    sign_in(page, workshop.url, "ana")
    page.get_by_label("New model").fill("Checkout")
    page.get_by_role("button", name="Create").click()
    expect(page.locator(".react-flow__pane")).to_be_visible()

    # Two nested boundaries: one dropped from the palette, the second added inside it.
    pane = box_of(page.locator(".react-flow__pane"))
    drop_stencil(page, "trust_boundary", pane["x"] + 330, pane["y"] + 240)
    rename_selected(page, "Cluster")
    page.locator('[data-stencil="trust_boundary"]').click()
    rename_selected(page, "Namespace")
    # Make room in the outer boundary for a store: resize it by its corner handle.
    boundary(page, "Cluster").locator(".dfd-boundary-title").click()
    corner = boundary(page, "Cluster").locator(".react-flow__resize-control.handle.bottom.right")
    drag_by(page, corner, 60, 130)
    wait_saved(page)

    # An external entity outside, two processes in the namespace, a store in the cluster.
    cluster = box_of(boundary(page, "Cluster"))
    namespace = box_of(boundary(page, "Namespace"))
    drop_stencil(page, "external_entity", cluster["x"] + cluster["width"] + 130, cluster["y"] + 60)
    rename_selected(page, "Customer")
    drop_stencil(page, "process", namespace["x"] + 90, namespace["y"] + 110)
    rename_selected(page, "Web")
    drop_stencil(page, "process", namespace["x"] + 270, namespace["y"] + 110)
    rename_selected(page, "Orders")
    drop_stencil(page, "data_store", namespace["x"] + 180, namespace["y"] + namespace["height"] + 60)
    rename_selected(page, "Orders DB")
    wait_saved(page)

    connect(page, node(page, "Customer"), "left", node(page, "Web"), "top")
    connect(page, node(page, "Web"), "right", node(page, "Orders"), "left")
    connect(page, node(page, "Orders"), "bottom", node(page, "Orders DB"), "top")
    wait_saved(page)
    expect(page.locator(".react-flow__edge")).to_have_count(3)

    # Properties: the flow from the customer is HTTPS, encrypted; the web process runs as root.
    click_flow(page, node(page, "Customer"), node(page, "Web"))
    panel = page.locator(".ws-right")
    panel.get_by_label("Label", exact=True).fill("Browse and buy")
    panel.get_by_label("Label", exact=True).press("Enter")
    panel.get_by_label("Protocol", exact=True).fill("https")
    panel.get_by_label("Protocol", exact=True).press("Enter")
    panel.get_by_role("combobox", name="Encrypted").select_option("true")
    node(page, "Web").click()
    panel.get_by_role("combobox", name="Runs as root").select_option("true")
    panel.get_by_role("combobox", name="Authenticated").select_option("unknown")
    node(page, "Orders DB").click()
    panel.get_by_role("combobox", name="Encrypted").select_option("false")
    wait_saved(page)
    shot(page, "story-1-drawn")

    model = ThreatModel.objects.get(name="Checkout")
    elements = {e.name: e for e in Element.objects.filter(threat_model=model).select_related("parent")}
    assert set(elements) == {"Cluster", "Namespace", "Customer", "Web", "Orders", "Orders DB"}
    assert elements["Namespace"].parent == elements["Cluster"]
    assert elements["Web"].parent == elements["Namespace"] and elements["Orders"].parent == elements["Namespace"]
    assert elements["Orders DB"].parent == elements["Cluster"] and elements["Customer"].parent is None
    assert elements["Cluster"].width is not None and elements["Cluster"].width > 420  # resized
    assert elements["Web"].properties == {"runs_as_root": True, "authenticated": "unknown"}
    assert elements["Orders DB"].properties == {"encrypted": False}
    flows = {(f.source.name, f.target.name): f for f in Flow.objects.filter(threat_model=model).select_related("source", "target")}
    assert set(flows) == {("Customer", "Web"), ("Web", "Orders"), ("Orders", "Orders DB")}
    customer_flow = flows[("Customer", "Web")]
    assert (customer_flow.label, customer_flow.protocol, customer_flow.properties) == ("Browse and buy", "https", {"encrypted": True})

    # A reload shows the same diagram.
    page.reload()
    expect(page.locator(".react-flow__node")).to_have_count(6)
    expect(page.locator(".react-flow__edge")).to_have_count(3)
    expect(node(page, "Web")).to_be_visible()
    expect(page.locator(".dfd-flow-label", has_text="Browse and buy")).to_be_visible()
    inner = box_of(boundary(page, "Namespace"))
    web = box_of(node(page, "Web"))
    assert inner["x"] < web["x"] and web["x"] + web["width"] < inner["x"] + inner["width"]
    node(page, "Web").click()
    expect(page.locator(".ws-right").get_by_label("Runs as root")).to_have_value("true")
    shot(page, "story-1-reloaded")

    # The threats the engine found for the drawing are in the panel, and the web process's own
    # list names the root container.
    live = Threat.objects.filter(threat_model=model).exclude(status="obsolete")
    assert live.count() > 0
    page.get_by_role("tab", name=re.compile("Threats")).click()
    expect(page.get_by_role("tab", name=re.compile("Threats"))).to_contain_text(str(live.count()))
    expect(page.locator(".threat-row", has_text="The container runs as root")).to_have_count(1)
    expect(page.locator(".threat-list .threat-row")).to_have_count(live.filter(element_key=elements["Web"].key).count() + _path_threats(live, elements["Web"].key))
    page.get_by_role("button", name="Whole model").click()
    expect(page.locator(".threat-list .threat-row")).to_have_count(live.count())
    expect(node(page, "Web").locator(".dfd-badge:not(.dfd-question-badge)")).to_have_text(str(live.filter(element_key=elements["Web"].key, flow_key="").count()))
    shot(page, "story-1-threats")


def _path_threats(threats: Any, key: str) -> int:
    """Threats about other elements whose explanation's path runs through ``key``."""
    return sum(
        1
        for t in threats.exclude(element_key=key)
        if key in (t.explanation or {}).get("path", []) or key in (t.explanation or {}).get("flows", [])
    )


def test_changing_a_property_changes_the_threat_list(page: Page, workshop: Workshop, shot: Any) -> None:
    model = _small_model(workshop, "Properties")
    sign_in(page, workshop.url, "ana")
    page.goto(f"{workshop.url}/models/{model.pk}/")
    node(page, "Web").click()
    page.get_by_role("tab", name=re.compile("Threats")).click()
    rows = page.locator(".threat-list .threat-row")
    breakout = page.locator(".threat-row", has_text="A privileged container can break out to the node")
    expect(rows.first).to_be_visible()
    expect(breakout).to_have_count(0)
    before = rows.count()

    # Web is marked privileged: the engine adds the container-escape threats, the panel follows.
    page.get_by_role("tab", name="Properties").click()
    page.locator(".ws-right").get_by_role("combobox", name="Privileged container").select_option("true")
    wait_saved(page)
    page.get_by_role("tab", name=re.compile("Threats")).click()
    expect(breakout).to_have_count(1)
    expect(breakout.locator(".stride")).to_have_text("E")
    expect(breakout).to_contain_text("T1611")
    live = Threat.objects.filter(threat_model=model).exclude(status="obsolete")
    assert {"K8S-001", "K8S-002", "K8S-003"} <= set(live.filter(element_key="web").values_list("rule_id", flat=True))
    expect(rows).to_have_count(live.filter(element_key="web").count() + _path_threats(live, "web"))
    breakout.click()
    expect(node(page, "Web").locator(".dfd-shape")).to_have_class(re.compile("is-highlighted"))
    shot(page, "story-3-privileged")

    # And back: the threats no longer apply and leave the list (the server keeps them as obsolete).
    page.get_by_role("tab", name="Properties").click()
    page.locator(".ws-right").get_by_role("combobox", name="Privileged container").select_option("false")
    wait_saved(page)
    page.get_by_role("tab", name=re.compile("Threats")).click()
    expect(breakout).to_have_count(0)
    expect(rows).to_have_count(before)
    assert Threat.objects.get(threat_model=model, rule_id="K8S-001").status == "obsolete"
    assert live.filter(element_key="web").count() + _path_threats(live, "web") == before
    shot(page, "story-3-unprivileged")


def test_a_property_change_patches_the_threat_list_instead_of_reloading_it(page: Page, workshop: Workshop, shot: Any) -> None:
    """The network log of one property change: one batch of operations (through the model's live
    room, or the ops endpoint when the room is down), and the threat list follows its answer,
    whose analysis carries the changed rows of a model this small — no threats request at all (a
    larger change would ask once for ``changed_since``; never every page again). A triage in the
    drawer puts its row in without asking for the list either."""
    model = _small_model(workshop, "Deltas")
    batches: list[Any] = []
    page.on("websocket", lambda ws: ws.on("framesent", lambda payload: batches.append(payload) if '"type":"ops"' in payload else None))
    sign_in(page, workshop.url, "ana")
    page.goto(f"{workshop.url}/models/{model.pk}/")
    node(page, "Web").click()
    breakout = page.locator(".threat-row", has_text="A privileged container can break out to the node")
    page.wait_for_load_state("networkidle")
    log: list[tuple[str, str]] = []
    page.on("request", lambda request: log.append((request.method, request.url)) if "/api/v1/" in request.url else None)

    page.locator(".ws-right").get_by_role("combobox", name="Privileged container").select_option("true")
    wait_saved(page)
    page.get_by_role("tab", name=re.compile("Threats")).click()
    expect(breakout).to_have_count(1)
    page.wait_for_load_state("networkidle")
    ops = [url for method, url in log if method == "POST" and "/ops/" in url]
    lists = [url for method, url in log if method == "GET" and "/api/v1/threats/?" in url]
    assert len(ops) + len(batches) == 1, (log, batches)
    assert lists == [], lists
    live = Threat.objects.filter(threat_model=model).exclude(status="obsolete")
    expect(page.locator(".threat-list .threat-row")).to_have_count(live.filter(element_key="web").count() + _path_threats(live, "web"))

    # Kept in the drawer: the list takes the drawer's fresh row (the "not triaged" view loses it).
    log.clear()
    panel = page.locator("#panel-threats")
    panel.get_by_role("combobox", name="Show threats that need").select_option(label="Not triaged")
    untriaged = panel.locator(".threat-row").count()
    panel.locator(".threat-row", has_text="A privileged container can break out to the node").click()
    drawer = page.get_by_role("complementary", name="Threat")
    drawer.get_by_role("button", name="Keep").click()
    expect(drawer).to_contain_text("Kept: the team agrees it applies.")
    expect(panel.locator(".threat-row")).to_have_count(untriaged - 1)
    page.wait_for_load_state("networkidle")
    assert not [url for method, url in log if method == "GET" and "/api/v1/threats/?" in url], log
    shot(page, "story-3b-patched-after-triage")


def _small_model(workshop: Workshop, name: str) -> ThreatModel:
    """A model with the shared small diagram (a user, web and db in an app boundary, two flows),
    drawn through the same write path as the editor's, so the engine has analysed it."""
    model = threat_model_create(actor=workshop.users["ana"], team=workshop.team, name=name)
    diagram = Diagram.objects.get(threat_model=model)
    diagram_change(actor=workshop.users["ana"], diagram_id=diagram.pk, base_version=diagram.version, ops=SMALL_DIAGRAM_OPS)
    return model


def test_two_people_edit_one_diagram_and_nothing_is_lost_silently(page: Page, new_context: Any, workshop: Workshop, shot: Any) -> None:
    model = _small_model(workshop, "Shared")
    start = Diagram.objects.get(threat_model=model).version
    ana = page
    ben = new_context().new_page()
    sign_in(ana, workshop.url, "ana")
    sign_in(ben, workshop.url, "ben")
    for person in (ana, ben):
        person.goto(f"{workshop.url}/models/{model.pk}/")
        expect(node(person, "Web")).to_be_visible()

    # Ben loses the network and edits on: the DB's encryption and the user's name.
    ben.context.set_offline(True)
    node(ben, "DB").click()
    ben.locator(".ws-right").get_by_role("combobox", name="Encrypted").select_option("false")
    node(ben, "User").click()
    rename_selected(ben, "Customer")
    expect(ben.locator(".save-status")).to_have_attribute("data-status", "failed", timeout=10_000)
    expect(ben.locator(".save-status")).to_contain_text("2 changes kept")
    shot(ben, "story-2-offline")

    # Meanwhile Ana renames the web process and deletes the database.
    node(ana, "Web").click()
    rename_selected(ana, "Storefront")
    node(ana, "DB").click()
    ana.keyboard.press("Delete")
    wait_saved(ana)

    # Ben is back: his retry meets a newer diagram (a 409 and a reload on the REST path, or the
    # live room's catch-up when it reconnects first); his rename still applies and is saved,
    # his change to the deleted DB cannot and he is told so.
    ben.context.set_offline(False)
    # (The session's back-off may retry by itself as the network comes back: the same story.)
    with contextlib.suppress(PlaywrightTimeoutError):
        ben.get_by_role("button", name="Retry now").click(timeout=5_000)
    wait_saved(ben)
    notice = ben.locator(".notice")
    expect(notice).to_contain_text(re.compile("Someone else (saved|changed) this diagram"))
    expect(notice).to_contain_text("1 of your changes were re-applied")
    expect(notice).to_contain_text("could not be re-applied")
    expect(notice).to_contain_text("Set Encrypted of “DB”: the element db no longer exists.")
    expect(node(ben, "Storefront")).to_be_visible()
    expect(node(ben, "Customer")).to_be_visible()
    expect(node(ben, "DB")).to_have_count(0)
    shot(ben, "story-2-conflict-told")

    names = set(Element.objects.filter(threat_model=model).values_list("name", flat=True))
    assert names == {"App", "Internet", "Customer", "Storefront"}
    diagram = Diagram.objects.get(threat_model=model)
    # Ana's two saves and Ben's re-applied rename, each once. (Ben's first batch may still reach
    # the live room when his network is back: it is rebased, its edit of the deleted DB dropped.)
    done = DiagramOp.objects.filter(diagram=diagram, version__gt=start).order_by("id").values_list("actor__username", "op", "target_key")
    assert list(done) == [
        ("ana", "update_element", "web"), ("ana", "delete_flow", "f2"), ("ana", "delete_element", "db"), ("ben", "update_element", "user"),
    ]  # fmt: skip


def test_keyboard_select_delete_and_undo_restore_an_element_with_its_flows(page: Page, workshop: Workshop, shot: Any) -> None:
    model = _small_model(workshop, "Keyboard")
    sign_in(page, workshop.url, "ana")
    page.goto(f"{workshop.url}/models/{model.pk}/")
    expect(node(page, "Web")).to_be_visible()

    # Tab from the diagram's tab into the canvas until the web process has the focus.
    page.get_by_role("tab", name="Level 0").focus()
    web = node(page, "Web")
    for _ in range(30):
        page.keyboard.press("Tab")
        if web.evaluate("el => el === document.activeElement"):
            break
    else:
        pytest.fail("the web process could not be reached with the Tab key")
    page.keyboard.press("Enter")
    expect(web).to_have_class(re.compile(r"\bselected\b"))
    expect(page.locator(".ws-right").get_by_label("Name", exact=True)).to_have_value("Web")

    # Arrow keys move the selection along the grid; each press is saved as a move.
    page.keyboard.press("ArrowRight")
    page.keyboard.press("ArrowRight")
    page.keyboard.press("ArrowDown")
    expect(web).to_have_css("transform", re.compile(r"matrix\(1, 0, 0, 1, 340, 40\)|translate\(340px, 40px\)"))
    wait_saved(page)
    moved = Element.objects.get(threat_model=model, key="web")
    assert (moved.x, moved.y) == (40, 40), (moved.x, moved.y)  # from (20, 30): +20 right, snapped down to 40

    # F2 renames in place; Enter commits and gives the focus back to the element.
    page.keyboard.press("F2")
    page.keyboard.type("Web front")
    page.keyboard.press("Enter")
    web = node(page, "Web front")
    expect(web).to_be_visible()
    wait_saved(page)
    assert Element.objects.get(threat_model=model, key="web").name == "Web front"

    page.keyboard.press("Delete")
    expect(web).to_have_count(0)
    expect(page.locator(".react-flow__edge")).to_have_count(0)
    wait_saved(page)
    assert not Element.objects.filter(threat_model=model, key="web").exists()
    assert Flow.objects.filter(threat_model=model).count() == 0
    shot(page, "story-4-deleted")

    page.keyboard.press("Control+z")
    expect(node(page, "Web front")).to_be_visible()
    expect(page.locator(".react-flow__edge")).to_have_count(2)
    wait_saved(page)
    restored = Element.objects.select_related("parent").get(threat_model=model, key="web")
    assert restored.parent is not None and restored.parent.key == "tb-app"
    assert restored.properties == {"privileged": False, "runs_as_root": True}
    assert set(Flow.objects.filter(threat_model=model).values_list("key", "source__key", "target__key")) == {
        ("f1", "user", "web"),
        ("f2", "web", "db"),
    }
    shot(page, "story-4-undone")

    # Redo deletes it again, through the keyboard too.
    page.keyboard.press("Control+Shift+z")
    expect(node(page, "Web front")).to_have_count(0)
    wait_saved(page)
    assert not Element.objects.filter(threat_model=model, key="web").exists()


def test_the_model_list_and_the_demo_workspace(page: Page, workshop: Workshop, shot: Any) -> None:
    """Not a story of its own: the pages people see first, searched, renamed, and screenshotted."""
    call_command("seed_demo", verbosity=0)
    sign_in(page, workshop.url, "demo", "demo-workshop")
    expect(page.get_by_role("link", name="Online shop on Kubernetes")).to_be_visible()
    page.get_by_label("New model").fill("Payments")
    page.get_by_role("button", name="Create").click()
    expect(page.locator(".react-flow__pane")).to_be_visible()
    page.get_by_role("link", name="Threat modeling workbench").click()
    page.get_by_role("button", name="Rename Payments").click()
    page.get_by_label("New name for Payments").fill("Payments platform")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_role("link", name="Payments platform")).to_be_visible()
    page.get_by_label("Search threat models").fill("kubernetes")
    expect(page.get_by_role("link", name="Payments platform")).to_have_count(0)
    expect(page.get_by_role("link", name="Online shop on Kubernetes")).to_be_visible()
    page.get_by_label("Search threat models").fill("")
    expect(page.get_by_role("link", name="Payments platform")).to_be_visible()
    shot(page, "model-list")

    page.get_by_role("button", name="Delete Payments platform").click()
    dialog = page.get_by_role("alertdialog")
    expect(dialog).to_contain_text("Delete “Payments platform”?")
    dialog.get_by_role("button", name="Delete model").click()
    expect(page.get_by_role("link", name="Payments platform")).to_have_count(0)
    assert not ThreatModel.objects.filter(name="Payments platform").exists()

    page.get_by_role("link", name="Online shop on Kubernetes").click()
    expect(node(page, "Kubernetes API server")).to_be_visible()
    demo = ThreatModel.objects.get(name="Online shop on Kubernetes")
    expect(page.locator(".react-flow__node")).to_have_count(Element.objects.filter(threat_model=demo).count())
    expect(page.locator(".react-flow__edge")).to_have_count(Flow.objects.filter(threat_model=demo).count())
    node(page, "Storefront").click()
    shot(page, "workspace-demo")
    page.get_by_role("tab", name=re.compile("Threats")).click()
    shot(page, "workspace-demo-threats")
    # A graph-walk threat lights up its whole path across the diagram.
    page.locator(".threat-row", has_text="A crown jewel is reachable").first.click()
    expect(page.locator(".dfd-shape.is-highlighted, .dfd-boundary.is-highlighted").nth(2)).to_be_visible()
    expect(page.locator(".threat-row.is-active .threat-why")).to_contain_text("→")
    shot(page, "workspace-demo-path")
    page.keyboard.press("Escape")
    page.keyboard.press("?")
    expect(page.get_by_role("dialog", name="Keyboard shortcuts")).to_be_visible()
    shot(page, "workspace-help")


def test_a_reviewer_reads_but_cannot_draw(page: Page, workshop: Workshop) -> None:
    call_command("seed_demo", verbosity=0)
    sign_in(page, workshop.url, "reviewer", "demo-workshop")
    page.get_by_role("link", name="Online shop on Kubernetes").click()
    expect(node(page, "Storefront")).to_be_visible()
    expect(page.locator(".save-status")).to_have_text("Read only")
    expect(page.locator('[data-stencil="process"]')).to_be_disabled()
    node(page, "Storefront").click()
    expect(page.locator(".ws-right").get_by_label("Privileged container")).to_be_disabled()
    page.keyboard.press("Delete")
    expect(node(page, "Storefront")).to_be_visible()


def test_export_tabs_and_a_refusal_from_the_server_next_to_its_field(page: Page, workshop: Workshop, shot: Any) -> None:
    """Features around the stories: SVG and PNG export, diagrams as tabs, server validation shown in place."""
    model = _small_model(workshop, "Exports")
    Element.objects.filter(threat_model=model, key="web").update(name="<b>Web</b> & co")
    sign_in(page, workshop.url, "ana")
    page.goto(f"{workshop.url}/models/{model.pk}/")
    expect(node(page, "<b>Web</b> & co")).to_be_visible()  # user text is shown as text, never as markup

    page.get_by_text("Export", exact=True).click()
    with page.expect_download() as svg_download:
        page.get_by_role("menuitem", name="Diagram as SVG").click()
    svg = Path(svg_download.value.path()).read_text(encoding="utf-8")
    assert svg.startswith("<svg xmlns=") and "&lt;b&gt;Web&lt;/b&gt; &amp; co" in svg and "<b>" not in svg
    assert svg.count("marker-end") == 2 and "stroke-dasharray" in svg
    expect(page.get_by_role("menuitem", name="Diagram as PNG")).to_be_hidden()  # the menu closed
    page.get_by_text("Export", exact=True).click()
    with page.expect_download() as png_download:
        page.get_by_role("menuitem", name="Diagram as PNG").click()
    png = Path(png_download.value.path()).read_bytes()
    assert png[:8] == b"\x89PNG\r\n\x1a\n" and len(png) > 2000
    assert svg_download.value.suggested_filename == "Exports-Level-0.svg"

    # The server refuses a technology longer than 120 characters: the change is undone and the
    # server's message sits under the field.
    node(page, "DB").click()
    technology = page.locator(".ws-right").get_by_label("Technology")
    technology.fill("PostgreSQL " + "x" * 130)
    technology.press("Enter")
    expect(page.locator(".ws-right .field-error")).to_contain_text("at most 120 characters")
    expect(technology).to_have_value("PostgreSQL " + "x" * 130)  # kept, to be corrected
    expect(page.locator(".notice-error")).to_contain_text("The server refused a change")
    wait_saved(page)
    assert "technology" not in Element.objects.get(threat_model=model, key="db").properties
    shot(page, "server-refusal")

    # A second diagram, as a tab.
    page.get_by_role("button", name="Add a diagram").click()
    expect(page.get_by_role("tab", name="Diagram 2")).to_have_attribute("aria-selected", "true")
    expect(page.locator(".react-flow__node")).to_have_count(0)
    page.get_by_role("tab", name="Level 0").click()
    expect(node(page, "DB")).to_be_visible()


def test_selecting_moving_nesting_and_a_threat_that_highlights_its_element(page: Page, workshop: Workshop, shot: Any) -> None:
    """Shift-click and box selection, a boundary that carries its contents, a drop into a boundary,
    duplicate — and a threat (added by hand, as a workshop would) whose row lights up its element."""
    model = _small_model(workshop, "Moves")
    technique = Technique.objects.get(attack_id="T1611")  # the shipped ATT&CK catalogue
    web_row = Element.objects.get(threat_model=model, key="web")
    threat = Threat.objects.create(
        threat_model=model, fingerprint="MANUAL-1@web", origin="manual", stride="E", element=web_row, element_key="web",
        title="Container escape from the web process", likelihood=4, impact=5,
    )
    threat.techniques.add(technique)
    sign_in(page, workshop.url, "ana")
    page.goto(f"{workshop.url}/models/{model.pk}/")
    on_web = Threat.objects.filter(threat_model=model, element_key="web", flow_key="", status="open").count()
    assert on_web > 1  # the engine's, and the one made by hand
    expect(node(page, "Web").locator(".dfd-badge:not(.dfd-question-badge)")).to_have_text(str(on_web))

    # Shift-click adds to the selection; a box drawn on the empty canvas selects what it encloses.
    node(page, "User").click()
    node(page, "DB").click(modifiers=["Shift"])
    expect(page.locator(".ws-right")).to_contain_text("2 items selected")
    page.keyboard.press("Escape")
    web, db = box_of(node(page, "Web")), box_of(node(page, "DB"))
    pane = box_of(page.locator(".react-flow__pane"))
    page.mouse.move(web["x"] - 15, pane["y"] + pane["height"] - 20)
    page.mouse.down()
    page.mouse.move(db["x"] + db["width"] + 15, db["y"] - 15, steps=8)
    page.mouse.up()
    expect(page.locator(".react-flow__node.selected")).to_have_count(2)
    page.keyboard.press("Escape")

    # Dragging the App boundary by its title moves what it contains; only the boundary changes.
    before = {e.key: (e.x, e.y) for e in Element.objects.filter(threat_model=model)}
    web_screen = box_of(node(page, "Web"))
    drag_by(page, boundary(page, "App").locator(".dfd-boundary-title"), 60, 80)
    wait_saved(page)
    after = {e.key: (e.x, e.y) for e in Element.objects.filter(threat_model=model)}
    dx, dy = after["tb-app"][0] - before["tb-app"][0], after["tb-app"][1] - before["tb-app"][1]
    assert 40 <= dx <= 70 and 60 <= dy <= 90  # the drag, snapped to the 10 px grid
    assert after["web"] == before["web"] and after["db"] == before["db"]
    zoom = box_of(boundary(page, "App"))["width"] / Element.objects.get(threat_model=model, key="tb-app").width  # type: ignore[operator]
    moved = box_of(node(page, "Web"))
    assert abs(moved["x"] - web_screen["x"] - dx * zoom) < 2 and abs(moved["y"] - web_screen["y"] - dy * zoom) < 2

    # Dropping the user inside the App boundary puts it there.
    user, app = box_of(node(page, "User")), box_of(boundary(page, "App"))
    drag_by(page, node(page, "User").locator(".dfd-name"), app["x"] + app["width"] - 100 - user["x"], app["y"] + app["height"] - 60 - user["y"])
    wait_saved(page)
    deadline = time.monotonic() + 10
    while Element.objects.get(threat_model=model, key="user").parent_id is None and time.monotonic() < deadline:
        time.sleep(0.1)  # the drop's reparenting is its own batch, after the move's
    assert Element.objects.select_related("parent").get(threat_model=model, key="user").parent.key == "tb-app"  # type: ignore[union-attr]

    # Ctrl+D duplicates the selection under fresh keys.
    node(page, "DB").click()
    page.keyboard.press("Control+d")
    expect(node(page, "DB")).to_have_count(2)
    wait_saved(page)
    assert Element.objects.filter(threat_model=model, name="DB").count() == 2

    # The threat: listed with its STRIDE letter, technique, status and risk; a click highlights Web.
    page.get_by_role("tab", name=re.compile("Threats")).click()
    page.get_by_role("button", name="Whole model").click()
    row = page.locator(".threat-row", has_text="Container escape from the web process")
    expect(row.locator(".stride")).to_have_text("E")
    expect(row).to_contain_text("T1611")
    expect(row).to_contain_text("open")
    expect(row).to_contain_text("risk 20 (4×5)")
    row.click()
    expect(node(page, "Web").locator(".dfd-shape")).to_have_class(re.compile("is-highlighted"))
    shot(page, "threat-highlight")
    page.keyboard.press("Escape")
    expect(node(page, "Web").locator(".dfd-shape")).not_to_have_class(re.compile("is-highlighted"))
