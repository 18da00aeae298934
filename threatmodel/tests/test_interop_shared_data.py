"""Every Threat Dragon model, OTM file and .tm7 in ../shared/data imports with the counts of its folder's
MANIFEST.md — or, for the deliberately malformed files and the formats we do not read, is refused with a
clear error and nothing written. Skipped with a message when ../shared is absent.
"""

from __future__ import annotations

import pytest

from conftest import World
from dfd.models import Diagram, Element, Flow
from stride.models import Threat
from threatmodel.models import ThreatModel
from threatmodel.tests.interop_helpers import import_file
from threatmodel.tests.shared_data import DATA, MISSING, Expected, otm_files, threat_dragon_files, tmt_files

pytestmark = pytest.mark.django_db

CASES: list[Expected] = (threat_dragon_files() + otm_files() + tmt_files()) if DATA.is_dir() else []


def content_type(expected: Expected) -> str:
    return "application/xml" if expected.path.suffix == ".tm7" else "application/octet-stream"


def test_the_shared_data_is_here_or_the_suite_says_why() -> None:
    if not DATA.is_dir():
        pytest.skip(MISSING)
    # At least the folders the issue names, with files in them.
    assert {case.path.relative_to(DATA).parts[0] for case in CASES} == {"threat-dragon", "otm", "tmt"}
    assert sum(case.kind == "import" for case in CASES) > 100


@pytest.mark.parametrize("expected", [case for case in CASES if case.kind == "import"], ids=lambda case: case.id)
def test_it_imports_with_the_manifest_counts(world: World, expected: Expected) -> None:
    response = import_file(world, expected.path.read_bytes(), content_type=content_type(expected))
    assert response.status_code == 201, response.content[:1000]
    body = response.json()
    model = ThreatModel.objects.get(pk=body["threat_model"]["id"])
    assert body["format"] == expected.format
    elements = Element.objects.filter(threat_model=model)
    placeholders = body["summary"]["placeholders"]
    # What is in the database, not only what the answer says.
    assert elements.exclude(kind="trust_boundary").count() - placeholders == expected.elements
    assert elements.filter(kind="trust_boundary").count() == expected.boundaries
    assert Flow.objects.filter(threat_model=model).count() == expected.flows
    threats = Threat.objects.filter(threat_model=model)
    assert threats.count() == expected.threats
    assert set(threats.values_list("stride", flat=True)) <= set("STRIDE")
    assert not threats.exclude(origin="imported").exists()
    if expected.diagrams is not None:
        assert Diagram.objects.filter(threat_model=model).count() == expected.diagrams
    for letter, number in expected.threats_by_stride.items():
        assert threats.filter(stride=letter).count() == number, letter
    assert (body["summary"]["elements"], body["summary"]["boundaries"], body["summary"]["flows"], body["summary"]["threats"]) == (
        expected.elements, expected.boundaries, expected.flows, expected.threats,
    )  # fmt: skip


@pytest.mark.parametrize("expected", [case for case in CASES if case.kind == "refuse"], ids=lambda case: case.id)
def test_it_refuses_what_it_cannot_read_with_a_clear_error(world: World, expected: Expected) -> None:
    before = (ThreatModel.objects.count(), Element.objects.count(), Threat.objects.count())
    response = import_file(world, expected.path.read_bytes(), fmt=expected.format or None, content_type=content_type(expected))
    assert response.status_code == 400, response.content[:500]
    error = response.json()["error"]
    assert error["message"] and error["details"] and all(d["path"] for d in error["details"])
    assert expected.refusal in error["message"] + " ".join(f"{d['path']} {d['message']}" for d in error["details"])
    assert (ThreatModel.objects.count(), Element.objects.count(), Threat.objects.count()) == before
