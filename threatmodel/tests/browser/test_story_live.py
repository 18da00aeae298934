"""The live workshop (issue 14), played in Debian's Chromium: several people in one model at once.

Each person has their own browser context (own session cookie) on the ASGI live server, so the
pages talk to the model's room over real WebSockets. What is checked is what people see: each
other's avatars and selections, an edit appearing on the other screen without a reload, an edit
made on an older version rebased so that both screens and the database agree, and a viewer who
sees everything live but whose page sends no edit.
"""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
from django.core.management import call_command
from playwright.sync_api import Browser, Page, expect

from conftest import PASSWORD, make_user
from dfd.models import Diagram, Element
from threatmodel.choices import Role
from threatmodel.diagrams import diagram_change
from threatmodel.models import Membership, ThreatModel
from threatmodel.tests.browser.conftest import open_browser_page, sign_in
from threatmodel.tests.browser.drawing import node, rename_selected, wait_saved

pytestmark = pytest.mark.browser

DEMO_PASSWORD = "demo-workshop"
MODEL = "Online shop on Kubernetes"


@pytest.fixture
def room(live_server: Any, transactional_db: None) -> dict[str, Any]:
    """The demo team with its model, plus Bea (editor) and Vic (viewer)."""
    call_command("load_controls", verbosity=0)
    call_command("seed_demo", verbosity=0)
    model = ThreatModel.objects.get(team__slug="demo")
    for username, first, last, role in (("bea", "Bea", "Berger", Role.EDITOR), ("vic", "Vic", "Viewer", Role.VIEWER)):
        user = make_user(username)
        user.first_name, user.last_name = first, last
        user.save()
        Membership.objects.create(team=model.team, user=user, role=role)
    return {"url": live_server.url, "model": model, "diagram": Diagram.objects.get(threat_model=model)}


def frames(page: Page) -> dict[str, list[dict[str, Any]]]:
    """Every message the page's sockets send and receive, decoded."""
    log: dict[str, list[dict[str, Any]]] = {"sent": [], "received": []}

    def watch(ws: Any) -> None:
        ws.on("framesent", lambda payload: log["sent"].append(json.loads(payload)))
        ws.on("framereceived", lambda payload: log["received"].append(json.loads(payload)))

    page.on("websocket", watch)
    return log


def open_model(page: Page, url: str, username: str, password: str = PASSWORD) -> None:
    sign_in(page, url, username, password)
    page.get_by_role("link", name=MODEL).click()
    expect(node(page, "Orders service")).to_be_visible()
    expect(page.locator(".presence-status.is-open")).to_be_attached(timeout=10_000)


def people(page: Page) -> Any:
    return page.get_by_role("group", name="People in this model")


def test_two_people_edit_one_diagram_and_see_each_other(page: Page, browser: Browser, room: dict[str, Any], shot: Any) -> None:
    ana = page
    ana_frames = frames(ana)
    open_model(ana, room["url"], "demo", DEMO_PASSWORD)
    bea = open_browser_page(browser)
    bea_frames = frames(bea)
    open_model(bea, room["url"], "bea")

    # Each sees the other's avatar (initials in their colour), and their own.
    expect(people(ana).get_by_label("Bea Berger, editor")).to_have_text("BB")
    expect(people(bea).get_by_label("Demo architect, owner")).to_have_text("DA")
    expect(people(bea).get_by_label("Bea Berger (you), editor")).to_be_visible()

    # What Ana selects is outlined in her colour on Bea's canvas.
    node(ana, "Orders service").click()
    outline = bea.locator('.peer-selection[data-key="orders"]')
    expect(outline).to_be_visible()
    expect(outline.locator(".peer-tag")).to_have_text("DA")
    # Her cursor follows on Bea's canvas, with her name.
    pane = ana.locator(".react-flow__pane").bounding_box()
    assert pane is not None
    ana.mouse.move(pane["x"] + 300, pane["y"] + 200)
    ana.mouse.move(pane["x"] + 320, pane["y"] + 210, steps=5)
    expect(bea.locator(".peer-cursor .peer-name")).to_have_text("Demo architect")

    # Ana adds a process and names it: Bea sees it without reloading, with its threats.
    ana.locator('[data-stencil="process"]').click()
    rename_selected(ana, "Payments")
    wait_saved(ana)
    expect(node(bea, "Payments")).to_be_visible()
    expect(node(bea, "Payments").locator(".dfd-badge:not(.dfd-question-badge)")).to_be_visible()
    sent = [m for m in ana_frames["sent"] if m["type"] == "ops"]
    assert sent, "Ana's edits went through the room's socket"
    applied = [m for m in bea_frames["received"] if m["type"] == "applied"]
    assert applied and applied[-1]["author"]["name"] == "Demo architect"
    assert applied[-1]["analysis"]["status"] == "done"
    shot(bea, "live-01-bea-sees-anas-new-process")

    # Someone changes the diagram in a way neither page has heard of yet (straight through the
    # service, the room is not told); Bea's next edit is then made on an older version.
    diagram = Diagram.objects.get(pk=room["diagram"].pk)
    author = Membership.objects.get(team=room["model"].team, user__username="demo").user
    diagram_change(
        actor=author, diagram_id=diagram.pk, base_version=diagram.version,
        ops=[{"op": "update_element", "key": "storefront", "name": "Web shop"}],
    )  # fmt: skip
    node(bea, "Orders database").click()
    rename_selected(bea, "Orders DB")
    wait_saved(bea)
    rebased = [m for m in bea_frames["received"] if m["type"] == "applied" and m.get("rebased_from")]
    assert rebased, "Bea's batch was made on an older version and rebased by the server"
    # Both screens converge on both edits, and so does the database.
    for who in (ana, bea):
        expect(node(who, "Orders DB")).to_be_visible()
        expect(node(who, "Web shop")).to_be_visible()
        expect(node(who, "Orders database")).to_have_count(0)
    names = dict(Element.objects.filter(diagram=diagram, key__in=["storefront", "orders-db"]).values_list("key", "name"))
    assert names == {"storefront": "Web shop", "orders-db": "Orders DB"}
    expect(ana.locator(".save-status")).to_have_attribute("data-status", "saved")
    shot(ana, "live-02-ana-after-beas-rebased-rename")
    bea.context.close()


def test_a_viewer_joining_late_sees_edits_live_but_sends_none(page: Page, browser: Browser, room: dict[str, Any], shot: Any) -> None:
    ana = page
    open_model(ana, room["url"], "demo", DEMO_PASSWORD)
    ana.locator('[data-stencil="process"]').click()
    rename_selected(ana, "Payments")
    wait_saved(ana)

    # Vic comes in late: the diagram as it is now, and Ana sees Vic arrive.
    vic = open_browser_page(browser)
    vic_frames = frames(vic)
    open_model(vic, room["url"], "vic")
    expect(node(vic, "Payments")).to_be_visible()
    expect(people(ana).get_by_label("Vic Viewer, viewer")).to_have_text("VV")

    node(ana, "Payments").click()
    rename_selected(ana, "Billing")
    wait_saved(ana)
    expect(node(vic, "Billing")).to_be_visible()
    expect(vic.locator('.peer-selection[data-key]').first).to_be_visible()

    # Vic can select and look, not change: the palette is off, Delete does nothing, nothing is sent.
    expect(vic.locator('[data-stencil="process"]')).to_be_disabled()
    node(vic, "Billing").click()
    vic.keyboard.press("Delete")
    expect(node(vic, "Billing")).to_be_visible()
    assert not [m for m in vic_frames["sent"] if m["type"] == "ops"]
    welcome = next(m for m in vic_frames["received"] if m["type"] == "welcome")
    assert welcome["can_edit"] is False
    # Vic's selection still shows on Ana's canvas (presence is for everyone).
    expect(ana.locator('.peer-selection[data-key]').filter(has=ana.locator(".peer-tag", has_text="VV"))).to_be_visible()
    shot(vic, "live-03-viewer-sees-the-rename")
    vic.context.close()


def _transform(page: Page) -> str:
    return str(page.locator(".react-flow__viewport").get_attribute("style") or "")


def test_the_presenter_is_followed_and_pauses_the_others_editing(page: Page, browser: Browser, room: dict[str, Any], shot: Any) -> None:
    ana = page
    open_model(ana, room["url"], "demo", DEMO_PASSWORD)
    bea = open_browser_page(browser)
    open_model(bea, room["url"], "bea")
    expect(people(ana).get_by_label("Bea Berger, editor")).to_be_visible()

    # Ana asks the room to follow her; Bea accepts, and Bea's canvas takes Ana's viewport as Ana zooms.
    people(ana).get_by_role("button", name="Ask all to follow me").click()
    ask = bea.locator(".room-banner.is-ask")
    expect(ask).to_contain_text("Demo architect asks everyone to follow their view.")
    expect(ana.locator(".room-banner.is-ask")).to_have_count(0)  # not asked to follow oneself
    ask.get_by_role("button", name="Follow Demo architect").click()
    expect(bea.locator(".room-banner.is-following")).to_contain_text("Following Demo architect's view.")
    expect(people(bea).get_by_label("Demo architect, owner")).to_have_attribute("aria-pressed", "true")
    ana.locator(".react-flow__controls-zoomin").click()
    ana.locator(".react-flow__controls-zoomin").click()
    expect(bea.locator(".react-flow__viewport")).to_have_attribute("style", _transform(ana), timeout=10_000)
    shot(bea, "live-04-following-the-presenter")

    # Ana pauses editing: Bea sees who and how long, and cannot change the diagram until it ends.
    people(ana).get_by_role("button", name="Pause editing").click()
    expect(ana.locator(".room-banner.is-lock")).to_contain_text("You paused editing for everyone else")
    lock = bea.locator(".room-banner.is-lock")
    expect(lock).to_contain_text(re.compile(r"Demo architect paused editing for everyone: Everyone look here — \d+ s left\."))
    expect(bea.locator('[data-stencil="process"]')).to_be_disabled()
    node(bea, "Orders service").click()
    bea.keyboard.press("Delete")
    expect(node(bea, "Orders service")).to_be_visible()
    expect(ana.locator('[data-stencil="process"]')).to_be_enabled()  # the presenter keeps editing
    shot(bea, "live-05-paused-by-the-presenter")

    # Selecting keeps following; scrolling the view by hand stops it (a left drag on the canvas selects); resuming lets Bea edit again.
    expect(bea.locator(".room-banner.is-following")).to_be_visible()
    pane = bea.locator(".react-flow__pane").bounding_box()
    assert pane is not None
    bea.mouse.move(pane["x"] + pane["width"] / 2, pane["y"] + 40)
    bea.mouse.wheel(0, 240)
    expect(bea.locator(".room-banner.is-following")).to_have_count(0)
    expect(people(bea).get_by_label("Demo architect, owner")).to_have_attribute("aria-pressed", "false")
    lock.get_by_role("button", name="Resume editing").click()
    expect(bea.locator(".room-banner.is-lock")).to_have_count(0)
    expect(ana.locator(".room-banner.is-lock")).to_have_count(0)
    expect(bea.locator('[data-stencil="process"]')).to_be_enabled()
    bea.context.close()
