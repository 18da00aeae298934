"""A service account's effective rights, resolved from the Roles and bindings in the files.

A binding grants its role's rules to its subjects: a ServiceAccount by name (its namespace
defaulting to the binding's), a ``system:serviceaccount:<ns>:<name>`` user, or the groups every
service account is in (``system:serviceaccounts``, ``system:serviceaccounts:<ns>``,
``system:authenticated``). A RoleBinding grants within its namespace, a ClusterRoleBinding
everywhere. Built-in ClusterRoles the files refer to but do not define (``cluster-admin``,
``admin``, ``edit``, ``view``) have their upstream rules. An aggregated ClusterRole
(``aggregationRule.clusterRoleSelectors``) has, besides its own rules, those of every ClusterRole
whose labels one of its selectors matches, as the API server's controller fills them in, through
chains of aggregation too; the built-in ``admin``, ``edit`` and ``view`` aggregate the ClusterRoles
labelled ``rbac.authorization.k8s.io/aggregate-to-admin`` (``-edit``, ``-view``) as upstream, and
``edit`` is in ``admin``, ``view`` in ``edit``. Only the files are read: a service
account no binding names has no rights here (``none``), which is what an import of the whole
application says; rights granted elsewhere are the reviewer's to add. Rules only on named objects
(``resourceNames``) or on usage figures (the metrics APIs) make no blast radius: with nothing else the
account is ``none`` for ``sa_permissions``, as a least-privilege dashboard or metrics scraper is.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from threatmodel.interop.manifests.inventory import Selector, read_selector
from threatmodel.interop.manifests.resources import Resource, as_items, as_map

Rule = Mapping[str, Any]
_ALL: Rule = {"apiGroups": ["*"], "resources": ["*"], "verbs": ["*"]}
_WORKLOADS = {"admin", "edit"}
BUILT_IN: dict[str, list[Rule]] = {
    "cluster-admin": [_ALL],
    # admin and edit: read and write nearly everything in a namespace, secrets and exec included.
    **{
        name: [
            {"apiGroups": ["", "apps", "batch"], "resources": ["pods", "pods/exec", "pods/attach", "secrets", "deployments", "daemonsets",
             "statefulsets", "replicasets", "jobs", "cronjobs", "services", "configmaps", "serviceaccounts"],
             "verbs": ["get", "list", "watch", "create", "update", "patch", "delete"]},
            {"apiGroups": [""], "resources": ["serviceaccounts"], "verbs": ["impersonate"]},
        ]
        for name in _WORKLOADS
    },
    "view": [{"apiGroups": ["", "apps", "batch"], "resources": ["pods", "services", "configmaps", "deployments"], "verbs": ["get", "list", "watch"]}],
}  # fmt: skip
_AGGREGATE = "rbac.authorization.k8s.io/aggregate-to-"
# The built-in aggregated roles: the label each one gathers, and the label it carries itself.
_BUILT_IN_AGGREGATION: dict[str, tuple[str, str]] = {"admin": ("admin", ""), "edit": ("edit", "admin"), "view": ("view", "edit")}
_READ = {"get", "list", "watch"}
# API groups that serve only resource-usage figures (CPU and memory per pod or node, custom metrics), not the
# objects themselves: reading them shows no spec, image, environment or Secret.
_USAGE_ONLY_GROUPS = {"metrics.k8s.io", "custom.metrics.k8s.io", "external.metrics.k8s.io"}
_WRITE = {"create", "update", "patch", "delete", "deletecollection", "bind", "escalate", "impersonate", "*"}
_CREATES_PODS = {("", "pods"), ("", "replicationcontrollers"), ("apps", "deployments"), ("apps", "daemonsets"),
                 ("apps", "statefulsets"), ("apps", "replicasets"), ("batch", "jobs"), ("batch", "cronjobs")}  # fmt: skip


@dataclass
class Grant:
    rules: list[Rule]
    cluster_wide: bool
    role: str


@dataclass
class Rights:
    grants: list[Grant] = field(default_factory=list)
    _properties: dict[str, Any] | None = field(default=None, repr=False)

    def can(self, verbs: set[str], group: str, resource: str) -> bool:
        # A rule limited to named objects (resourceNames) reaches only those — a dashboard updating its
        # own certificate Secret — not the kind: it grants no blast radius, so it counts as read-only.
        return any(
            _allows(rule, verbs, group, resource) and not _texts(rule.get("resourceNames"))
            for grant in self.grants
            for rule in grant.rules
        )

    def properties(self) -> dict[str, Any]:
        """The ``rbac_*`` properties and ``sa_permissions``, consistent with each other."""
        if self._properties is None:
            self._properties = self._compute()
        return dict(self._properties)

    def _compute(self) -> dict[str, Any]:
        rules = [rule for grant in self.grants for rule in grant.rules]
        props: dict[str, Any] = {
            "rbac_secrets_read": self.can(_READ, "", "secrets"),
            "rbac_pods_exec": self.can({"create", "get"}, "", "pods/exec")
            or self.can({"create", "get"}, "", "pods/attach"),
            "rbac_create_pods": any(self.can({"create"}, group, resource) for group, resource in _CREATES_PODS),
            "rbac_escalate": self.can({"bind", "escalate"}, "rbac.authorization.k8s.io", "clusterroles")
            or self.can({"bind", "escalate"}, "rbac.authorization.k8s.io", "roles")
            or any(self.can({"impersonate"}, "", what) for what in ("users", "groups", "serviceaccounts"))
            or self.can({"create"}, "", "serviceaccounts/token"),
            "rbac_nodes_proxy": self.can({"get", "create"}, "", "nodes/proxy"),
            "rbac_wildcard": any(
                "*" in _texts(rule.get("verbs")) or "*" in _texts(rule.get("resources")) for rule in rules
            ),
            "rbac_cluster_admin": any(
                grant.cluster_wide and any(_allows(rule, {"*"}, "*", "*") and _is_all(rule) for rule in grant.rules)
                for grant in self.grants
            ),
        }
        if props["rbac_cluster_admin"]:
            props["sa_permissions"] = "cluster_admin"
        elif (
            any(set(_texts(rule.get("verbs"))) & _WRITE and not _texts(rule.get("resourceNames")) for rule in rules)
            or props["rbac_nodes_proxy"]
        ):
            props["sa_permissions"] = "namespaced_write"
        elif any(_reaches_objects(rule) for rule in rules) or any(
            value is True for name, value in props.items() if name.startswith("rbac_")
        ):
            props["sa_permissions"] = "read_only"
        else:
            # No binding, or only rules on named objects (a dashboard reading its own certificate Secret) and on
            # usage figures (a metrics scraper): a stolen token of this account maps and reaches nothing more.
            props["sa_permissions"] = "none"
        return props

    @property
    def roles(self) -> list[str]:
        return sorted({grant.role for grant in self.grants})


def _texts(value: object) -> list[str]:
    return [str(item) for item in as_items(value)]


def _reaches_objects(rule: Rule) -> bool:
    """The rule grants something on a kind of object as a whole, not only named objects or usage figures."""
    groups = set(_texts(rule.get("apiGroups")))
    return bool(_texts(rule.get("verbs"))) and not _texts(rule.get("resourceNames")) and not (groups and groups <= _USAGE_ONLY_GROUPS)


def _is_all(rule: Rule) -> bool:
    return all("*" in _texts(rule.get(name)) for name in ("apiGroups", "resources", "verbs"))


def _allows(rule: Rule, verbs: set[str], group: str, resource: str) -> bool:
    rule_verbs, groups, resources = (
        set(_texts(rule.get("verbs"))),
        set(_texts(rule.get("apiGroups"))),
        set(_texts(rule.get("resources"))),
    )
    if not ("*" in rule_verbs or rule_verbs & verbs or ("*" in verbs and rule_verbs)):
        return False
    if not ("*" in groups or group in groups or group == "*"):
        return False
    _base, _, sub = resource.partition("/")
    return "*" in resources or resource in resources or (bool(sub) and f"*/{sub}" in resources) or resource == "*"


class RbacIndex:
    """Roles and bindings of the files, answering "what may this service account do?"."""

    def __init__(self, resources: list[Resource]) -> None:
        self.roles: dict[tuple[str, str], list[Rule]] = {}
        self.cluster_roles: dict[str, list[Rule]] = {}
        self.bindings: list[Resource] = []
        self.missing: list[str] = []
        labels: dict[str, Mapping[str, str]] = {}
        aggregations: dict[str, list[Selector]] = {}
        for resource in resources:
            rules = [as_map(rule) for rule in as_items(resource.body.get("rules"))]
            if resource.kind == "Role":
                self.roles[(resource.namespace, resource.name)] = rules
            elif resource.kind == "ClusterRole":
                self.cluster_roles[resource.name] = rules
                labels[resource.name] = {str(k): str(v) for k, v in as_map(resource.metadata.get("labels")).items()}
                if "aggregationRule" in resource.body:
                    aggregations[resource.name] = self._selectors(resource)
            elif resource.kind in ("RoleBinding", "ClusterRoleBinding"):
                self.bindings.append(resource)
        self._aggregate(labels, aggregations)
        self._rights: dict[tuple[str, str], Rights] = {}  # many workloads share one service account

    def _selectors(self, role: Resource) -> list[Selector]:
        selectors = []
        for index, item in enumerate(as_items(as_map(role.body.get("aggregationRule")).get("clusterRoleSelectors"))):
            if not isinstance(item, Mapping):
                continue  # a null selector selects nothing
            selector, problem = read_selector(item)
            if problem:
                self.missing.append(
                    f"{role.where}, aggregationRule.clusterRoleSelectors[{index}].{problem}; it aggregates no role."
                )
            else:
                selectors.append(selector)  # an empty one matches every ClusterRole, cluster-admin included
        return selectors

    def _aggregate(self, labels: dict[str, Mapping[str, str]], aggregations: dict[str, list[Selector]]) -> None:
        """Fill each aggregated ClusterRole with the rules of the roles its selectors match, chains included."""
        for name, (gathers, carries) in _BUILT_IN_AGGREGATION.items():
            if name not in self.cluster_roles:
                self.cluster_roles[name] = list(BUILT_IN[name])
                labels[name] = {f"{_AGGREGATE}{carries}": "true"} if carries else {}
                aggregations[name] = [Selector(((f"{_AGGREGATE}{gathers}", "true"),))]
        own = {name: list(rules) for name, rules in self.cluster_roles.items()}
        own.setdefault("cluster-admin", list(BUILT_IN["cluster-admin"]))  # in every cluster, without labels
        members = {
            name: sorted(other for other in own if other != name and any(s.matches(labels.get(other, {})) for s in selectors))
            for name, selectors in aggregations.items()
        }

        def gathered(name: str, seen: frozenset[str]) -> list[Rule]:
            rules = list(own.get(name, []))
            for member in members.get(name, []):
                if member not in seen:
                    rules += [rule for rule in gathered(member, seen | {member}) if rule not in rules]
            return rules

        for name in members:
            self.cluster_roles[name] = gathered(name, frozenset({name}))

    def _role_rules(self, binding: Resource) -> tuple[str, list[Rule] | None]:
        ref = as_map(binding.body.get("roleRef"))
        kind, name = str(ref.get("kind", "")), str(ref.get("name", ""))
        if kind == "Role":
            return f"Role {binding.namespace}/{name}", self.roles.get((binding.namespace, name))
        rules = self.cluster_roles.get(name, BUILT_IN.get(name))
        return f"ClusterRole {name}", rules

    def rights(self, namespace: str, account: str) -> Rights:
        known = self._rights.get((namespace, account))
        if known is None:
            known = self._rights[(namespace, account)] = self._resolve(namespace, account)
        return known

    def _resolve(self, namespace: str, account: str) -> Rights:
        rights = Rights()
        for binding in self.bindings:
            if not any(
                _names(as_map(subject), binding, namespace, account)
                for subject in as_items(binding.body.get("subjects"))
            ):
                continue
            role, rules = self._role_rules(binding)
            if rules is None:
                message = (
                    f"{binding.where}: roleRef names {role}, which is not in the files; its rights are not counted."
                )
                if message not in self.missing:
                    self.missing.append(message)
                continue
            rights.grants.append(Grant(rules, binding.kind == "ClusterRoleBinding", role))
        return rights


def _names(subject: Mapping[str, Any], binding: Resource, namespace: str, account: str) -> bool:
    kind, name = subject.get("kind"), str(subject.get("name", ""))
    if kind == "ServiceAccount":
        return name == account and str(subject.get("namespace") or binding.namespace or "default") == namespace
    if kind == "User":
        return name == f"system:serviceaccount:{namespace}:{account}"
    if kind == "Group":
        return name in ("system:serviceaccounts", f"system:serviceaccounts:{namespace}", "system:authenticated")
    return False
