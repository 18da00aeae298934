"""Report options: the paper sizes a report can be printed on (CSS page size names)."""

from __future__ import annotations

PAPER_SIZES = {"a4": "A4", "letter": "letter"}
DEFAULT_PAPER = "a4"
