"""Guardrails from the model: the Kubernetes policies that enforce its mitigations (docs/guardrails.md).

A pure package: from a model's native document (``threatmodel.native.native_export``) it writes
NetworkPolicies for exactly the flows the diagram draws, Pod Security Admission labels,
ValidatingAdmissionPolicies (CEL) with their bindings and Kyverno ClusterPolicies for the container
controls. Each resource names, in annotations, the threats and mitigations it enforces and its
ATT&CK mitigation id. No database, no network: the API and tests call ``generate``.
"""

from threatmodel.guardrails.generate import KINDS, Bundle, generate, render_yaml

__all__ = ["KINDS", "Bundle", "generate", "render_yaml"]
