"""The controls catalogue: the shipped file and its loader."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
from django.core.management import call_command

from threatmodel.models import Control
from threatmodel.tests.shared_data import SHARED as SHARED_DIR
from threatmodel.workflow.controls import CATALOGUE_FILE, CatalogueError, catalogue, controls_sync, read_catalogue

SHARED = SHARED_DIR / "data" / "controls" / "controls-catalogue.csv"


def test_the_shipped_catalogue_has_78_controls_in_four_phases() -> None:
    specs = catalogue()
    assert len(specs) == 78
    phases = {spec.phase for spec in specs.values()}
    assert phases == {"develop", "distribute", "deploy", "runtime"}
    assert specs["RTC-11"].stride == "TE" and specs["RTC-11"].layer == "compute"
    assert all(spec.refs for spec in specs.values())


def test_the_catalogue_keeps_the_research_ids_and_facts_but_not_its_prose() -> None:
    if not SHARED.exists():
        pytest.skip("../shared is absent: the comparison with the research catalogue needs it")
    with SHARED.open(encoding="utf-8", newline="") as handle:
        research = {row["id"]: row for row in csv.DictReader(handle)}
    ours = catalogue()
    assert set(ours) == set(research)
    for control_id, row in research.items():
        spec = ours[control_id]
        assert (spec.name, spec.phase, spec.layer, spec.stride) == (row["name"], row["phase"], row["layer"], row["stride"])
        assert list(spec.refs) == [ref.strip() for ref in row["refs"].split(";") if ref.strip()]
        assert spec.summary != row["summary"], control_id
        # Not a light edit either: most of the wording differs.
        theirs, mine = set(row["summary"].lower().split()), set(spec.summary.lower().split())
        assert len(theirs & mine) / len(mine) < 0.75, control_id


def test_the_catalogue_carries_its_attribution() -> None:
    readme = (CATALOGUE_FILE.parent / "README.md").read_text()
    assert "CC BY 4.0" in readme and "cncf/tag-security" in readme


@pytest.mark.django_db
def test_loading_is_idempotent_and_updates_changed_rows(tmp_path: Path) -> None:
    assert controls_sync() == {"created": 78, "updated": 0, "total": 78}
    assert controls_sync() == {"created": 0, "updated": 0, "total": 78}
    edited = tmp_path / "controls.csv"
    text = CATALOGUE_FILE.read_text(encoding="utf-8")
    edited.write_text(text.replace("Kubelet hardening", "Kubelet lockdown"), encoding="utf-8")
    assert controls_sync(edited) == {"created": 0, "updated": 1, "total": 78}
    assert Control.objects.get(control_id="RTC-20").name == "Kubelet lockdown"


@pytest.mark.django_db
def test_the_command_loads_the_catalogue(capsys: pytest.CaptureFixture[str]) -> None:
    call_command("load_controls")
    assert Control.objects.count() == 78
    assert "78 in the catalogue, 78 created" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("mutate", "fragment"),
    [
        (lambda t: t.replace("id,name,phase", "ident,name,phase"), "the header must be"),
        (lambda t: t.replace(",develop,supply chain,STRIDE,", ",build,supply chain,STRIDE,", 1), "phase 'build'"),
        (lambda t: t.replace(",develop,supply chain,TIDE,", ",develop,supply chain,EDIT,", 1), "STRIDE letters in STRIDE order"),
        (lambda t: t.replace("DEV-02,", "DEV-01,", 1), "empty or repeated"),
    ],
)
def test_a_malformed_catalogue_is_refused_with_its_line(tmp_path: Path, mutate: object, fragment: str) -> None:
    broken = tmp_path / "controls.csv"
    broken.write_text(mutate(CATALOGUE_FILE.read_text(encoding="utf-8")), encoding="utf-8")  # type: ignore[operator]
    with pytest.raises(CatalogueError, match=fragment):
        read_catalogue(broken)
