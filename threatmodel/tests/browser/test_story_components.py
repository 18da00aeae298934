"""Save part of a diagram as a component and drop it into another model, in Debian's Chromium
(issue 17, item 2): the selection goes to the team's library, the palette lists it below the
built-in stencils, and a drop draws it where it lands with fresh keys and its threats' triage."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import Page, expect

from conftest import SMALL_DIAGRAM_OPS
from dfd.models import Diagram, Element
from library.models import Component
from stride.models import Threat
from threatmodel.diagrams import diagram_change
from threatmodel.models import ThreatModel
from threatmodel.services import threat_model_create
from threatmodel.tests.browser.conftest import Workshop, sign_in
from threatmodel.tests.browser.drawing import boundary, box_of, node, wait_saved
from threatmodel.workflow.threats import threat_update

pytestmark = pytest.mark.browser


def _model(workshop: Workshop, name: str, ops: list[dict[str, Any]]) -> ThreatModel:
    model = threat_model_create(actor=workshop.users["ana"], team=workshop.team, name=name)
    diagram = Diagram.objects.get(threat_model=model)
    if ops:
        diagram_change(actor=workshop.users["ana"], diagram_id=diagram.pk, base_version=diagram.version, ops=ops)
    return model


def test_save_a_boundary_as_a_component_and_drop_it_into_another_model(page: Page, workshop: Workshop, shot: Any) -> None:
    source = _model(workshop, "Checkout", SMALL_DIAGRAM_OPS)
    # Two triaged threats on Web: one about Web itself, one about who reaches it (the user, not in the selection).
    for rule, notes in (("K8S-004", "Root until the base image moves"), ("EL-014", "Login is at the gateway")):
        triaged = Threat.objects.get(threat_model=source, element_key="web", flow_key="", rule_id=rule)
        threat_update(actor=workshop.users["ana"], threat=triaged, changes={"notes": notes, "triaged": True})
    target = _model(workshop, "Payments", [{"op": "add_element", "key": "ext", "kind": "external_entity", "name": "Bank", "x": 40, "y": 40}])
    page.set_viewport_size({"width": 1440, "height": 900})
    sign_in(page, workshop.url, "ana")

    # Select the App boundary (it brings Web, DB and the flow between them) and save it.
    page.goto(f"{workshop.url}/models/{source.pk}/")
    palette = page.get_by_role("navigation", name="Palette")
    expect(palette.get_by_text("None yet")).to_be_visible()
    boundary(page, "App").locator(".dfd-boundary-title").click()
    palette.get_by_role("button", name="Save selection as component…").click()
    expect(palette.get_by_text("3 elements, 1 flows")).to_be_visible()
    palette.get_by_role("textbox", name="Component name").fill("Web tier")
    palette.get_by_role("button", name="Save component").click()
    expect(palette.get_by_role("status")).to_contain_text("Saved “Web tier”")
    row = Component.objects.get(team=workshop.team)
    assert (row.element_count, row.flow_count, len(row.content["triage"])) == (3, 1, 2)

    # In the other model the palette offers it; dropped on the canvas, it is drawn there.
    page.goto(f"{workshop.url}/models/{target.pk}/")
    item = palette.locator(f'[data-component="{row.pk}"]')
    expect(item).to_have_text("Web tier")
    for _ in range(2):  # the view opens close on the Bank: make room beside it
        page.locator(".react-flow__controls-zoomout").click()
    pane = page.locator(".react-flow__pane")
    area = box_of(pane)
    # Beside the Bank, which the view centres on.
    item.drag_to(pane, target_position={"x": area["width"] * 0.72, "y": area["height"] * 0.3})
    expect(palette.get_by_role("status")).to_contain_text("Added “Web tier”, with the triage of 1 threat")
    expect(node(page, "Web")).to_be_visible()
    expect(node(page, "DB")).to_be_visible()
    expect(boundary(page, "App")).to_be_visible()
    wait_saved(page)
    page.get_by_role("button", name="Fit", exact=True).click()
    palette.get_by_role("status").scroll_into_view_if_needed()
    shot(page, "components-1-dropped")
    drawn = {e.name: e for e in Element.objects.filter(threat_model=target)}
    assert set(drawn) == {"Bank", "App", "Web", "DB"}
    assert drawn["Web"].parent == drawn["App"] and drawn["Web"].key != "web" and drawn["Web"].properties["runs_as_root"] is True
    carried = Threat.objects.get(threat_model=target, element_key=drawn["Web"].key, flow_key="", rule_id="K8S-004")
    assert carried.notes == "Root until the base image moves" and carried.triaged
    # Nothing reaches the new Web from outside yet: EL-014 does not fire there, so its triage stays behind.
    assert not Threat.objects.filter(threat_model=target, rule_id="EL-014", element_key=drawn["Web"].key).exists()
