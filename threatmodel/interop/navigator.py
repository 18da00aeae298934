"""An ATT&CK Navigator layer (format 4.5) of a model's threats.

One entry per technique and tactic the threats are mapped to (ATT&CK Enterprise, Containers
platform). A technique's score is the highest verified residual risk (1-25) of its live threats — obsolete
and not-applicable threats do not count — and its comment lists those threats, riskiest first.
The gradient and legend follow the risk bands. MITRE's copyright notice travels in the layer's
description and metadata, as ATT&CK's licence asks of every copy. The same model gives the same
layer (no timestamps; entries ordered by technique id and tactic order).
"""

from __future__ import annotations

import json
from collections import defaultdict
from typing import TYPE_CHECKING, Any

from stride.choices import ThreatStatus
from stride.models import AttackRelease, Technique, Threat
from stride.techniques import techniques_by_threat
from threatmodel.notices import ATTACK_LICENSE_URL, ATTACK_NOTICE
from threatmodel.reporting import data

if TYPE_CHECKING:
    from threatmodel.models import ThreatModel
    from threatmodel.workflow.risk import Policy

LAYER_VERSION = "4.5"
NAVIGATOR_VERSION = "5.2.0"
DOMAIN = "enterprise-attack"
PLATFORM = "Containers"
COMMENT_MAX = 3_000
NOT_COUNTED = (ThreatStatus.OBSOLETE, ThreatStatus.NOT_APPLICABLE)
BAND_COLORS = {"unacceptable": "#ff6666", "tolerable": "#ffe766", "broadly_acceptable": "#8ec843"}


def technique_url(attack_id: str) -> str:
    return "https://attack.mitre.org/techniques/" + attack_id.replace(".", "/") + "/"


def navigator_layer(model: ThreatModel) -> dict[str, Any]:
    """The layer: live threats grouped by technique, one entry per technique and tactic, the policy's legend."""
    risks = data.threat_risks(model)
    by_technique, techniques = _threats_by_technique(model)
    tactics = _tactics(techniques)
    entries = [
        entry
        for attack_id in sorted(by_technique)
        for entry in _entries(model, attack_id, by_technique[attack_id], techniques[attack_id], tactics, risks)
    ]
    return _layer(model, entries, data.policy(model))


def _threats_by_technique(model: ThreatModel) -> tuple[dict[str, list[dict[str, Any]]], dict[str, dict[str, Any]]]:
    """The model's live threats under each catalogue technique they map to, and those techniques."""
    threats: dict[int, dict[str, Any]] = {
        row["id"]: dict(row)
        for row in Threat.objects.filter(threat_model=model)
        .exclude(status__in=NOT_COUNTED)
        .values("id", "fingerprint", "stride", "title", "status")
    }
    by_technique: dict[str, list[dict[str, Any]]] = defaultdict(list)
    techniques: dict[str, dict[str, Any]] = {}
    rule_of = dict(Threat.objects.filter(pk__in=list(threats)).values_list("id", "rule_id"))
    catalogue = {row["attack_id"]: row for row in Technique.objects.values("attack_id", "name", "url", "id")}
    for threat_id, attack_ids in techniques_by_threat(rule_of.items(), model_id=model.pk).items():
        for attack_id in attack_ids:
            if attack_id not in catalogue:
                continue
            by_technique[attack_id].append(threats[threat_id])
            known = catalogue[attack_id]
            techniques[attack_id] = {"name": known["name"], "url": known["url"], "pk": known["id"]}
    return by_technique, techniques


def _tactics(techniques: dict[str, dict[str, Any]]) -> dict[int, list[str]]:
    tactics: dict[int, list[str]] = defaultdict(list)
    for technique_id, shortname in (
        Technique.tactics.through.objects.filter(technique_id__in=[t["pk"] for t in techniques.values()])
        .order_by("tactic__order", "tactic__attack_id")
        .values_list("technique_id", "tactic__shortname")
    ):
        tactics[technique_id].append(shortname)
    return tactics


def _comment(model: ThreatModel, rows: list[dict[str, Any]], risks: dict[str, data.Risk]) -> str:
    lines = []
    for row in rows:
        risk = risks.get(row["fingerprint"])
        rating = f"risk {risk.residual} ({data.BAND_LABELS.get(risk.band or '', '')})" if risk and risk.residual else "not rated"
        lines.append(f"[{row['stride']}] {row['title']} — {rating}, {row['status'].replace('_', ' ')}")
    comment = f"{len(rows)} threat(s) in {model.name}:\n" + "\n".join(lines)
    if len(comment) > COMMENT_MAX:
        comment = comment[: COMMENT_MAX - 20].rsplit("\n", 1)[0] + "\n… (more in the model)"
    return comment


def _entries(
    model: ThreatModel,
    attack_id: str,
    threats: list[dict[str, Any]],
    technique: dict[str, Any],
    tactics: dict[int, list[str]],
    risks: dict[str, data.Risk],
) -> list[dict[str, Any]]:
    """One entry per tactic of the technique: its threats riskiest first, scored by the highest residual risk."""
    rows = sorted(
        threats, key=lambda row: (risks[row["fingerprint"]].sort_key if row["fingerprint"] in risks else (0, 0), row["fingerprint"])
    )
    scored = [risks[row["fingerprint"]].residual for row in rows if row["fingerprint"] in risks]
    score = max((value for value in scored if value is not None), default=None)
    riskiest = risks.get(rows[0]["fingerprint"]) if rows else None
    band = riskiest.band if riskiest is not None else None
    common = {
        "color": "",
        "comment": _comment(model, rows, risks),
        "enabled": True,
        "metadata": [
            {"name": "threats", "value": str(len(rows))},
            {"name": "highest band", "value": data.BAND_LABELS.get(band or "", "not rated")},
        ],
        "links": [{"label": f"{attack_id} on attack.mitre.org", "url": technique["url"] or technique_url(attack_id)}],
        "showSubtechniques": False,
    }
    entries = []
    tactic_names: list[str | None] = list(tactics.get(technique["pk"], [])) or [None]
    for tactic in tactic_names:
        entry: dict[str, Any] = {"techniqueID": attack_id}
        if tactic:
            entry["tactic"] = tactic
        if score is not None:
            entry["score"] = score
        entries.append({**entry, **json.loads(json.dumps(common))})
    return entries


def _layer(model: ThreatModel, entries: list[dict[str, Any]], policy: Policy) -> dict[str, Any]:
    release = AttackRelease.objects.filter(domain=DOMAIN).first()
    versions = {"navigator": NAVIGATOR_VERSION, "layer": LAYER_VERSION}
    if release is not None:
        versions = {"attack": release.version, **versions}
    return {
        "name": f"{model.name} — threats by ATT&CK technique"[:200],
        "versions": versions,
        "domain": DOMAIN,
        "description": (
            f"Threats of the threat model {model.name!r} (version {model.version}) mapped to MITRE ATT&CK® techniques "
            "for containers. Score: the highest verified residual risk (likelihood × impact after verified mitigations, "
            "1-25) of the technique's threats. "
            f"{ATTACK_NOTICE}"
        ),
        "filters": {"platforms": [PLATFORM]},
        "sorting": 3,
        "layout": dict(_LAYOUT),
        "hideDisabled": False,
        "techniques": entries,
        "gradient": {
            "colors": [BAND_COLORS["broadly_acceptable"], BAND_COLORS["tolerable"], BAND_COLORS["unacceptable"]],
            "minValue": 1,
            "maxValue": 25,
        },
        "legendItems": _legend(policy),
        "showTacticRowBackground": False,
        "tacticRowBackground": "#dddddd",
        "selectTechniquesAcrossTactics": True,
        "selectSubtechniquesWithParent": False,
        "selectVisibleTechniques": False,
        "metadata": [
            {"name": "threat model", "value": model.name},
            {"name": "model version", "value": str(model.version)},
            {"name": "stage", "value": model.stage},
            {"name": "ATT&CK notice", "value": ATTACK_NOTICE},
        ],
        "links": [{"label": "ATT&CK terms of use and licence", "url": ATTACK_LICENSE_URL}],
    }


_LAYOUT = {
    "layout": "side",
    "aggregateFunction": "max",
    "showID": True,
    "showName": True,
    "showAggregateScores": False,
    "countUnscored": False,
    "expandedSubtechniques": "annotated",
}


def _legend(policy: Policy) -> list[dict[str, str]]:
    return [
        {"label": f"Unacceptable (≥ {policy.unacceptable_at})", "color": BAND_COLORS["unacceptable"]},
        {"label": f"Tolerable ({policy.acceptable_max + 1}–{policy.unacceptable_at - 1})", "color": BAND_COLORS["tolerable"]},
        {
            "label": f"Broadly acceptable (≤ {policy.acceptable_max}, impact below {policy.impact_floor})",
            "color": BAND_COLORS["broadly_acceptable"],
        },
    ]


def navigator_export_bytes(model: ThreatModel) -> bytes:
    return json.dumps(navigator_layer(model), indent=2, ensure_ascii=False).encode("utf-8")
