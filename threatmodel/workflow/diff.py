"""The difference between two native documents (two snapshots, or a snapshot and now). Pure.

Objects are matched by their identity in the format — elements and flows by key, threats by
fingerprint, mitigations by reference, coverage notes by target × letter, decisions by threat and
position in that threat's history (decisions are only ever appended) — and compared field by field.
Every change is reported with its value before and after; nothing is summarised away.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any

Doc = Mapping[str, Any]


def _elements(doc: Doc) -> dict[str, dict[str, Any]]:
    out: dict[str, dict[str, Any]] = {}
    for diagram in doc.get("diagrams", []):
        for element in diagram.get("elements", []):
            out[element["key"]] = {**element, "diagram": diagram.get("name")}
    return out


def _flows(doc: Doc) -> dict[str, dict[str, Any]]:
    out: dict[str, dict[str, Any]] = {}
    for diagram in doc.get("diagrams", []):
        for flow in diagram.get("flows", []):
            out[flow["key"]] = {**flow, "diagram": diagram.get("name")}
    return out


def _keyed(name: str, key: Callable[[Mapping[str, Any]], str]) -> Callable[[Doc], dict[str, dict[str, Any]]]:
    def index(doc: Doc) -> dict[str, dict[str, Any]]:
        return {key(item): dict(item) for item in doc.get(name, [])}

    return index


def _decisions(doc: Doc) -> dict[str, dict[str, Any]]:
    seen: dict[str, int] = {}
    out: dict[str, dict[str, Any]] = {}
    for item in doc.get("decisions", []):
        position = seen.get(item["threat"], 0) + 1
        seen[item["threat"]] = position
        out[f"{item['threat']}#{position}"] = dict(item)
    return out


SECTIONS: dict[str, tuple[Callable[[Doc], dict[str, dict[str, Any]]], str]] = {
    "elements": (_elements, "key"),
    "flows": (_flows, "key"),
    "threats": (_keyed("threats", lambda t: t["fingerprint"]), "fingerprint"),
    "mitigations": (_keyed("mitigations", lambda m: m["ref"]), "ref"),
    "decisions": (_decisions, "key"),
    "coverage_notes": (_keyed("coverage_notes", lambda n: f"{n['target']}×{n['stride']}"), "key"),
}


def _changes(before: Mapping[str, Any], after: Mapping[str, Any]) -> dict[str, dict[str, Any]]:
    return {
        name: {"before": before.get(name), "after": after.get(name)}
        for name in sorted(set(before) | set(after))
        if before.get(name) != after.get(name)
    }


def _section(before: Mapping[str, dict[str, Any]], after: Mapping[str, dict[str, Any]], id_name: str) -> dict[str, list[Any]]:
    def ordered(keys: Iterable[str]) -> list[str]:
        return sorted(keys)

    added = [{id_name: key, **after[key]} if id_name == "key" else after[key] for key in ordered(set(after) - set(before))]
    removed = [{id_name: key, **before[key]} if id_name == "key" else before[key] for key in ordered(set(before) - set(after))]
    changed = []
    for key in ordered(set(before) & set(after)):
        fields = _changes(before[key], after[key])
        if fields:
            changed.append({id_name: key, "fields": fields})
    return {"added": added, "removed": removed, "changed": changed}


def document_diff(before: Doc, after: Doc) -> dict[str, Any]:
    """What changed from ``before`` to ``after``, section by section, with a count summary."""
    result: dict[str, Any] = {
        "threat_model": _changes(before.get("threat_model", {}), after.get("threat_model", {})),
        "risk_policy": _changes(before.get("risk_policy") or {}, after.get("risk_policy") or {}),
    }
    for name, (index, id_name) in SECTIONS.items():
        result[name] = _section(index(before), index(after), id_name)
    result["summary"] = {
        name: {kind: len(result[name][kind]) for kind in ("added", "removed", "changed")} for name in SECTIONS
    }
    result["identical"] = not result["threat_model"] and not result["risk_policy"] and all(
        not any(counts.values()) for counts in result["summary"].values()
    )
    return result
