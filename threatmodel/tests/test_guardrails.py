"""Guardrails generated from a model: valid Kubernetes resources, and CEL that refuses what it targets.

The resources are validated against the Kubernetes OpenAPI schemas (``kubernetes-validate``) and
the ValidatingAdmissionPolicies' CEL is evaluated with ``cel-python`` against real manifests of
``../shared/data/manifests/``: the pods the badPods manifests (and Kubescape's runtime-socket test
inputs) would create are refused by the control each targets, and the benign apps (Online Boutique,
the guestbook) pass every control their manifests satisfy.
"""

from __future__ import annotations

import csv
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import celpy
import kubernetes_validate
import pytest
import yaml
from celpy.adapter import json_to_cel

from dfd.graph import build
from stride.engine import analyse
from stride.ruleset import default_rules
from threatmodel.guardrails import generate, render_yaml
from threatmodel.guardrails.controls import CONTROLS, NETWORK, POD_SECURITY
from threatmodel.guardrails.generate import GuardrailError
from threatmodel.interop.imports import translate_files
from threatmodel.interop.registry import SourceFile
from threatmodel.tests.shared_data import SHARED

MANIFESTS = SHARED / "data" / "manifests"
BOUTIQUE = MANIFESTS / "online-boutique" / "release" / "kubernetes-manifests.yaml"
GUESTBOOK = MANIFESTS / "k8s-guestbook" / "web" / "guestbook" / "all-in-one" / "guestbook-all-in-one.yaml"
BADPODS = MANIFESTS / "badpods" / "manifests"
SOCKETS = MANIFESTS / "kubescape-regolibrary" / "rules" / "containers-mounting-docker-socket" / "test"
K8S_VERSION = kubernetes_validate.latest_version()
CONTROLLERS = {"Deployment", "StatefulSet", "DaemonSet", "ReplicaSet", "Job", "ReplicationController"}


def model_of(*paths: Path) -> dict[str, Any]:
    """The native document the manifests importer makes of the files, with the engine's threats on it."""
    _, translation = translate_files(files=[SourceFile(p.name, p.read_bytes()) for p in paths], fmt=None)
    document = translation.document
    elements = [e for d in document["diagrams"] for e in d["elements"]]
    flows = [f for d in document["diagrams"] for f in d["flows"]]
    document["threats"] = [
        {"fingerprint": f.fingerprint, "rule_id": f.rule_id, "title": f.title, "element": f.element_key or None,
         "flow": f.flow_key or None, "status": "identified"}
        for f in analyse(build(elements, flows), default_rules())
    ]  # fmt: skip
    return dict(document)


def pods_of(path: Path) -> Iterator[dict[str, Any]]:
    """The pods a file's workloads create, as the admission webhook sees them."""
    for doc in yaml.safe_load_all(path.read_bytes()):
        if not isinstance(doc, dict):
            continue
        kind = doc.get("kind")
        template = None
        if kind == "Pod":
            yield doc
            continue
        if kind in CONTROLLERS:
            template = doc["spec"]["template"]
        elif kind == "CronJob":
            template = doc["spec"]["jobTemplate"]["spec"]["template"]
        if template is not None:
            yield {"apiVersion": "v1", "kind": "Pod", "metadata": template.get("metadata") or {}, "spec": template["spec"]}


class Admission:
    """The ValidatingAdmissionPolicies of a bundle, evaluated like the API server: variables, then validations."""

    def __init__(self, resources: list[dict[str, Any]]) -> None:
        self.env = celpy.Environment()
        self.policies = {}
        for resource in resources:
            if resource["kind"] == "ValidatingAdmissionPolicy":
                spec = resource["spec"]
                variables = [(v["name"], self._program(v["expression"])) for v in spec["variables"]]
                checks = [self._program(v["expression"]) for v in spec["validations"]]
                self.policies[resource["metadata"]["name"]] = (variables, checks)

    def _program(self, expression: str) -> Any:
        return self.env.program(self.env.compile(expression))

    def admits(self, control: str, pod: dict[str, Any]) -> bool:
        """Whether the policy of ``control`` (its name ends with it: the model's prefix comes first) admits ``pod``."""
        names = [name for name in self.policies if name.endswith(f"-{control}")]
        assert len(names) == 1, (control, sorted(self.policies))
        variables, checks = self.policies[names[0]]
        context: dict[str, Any] = {"object": json_to_cel(pod)}
        values: dict[str, Any] = {}
        for var_name, program in variables:
            values[var_name] = program.evaluate({**context, "variables": celpy.celtypes.MapType(values)})
        context["variables"] = celpy.celtypes.MapType({celpy.celtypes.StringType(k): v for k, v in values.items()})
        results = [program.evaluate(context) for program in checks]
        for result in results:
            assert isinstance(result, celpy.celtypes.BoolType), (control, result)
        return all(bool(r) for r in results)


@pytest.fixture(scope="module")
def boutique() -> dict[str, Any]:
    return model_of(BOUTIQUE)


@pytest.fixture(scope="module")
def boutique_admission(boutique: dict[str, Any]) -> Admission:
    return Admission(generate(boutique, kinds=["vap"]).resources)


def policy(control_key: str, namespace: str | None = None) -> str:
    return control_key + (f"-{namespace}" if namespace else "")


# --- the resources are Kubernetes resources -----------------------------------------------------------------


@pytest.mark.parametrize("kind", ["networkpolicy", "psa", "vap"])
def test_every_generated_resource_is_valid_against_the_kubernetes_schema(boutique: dict[str, Any], kind: str) -> None:
    bundle = generate(boutique, kinds=[kind])
    assert bundle.resources
    for resource in bundle.resources:
        kubernetes_validate.validate(resource, K8S_VERSION, strict=True)


def test_an_invalid_resource_is_caught_by_the_schema_check(boutique: dict[str, Any]) -> None:
    """The check above can fail: a policy with a misspelt field does not pass it."""
    resource = generate(boutique, kinds=["networkpolicy"]).resources[0]
    resource["spec"]["podSelectr"] = {}
    with pytest.raises(kubernetes_validate.ValidationError):
        kubernetes_validate.validate(resource, K8S_VERSION, strict=True)


def test_the_yaml_stream_reads_back_as_the_same_resources(boutique: dict[str, Any]) -> None:
    bundle = generate(boutique)
    text = render_yaml(bundle, title="Guardrails of Online Boutique")
    assert text.startswith("# Guardrails of Online Boutique\n")
    assert [d for d in yaml.safe_load_all(text) if d is not None] == bundle.resources
    kinds = {r["kind"] for r in bundle.resources}
    assert kinds == {"Namespace", "NetworkPolicy", "ValidatingAdmissionPolicy", "ValidatingAdmissionPolicyBinding", "ClusterPolicy"}


# --- the NetworkPolicies are the diagram's flows ------------------------------------------------------------


def _policies(bundle_resources: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {r["metadata"]["name"]: r for r in bundle_resources if r["kind"] == "NetworkPolicy"}


def test_network_policies_deny_by_default_and_allow_exactly_the_drawn_flows(boutique: dict[str, Any]) -> None:
    policies = _policies(generate(boutique, kinds=["networkpolicy"]).resources)
    assert policies["default-deny-all"]["spec"] == {"podSelector": {}, "policyTypes": ["Ingress", "Egress"]}
    cart = policies["cartservice-from-model"]["spec"]
    assert cart["podSelector"] == {"matchLabels": {"app": "cartservice"}}
    callers = sorted(rule["from"][0]["podSelector"]["matchLabels"]["app"] for rule in cart["ingress"])
    assert callers == ["checkoutservice", "frontend"]
    assert all(rule["ports"] == [{"protocol": "TCP", "port": 7070}] for rule in cart["ingress"])
    assert cart["egress"] == [{"to": [{"podSelector": {"matchLabels": {"app": "redis-cart"}}}],
                               "ports": [{"protocol": "TCP", "port": 6379}]}]  # fmt: skip
    # The frontend's Service listens on 80 and sends to the pods' 8080: the policy opens the pods' port.
    frontend = policies["frontend-from-model"]["spec"]
    outside = [rule for rule in frontend["ingress"] if "from" not in rule]
    assert outside == [{"ports": [{"protocol": "TCP", "port": 8080}]}]


def test_every_allowed_pair_is_a_flow_of_the_diagram(boutique: dict[str, Any]) -> None:
    """Read the allows back as (caller, callee) pairs: they are exactly the diagram's workload-to-workload flows."""
    policies = _policies(generate(boutique, kinds=["networkpolicy"]).resources)
    allowed = set()
    for name, resource in policies.items():
        if not name.endswith("-from-model"):
            continue
        callee = resource["spec"]["podSelector"]["matchLabels"]["app"]
        for rule in resource["spec"].get("ingress", []):
            for peer in rule.get("from", []):
                if "podSelector" in peer:
                    allowed.add((peer["podSelector"]["matchLabels"]["app"], callee))
    keys = {e["key"]: e for d in boutique["diagrams"] for e in d["elements"]}

    def app(key: str) -> str:
        return str(keys[key]["properties"]["extra"]["Pod labels"]).removeprefix("app=")

    drawn = {
        (app(f["source"]), app(f["target"]))
        for d in boutique["diagrams"] for f in d["flows"]
        if "Pod labels" in keys[f["source"]]["properties"].get("extra", {})
        and "Pod labels" in keys[f["target"]]["properties"].get("extra", {})
    }  # fmt: skip
    assert allowed == drawn and ("frontend", "checkoutservice") in drawn and len(drawn) >= 10


def test_the_upstream_network_policies_allow_what_the_generated_ones_allow(boutique: dict[str, Any]) -> None:
    """Online Boutique ships its own per-service ingress allow-lists: every caller they name, the diagram allows."""
    ours = _policies(generate(boutique, kinds=["networkpolicy"]).resources)
    folder = MANIFESTS / "online-boutique" / "kustomize" / "components" / "network-policies"
    compared = 0
    for path in sorted(folder.glob("network-policy-*.yaml")):
        upstream = yaml.safe_load(path.read_text())
        target = upstream["spec"]["podSelector"].get("matchLabels", {}).get("app")
        if not target or target == "loadgenerator":
            continue
        callers = {p["podSelector"]["matchLabels"]["app"] for rule in upstream["spec"].get("ingress") or []
                   for p in rule.get("from") or [] if "podSelector" in p}  # fmt: skip
        mine = ours.get(f"{target}-from-model", {"spec": {}})["spec"].get("ingress", [])
        generated = {p["podSelector"]["matchLabels"]["app"] for rule in mine for p in rule.get("from", []) if "podSelector" in p}
        anyone = any(not rule.get("from") for rule in upstream["spec"].get("ingress") or [])  # the frontend: from anywhere
        assert anyone or generated <= callers, (target, generated - callers)
        compared += 1
    assert compared >= 9


def test_a_host_port_opens_the_container_port_behind_it_and_no_other() -> None:
    """KubeHound's endpoint-exploit pod publishes containerPort 1111 on the node's 1112: the allow opens the pod's 1111."""
    document = model_of(MANIFESTS / "kubehound" / "test" / "setup" / "test-cluster" / "attacks" / "ENDPOINT_EXPLOIT.yaml")
    policies = _policies(generate(document, kinds=["networkpolicy"]).resources)
    [allow] = [p for name, p in policies.items() if name.endswith("-from-model")]
    assert allow["spec"]["podSelector"]["matchLabels"]["app.kubernetes.io/name"] == "webproxy"
    outside = [rule for rule in allow["spec"]["ingress"] if "from" not in rule]
    assert outside == [{"ports": [{"protocol": "TCP", "port": 1111}]}]


# --- the admission policies refuse what they target ---------------------------------------------------------

INSECURE = [
    ("no-privileged", "priv"), ("no-privileged", "everything-allowed"),
    ("no-host-namespaces", "hostnetwork"), ("no-host-namespaces", "everything-allowed"),
    ("no-host-path", "hostpath"), ("no-host-path", "everything-allowed"),
    ("run-as-non-root", "nothing-allowed"), ("run-as-non-root", "priv"),
    ("read-only-root-filesystem", "nothing-allowed"),
]  # fmt: skip


@pytest.mark.parametrize(("control", "folder"), INSECURE)
def test_the_policy_refuses_every_bad_pod_it_targets(boutique_admission: Admission, control: str, folder: str) -> None:
    files = sorted((BADPODS / folder).rglob("*.yaml"))
    pods = [pod for path in files for pod in pods_of(path)]
    assert len(pods) >= 14  # pod, deployment, daemonset, … each in an exec and a revshell variant
    refused = [pod for pod in pods if not boutique_admission.admits(policy(control), pod)]
    assert len(refused) == len(pods)


def test_the_privilege_policies_let_the_nothing_allowed_pods_through(boutique_admission: Admission) -> None:
    """badPods' 'nothing allowed' asks for no privilege: the privilege controls have nothing to refuse there."""
    pods = [pod for path in sorted((BADPODS / "nothing-allowed").rglob("*.yaml")) for pod in pods_of(path)]
    for control in ("no-privileged", "no-host-namespaces", "no-host-path", "no-runtime-socket"):
        assert all(boutique_admission.admits(policy(control), pod) for pod in pods), control


def test_the_runtime_socket_policy_refuses_the_socket_mounts(boutique_admission: Admission) -> None:
    pods = [pod for path in sorted(SOCKETS.rglob("input/*.yaml")) for pod in pods_of(path)]
    assert len(pods) >= 5
    mounting = [p for p in pods if any(v.get("hostPath", {}).get("path", "").endswith((".sock",)) for v in p["spec"].get("volumes", []))]
    assert mounting
    for pod in mounting:
        assert not boutique_admission.admits(policy("no-runtime-socket"), pod)
    for pod in pods_of(BOUTIQUE):
        assert boutique_admission.admits(policy("no-runtime-socket"), pod)


def test_online_boutique_passes_every_control_its_manifests_satisfy(boutique_admission: Admission) -> None:
    pods = list(pods_of(BOUTIQUE))
    assert len(pods) == 12
    for control in ("no-privileged", "no-host-namespaces", "no-host-path", "no-runtime-socket", "run-as-non-root",
                    "read-only-root-filesystem"):  # fmt: skip
        assert all(boutique_admission.admits(policy(control), pod) for pod in pods), control
    # It runs images by tag, and mounts a token no account of it needs: those two controls refuse it.
    assert not any(boutique_admission.admits(policy("images-by-digest"), pod) for pod in pods)
    assert not any(boutique_admission.admits(policy("no-automounted-token", "default"), pod) for pod in pods)


def test_the_image_policy_admits_a_pinned_image_from_an_allowed_registry(boutique: dict[str, Any]) -> None:
    admission = Admission(generate(boutique, kinds=["vap"], registries=["us-central1-docker.pkg.dev/online-boutique-ci"]).resources)
    pod = next(pods_of(BOUTIQUE))
    digest = "@sha256:" + "a" * 64
    pinned = {**pod, "spec": {**pod["spec"], "containers": [
        {**c, "image": c["image"].split(":v")[0] + digest} for c in pod["spec"]["containers"]]}}  # fmt: skip
    assert admission.admits(policy("images-by-digest"), pinned)
    elsewhere = {**pinned, "spec": {**pinned["spec"], "containers": [{**pinned["spec"]["containers"][0], "image": "docker.io/evil/x" + digest}]}}
    assert not admission.admits(policy("images-by-digest"), elsewhere)


def test_the_token_policy_admits_pods_that_do_not_mount_the_token(boutique_admission: Admission) -> None:
    pod = next(pods_of(BOUTIQUE))
    without = {**pod, "spec": {**pod["spec"], "automountServiceAccountToken": False}}
    assert boutique_admission.admits(policy("no-automounted-token", "default"), without)


def test_the_guestbook_passes_the_privilege_controls() -> None:
    guestbook = model_of(GUESTBOOK)
    bundle = generate(guestbook, kinds=["vap"])
    admission = Admission(bundle.resources)
    pods = list(pods_of(GUESTBOOK))
    assert len(pods) == 3
    for control in ("no-privileged", "no-host-namespaces", "no-host-path", "no-runtime-socket"):
        assert all(admission.admits(control, pod) for pod in pods), control
    # It declares no securityContext at all: run-as-non-root and the read-only root filesystem refuse it.
    assert not any(admission.admits("run-as-non-root", pod) for pod in pods)
    assert not any(admission.admits("read-only-root-filesystem", pod) for pod in pods)


def test_the_host_path_allow_list_admits_only_the_listed_directories(boutique: dict[str, Any]) -> None:
    admission = Admission(generate(boutique, kinds=["vap"], host_path_allow=["/var/log"]).resources)
    pod = next(pods_of(BOUTIQUE))

    def mounting(path: str) -> dict[str, Any]:
        return {**pod, "spec": {**pod["spec"], "volumes": [{"name": "h", "hostPath": {"path": path}}]}}

    assert admission.admits(policy("no-host-path"), mounting("/var/log/app"))
    assert admission.admits(policy("no-host-path"), mounting("/var/log"))
    assert not admission.admits(policy("no-host-path"), mounting("/var/logs-elsewhere"))
    assert not admission.admits(policy("no-host-path"), mounting("/"))


# --- what each policy says it enforces ---------------------------------------------------------------------


def test_each_policy_names_its_threats_mitigation_and_attack_mitigation() -> None:
    document = model_of(*sorted((BADPODS / "priv").glob("pod/*.yaml")))
    threats = {t["fingerprint"] for t in document["threats"] if t["rule_id"] == "K8S-001"}
    privileged = {t["fingerprint"] for t in document["threats"] if t["rule_id"] in ("K8S-001", "K8S-002", "K8S-003")}
    assert threats and len(privileged) == 3 * len(threats)
    document["mitigations"] = [{"ref": "MIT-1", "title": "Admission refuses privileged pods", "control": "DEP-03",
                                "attack_mitigations": ["M1038"], "threats": sorted(threats), "status": "proposed"}]  # fmt: skip
    for resource in generate(document, kinds=["vap", "kyverno"]).resources:
        if resource["kind"] == "ValidatingAdmissionPolicyBinding":
            continue
        notes = resource["metadata"]["annotations"]
        if resource["metadata"]["name"].endswith("-no-privileged"):
            assert set(notes["threatmodel.io/threats"].split(", ")) == privileged
            assert notes["threatmodel.io/mitigations"] == "MIT-1 Admission refuses privileged pods (proposed)"
            assert notes["threatmodel.io/attack-mitigations"] == "M1038, M1048"
        assert notes["threatmodel.io/attack-mitigation-name"].startswith("M1")


def test_the_attack_mitigation_ids_are_in_the_catalogue_and_address_the_rules_techniques() -> None:
    catalogue = {row["mitigation_id"]: row for row in csv.DictReader((SHARED / "data" / "attack" / "containers-mitigations.csv").open())}
    rules = {rule.id: rule for rule in default_rules().rules}
    for control in (*CONTROLS, NETWORK, POD_SECURITY):
        row = catalogue[control.attack_id]
        assert row["name"] == control.attack_name
        techniques = {t for rule_id in control.rules for t in rules[rule_id].techniques}
        if techniques:
            assert techniques & set(row["technique_ids"].split(";")), control.key


# --- bad requests -------------------------------------------------------------------------------------------


def test_a_namespace_the_model_does_not_have_is_refused(boutique: dict[str, Any]) -> None:
    with pytest.raises(GuardrailError, match=r"no workload in namespace .prod.*default"):
        generate(boutique, namespace="prod")


@pytest.mark.parametrize("entry", ["/", "relative/path", "/var/../etc", "/x') || true || ('"])
def test_a_bad_host_path_allow_list_entry_is_refused(boutique: dict[str, Any], entry: str) -> None:
    with pytest.raises(GuardrailError):
        generate(boutique, host_path_allow=[entry])


def test_a_model_without_kubernetes_workloads_gets_a_warning_and_nothing_else() -> None:
    bundle = generate({"threat_model": {"name": "x"}, "diagrams": [{"elements": [{"key": "a", "kind": "process", "name": "A"}], "flows": []}]})
    assert bundle.resources == [] and "no Kubernetes workload" in bundle.warnings[0]


def test_the_kyverno_policies_match_the_model_s_pods_and_enforce_one_check_each(boutique: dict[str, Any]) -> None:
    """Kyverno is not run here (no Python implementation): the shape each ClusterPolicy must have is checked."""
    policies = generate(boutique, kinds=["kyverno"]).resources
    names = [p["metadata"]["name"] for p in policies]
    assert all(any(name.endswith(f"-{c.key}") or name.endswith(f"-{c.key}-default") for name in names) for c in CONTROLS)
    assert len(names) == len(CONTROLS)
    for resource in policies:
        assert (resource["apiVersion"], resource["kind"]) == ("kyverno.io/v1", "ClusterPolicy")
        [rule] = resource["spec"]["rules"]
        assert rule["match"] == {"any": [{"resources": {"kinds": ["Pod"], "namespaces": ["default"]}}]}
        validate = rule["validate"]
        assert validate["failureAction"] == "Enforce" and validate["message"]
        assert len({"pattern", "anyPattern", "deny", "foreach"} & set(validate)) == 1
        assert resource["metadata"]["annotations"]["threatmodel.io/attack-mitigation-name"].startswith("M1")
    token = next(p for p in policies if "no-automounted-token" in p["metadata"]["name"])
    accounts = token["spec"]["rules"][0]["preconditions"]["all"][0]["value"]
    assert "cartservice" in accounts and "frontend" in accounts
    assert token["spec"]["rules"][0]["validate"]["pattern"] == {"spec": {"automountServiceAccountToken": "false"}}
    for suffix in ("-no-host-path", "-no-runtime-socket"):  # only pods with a hostPath volume: a foreach over none is skipped
        volumes = next(p for p in policies if p["metadata"]["name"].endswith(suffix))["spec"]["rules"][0]
        assert "volumes[?hostPath]" in volumes["preconditions"]["all"][0]["key"]
        assert volumes["validate"]["foreach"][0]["list"] == "request.object.spec.volumes[?hostPath]"
