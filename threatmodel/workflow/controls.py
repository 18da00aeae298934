"""The controls catalogue: read from the shipped CSV file, and kept in the database for linking.

``catalogue()`` reads and checks the file (no database) so that anything — the rule library's
meta-tests, a report — can ask whether a control id exists. ``controls_sync()`` upserts the file
into ``Control`` rows; it never deletes a row, so a mitigation's link cannot dangle.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import transaction

from threatmodel.models import Control, ControlLayer, ControlPhase

CATALOGUE_FILE = Path(settings.BASE_DIR) / "fixtures" / "controls" / "controls.csv"
ATTRIBUTION = (
    "Derived from the CNCF TAG Security Cloud Native Security Whitepaper v2 and related TAG Security "
    "documents (cncf/tag-security), CC BY 4.0; adapted and summarised in our own words."
)
COLUMNS = ["id", "name", "phase", "layer", "stride", "summary", "refs"]
STRIDE_ORDER = "STRIDE"


class CatalogueError(ValueError):
    """The catalogue file is malformed; the message names the line and column."""


@dataclass(frozen=True)
class ControlSpec:
    control_id: str
    name: str
    phase: str
    layer: str
    stride: str
    summary: str
    refs: tuple[str, ...]

    def fields(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "phase": self.phase,
            "layer": self.layer,
            "stride": self.stride,
            "summary": self.summary,
            "refs": list(self.refs),
        }


def read_catalogue(path: Path) -> list[ControlSpec]:
    with path.open(encoding="utf-8", newline="") as handle:
        reader = csv.DictReader(handle)
        if reader.fieldnames != COLUMNS:
            raise CatalogueError(f"{path.name}: the header must be {','.join(COLUMNS)}")
        specs: list[ControlSpec] = []
        seen: set[str] = set()
        for line, row in enumerate(reader, start=2):
            where = f"{path.name} line {line}"
            control_id = (row["id"] or "").strip()
            if not control_id or control_id in seen:
                raise CatalogueError(f"{where}: id {control_id!r} is empty or repeated")
            seen.add(control_id)
            if row["phase"] not in ControlPhase.values:
                raise CatalogueError(f"{where}: phase {row['phase']!r} is not one of {', '.join(ControlPhase.values)}")
            if row["layer"] not in ControlLayer.values:
                raise CatalogueError(f"{where}: layer {row['layer']!r} is not one of {', '.join(ControlLayer.values)}")
            letters = row["stride"] or ""
            if not letters or any(ch not in STRIDE_ORDER for ch in letters) or letters != "".join(
                ch for ch in STRIDE_ORDER if ch in letters
            ):
                raise CatalogueError(f"{where}: stride {letters!r} must be STRIDE letters in STRIDE order")
            if not (row["name"] or "").strip() or not (row["summary"] or "").strip():
                raise CatalogueError(f"{where}: name and summary must not be empty")
            specs.append(
                ControlSpec(
                    control_id=control_id,
                    name=row["name"].strip(),
                    phase=row["phase"],
                    layer=row["layer"],
                    stride=letters,
                    summary=row["summary"].strip(),
                    refs=tuple(ref.strip() for ref in (row["refs"] or "").split(";") if ref.strip()),
                )
            )
    return specs


@cache
def catalogue() -> dict[str, ControlSpec]:
    """The shipped catalogue by id (read once per process)."""
    return {spec.control_id: spec for spec in read_catalogue(CATALOGUE_FILE)}


def controls_sync(path: Path | None = None) -> dict[str, int]:
    """Upsert the catalogue into ``Control`` rows; answer how many were created and updated."""
    specs = read_catalogue(path) if path is not None else list(catalogue().values())
    created = updated = 0
    with transaction.atomic():
        existing = {row.control_id: row for row in Control.objects.select_for_update()}
        for spec in specs:
            row = existing.get(spec.control_id)
            if row is None:
                Control.objects.create(control_id=spec.control_id, **spec.fields())
                created += 1
                continue
            fields = spec.fields()
            if any(getattr(row, name) != value for name, value in fields.items()):
                for name, value in fields.items():
                    setattr(row, name, value)
                row.save()
                updated += 1
    return {"created": created, "updated": updated, "total": len(specs)}
