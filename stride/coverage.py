"""The STRIDE coverage matrix: every element (and flow) × applicable letter, and what covers it.

Microsoft's STRIDE-per-element chart says which letters apply to which kind of element: an
external entity S R; a process S T R I D E; a data store T I D, and R when it holds logs; a data
flow T I D. A cell is covered by a live threat on that target and letter, or by a person's
coverage note ("considered, none because …"). The break gate asks that no cell is left open.

``coverage_cells`` is pure (plain data in, plain data out); ``coverage_for`` loads a model's data
in a fixed number of queries and calls it.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from stride.chart import letters_for

__all__ = ["Cell", "Target", "coverage_cells", "coverage_for", "letters_for"]

# A threat in these statuses does not cover its cell: it no longer applies.
NOT_COVERING = {"obsolete"}


@dataclass(frozen=True)
class Target:
    key: str
    kind: str  # an element kind or "flow"
    name: str
    properties: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Cell:
    target: str
    kind: str
    name: str
    stride: str
    threats: tuple[int, ...]
    note: str | None

    @property
    def covered(self) -> bool:
        return bool(self.threats) or self.note is not None

    def as_dict(self) -> dict[str, Any]:
        return {
            "target": self.target,
            "kind": self.kind,
            "name": self.name,
            "stride": self.stride,
            "threats": list(self.threats),
            "note": self.note,
            "covered": self.covered,
        }


def coverage_cells(
    targets: Iterable[Target],
    threats: Iterable[tuple[int, str, str, str]],
    notes: Mapping[tuple[str, str], str],
) -> list[Cell]:
    """Cells in a stable order (targets as given, letters in STRIDE order).

    ``threats`` are ``(id, target_key, stride, status)``; a threat on a flow counts for the flow's
    key, one on an element for the element's key. ``notes`` map ``(target_key, stride)`` to the reason.
    """
    by_cell: dict[tuple[str, str], list[int]] = defaultdict(list)
    for threat_id, key, letter, status in threats:
        if key and status not in NOT_COVERING:
            by_cell[(key, letter)].append(threat_id)
    cells = []
    for target in targets:
        for letter in letters_for(target.kind, target.properties):
            cells.append(
                Cell(
                    target=target.key,
                    kind=target.kind,
                    name=target.name,
                    stride=letter,
                    threats=tuple(sorted(by_cell.get((target.key, letter), ()))),
                    note=notes.get((target.key, letter)),
                )
            )
    return cells


def coverage_for(model_id: int) -> list[Cell]:
    """The coverage matrix of a threat model, from the database (five queries)."""
    from dfd.selectors import model_diagrams
    from stride.models import CoverageNote, Threat

    diagrams = model_diagrams(model_id)
    names = {el.key: el.name for d in diagrams for el in d.state.elements.values()}
    targets = [
        Target(el.key, el.kind, el.name, el.properties)
        for d in diagrams
        for el in sorted(d.state.elements.values(), key=lambda e: e.key)
        if el.kind != "trust_boundary"
    ]
    targets += [
        Target(fl.key, "flow", fl.label or f"{names.get(fl.source, fl.source)} → {names.get(fl.target, fl.target)}", fl.properties)
        for d in diagrams
        for fl in sorted(d.state.flows.values(), key=lambda f: f.key)
    ]
    threats = [
        (row["id"], row["flow_key"] or row["element_key"], row["stride"], row["status"])
        for row in Threat.objects.filter(threat_model_id=model_id).values("id", "element_key", "flow_key", "stride", "status")
    ]
    notes = {
        (row["target_key"], row["stride"]): row["reason"]
        for row in CoverageNote.objects.filter(threat_model_id=model_id).values("target_key", "stride", "reason")
    }
    return coverage_cells(targets, threats, notes)
