"""The DFD graph: nesting, crossings, entry points, crown jewels, walks and bounded attack paths."""

from __future__ import annotations

from typing import Any

from dfd.graph import DfdGraph, build, risk_weight


def el(key: str, kind: str = "process", parent: str | None = None, **props: Any) -> dict[str, Any]:
    return {"key": key, "kind": kind, "name": key.title(), "parent": parent, "properties": props}


def fl(key: str, source: str, target: str, bidirectional: bool = False, **props: Any) -> dict[str, Any]:
    return {"key": key, "source": source, "target": target, "bidirectional": bidirectional, "properties": props}


ELEMENTS = [
    el("inet", "trust_boundary", boundary_type="internet"),
    el("cluster", "trust_boundary"),
    el("ns-a", "trust_boundary", "cluster"),
    el("ns-b", "trust_boundary", "cluster"),
    el("pod", "trust_boundary", "ns-a"),
    el("user", "external_entity", "inet"),
    el("web", "process", "pod"),
    el("api", "process", "ns-a"),
    el("svc", "process", "ns-b", public_network=True),
    el("db", "data_store", "ns-b", data_classification="confidential"),
    el("vault", "data_store", "ns-b", stores_credentials=True),
    el("cache", "data_store", "ns-b", data_classification="internal"),
    el("loose", "process"),
]
FLOWS = [
    fl("f1", "user", "web", authenticated=False),
    fl("f2", "web", "api", authenticated=False),
    fl("f3", "api", "db", authenticated=True),
    fl("f4", "api", "svc", authenticated=False),
    fl("f5", "svc", "db", authenticated=False),
    fl("f6", "db", "api", authenticated=False),  # a cycle api -> db -> api
    fl("f7", "svc", "vault", bidirectional=True),
    fl("f8", "loose", "cache", public_network=True),
    fl("broken", "web", "nowhere"),
]


def graph() -> DfdGraph:
    return build(ELEMENTS, FLOWS)


def test_nesting_lists_boundaries_outermost_first() -> None:
    g = graph()
    assert g.inside("web") == ("cluster", "ns-a", "pod")
    assert g.inside("pod") == ("cluster", "ns-a")
    assert g.inside("loose") == ()
    boundary = g.boundary_of("web")
    assert boundary is not None and boundary.key == "pod"


def test_crossings_name_the_boundaries_left_and_entered() -> None:
    g = graph()
    assert (g.edges["f1"].leaves, g.edges["f1"].enters) == (("inet",), ("cluster", "ns-a", "pod"))
    assert (g.edges["f2"].leaves, g.edges["f2"].enters) == (("pod",), ())
    assert (g.edges["f4"].leaves, g.edges["f4"].enters) == (("ns-a",), ("ns-b",))
    assert not g.edges["f5"].crosses  # both ends in ns-b
    assert [e.key for e in g.crossings()] == ["f1", "f2", "f3", "f4", "f6", "f8"]


def test_flows_to_missing_elements_are_ignored() -> None:
    assert "broken" not in graph().edges


def test_entry_points_and_crown_jewels() -> None:
    g = graph()
    # user: external entity; svc: public network; cache: target of a flow over a public network
    assert [n.key for n in g.entry_points()] == ["cache", "svc", "user"]
    assert [n.key for n in g.crown_jewels()] == ["db", "vault"]


def test_entry_points_follow_exposure_not_the_presence_of_an_external_entity() -> None:
    g = build(
        [
            {"key": "admin", "kind": "external_entity", "name": "Admin via kubectl proxy", "properties": {"public_network": False}},
            {"key": "visitor", "kind": "external_entity", "name": "Visitor"},
            {"key": "dash", "kind": "process", "name": "Dashboard (ClusterIP)", "properties": {"exposure": "internal"}},
            {"key": "shop", "kind": "process", "name": "Shop (LoadBalancer)", "properties": {"exposure": "load_balancer"}},
            {"key": "node", "kind": "process", "name": "NodePort app", "properties": {"exposure": "node_port"}},
            {"key": "ing", "kind": "process", "name": "Behind an Ingress", "properties": {"exposure": "ingress"}},
        ],
        [
            {"key": "f1", "source": "admin", "target": "dash"},
            {"key": "f2", "source": "visitor", "target": "dash", "properties": {"public_network": True}},
        ],
    )
    # an actor known to be inside is no way in; one whose network is unknown is assumed outside;
    # a ClusterIP workload stays internal even with a flow over a public network drawn to it
    assert [n.key for n in g.entry_points()] == ["ing", "node", "shop", "visitor"]


def test_reachability_follows_flow_direction_and_both_ways_for_bidirectional_flows() -> None:
    g = graph()
    assert set(g.reachable(["user"])) == {"user", "web", "api", "db", "svc", "vault"}
    assert set(g.reachable(["vault"])) == {"vault", "svc", "db", "api"}  # f7 works both ways
    unauth = g.reachable(["user"], via=lambda e: e.prop("authenticated") is not True)
    nodes, flows = g.path_to(unauth, "db")
    assert nodes[0] == "user" and nodes[-1] == "db" and "f3" not in flows
    assert set(g.reachable(["db"], reverse=True)) >= {"db", "api", "svc", "web", "user"}


def test_attack_paths_are_cheapest_first_and_bounded_on_a_graph_with_cycles() -> None:
    g = graph()
    paths = g.attack_paths(k=1)
    assert {p.nodes[-1] for p in paths} == {"db", "vault"}
    to_db = next(p for p in paths if p.nodes[-1] == "db")
    assert to_db.nodes == ("svc", "db")  # svc is itself an entry point: one unauthenticated hop
    several = g.attack_paths(k=3)
    db_paths = [p for p in several if p.nodes[-1] == "db"]
    assert 1 < len(db_paths) <= 3
    assert all(len(set(p.nodes)) == len(p.nodes) for p in several)  # simple paths despite the cycle
    assert [p.cost for p in db_paths] == sorted(p.cost for p in db_paths)


def test_authenticated_hops_cost_more_than_unknown_and_unauthenticated_ones() -> None:
    g = graph()
    assert risk_weight(g.edges["f2"]) < risk_weight(g.edges["f7"]) < risk_weight(g.edges["f3"])


def test_the_networkx_view_has_one_keyed_edge_per_flow_and_direction() -> None:
    g = build(ELEMENTS, [*FLOWS, fl("f9", "user", "web")])
    nx_graph = g.graph
    assert sorted(nx_graph["user"]["web"]) == ["f1", "f9"]  # parallel flows are kept apart
    assert nx_graph.has_edge("vault", "svc") and nx_graph.has_edge("svc", "vault")
    assert "inet" not in nx_graph  # boundaries are an index, not nodes
