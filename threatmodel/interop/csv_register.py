"""The threat register as CSV, for spreadsheets and trackers.

"Residual risk" is the verified residual (only verified mitigations count); "Projected residual
risk" counts the planned ones too. Spreadsheets run a cell that starts with ``=``, ``+``, ``-`` or ``@`` (and, in some, a tab or
carriage return) as a formula, so a threat titled ``=HYPERLINK(…)`` would become a live link or
worse. Every text cell that starts with one of those characters (or their full-width forms) gets
a leading apostrophe, which spreadsheets show as text and never evaluate. Numbers stay numbers.
The file starts with a UTF-8 byte-order mark so Excel reads accents and CJK correctly.
"""

from __future__ import annotations

import csv
import io
from typing import TYPE_CHECKING

from threatmodel.reporting import data
from threatmodel.reporting.register import threat_register

if TYPE_CHECKING:
    from threatmodel.models import ThreatModel

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "\n", "＝", "＋", "－", "＠")
COLUMNS = [
    "Rank",
    "Fingerprint",
    "STRIDE",
    "STRIDE category",
    "Title",
    "Target kind",
    "Target key",
    "Target name",
    "Status",
    "Likelihood",
    "Impact",
    "Inherent risk",
    "Projected residual risk",
    "Residual risk",
    "Band",
    "ATT&CK techniques",
    "Mitigations",
    "Decision",
    "Owner",
    "Origin",
    "Rule",
    "Description",
    "Why it applies",
    "What to do",
    "Suggested controls",
    "ATT&CK mitigations",
    "ATT&CK technique links",
    "Notes",
]


def neutralise(value: object) -> object:
    """A cell value that no spreadsheet will evaluate as a formula."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def csv_register(model: ThreatModel) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(COLUMNS)
    for row in threat_register(model):
        cells: list[object] = [
            row.rank,
            row.fingerprint,
            row.stride,
            row.stride_label,
            row.title,
            row.target_kind.replace("_", " "),
            row.target_key,
            row.target_name,
            row.status_label,
            row.risk.likelihood if row.risk.likelihood is not None else "",
            row.risk.impact if row.risk.impact is not None else "",
            row.risk.inherent if row.risk.inherent is not None else "",
            row.risk.projected if row.risk.projected is not None else "",
            row.risk.residual if row.risk.residual is not None else "",
            data.BAND_LABELS.get(row.risk.band or "", ""),
            "; ".join(f"{attack_id} {name}" for attack_id, name in row.techniques),
            "; ".join(f"{ref.name} ({ref.status})" for ref in row.mitigations),
            row.decision,
            row.owner,
            row.origin,
            row.rule_id,
            row.description_text,
            "; ".join(row.explained.why),
            row.explained.fix,
            "; ".join(c.label() for c in row.explained.controls),
            "; ".join(m.label() for m in row.explained.attack_mitigations),
            " ".join(t.url for t in row.explained.techniques if t.url),
            row.notes,
        ]
        writer.writerow([neutralise(cell) for cell in cells])
    return out.getvalue()


def csv_export_bytes(model: ThreatModel) -> bytes:
    return ("\ufeff" + csv_register(model)).encode("utf-8")
