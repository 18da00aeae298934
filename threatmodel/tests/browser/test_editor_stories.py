"""The editor's user stories, each played in Debian's Chromium against the live server."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import Page, expect

from dfd.models import Element, Flow
from threatmodel.models import ThreatModel
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
    panel.get_by_label("Encrypted").select_option("true")
    node(page, "Web").click()
    panel.get_by_label("Runs as root").select_option("true")
    panel.get_by_label("Authenticated").select_option("unknown")
    node(page, "Orders DB").click()
    panel.get_by_label("Encrypted").select_option("false")
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
    namespace = boundary(page, "Namespace").bounding_box()
    web = node(page, "Web").bounding_box()
    assert namespace and web and namespace["x"] < web["x"] and web["x"] + web["width"] < namespace["x"] + namespace["width"]
    node(page, "Web").click()
    expect(page.locator(".ws-right").get_by_label("Runs as root")).to_have_value("true")
    shot(page, "story-1-reloaded")
