"""Every threat of a model explained, in a fixed number of queries whatever the model's size.

The pure wording lives in ``stride.explained``; this module reads what it needs in bulk — the
subjects' names, the techniques' names and links, the controls' names, and the ATT&CK mitigations
that mitigate each technique (or its parent) — so the register, the exports and the API explain
80 or 80,000 threats with the same five queries.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from typing import TYPE_CHECKING

from dfd.models import Element, Flow
from stride.choices import ThreatStatus
from stride.explained import Explained, Named, explain_threat
from stride.models import Mitigates, Technique, Threat
from stride.ruleset import default_rules
from stride.techniques import techniques_by_threat
from threatmodel.models import Control

if TYPE_CHECKING:
    from threatmodel.models import ThreatModel

# An explanation lists the ATT&CK mitigations that cover most of the threat's techniques first;
# past this many the list stops being advice.
MAX_ATTACK_MITIGATIONS = 6


def subject_names(model_id: int) -> tuple[dict[str, str], dict[str, str]]:
    """Element names and flow names ("label (source → target)", or "source → target") by key."""
    elements = dict(Element.objects.filter(threat_model_id=model_id).values_list("key", "name"))
    flows = {
        row["key"]: (f"{row['label']} ({row['source__name']} → {row['target__name']})" if row["label"] else f"{row['source__name']} → {row['target__name']}")
        for row in Flow.objects.filter(threat_model_id=model_id).values("key", "label", "source__name", "target__name")
    }
    return elements, flows


def _attack_mitigations(attack_ids: set[str]) -> dict[str, list[Named]]:
    """For each technique id, the ATT&CK mitigations of it or of its parent technique."""
    parents = {attack_id: attack_id.split(".")[0] for attack_id in attack_ids}
    wanted = attack_ids | set(parents.values())
    by_technique: dict[str, list[Named]] = defaultdict(list)
    for technique, mitigation_id, name, url in (
        Mitigates.objects.filter(technique__attack_id__in=wanted, mitigation__deprecated=False)
        .order_by("mitigation__attack_id")
        .values_list("technique__attack_id", "mitigation__attack_id", "mitigation__name", "mitigation__url")
    ):
        by_technique[technique].append(Named(mitigation_id, name, url))
    out: dict[str, list[Named]] = {}
    for attack_id in attack_ids:
        seen: dict[str, Named] = {}
        for item in (*by_technique.get(attack_id, ()), *by_technique.get(parents[attack_id], ())):
            seen.setdefault(item.id, item)
        out[attack_id] = list(seen.values())
    return out


def _ranked(lists: Iterable[list[Named]]) -> tuple[Named, ...]:
    counts: dict[str, int] = defaultdict(int)
    items: dict[str, Named] = {}
    for named in lists:
        for item in named:
            counts[item.id] += 1
            items[item.id] = item
    order = sorted(items, key=lambda key: (-counts[key], key))
    return tuple(items[key] for key in order[:MAX_ATTACK_MITIGATIONS])


def model_explanations(
    model: ThreatModel, *, threat_ids: Iterable[int] | None = None, include_obsolete: bool = True
) -> dict[int, Explained]:
    """The explanation of each threat of ``model`` (or of the listed ones), by threat id."""
    threats = Threat.objects.filter(threat_model=model)
    if not include_obsolete:
        threats = threats.exclude(status=ThreatStatus.OBSOLETE)
    if threat_ids is not None:
        threats = threats.filter(pk__in=list(threat_ids))
    rows = list(threats.values("id", "rule_id", "title", "description", "explanation", "element_key", "flow_key"))
    if not rows:
        return {}
    elements, flows = subject_names(model.pk)
    technique_ids = techniques_by_threat(((row["id"], row["rule_id"]) for row in rows), model_id=model.pk)
    every_id = {attack_id for ids in technique_ids.values() for attack_id in ids}
    techniques = {
        attack_id: Named(attack_id, name, url)
        for attack_id, name, url in Technique.objects.filter(attack_id__in=every_id).values_list("attack_id", "name", "url")
    }
    mitigations = _attack_mitigations(every_id)
    controls = dict(Control.objects.values_list("control_id", "name"))
    rules = default_rules()
    out: dict[int, Explained] = {}
    for row in rows:
        ids = technique_ids.get(row["id"], [])
        subject = flows.get(row["flow_key"], row["flow_key"]) if row["flow_key"] else elements.get(row["element_key"], row["element_key"])
        out[row["id"]] = explain_threat(
            title=row["title"],
            subject=subject,
            rule=rules.get(row["rule_id"]) if row["rule_id"] else None,
            explanation=row["explanation"] or {},
            description=row["description"],
            names=elements,
            techniques=[techniques.get(attack_id, Named(attack_id, "")) for attack_id in ids],
            controls=controls,
            attack_mitigations=_ranked(mitigations.get(attack_id, []) for attack_id in ids),
        )
    return out


def explanation_texts(model: ThreatModel) -> dict[str, str]:
    """Each threat's explanation as the text of a description field, by fingerprint (for exports)."""
    fingerprints = dict(Threat.objects.filter(threat_model=model).values_list("id", "fingerprint"))
    return {fingerprints[threat_id]: explained.as_text() for threat_id, explained in model_explanations(model).items()}


def threat_explained(threat: Threat) -> Explained:
    return model_explanations(threat.threat_model, threat_ids=[threat.pk])[threat.pk]
