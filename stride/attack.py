"""Load a MITRE ATT&CK STIX 2.1 bundle into the catalogue tables, idempotently.

``parse_bundle`` is pure: it reads tactics (ordered as the matrix lists them), techniques and
sub-techniques (with their tactics, platforms, and revoked/deprecated flags), mitigations, and the
``mitigates``, ``subtechnique-of`` and ``revoked-by`` relationships, and says what it skipped.
``attack_catalogue_import`` upserts them by STIX id in one transaction, so running it twice on the
same bundle changes nothing, and records the ATT&CK version it loaded.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction

from common.errors import ValidationFailed
from stride.models import AttackMitigation, AttackRelease, Mitigates, Tactic, Technique

MAX_BUNDLE_BYTES = 200 * 1024 * 1024


@dataclass
class ParsedBundle:
    version: str
    domain: str
    tactics: list[dict[str, Any]] = field(default_factory=list)
    techniques: list[dict[str, Any]] = field(default_factory=list)
    mitigations: list[dict[str, Any]] = field(default_factory=list)
    mitigates: list[dict[str, Any]] = field(default_factory=list)
    parents: dict[str, str] = field(default_factory=dict)  # sub-technique stix id -> parent stix id
    revoked_by: dict[str, str] = field(default_factory=dict)
    skipped: dict[str, int] = field(default_factory=dict)


_ATTACK_CHAINS = ("mitre-attack", "mitre-mobile-attack", "mitre-ics-attack")


def _attack_ref(obj: dict[str, Any]) -> tuple[str, str]:
    for ref in obj.get("external_references", []):
        if ref.get("source_name") in _ATTACK_CHAINS and ref.get("external_id"):
            return str(ref["external_id"]), str(ref.get("url", ""))
    return "", ""


def parse_bundle(data: Any, *, version: str | None = None) -> ParsedBundle:
    """Read a STIX bundle (already parsed JSON). ``version`` overrides the collection's version."""
    if not isinstance(data, dict) or data.get("type") != "bundle" or not isinstance(data.get("objects"), list):
        raise ValidationFailed("Not a STIX bundle.", details=[{"path": "$", "message": "expected an object with type 'bundle' and objects"}])
    objects = [obj for obj in data["objects"] if isinstance(obj, dict)]
    collection = next((obj for obj in objects if obj.get("type") == "x-mitre-collection"), None)
    found_version = version or (str(collection.get("x_mitre_version")) if collection else "")
    if not found_version:
        raise ValidationFailed(
            "The bundle does not say which ATT&CK version it is; pass it explicitly.",
            details=[{"path": "x-mitre-collection.x_mitre_version", "message": "missing"}],
        )
    matrix = next((obj for obj in objects if obj.get("type") == "x-mitre-matrix"), None)
    domain = "enterprise-attack"
    if matrix is not None:
        domain = _attack_ref(matrix)[0] or domain
    parsed = ParsedBundle(version=found_version, domain=domain)
    order = {ref: index for index, ref in enumerate(matrix.get("tactic_refs", []))} if matrix else {}
    skipped: dict[str, int] = {}
    for obj in objects:
        kind = obj.get("type")
        reader = _READERS.get(str(kind))
        if reader is not None:
            reason = reader(parsed, obj, order)
        else:
            reason = None if kind in ("identity", "marking-definition", "x-mitre-matrix", "x-mitre-collection") else str(kind)
        if reason:
            skipped[reason] = skipped.get(reason, 0) + 1
    parsed.skipped = skipped
    return parsed


def _read_tactic(parsed: ParsedBundle, obj: dict[str, Any], order: dict[str, int]) -> str | None:
    attack_id, url = _attack_ref(obj)
    parsed.tactics.append(
        {
            "stix_id": obj["id"],
            "attack_id": attack_id,
            "name": obj.get("name", ""),
            "shortname": obj.get("x_mitre_shortname", ""),
            "description": obj.get("description", ""),
            "order": order.get(obj["id"], 1000),
            "url": url,
        }
    )
    return None


def _read_technique(parsed: ParsedBundle, obj: dict[str, Any], order: dict[str, int]) -> str | None:
    attack_id, url = _attack_ref(obj)
    if not attack_id:
        return "attack-pattern without an ATT&CK id"
    parsed.techniques.append(
        {
            "stix_id": obj["id"],
            "attack_id": attack_id,
            "name": obj.get("name", ""),
            "description": obj.get("description", ""),
            "platforms": list(obj.get("x_mitre_platforms", [])),
            "url": url,
            "revoked": bool(obj.get("revoked", False)),
            "deprecated": bool(obj.get("x_mitre_deprecated", False)),
            "tactics": [phase["phase_name"] for phase in obj.get("kill_chain_phases", []) if phase.get("kill_chain_name") in _ATTACK_CHAINS],
        }
    )
    return None


def _read_mitigation(parsed: ParsedBundle, obj: dict[str, Any], order: dict[str, int]) -> str | None:
    attack_id, url = _attack_ref(obj)
    if not attack_id:
        return "course-of-action without an ATT&CK id"
    parsed.mitigations.append(
        {
            "stix_id": obj["id"],
            "attack_id": attack_id,
            "name": obj.get("name", ""),
            "description": obj.get("description", ""),
            "url": url,
            "deprecated": bool(obj.get("x_mitre_deprecated", False) or obj.get("revoked", False)),
        }
    )
    return None


def _read_relationship(parsed: ParsedBundle, obj: dict[str, Any], order: dict[str, int]) -> str | None:
    rel = obj.get("relationship_type")
    if obj.get("revoked") or obj.get("x_mitre_deprecated"):
        return "revoked or deprecated relationship"
    if rel == "mitigates":
        parsed.mitigates.append(
            {"stix_id": obj["id"], "source": obj["source_ref"], "target": obj["target_ref"], "description": obj.get("description", "")}
        )
    elif rel == "subtechnique-of":
        parsed.parents[obj["source_ref"]] = obj["target_ref"]
    elif rel == "revoked-by":
        parsed.revoked_by[obj["source_ref"]] = obj["target_ref"]
    else:
        return f"{rel} relationship"
    return None


# Each STIX object type the catalogue keeps, with its reader; a reader answers why it skipped an object, or None.
_READERS: dict[str, Callable[[ParsedBundle, dict[str, Any], dict[str, int]], str | None]] = {
    "x-mitre-tactic": _read_tactic,
    "attack-pattern": _read_technique,
    "course-of-action": _read_mitigation,
    "relationship": _read_relationship,
}


@dataclass(frozen=True)
class ImportReport:
    version: str
    tactics: int
    techniques: int
    mitigations: int
    mitigates: int
    created: int
    updated: int
    unchanged: int
    skipped: dict[str, int]


def attack_catalogue_import(*, raw: bytes, version: str | None = None) -> ImportReport:
    """Load a bundle's bytes into the catalogue (upsert by STIX id); the same bundle twice changes nothing."""
    if len(raw) > MAX_BUNDLE_BYTES:
        raise ValidationFailed("The bundle is too large.", details=[{"path": "$", "message": f"at most {MAX_BUNDLE_BYTES} bytes"}])
    try:
        data = json.loads(raw)
    except (json.JSONDecodeError, UnicodeDecodeError, RecursionError) as exc:
        raise ValidationFailed("The bundle is not valid JSON.", details=[{"path": "$", "message": str(exc)[:200]}]) from exc
    parsed = parse_bundle(data, version=version)
    counts = {"created": 0, "updated": 0, "unchanged": 0}
    with transaction.atomic():
        tactic_ids: dict[str, int] = {}
        for row in parsed.tactics:
            tactic, outcome = _upsert(Tactic, row, ("attack_id", "name", "shortname", "description", "order", "url"))
            counts[outcome] += 1
            tactic_ids[row["shortname"]] = tactic.pk
        techniques: dict[str, Technique] = {}
        for row in parsed.techniques:
            technique, outcome = _upsert(
                Technique, row, ("attack_id", "name", "description", "platforms", "url", "revoked", "deprecated")
            )
            counts[outcome] += 1
            techniques[row["stix_id"]] = technique
            wanted = sorted(tactic_ids[name] for name in row["tactics"] if name in tactic_ids)
            if sorted(technique.tactics.values_list("id", flat=True)) != wanted:
                technique.tactics.set(wanted)
        for stix_id, technique in techniques.items():
            parent = techniques.get(parsed.parents.get(stix_id, ""))
            replacement = techniques.get(parsed.revoked_by.get(stix_id, ""))
            changed = []
            if technique.parent_id != (parent.pk if parent else None):
                technique.parent = parent
                changed.append("parent")
            if technique.revoked_by_id != (replacement.pk if replacement else None):
                technique.revoked_by = replacement
                changed.append("revoked_by")
            if changed:
                technique.save(update_fields=changed)
        mitigations: dict[str, AttackMitigation] = {}
        for row in parsed.mitigations:
            mitigation, outcome = _upsert(AttackMitigation, row, ("attack_id", "name", "description", "url", "deprecated"))
            counts[outcome] += 1
            mitigations[row["stix_id"]] = mitigation
        links = 0
        for row in parsed.mitigates:
            mitigation = mitigations.get(row["source"])
            technique = techniques.get(row["target"])
            if mitigation is None or technique is None:
                continue
            link = Mitigates.objects.filter(stix_id=row["stix_id"]).first()
            values = {"mitigation_id": mitigation.pk, "technique_id": technique.pk, "description": row["description"]}
            if link is None:
                Mitigates.objects.create(stix_id=row["stix_id"], **values)
            elif any(getattr(link, name) != value for name, value in values.items()):
                Mitigates.objects.filter(pk=link.pk).update(**values)
            links += 1
        AttackRelease.objects.update_or_create(
            domain=parsed.domain,
            version=parsed.version,
            source_sha256=hashlib.sha256(raw).hexdigest(),
            defaults={
                "object_counts": {
                    "tactics": len(parsed.tactics),
                    "techniques": len(parsed.techniques),
                    "mitigations": len(parsed.mitigations),
                    "mitigates": links,
                },
            },
        )
    return ImportReport(
        version=parsed.version,
        tactics=len(parsed.tactics),
        techniques=len(parsed.techniques),
        mitigations=len(parsed.mitigations),
        mitigates=links,
        created=counts["created"],
        updated=counts["updated"],
        unchanged=counts["unchanged"],
        skipped=parsed.skipped,
    )


def _upsert(model: Any, row: dict[str, Any], fields: tuple[str, ...]) -> tuple[Any, str]:
    """Create or update by STIX id; an unchanged row is not written. Says which it was."""
    obj = model.objects.filter(stix_id=row["stix_id"]).first()
    if obj is None:
        return model.objects.create(stix_id=row["stix_id"], **{name: row[name] for name in fields}), "created"
    changed = [name for name in fields if getattr(obj, name) != row[name]]
    if not changed:
        return obj, "unchanged"
    for name in changed:
        setattr(obj, name, row[name])
    obj.save(update_fields=changed)
    return obj, "updated"


SHIPPED_DIR_NAME = "attack"
SHIPPED_BUNDLE = "enterprise-attack-containers.json"
SHIPPED_VERSION = "19.1"  # the Enterprise release the shipped Containers subset was cut from


def shipped_catalogue_load(base_dir: Any) -> ImportReport | None:
    """Load the catalogue the product ships (fixtures/attack/) unless that exact file is loaded already."""
    from pathlib import Path

    path = Path(base_dir) / "fixtures" / SHIPPED_DIR_NAME / SHIPPED_BUNDLE
    raw = path.read_bytes()
    if AttackRelease.objects.filter(source_sha256=hashlib.sha256(raw).hexdigest()).exists():
        return None
    return attack_catalogue_import(raw=raw, version=SHIPPED_VERSION)
