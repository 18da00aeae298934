"""NetworkPolicy selectors beyond matchLabels: ``matchExpressions`` on the policy's pods and its peers,
and ``namespaceSelector`` peers, one row per case, on the real Online Boutique and Sock Shop manifests.

The corpus has no policy using these (Online Boutique's own policies select by ``matchLabels``), so
each row adds one small policy to the real workloads; a row says which pods of Online Boutique get
``network_policy`` and which flows the policy's allow-list draws.
"""

from __future__ import annotations

import pytest

from threatmodel.interop.manifests.formats import wanted_state
from threatmodel.interop.manifests.inventory import Selector
from threatmodel.tests.manifest_helpers import corpus, documents

BOUTIQUE = "online-boutique/release/kubernetes-manifests.yaml"
SOCK_SHOP = "sock-shop/deploy/kubernetes/complete-demo.yaml"
OB = "k8s:deployment:default:"


def _policy(name: str, spec: str) -> str:
    return f"apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata:\n  name: {name}\n  namespace: default\nspec:\n{spec}"


def _read(policy: str, *extra: str) -> tuple[dict[str, dict[str, object]], set[tuple[str, str]], list[str]]:
    files = [(path.name, path.read_bytes()) for path in corpus(BOUTIQUE, *extra)]
    files.append(("policy.yaml", policy.encode()))
    state, _, warnings, _ = wanted_state("kubernetes", documents("kubernetes", files))
    properties = {key: dict(element.properties) for key, element in state.elements.items()}
    evidenced = {
        (flow.source, flow.target)
        for flow in state.flows.values()
        if "allowed by policy.yaml" in str(flow.properties.get("extra", {}).get("Evidence", ""))
    }
    return properties, evidenced, warnings


TARGETS = """  podSelector:
    matchExpressions:
    - {key: app, operator: In, values: [cartservice, redis-cart]}
  policyTypes: [Ingress]
  ingress:
  - from:
    - podSelector:
        matchExpressions:
        - {key: app, operator: In, values: [frontend, checkoutservice]}
"""
NOT_IN = """  podSelector:
    matchExpressions:
    - {key: app, operator: NotIn, values: [frontend, loadgenerator]}
  policyTypes: [Ingress]
"""
EXISTS = """  podSelector:
    matchLabels: {app: emailservice}
    matchExpressions:
    - {key: app, operator: Exists}
  policyTypes: [Ingress]
  ingress:
  - from:
    - podSelector:
        matchExpressions:
        - {key: tier, operator: DoesNotExist}
        - {key: app, operator: In, values: [checkoutservice]}
"""
NAMESPACE_BY_NAME = """  podSelector:
    matchLabels: {app: cartservice}
  policyTypes: [Ingress]
  ingress:
  - from:
    - namespaceSelector:
        matchLabels: {kubernetes.io/metadata.name: sock-shop}
      podSelector:
        matchLabels: {name: front-end}
"""
WHOLE_NAMESPACE = """  podSelector:
    matchLabels: {app: currencyservice}
  policyTypes: [Ingress]
  ingress:
  - from:
    - namespaceSelector:
        matchExpressions:
        - {key: kubernetes.io/metadata.name, operator: In, values: [sock-shop]}
"""
NO_SUCH_NAMESPACE = """  podSelector:
    matchLabels: {app: cartservice}
  policyTypes: [Ingress]
  ingress:
  - from:
    - namespaceSelector:
        matchLabels: {team: payments}
"""
BAD_OPERATOR = """  podSelector:
    matchExpressions:
    - {key: app, operator: Matches, values: [cart.*]}
  policyTypes: [Ingress]
"""

# (id, policy spec, also read, pods that get network_policy, pods that do not, flows it draws, warning)
ROWS: list[tuple[str, str, tuple[str, ...], set[str], set[str], set[tuple[str, str]] | None, str]] = [
    ("In on both sides", TARGETS, (), {"cartservice", "redis-cart"}, {"frontend", "adservice"},
     {(f"{OB}frontend", f"{OB}cartservice"), (f"{OB}frontend", f"{OB}redis-cart"),
      (f"{OB}checkoutservice", f"{OB}cartservice"), (f"{OB}checkoutservice", f"{OB}redis-cart")}, ""),
    ("NotIn", NOT_IN, (), {"cartservice", "adservice", "emailservice"}, {"frontend", "loadgenerator"}, set(), ""),
    ("Exists with matchLabels, DoesNotExist", EXISTS, (), {"emailservice"}, {"cartservice"},
     {(f"{OB}checkoutservice", f"{OB}emailservice")}, ""),
    ("namespaceSelector by name with a podSelector", NAMESPACE_BY_NAME, (SOCK_SHOP,), {"cartservice"}, {"frontend"},
     {("k8s:deployment:sock-shop:front-end", f"{OB}cartservice")}, ""),
    # Every sock-shop workload calls it: test_a_whole_namespace_peer_draws_a_flow_from_each_of_its_workloads.
    ("a whole namespace by matchExpressions", WHOLE_NAMESPACE, (SOCK_SHOP,), {"currencyservice"}, {"cartservice"}, None, ""),
    ("a namespaceSelector nothing in the files matches", NO_SUCH_NAMESPACE, (SOCK_SHOP,), {"cartservice"}, set(), set(),
     "policy.yaml, document 1 (NetworkPolicy default/p): its namespaceSelector picks no namespace with a workload in the files"),
    ("an operator Kubernetes refuses", BAD_OPERATOR, (), set(), {"cartservice", "frontend"}, set(),
     "policy.yaml, document 1 (NetworkPolicy default/p), spec.podSelector.matchExpressions[0]: operator 'Matches' is none of "
     "In, NotIn, Exists, DoesNotExist; the selector is taken to select nothing."),
]  # fmt: skip


@pytest.mark.parametrize(("spec", "extra", "selected", "unselected", "flows", "warning"), [r[1:] for r in ROWS], ids=[r[0] for r in ROWS])
def test_a_policys_selectors_pick_its_pods_and_its_peers(
    spec: str, extra: tuple[str, ...], selected: set[str], unselected: set[str], flows: set[tuple[str, str]] | None, warning: str
) -> None:
    properties, evidenced, warnings = _read(_policy("p", spec), *extra)
    assert {name for name in selected | unselected if properties[OB + name]["network_policy"] is True} == selected
    if flows is not None:
        assert evidenced == flows
    if warning:
        assert any(message.startswith(warning) for message in warnings), warnings
    else:
        assert not [message for message in warnings if "policy.yaml" in message], warnings


def test_a_whole_namespace_peer_draws_a_flow_from_each_of_its_workloads() -> None:
    properties, evidenced, _ = _read(_policy("p", WHOLE_NAMESPACE), SOCK_SHOP)
    sock_shop = {key for key in properties if key.startswith("k8s:deployment:sock-shop:") and not key.endswith(":data")}
    assert sock_shop and evidenced == {(key, f"{OB}currencyservice") for key in sock_shop}


def test_a_declared_namespaces_labels_are_what_a_namespace_selector_reads() -> None:
    labelled = "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: sock-shop\n  labels: {team: payments}\n"
    properties, evidenced, warnings = _read(_policy("p", NO_SUCH_NAMESPACE) + "\n---\n" + labelled, SOCK_SHOP)
    assert properties[f"{OB}cartservice"]["network_policy"] is True
    assert ("k8s:deployment:sock-shop:front-end", f"{OB}cartservice") in evidenced
    assert not [message for message in warnings if "namespaceSelector" in message]


@pytest.mark.parametrize(
    ("selector", "labels", "matches"),
    [
        (Selector(), {}, True),
        (Selector((("app", "web"),)), {"app": "web", "tier": "x"}, True),
        (Selector((("app", "web"),)), {"app": "db"}, False),
        (Selector(expressions=(("app", "In", frozenset({"a", "b"})),)), {"app": "b"}, True),
        (Selector(expressions=(("app", "In", frozenset({"a", "b"})),)), {}, False),
        (Selector(expressions=(("app", "NotIn", frozenset({"a"})),)), {}, True),
        (Selector(expressions=(("app", "NotIn", frozenset({"a"})),)), {"app": "a"}, False),
        (Selector(expressions=(("app", "Exists", frozenset()),)), {"app": ""}, True),
        (Selector(expressions=(("app", "DoesNotExist", frozenset()),)), {"app": "a"}, False),
        (Selector(unreadable=True), {"app": "a"}, False),
    ],
)
def test_label_selectors_read_like_kubernetes(selector: Selector, labels: dict[str, str], matches: bool) -> None:
    assert selector.matches(labels) is matches
