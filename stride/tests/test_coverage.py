"""The STRIDE-per-element coverage matrix."""

from __future__ import annotations

import pytest

from conftest import World
from stride.coverage import Target, coverage_cells, coverage_for, letters_for
from stride.models import CoverageNote, Threat


@pytest.mark.parametrize(
    ("kind", "props", "letters"),
    [("external_entity", {}, "SR"), ("process", {}, "STRIDE"), ("data_store", {}, "TID"),
     ("data_store", {"is_log": True}, "TRID"), ("data_store", {"is_log": "unknown"}, "TID"), ("flow", {}, "TID"),
     ("trust_boundary", {}, "")],
)
def test_letters_follow_microsofts_chart(kind: str, props: dict[str, object], letters: str) -> None:
    assert letters_for(kind, props) == letters


def test_a_cell_is_covered_by_a_live_threat_or_a_note() -> None:
    cells = coverage_cells(
        [Target("user", "external_entity", "User"), Target("f1", "flow", "HTTPS")],
        [(1, "user", "S", "open"), (2, "user", "R", "obsolete"), (3, "f1", "T", "mitigated")],
        {("f1", "D"): "Rate limited by the CDN"},
    )
    state = {(c.target, c.stride): (c.threats, c.note, c.covered) for c in cells}
    assert state == {
        ("user", "S"): ((1,), None, True),
        ("user", "R"): ((), None, False),  # an obsolete threat no longer covers its cell
        ("f1", "T"): ((3,), None, True),
        ("f1", "I"): ((), None, False),
        ("f1", "D"): ((), "Rate limited by the CDN", True),
    }


@pytest.mark.django_db
def test_coverage_of_a_model(world: World) -> None:
    Threat.objects.create(threat_model=world.model, fingerprint="x@web", stride="E", title="t", element_key="web")
    CoverageNote.objects.create(threat_model=world.model, target_key="user", stride="S", reason="SSO")
    cells = coverage_for(world.model.pk)
    assert len(cells) == 2 + 6 + 3 + 3 + 3  # user, web, db, f1, f2
    covered = {(c.target, c.stride) for c in cells if c.covered}
    assert covered == {("web", "E"), ("user", "S")}
