"""An upload as the importers see it: files as bytes, and the documents parsed from them.

Apart from the registry so that a format's own reader (``manifests``) can build documents without
importing the registry that lists it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

Syntax = Literal["json", "yaml", "xml"]


@dataclass(frozen=True)
class SourceFile:
    """One uploaded file, as bytes (the size was bounded before it was read)."""

    name: str
    raw: bytes


@dataclass(frozen=True)
class SourceDocument:
    """One parsed document of an upload: its syntax, the parsed value and the file it came from."""

    syntax: Syntax
    value: Any
    file: str = ""
    index: int = 1  # the document's position in its file (a YAML stream holds several)


__all__ = ["SourceDocument", "SourceFile", "Syntax"]
