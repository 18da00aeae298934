"""Helpers that let a browser test draw a DFD the way a person does: with the mouse."""

from __future__ import annotations

from playwright.sync_api import FloatRect, Locator, Page, expect


def drop_stencil(page: Page, stencil: str, x: float, y: float) -> None:
    """Drag a palette item onto the canvas, its centre landing at page coordinates (x, y)."""
    pane = page.locator(".react-flow__pane")
    box = pane.bounding_box()
    assert box is not None
    page.locator(f'[data-stencil="{stencil}"]').drag_to(pane, target_position={"x": x - box["x"], "y": y - box["y"]})


def box_of(locator: Locator) -> FloatRect:
    box = locator.bounding_box()
    assert box is not None, "the element is not on screen"
    return box


def node(page: Page, name: str) -> Locator:
    return page.locator(".react-flow__node").filter(has=page.locator(f'.dfd-name:text-is("{name}"), .dfd-boundary-title:text-is("{name}")'))


def boundary(page: Page, name: str) -> Locator:
    return page.locator(".react-flow__node-trust_boundary").filter(has=page.locator(".dfd-boundary-title", has_text=name))


def rename_selected(page: Page, name: str) -> None:
    page.get_by_role("tab", name="Properties").click()
    field = page.locator(".ws-right").get_by_label("Name", exact=True)
    field.fill(name)
    field.press("Enter")


def centre(locator: Locator) -> tuple[float, float]:
    box = locator.bounding_box()
    assert box is not None, "the element is not on screen"
    return box["x"] + box["width"] / 2, box["y"] + box["height"] / 2


def settled_centre(page: Page, locator: Locator) -> tuple[float, float]:
    """The centre once it has stopped moving: a node just dropped or renamed may still be laid out,
    and a gesture aimed where it was a frame ago misses on a loaded machine."""
    previous = centre(locator)
    for _ in range(20):
        page.evaluate("() => new Promise((resolve) => requestAnimationFrame(() => requestAnimationFrame(resolve)))")
        current = centre(locator)
        if current == previous:
            return current
        previous = current
    raise AssertionError("the element kept moving")


def _drag_between(page: Page, source: Locator, source_side: str, target: Locator, target_side: str) -> None:
    sx, sy = settled_centre(page, source.locator(f".react-flow__handle-{source_side}"))
    tx, ty = settled_centre(page, target.locator(f".react-flow__handle-{target_side}"))
    page.mouse.move(sx, sy)
    page.mouse.down()
    page.mouse.move((sx + tx) / 2, (sy + ty) / 2, steps=5)
    page.mouse.move(tx, ty, steps=5)
    page.mouse.up()


def connect(page: Page, source: Locator, source_side: str, target: Locator, target_side: str) -> None:
    """Draw a flow by dragging from one element's handle to another's, and wait until it is drawn.

    On a loaded machine React Flow may not have measured a just-renamed node's handles when the
    drag ends, and the drop finds no handle (a person would simply drag again): the gesture is made
    once more then, and the flow must be drawn after that."""
    edges = page.locator(".react-flow__edge")
    before = edges.count()
    _drag_between(page, source, source_side, target, target_side)
    try:
        expect(edges).to_have_count(before + 1, timeout=3_000)
    except AssertionError:
        page.keyboard.press("Escape")
        _drag_between(page, source, source_side, target, target_side)
    expect(edges).to_have_count(before + 1)


def connect_to_body(page: Page, source: Locator, source_side: str, target: Locator) -> None:
    """Draw a flow from a handle and let go on the middle of the target shape, away from its handles."""
    edges = page.locator(".react-flow__edge")
    before = edges.count()
    sx, sy = settled_centre(page, source.locator(f".react-flow__handle-{source_side}"))
    tx, ty = settled_centre(page, target)
    page.mouse.move(sx, sy)
    page.mouse.down()
    page.mouse.move((sx + tx) / 2, (sy + ty) / 2, steps=5)
    page.mouse.move(tx, ty, steps=5)
    page.mouse.up()
    expect(edges).to_have_count(before + 1)


def drag_by(page: Page, grip: Locator, dx: float, dy: float) -> None:
    x, y = centre(grip)
    page.mouse.move(x, y)
    page.mouse.down()
    page.mouse.move(x + dx / 2, y + dy / 2, steps=5)
    page.mouse.move(x + dx, y + dy, steps=5)
    page.mouse.up()


def wait_saved(page: Page) -> None:
    # Two frames first: on a loaded machine the edit of the gesture just made may not have rendered yet,
    # and the status would still say "saved" from before it.
    page.evaluate("() => new Promise((resolve) => requestAnimationFrame(() => requestAnimationFrame(resolve)))")
    expect(page.locator(".save-status")).to_have_attribute("data-status", "saved", timeout=15_000)


def click_flow(page: Page, source: Locator, target: Locator) -> None:
    """Click a flow half-way between its ends (flows run centre to centre)."""
    ax, ay = centre(source)
    bx, by = centre(target)
    page.mouse.click((ax + bx) / 2, (ay + by) / 2)
