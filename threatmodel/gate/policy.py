"""The gate's policy file: risk bands, which bands fail, and accepted findings with an expiry.

A policy is YAML or JSON, read with the same bounded safe loader as imports. Every problem is
reported with its place in the file, and an unknown key or band is an error rather than ignored:
a typo in a policy must not silently pass a pipeline.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from common.errors import ErrorDetail, ValidationFailed
from threatmodel.workflow.risk import Band, Policy

BAND_NAMES = tuple(band.value for band in Band)
_TOP_KEYS = {"bands", "fail_on", "accepted"}
_BAND_KEYS = {"unacceptable_at", "acceptable_max", "impact_floor"}
_ACCEPT_KEYS = {"fingerprint", "reason", "until", "by"}


@dataclass(frozen=True)
class Acceptance:
    fingerprint: str
    reason: str
    until: dt.date
    by: str = ""

    def valid_on(self, today: dt.date) -> bool:
        return today <= self.until


@dataclass(frozen=True)
class GatePolicy:
    bands: Policy = field(default_factory=Policy)
    fail_on: frozenset[str] = frozenset({Band.UNACCEPTABLE.value})
    accepted: Mapping[str, Acceptance] = field(default_factory=dict)


def _unknown(keys: Any, allowed: set[str], path: str) -> list[ErrorDetail]:
    return [
        {"path": f"{path}.{key}", "message": f"unknown key; expected one of {', '.join(sorted(allowed))}"}
        for key in keys
        if key not in allowed
    ]


def _bands(raw: Any, problems: list[ErrorDetail]) -> Policy:
    if raw is None:
        return Policy()
    if not isinstance(raw, Mapping):
        problems.append({"path": "$.bands", "message": "must be a mapping"})
        return Policy()
    problems += _unknown(raw, _BAND_KEYS, "$.bands")
    values: dict[str, int] = {}
    for key in _BAND_KEYS & set(raw):
        value = raw[key]
        if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= 25:
            problems.append({"path": f"$.bands.{key}", "message": "must be a whole number from 1 to 25"})
        else:
            values[key] = value
    policy = Policy(**values)
    if policy.acceptable_max >= policy.unacceptable_at:
        problems.append({"path": "$.bands", "message": "acceptable_max must be below unacceptable_at"})
    return policy


def _fail_on(raw: Any, problems: list[ErrorDetail]) -> frozenset[str]:
    if raw is None:
        return frozenset({Band.UNACCEPTABLE.value})
    if not isinstance(raw, list) or not all(isinstance(item, str) for item in raw):
        problems.append({"path": "$.fail_on", "message": f"must be a list of bands: {', '.join(BAND_NAMES)}"})
        return frozenset()
    for i, item in enumerate(raw):
        if item not in BAND_NAMES:
            problems.append(
                {
                    "path": f"$.fail_on[{i}]",
                    "message": f"unknown band {item!r}; expected one of {', '.join(BAND_NAMES)}",
                }
            )
    return frozenset(raw)


def _acceptance(raw: Any, path: str, problems: list[ErrorDetail]) -> Acceptance | None:
    if not isinstance(raw, Mapping):
        problems.append({"path": path, "message": "must be a mapping with fingerprint, reason and until"})
        return None
    before = len(problems)
    problems += _unknown(raw, _ACCEPT_KEYS, path)
    fingerprint, reason, until = raw.get("fingerprint"), raw.get("reason"), raw.get("until")
    if not isinstance(fingerprint, str) or not fingerprint.strip():
        problems.append(
            {"path": f"{path}.fingerprint", "message": "required: the finding's fingerprint (rule@element[@flow])"}
        )
    if not isinstance(reason, str) or not reason.strip():
        problems.append({"path": f"{path}.reason", "message": "required: why the risk is accepted"})
    if isinstance(until, str):
        try:
            until = dt.date.fromisoformat(until)
        except ValueError:
            until = None
    if not isinstance(until, dt.date) or isinstance(until, dt.datetime):
        problems.append({"path": f"{path}.until", "message": "required: the date the acceptance ends (YYYY-MM-DD)"})
    by = raw.get("by", "")
    if not isinstance(by, str):
        problems.append({"path": f"{path}.by", "message": "must be text"})
    if len(problems) > before:
        return None
    assert isinstance(fingerprint, str) and isinstance(reason, str) and isinstance(until, dt.date)
    return Acceptance(fingerprint.strip(), reason.strip(), until, str(by))


def parse_policy(data: Any) -> GatePolicy:
    """A policy from its parsed file (``None`` for no file: the product's defaults)."""
    if data is None:
        return GatePolicy()
    if not isinstance(data, Mapping):
        raise ValidationFailed(
            "The policy file must be a mapping.", details=[{"path": "$", "message": "must be a mapping"}]
        )
    problems: list[ErrorDetail] = _unknown(data, _TOP_KEYS, "$")
    bands = _bands(data.get("bands"), problems)
    fail_on = _fail_on(data.get("fail_on"), problems)
    accepted: dict[str, Acceptance] = {}
    raw_accepted = data.get("accepted") or []
    if not isinstance(raw_accepted, list):
        problems.append({"path": "$.accepted", "message": "must be a list"})
        raw_accepted = []
    for i, raw in enumerate(raw_accepted):
        acceptance = _acceptance(raw, f"$.accepted[{i}]", problems)
        if acceptance is not None and acceptance.fingerprint in accepted:
            problems.append({"path": f"$.accepted[{i}].fingerprint", "message": "accepted twice"})
        elif acceptance is not None:
            accepted[acceptance.fingerprint] = acceptance
    if problems:
        raise ValidationFailed(f"The policy file has {len(problems)} problem(s).", details=problems)
    return GatePolicy(bands=bands, fail_on=fail_on, accepted=accepted)
