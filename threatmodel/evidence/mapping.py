"""Which catalogue controls (``fixtures/controls``, ``Mitigation.control``) each tool's check is evidence for.

Data only: one table per tool, keyed by what the tool names a check by — a Kyverno policy name, a
Kubescape control id, a SARIF ``ruleId``. The guardrails this project generates are matched
through their own table (``threatmodel.guardrails.controls``): a policy called
``<model>-<key>`` or ``<model>-<key>-<namespace>`` is evidence for the catalogue controls of the
control ``key``; the gate's SARIF rule ids (K8S-…) through the rules each of those controls names.
Add a row here to teach the ingestion another policy or check; a result whose key is in no table
is answered as unmatched, never as an error.
"""

from __future__ import annotations

# Kyverno's policy library (kyverno/policies, pod-security and best-practices), by policy name.
KYVERNO_POLICIES: dict[str, tuple[str, ...]] = {
    "disallow-privileged-containers": ("DEP-03", "RTC-11"),
    "disallow-privilege-escalation": ("RTC-11",),
    "disallow-capabilities-strict": ("RTC-11",),
    "disallow-host-namespaces": ("DEP-03",),
    "disallow-host-path": ("DEP-03", "RTS-06"),
    "restrict-volume-types": ("RTS-06",),
    "disallow-container-sock-mounts": ("DEP-03",),
    "require-run-as-nonroot": ("RTC-11", "DIS-07"),
    "require-run-as-non-root-user": ("RTC-11", "DIS-07"),
    "require-ro-rootfs": ("RTC-12",),
    "restrict-image-registries": ("DIS-11",),
    "require-image-digest": ("DEP-01",),
    "verify-image": ("DEP-01",),
    "restrict-automount-sa-token": ("RTA-06", "RTC-21"),
    "add-network-policy": ("RTC-14",),
    "require-network-policy": ("RTC-14",),
}

# Kubescape's control library (C-xxxx ids), as `kubescape scan --format json` and `--format sarif` name them.
KUBESCAPE_CONTROLS: dict[str, tuple[str, ...]] = {
    "C-0057": ("DEP-03", "RTC-11"),  # Privileged container
    "C-0016": ("RTC-11",),  # Allow privilege escalation
    "C-0046": ("RTC-11",),  # Insecure capabilities
    "C-0038": ("DEP-03",),  # Host PID/IPC privileges
    "C-0041": ("DEP-03",),  # HostNetwork access
    "C-0048": ("DEP-03", "RTS-06"),  # HostPath mount
    "C-0074": ("DEP-03",),  # Container runtime socket mounted
    "C-0013": ("RTC-11", "DIS-07"),  # Non-root containers
    "C-0017": ("RTC-12",),  # Immutable container filesystem
    "C-0034": ("RTA-06", "RTC-21"),  # Automatic mapping of service account
    "C-0078": ("DIS-11",),  # Images from allowed registry
    "C-0260": ("RTC-14",),  # Missing network policy
    "C-0030": ("RTC-14",),  # Ingress and Egress blocked
}

# SARIF rule ids of other tools, beyond the gate's K8S-… rules and Kubescape's C-… ids.
SARIF_RULES: dict[str, tuple[str, ...]] = {
    # Checkov's Kubernetes checks
    "CKV_K8S_16": ("DEP-03", "RTC-11"),  # privileged
    "CKV_K8S_17": ("DEP-03",),  # hostPID
    "CKV_K8S_18": ("DEP-03",),  # hostIPC
    "CKV_K8S_19": ("DEP-03",),  # hostNetwork
    "CKV_K8S_20": ("RTC-11",),  # allowPrivilegeEscalation
    "CKV_K8S_22": ("RTC-12",),  # readOnlyRootFilesystem
    "CKV_K8S_23": ("RTC-11", "DIS-07"),  # runAsNonRoot
    "CKV_K8S_27": ("DEP-03",),  # docker socket
    "CKV_K8S_38": ("RTA-06", "RTC-21"),  # automountServiceAccountToken
    "CKV_K8S_43": ("DEP-01",),  # image by digest
}
