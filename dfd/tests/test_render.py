"""Graphviz drawings: escaped labels, DFD shapes, nested boundaries, byte-identical output."""

from __future__ import annotations

import re

import defusedxml.ElementTree as SafeET
import pytest

from conftest import World
from dfd.render import (
    RenderDiagram,
    RenderElement,
    RenderFlow,
    clean_text,
    render,
    to_dot,
)
from threatmodel.diagrams import diagram_change

SVG_NS = "{http://www.w3.org/2000/svg}"

HOSTILE = [
    'quote " and [label="pwned"]',
    "brace } digraph evil { a -> b",
    "bracket ] -> n0 [color=red",
    "<b>bold</b> and <img src=x>",
    "<<TABLE><TR><TD>cell</TD></TR></TABLE>>",
    "first line\nsecond line\r\n\tthird",
    "trailing backslash \\",
    "escapes \\N \\G \\E \\L \\n",
    "entities &amp; &lt; &#x41; &unknown;",
    "control \x01\x02\x1b[31m chars\x7f",
    "x" * 600,
    "-> --",
    "subgraph cluster_0 { }",
]


def svg_texts(svg: bytes) -> list[str]:
    root = SafeET.fromstring(svg)
    return [text.text or "" for text in root.iter(f"{SVG_NS}text")]


def groups(svg: bytes, cls: str) -> int:
    root = SafeET.fromstring(svg)
    return sum(1 for g in root.iter(f"{SVG_NS}g") if g.get("class") == cls)


def hostile_diagram() -> RenderDiagram:
    elements = [RenderElement("tb-outer", "trust_boundary", HOSTILE[0]), RenderElement("tb-inner", "trust_boundary", HOSTILE[1], "tb-outer")]
    kinds = ("process", "data_store", "external_entity")
    parents = (None, "tb-outer", "tb-inner")
    for index, name in enumerate(HOSTILE):
        elements.append(RenderElement(f"e{index}", kinds[index % 3], name, parents[index % 3], float(index), float(index)))
    flows = [
        RenderFlow(f"f{index}", f"e{index}", f"e{(index + 1) % len(HOSTILE)}", name, name[:10], index % 4 == 0)
        for index, name in enumerate(HOSTILE)
    ]
    return RenderDiagram("hostile", tuple(elements), tuple(flows))


def test_hostile_names_cannot_add_nodes_edges_or_markup() -> None:
    diagram = hostile_diagram()
    svg = render(diagram, "svg", max_elements=1000)
    # Exactly the nodes, edges and clusters of the diagram: nothing was injected.
    assert groups(svg, "node") == len(HOSTILE)
    assert groups(svg, "edge") == len(HOSTILE)
    assert groups(svg, "cluster") == 2
    root = SafeET.fromstring(svg)
    # No markup from a name reached the SVG as elements, and no HTML label table other than ours.
    assert not list(root.iter(f"{SVG_NS}image")) and not list(root.iter(f"{SVG_NS}a"))
    drawn = " ".join(svg_texts(svg))
    for name in ("<b>bold</b> and <img src=x>", 'quote " and [label="pwned"]', "trailing backslash \\", "-> --"):
        assert clean_text(name) in drawn, name
    # Graphviz's \N, \G and \E expansions do not apply to user text: the backslashes stay literal.
    assert "escapes \\N \\G \\E \\L \\n" in drawn
    assert "entities &amp; &lt; &#x41; &unknown;" in drawn
    assert "\x1b" not in drawn and "\x01" not in drawn


def test_labels_are_escaped_html_and_ids_are_ours() -> None:
    dot = to_dot(hostile_diagram())
    # Every node and cluster id is generated; no key or name is used as an id.
    ids = set(re.findall(r"^\s*(\S+) \[label=", dot, flags=re.MULTILINE))
    assert ids and all(re.fullmatch(r"n\d+|empty\d+", node_id) for node_id in ids)
    assert set(re.findall(r"subgraph (\S+) \{", dot)) == {"cluster_0", "cluster_1"}
    # Edges connect generated ids only.
    for source, target in re.findall(r"^\s*(\S+) -> (\S+) ", dot, flags=re.MULTILINE):
        assert re.fullmatch(r"n\d+", source) and re.fullmatch(r"n\d+", target)
    assert "<b>" not in dot and "&lt;b&gt;bold&lt;/b&gt;" in dot
    assert '"pwned"' not in dot and "&quot;pwned&quot;" in dot


def test_very_long_names_are_bounded() -> None:
    svg = render(hostile_diagram(), "svg", max_elements=1000)
    longest = max(len(text) for text in svg_texts(svg))
    assert longest <= 30
    assert "x" * 600 not in svg.decode()


def test_output_is_byte_identical_across_runs() -> None:
    diagram = hostile_diagram()
    reordered = RenderDiagram(diagram.name, tuple(reversed(diagram.elements)), tuple(reversed(diagram.flows)))
    first_dot, second_dot = to_dot(diagram), to_dot(reordered)
    assert first_dot == second_dot
    assert render(diagram, "svg", max_elements=1000) == render(reordered, "svg", max_elements=1000)
    assert render(diagram, "dot", max_elements=1000) == first_dot.encode()


def test_boundaries_nest_as_clusters_and_kinds_have_their_shapes() -> None:
    diagram = RenderDiagram(
        "shapes",
        (
            RenderElement("outer", "trust_boundary", "Outer"),
            RenderElement("inner", "trust_boundary", "Inner", "outer"),
            RenderElement("empty", "trust_boundary", "Nothing here", "outer"),
            RenderElement("user", "external_entity", "User"),
            RenderElement("web", "process", "Web", "inner"),
            RenderElement("db", "data_store", "DB", "outer"),
        ),
        (RenderFlow("f1", "user", "web", "HTTPS"), RenderFlow("f2", "web", "db", "", "postgres", True)),
    )
    dot = to_dot(diagram)
    outer_start = dot.index('label=<<B>Outer</B>>')
    inner_start = dot.index('label=<<B>Inner</B>>')
    # The inner cluster opens inside the outer one, before the outer closes.
    depth_at_inner = dot[:inner_start].count("{") - dot[:inner_start].count("}")
    depth_at_outer = dot[:outer_start].count("{") - dot[:outer_start].count("}")
    assert depth_at_inner == depth_at_outer + 1
    assert re.search(r"\[label=<User> .*shape=box", dot)
    assert re.search(r"\[label=<Web> .*shape=ellipse", dot)
    assert 'SIDES="TB">DB</TD>' in dot  # a store: lines above and below only
    assert "(empty)" in dot  # an empty boundary is still drawn
    assert "dir=both" in dot and "label=<postgres>" in dot
    svg = render(diagram, "svg", max_elements=10)
    assert groups(svg, "cluster") == 3


def test_png_is_a_png() -> None:
    png = render(hostile_diagram(), "png", max_elements=1000)
    assert png.startswith(b"\x89PNG\r\n\x1a\n")


# --- the endpoint ------------------------------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("fmt", "content_type", "magic"),
    [("svg", "image/svg+xml", b"<?xml"), ("png", "image/png", b"\x89PNG"), ("dot", "text/vnd.graphviz", b"digraph dfd {")],
)
def test_render_endpoint_answers_each_format(world: World, fmt: str, content_type: str, magic: bytes) -> None:
    client = world.client("viewer")
    response = client.get(f"/api/v1/diagrams/{world.diagram.pk}/render/?format={fmt}", HTTP_ACCEPT=content_type)
    assert response.status_code == 200
    assert response["Content-Type"].startswith(content_type)
    assert response.content.startswith(magic)
    assert response["ETag"] == f'"diagram-{world.diagram.pk}-v{world.diagram.version}-{fmt}"'


@pytest.mark.django_db
def test_render_endpoint_is_deterministic_and_cached_by_version(world: World) -> None:
    client = world.client("viewer")
    url = f"/api/v1/diagrams/{world.diagram.pk}/render/?format=svg"
    first, second = client.get(url), client.get(url)
    assert first.content == second.content
    assert b"Web" in first.content and first["Content-Security-Policy"].startswith("default-src 'none'")
    assert client.get(url, HTTP_IF_NONE_MATCH=first["ETag"]).status_code == 304
    diagram_change(analyse=False,
        diagram_id=world.diagram.pk,
        actor=None,
        base_version=world.diagram.version,
        ops=[{"op": "update_element", "key": "web", "name": 'Web "front" <end>'}],
    )
    changed = client.get(url, HTTP_IF_NONE_MATCH=first["ETag"])
    assert changed.status_code == 200 and changed["ETag"] != first["ETag"]
    assert 'Web "front" <end>' in svg_texts(changed.content)


@pytest.mark.django_db
def test_render_endpoint_refuses_unknown_formats_and_oversized_diagrams(world: World, settings) -> None:
    client = world.client("viewer")
    bad = client.get(f"/api/v1/diagrams/{world.diagram.pk}/render/?format=pdf")
    assert bad.status_code == 400 and bad.json()["error"]["details"][0]["path"] == "format"
    settings.THREATMODEL_RENDER_MAX_ELEMENTS = 2
    large = client.get(f"/api/v1/diagrams/{world.diagram.pk}/render/?format=svg")
    assert large.status_code == 400 and "DOT" in large.json()["error"]["message"]
    assert client.get(f"/api/v1/diagrams/{world.diagram.pk}/render/?format=dot").status_code == 200
