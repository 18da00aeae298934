"""The mapping from manifests to a diagram, one row per rule, on real files from the shared corpus.

Each row names a file (or files read together), an element key, a property and the value the
mapping must give it; the rules no corpus file exercises (Ingress, Gateway API, ExternalName, Pod
Security labels, List kinds) have small inline manifests below.
"""

from __future__ import annotations

from typing import Any

import pytest

from threatmodel.interop.manifests.formats import wanted_state
from threatmodel.tests.manifest_helpers import documents, pairs, props, state_from_text, state_of

BP = "badpods/manifests"
KH = "kubehound/test/setup/test-cluster/attacks"
KS = "kubescape-regolibrary/rules"

CONTAINER_FACTS: list[tuple[str, str, str, Any]] = [
    (f"{BP}/priv/pod/priv-exec-pod.yaml", "k8s:pod:default:priv-exec-pod", "privileged", True),
    (f"{BP}/priv/pod/priv-exec-pod.yaml", "k8s:pod:default:priv-exec-pod", "seccomp_profile", "unconfined"),
    (f"{BP}/nothing-allowed/pod/nothing-allowed-exec-pod.yaml", "k8s:pod:default:nothing-allowed-exec-pod", "privileged", False),
    (f"{BP}/nothing-allowed/pod/nothing-allowed-exec-pod.yaml", "k8s:pod:default:nothing-allowed-exec-pod", "host_path", False),
    (f"{BP}/nothing-allowed/pod/nothing-allowed-exec-pod.yaml", "k8s:pod:default:nothing-allowed-exec-pod", "host_pid", False),
    (f"{KH}/CE_NSENTER.yaml", "k8s:pod:default:nsenter-pod", "host_pid", True),
    (f"{KH}/CE_NET_MITM.yaml", "k8s:pod:default:netadmin-pod", "host_pid", False),
    (f"{BP}/everything-allowed/pod/everything-allowed-exec-pod.yaml", "k8s:pod:default:everything-allowed-exec-pod", "host_ipc", True),
    (f"{BP}/hostnetwork/pod/hostnetwork-exec-pod.yaml", "k8s:pod:default:hostnetwork-exec-pod", "host_network", True),
    (f"{BP}/hostnetwork/pod/hostnetwork-exec-pod.yaml", "k8s:pod:default:hostnetwork-exec-pod", "metadata_reachable", True),
    (f"{BP}/hostpath/pod/hostpath-exec-pod.yaml", "k8s:pod:default:hostpath-exec-pod", "host_path_mounts", "/ (rw)"),
    (f"{BP}/hostpath/pod/hostpath-exec-pod.yaml", "k8s:pod:default:hostpath-exec-pod", "host_path_sensitive", True),
    (f"{BP}/hostpath/pod/hostpath-exec-pod.yaml", "k8s:pod:default:hostpath-exec-pod", "host_path_writable", True),
    (f"{BP}/everything-allowed/cronjob/everything-allowed-exec-cronjob.yaml", "k8s:cronjob:default:everything-allowed-exec-cronjob", "privileged", True),
    (f"{BP}/everything-allowed/deamonset/everything-allowed-exec-deamonset.yaml", "k8s:daemonset:default:everything-allowed-exec-daemonset", "host_network", True),
    (f"{BP}/priv/replicationcontroller/priv-exec-replicationcontroller.yaml", "k8s:replicationcontroller:default:priv-exec-replicationcontroller", "privileged", True),
    (f"{KH}/CE_MODULE_LOAD.yaml", "k8s:pod:default:modload-pod", "added_capabilities", "SYS_MODULE"),
    (f"{KH}/CE_MODULE_LOAD.yaml", "k8s:pod:default:modload-pod", "dangerous_capabilities", True),
    (f"{KH}/CONTROL_POD.yaml", "k8s:pod:default:control-pod", "dangerous_capabilities", False),
    (f"{KH}/CONTROL_POD.yaml", "k8s:pod:default:control-pod", "allow_privilege_escalation", True),
    (f"{KS}/containers-mounting-docker-socket/test/workloads-crio/input/deployment.yaml", "k8s:deployment:default:my-deployment",
     "runtime_socket_mounted", True),
    (f"{KS}/containers-mounting-docker-socket/test/cronjob-initcontainer/input/cronjob.yaml", "k8s:cronjob:default:hello",
     "runtime_socket_mounted", True),
    (f"{KS}/rule-credentials-in-env-var/test/env-value-akia-key/input/pod.yaml", "k8s:pod:default:akia-key-pod", "plaintext_credentials", True),
    (f"{KS}/rule-credentials-in-env-var/test/deployment/input/deployment.yaml", "k8s:deployment:default:test2", "plaintext_credentials", False),
    ("online-boutique/release/kubernetes-manifests.yaml", "k8s:deployment:default:frontend", "run_as_non_root", True),
    ("online-boutique/release/kubernetes-manifests.yaml", "k8s:deployment:default:frontend", "read_only_root_fs", True),
    ("online-boutique/release/kubernetes-manifests.yaml", "k8s:deployment:default:frontend", "runs_as_root", False),
    ("online-boutique/release/kubernetes-manifests.yaml", "k8s:deployment:default:frontend", "resource_limits", True),
    ("online-boutique/release/kubernetes-manifests.yaml", "k8s:deployment:default:frontend", "image_pinned", False),
    ("lacework-crypto-miner/k8s-crypto-miner.yaml", "k8s:deployment:default:crypto-miner", "cryptominer", True),
    ("online-boutique/release/kubernetes-manifests.yaml", "k8s:deployment:default:frontend", "cryptominer", False),
    ("sock-shop/deploy/kubernetes/complete-demo.yaml", "k8s:deployment:sock-shop:queue-master", "cryptominer", False),
]  # fmt: skip


@pytest.mark.parametrize(
    ("path", "key", "name", "value"),
    CONTAINER_FACTS,
    ids=[f"{r[2]}={r[3]}:{r[0].split('/')[-1]}" for r in CONTAINER_FACTS],
)
def test_a_workload_carries_its_pod_specs_facts(path: str, key: str, name: str, value: Any) -> None:
    state, _ = state_of("kubernetes", path)
    assert state.elements[key].kind == "process"
    assert props(state, key).get(name, "unknown") == value


def test_a_user_the_manifest_does_not_give_stays_unknown() -> None:
    state, _ = state_of("kubernetes", f"{BP}/priv/pod/priv-exec-pod.yaml")
    assert "runs_as_root" not in props(state, "k8s:pod:default:priv-exec-pod")


RBAC: list[tuple[list[str], str, str, Any]] = [
    ([f"{KH}/TOKEN_LIST.yaml"], "k8s:pod:default:tokenlist-pod", "rbac_secrets_read", True),
    ([f"{KH}/TOKEN_LIST.yaml"], "k8s:pod:default:tokenlist-pod", "sa_permissions", "read_only"),
    ([f"{KH}/POD_EXEC.yaml"], "k8s:pod:default:pod-exec-pod", "rbac_pods_exec", True),
    ([f"{KH}/POD_CREATE.yaml"], "k8s:pod:default:pod-create-pod", "rbac_create_pods", True),
    ([f"{KH}/POD_CREATE.yaml"], "k8s:pod:default:pod-create-pod", "sa_permissions", "namespaced_write"),
    ([f"{KH}/ROLE_BIND_CRB_CR.yaml"], "k8s:pod:default:rolebind-pod-crb-cr-crb-cr", "rbac_escalate", True),
    ([f"{KH}/CONTROL_POD.yaml"], "k8s:pod:default:control-pod", "sa_permissions", "none"),
    ([f"{KH}/CONTROL_POD.yaml"], "k8s:pod:default:control-pod", "rbac_secrets_read", False),
    (["kubernetes-dashboard/src/deploy/kubernetes-dashboard.yaml"], "k8s:deployment:kube-system:kubernetes-dashboard", "rbac_cluster_admin", True),
    (["kubernetes-dashboard/src/deploy/kubernetes-dashboard.yaml"], "k8s:deployment:kube-system:kubernetes-dashboard", "sa_permissions", "cluster_admin"),
    (["kubernetes-dashboard/src/deploy/kubernetes-dashboard.yaml"], "k8s:deployment:kube-system:kubernetes-dashboard", "rbac_wildcard", True),
    (["kubernetes-dashboard/aio/deploy/recommended.yaml"], "k8s:deployment:kubernetes-dashboard:kubernetes-dashboard", "rbac_cluster_admin", False),
    # The least-privilege control: its own named Secrets and ConfigMap, and the metrics API, are no blast radius.
    (["kubernetes-dashboard/aio/deploy/recommended.yaml"], "k8s:deployment:kubernetes-dashboard:kubernetes-dashboard", "sa_permissions", "none"),
    (["kubernetes-dashboard/aio/deploy/recommended.yaml"], "k8s:deployment:kubernetes-dashboard:dashboard-metrics-scraper", "sa_permissions", "none"),
    ([f"{KS}/automount-service-account/test/deployment-pod-false-sa-false/input/deployment.yaml",
      f"{KS}/automount-service-account/test/deployment-pod-false-sa-false/input/serviceaccount.json"],
     "k8s:deployment:kubescape-test:test-deploy", "automount_sa_token", False),
    ([f"{KS}/automount-service-account/test/deployment-pod-true-sa-false/input/deployment.yaml",
      f"{KS}/automount-service-account/test/deployment-pod-true-sa-false/input/serviceaccount.json"],
     "k8s:deployment:kubescape-test:test-deploy", "automount_sa_token", True),
]  # fmt: skip


@pytest.mark.parametrize(
    ("paths", "key", "name", "value"), RBAC, ids=[f"{r[2]}={r[3]}:{r[0][0].split('/')[-1]}" for r in RBAC]
)
def test_a_service_accounts_rights_are_resolved_from_its_bindings(
    paths: list[str], key: str, name: str, value: Any
) -> None:
    state, _ = state_of("kubernetes", *paths)
    assert props(state, key).get(name, "unknown") == value


_SCRAPER = """
apiVersion: v1
kind: List
items:
- {apiVersion: v1, kind: ServiceAccount, metadata: {name: scraper, namespace: mon}}
- apiVersion: rbac.authorization.k8s.io/v1
  kind: ClusterRole
  metadata: {name: scraper}
  rules:
  - {apiGroups: [metrics.k8s.io], resources: [pods, nodes], verbs: [get, list, watch]}
  - {apiGroups: [""], resources: [secrets], resourceNames: [scraper-tls], verbs: [get, update]}
  EXTRA
- apiVersion: rbac.authorization.k8s.io/v1
  kind: ClusterRoleBinding
  metadata: {name: scraper}
  roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: scraper}
  subjects: [{kind: ServiceAccount, name: scraper, namespace: mon}]
- apiVersion: apps/v1
  kind: Deployment
  metadata: {name: scraper, namespace: mon}
  spec:
    selector: {matchLabels: {app: scraper}}
    template:
      metadata: {labels: {app: scraper}}
      spec: {serviceAccountName: scraper, containers: [{name: scraper, image: scraper:1.0}]}
"""


@pytest.mark.parametrize(
    ("extra", "level"),
    [
        ("", "none"),  # usage figures and one named Secret: nothing a stolen token maps or reaches
        ('- {apiGroups: [""], resources: [pods], verbs: [list]}', "read_only"),  # listing pods is discovery
        ('- {apiGroups: [""], resources: [secrets], verbs: [update]}', "namespaced_write"),
        # a wildcard on named objects still says rbac_wildcard, so the level agrees with it
        ('- {apiGroups: [""], resources: [configmaps], resourceNames: [scraper-config], verbs: ["*"]}', "read_only"),
    ],
)
def test_rights_on_named_objects_or_usage_figures_alone_are_no_blast_radius(extra: str, level: str) -> None:
    state, _ = state_from_text("kubernetes", _SCRAPER.replace("EXTRA", extra))
    assert props(state, "k8s:deployment:mon:scraper")["sa_permissions"] == level


def test_a_token_with_rights_reaches_the_api_server_and_one_without_does_not() -> None:
    state, _ = state_of("kubernetes", "kubernetes-dashboard/src/deploy/kubernetes-dashboard.yaml")
    assert ("k8s:deployment:kube-system:kubernetes-dashboard", "k8s:kube-apiserver") in pairs(state)
    assert state.elements["k8s:kube-apiserver"].parent == "k8s:control-plane"
    assert ("k8s:kube-apiserver", "k8s:kubelet") in pairs(state)
    quiet, _ = state_of("kubernetes", f"{KH}/CONTROL_POD.yaml")
    assert "k8s:kube-apiserver" not in quiet.elements


def test_services_are_entry_points_with_their_exposure() -> None:
    boutique, _ = state_of("kubernetes", "online-boutique/release/kubernetes-manifests.yaml")
    frontend = "k8s:deployment:default:frontend"
    assert props(boutique, frontend)["exposure"] == "load_balancer"
    assert ("k8s:internet-clients", frontend) in pairs(boutique)
    assert props(boutique, "k8s:deployment:default:cartservice")["exposure"] == "internal"
    dashboard, _ = state_of("kubernetes", "kubernetes-dashboard/src/deploy/kubernetes-dashboard.yaml")
    entry = next(f for f in dashboard.flows.values() if f.source == "k8s:node-clients")
    assert entry.properties["exposure"] == "node_port"
    assert props(dashboard, "k8s:deployment:kube-system:kubernetes-dashboard")["component"] == "kubernetes_dashboard"


def test_service_references_in_the_environment_are_flows_and_missing_services_are_warnings() -> None:
    state, warnings = state_of("kubernetes", "online-boutique/release/kubernetes-manifests.yaml")
    assert ("k8s:deployment:default:frontend", "k8s:deployment:default:cartservice") in pairs(state)
    assert ("k8s:deployment:default:cartservice", "k8s:deployment:default:redis-cart") in pairs(state)
    assert any(
        "'shoppingassistantservice', which is not in the files" in w and "SHOPPING_ASSISTANT_SERVICE_ADDR" in w
        for w in warnings
    )
    assert not any(flow.target.endswith("shoppingassistantservice") for flow in state.flows.values())


def test_a_namespace_is_a_boundary_in_the_cluster_and_flat_without_default_deny() -> None:
    flat, _ = state_of("kubernetes", "online-boutique/release/kubernetes-manifests.yaml")
    namespace = flat.elements["k8s:namespace:default"]
    assert namespace.kind == "trust_boundary" and namespace.parent == "k8s:cluster"
    assert namespace.properties["network_policy"] is False
    assert props(flat, "k8s:deployment:default:frontend")["network_policy"] is False


def test_network_policies_deny_by_default_and_their_allow_lists_are_flows() -> None:
    policies = [f"online-boutique/kustomize/components/network-policies/network-policy-{name}.yaml"
                for name in ("deny-all", "emailservice", "frontend")]  # fmt: skip
    state, _ = state_of("kubernetes", "online-boutique/release/kubernetes-manifests.yaml", *policies)
    assert state.elements["k8s:namespace:default"].properties["network_policy"] is True
    assert props(state, "k8s:deployment:default:emailservice")["network_policy"] is True
    # checkoutservice reaches emailservice by its env already; the allow-list adds its evidence to the same flow.
    flow = next(
        f
        for f in state.flows.values()
        if (f.source, f.target) == ("k8s:deployment:default:checkoutservice", "k8s:deployment:default:emailservice")
    )
    assert "allowed by" in flow.properties["extra"]["Evidence"]


def test_a_workload_that_keeps_data_gets_a_data_store() -> None:
    state, _ = state_of("kubernetes", "online-boutique/release/kubernetes-manifests.yaml")
    store = state.elements["k8s:deployment:default:redis-cart:data"]
    assert store.kind == "data_store" and store.properties["component"] == "cache"
    assert ("k8s:deployment:default:redis-cart", store.key) in pairs(state)
    assert "k8s:deployment:default:frontend:data" not in state.elements
    stateful, _ = state_of("kubernetes", f"{BP}/priv/statefulset/priv-exec-statefulset.yaml")
    assert not any(e.kind == "data_store" for e in stateful.elements.values())  # no claims, no store image


def test_one_file_or_the_same_app_split_in_six_give_the_same_elements() -> None:
    whole, _ = state_of("kubernetes", "k8s-guestbook/web/guestbook/all-in-one/guestbook-all-in-one.yaml")
    split, _ = state_of("kubernetes", *[f"k8s-guestbook/web/guestbook/{name}-{part}.yaml"
                                        for name in ("frontend", "redis-master", "redis-replica") for part in ("deployment", "service")])  # fmt: skip
    assert set(whole.elements) == set(split.elements)
    assert pairs(whole) == pairs(split)


COMPOSE: list[tuple[str, str, str, Any]] = [
    ("awesome-compose/portainer/compose.yaml", "compose:service:portainer", "runtime_socket_mounted", True),
    ("awesome-compose/portainer/compose.yaml", "compose:service:portainer", "exposure", "node_port"),
    ("awesome-compose/wireguard/compose.yaml", "compose:service:wireguard", "added_capabilities", "NET_ADMIN, SYS_MODULE"),
    ("awesome-compose/wireguard/compose.yaml", "compose:service:wireguard", "host_path_sensitive", True),
    ("sock-shop/deploy/docker-compose/docker-compose.yml", "compose:service:queue-master", "runtime_socket_mounted", True),
    ("sock-shop/deploy/docker-compose/docker-compose.yml", "compose:service:carts", "runtime_socket_mounted", False),
    ("sock-shop/deploy/docker-compose/docker-compose.yml", "compose:service:carts", "read_only_root_fs", True),
    ("sock-shop/deploy/docker-compose/docker-compose.yml", "compose:service:carts-db:data", "component", "database"),
]  # fmt: skip


@pytest.mark.parametrize(("path", "key", "name", "value"), COMPOSE, ids=[f"{r[2]}={r[3]}:{r[1]}" for r in COMPOSE])
def test_a_compose_service_carries_its_facts(path: str, key: str, name: str, value: Any) -> None:
    state, _ = state_of("compose", path)
    assert props(state, key).get(name, "unknown") == value


@pytest.mark.parametrize(
    ("command", "miner"),
    [
        ("['./xmrig', '-o', 'pool.supportxmr.com:443']", True),
        ("'minerd --url stratum+tcp://pool.example:3333'", True),
        ("['python', 'examiner.py', '--mode', 'minerva']", False),  # words that only contain "miner"
        ("['nginx', '-g', 'daemon off;']", False),
    ],
)
def test_a_compose_service_that_names_a_miner_runs_one(command: str, miner: bool) -> None:
    state, _ = state_from_text("compose", f"services:\n  app:\n    image: ubuntu:22.04\n    command: {command}\n")
    assert props(state, "compose:service:app")["cryptominer"] is miner


def test_compose_dependencies_and_environment_names_are_flows() -> None:
    state, _ = state_of("compose", "sock-shop/deploy/docker-compose/docker-compose.yml")
    assert ("compose:service:user", "compose:service:user-db") in pairs(state)
    assert state.elements["compose:service:user"].parent == "compose:host"


INLINE = """
apiVersion: v1
kind: List
items:
- apiVersion: v1
  kind: Namespace
  metadata: {name: shop, labels: {pod-security.kubernetes.io/enforce: restricted}}
- apiVersion: apps/v1
  kind: Deployment
  metadata: {name: web, namespace: shop}
  spec:
    template:
      metadata: {labels: {app: web}}
      spec:
        containers:
        - name: web
          image: registry.internal:5000/web@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef
          env: [{name: PAYMENTS_URL, value: "https://payments-api"}]
---
apiVersion: v1
kind: Service
metadata: {name: web, namespace: shop}
spec: {selector: {app: web}, ports: [{port: 80}]}
---
apiVersion: v1
kind: Service
metadata: {name: payments-api, namespace: shop}
spec: {type: ExternalName, externalName: api.payments.example.com}
---
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: {name: public, namespace: shop}
spec:
  tls: [{hosts: [shop.example.com]}]
  rules: [{host: shop.example.com, http: {paths: [{path: /, pathType: Prefix, backend: {service: {name: web, port: {number: 80}}}}]}}]
---
apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata: {name: edge, namespace: shop}
spec: {gatewayClassName: x, listeners: [{name: http, protocol: HTTP, port: 80}]}
---
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {name: web, namespace: shop}
spec: {parentRefs: [{name: edge}], rules: [{backendRefs: [{name: web, port: 80}]}]}
---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: reviews, namespace: shop}
spec: {}
"""


def test_ingresses_gateways_external_names_lists_and_pod_security_labels() -> None:
    state, warnings = state_from_text("kubernetes", INLINE)
    web = "k8s:deployment:shop:web"
    assert props(state, web)["exposure"] == "ingress"
    assert props(state, web)["image_pinned"] is True and props(state, web)["image_registry"] == "private"
    assert {("k8s:internet-clients", "k8s:ingress:shop:public"), ("k8s:ingress:shop:public", web),
            ("k8s:internet-clients", "k8s:gateway:shop:edge"), ("k8s:gateway:shop:edge", web),
            (web, "k8s:externalname:shop:payments-api")} <= pairs(state)  # fmt: skip
    ingress = next(f for f in state.flows.values() if f.target == "k8s:ingress:shop:public")
    gateway = next(f for f in state.flows.values() if f.target == "k8s:gateway:shop:edge")
    assert ingress.properties["encrypted"] is True and gateway.properties["encrypted"] is False
    assert state.elements["k8s:namespace:shop"].properties["pod_security_level"] == "restricted"
    assert any("VirtualService shop/reviews" in w for w in warnings)


def test_keys_are_the_same_on_every_read() -> None:
    first, _ = state_from_text("kubernetes", INLINE)
    again, _ = state_from_text("kubernetes", INLINE)
    assert first == again


@pytest.mark.parametrize(
    "name",
    ["TOKEN_LIST", "POD_EXEC", "POD_CREATE", "ROLE_BIND_CRB_CR", "ROLE_BIND_RB_R-SA", "CONTROL_POD", "CE_NSENTER"],
)
def test_sa_permissions_agrees_with_the_rbac_properties(name: str) -> None:
    state, _ = state_of("kubernetes", f"{KH}/{name}.yaml")
    for element in state.elements.values():
        if element.properties.get("component") != "workload":
            continue
        granted = [prop for prop, value in element.properties.items() if prop.startswith("rbac_") and value is True]
        level = element.properties["sa_permissions"]
        if granted:
            assert level != "none", (element.key, granted)
        if element.properties["rbac_cluster_admin"]:
            assert level == "cluster_admin"
        if {"rbac_pods_exec", "rbac_create_pods", "rbac_escalate", "rbac_nodes_proxy"} & set(granted):
            assert level in ("namespaced_write", "cluster_admin")


def test_compose_files_merge_like_docker_compose_f() -> None:
    base = "services:\n  web: {image: nginx, ports: ['80:80']}\n  db: {image: postgres:16}\n"
    override = "services:\n  web: {image: nginx, privileged: true, depends_on: [db]}\n"
    state, _, _, _ = wanted_state(
        "compose", documents("compose", [("compose.yaml", base.encode()), ("compose.override.yaml", override.encode())])
    )
    web = props(state, "compose:service:web")
    assert (
        web["privileged"] is True and web["exposure"] == "node_port"
    )  # the override's key wins, the base's ports stay
    assert ("compose:service:web", "compose:service:db") in pairs(state)
    assert state.elements["compose:service:db:data"].properties["component"] == "database"


def test_the_same_object_twice_is_a_warning_and_the_later_one_wins() -> None:
    pod = "apiVersion: v1\nkind: Pod\nmetadata: {{name: web}}\nspec: {{containers: [{{name: web, image: nginx, securityContext: {{privileged: {flag}}}}}]}}\n"
    state, warnings = state_from_text("kubernetes", pod.format(flag="false") + "---\n" + pod.format(flag="true"))
    assert props(state, "k8s:pod:default:web")["privileged"] is True
    assert any(
        "document 2 (Pod default/web) has the kind, namespace and name of inline.yaml, document 1" in w
        for w in warnings
    )
