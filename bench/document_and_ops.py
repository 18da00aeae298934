"""Benchmark: the document endpoint and a 10-operation batch on a model of 1,000 elements and
2,000 flows, on PostgreSQL (DATABASE_URL), through the real HTTP stack (Django test client).

The model is analysed first, so the document carries its threats. Each figure is printed as
min / median / max over the runs, with the answer's size in bytes; the 304 rows revalidate with the
ETag of the previous answer. The ops endpoint's time includes
the threat analysis that follows each batch (inline at this size); the write path alone
(``dfd.services.apply_ops``) is timed too.

Run:  DATABASE_URL=postgres://postgres@127.0.0.1:5432/threatmodel_bench .venv/bin/python bench/document_and_ops.py
It creates (and drops) its own database next to the one DATABASE_URL names.
"""

from __future__ import annotations

import os
import statistics
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "threatmodel.settings")
os.environ.setdefault("SECRET_KEY", "bench-only")
os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/threatmodel")

import django

django.setup()

from django.conf import settings  # noqa: E402
from django.db import connection  # noqa: E402

RUNS = 7


def spread(times: list[float]) -> str:
    """min / median / max in milliseconds over the runs."""
    ms = sorted(t * 1000 for t in times)
    return f"min {ms[0]:.0f} / median {statistics.median(ms):.0f} / max {ms[-1]:.0f} ms ({len(ms)} runs)"


def build_ops(elements: int, flows: int) -> list[dict[str, Any]]:
    ops: list[dict[str, Any]] = []
    for b in range(5):
        ops.append({"op": "add_element", "key": f"tb{b}", "kind": "trust_boundary", "name": f"Zone {b}",
                    "parent": "tb0" if b == 4 else None, "properties": {"boundary_type": "namespace"}})
    kinds = ["process", "process", "data_store", "external_entity"]
    for i in range(elements - 5):
        kind = kinds[i % 4]
        props: dict[str, Any] = {"privileged": i % 3 == 0, "runs_as_root": "unknown"} if kind == "process" else {}
        ops.append({"op": "add_element", "key": f"e{i}", "kind": kind, "name": f"Element {i}", "parent": f"tb{i % 5}",
                    "x": float(i % 40) * 30, "y": float(i // 40) * 30, "properties": props})
    n = elements - 5
    for j in range(flows):
        source, target = j % n, (j * 7 + 1) % n
        target = (target + 1) % n if target == source else target
        ops.append({"op": "add_flow", "key": f"f{j}", "source": f"e{source}", "target": f"e{target}",
                    "label": f"Flow {j}", "properties": {"encrypted": j % 2 == 0}})
    return ops


def main() -> None:
    from scratch import scratch_database

    with scratch_database():
        run()


def run() -> None:
    from django.contrib.auth import get_user_model
    from rest_framework.test import APIClient

    from dfd.models import Diagram
    from stride.models import Threat
    from threatmodel.analysis import threat_model_analyse
    from threatmodel.diagrams import diagram_change
    from threatmodel.models import Membership, Team, ThreatModel

    print(f"database: {connection.vendor} {connection.settings_dict['NAME']} (a scratch copy of DATABASE_URL's)")
    user = get_user_model().objects.create_user("bench", password="x")
    team = Team.objects.create(name="Bench", slug="bench")
    Membership.objects.create(team=team, user=user, role="owner")
    model = ThreatModel.objects.create(team=team, name="Large")
    diagram = Diagram.objects.create(threat_model=model, name="Level 0")
    ops = build_ops(1000, 2000)
    started = time.perf_counter()
    diagram_change(analyse=False, diagram_id=diagram.pk, actor=user, base_version=1, ops=ops)
    print(f"initial load: {len(ops)} operations in one batch: {time.perf_counter() - started:.2f} s")
    started = time.perf_counter()
    result = threat_model_analyse(model_id=model.pk)
    print(f"first analysis: {result.new:,} threats in {time.perf_counter() - started:.2f} s")

    client = APIClient()
    client.force_authenticate(user)
    url = f"/api/v1/threat-models/{model.pk}/document/"
    doc_times = []
    for _ in range(RUNS):
        started = time.perf_counter()
        response = client.get(url)
        response.json()
        doc_times.append(time.perf_counter() - started)
        assert response.status_code == 200
    size = len(response.content)
    zipped_times = []
    for _ in range(RUNS):
        started = time.perf_counter()
        zipped = client.get(url, HTTP_ACCEPT_ENCODING="gzip")
        zipped_times.append(time.perf_counter() - started)
        assert zipped.status_code == 200 and zipped["Content-Encoding"] == "gzip"
    revalidate_times = []
    for _ in range(RUNS):
        started = time.perf_counter()
        unchanged = client.get(url, HTTP_ACCEPT_ENCODING="gzip", HTTP_IF_NONE_MATCH=zipped["ETag"])
        revalidate_times.append(time.perf_counter() - started)
        assert unchanged.status_code == 304
    page_url = f"/api/v1/threats/?threat_model={model.pk}&page_size=500"
    page_times = []
    for _ in range(RUNS):
        started = time.perf_counter()
        page = client.get(page_url, HTTP_ACCEPT_ENCODING="gzip")
        page_times.append(time.perf_counter() - started)
        assert page.status_code == 200
    page_revalidate_times = []
    for _ in range(RUNS):
        started = time.perf_counter()
        assert client.get(page_url, HTTP_ACCEPT_ENCODING="gzip", HTTP_IF_NONE_MATCH=page["ETag"]).status_code == 304
        page_revalidate_times.append(time.perf_counter() - started)
    batch_times = []
    for round_no in range(RUNS):
        diagram.refresh_from_db()
        batch = [{"op": "move_element", "key": f"e{i}", "x": float(round_no), "y": 1.0} for i in range(5)]
        batch += [{"op": "update_element", "key": f"e{4 * i}", "properties": {"privileged": round_no % 2 == 0}} for i in range(3)]
        batch += [{"op": "add_flow", "key": f"extra{round_no}", "source": "e1", "target": "e2"},
                  {"op": "delete_flow", "key": f"f{round_no}"}]
        started = time.perf_counter()
        response = client.post(f"/api/v1/diagrams/{diagram.pk}/ops/", {"base_version": diagram.version, "ops": batch}, format="json")
        batch_times.append(time.perf_counter() - started)
        assert response.status_code == 200, response.content
    service_times = []
    for round_no in range(RUNS):
        diagram.refresh_from_db()
        batch = [{"op": "move_element", "key": f"e{i}", "x": float(round_no), "y": 2.0} for i in range(10)]
        started = time.perf_counter()
        diagram_change(analyse=False, diagram_id=diagram.pk, actor=user, base_version=diagram.version, ops=batch)
        service_times.append(time.perf_counter() - started)
    threats = Threat.objects.filter(threat_model=model).count()
    print(f"model: 1,000 elements, 2,000 flows, {threats:,} threats")
    print(f"GET document/                 {spread(doc_times)}; {size:,} bytes ({size / 1024:.0f} KiB)")
    print(f"GET document/ gzip            {spread(zipped_times)}; {len(zipped.content):,} bytes on the wire")
    print(f"GET document/ revalidated 304 {spread(revalidate_times)}; 0 bytes of body")
    print(f"GET threats/ (page of 500)    {spread(page_times)}; {len(page.content):,} bytes gzipped")
    print(f"GET threats/ revalidated 304  {spread(page_revalidate_times)}")
    print(f"POST ops/ (10 ops)            {spread(batch_times)}; includes the analysis that follows")
    print(f"apply_ops (10 moves)          {spread(service_times)}; write path only")
    print(f"settings.DEBUG={settings.DEBUG}")


if __name__ == "__main__":
    main()
