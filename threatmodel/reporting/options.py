"""Report options: the paper sizes a report can be printed on (our names to CSS page size names).

The CSS page size is written from this table only, never from request text.
"""

from __future__ import annotations

PAPER_SIZES = {"a4": "A4", "letter": "letter"}
