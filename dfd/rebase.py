"""Rebasing a batch made on an older diagram version onto the current one (live workshops).

Operations name what they touch by key, so a batch made on version 7 usually still means the same
thing on version 9: it is applied as it is, and where both touched one property the later batch
wins (updates carry only the fields and properties they change). Two cases need a rule:

- the batch edits, moves or deletes something another participant deleted since: the delete wins,
  and the operation is dropped with the reason (nothing is left to edit);
- the batch adds a flow or an element that hangs on something deleted since (a flow to it, a
  child of a deleted boundary): that is a real conflict — dropping it would lose the person's
  work silently, applying it is impossible — so the batch is refused with the reason.

Anything else that no longer applies (a key someone else took meanwhile, say) is refused by the
write path's own checks, which run on the rebased batch as on any other. Pure: no database.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

# Operations whose ``key`` must exist: on a deleted key they are dropped (the delete wins).
_EDITS = frozenset({"update_element", "move_element", "set_parent", "delete_element", "update_flow", "delete_flow"})
_DELETES = frozenset({"delete_element", "delete_flow"})
_ADDS = frozenset({"add_element", "add_flow"})


@dataclass
class Rebased:
    """The batch to apply on the current version, and what was dropped or conflicts, with reasons."""

    ops: Any  # the batch as the write path will read it (a list, unless the client sent something else)
    dropped: list[dict[str, Any]] = field(default_factory=list)
    conflicts: list[dict[str, str]] = field(default_factory=list)


def deleted_since(since: Iterable[tuple[str, str]]) -> set[str]:
    """Keys whose last operation in the log since the base version is a deletion."""
    gone: set[str] = set()
    for op, key in since:
        if op in _DELETES:
            gone.add(key)
        elif op in _ADDS:
            gone.discard(key)
    return gone


def _hangs_on(raw: Mapping[str, Any]) -> list[tuple[str, str]]:
    """The (field, key) pairs an operation needs to exist besides its own key."""
    names = ("source", "target") if raw.get("op") in {"add_flow", "update_flow"} else ("parent",)
    return [(name, raw[name]) for name in names if isinstance(raw.get(name), str)]


def rebase(ops: object, since: Iterable[tuple[str, str]], *, base_version: int) -> Rebased:
    """Rebase ``ops`` (a raw batch) over the log entries ``since`` (op, key) after ``base_version``."""
    if not isinstance(ops, list):
        return Rebased(ops=ops)  # not a batch: the write path names what is wrong with it
    gone = deleted_since(since)
    if not gone:
        return Rebased(ops=list(ops))
    result = Rebased(ops=[])
    for index, raw in enumerate(ops):
        if not isinstance(raw, Mapping):
            result.ops.append(raw)  # the write path names what is wrong with it
            continue
        op, key = raw.get("op"), raw.get("key")
        if op in _EDITS and key in gone:
            result.dropped.append(
                {"index": index, "op": op, "key": key, "reason": f"{key!r} was deleted by someone else after version {base_version}"}
            )
            continue
        for name, needed in _hangs_on(raw):
            if needed in gone:
                result.conflicts.append(
                    {
                        "path": f"ops[{index}].{name}",
                        "message": f"{needed!r} was deleted by someone else after version {base_version}; "
                        f"this {op} needs it",
                    }
                )
        result.ops.append(raw)
    return result
