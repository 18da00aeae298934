"""Every threat explained, everywhere: the drawer's assessment, the CSV, Threat Dragon, OTM (issue 13)."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from conftest import World
from stride.models import Threat
from threatmodel.analysis import threat_model_analyse
from threatmodel.explanations import model_explanations
from threatmodel.interop.csv_register import csv_register
from threatmodel.interop.otm import otm_export
from threatmodel.interop.threat_dragon import td_export
from threatmodel.models import ThreatModel
from threatmodel.native import native_import
from threatmodel.tests.interop_helpers import import_file, imported

pytestmark = pytest.mark.django_db

DEMO = Path(settings.BASE_DIR) / "fixtures" / "demo" / "online-shop.json"


def demo(world: World) -> ThreatModel:
    call_command("load_controls", verbosity=0)
    model, _ = native_import(actor=world.users["owner"], team=world.team, raw=DEMO.read_bytes())
    threat_model_analyse(model_id=model.pk, actor=world.users["owner"])
    return model


def test_every_demo_threat_says_what_why_and_what_to_do_with_the_subjects_names(world: World) -> None:
    model = demo(world)
    explained = model_explanations(model)
    assert len(explained) == Threat.objects.filter(threat_model=model).count() >= 80
    assert all(e.summary and e.what and e.fix for e in explained.values())
    crossing = explained[Threat.objects.get(threat_model=model, rule_id="INT-001").pk]
    assert crossing.summary.startswith("Browse and order (") and "enters Kubernetes cluster, Namespace shop" in crossing.summary
    assert "authenticated = false" in crossing.why
    assert all(t.name and t.url.startswith("https://attack.mitre.org/") for e in explained.values() for t in e.techniques)
    assert any(e.attack_mitigations for e in explained.values()) and all(c.name for e in explained.values() for c in e.controls)


def test_explaining_a_model_takes_the_same_queries_whatever_its_size(world: World) -> None:
    model = demo(world)
    with CaptureQueriesContext(connection) as queries:
        model_explanations(model)
    assert len(queries.captured_queries) <= 8  # 8 since unconfirmed threats read their techniques apart


def test_the_csv_register_and_both_exports_carry_the_explanation(world: World) -> None:
    model = demo(world)
    rows = list(csv.DictReader(io.StringIO(csv_register(model))))
    assert rows and all(row["Description"] and row["What to do"] for row in rows)
    escape = next(row for row in rows if row["Rule"] == "K8S-004")
    assert escape["Why it applies"] == "runs_as_root = true" and escape["Suggested controls"]
    assert "https://attack.mitre.org/" in escape["ATT&CK technique links"]
    td_threats = [t for d in td_export(model)["detail"]["diagrams"] for c in d["cells"] for t in c.get("data", {}).get("threats", [])]
    assert td_threats and all("What to do: " in t["description"] for t in td_threats)
    otm = otm_export(model)["threats"]
    assert otm and all(t["description"] for t in otm)


def test_our_own_export_read_back_keeps_the_persons_description_not_the_explanation(world: World) -> None:
    model = demo(world)
    response = import_file(world, json.dumps(td_export(model)).encode(), fmt="threat-dragon")
    back = imported(response)
    assert set(Threat.objects.filter(threat_model=back).values_list("description", flat=True)) == {""}


def test_the_drawers_assessment_explains_the_threat_and_an_outsider_gets_404(world: World) -> None:
    model = demo(world)
    threat = Threat.objects.get(threat_model=model, rule_id="K8S-004")
    body = world.client("viewer").get(f"/api/v1/threats/{threat.pk}/assessment/").json()
    assert body["explained"]["summary"] == "Storefront: the container runs as root — runs_as_root = true"
    assert body["explained"]["fix"] and body["explained"]["techniques"][0]["url"].startswith("https://attack.mitre.org/")
    assert world.client("outsider").get(f"/api/v1/threats/{threat.pk}/assessment/").status_code == 404
