"""The catalogue controls a report's result is evidence for, from the tables of ``mapping``."""

from __future__ import annotations

from threatmodel.evidence.mapping import KUBESCAPE_CONTROLS, KYVERNO_POLICIES, SARIF_RULES
from threatmodel.guardrails.controls import CONTROLS, NETWORK


def _by_rule() -> dict[str, tuple[str, ...]]:
    table: dict[str, list[str]] = {}
    for control in (*CONTROLS, NETWORK):
        for rule in control.rules:
            table.setdefault(rule, [])
            table[rule] += [c for c in control.catalogue if c not in table[rule]]
    return {rule: tuple(ids) for rule, ids in table.items()}


GATE_RULES = _by_rule()


def guardrail_control(policy: str) -> tuple[str, ...]:
    """A policy the guardrails generated: ``<model>-<key>`` or, per namespace, ``<model>-<key>-<namespace>``."""
    for control in CONTROLS:
        if policy == control.key or policy.endswith(f"-{control.key}") or (control.per_namespace and f"-{control.key}-" in policy):
            return control.catalogue
    return ()


def catalogue_for(fmt: str, key: str) -> tuple[str, ...]:
    if fmt == "policyreport":
        name = key.rsplit("/", 1)[-1]  # a namespaced Policy may be reported as namespace/name
        return KYVERNO_POLICIES.get(name) or guardrail_control(name)
    if fmt == "kubescape":
        return KUBESCAPE_CONTROLS.get(key, ())
    return SARIF_RULES.get(key) or KUBESCAPE_CONTROLS.get(key) or GATE_RULES.get(key, ())
