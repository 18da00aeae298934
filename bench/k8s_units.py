"""The labelled manifest units of the shared corpus, read through the product's Kubernetes importer.

For bench/fidelity.py only. Each unit names its files (globs under the manifests folder) and what
it is expected to show: the ATT&CK techniques an insecure unit's documentation says an attacker
gets, or ``safe`` for a benign app or a documented negative control, where no specific rule should
claim a technique. The files go through ``threatmodel.interop.manifests`` exactly as an import
does (the earlier stand-in adapter is gone now that the importer exists), and the findings are
counted on the unit's workloads and the flows that touch them.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from threatmodel.interop.manifests.formats import parse_manifests, wanted_state
from threatmodel.interop.sources import SourceFile


@dataclass(frozen=True)
class UnitSpec:
    """One unit of the corpus: its files (globs under the manifests folder) and what it should show."""

    name: str
    globs: tuple[str, ...]
    expected: tuple[str, ...] = ()
    safe: bool = False
    source: str = ""


_BP = "badpods/manifests"
_KH = "kubehound/test/setup/test-cluster/attacks"
# Labels: Bad Pods' per-type READMEs (manifests/<type>/README.md) and KubeHound's attack reference
# (docs/reference/attacks/<ATTACK>.md), restricted to techniques in the shipped catalogue.
UNITS: tuple[UnitSpec, ...] = (
    *(
        UnitSpec(
            f"badpods/everything-allowed/{c}",
            (f"{_BP}/everything-allowed/{c}/*.yaml",),
            ("T1611",),
            source="badPods README",
        )
        for c in ("pod", "deployment", "deamonset", "job")
    ),
    *(
        UnitSpec(f"badpods/priv/{c}", (f"{_BP}/priv/{c}/*.yaml",), ("T1611",), source="badPods README")
        for c in ("pod", "deployment", "deamonset", "job")
    ),
    *(
        UnitSpec(
            f"badpods/hostpath/{c}", (f"{_BP}/hostpath/{c}/*.yaml",), ("T1611", "T1552.001"), source="badPods README"
        )
        for c in ("pod", "deployment", "deamonset", "job")
    ),
    *(
        UnitSpec(f"badpods/hostnetwork/{c}", (f"{_BP}/hostnetwork/{c}/*.yaml",), ("T1046",), source="badPods README")
        for c in ("pod", "deployment", "deamonset", "job")
    ),
    *(
        UnitSpec(
            f"badpods/nothing-allowed/{c}", (f"{_BP}/nothing-allowed/{c}/*.yaml",), safe=True, source="badPods README"
        )
        for c in ("pod", "deployment", "deamonset", "job")
    ),
    UnitSpec("kubehound/CE_MODULE_LOAD", (f"{_KH}/CE_MODULE_LOAD.yaml",), ("T1611",), source="KubeHound"),
    UnitSpec("kubehound/CE_NSENTER", (f"{_KH}/CE_NSENTER.yaml",), ("T1611",), source="KubeHound"),
    UnitSpec("kubehound/CE_PRIV_MOUNT", (f"{_KH}/CE_PRIV_MOUNT.yaml",), ("T1611",), source="KubeHound"),
    UnitSpec("kubehound/EXPLOIT_HOST_WRITE", (f"{_KH}/EXPLOIT_HOST_WRITE.yaml",), ("T1611",), source="KubeHound"),
    UnitSpec("kubehound/POD_CREATE", (f"{_KH}/POD_CREATE.yaml",), ("T1610",), source="KubeHound"),
    UnitSpec("kubehound/POD_EXEC", (f"{_KH}/POD_EXEC.yaml",), ("T1609",), source="KubeHound"),
    UnitSpec("kubehound/TOKEN_LIST", (f"{_KH}/TOKEN_LIST.yaml",), ("T1552.007",), source="KubeHound"),
    # The bindings of the ROLE_BIND edges live in ROLE_BIND_RB_R-SA.yaml and the roles they grant in ROLE_BIND_ALL.yaml.
    UnitSpec(
        "kubehound/ROLE_BIND_RB_R-SA",
        (f"{_KH}/ROLE_BIND_RB_R-SA.yaml", f"{_KH}/ROLE_BIND_ALL.yaml"),
        ("T1098.006",),
        source="KubeHound",
    ),
    UnitSpec(
        "kubehound/CONTROL_POD",
        (f"{_KH}/CONTROL_POD.yaml",),
        safe=True,
        source="KubeHound: documented negative control",
    ),
    UnitSpec(
        "dashboard/v1.6.0 (NodePort, cluster-admin)",
        ("kubernetes-dashboard/src/deploy/kubernetes-dashboard.yaml",),
        ("T1133", "T1610"),
        source="MANIFEST.md §12",
    ),
    UnitSpec(
        "lacework/crypto-miner", ("lacework-crypto-miner/k8s-crypto-miner.yaml",), ("T1496",), source="MANIFEST.md §13"
    ),
    UnitSpec(
        "dashboard/v2.7.0 recommended",
        ("kubernetes-dashboard/aio/deploy/recommended.yaml",),
        safe=True,
        source="MANIFEST.md §12: the secure control",
    ),
    UnitSpec(
        "online-boutique",
        (
            "online-boutique/release/kubernetes-manifests.yaml",
            "online-boutique/kustomize/components/network-policies/*.yaml",
        ),
        safe=True,
        source="benign",
    ),
    UnitSpec(
        "k8s-guestbook",
        ("k8s-guestbook/web/guestbook/all-in-one/guestbook-all-in-one.yaml",),
        safe=True,
        source="benign",
    ),
    UnitSpec("sock-shop", ("sock-shop/deploy/kubernetes/complete-demo.yaml",), safe=True, source="benign"),
)


@dataclass
class Unit:
    name: str
    expected: tuple[str, ...]
    safe: bool
    elements: list[dict[str, Any]] = field(default_factory=list)
    flows: list[dict[str, Any]] = field(default_factory=list)
    workloads: set[str] = field(default_factory=set)
    flows_of_interest: set[str] = field(default_factory=set)


def units(root: Path) -> Iterator[Unit]:
    for spec in UNITS:
        paths = [path for pattern in spec.globs for path in sorted(root.glob(pattern)) if path.name != "kustomization.yaml"]
        if not paths:
            continue
        documents = [doc for path in paths for doc in parse_manifests(SourceFile(str(path), path.read_bytes()))]
        state, _origins, _warnings, inventory = wanted_state("kubernetes", documents)
        unit = Unit(spec.name, spec.expected, spec.safe)
        unit.elements = [element.as_dict() for element in state.elements.values()]
        unit.flows = [flow.as_dict() for flow in state.flows.values()]
        unit.workloads = set(inventory.workloads)
        unit.flows_of_interest = {f["key"] for f in unit.flows if {f["source"], f["target"]} & unit.workloads}
        yield unit
