"""Aggregated ClusterRoles (``aggregationRule``): a role bound to KubeHound's control pod (which has no
rights of its own, ``CONTROL_POD.yaml``) through an aggregated ClusterRole has the rules of every
ClusterRole the aggregation's selectors match, as the API server's controller fills them in — the
built-in admin, edit and view included. One row per case; the corpus has no aggregated role, so
each row adds its roles and a binding to the pod's service account (``default/default``).
"""

from __future__ import annotations

from typing import Any

import pytest

from threatmodel.interop.manifests.formats import wanted_state
from threatmodel.tests.manifest_helpers import corpus, documents

CONTROL = "kubehound/test/setup/test-cluster/attacks/CONTROL_POD.yaml"
POD = "k8s:pod:default:control-pod"
AGG = "rbac.authorization.k8s.io/aggregate-to-"


def _role(name: str, rules: str = "[]", labels: str = "{}", aggregates: str = "") -> str:
    rule = f"aggregationRule:\n  clusterRoleSelectors:\n{aggregates}" if aggregates else ""
    return (f"apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRole\nmetadata:\n  name: {name}\n  labels: {labels}\n"
            f"{rule}rules: {rules}\n")  # fmt: skip


def _binding(role: str) -> str:
    return (f"apiVersion: rbac.authorization.k8s.io/v1\nkind: RoleBinding\nmetadata:\n  name: to-{role}\n  namespace: default\n"
            f"roleRef: {{apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: {role}}}\n"
            "subjects: [{kind: ServiceAccount, name: default, namespace: default}]\n")  # fmt: skip


SECRETS = '[{apiGroups: [""], resources: [secrets], verbs: [get, list]}]'
EXEC = '[{apiGroups: [""], resources: [pods/exec], verbs: [create]}]'
PODS = '[{apiGroups: [""], resources: [pods], verbs: [create]}]'
MONITORING = _role("monitoring", aggregates="  - matchLabels: {rbac.example.com/aggregate-to-monitoring: \"true\"}\n")

ROWS: list[tuple[str, list[str], str, Any]] = [
    ("a custom aggregated role has its members' rules",
     [MONITORING, _role("monitoring-secrets", SECRETS, '{rbac.example.com/aggregate-to-monitoring: "true"}'), _binding("monitoring")],
     "rbac_secrets_read", True),
    ("and only those", [MONITORING, _role("monitoring-secrets", SECRETS, "{team: other}"), _binding("monitoring")],
     "sa_permissions", "none"),
    ("a role labelled aggregate-to-view is in the built-in view",
     [_role("debug-exec", EXEC, f'{{{AGG}view: "true"}}'), _binding("view")], "rbac_pods_exec", True),
    ("and in edit and admin, which gather view",
     [_role("debug-exec", EXEC, f'{{{AGG}view: "true"}}'), _binding("admin")], "rbac_pods_exec", True),
    ("a role labelled aggregate-to-edit is not in view",
     [_role("debug-exec", EXEC, f'{{{AGG}edit: "true"}}'), _binding("view")], "rbac_pods_exec", False),
    ("through a chain of aggregations",
     [_role("outer", aggregates="  - matchExpressions: [{key: layer, operator: In, values: [middle]}]\n"),
      _role("middle", labels="{layer: middle}", aggregates="  - matchLabels: {layer: inner}\n"),
      _role("inner", PODS, "{layer: inner}"), _binding("outer")], "rbac_create_pods", True),
    ("two roles that aggregate each other", [
        _role("left", SECRETS, "{side: left}", "  - matchLabels: {side: right}\n"),
        _role("right", PODS, "{side: right}", "  - matchLabels: {side: left}\n"), _binding("left")],
     "rbac_create_pods", True),
    # As the API server reads it, an empty selector selects everything: every ClusterRole, cluster-admin's "*" too.
    ("an empty selector aggregates every ClusterRole", [_role("all", aggregates="  - {}\n"), _binding("all")],
     "rbac_wildcard", True),
    ("a null selector aggregates none", [_role("none", aggregates="  - null\n"), _role("secrets", SECRETS), _binding("none")],
     "rbac_secrets_read", False),
]  # fmt: skip


def _properties(extra: list[str]) -> tuple[dict[str, Any], list[str]]:
    path = corpus(CONTROL)[0]
    files = [(path.name, path.read_bytes()), ("rbac.yaml", "\n---\n".join(extra).encode())]
    state, _, warnings, _ = wanted_state("kubernetes", documents("kubernetes", files))
    return dict(state.elements[POD].properties), warnings


@pytest.mark.parametrize(("extra", "name", "value"), [r[1:] for r in ROWS], ids=[r[0] for r in ROWS])
def test_an_aggregated_cluster_role_grants_its_members_rules(extra: list[str], name: str, value: Any) -> None:
    properties, warnings = _properties(extra)
    assert properties.get(name) == value, properties
    assert not [message for message in warnings if "rbac.yaml" in message], warnings


def test_the_control_pod_alone_has_no_rights() -> None:
    properties, _ = _properties([_role("unbound", SECRETS)])
    assert properties["sa_permissions"] == "none" and properties["rbac_secrets_read"] is False


def test_a_selector_kubernetes_refuses_aggregates_nothing_and_says_where() -> None:
    bad = _role("broken", aggregates="  - matchExpressions: [{key: team, operator: Like, values: [a]}]\n")
    properties, warnings = _properties([bad, _role("secrets", SECRETS, "{team: a}"), _binding("broken")])
    assert properties["rbac_secrets_read"] is False
    assert (
        "rbac.yaml, document 1 (ClusterRole broken), aggregationRule.clusterRoleSelectors[0].matchExpressions[0]: "
        "operator 'Like' is none of In, NotIn, Exists, DoesNotExist; it aggregates no role." in warnings
    ), warnings
