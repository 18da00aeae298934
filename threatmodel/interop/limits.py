"""One set of limits for every import format, so a file is refused the same way whatever tool wrote it.

* **Characters.** No string of a file — a value or an object's key, at any depth — may hold a NUL
  character or a lone surrogate (half of a UTF-16 pair, which JSON's ``\\ud800`` and YAML's
  escapes can produce: it is not a character, PostgreSQL cannot store it, and an unchecked one
  answered 500). ``refuse_bad_strings`` walks the parsed document before any translator reads it
  and names each place in the file (``detail.diagrams[0].cells[3].data.name``). XML needs no walk:
  its parser already refuses both (``&#0;`` and ``&#xD800;`` are not characters in XML).
* **Lengths.** Names, labels, protocols and descriptions keep the diagram's limits
  (``dfd.limits``), threat and mitigation texts the model's (below). Other tools' files are no
  longer cut to fit: a text over its limit is refused, like in a native file, at the place in the
  source file it came from.
* **Counts.** One import holds at most ``MAX_ELEMENTS`` elements (boundaries included) and
  ``MAX_FLOWS`` flows over all its diagrams, ``MAX_DIAGRAMS`` diagrams and ``MAX_THREATS`` threats.
  The native checker and the builder other formats translate through refuse with the same words.

* **Shape.** No file nests deeper than ``MAX_DEPTH`` or holds more than ``MAX_VALUES`` values
  (JSON; the API's own bounds too) or ``MAX_YAML_VALUES`` (YAML, aliases expanded: libyaml's
  events cost Python about 2 µs each, so the bound that keeps a refusal near one second is lower,
  and real OTM files hold a few thousand values); all are checked while reading, before anything
  is built (``common.bounded`` for JSON, ``safe_parse`` for YAML).

What else bounds the parsing itself — bytes, archives, YAML aliases and tags — is ``safe_parse``'s.
"""

from __future__ import annotations

from typing import Any

from common.bounded import MAX_DEPTH, MAX_PROBLEMS, MAX_VALUES, string_problems, text_problem
from common.errors import ValidationFailed
from dfd.limits import DESCRIPTION_MAX, LABEL_MAX, NAME_MAX, PROTOCOL_MAX

MAX_DIAGRAMS = 200
MAX_YAML_VALUES = 500_000
MAX_ELEMENTS = 100_000
MAX_FLOWS = 200_000
MAX_THREATS = 100_000
TITLE_MAX = 300  # a threat's or a mitigation's title
LONG_TEXT_MAX = 20_000  # a model's description, scope and assumptions; a threat's description, notes, rationale

__all__ = [
    "DESCRIPTION_MAX",
    "LABEL_MAX",
    "LONG_TEXT_MAX",
    "MAX_DEPTH",
    "MAX_DIAGRAMS",
    "MAX_ELEMENTS",
    "MAX_FLOWS",
    "MAX_PROBLEMS",
    "MAX_THREATS",
    "MAX_VALUES",
    "MAX_YAML_VALUES",
    "NAME_MAX",
    "PROTOCOL_MAX",
    "TITLE_MAX",
    "count_problem",
    "refuse_bad_strings",
    "string_problems",
    "text_problem",
]


def count_problem(what: str, most: int) -> str:
    """The one wording of a count limit, for the native checker and the builder alike."""
    return f"an import holds at most {most} {what}; this file has more"


def refuse_bad_strings(document: Any, path: str = "") -> None:
    problems = string_problems(document, path)
    if problems:
        raise ValidationFailed(
            f"The file has {len(problems)} text(s) that cannot be stored (NUL characters or lone surrogates); nothing was imported.",
            details=problems,
        )
