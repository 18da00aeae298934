"""Benchmark: Kubernetes manifests to an analysed threat model (issue 10).

Two inputs: Online Boutique's release manifest from the shared corpus, and a generated set of
2,000 workloads (Deployments in 20 namespaces, each with a Service, every fourth calling the next
one by its Service name, every tenth privileged with a hostPath mount, service accounts bound to
reading Secrets). Each run imports the files into a new model through the import service (the
readers, the mapping, the write path) and then analyses it; the figures are min, median and max
over the runs for "to model" (import) and "to analysed threats" (import plus analysis).

Run:  DATABASE_URL=postgres://postgres@127.0.0.1:5432/threatmodel THREATMODEL_SHARED_DIR=/work/shared \
      .venv/bin/python bench/import_manifests.py [--runs 5] [--workloads 2000]
It creates (and drops) a scratch database next to the one DATABASE_URL names.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "threatmodel.settings")
os.environ.setdefault("SECRET_KEY", "bench-only")
os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/threatmodel")

import django

django.setup()

from scratch import scratch_database  # noqa: E402

NAMESPACES = 20


def generated(workloads: int) -> bytes:
    """``workloads`` Deployments with their Services, ServiceAccounts and a Role binding per namespace."""
    documents = []
    for ns in range(NAMESPACES):
        documents.append(f"apiVersion: v1\nkind: Namespace\nmetadata: {{name: team-{ns}}}\n")
        documents.append(
            f"apiVersion: rbac.authorization.k8s.io/v1\nkind: Role\nmetadata: {{name: reader, namespace: team-{ns}}}\n"
            "rules: [{apiGroups: [''], resources: [secrets], verbs: [get, list]}]\n"
        )
        documents.append(
            f"apiVersion: rbac.authorization.k8s.io/v1\nkind: RoleBinding\nmetadata: {{name: reader, namespace: team-{ns}}}\n"
            "roleRef: {apiGroup: rbac.authorization.k8s.io, kind: Role, name: reader}\n"
            f"subjects: [{{kind: ServiceAccount, name: app, namespace: team-{ns}}}]\n"
        )
    for n in range(workloads):
        namespace, callee = f"team-{n % NAMESPACES}", f"svc-{n + NAMESPACES}"
        env = (
            f"\n          env: [{{name: NEXT_ADDR, value: '{callee}:8080'}}]"
            if n % 4 == 0 and n + NAMESPACES < workloads
            else ""
        )
        risky = "\n          securityContext: {privileged: true}" if n % 10 == 0 else ""
        volume = "\n      volumes: [{name: host, hostPath: {path: /var/log}}]" if n % 10 == 0 else ""
        mounts = "\n          volumeMounts: [{name: host, mountPath: /host}]" if n % 10 == 0 else ""
        documents.append(
            f"apiVersion: apps/v1\nkind: Deployment\nmetadata: {{name: app-{n}, namespace: {namespace}}}\nspec:\n  template:\n"
            f"    metadata: {{labels: {{app: app-{n}}}}}\n    spec:\n      serviceAccountName: app\n      containers:\n"
            f"        - name: main\n          image: registry.example.com/app-{n}:1.{n}{env}{risky}{mounts}{volume}\n"
        )
        documents.append(
            f"apiVersion: v1\nkind: Service\nmetadata: {{name: svc-{n}, namespace: {namespace}}}\n"
            f"spec: {{selector: {{app: app-{n}}}, ports: [{{port: 8080}}]}}\n"
        )
    return "---\n".join(documents).encode()


def measure(label: str, files: list[tuple[str, bytes]], runs: int) -> None:
    from django.contrib.auth import get_user_model

    from stride.models import Threat
    from threatmodel.analysis import threat_model_analyse
    from threatmodel.interop.imports import import_model
    from threatmodel.interop.sources import SourceFile
    from threatmodel.models import Membership, Team

    user = get_user_model().objects.create_user(f"bench-{label}", password="x")
    team = Team.objects.create(name=f"Bench {label}", slug=f"bench-{label}")
    Membership.objects.create(team=team, user=user, role="owner")
    sources = [SourceFile(name, raw) for name, raw in files]
    to_model, to_threats = [], []
    threats = elements = 0
    for _ in range(runs):
        started = time.perf_counter()
        outcome = import_model(actor=user, team=team, files=sources, fmt="kubernetes")
        imported = time.perf_counter()
        threat_model_analyse(model_id=outcome.model.pk, actor=user)
        done = time.perf_counter()
        to_model.append(imported - started)
        to_threats.append(done - started)
        threats = Threat.objects.filter(threat_model=outcome.model).count()
        elements = outcome.summary.elements + outcome.summary.boundaries
    print(
        f"{label}: {elements} elements, {threats} threats, {runs} runs. "
        f"To model: min {min(to_model):.2f} s, median {statistics.median(to_model):.2f} s, max {max(to_model):.2f} s. "
        f"To analysed threats: min {min(to_threats):.2f} s, median {statistics.median(to_threats):.2f} s, max {max(to_threats):.2f} s."
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--workloads", type=int, default=2000)
    args = parser.parse_args()
    shared = Path(os.environ.get("THREATMODEL_SHARED_DIR") or Path(__file__).resolve().parent.parent.parent / "shared")
    boutique = shared / "data" / "manifests" / "online-boutique" / "release" / "kubernetes-manifests.yaml"
    with scratch_database():
        if boutique.is_file():
            measure("online-boutique", [(boutique.name, boutique.read_bytes())], args.runs)
        else:
            print(f"Online Boutique skipped: {boutique} is not here")
        measure(f"generated-{args.workloads}", [("generated.yaml", generated(args.workloads))], args.runs)


if __name__ == "__main__":
    main()
