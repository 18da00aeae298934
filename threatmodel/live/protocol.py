"""The room's messages: what a client may send, checked before anything runs, and who a person is.

Pure (no Django, no I/O): the consumer hands each decoded message here and gets back either a
clean message or the reason it is refused, so that the rules are testable without a socket.
"""

from __future__ import annotations

import math
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

CLIENT_TYPES = frozenset({"ops", "resume", "presence", "follow_me", "lock", "unlock"})
# Messages only an editor or owner may send; viewers and reviewers watch.
WRITE_TYPES = frozenset({"ops", "follow_me", "lock", "unlock"})
MAX_SELECTION = 500
MAX_LOCK_SECONDS = 300
# Twelve colours that stay apart on the canvas and against white (each ≥ 3:1 on #fff).
PALETTE = (
    "#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#8c564b", "#e377c2",
    "#7f7f7f", "#bcbd22", "#17becf", "#ff7f0e", "#3b5b92", "#a05d00",
)  # fmt: skip


class Refused(Exception):
    """A message the room does not accept; ``message`` says why (sent back to the sender only)."""

    def __init__(self, message: str, *, code: str = "invalid") -> None:
        super().__init__(message)
        self.message = message
        self.code = code


def participant(user_id: int, username: str, full_name: str, role: str) -> dict[str, Any]:
    """How a person appears to the others: a name, initials, a colour fixed by their id, their role."""
    name = full_name.strip() or username
    parts = [p for p in name.replace(".", " ").replace("_", " ").split() if p]
    initials = ("".join(p[0] for p in parts[:2]) if len(parts) > 1 else name[:2]).upper()
    return {"id": user_id, "name": name, "initials": initials, "colour": PALETTE[user_id % len(PALETTE)], "role": role}


def _int(raw: Mapping[str, Any], name: str, *, minimum: int = 1) -> int:
    value = raw.get(name)
    if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
        raise Refused(f"'{name}' must be an integer ≥ {minimum}")
    return value


def _point(value: object, name: str, keys: tuple[str, ...]) -> dict[str, float] | None:
    if value is None:
        return None
    if not isinstance(value, Mapping) or set(value) - set(keys):
        raise Refused(f"'{name}' must be an object with {', '.join(keys)}")
    out: dict[str, float] = {}
    for key in keys:
        number = value.get(key)
        if isinstance(number, bool) or not isinstance(number, int | float) or not math.isfinite(number):
            raise Refused(f"'{name}.{key}' must be a finite number")
        out[key] = float(number)
    return out


def check(raw: object, *, can_write: bool) -> dict[str, Any]:
    """The message cleaned, or ``Refused`` naming what is wrong; a viewer's edit is refused here."""
    if not isinstance(raw, Mapping):
        raise Refused("a message must be a JSON object with a 'type'")
    kind = raw.get("type")
    if kind not in CLIENT_TYPES:
        raise Refused(f"unknown message type {kind!r}; expected one of {', '.join(sorted(CLIENT_TYPES))}")
    if kind in WRITE_TYPES and not can_write:
        raise Refused("your role in this team can watch but not change the model", code="forbidden")
    if kind == "ops":
        batch = raw.get("client_batch")
        if batch is not None and (not isinstance(batch, str) or len(batch) > 100):
            raise Refused("'client_batch' must be a string of at most 100 characters")
        return {
            "type": kind,
            "diagram": _int(raw, "diagram"),
            "base_version": _int(raw, "base_version"),
            "ops": raw.get("ops"),
            "client_batch": batch,
        }
    if kind == "resume":
        return {"type": kind, "diagram": _int(raw, "diagram"), "version": _int(raw, "version")}
    if kind == "presence":
        selection = raw.get("selection", [])
        if not isinstance(selection, list) or len(selection) > MAX_SELECTION or not all(
            isinstance(k, str) and len(k) <= 100 for k in selection
        ):
            raise Refused(f"'selection' must be a list of at most {MAX_SELECTION} keys")
        diagram = raw.get("diagram")
        if diagram is not None:
            diagram = _int(raw, "diagram")
        return {
            "type": kind,
            "diagram": diagram,
            "selection": selection,
            "cursor": _point(raw.get("cursor"), "cursor", ("x", "y")),
            "viewport": _point(raw.get("viewport"), "viewport", ("x", "y", "zoom")),
        }
    if kind == "lock":
        seconds = raw.get("seconds", 60)
        if isinstance(seconds, bool) or not isinstance(seconds, int) or not 1 <= seconds <= MAX_LOCK_SECONDS:
            raise Refused(f"'seconds' must be an integer from 1 to {MAX_LOCK_SECONDS}")
        return {"type": kind, "seconds": seconds, "reason": str(raw.get("reason", ""))[:200]}
    return {"type": kind}


@dataclass
class Bucket:
    """A token bucket per connection: ``burst`` messages at once, then ``per_second`` on average."""

    burst: int
    per_second: float
    tokens: float = field(default=-1.0)
    stamp: float = field(default_factory=time.monotonic)

    def take(self, now: float | None = None) -> bool:
        now = time.monotonic() if now is None else now
        if self.tokens < 0:
            self.tokens = float(self.burst)
        self.tokens = min(float(self.burst), self.tokens + (now - self.stamp) * self.per_second)
        self.stamp = now
        if self.tokens < 1:
            return False
        self.tokens -= 1
        return True
