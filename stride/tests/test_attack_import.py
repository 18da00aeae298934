"""The ATT&CK importer: the shipped catalogue, the real bundle in ../shared, idempotency, and the
revoked, deprecated and sub-technique handling on a small bundle of our own."""

from __future__ import annotations

import json
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command

from common.errors import ValidationFailed
from stride.attack import attack_catalogue_import, parse_bundle
from stride.models import AttackMitigation, AttackRelease, Mitigates, Tactic, Technique

pytestmark = pytest.mark.django_db

SHARED_BUNDLE = Path(settings.BASE_DIR).parent / "shared" / "data" / "attack" / "enterprise-attack-containers.json"
SHIPPED = Path(settings.BASE_DIR) / "fixtures" / "attack" / "enterprise-attack-containers.json"


def ref(attack_id: str) -> list[dict[str, str]]:
    return [{"source_name": "mitre-attack", "external_id": attack_id, "url": f"https://attack.mitre.org/{attack_id}"}]


def small_bundle(**extra: Any) -> dict[str, Any]:
    objects = [
        {"type": "x-mitre-collection", "id": "x-mitre-collection--1", "x_mitre_version": "99.0"},
        {"type": "x-mitre-matrix", "id": "x-mitre-matrix--1", "external_references": ref("enterprise-attack"),
         "tactic_refs": ["x-mitre-tactic--b", "x-mitre-tactic--a"]},
        {"type": "x-mitre-tactic", "id": "x-mitre-tactic--a", "name": "Alpha", "x_mitre_shortname": "alpha", "external_references": ref("TA9001")},
        {"type": "x-mitre-tactic", "id": "x-mitre-tactic--b", "name": "Beta", "x_mitre_shortname": "beta", "external_references": ref("TA9002")},
        {"type": "attack-pattern", "id": "attack-pattern--p", "name": "Parent", "external_references": ref("T9000"),
         "kill_chain_phases": [{"kill_chain_name": "mitre-attack", "phase_name": "alpha"}], "x_mitre_platforms": ["Containers"]},
        {"type": "attack-pattern", "id": "attack-pattern--c", "name": "Child", "external_references": ref("T9000.001"),
         "kill_chain_phases": [{"kill_chain_name": "mitre-attack", "phase_name": "alpha"}, {"kill_chain_name": "mitre-attack", "phase_name": "beta"}]},
        {"type": "attack-pattern", "id": "attack-pattern--old", "name": "Old", "external_references": ref("T9001"), "revoked": True},
        {"type": "attack-pattern", "id": "attack-pattern--dep", "name": "Gone", "external_references": ref("T9002"), "x_mitre_deprecated": True},
        {"type": "course-of-action", "id": "course-of-action--m", "name": "Fix it", "external_references": ref("M9000")},
        {"type": "relationship", "id": "relationship--1", "relationship_type": "subtechnique-of", "source_ref": "attack-pattern--c", "target_ref": "attack-pattern--p"},
        {"type": "relationship", "id": "relationship--2", "relationship_type": "mitigates", "source_ref": "course-of-action--m",
         "target_ref": "attack-pattern--p", "description": "Do the thing."},
        {"type": "relationship", "id": "relationship--3", "relationship_type": "revoked-by", "source_ref": "attack-pattern--old", "target_ref": "attack-pattern--p"},
        {"type": "relationship", "id": "relationship--4", "relationship_type": "mitigates", "source_ref": "course-of-action--m",
         "target_ref": "attack-pattern--c", "revoked": True},
        {"type": "malware", "id": "malware--x", "name": "Something"},
    ]
    return {"type": "bundle", "id": "bundle--1", "objects": objects, **extra}


def test_the_shipped_catalogue_is_loaded_after_migrate() -> None:
    assert Technique.objects.filter(platforms__contains=["Containers"]).count() >= 48 or Technique.objects.count() >= 48
    assert Tactic.objects.count() == 10
    assert AttackMitigation.objects.count() == 32
    release = AttackRelease.objects.get(version="19.1")
    assert release.object_counts["mitigates"] == 195
    escape = Technique.objects.get(attack_id="T1611")
    assert escape.name == "Escape to Host" and list(escape.tactics.values_list("shortname", flat=True)) == ["privilege-escalation"]
    assert Technique.objects.get(attack_id="T1552.007").parent == Technique.objects.get(attack_id="T1552")
    assert list(Tactic.objects.values_list("attack_id", flat=True))[:2] == ["TA0001", "TA0002"]  # the matrix's order


def test_it_imports_a_small_bundle_with_sub_techniques_revocations_and_deprecations() -> None:
    report = attack_catalogue_import(raw=json.dumps(small_bundle()).encode())
    assert (report.version, report.tactics, report.techniques, report.mitigations, report.mitigates) == ("99.0", 2, 4, 1, 1)
    assert report.skipped == {"malware": 1, "revoked or deprecated relationship": 1}
    child = Technique.objects.get(attack_id="T9000.001")
    assert child.parent is not None and child.parent.attack_id == "T9000"
    assert sorted(child.tactics.values_list("shortname", flat=True)) == ["alpha", "beta"]
    old = Technique.objects.get(attack_id="T9001")
    assert old.revoked and old.revoked_by is not None and old.revoked_by.attack_id == "T9000"
    assert Technique.objects.get(attack_id="T9002").deprecated
    assert Tactic.objects.get(attack_id="TA9002").order < Tactic.objects.get(attack_id="TA9001").order
    link = Mitigates.objects.get(stix_id="relationship--2")
    assert link.description == "Do the thing."


def test_importing_the_same_bundle_twice_changes_nothing() -> None:
    raw = json.dumps(small_bundle()).encode()
    attack_catalogue_import(raw=raw)
    before = (Technique.objects.count(), Mitigates.objects.count(), list(Technique.objects.values()))
    again = attack_catalogue_import(raw=raw)
    assert again.created == 0 and again.updated == 0
    assert (Technique.objects.count(), Mitigates.objects.count(), list(Technique.objects.values())) == before


def test_a_newer_bundle_updates_in_place() -> None:
    attack_catalogue_import(raw=json.dumps(small_bundle()).encode())
    newer = small_bundle()
    newer["objects"][0]["x_mitre_version"] = "99.1"
    newer["objects"][4]["name"] = "Parent, renamed"
    report = attack_catalogue_import(raw=json.dumps(newer).encode())
    assert report.updated == 1 and Technique.objects.get(attack_id="T9000").name == "Parent, renamed"
    assert AttackRelease.objects.filter(version="99.1").exists()


@pytest.mark.parametrize(
    ("raw", "fragment"),
    [(b"{nope", "not valid JSON"), (b'{"type": "nothing"}', "Not a STIX bundle"), (b"[" * 50_000, "not valid JSON")],
)
def test_a_bad_bundle_is_refused(raw: bytes, fragment: str) -> None:
    with pytest.raises(ValidationFailed) as info:
        attack_catalogue_import(raw=raw)
    assert fragment in info.value.message


def test_a_bundle_without_a_version_needs_one_named() -> None:
    bundle = small_bundle()
    bundle["objects"] = bundle["objects"][1:]
    with pytest.raises(ValidationFailed):
        parse_bundle(bundle)
    assert parse_bundle(bundle, version="1.0").version == "1.0"


def test_the_command_reports_what_it_loaded(tmp_path: Path) -> None:
    path = tmp_path / "b.json"
    path.write_text(json.dumps(small_bundle()))
    out = StringIO()
    call_command("import_attack", str(path), stdout=out)
    assert "ATT&CK 99.0: 2 tactics, 4 techniques, 1 mitigations" in out.getvalue()
    with pytest.raises(CommandError):
        call_command("import_attack", str(tmp_path / "missing.json"))


@pytest.mark.skipif(not SHARED_BUNDLE.is_file(), reason="../shared/data/attack is not here (a fresh clone without the shared folder)")
def test_the_real_bundle_in_shared_matches_the_manifest() -> None:
    report = attack_catalogue_import(raw=SHARED_BUNDLE.read_bytes(), version="19.1")
    # MANIFEST.md: 10 tactics, 48 techniques, 32 mitigations, 195 mitigates, 18 subtechnique-of.
    assert (report.tactics, report.techniques, report.mitigations, report.mitigates) == (10, 48, 32, 195)
    assert Technique.objects.filter(parent__isnull=False).count() == 18
    assert SHIPPED.read_bytes() == SHARED_BUNDLE.read_bytes()  # we ship exactly that bundle
