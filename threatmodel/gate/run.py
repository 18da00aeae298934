"""One gate run: files → native document → graph → findings → verdict, without a database.

Each finding gets its band from the policy's thresholds (the rule's suggested likelihood and
impact: a pipeline has no ratings), and fails the run when its band is one the policy fails on
and no acceptance covers it, when the acceptance covering it has expired, or — with a baseline —
when it was not in the baseline. An acceptance that matches no finding is reported (a stale
entry hides nothing today but may hide tomorrow's finding of the same name).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from dfd.graph import build
from stride.engine import Finding, analyse
from stride.ruleset import RuleSet, default_rules
from threatmodel.gate.locations import Locator
from threatmodel.gate.policy import Acceptance, GatePolicy
from threatmodel.interop.imports import translate_files
from threatmodel.interop.registry import SourceFile

PASS, FAIL, USAGE = 0, 1, 2


@dataclass(frozen=True)
class Checked:
    """A finding with the gate's view of it."""

    finding: Finding
    band: str
    source: str  # where in the input files the subject came from (a file and a path in it)
    file: str
    line: int | None = None  # the line its document starts on, for a YAML stream
    acceptance: Acceptance | None = None
    new: bool = False
    reasons: tuple[str, ...] = ()

    @property
    def fails(self) -> bool:
        return bool(self.reasons)


@dataclass(frozen=True)
class GateResult:
    format: str
    files: tuple[str, ...]
    checked: list[Checked]
    warnings: list[str] = field(default_factory=list)
    stale_acceptances: list[Acceptance] = field(default_factory=list)

    @property
    def failures(self) -> list[Checked]:
        return [c for c in self.checked if c.fails]

    @property
    def exit_code(self) -> int:
        return FAIL if self.failures else PASS


def _subjects(document: dict[str, Any]) -> tuple[list[dict[str, Any]], list[dict[str, Any]], dict[str, str]]:
    """Elements and flows of every diagram, and the native path of each by key."""
    elements: list[dict[str, Any]] = []
    flows: list[dict[str, Any]] = []
    paths: dict[str, str] = {}
    for d, diagram in enumerate(document.get("diagrams") or []):
        for e, element in enumerate(diagram.get("elements") or []):
            elements.append(element)
            paths[element["key"]] = f"diagrams[{d}].elements[{e}]"
        for f, flow in enumerate(diagram.get("flows") or []):
            flows.append(flow)
            paths[flow["key"]] = f"diagrams[{d}].flows[{f}]"
    return elements, flows, paths


def _reasons(
    finding: Finding, band: str, policy: GatePolicy, acceptance: Acceptance | None, new: bool, today: dt.date
) -> tuple[str, ...]:
    if acceptance is not None and not acceptance.valid_on(today):
        return (f"its acceptance expired on {acceptance.until.isoformat()}",)
    if acceptance is not None:
        return ()
    reasons = []
    if band in policy.fail_on:
        reasons.append(f"risk {finding.likelihood}×{finding.impact} is {band.replace('_', ' ')}")
    if new:
        reasons.append("new since the baseline")
    return tuple(reasons)


def gate_check(
    *,
    files: Sequence[SourceFile],
    policy: GatePolicy,
    fmt: str | None = None,
    baseline: Iterable[str] | None = None,
    today: dt.date | None = None,
    ruleset: RuleSet | None = None,
) -> GateResult:
    """Analyse ``files`` and judge every finding against ``policy`` (raises ValidationFailed on bad input)."""
    today = today or dt.date.today()
    reader, translation = translate_files(files=files, fmt=fmt)
    document = translation.document
    elements, flows, paths = _subjects(document)
    suppressed = {(note["target_key"], note["stride"]) for note in document.get("coverage_notes") or []}
    findings = analyse(build(elements, flows), ruleset or default_rules(), suppressed=suppressed)
    known = set(baseline) if baseline is not None else None
    names = tuple(f.name for f in files)
    locator = Locator(files)
    checked = []
    for finding in findings:
        band = policy.bands.band(finding.likelihood, finding.impact).value
        acceptance = policy.accepted.get(finding.fingerprint)
        new = known is not None and finding.fingerprint not in known
        subject = finding.flow_key or finding.element_key
        source = translation.locate(paths[subject]) if subject in paths else ""
        place = locator.place(source)
        checked.append(
            Checked(
                finding=finding,
                band=band,
                source=source,
                file=place.file if place else "",
                line=place.line if place else None,
                acceptance=acceptance,
                new=new,
                reasons=_reasons(finding, band, policy, acceptance, new, today),
            )
        )
    found = {f.fingerprint for f in findings}
    stale = [a for fp, a in sorted(policy.accepted.items()) if fp not in found]
    return GateResult(reader.name, names, checked, list(translation.warnings), stale)
