"""Graphviz drawings of a diagram: DOT text, and SVG or PNG rendered from it.

Two decisions shape this module:

* **Nothing a user typed becomes DOT syntax.** Node and cluster ids are our own (``n0``, ``c0``),
  never element keys or names, and every label is a Graphviz HTML-like label whose text is
  XML-escaped here, with control characters removed and length bounded. A name full of quotes,
  braces, ``]``, ``->``, backslashes or ``<b>`` tags is drawn literally and cannot add a node, an
  attribute or markup. (The ``graphviz`` package's own quoting passes ``<…>`` strings through as
  HTML and leaves backslash escapes alone, so it is not relied on for user text.)
* **The same diagram gives the same bytes.** Statements are emitted in a fixed order (children of
  each boundary by canvas position, then key; flows by key) and ``dot`` is deterministic, so DOT
  and SVG are byte-identical across runs; a reviewer can diff two renders.

Trust boundaries become nested clusters; each element kind has its DFD shape (external entity:
rectangle; process: ellipse; data store: open-ended box, lines above and below; flows: arrows).
``to_dot`` and ``render_diagram`` are pure; ``snapshot`` reads a stored diagram through the one
reader (``dfd.selectors``); ``render`` runs Graphviz through
the ``graphviz`` package (no shell).
"""

from __future__ import annotations

import html
import textwrap
from collections import defaultdict
from dataclasses import dataclass
from typing import TYPE_CHECKING

import graphviz

if TYPE_CHECKING:
    from dfd.models import Diagram
    from dfd.ops import DiagramState

FORMATS = ("svg", "png", "dot")
MEDIA_TYPES = {"svg": "image/svg+xml", "png": "image/png", "dot": "text/vnd.graphviz; charset=utf-8"}
NAME_MAX = 120  # characters of a name that are drawn; the rest becomes "…"
LABEL_WIDTH = 22  # characters per line before a label wraps
LABEL_LINES = 4
FONT = "DejaVu Sans"

_KIND_STYLE: dict[str, dict[str, str]] = {
    "external_entity": {"shape": "box", "style": "filled", "fillcolor": "#eef0f3", "color": "#4a5566"},
    "process": {"shape": "ellipse", "style": "filled", "fillcolor": "#e3effc", "color": "#2d5f99"},
    # The store's two horizontal lines come from its HTML label (cell sides top and bottom).
    "data_store": {"shape": "plain"},
}


@dataclass(frozen=True)
class RenderElement:
    key: str
    kind: str
    name: str
    parent: str | None = None
    x: float = 0.0
    y: float = 0.0


@dataclass(frozen=True)
class RenderFlow:
    key: str
    source: str
    target: str
    label: str = ""
    protocol: str = ""
    bidirectional: bool = False


@dataclass(frozen=True)
class RenderDiagram:
    name: str
    elements: tuple[RenderElement, ...]
    flows: tuple[RenderFlow, ...]


class DiagramTooLarge(Exception):
    """Graphviz would take too long on this many elements; the DOT text is still available."""


def render_diagram(name: str, state: DiagramState) -> RenderDiagram:
    """What a drawing needs of a diagram's state."""
    return RenderDiagram(
        name,
        tuple(RenderElement(el.key, el.kind, el.name, el.parent, el.x, el.y) for el in state.elements.values()),
        tuple(RenderFlow(fl.key, fl.source, fl.target, fl.label, fl.protocol, fl.bidirectional) for fl in state.flows.values()),
    )


def snapshot(diagram: Diagram) -> RenderDiagram:
    """What a drawing needs of a stored diagram (read by the one reader, ``dfd.selectors``)."""
    from dfd.selectors import model_diagrams

    for one in model_diagrams(diagram.threat_model_id, only=diagram.pk):
        return render_diagram(one.name, one.state)
    return RenderDiagram(diagram.name, (), ())


# --- text -----------------------------------------------------------------------------------------------


def clean_text(value: str, limit: int = NAME_MAX) -> str:
    """Printable text only (newlines become spaces), at most ``limit`` characters."""
    kept = "".join(
        " " if ch in "\n\r\t" else ch
        for ch in value
        if ch in "\n\r\t" or (ord(ch) >= 32 and ord(ch) != 127 and not 0xD800 <= ord(ch) <= 0xDFFF)
    )
    kept = " ".join(kept.split())
    return kept if len(kept) <= limit else kept[: limit - 1].rstrip() + "…"


def _lines(value: str, width: int = LABEL_WIDTH, max_lines: int = LABEL_LINES) -> list[str]:
    text = clean_text(value)
    if not text:
        return []
    lines = textwrap.wrap(text, width=width, break_long_words=True, break_on_hyphens=True)
    if len(lines) > max_lines:
        lines = [*lines[: max_lines - 1], textwrap.shorten(" ".join(lines[max_lines - 1 :]), width=width, placeholder="…")]
    return lines


def _html(lines: list[str]) -> str:
    """Escaped lines joined by Graphviz line breaks (the content of an HTML-like label)."""
    # Graphviz expands \N, \G, \E… (node, graph, edge names) even inside HTML labels, and entities
    # do not stop it; a doubled backslash is its escape for a literal one.
    return '<BR ALIGN="CENTER"/>'.join(html.escape(line.replace("\\", "\\\\"), quote=True) for line in lines)


def _label(inner: str) -> str:
    # The graphviz package passes a string of the form <…> through unquoted, as an HTML label.
    return f"<{inner}>"


def element_label(element: RenderElement) -> str:
    text = _html(_lines(element.name)) or " "
    if element.kind == "data_store":
        return _label(
            '<TABLE BORDER="0" CELLBORDER="1" CELLSPACING="0" CELLPADDING="7" COLOR="#8a6d1c" BGCOLOR="#fdf6e3">'
            f'<TR><TD SIDES="TB">{text}</TD></TR></TABLE>'
        )
    return _label(text)


def boundary_label(element: RenderElement) -> str:
    return _label(f"<B>{_html(_lines(element.name, width=40, max_lines=2)) or ' '}</B>")


def flow_label(flow: RenderFlow) -> str | None:
    text = flow.label.strip()
    protocol = flow.protocol.strip()
    if protocol and protocol.lower() not in text.lower():
        text = f"{text} ({protocol})" if text else protocol
    lines = _lines(text, width=26, max_lines=3)
    return _label(_html(lines)) if lines else None


# --- DOT ------------------------------------------------------------------------------------------------


def _position_order(element: RenderElement) -> tuple[float, float, str]:
    return (element.y, element.x, element.key)


def to_dot(diagram: RenderDiagram) -> str:
    """The DOT text of a diagram. Pure and deterministic."""
    by_key = {element.key: element for element in diagram.elements}
    boundaries = {key for key, element in by_key.items() if element.kind == "trust_boundary"}
    children: dict[str | None, list[RenderElement]] = defaultdict(list)
    for element in diagram.elements:
        parent = element.parent if element.parent in boundaries and element.parent != element.key else None
        children[parent].append(element)
    node_ids = {
        element.key: f"n{index}"
        for index, element in enumerate(sorted((e for e in diagram.elements if e.key not in boundaries), key=lambda e: e.key))
    }
    cluster_ids = {key: f"cluster_{index}" for index, key in enumerate(sorted(boundaries))}

    dot = graphviz.Digraph(
        name="dfd",
        graph_attr={
            "rankdir": "LR",
            "newrank": "true",
            "fontname": FONT,
            "fontsize": "11",
            "nodesep": "0.45",
            "ranksep": "0.9",
            "pad": "0.25",
            "bgcolor": "white",
            "labeljust": "l",
        },
        node_attr={"fontname": FONT, "fontsize": "10", "margin": "0.12,0.06"},
        edge_attr={"fontname": FONT, "fontsize": "9", "color": "#333333", "arrowsize": "0.7", "fontcolor": "#333333"},
    )
    empty_index = 0

    def add_children(graph: graphviz.Digraph, parent: str | None, depth: int) -> None:
        nonlocal empty_index
        for element in sorted(children.get(parent, []), key=_position_order):
            if element.key in boundaries:
                if depth > 64:  # nesting is acyclic by construction; this only bounds a corrupt input
                    continue
                with graph.subgraph(name=cluster_ids[element.key]) as cluster:
                    cluster.attr(
                        label=boundary_label(element),
                        style="dashed,rounded",
                        color="#c0392b",
                        fontcolor="#c0392b",
                        penwidth="1.3",
                        margin="14",
                    )
                    if not children.get(element.key):
                        cluster.node(f"empty{empty_index}", label=_label("(empty)"), shape="plaintext", fontcolor="#999999")
                        empty_index += 1
                    add_children(cluster, element.key, depth + 1)
            else:
                style = _KIND_STYLE.get(element.kind, _KIND_STYLE["process"])
                graph.node(node_ids[element.key], label=element_label(element), **style)

    add_children(dot, None, 0)
    for flow in sorted(diagram.flows, key=lambda f: f.key):
        if flow.source not in node_ids or flow.target not in node_ids:
            continue
        attrs: dict[str, str] = {}
        label = flow_label(flow)
        if label is not None:
            attrs["label"] = label
        if flow.bidirectional:
            attrs["dir"] = "both"
        dot.edge(node_ids[flow.source], node_ids[flow.target], **attrs)
    source: str = dot.source
    return source


def render(diagram: RenderDiagram, fmt: str, *, max_elements: int) -> bytes:
    """``dot`` text, or ``svg``/``png`` drawn by Graphviz from it."""
    if fmt not in FORMATS:
        raise ValueError(f"unknown drawing format {fmt!r}")
    source = to_dot(diagram)
    if fmt == "dot":
        return source.encode("utf-8")
    if len(diagram.elements) > max_elements:
        raise DiagramTooLarge(f"{len(diagram.elements)} elements; drawings are made for at most {max_elements}")
    drawn: bytes = graphviz.Source(source, engine="dot").pipe(format=fmt)
    return drawn


def svg_fragment(svg: bytes) -> str:
    """The ``<svg>`` element of a Graphviz SVG, without its XML prolog and doctype (to inline in HTML)."""
    text = svg.decode("utf-8")
    start = text.find("<svg")
    return text[start:] if start >= 0 else ""
