"""The rule set a team's models are analysed with: the shipped library and the team's enabled rules.

The core asks for it on every analysis and every gate run, so it is compiled once per process and
team and kept while the team's enabled rules (ids and versions, one small query) are the same; a
stored rule that no longer parses (the schema changed under it) is left out rather than failing
every analysis of the team.
"""

from __future__ import annotations

import logging

from library.models import TeamRule
from stride.ruleset import TEAM_PREFIX, Rule, RuleError, RuleSet, default_rules, parse_team_rule, with_rules

log = logging.getLogger(__name__)

_CACHE: dict[int, tuple[tuple[tuple[int, int], ...], RuleSet]] = {}
_CACHE_TEAMS = 256


def team_ruleset(team_id: int) -> RuleSet:
    """The shipped rules plus the team's enabled rules."""
    key = tuple(TeamRule.objects.filter(team_id=team_id, enabled=True).order_by("pk").values_list("pk", "version"))
    if not key:
        return default_rules()
    cached = _CACHE.get(team_id)
    if cached is not None and cached[0] == key:
        return cached[1]
    rules: list[Rule] = []
    for row_id, text in TeamRule.objects.filter(pk__in=[pk for pk, _ in key]).order_by("pk").values_list("pk", "yaml"):
        try:
            rules.append(parse_team_rule(text, prefix=TEAM_PREFIX))
        except RuleError as exc:
            log.warning("team rule %s no longer parses and is left out: %s", row_id, exc)
    ruleset = with_rules(default_rules(), rules)
    if len(_CACHE) >= _CACHE_TEAMS:
        _CACHE.clear()
    _CACHE[team_id] = (key, ruleset)
    return ruleset
