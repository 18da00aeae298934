"""Which ATT&CK techniques a threat is mapped to: its rule's, plus any it was given by hand.

A generated threat carries its rule's techniques. They are read from the rule library instead of
being copied onto every threat: on a 10,000-element model the copies were ~390,000 link rows and
more than a third of the first analysis's time (bench/analyse.py), and copies can only go stale.
Manual and imported threats — and anything a person adds — keep their own links in
``Threat.techniques``. Every reader goes through this module, so the two sources stay one answer.
An unconfirmed rule threat (``confirmed`` false: it waits on unanswered properties) claims none of
its rule's techniques, only those a person gave it.
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import lru_cache

from django.db.models import Q

from stride.models import Tactic, Technique, Threat
from stride.ruleset import default_rules


@lru_cache(maxsize=1)
def rule_techniques() -> dict[str, tuple[str, ...]]:
    return {rule.id: rule.techniques for rule in default_rules().rules}


def techniques_by_threat(rows: Iterable[tuple[int, str]], *, model_id: int) -> dict[int, list[str]]:
    """``(threat id, rule id)`` pairs of one model → each threat's technique ids, sorted.

    One query whatever the number of threats: the model's own links, read once and filtered here.
    """
    by_rule = rule_techniques()
    # An unconfirmed finding claims none of its rule's techniques until its questions are answered.
    waiting = set(Threat.objects.filter(threat_model_id=model_id, confirmed=False).values_list("id", flat=True))
    found: dict[int, set[str]] = {}
    for threat_id, rule_id in rows:
        found[threat_id] = set(by_rule.get(rule_id, ())) if threat_id not in waiting else set()
    for threat_id, attack_id in Threat.techniques.through.objects.filter(threat__threat_model_id=model_id).values_list(
        "threat_id", "technique__attack_id"
    ):
        if threat_id in found:
            found[threat_id].add(attack_id)
    return {threat_id: sorted(ids) for threat_id, ids in found.items()}


def techniques_of(threat: Threat) -> list[str]:
    """One threat's technique ids (uses prefetched links when there are some)."""
    own = {technique.attack_id for technique in threat.techniques.all()}
    if not threat.confirmed:
        return sorted(own)
    return sorted(own | set(rule_techniques().get(threat.rule_id, ())))


def rules_citing(attack_ids: Iterable[str]) -> list[str]:
    """Rules that map to any of these techniques or to one of their sub-techniques."""
    wanted = tuple(set(attack_ids))
    return sorted(
        rule_id
        for rule_id, techniques in rule_techniques().items()
        if any(t in wanted or t.split(".")[0] in wanted for t in techniques)
    )


def technique_filter(attack_id: str) -> Q:
    """Threats mapped to a technique or one of its sub-techniques."""
    return (
        Q(techniques__attack_id=attack_id)
        | Q(techniques__parent__attack_id=attack_id)
        | Q(rule_id__in=rules_citing([attack_id]), confirmed=True)
    )


def tactic_filter(tactic: str) -> Q:
    """Threats mapped to a technique of a tactic (its ATT&CK id, like TA0004, or its shortname)."""
    tactic_ids = Tactic.objects.filter(Q(attack_id=tactic) | Q(shortname=tactic)).values_list("id", flat=True)
    attack_ids = list(Technique.objects.filter(tactics__in=tactic_ids).values_list("attack_id", flat=True))
    return Q(techniques__tactics__in=tactic_ids) | Q(rule_id__in=rules_citing(attack_ids), confirmed=True)
