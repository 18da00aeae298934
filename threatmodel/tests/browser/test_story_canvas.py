"""The canvas on a projector: big targets, things that land where they are put, and one change for many.

Played at the two screens a workshop meets: a 1920×1080 projector and a 1366×768 laptop.
"""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import Page, expect

from dfd.models import Diagram, DiagramOp, Element, Flow
from threatmodel.diagrams import diagram_change
from threatmodel.models import ThreatModel
from threatmodel.services import threat_model_create
from threatmodel.tests.browser.conftest import Workshop, sign_in
from threatmodel.tests.browser.drawing import (
    boundary,
    box_of,
    centre,
    connect_to_body,
    drop_stencil,
    node,
    rename_selected,
    settled_centre,
    wait_saved,
)

pytestmark = pytest.mark.browser

SCREENS = [pytest.param((1920, 1080), id="1920x1080"), pytest.param((1366, 768), id="1366x768")]


def _overlap(a: Any, b: Any) -> bool:
    return bool(a["x"] < b["x"] + b["width"] and b["x"] < a["x"] + a["width"] and a["y"] < b["y"] + b["height"] and b["y"] < a["y"] + a["height"])


def _inside(inner: Any, outer: Any) -> bool:
    return bool(
        inner["x"] >= outer["x"] and inner["y"] >= outer["y"]
        and inner["x"] + inner["width"] <= outer["x"] + outer["width"] and inner["y"] + inner["height"] <= outer["y"] + outer["height"]
    )


@pytest.mark.parametrize("screen", SCREENS)
def test_drop_connect_and_move_a_boundary_by_its_body(page: Page, workshop: Workshop, shot: Any, screen: tuple[int, int]) -> None:
    page.set_viewport_size({"width": screen[0], "height": screen[1]})
    sign_in(page, workshop.url, "ana")
    page.get_by_label("New model").fill("Projector")
    page.get_by_role("button", name="Create").click()
    expect(page.locator(".react-flow__pane")).to_be_visible()
    pane = box_of(page.locator(".react-flow__pane"))

    # A boundary, and a process dropped in it lands where it was dropped.
    drop_stencil(page, "trust_boundary", pane["x"] + 260, pane["y"] + 190)
    rename_selected(page, "Namespace")
    ns = box_of(boundary(page, "Namespace"))
    drop_stencil(page, "process", ns["x"] + 90, ns["y"] + 120)
    rename_selected(page, "Web")
    wx, wy = centre(node(page, "Web"))
    assert abs(wx - (ns["x"] + 90)) < 12 and abs(wy - (ns["y"] + 120)) < 12

    # A second one dropped on top of it moves beside it, still in the namespace.
    drop_stencil(page, "process", wx + 20, wy + 10)
    rename_selected(page, "Orders")
    expect(node(page, "Orders")).to_be_visible()
    assert not _overlap(box_of(node(page, "Orders")), box_of(node(page, "Web")))
    assert _inside(box_of(node(page, "Orders")), box_of(boundary(page, "Namespace")))

    # Dropped with the pointer just inside the frame: wholly inside, not straddling it.
    ns = box_of(boundary(page, "Namespace"))
    drop_stencil(page, "data_store", ns["x"] + 30, ns["y"] + ns["height"] - 15)
    rename_selected(page, "Orders DB")
    assert _inside(box_of(node(page, "Orders DB")), box_of(boundary(page, "Namespace")))
    # And one outside, on the free canvas.
    drop_stencil(page, "external_entity", ns["x"] + ns["width"] + 160, ns["y"] + 60)
    rename_selected(page, "Customer")
    wait_saved(page)

    model = ThreatModel.objects.get(name="Projector")
    rows = {e.name: e for e in Element.objects.filter(threat_model=model).select_related("parent")}
    assert {name: (row.parent.name if row.parent else None) for name, row in rows.items()} == {
        "Namespace": None, "Web": "Namespace", "Orders": "Namespace", "Orders DB": "Namespace", "Customer": None,
    }

    # A flow let go on the middle of a shape, far from any handle, connects to it.
    connect_to_body(page, node(page, "Customer"), "left", node(page, "Web"))
    connect_to_body(page, node(page, "Web"), "bottom", node(page, "Orders DB"))
    wait_saved(page)
    flows = {(f.source.name, f.target.name) for f in Flow.objects.filter(threat_model=model).select_related("source", "target")}
    assert flows == {("Customer", "Web"), ("Web", "Orders DB")}

    # Resize handles are big enough to hit, and shown when the pointer is over the boundary.
    page.mouse.move(*centre(node(page, "Customer")))
    corner = boundary(page, "Namespace").locator(".react-flow__resize-control.handle.bottom.right")
    expect(corner).to_have_count(0)
    ns = box_of(boundary(page, "Namespace"))
    page.mouse.move(ns["x"] + ns["width"] - 30, ns["y"] + 30)
    expect(corner).to_have_css("opacity", "1")
    handle = box_of(corner)
    assert handle["width"] >= 12 and handle["height"] >= 12
    shot(page, f"canvas-drawn-{screen[0]}")

    # Grabbed by its empty body, the boundary moves, and what it holds moves with it.
    before = {e.key: (e.x, e.y) for e in Element.objects.filter(threat_model=model)}
    web_screen = box_of(node(page, "Web"))
    grab = (ns["x"] + ns["width"] - 40, ns["y"] + 40)
    page.mouse.move(*grab)
    page.mouse.down()
    page.mouse.move(grab[0] + 40, grab[1] + 50, steps=5)
    page.mouse.move(grab[0] + 80, grab[1] + 100, steps=5)
    page.mouse.up()
    wait_saved(page)
    ns_key = rows["Namespace"].key
    after = {e.key: (e.x, e.y) for e in Element.objects.filter(threat_model=model)}
    assert after[ns_key][0] - before[ns_key][0] >= 40 and after[ns_key][1] - before[ns_key][1] >= 50
    assert all(after[rows[name].key] == before[rows[name].key] for name in ("Web", "Orders", "Orders DB"))
    moved = box_of(node(page, "Web"))
    assert moved["x"] > web_screen["x"] + 30 and moved["y"] > web_screen["y"] + 40

    # Alt-drag draws a selection box even where it starts over the boundary's body.
    page.keyboard.press("Escape")
    ns = box_of(boundary(page, "Namespace"))
    page.keyboard.down("Alt")
    page.mouse.move(ns["x"] + 8, ns["y"] + 8)
    page.mouse.down()
    page.mouse.move(ns["x"] + ns["width"] / 2, ns["y"] + ns["height"] / 2, steps=4)
    page.mouse.move(ns["x"] + ns["width"] - 8, ns["y"] + ns["height"] - 8, steps=4)
    page.mouse.up()
    page.keyboard.up("Alt")
    expect(page.locator(".react-flow__node.selected")).to_have_count(3)  # Web, Orders, Orders DB
    assert {e.key: (e.x, e.y) for e in Element.objects.filter(threat_model=model)}[ns_key] == after[ns_key]
    page.keyboard.press("Escape")

    # A flow inside the boundary is still clickable: the boundary lies under it.
    # The customer's flow runs centre to centre; aim at it just inside the boundary's right frame.
    (ax, ay), (bx, by) = centre(node(page, "Customer")), centre(node(page, "Web"))
    ns = box_of(boundary(page, "Namespace"))
    x = ns["x"] + ns["width"] - 15
    page.mouse.click(x, ay + (by - ay) * (x - ax) / (bx - ax))
    expect(page.locator(".react-flow__edge.selected")).to_have_count(1)
    expect(page.locator(".ws-right .flow-ends")).to_contain_text("Customer")
    shot(page, f"canvas-moved-{screen[0]}")


def _six_flows(workshop: Workshop) -> ThreatModel:
    model = threat_model_create(actor=workshop.users["ana"], team=workshop.team, name="Six flows")
    diagram = Diagram.objects.get(threat_model=model)
    ops: list[dict[str, Any]] = [{"op": "add_element", "key": "gw", "kind": "process", "name": "Gateway", "x": 60, "y": 260}]
    for i in range(6):
        ops.append({"op": "add_element", "key": f"svc{i}", "kind": "process", "name": f"Service {i}", "x": 420, "y": 20 + i * 150})
        ops.append({"op": "add_flow", "key": f"f{i}", "source": "gw", "target": f"svc{i}", "label": f"call {i}", "protocol": "grpc" if i < 3 else "http"})
    ops[2]["properties"] = {"encrypted": True}  # the first flow is encrypted already
    diagram_change(actor=workshop.users["ana"], diagram_id=diagram.pk, base_version=diagram.version, ops=ops)
    return model


@pytest.mark.parametrize("screen", SCREENS)
def test_one_property_set_on_six_flows_at_once(page: Page, workshop: Workshop, shot: Any, screen: tuple[int, int]) -> None:
    page.set_viewport_size({"width": screen[0], "height": screen[1]})
    model = _six_flows(workshop)
    sign_in(page, workshop.url, "ana")
    page.goto(f"{workshop.url}/models/{model.pk}/")
    expect(page.locator(".react-flow__edge")).to_have_count(6)

    # Shift-click the six flow labels.
    for i in range(6):
        page.locator(".dfd-flow-label", has_text=f"call {i}").click(modifiers=["Shift"] if i else None)
    panel = page.locator(".ws-right")
    expect(panel).to_contain_text("6 items selected")
    encrypted = panel.get_by_role("combobox", name="Encrypted")
    expect(encrypted).to_have_value("__mixed__")
    expect(panel.get_by_label("Protocol", exact=True)).to_have_attribute("placeholder", "mixed")
    shot(page, f"canvas-multi-edit-{screen[0]}")

    batches_before = set(DiagramOp.objects.filter(diagram__threat_model=model).values_list("batch", flat=True))
    encrypted.select_option("true")
    wait_saved(page)
    expect(encrypted).to_have_value("true")
    assert all(f.properties.get("encrypted") is True for f in Flow.objects.filter(threat_model=model))
    # One batch of five ops (the flow already encrypted needs none): one request, one undo step.
    new = DiagramOp.objects.filter(diagram__threat_model=model).exclude(batch__in=batches_before)
    assert new.count() == 5 and len({op.batch for op in new}) == 1

    panel.get_by_label("Protocol", exact=True).fill("https")
    panel.get_by_label("Protocol", exact=True).press("Enter")
    wait_saved(page)
    assert set(Flow.objects.filter(threat_model=model).values_list("protocol", flat=True)) == {"https"}

    page.get_by_role("button", name="Undo").click()
    page.get_by_role("button", name="Undo").click()
    wait_saved(page)
    flows = Flow.objects.filter(threat_model=model).order_by("key")
    assert [f.properties.get("encrypted") for f in flows] == [True, None, None, None, None, None]
    assert [f.protocol for f in flows] == ["grpc"] * 3 + ["http"] * 3
    shot(page, f"canvas-multi-edit-undone-{screen[0]}")


def _crossing(workshop: Workshop) -> ThreatModel:
    """A customer whose flow to the web process runs straight behind the orders process."""
    model = threat_model_create(actor=workshop.users["ana"], team=workshop.team, name="Crossing")
    diagram = Diagram.objects.get(threat_model=model)
    ops: list[dict[str, Any]] = [
        {"op": "add_element", "key": "ns", "kind": "trust_boundary", "name": "Namespace shop", "x": -40, "y": 100, "width": 600, "height": 260},
        {"op": "add_element", "key": "customer", "kind": "external_entity", "name": "Customer", "x": 700, "y": 200},
        {"op": "add_element", "key": "orders", "kind": "process", "name": "Orders", "parent": "ns", "x": 380, "y": 72},
        {"op": "add_element", "key": "web", "kind": "process", "name": "Web", "parent": "ns", "x": 40, "y": 72},
        {"op": "add_element", "key": "db", "kind": "data_store", "name": "Orders database", "x": 360, "y": 480},
        {"op": "add_flow", "key": "f1", "source": "customer", "target": "web", "label": "Browse and buy", "protocol": "https"},
        {"op": "add_flow", "key": "f2", "source": "orders", "target": "db", "label": "SQL"},
    ]
    diagram_change(actor=workshop.users["ana"], diagram_id=diagram.pk, base_version=diagram.version, ops=ops)
    return model


def _label_px(page: Page, text: str) -> float:
    """The on-screen size of a flow label's 13 px text: its 22-unit box as drawn, scaled."""
    return box_of(page.locator(".dfd-flow-label", has_text=text).locator("rect"))["height"] * 13 / 22


def _name_px(page: Page, name: str) -> float:
    return float(page.evaluate(
        """(name) => {
            const el = [...document.querySelectorAll('.dfd-name')].find((e) => e.textContent === name)
            const zoom = new DOMMatrix(getComputedStyle(document.querySelector('.react-flow__viewport')).transform).a
            return parseFloat(getComputedStyle(el).fontSize) * zoom
        }""",
        name,
    ))


@pytest.mark.parametrize("screen", SCREENS)
def test_labels_clear_of_shapes_and_the_presentation_scale(page: Page, workshop: Workshop, shot: Any, screen: tuple[int, int]) -> None:
    page.set_viewport_size({"width": screen[0], "height": screen[1]})
    model = _crossing(workshop)
    sign_in(page, workshop.url, "ana")
    page.goto(f"{workshop.url}/models/{model.pk}/")
    expect(page.locator(".react-flow__edge")).to_have_count(2)
    page.get_by_role("button", name="Fit", exact=True).click()
    settled_centre(page, node(page, "Customer"))  # the fit is animated

    # Neither label nor its badges lies under a shape, though the customer's flow runs behind Orders.
    shapes = [box_of(n) for n in page.locator(".react-flow__node:not(.react-flow__node-trust_boundary)").all()]
    for text in ("Browse and buy", "SQL"):
        label = box_of(page.locator(".dfd-flow-label", has_text=text).locator("rect"))
        assert not any(_overlap(label, shape) for shape in shapes), text
    badges = [box_of(b) for b in page.locator(".dfd-flow-badge").all()]
    assert badges and not any(_overlap(badge, shape) for badge in badges for shape in shapes)
    normal = _label_px(page, "Browse and buy")
    shot(page, f"canvas-labels-{screen[0]}")

    # P: the presentation scale. The smallest canvas text is 16 px or more on screen.
    page.locator(".react-flow__pane").click(position={"x": 5, "y": 5})
    page.keyboard.press("p")
    expect(page.get_by_label("Presentation scale")).to_be_checked()
    assert _label_px(page, "Browse and buy") >= 15.9 > normal or normal >= 15.9
    assert _name_px(page, "Orders") >= 16 and _name_px(page, "Customer") >= 16
    shot(page, f"canvas-presenting-{screen[0]}")
    page.keyboard.press("p")
    expect(page.get_by_label("Presentation scale")).not_to_be_checked()
    assert abs(_label_px(page, "Browse and buy") - normal) < 0.5
