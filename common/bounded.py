"""Untrusted JSON, read with bounds that hold before the parser runs: depth, number of values, characters.

A JSON body is measured before it is parsed: its bracket skeleton (escapes and string contents
removed, all by C-level byte operations, so 20 MB costs tens of milliseconds) gives its nesting
depth and an upper count of its values. A body nested deeper than ``MAX_DEPTH`` or holding more
than ``MAX_VALUES`` values is refused there, so Python's recursion limit is never reached (a
100,000-deep body answered 500) and no parse builds a structure the walks after it cannot afford.

After parsing, no string — value or key — may hold a NUL character or a lone surrogate: neither is
a character PostgreSQL can store, so an unchecked one fails in the middle of a write. In JSON both
can only arrive as ``\\u`` escapes (a raw control character or an encoded surrogate is already a
decoding error), so the walk runs only when the text has such an escape.

Every refusal is a ``ValidationFailed`` with the place (a JSON path, or line and column).
"""

from __future__ import annotations

import json
import re
from itertools import accumulate
from typing import Any

from common.errors import ErrorDetail, ValidationFailed

MAX_DEPTH = 64  # real model files nest under 12 deep; an operation batch under 6
# Values in one JSON document: what a native file of a model at the element limit needs (50,000
# elements and as many flows at about 13 values each), and a batch of the most operations allowed.
# A 3,000-operation batch has about 25,000. YAML, read value by value in Python, has a lower bound
# of its own (``threatmodel.interop.limits.MAX_YAML_VALUES``).
MAX_VALUES = 2_000_000
MAX_PROBLEMS = 100

_ESCAPE = re.compile(rb"\\.", re.DOTALL)
_STRING = re.compile(rb'"[^"]*"')
_NOT_SKELETON = bytes(b for b in range(256) if b not in b'[]{}",')
_STEP = [0] * 256
_STEP[ord("[")] = _STEP[ord("{")] = 1
_STEP[ord("]")] = _STEP[ord("}")] = -1
_BAD_ESCAPE = re.compile(r"\\u(?:0000|[dD][89a-fA-F][0-9a-fA-F]{2})")
_PLAIN_KEY = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


def refused(message: str, detail: str, path: str = "$") -> ValidationFailed:
    return ValidationFailed(message, details=[{"path": path, "message": detail}])


def too_deep(depth: int, where: str = "$") -> ValidationFailed:
    return refused(
        f"The document is nested more than {MAX_DEPTH} levels deep; it is refused.",
        f"nested {depth} levels deep (at most {MAX_DEPTH})",
        where,
    )


def too_many_values(where: str = "$") -> ValidationFailed:
    return refused(
        f"The document holds more than {MAX_VALUES} values; it is refused.", f"more than {MAX_VALUES} values", where
    )


def json_shape(raw: bytes) -> tuple[int, int]:
    """(nesting depth, an upper bound of the number of values) of a JSON text, without parsing it."""
    unescaped = _ESCAPE.sub(b"", raw) if b"\\" in raw else raw
    skeleton = _STRING.sub(b"", unescaped.translate(None, _NOT_SKELETON))
    values = skeleton.count(b",") + skeleton.count(b"[") + skeleton.count(b"{") + 1
    brackets = skeleton.translate(None, b'",')
    depth = max(accumulate(map(_STEP.__getitem__, brackets)), default=0)
    return depth, values


def decode(raw: bytes) -> str:
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise refused("The file is not UTF-8 text.", f"invalid byte at offset {exc.start}") from exc


def _no_constant(name: str) -> float:
    raise ValueError(f"{name} is not a JSON value")


def load_json(raw: bytes, *, what: str = "The file", check_strings: bool = True, allow_nan: bool = True) -> Any:
    """Parse bytes as JSON within the bounds above; every failure is a 400 that says where.

    ``check_strings=False`` leaves the NUL and surrogate check to the caller (an import names the
    file of each problem); ``allow_nan=False`` refuses ``NaN`` and ``Infinity`` (DRF's strict JSON).
    """
    depth, values = json_shape(raw)
    if depth > MAX_DEPTH:
        raise too_deep(depth)
    if values > MAX_VALUES:
        raise too_many_values()
    text = decode(raw)
    try:
        document = json.loads(text) if allow_nan else json.loads(text, parse_constant=_no_constant)
    except json.JSONDecodeError as exc:
        raise refused(f"{what} is not valid JSON.", f"{exc.msg} at line {exc.lineno}, column {exc.colno}") from exc
    except ValueError as exc:
        raise refused(f"{what} is not valid JSON.", str(exc)) from exc
    except RecursionError as exc:  # not reached within MAX_DEPTH; kept so a lowered recursion limit is still a 400
        raise too_deep(depth) from exc
    if check_strings and _BAD_ESCAPE.search(text):
        refuse_bad_strings(document, what=what)
    return document


# --- characters ------------------------------------------------------------------------------------------


def text_problem(text: str) -> str | None:
    """Why ``text`` cannot be stored, or None: a NUL character, or a lone surrogate."""
    if "\x00" in text:
        return f"must not contain NUL characters (the first is at character {text.index(chr(0)) + 1})"
    try:
        text.encode("utf-8")
    except UnicodeEncodeError as exc:
        return f"must not contain a lone surrogate (U+{ord(text[exc.start]):04X} at character {exc.start + 1}): it is not a character"
    return None


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


def refuse_bad_strings(document: Any, path: str = "", *, what: str = "The file") -> None:
    problems = string_problems(document, path)
    if problems:
        raise ValidationFailed(
            f"{what} has {len(problems)} text(s) that cannot be stored (NUL characters or lone surrogates); nothing was changed.",
            details=problems,
        )
