"""The browser app's typed operations (frontend/src/core/ops.ts) are the server's operations.

The editor builds operation objects from TypeScript interfaces written after docs/operations.md;
this test reads those interfaces and compares their fields with what ``dfd.ops`` accepts, so a
field added, renamed or dropped on either side fails here instead of in a workshop.
"""

from __future__ import annotations

import re
from pathlib import Path

from dfd import limits
from dfd.ops import _ALLOWED_FIELDS, OP_KINDS

OPS_TS = Path(__file__).resolve().parents[2] / "frontend" / "src" / "core" / "ops.ts"
INTERFACE = re.compile(r"export interface (\w+Op) \{\n(.*?)\n\}", re.S)
FIELD = re.compile(r"^\s+(\w+)\??:", re.M)
OP_NAME = re.compile(r"^\s+op: '(\w+)'", re.M)


def typescript_ops() -> dict[str, set[str]]:
    ops: dict[str, set[str]] = {}
    for _, body in INTERFACE.findall(OPS_TS.read_text(encoding="utf-8")):
        name = OP_NAME.search(body)
        assert name is not None, f"an operation interface without an op literal:\n{body}"
        ops[name.group(1)] = set(FIELD.findall(body))
    return ops


def test_the_editor_knows_every_operation_and_no_other() -> None:
    assert set(typescript_ops()) == set(OP_KINDS)


def test_each_operation_has_the_servers_fields() -> None:
    for name, fields in typescript_ops().items():
        assert fields == _ALLOWED_FIELDS[name], name


CONSTANT = re.compile(r"^export const (\w+) = (.+)$", re.M)


def typescript_constants() -> dict[str, str]:
    return dict(CONSTANT.findall(OPS_TS.read_text(encoding="utf-8")))


def test_the_editor_checks_the_servers_limits_and_key_pattern() -> None:
    constants = typescript_constants()
    for name in ("NAME_MAX", "LABEL_MAX", "PROTOCOL_MAX", "DESCRIPTION_MAX", "MAX_COORD"):
        assert float(constants[name].replace("_", "")) == float(getattr(limits, name)), name
    # The TypeScript string literal holds the same characters as the Python raw string.
    pattern = constants["KEY_PATTERN"].strip("'").replace("\\\\", "\\")
    assert pattern == limits.KEY_PATTERN
