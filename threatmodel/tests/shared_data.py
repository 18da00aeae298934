"""The real files in ``../shared/data`` and the counts their MANIFEST.md tables give, for the import tests.

The tables are read, not copied: a file listed in a manifest but absent from the folder (some are
kept aside for validation) is simply not offered, and a test over the folder skips with a message
when ``../shared`` is not there (a fresh clone without it still passes).
"""

from __future__ import annotations

import os
import re
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings

# Beside the repository by default; THREATMODEL_SHARED_DIR points elsewhere (a git worktree one level deeper).
SHARED = Path(os.environ.get("THREATMODEL_SHARED_DIR") or Path(settings.BASE_DIR) / ".." / "shared").resolve()
DATA = SHARED / "data"
MISSING = f"the shared data folder {DATA} is not here (it sits beside the repository in development and CI)"


@dataclass(frozen=True)
class Expected:
    path: Path
    kind: str  # "import" or "refuse"
    format: str  # our import format name, or "" to let the server detect it
    diagrams: int | None = None
    elements: int = 0
    boundaries: int = 0
    flows: int = 0
    threats: int = 0
    threats_by_stride: dict[str, int] = field(default_factory=dict)
    refusal: str = ""  # a fragment the error must contain
    note: str = ""

    @property
    def id(self) -> str:
        return str(self.path.relative_to(DATA))


def _rows(manifest: Path) -> list[list[str]]:
    rows = []
    for line in manifest.read_text(encoding="utf-8").splitlines():
        if not line.startswith("|") or set(line.replace("|", "").strip()) <= {"-", " "}:
            continue
        rows.append([cell.strip() for cell in line.strip().strip("|").split("|")])
    return rows


def _counts(text: str) -> Counter[str]:
    counts: Counter[str] = Counter()
    for name, number in re.findall(r"([A-Za-z.][A-Za-z. ]*?)\s*[= ]\s*(\d+)", text):
        counts[name.strip()] += int(number)
    return counts


def _int(text: str) -> int:
    match = re.match(r"\s*(\d+)", text)
    return int(match.group(1)) if match else 0


def threat_dragon_files() -> list[Expected]:
    folder = DATA / "threat-dragon"
    expected = []
    for row in _rows(folder / "MANIFEST.md"):
        if not row[0].isdigit():
            continue
        path = folder / row[1].strip("`")
        if not path.is_file():
            continue
        fmt, kinds, notes = row[4], _counts(row[8]), row[11]
        if fmt.startswith("TD v") or fmt.startswith("TD template"):
            expected.append(
                Expected(
                    path,
                    "import",
                    "threat-dragon",
                    diagrams=_int(row[5]),
                    elements=kinds["tm.Actor"] + kinds["tm.Process"] + kinds["tm.Store"],
                    boundaries=kinds["tm.Boundary"] + kinds["tm.BoundaryBox"],
                    flows=kinds["tm.Flow"],
                    threats=_int(row[7]),
                    note=notes,
                )
            )
        elif fmt.startswith("OTM"):
            expected.append(
                Expected(
                    path,
                    "import",
                    "otm",
                    elements=kinds["components"],
                    boundaries=kinds["trustZones"],
                    flows=kinds["dataflows"],
                    threats=_int(row[7]),
                    note=notes,
                )
            )
        elif fmt.startswith("malformed"):
            missing = "summary" if "summarize" in fmt else "detail"
            expected.append(Expected(path, "refuse", "", refusal=missing, note=fmt))
        else:  # TM-BOM, CycloneDX, fragments: not an import format of ours
            expected.append(Expected(path, "refuse", "", refusal="", note=fmt))
    return expected


def otm_files() -> list[Expected]:
    folder = DATA / "otm"
    expected = []
    for row in _rows(folder / "MANIFEST.md"):
        if len(row) < 16 or not row[0].startswith("`"):
            continue
        path = folder / row[0].strip("`")
        if not path.is_file() or path.name == "otm_schema.json":
            continue
        valid, notes = row[11], row[15]
        if valid == "yes" and "NOT declared" not in notes and "dangling" not in notes:
            expected.append(
                Expected(
                    path,
                    "import",
                    "otm",
                    elements=_int(row[4]),
                    boundaries=_int(row[3]),
                    flows=_int(row[5]),
                    threats=_int(row[10]),
                    note=notes,
                )
            )
        elif valid == "yes":
            expected.append(Expected(path, "refuse", "otm", refusal="is not in the file's threats catalogue", note=notes))
        elif "otmVersion" in valid:
            expected.append(Expected(path, "refuse", "otm", refusal="otmVersion", note=notes or valid))
        else:
            expected.append(Expected(path, "refuse", "otm", refusal="empty", note=notes or valid))
    return expected


def tmt_files() -> list[Expected]:
    folder = DATA / "tmt"
    expected = []
    for row in _rows(folder / "MANIFEST.md"):
        if not row[0].startswith("`"):
            continue
        path = folder / row[0].strip("`")
        if not path.is_file():
            continue
        kinds = _counts(row[8])
        by_stride = {letter: number for letter, number in _counts(row[10]).items() if letter in "STRIDE"}
        expected.append(
            Expected(
                path,
                "import",
                "tmt",
                diagrams=_int(row[7]),
                elements=kinds["EI"] + kinds["P"] + kinds["DS"],
                boundaries=kinds["TB.B"] + kinds["TB.L"],
                flows=kinds["DF"],
                threats=_int(row[9]),
                threats_by_stride=by_stride,
                note=row[11],
            )
        )
    return expected
