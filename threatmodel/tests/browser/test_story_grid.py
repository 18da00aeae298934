"""The threat grid in Debian's Chromium (issue 13, item 5): every threat of the demo in a full-width
table in place of the canvas — sorted by risk, filtered to STRIDE E and open, searched by an ATT&CK
technique id, bulk-kept — and the toast after an edit that changed the analysis, whose click opens
the grid on just the threats that analysis added.

Screenshots at the two sizes a workshop projects at, 1920×1080 and 1366×768; each step also checks
that the grid's text is at least 13 px and that neither the toolbar nor the grid's controls are cut off.
"""

from __future__ import annotations

import re
from collections import Counter
from typing import Any

import pytest
from django.core.management import call_command
from playwright.sync_api import Browser, Page, expect

from stride.models import Threat
from stride.techniques import techniques_of
from threatmodel.models import ThreatModel
from threatmodel.tests.browser.conftest import sign_in
from threatmodel.tests.browser.drawing import node, wait_saved

pytestmark = pytest.mark.browser

SIZES = ((1920, 1080), (1366, 768))
SLOW = 30_000  # a bulk action makes one request per threat


@pytest.fixture
def demo(live_server: Any, transactional_db: None) -> dict[str, Any]:
    call_command("load_controls", verbosity=0)
    call_command("seed_demo", verbosity=0)
    return {"url": live_server.url, "model": ThreatModel.objects.get(team__slug="demo")}


def open_demo(browser: Browser, url: str, size: tuple[int, int]) -> Page:
    page = browser.new_context(viewport={"width": size[0], "height": size[1]}).new_page()
    sign_in(page, url, "demo", "demo-workshop")
    page.get_by_role("link", name="Online shop on Kubernetes").click()
    expect(page.locator(".react-flow__node").first).to_be_visible()
    return page


def risks(page: Page) -> list[int]:
    """The risk column of the rows shown, unrated as -1."""
    texts = page.locator(".grid-table tbody .col-risk").all_inner_texts()
    return [int(m.group()) if (m := re.match(r"\d+", text.strip())) else -1 for text in texts]


def assert_legible(page: Page) -> None:
    """Text in the grid, its controls and the toast is at least 13 px; the toolbar and the controls fit their boxes."""
    smallest = page.evaluate(
        """() => Math.min(...[...document.querySelectorAll(
            '.threat-grid td, .threat-grid th, .threat-grid span, .threat-grid label, .threat-grid button, .threat-grid select, .threat-grid input, .analysis-toast, .analysis-toast button'
          )].filter((el) => el.offsetParent !== null && el.textContent.trim() !== '')
           .map((el) => parseFloat(getComputedStyle(el).fontSize)))"""
    )
    assert smallest >= 13, f"text of {smallest}px in the grid"
    clipped = page.evaluate(
        """() => [...document.querySelectorAll('.toolbar, .grid-controls, .grid-summary')]
            .filter((el) => el.scrollWidth > el.clientWidth + 1).map((el) => `${el.className} ${el.scrollWidth}>${el.clientWidth}`)"""
    )
    assert clipped == [], f"cut off: {clipped}"


@pytest.mark.parametrize("size", SIZES, ids=lambda size: f"{size[0]}x{size[1]}")
def test_the_threat_grid_sorts_filters_acts_and_shows_what_an_analysis_changed(browser: Browser, demo: dict[str, Any], shot: Any, size: tuple[int, int]) -> None:
    model = demo["model"]
    tag = f"{size[0]}x{size[1]}"
    page = open_demo(browser, demo["url"], size)
    live = Threat.objects.filter(threat_model=model).exclude(status="obsolete")
    total = live.count()

    # The grid takes the canvas's place, every threat of the model in it, highest risk first.
    page.get_by_role("button", name="Threat grid").click()
    grid = page.get_by_role("region", name="Threat grid")
    expect(grid).to_be_visible()
    expect(page.locator(".react-flow")).to_have_count(0)
    # One page of a hundred rows at a time, however many threats the model has.
    assert total > 100
    expect(grid.locator("tbody tr")).to_have_count(100)
    pager = grid.get_by_role("group", name="Pages")
    expect(pager).to_contain_text(f"Rows 1–100 of {total}")
    pager.get_by_role("button", name="Next").click()
    expect(grid.locator("tbody tr")).to_have_count(total - 100)
    pager.get_by_role("button", name="Previous").click()
    risk = grid.locator("th.col-risk")
    expect(risk).to_have_attribute("aria-sort", "descending")
    risk.get_by_role("button", name="Risk").click()
    expect(risk).to_have_attribute("aria-sort", "ascending")
    assert risks(page) == sorted(risks(page))
    risk.get_by_role("button", name="Risk").click()
    expect(risk).to_have_attribute("aria-sort", "descending")
    assert risks(page) == sorted(risks(page), reverse=True)
    assert risks(page)[0] == max(t.likelihood * t.impact for t in live if t.likelihood and t.impact)
    assert_legible(page)
    shot(page, f"grid-1-sorted-{tag}")

    # Elevation of privilege, still open; then one technique's id in the search.
    page.get_by_role("combobox", name="STRIDE").select_option("E")
    page.get_by_role("combobox", name="Status").select_option("open")
    elevation = live.filter(stride="E", status="open")
    expect(grid.locator("tbody tr")).to_have_count(elevation.count())
    # The technique most of them claim (the demo's rules name several).
    technique = Counter(t for threat in elevation for t in techniques_of(threat)).most_common(1)[0][0]
    wanted = [threat for threat in elevation if technique in techniques_of(threat)]
    page.get_by_role("searchbox", name="Search threats").fill(technique.lower())
    expect(grid.locator("tbody tr")).to_have_count(len(wanted))
    assert len(wanted) > 0
    for text in grid.locator("tbody .col-techniques").all_inner_texts():
        assert technique in text
    expect(grid.locator("tbody .col-stride")).to_have_text(["E"] * len(wanted))
    assert_legible(page)
    shot(page, f"grid-2-filtered-{tag}")

    # Keep every one of them in one bulk action (the threat list's own dialog).
    grid.get_by_label(re.compile(r"Select all \d+")).check()
    grid.get_by_role("group", name="Act on selected threats").get_by_role("button", name="Keep").click()
    dialog = page.get_by_role("dialog")
    dialog.get_by_role("button", name=f"Keep {len(wanted)}").click()
    expect(dialog.locator(".bulk-outcome")).to_contain_text(f"Done for {len(wanted)} threat", timeout=SLOW)
    dialog.get_by_role("button", name="Close").first.click()
    assert all(t.triaged for t in Threat.objects.filter(pk__in=[t.pk for t in wanted]))

    # A row opens the threat drawer beside the grid.
    grid.locator("tbody tr").first.locator(".col-subject").click()
    drawer = page.get_by_role("complementary", name="Threat")
    expect(drawer).to_be_visible()
    expect(grid.locator("tbody tr.is-active")).to_have_count(1)
    assert_legible(page)
    shot(page, f"grid-3-drawer-{tag}")
    drawer.get_by_role("button", name=re.compile("Close")).first.click()

    # Back on the diagram: the Orders service becomes privileged, the analysis adds threats, the toast says so.
    before = set(live.values_list("fingerprint", flat=True))
    page.get_by_role("button", name="Diagram").click()
    node(page, "Orders service").click()
    page.get_by_role("tab", name="Properties").click()
    page.locator(".ws-right").get_by_role("combobox", name="Privileged").select_option("true")
    wait_saved(page)
    # …and the Storefront stops running as root: its root finding no longer applies.
    node(page, "Storefront").click()
    page.locator(".ws-right").get_by_role("combobox", name="Runs as root").select_option("false")
    wait_saved(page)
    after = set(Threat.objects.filter(threat_model=model).exclude(status="obsolete").values_list("fingerprint", flat=True))
    added, gone = after - before, before - after
    assert added, "making the Orders service privileged raised no threat"
    assert gone, "the Storefront's root finding still applies"
    words = [f"+{len(added)} new", f"{len(gone)} no longer appl{'ies' if len(gone) == 1 else 'y'}"]
    toast = page.locator(".analysis-toast")
    expect(toast).to_contain_text(", ".join(words))
    assert_legible(page)
    shot(page, f"grid-4-toast-{tag}")

    # Its click opens the grid on just those threats.
    toast.get_by_role("button", name=re.compile("Show in the grid")).click()
    expect(toast).to_have_count(0)
    expect(grid).to_be_visible()
    expect(grid.get_by_role("status")).to_contain_text("Changed by the last analysis")
    expect(grid.locator("tbody tr")).to_have_count(len(added) + len(gone))
    shown = set(grid.locator("tbody tr").evaluate_all("rows => rows.map((row) => row.dataset.fingerprint)"))
    assert shown == added | gone
    # What no longer applies is still shown, struck through, and cannot be selected or opened.
    expect(grid.locator("tbody tr.is-gone")).to_have_count(len(gone))
    expect(grid.locator("tbody tr.is-gone input[type=checkbox]")).to_have_count(0)
    expect(grid.locator("tbody tr.is-gone .col-status")).to_have_text(["no longer applies"] * len(gone))
    assert_legible(page)
    shot(page, f"grid-5-changed-{tag}")
    grid.get_by_role("button", name="Show every threat").click()
    expect(grid.get_by_role("group", name="Pages")).to_contain_text(f"of {len(after)}")
