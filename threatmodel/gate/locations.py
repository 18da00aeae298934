"""Where in the input files a finding's subject was declared: file and line, for SARIF.

Translations say where each element came from as text (``deploy.yaml, document 3 (Deployment
shop/web)`` for manifests, a JSON path for model files). For a YAML stream the gate turns the
document number into the line the document starts on, by scanning the stream's events with the
safe parser (no objects are built), so code scanning can point at the manifest itself.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

import yaml

from threatmodel.interop.sources import SourceFile

_PLACE = re.compile(r"^(?P<file>.+?), document (?P<document>\d+)\b")
_LOADER: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


@dataclass(frozen=True)
class Place:
    file: str
    line: int | None = None  # 1-based start line of the subject's document, when known


def document_lines(raw: bytes) -> list[int]:
    """The 1-based line on which each document of a YAML stream starts (empty when it is not YAML)."""
    lines: list[int] = []
    try:
        for event in yaml.parse(raw.decode("utf-8", errors="replace"), Loader=_LOADER):
            if isinstance(event, yaml.DocumentStartEvent) and event.start_mark is not None:
                lines.append(event.start_mark.line + 1)
    except yaml.YAMLError:
        return lines
    return lines


class Locator:
    """Maps a translation's origin text to a file and line among the files the gate was given."""

    def __init__(self, files: Sequence[SourceFile]) -> None:
        self._raw = {f.name: f.raw for f in files}
        self._lines: dict[str, list[int]] = {}
        self._only = files[0].name if len(files) == 1 else ""

    def place(self, origin: str) -> Place | None:
        match = _PLACE.match(origin)
        if match is None or match["file"] not in self._raw:
            return Place(self._only) if self._only else None
        name = match["file"]
        if name not in self._lines:
            self._lines[name] = document_lines(self._raw[name])
        starts = self._lines[name]
        index = int(match["document"]) - 1
        return Place(name, starts[index] if 0 <= index < len(starts) else None)
