"""The diagram as a graph: a networkx MultiDiGraph of elements and flows plus a boundary index.

This module is pure: it builds a ``DfdGraph`` from plain element and flow records (the same shape
as the operations and the native format), never from the ORM, so the threat engine can run in a
request, a task, a CLI or a benchmark. ``dfd.selectors.graph_for_model`` loads the records.

Derived views the rules use:
- the boundary index: which boundaries each element sits in (outermost first), and which
  boundaries each flow leaves and enters;
- entry points, by exposure: an element published outside its cluster (``exposure`` NodePort,
  LoadBalancer or Ingress), marked as on a public network or inside an internet boundary, the
  target of a flow over a public network, and an external entity unless it is known to sit on no
  public network. Being drawn as an external entity does not expose what it talks to, and an
  element stated ``exposure: internal`` (a ClusterIP Service) is not an entry point by inference;
- crown jewels: data stores holding confidential or restricted data, or credentials;
- reachability and bounded attack paths (breadth-first search and Dijkstra over a risk weight;
  never an enumeration of all simple paths, which explodes on graphs with cycles).
"""

from __future__ import annotations

import gc
import heapq
import itertools
from collections import deque
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # networkx costs a fresh process ~0.15 s: imported only where it is used
    import networkx as nx

UNKNOWN = "unknown"
SENSITIVE_CLASSES = frozenset({"confidential", "restricted"})
EXPOSED = frozenset({"node_port", "load_balancer", "ingress"})


@dataclass(slots=True, eq=False)
class Node:
    """An element as the engine sees it. ``ancestors`` lists enclosing boundaries, outermost first."""

    key: str
    kind: str
    name: str
    props: Mapping[str, Any]
    parent: str | None
    ancestors: tuple[str, ...] = ()
    entry_point: bool = False
    crown_jewel: bool = False

    def prop(self, name: str) -> Any:
        return self.props.get(name, UNKNOWN)


@dataclass(slots=True, eq=False)
class Edge:
    """A flow. ``leaves``/``enters`` are the boundaries crossed, innermost first."""

    key: str
    source: Node
    target: Node
    label: str
    protocol: str
    bidirectional: bool
    props: Mapping[str, Any]
    leaves: tuple[str, ...] = ()
    enters: tuple[str, ...] = ()
    kind: str = "flow"

    @property
    def name(self) -> str:
        return self.label or f"{self.source.name} → {self.target.name}"

    @property
    def crosses(self) -> bool:
        return bool(self.leaves or self.enters)

    def prop(self, name: str) -> Any:
        return self.props.get(name, UNKNOWN)


@dataclass
class DfdGraph:
    """Elements, boundaries and flows of one threat model (all its diagrams).

    Walks use the plain adjacency lists (fast, and they know about bidirectional flows); the
    networkx view (``graph``) is built on first use, for algorithms we do not write ourselves.
    """

    nodes: dict[str, Node]
    boundaries: dict[str, Node]
    edges: dict[str, Edge]
    _out: dict[str, list[Edge]] = field(default_factory=dict, repr=False)
    _in: dict[str, list[Edge]] = field(default_factory=dict, repr=False)
    _nx: nx.MultiDiGraph | None = field(default=None, repr=False)

    @property
    def graph(self) -> nx.MultiDiGraph:
        """Elements as nodes, flows as keyed edges (a bidirectional flow as two edges)."""
        if self._nx is None:
            import networkx as nx

            graph = nx.MultiDiGraph()
            graph.add_nodes_from(sorted(self.nodes))
            for key, edge in sorted(self.edges.items()):
                graph.add_edge(edge.source.key, edge.target.key, key=key)
                if edge.bidirectional:
                    graph.add_edge(edge.target.key, edge.source.key, key=key)
            self._nx = graph
        return self._nx

    # --- the boundary index -----------------------------------------------------------------

    def boundary_of(self, key: str) -> Node | None:
        node = self.nodes.get(key) or self.boundaries.get(key)
        return self.boundaries.get(node.parent) if node and node.parent else None

    def inside(self, key: str) -> tuple[str, ...]:
        """Boundaries an element sits in, outermost first."""
        node = self.nodes.get(key) or self.boundaries.get(key)
        return node.ancestors if node else ()

    def crossings(self) -> list[Edge]:
        """Flows that leave or enter at least one trust boundary, in key order."""
        return [edge for _, edge in sorted(self.edges.items()) if edge.crosses]

    # --- derived views --------------------------------------------------------------------------

    def entry_points(self) -> list[Node]:
        return [node for _, node in sorted(self.nodes.items()) if node.entry_point]

    def crown_jewels(self) -> list[Node]:
        return [node for _, node in sorted(self.nodes.items()) if node.crown_jewel]

    def out_edges(self, key: str) -> list[Edge]:
        """Flows data can travel along from ``key`` (a bidirectional flow works both ways)."""
        return self._out.get(key, [])

    def in_edges(self, key: str) -> list[Edge]:
        return self._in.get(key, [])

    def reachable(
        self,
        sources: Iterable[str],
        *,
        via: Callable[[Edge], bool] | None = None,
        reverse: bool = False,
    ) -> dict[str, tuple[str, str] | None]:
        """Breadth-first search from ``sources``; returns each reached node's predecessor.

        The value is ``(previous node, flow key)`` or None for a source; ``via`` limits which flows
        may be used; ``reverse`` walks flows backwards (who can reach the sources).
        """
        parents: dict[str, tuple[str, str] | None] = {}
        queue: deque[str] = deque()
        for key in sorted(set(sources)):
            if key in self.nodes:
                parents[key] = None
                queue.append(key)
        step = self._in if reverse else self._out
        while queue:
            current = queue.popleft()
            for edge in step.get(current, ()):
                if via is not None and not via(edge):
                    continue
                nxt = _other_end(edge, current, reverse)
                if nxt not in parents:
                    parents[nxt] = (current, edge.key)
                    queue.append(nxt)
        return parents

    @staticmethod
    def path_to(parents: Mapping[str, tuple[str, str] | None], key: str) -> tuple[list[str], list[str]]:
        """The node keys and flow keys from a BFS source to ``key`` (source first)."""
        nodes = [key]
        flows: list[str] = []
        step = parents.get(key)
        guard = 0
        while step is not None and guard <= len(parents):
            previous, flow = step
            nodes.append(previous)
            flows.append(flow)
            step = parents.get(previous)
            guard += 1
        nodes.reverse()
        flows.reverse()
        return nodes, flows

    def attack_paths(self, *, k: int = 1, max_paths: int = 50) -> list[AttackPath]:
        """Cheapest paths (by risk weight) from any entry point to each crown jewel.

        ``k`` > 1 adds up to k-1 alternatives per crown jewel (Yen's algorithm on the weighted
        graph, bounded by k), never an enumeration of all simple paths.
        """
        entries = [node.key for node in self.entry_points()]
        paths: list[AttackPath] = []
        if not entries:
            return paths
        for jewel in self.crown_jewels():
            found = self._cheapest(entries, jewel.key)
            if found is None:
                continue
            paths.append(found)
            if k > 1:
                paths.extend(self._alternatives(entries, jewel.key, found, k - 1))
            if len(paths) >= max_paths:
                break
        return sorted(paths, key=lambda p: (p.cost, p.nodes))[:max_paths]

    def _cheapest(self, sources: list[str], target: str) -> AttackPath | None:
        dist: dict[str, float] = {}
        prev: dict[str, tuple[str, str]] = {}
        counter = itertools.count()
        heap = [(0.0, next(counter), key) for key in sorted(sources)]
        for key in sources:
            dist[key] = 0.0
        heapq.heapify(heap)
        while heap:
            cost, _, current = heapq.heappop(heap)
            if cost > dist.get(current, float("inf")):
                continue
            if current == target:
                nodes, flows = self.path_to({k: v for k, v in prev.items()} | {s: None for s in sources}, target)
                return AttackPath(nodes=tuple(nodes), flows=tuple(flows), cost=round(cost, 3))
            for edge in self._out.get(current, ()):
                nxt = _other_end(edge, current, False)
                candidate = cost + risk_weight(edge)
                if candidate < dist.get(nxt, float("inf")):
                    dist[nxt] = candidate
                    prev[nxt] = (current, edge.key)
                    heapq.heappush(heap, (candidate, next(counter), nxt))
        return None

    def _alternatives(self, sources: list[str], target: str, best: AttackPath, count: int) -> list[AttackPath]:
        import networkx as nx

        simple = nx.DiGraph()
        start = "\x00entry"  # a virtual source joined to every entry point at no cost
        for key in sources:
            simple.add_edge(start, key, weight=0.0, flow="")
        for edge in self.edges.values():
            for a, b in (
                ((edge.source.key, edge.target.key), (edge.target.key, edge.source.key))
                if edge.bidirectional
                else ((edge.source.key, edge.target.key),)
            ):
                weight = risk_weight(edge)
                if not simple.has_edge(a, b) or simple[a][b]["weight"] > weight:
                    simple.add_edge(a, b, weight=weight, flow=edge.key)
        found: list[AttackPath] = []
        try:
            generator = nx.shortest_simple_paths(simple, start, target, weight="weight")
            for with_start in itertools.islice(generator, count + 1):
                nodes = with_start[1:]
                if tuple(nodes) == best.nodes:
                    continue
                flows = tuple(simple[a][b]["flow"] for a, b in itertools.pairwise(nodes))
                cost = sum(simple[a][b]["weight"] for a, b in itertools.pairwise(nodes))
                found.append(AttackPath(nodes=tuple(nodes), flows=flows, cost=round(cost, 3)))
                if len(found) >= count:
                    break
        except (nx.NetworkXNoPath, nx.NodeNotFound):
            return found
        return found


@dataclass(frozen=True)
class AttackPath:
    nodes: tuple[str, ...]
    flows: tuple[str, ...]
    cost: float

    def as_dict(self) -> dict[str, Any]:
        return {"nodes": list(self.nodes), "flows": list(self.flows), "cost": self.cost}


def risk_weight(edge: Edge) -> float:
    """How hard a flow is for an attacker to use: lower is easier.

    Unauthenticated and unencrypted hops are cheap; authenticated ones cost more, and unknown
    sits in between so that "not yet known" is not treated as safe.
    """
    weight = 1.0
    auth = edge.prop("authenticated")
    weight += 3.0 if auth is True else (1.0 if auth == UNKNOWN else 0.0)
    enc = edge.prop("encrypted")
    weight += 0.5 if enc is True else (0.25 if enc == UNKNOWN else 0.0)
    return weight


def _other_end(edge: Edge, current: str, reverse: bool) -> str:
    if edge.bidirectional:
        return edge.target.key if edge.source.key == current else edge.source.key
    return edge.source.key if reverse else edge.target.key


def _exposed(node: Node, internet: set[str]) -> bool:
    """Whether an attacker from outside can address ``node`` directly (see the module docstring)."""
    public = node.prop("public_network")
    if public is True:
        return True
    if node.kind == "external_entity":
        return public is not False  # an actor known to be inside is not a way in
    exposure = node.prop("exposure")
    if exposure in EXPOSED:
        return True
    return exposure != "internal" and any(b in internet for b in node.ancestors)


def build(elements: Iterable[Mapping[str, Any]], flows: Iterable[Mapping[str, Any]]) -> DfdGraph:
    """Build the graph from element and flow records (``key``, ``kind``, ``name``, ``properties``,
    ``parent`` / ``key``, ``source``, ``target``, ``label``, ``protocol``, ``bidirectional``,
    ``properties``). Records that point at missing elements are ignored, not guessed at."""
    # Every object made here stays alive with the graph; collecting during the build only walks them.
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        return _build(elements, flows)
    finally:
        if was_enabled:
            gc.enable()


def _build(elements: Iterable[Mapping[str, Any]], flows: Iterable[Mapping[str, Any]]) -> DfdGraph:
    nodes: dict[str, Node] = {}
    boundaries: dict[str, Node] = {}
    for record in elements:
        node = Node(
            key=record["key"],
            kind=record["kind"],
            name=record.get("name") or record["key"],
            props=record.get("properties") or {},
            parent=record.get("parent"),
        )
        (boundaries if node.kind == "trust_boundary" else nodes)[node.key] = node
    internet = {
        key
        for key, b in boundaries.items()
        if b.prop("public_network") is True or b.prop("boundary_type") == "internet"
    }
    for collection in (boundaries, nodes):
        for node in collection.values():
            node.ancestors = _ancestors_of(node, boundaries)
    edges, out, inn = _connect(nodes, flows)
    for node in nodes.values():
        node.entry_point = _exposed(node, internet)
        node.crown_jewel = node.kind == "data_store" and (
            node.prop("data_classification") in SENSITIVE_CLASSES or node.prop("stores_credentials") is True
        )
    for edge in edges.values():
        if edge.prop("public_network") is True and edge.target.prop("exposure") != "internal":
            edge.target.entry_point = True
    return DfdGraph(nodes=nodes, boundaries=boundaries, edges=edges, _out=out, _in=inn)


def _ancestors_of(node: Node, boundaries: Mapping[str, Node]) -> tuple[str, ...]:
    """The boundaries around `node`, outermost first; a parent cycle stops at the first repeat."""
    chain: list[str] = []
    seen: set[str] = set()
    current = node.parent
    while current is not None and current in boundaries and current not in seen:
        seen.add(current)
        chain.append(current)
        current = boundaries[current].parent
    return tuple(reversed(chain))


def _connect(
    nodes: Mapping[str, Node], flows: Iterable[Mapping[str, Any]]
) -> tuple[dict[str, Edge], dict[str, list[Edge]], dict[str, list[Edge]]]:
    """The edges between known nodes, with the boundaries each leaves and enters, and both adjacency lists by key."""
    edges: dict[str, Edge] = {}
    out: dict[str, list[Edge]] = {}
    inn: dict[str, list[Edge]] = {}
    for record in flows:
        source = nodes.get(record["source"])
        target = nodes.get(record["target"])
        if source is None or target is None:
            continue
        src_set, dst_set = source.ancestors, target.ancestors
        common = 0
        for a, b in zip(src_set, dst_set, strict=False):
            if a != b:
                break
            common += 1
        edge = Edge(
            key=record["key"],
            source=source,
            target=target,
            label=record.get("label") or "",
            protocol=record.get("protocol") or "",
            bidirectional=bool(record.get("bidirectional")),
            props=record.get("properties") or {},
            leaves=tuple(reversed(src_set[common:])),
            enters=tuple(dst_set[common:]),
        )
        edges[edge.key] = edge
        out.setdefault(source.key, []).append(edge)
        inn.setdefault(target.key, []).append(edge)
        if edge.bidirectional:
            out.setdefault(target.key, []).append(edge)
            inn.setdefault(source.key, []).append(edge)
    for adjacency in (out, inn):
        for edge_list in adjacency.values():
            edge_list.sort(key=lambda e: e.key)
    return edges, out, inn
