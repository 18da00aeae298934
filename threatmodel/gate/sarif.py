"""The gate's findings as SARIF 2.1.0, for code-scanning dashboards (GitHub, GitLab, Azure DevOps).

One result per finding; ``partialFingerprints`` carries the engine's stable fingerprint so a
dashboard tracks a finding across commits; each rule is described once with its help text and
tags (STRIDE letter, ATT&CK technique ids, CWE ids). ``level`` is ``error`` for what fails the
gate, ``warning`` for the tolerable band and ``note`` otherwise; ``security-severity`` is the
risk score scaled to 0–10, which GitHub uses to sort.
"""

from __future__ import annotations

from typing import Any

from stride.ruleset import Rule, RuleSet
from threatmodel.gate.run import Checked, GateResult

SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
FINGERPRINT_KEY = "threatFingerprint/v1"
_STRIDE = {
    "S": "spoofing",
    "T": "tampering",
    "R": "repudiation",
    "I": "information-disclosure",
    "D": "denial-of-service",
    "E": "elevation-of-privilege",
}


def _rule_descriptor(rule: Rule) -> dict[str, Any]:
    tags = [
        "security",
        f"stride/{_STRIDE.get(rule.stride, rule.stride)}",
        *(f"attack/{t}" for t in rule.techniques),
        *(f"external/cwe/{c.lower()}" for c in rule.cwe),
    ]
    help_text = rule.description.strip()
    if rule.mitigation:
        help_text += f"\n\nWhat to do: {rule.mitigation.strip()}"
    return {
        "id": rule.id,
        "name": rule.id.replace("-", ""),
        "shortDescription": {"text": rule.title},
        "fullDescription": {"text": rule.description.strip() or rule.title},
        "help": {"text": help_text or rule.title},
        "properties": {"tags": tags, "security-severity": f"{rule.likelihood * rule.impact * 10 / 25:.1f}"},
    }


def _level(item: Checked) -> str:
    if item.fails:
        return "error"
    return "warning" if item.band == "tolerable" else "note"


def _result(item: Checked, rule_index: int) -> dict[str, Any]:
    finding = item.finding
    subject = finding.flow_key or finding.element_key
    text = f"{finding.title} ({subject})."
    if item.reasons:
        text += " Fails the gate: " + "; ".join(item.reasons) + "."
    elif item.acceptance is not None:
        text += f" Accepted until {item.acceptance.until.isoformat()}: {item.acceptance.reason}"
    location: dict[str, Any] = {
        "logicalLocations": [
            {
                "name": subject,
                "kind": "flow" if finding.flow_key else "element",
                "fullyQualifiedName": item.source or subject,
            }
        ]
    }
    if item.file:
        location["physicalLocation"] = {"artifactLocation": {"uri": item.file}}
        if item.line is not None:
            location["physicalLocation"]["region"] = {"startLine": item.line}
    result: dict[str, Any] = {
        "ruleId": finding.rule_id,
        "ruleIndex": rule_index,
        "level": _level(item),
        "message": {"text": text},
        "partialFingerprints": {FINGERPRINT_KEY: finding.fingerprint},
        "locations": [location],
        "properties": {
            "band": item.band,
            "likelihood": finding.likelihood,
            "impact": finding.impact,
            "new": item.new,
            "techniques": list(finding.techniques),
        },
    }
    if item.acceptance is not None:
        result["suppressions"] = [
            {
                "kind": "external",
                "status": "accepted" if not item.reasons else "rejected",
                "justification": item.acceptance.reason,
            }
        ]
    return result


def sarif_log(result: GateResult, ruleset: RuleSet, *, version: str = "0.1.0") -> dict[str, Any]:
    used = sorted({c.finding.rule_id for c in result.checked})
    rules = [r for r in (ruleset.get(rule_id) for rule_id in used) if r is not None]
    index = {rule.id: i for i, rule in enumerate(rules)}
    return {
        "$schema": SARIF_SCHEMA,
        "version": "2.1.0",
        "runs": [
            {
                "tool": {
                    "driver": {
                        "name": "threatmodel-gate",
                        "version": version,
                        "informationUri": "https://github.com/threatmodel-workbench",
                        "rules": [_rule_descriptor(rule) for rule in rules],
                    }
                },
                "artifacts": [{"location": {"uri": name}} for name in result.files if name],
                "results": [_result(item, index[item.finding.rule_id]) for item in result.checked],
                "properties": {"format": result.format, "failures": len(result.failures)},
            }
        ],
    }


def baseline_fingerprints(data: Any) -> set[str]:
    """The fingerprints of a previous SARIF log written by the gate (``--baseline``)."""
    found: set[str] = set()
    if not isinstance(data, dict) or not isinstance(data.get("runs"), list):
        raise ValueError("not a SARIF log: no runs")
    for run in data["runs"]:
        for item in (run.get("results") or []) if isinstance(run, dict) else []:
            fingerprint = (
                (item.get("partialFingerprints") or {}).get(FINGERPRINT_KEY) if isinstance(item, dict) else None
            )
            if isinstance(fingerprint, str):
                found.add(fingerprint)
    return found
