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

What bounds the parsing itself — bytes, nesting depth, YAML aliases — is ``safe_parse``'s.
"""

from __future__ import annotations

import json
import re
from typing import Any

from common.errors import ErrorDetail, ValidationFailed
from dfd.limits import DESCRIPTION_MAX, LABEL_MAX, NAME_MAX, PROTOCOL_MAX

MAX_DIAGRAMS = 200
MAX_ELEMENTS = 100_000
MAX_FLOWS = 200_000
MAX_THREATS = 100_000
TITLE_MAX = 300  # a threat's or a mitigation's title
LONG_TEXT_MAX = 20_000  # a model's description, scope and assumptions; a threat's description, notes, rationale
MAX_PROBLEMS = 100

__all__ = [
    "DESCRIPTION_MAX",
    "LABEL_MAX",
    "LONG_TEXT_MAX",
    "MAX_DIAGRAMS",
    "MAX_ELEMENTS",
    "MAX_FLOWS",
    "MAX_THREATS",
    "NAME_MAX",
    "PROTOCOL_MAX",
    "TITLE_MAX",
    "count_problem",
    "refuse_bad_strings",
    "string_problems",
    "text_problem",
]

_PLAIN_KEY = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


def text_problem(text: str) -> str | None:
    """Why ``text`` cannot be stored, or None: a NUL character, or a lone surrogate."""
    if "\x00" in text:
        return f"must not contain NUL characters (the first is at character {text.index(chr(0)) + 1})"
    try:
        text.encode("utf-8")
    except UnicodeEncodeError as exc:
        return f"must not contain a lone surrogate (U+{ord(text[exc.start]):04X} at character {exc.start + 1}): it is not a character"
    return None


def count_problem(what: str, most: int) -> str:
    """The one wording of a count limit, for the native checker and the builder alike."""
    return f"an import holds at most {most} {what}; this file has more"


def _child_path(path: str, key: object) -> str:
    name = str(key)
    if _PLAIN_KEY.match(name):
        return f"{path}.{name}" if path else name
    return f"{path}[{json.dumps(name[:60], ensure_ascii=True)}]"


def string_problems(document: Any, path: str = "") -> list[ErrorDetail]:
    """Every string of a parsed JSON/YAML document that ``text_problem`` refuses, with its path, in document order."""
    problems: list[ErrorDetail] = []
    stack: list[tuple[Any, str]] = [(document, path)]
    while stack and len(problems) < MAX_PROBLEMS:
        value, where = stack.pop()
        if isinstance(value, str):
            message = text_problem(value)
            if message:
                problems.append({"path": where or "$", "message": message})
        elif isinstance(value, dict):
            children = []
            for key, child in value.items():
                child_path = _child_path(where, key if text_problem(str(key)) is None else "?")
                message = text_problem(key) if isinstance(key, str) else None
                if message:
                    problems.append({"path": f"{child_path} (the name of a key)", "message": message})
                children.append((child, child_path))
            stack.extend(reversed(children))
        elif isinstance(value, list):
            stack.extend(reversed([(child, f"{where}[{index}]") for index, child in enumerate(value)]))
    return problems


def refuse_bad_strings(document: Any, path: str = "") -> None:
    problems = string_problems(document, path)
    if problems:
        raise ValidationFailed(
            f"The file has {len(problems)} text(s) that cannot be stored (NUL characters or lone surrogates); nothing was imported.",
            details=problems,
        )
