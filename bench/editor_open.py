"""Benchmark: the browser editor on a 1,000-element, 2,000-flow diagram, in headless Debian Chromium.

It measures what a workshop feels: how long until the diagram is on screen and answers a click,
and what a drag costs — the frame intervals while dragging one element, and how many node and
edge components React re-rendered (the editor counts renders in ``window.__dfdRenderStats``). A
drag that re-rendered the whole canvas would show ~1,000 node renders per frame; the editor
re-renders the dragged node and the flows attached to it.

Then the network log of one property change (a process marked privileged in the property panel):
every request the editor sends from the change until the network is idle again, counted by kind.
The editor should send one ops request and at most one threats request (it patches its threat
list from the ops answer instead of reloading every page of it).

Run:  DATABASE_URL=postgres://postgres@127.0.0.1:5432/threatmodel .venv/bin/python bench/editor_open.py
It builds the frontend first if needed (scripts/setup.sh), creates and drops its own scratch
database next to DATABASE_URL's, and serves on 127.0.0.1:8150 (PORT to change) while it runs.
These are figures to read, not a timed test.
"""

from __future__ import annotations

import logging
import os
import statistics
import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "threatmodel.settings")
os.environ.setdefault("SECRET_KEY", "bench-only")
os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/threatmodel")
# Playwright's sync API keeps an event loop in this thread; the ORM calls here are plain set-up.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

import django

django.setup()

from django.conf import settings  # noqa: E402
from django.db import connection  # noqa: E402

CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                  "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic"]
ZONES = 5
COLUMNS = 20


def build_ops(elements: int, flows: int) -> list[dict[str, Any]]:
    """Five boundaries side by side, each with a grid of elements; flows mostly between neighbours."""
    per_zone = (elements - ZONES + ZONES - 1) // ZONES
    rows = (per_zone + COLUMNS - 1) // COLUMNS
    zone_width, zone_height = COLUMNS * 200 + 40, rows * 170 + 60
    ops: list[dict[str, Any]] = []
    for z in range(ZONES):
        ops.append({"op": "add_element", "key": f"tb{z}", "kind": "trust_boundary", "name": f"Zone {z}",
                    "x": 0, "y": z * (zone_height + 80), "width": zone_width, "height": zone_height,
                    "properties": {"boundary_type": "namespace"}})
    kinds = ["process", "data_store", "process", "external_entity"]
    count = elements - ZONES
    for i in range(count):
        zone, slot = i % ZONES, i // ZONES
        kind = kinds[i % 4]
        ops.append({"op": "add_element", "key": f"e{i}", "kind": kind, "name": f"Element {i}", "parent": f"tb{zone}",
                    "x": 30 + (slot % COLUMNS) * 200, "y": 40 + (slot // COLUMNS) * 170,
                    "properties": {"privileged": i % 3 == 0} if kind == "process" else {}})
    for j in range(flows):
        source = j % count
        step = ZONES if j < count else ZONES * COLUMNS  # right-hand neighbour, then the one below
        target = (source + step) % count
        ops.append({"op": "add_flow", "key": f"f{j}", "source": f"e{source}", "target": f"e{target}",
                    "label": f"Flow {j}", "properties": {"encrypted": j % 2 == 0}})
    return ops


def main() -> None:
    # The app asks /api/v1/auth/me/ before signing in; that expected 401 is not news here.
    logging.getLogger("django.request").setLevel(logging.ERROR)
    if not (Path(settings.FRONTEND_DIST) / "manifest.json").is_file():
        sys.exit("frontend/dist is not built: run scripts/setup.sh first")
    from scratch import scratch_database

    with scratch_database():
        run()


def run() -> None:
    from django.contrib.auth import get_user_model
    from django.contrib.staticfiles.handlers import StaticFilesHandler
    from django.test.testcases import LiveServerThread
    from playwright.sync_api import sync_playwright

    from dfd.models import Diagram
    from stride.models import Threat
    from threatmodel.diagrams import diagram_change
    from threatmodel.models import Membership, Team, ThreatModel

    print(f"database: {connection.vendor} {connection.settings_dict['NAME']} (a scratch copy of DATABASE_URL's)")
    user = get_user_model().objects.create_user("bench", password="bench-password-1")
    team = Team.objects.create(name="Bench", slug="bench")
    Membership.objects.create(team=team, user=user, role="owner")
    model = ThreatModel.objects.create(team=team, name="Large", created_by=user)
    diagram = Diagram.objects.create(threat_model=model, name="Level 0")
    ops = build_ops(1000, 2000)
    # The editor's own write path, so the engine has analysed the model as it would have in use.
    diagram_change(actor=user, diagram_id=diagram.pk, base_version=1, ops=ops)
    threats = Threat.objects.filter(threat_model=model).count()
    print(f"model: {sum(o['op'] == 'add_element' for o in ops)} elements, {sum(o['op'] == 'add_flow' for o in ops)} flows, "
          f"{threats} threats (all in the document the editor loads)")

    port = int(os.environ.get("PORT", "8150"))
    server = LiveServerThread("127.0.0.1", StaticFilesHandler, port=port)
    server.daemon = True
    server.start()
    server.is_ready.wait()
    if server.error:
        raise server.error
    base = f"http://127.0.0.1:{port}"
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium"),
                                                 args=CHROMIUM_FLAGS)
            page = browser.new_page(viewport={"width": 1440, "height": 900})
            page.goto(base + "/")
            page.get_by_label("Username").fill("bench")
            page.get_by_label("Password").fill("bench-password-1")
            page.get_by_role("button", name="Sign in").click()
            page.get_by_role("heading", name="Threat models").wait_for()
            if os.environ.get("BENCH_ONLY") == "grid":
                grid(page, base, model.pk)
                browser.close()
                return
            runs = [open_once(page, base, model.pk) for _ in range(3)]
            print("open (3 runs, each a fresh page load; ms from navigation start):")
            for key in ("document_ms", "first_node_ms", "interactive_ms", "click_to_panel_ms"):
                values = [r[key] for r in runs]
                print(f"  {key:<18} median {statistics.median(values):7.0f}   runs {', '.join(f'{v:.0f}' for v in values)}")
            print(f"  nodes in the DOM after fit: {runs[-1]['dom_nodes']} of 1000 (the rest are culled off screen); "
                  f"edges in the DOM: {runs[-1]['dom_edges']}")
            drag(page, "at the opening zoom")
            # The worst case: the whole diagram on screen (F fits everything), ~1,000 nodes painted.
            page.keyboard.press("f")
            page.wait_for_timeout(600)
            print(f"  (whole diagram fitted: {page.locator('.react-flow__node').count()} nodes, "
                  f"{page.locator('.react-flow__edge').count()} flows in the DOM)")
            drag(page, "with the whole diagram on screen")
            property_change(page, base, model.pk)
            grid(page, base, model.pk)
            browser.close()
    finally:
        server.terminate()


def open_once(page: Any, base: str, model_id: int) -> dict[str, float]:
    page.goto(f"{base}/models/{model_id}/")
    page.wait_for_selector(".react-flow__node")
    first_node = page.evaluate("performance.now()")
    # Interactive: rendered, and the main thread has handled two frames and a task since.
    interactive = page.evaluate(
        "() => new Promise(r => requestAnimationFrame(() => requestAnimationFrame(() => setTimeout(() => r(performance.now()), 0))))"
    )
    document = page.evaluate(
        "() => performance.getEntriesByType('resource').filter(e => e.name.includes('/document/')).map(e => e.responseEnd)[0] ?? 0"
    )
    # Click to panel: from the click event until the frame that shows the element's properties.
    click_ms = page.evaluate("""() => new Promise(resolve => {
        const node = document.querySelector('.react-flow__node-process');
        const name = node.querySelector('.dfd-name').textContent;
        const started = performance.now();
        node.click();
        const check = () => {
            const input = document.querySelector('.ws-right input[type=text]');
            if (input && input.value === name) requestAnimationFrame(() => resolve(performance.now() - started));
            else requestAnimationFrame(check);
        };
        check();
    })""")
    return {
        "document_ms": document,
        "first_node_ms": first_node,
        "interactive_ms": interactive,
        "click_to_panel_ms": click_ms,
        "dom_nodes": page.locator(".react-flow__node").count(),
        "dom_edges": page.locator(".react-flow__edge").count(),
    }


def drag(page: Any, where: str) -> None:
    target = page.locator(".react-flow__node-process").nth(3)
    box = target.bounding_box()
    x, y = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
    page.keyboard.press("Escape")
    page.evaluate("""() => {
        const s = window.__dfdRenderStats; window.__benchBefore = {...s};
        window.__frames = []; window.__recording = true;
        const tick = (t) => { window.__frames.push(t); if (window.__recording) requestAnimationFrame(tick) };
        requestAnimationFrame(tick);
    }""")
    steps = 60
    page.mouse.move(x, y)
    page.mouse.down()
    for i in range(1, steps + 1):
        page.mouse.move(x + i * 4, y + i * 2)
    page.mouse.up()
    page.wait_for_timeout(300)
    result = page.evaluate("""() => {
        window.__recording = false;
        const s = window.__dfdRenderStats, b = window.__benchBefore, f = window.__frames;
        const gaps = f.slice(1).map((t, i) => t - f[i]);
        return {nodes: s.nodes - b.nodes, edges: s.edges - b.edges, canvas: s.canvas - b.canvas, gaps};
    }""")
    gaps = sorted(result["gaps"])
    p95 = gaps[int(len(gaps) * 0.95) - 1] if gaps else 0
    print(f"drag of one element {where}, {steps} pointer moves:")
    print(f"  frames recorded {len(gaps)}: interval median {statistics.median(gaps):.1f} ms, p95 {p95:.1f} ms, max {max(gaps):.1f} ms")
    print(f"  React renders during the drag: canvas {result['canvas']}, node components {result['nodes']}, "
          f"flow components {result['edges']} (whole-canvas re-rendering would be ~{steps * 1000} node renders)")
    page.locator(".save-status[data-status='saved']").wait_for(timeout=30000)
    # The server re-analysed the model in the request; wait for the editor to follow it.
    page.wait_for_load_state("networkidle")
    print("  the drop was saved as one operation batch (and the threat list followed the answer)")


def property_change(page: Any, base: str, model_id: int) -> None:
    """One property change on a fresh page: which requests it costs, and how long until the threat
    list shows the engine's answer."""
    page.goto(f"{base}/models/{model_id}/")
    page.wait_for_selector(".react-flow__node-process")
    page.wait_for_load_state("networkidle")
    # A process on screen that the generator left unprivileged (every third one is privileged).
    field = page.locator(".ws-right").get_by_label("Privileged container")
    processes = page.locator(".react-flow__node-process")
    for index in range(processes.count()):
        processes.nth(index).click()
        field.wait_for()
        if field.input_value() == "false":
            break
    else:
        raise SystemExit("no unprivileged process on screen")
    name = page.locator(".ws-right input[type=text]").first.input_value()
    log: list[tuple[str, str]] = []

    def record(request: Any) -> None:
        if "/api/" in request.url:
            log.append((request.method, request.url.split("/api/v1", 1)[-1]))

    page.on("request", record)
    started = page.evaluate("performance.now()")
    field.select_option("true")
    page.locator(".save-status[data-status='saved']").wait_for(timeout=60000)
    page.get_by_role("tab", name="Threats").click()
    page.locator(".threat-row", has_text="A privileged container can break out to the node").first.wait_for(timeout=60000)
    shown = page.evaluate("performance.now()") - started
    page.wait_for_load_state("networkidle")
    page.remove_listener("request", record)
    ops = [path for method, path in log if method == "POST" and "/ops/" in path]
    threats = [path for method, path in log if method == "GET" and path.startswith("/threats/")]
    others = sorted({path.split("?", 1)[0] for method, path in log if path not in ops and path not in threats})
    print(f"one property change ({name} marked privileged), network log until idle:")
    print(f"  ops requests {len(ops)}, threats requests {len(threats)}, other requests {len(log) - len(ops) - len(threats)} "
          f"({', '.join(others) or 'none'})")
    for path in threats[:3]:
        print(f"    threats: GET {path}")
    if len(threats) > 3:
        print(f"    … and {len(threats) - 3} more threats pages")
    print(f"  from the change to the new threat in the list: {shown:.0f} ms")


def grid(page: Any, base: str, model_id: int) -> None:
    """The threat grid on every threat of the model: from the click to the first page of rows on
    screen, and each interaction (a sort, a filter, a search, the next page) until it is painted."""
    page.goto(f"{base}/models/{model_id}/")
    page.locator(".react-flow__node").first.wait_for()
    painted = """() => new Promise((resolve) => requestAnimationFrame(() => requestAnimationFrame(resolve)))"""

    def timed(action: Any) -> float:
        started = float(page.evaluate("performance.now()"))
        action()
        page.evaluate(painted)
        return float(page.evaluate("performance.now()")) - started

    def samples(action: Any, runs: int = 5) -> str:
        values = [timed(action) for _ in range(runs)]
        return f"median {statistics.median(values):6.0f} ms   runs {', '.join(f'{v:.0f}' for v in values)}"

    def open_grid() -> None:
        page.get_by_role("button", name="Diagram", exact=True).click()
        page.locator(".react-flow__node").first.wait_for()
        started = page.evaluate("performance.now()")
        page.get_by_role("button", name="Threat grid").click()
        page.locator(".grid-table tbody tr").first.wait_for()
        page.evaluate(painted)
        opened.append(float(page.evaluate("performance.now()")) - started)

    opened: list[float] = []
    for _ in range(3):
        open_grid()
    total = page.locator(".grid-pager").inner_text()
    print(f"threat grid ({total.split(chr(10))[-2] if chr(10) in total else total}; ms until painted):")
    print(f"  open the grid       median {statistics.median(opened):6.0f} ms   runs {', '.join(f'{v:.0f}' for v in opened)}")
    print(f"  rows in the DOM: {page.locator('.grid-table tbody tr').count()}")
    print(f"  sort by subject     {samples(lambda: page.locator('th.col-subject button').click())}")
    status = page.get_by_role("combobox", name="STRIDE")
    print(f"  filter STRIDE       {samples(lambda: (status.select_option('E'), status.select_option('')))} (two changes each)")
    search = page.get_by_role("searchbox", name="Search threats")
    print(f"  search typed        {samples(lambda: (search.fill(''), search.press_sequentially('t1611', delay=0)))} (5 keys each)")
    search.fill("")
    pager = page.get_by_role("group", name="Pages")
    print(f"  next page           {samples(lambda: pager.get_by_role('button', name='Next').click(), runs=3)}")


if __name__ == "__main__":
    main()

