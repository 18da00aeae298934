"""Reading manifest files from the shared corpus (``../shared/data/manifests``) into a wanted diagram state."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from dfd.ops import DiagramState
from threatmodel.interop.manifests.formats import parse_compose, parse_manifests, wanted_state
from threatmodel.interop.sources import SourceDocument, SourceFile
from threatmodel.tests.shared_data import DATA, MISSING

MANIFESTS = DATA / "manifests"


def corpus(*relative: str) -> list[Path]:
    if not MANIFESTS.is_dir():
        pytest.skip(MISSING)
    paths = [MANIFESTS / name for name in relative]
    missing = [str(path) for path in paths if not path.is_file()]
    if missing:
        pytest.skip(f"kept aside for validation or absent: {', '.join(missing)}")
    return paths


def documents(fmt: str, files: list[tuple[str, bytes]]) -> list[SourceDocument]:
    parse = parse_compose if fmt == "compose" else parse_manifests
    return [document for name, raw in files for document in parse(SourceFile(name, raw))]


def state_of(fmt: str, *relative: str) -> tuple[DiagramState, list[str]]:
    files = [(path.name, path.read_bytes()) for path in corpus(*relative)]
    state, _, warnings, _ = wanted_state(fmt, documents(fmt, files))
    return state, warnings


def state_from_text(fmt: str, text: str, name: str = "inline.yaml") -> tuple[DiagramState, list[str]]:
    state, _, warnings, _ = wanted_state(fmt, documents(fmt, [(name, text.encode())]))
    return state, warnings


def props(state: DiagramState, key: str) -> dict[str, Any]:
    assert key in state.elements, f"{key} not in {sorted(state.elements)}"
    return dict(state.elements[key].properties)


def pairs(state: DiagramState) -> set[tuple[str, str]]:
    return {(flow.source, flow.target) for flow in state.flows.values()}
