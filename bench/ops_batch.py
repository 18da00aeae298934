"""Benchmark: one batch of 3,000 operations (1,000 elements, 2,000 flows) loaded into a new diagram.

This is what an import, a template or a pasted diagram costs the single write path
(``threatmodel.diagrams.diagram_change``, without the analysis that follows). Each run loads the
batch into a fresh diagram of its own model; the figures are min, median and max over the runs.

Run:  DATABASE_URL=postgres://postgres@127.0.0.1:5432/threatmodel .venv/bin/python bench/ops_batch.py [--runs 7]
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

from document_and_ops import build_ops  # noqa: E402
from scratch import scratch_database  # noqa: E402


def run(runs: int) -> None:
    from django.contrib.auth import get_user_model

    from dfd.models import Diagram, Element, Flow
    from threatmodel.diagrams import diagram_change
    from threatmodel.models import Membership, Team, ThreatModel

    user = get_user_model().objects.create_user("bench", password="x")
    team = Team.objects.create(name="Bench", slug="bench")
    Membership.objects.create(team=team, user=user, role="owner")
    ops = build_ops(1000, 2000)
    times = []
    for n in range(runs):
        model = ThreatModel.objects.create(team=team, name=f"Large {n}")
        diagram = Diagram.objects.create(threat_model=model, name="Level 0")
        started = time.perf_counter()
        diagram_change(analyse=False, diagram_id=diagram.pk, actor=user, base_version=1, ops=ops)
        times.append(time.perf_counter() - started)
        assert Element.objects.filter(diagram=diagram).count() == 1000
        assert Flow.objects.filter(diagram=diagram).count() == 2000
    print(f"{len(ops)} operations in one batch, {runs} runs: min {min(times):.2f} s, median {statistics.median(times):.2f} s, max {max(times):.2f} s")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args()
    with scratch_database():
        run(args.runs)


if __name__ == "__main__":
    main()
