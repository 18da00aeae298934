"""Risk arithmetic: scores, bands, residual risk and the OWASP Risk Rating helper. Pure functions.

The default model is a 5×5 likelihood × impact matrix with NIST SP 800-30 level names. A risk
policy (per team, versioned) sets the band boundaries: a score at or above ``unacceptable_at`` is
unacceptable; a score at or below ``acceptable_max`` is broadly acceptable unless the impact is at
or above ``impact_floor`` (a high-consequence event always deserves an explicit decision); anything
else is tolerable.

Residual risk subtracts the expected effects of mitigations from the inherent levels, with caps so
that stacking many weak controls cannot talk a risk down to nothing: at most 3 likelihood levels
and 2 impact levels in total, and never below level 1::

    residual = max(1, L − min(3, ΣΔL)) × max(1, I − min(2, ΣΔI))

The projected residual counts planned, implemented and verified mitigations; the verified residual
counts only verified mitigations that carry evidence. Gates use the projected residual at fix and
the verified residual at verify.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

LEVELS = (1, 2, 3, 4, 5)
LEVEL_NAMES = {1: "Very low", 2: "Low", 3: "Moderate", 4: "High", 5: "Very high"}
MAX_LIKELIHOOD_REDUCTION = 3
MAX_IMPACT_REDUCTION = 2
# The hard ceiling on an exception, whatever a team's policy says.
EXCEPTION_HARD_MAX_DAYS = 90


class Band(StrEnum):
    UNACCEPTABLE = "unacceptable"
    TOLERABLE = "tolerable"
    BROADLY_ACCEPTABLE = "broadly_acceptable"


BAND_LABELS = {
    Band.UNACCEPTABLE: "Unacceptable",
    Band.TOLERABLE: "Tolerable",
    Band.BROADLY_ACCEPTABLE: "Broadly acceptable",
}


@dataclass(frozen=True)
class Policy:
    """The thresholds of one version of a team's risk policy."""

    version: int = 1
    unacceptable_at: int = 15
    acceptable_max: int = 4
    impact_floor: int = 4
    acceptance_max_days: int = 365
    exception_max_days: int = EXCEPTION_HARD_MAX_DAYS

    def band(self, likelihood: int, impact: int) -> Band:
        score = likelihood * impact
        if score >= self.unacceptable_at:
            return Band.UNACCEPTABLE
        if score <= self.acceptable_max and impact < self.impact_floor:
            return Band.BROADLY_ACCEPTABLE
        return Band.TOLERABLE

    def thresholds(self) -> dict[str, int]:
        return {
            "unacceptable_at": self.unacceptable_at,
            "acceptable_max": self.acceptable_max,
            "impact_floor": self.impact_floor,
            "acceptance_max_days": self.acceptance_max_days,
            "exception_max_days": self.exception_max_days,
        }


DEFAULT_POLICY = Policy()


def policy_problems(
    *, unacceptable_at: int, acceptable_max: int, impact_floor: int, acceptance_max_days: int, exception_max_days: int
) -> list[tuple[str, str]]:
    """``(field, message)`` for every threshold that does not make a usable policy."""
    problems: list[tuple[str, str]] = []
    if not 2 <= unacceptable_at <= 25:
        problems.append(("unacceptable_at", "must be a score from 2 to 25"))
    if not 1 <= acceptable_max <= 24:
        problems.append(("acceptable_max", "must be a score from 1 to 24"))
    elif 2 <= unacceptable_at <= 25 and acceptable_max >= unacceptable_at:
        problems.append(("acceptable_max", f"must be below unacceptable_at ({unacceptable_at}) so that bands do not overlap"))
    if not 1 <= impact_floor <= 5:
        problems.append(("impact_floor", "must be an impact level from 1 to 5"))
    if not 1 <= acceptance_max_days <= 3650:
        problems.append(("acceptance_max_days", "must be from 1 to 3650 days"))
    if not 1 <= exception_max_days <= EXCEPTION_HARD_MAX_DAYS:
        problems.append(("exception_max_days", f"must be from 1 to {EXCEPTION_HARD_MAX_DAYS} days"))
    return problems


def score_level(score: int) -> str:
    """The qualitative name of a 1–25 score (reports and the heat map use it)."""
    if score >= 20:
        return "Critical"
    if score >= 15:
        return "Very high"
    if score >= 10:
        return "High"
    if score >= 5:
        return "Medium"
    return "Low"


@dataclass(frozen=True)
class Effect:
    """A mitigation's expected effect: levels taken off likelihood and impact."""

    likelihood: int = 0
    impact: int = 0


@dataclass(frozen=True)
class Rating:
    likelihood: int
    impact: int
    policy: Policy

    @property
    def score(self) -> int:
        return self.likelihood * self.impact

    @property
    def band(self) -> Band:
        return self.policy.band(self.likelihood, self.impact)

    def as_dict(self) -> dict[str, Any]:
        return {
            "likelihood": self.likelihood,
            "impact": self.impact,
            "score": self.score,
            "level": score_level(self.score),
            "band": self.band.value,
        }


def residual(likelihood: int, impact: int, effects: Iterable[Effect]) -> tuple[int, int]:
    """Levels left after the effects, capped (see the module docstring)."""
    effects = list(effects)
    down_l = min(MAX_LIKELIHOOD_REDUCTION, sum(max(0, e.likelihood) for e in effects))
    down_i = min(MAX_IMPACT_REDUCTION, sum(max(0, e.impact) for e in effects))
    return max(1, likelihood - down_l), max(1, impact - down_i)


@dataclass(frozen=True)
class RiskNumbers:
    """The three numbers of a threat. ``None`` while the threat is not rated."""

    inherent: Rating | None
    projected: Rating | None
    verified: Rating | None

    def as_dict(self) -> dict[str, Any]:
        return {
            "inherent": self.inherent.as_dict() if self.inherent else None,
            "projected": self.projected.as_dict() if self.projected else None,
            "verified": self.verified.as_dict() if self.verified else None,
        }


def risk_numbers(
    likelihood: int | None,
    impact: int | None,
    *,
    projected_effects: Iterable[Effect],
    verified_effects: Iterable[Effect],
    policy: Policy,
) -> RiskNumbers:
    if likelihood is None or impact is None:
        return RiskNumbers(None, None, None)
    projected = residual(likelihood, impact, projected_effects)
    verified = residual(likelihood, impact, verified_effects)
    return RiskNumbers(
        Rating(likelihood, impact, policy),
        Rating(projected[0], projected[1], policy),
        Rating(verified[0], verified[1], policy),
    )


# --- OWASP Risk Rating helper -------------------------------------------------------------------------

OWASP_LIKELIHOOD_FACTORS = (
    "skill_level",
    "motive",
    "opportunity",
    "size",
    "ease_of_discovery",
    "ease_of_exploit",
    "awareness",
    "intrusion_detection",
)
OWASP_IMPACT_FACTORS = (
    "loss_of_confidentiality",
    "loss_of_integrity",
    "loss_of_availability",
    "loss_of_accountability",
    "financial_damage",
    "reputation_damage",
    "non_compliance",
    "privacy_violation",
)


def owasp_level(mean: float) -> int:
    """Map a mean of 0–9 factors to a 1–5 level: ``clamp(ceil(m / 1.8), 1, 5)``."""
    return max(1, min(5, math.ceil(round(mean / 1.8, 9))))


@dataclass(frozen=True)
class OwaspProposal:
    likelihood_mean: float | None
    impact_mean: float | None
    likelihood: int | None
    impact: int | None

    def as_dict(self) -> dict[str, Any]:
        return {
            "likelihood_mean": self.likelihood_mean,
            "impact_mean": self.impact_mean,
            "likelihood": self.likelihood,
            "impact": self.impact,
        }


def owasp_problems(answers: object) -> list[tuple[str, str]]:
    """``(path, message)`` for every problem in ``{"likelihood": {factor: 0-9}, "impact": {...}}``.

    Either group may be left out, but a group that is given must answer all eight of its factors:
    a mean over some of them would silently weigh the rest as zero.
    """
    if not isinstance(answers, Mapping):
        return [("", "must be an object with 'likelihood' and/or 'impact' factor answers")]
    problems: list[tuple[str, str]] = []
    unknown_groups = set(answers) - {"likelihood", "impact"}
    for name in sorted(map(str, unknown_groups)):
        problems.append((name[:60], "is not a factor group; use 'likelihood' and 'impact'"))
    if not any(group in answers for group in ("likelihood", "impact")):
        problems.append(("", "answer the likelihood factors, the impact factors, or both"))
    for group, names in (("likelihood", OWASP_LIKELIHOOD_FACTORS), ("impact", OWASP_IMPACT_FACTORS)):
        if group not in answers:
            continue
        values = answers[group]
        if not isinstance(values, Mapping):
            problems.append((group, "must be an object of factor names to 0–9"))
            continue
        for name in sorted(map(str, set(values) - set(names))):
            problems.append((f"{group}.{name[:60]}", f"is not an OWASP {group} factor"))
        for name in names:
            if name not in values:
                problems.append((f"{group}.{name}", "is required (0–9)"))
                continue
            value = values[name]
            if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= 9:
                problems.append((f"{group}.{name}", "must be an integer from 0 to 9"))
    return problems[:50]  # a hostile body with thousands of keys gets a bounded answer


def owasp_propose(answers: Mapping[str, Mapping[str, int]]) -> OwaspProposal:
    """The levels the OWASP factors propose (answers already checked by ``owasp_problems``)."""

    def mean(group: str, names: tuple[str, ...]) -> float | None:
        values = answers.get(group)
        if values is None:
            return None
        return round(sum(values[name] for name in names) / len(names), 3)

    likelihood_mean = mean("likelihood", OWASP_LIKELIHOOD_FACTORS)
    impact_mean = mean("impact", OWASP_IMPACT_FACTORS)
    return OwaspProposal(
        likelihood_mean=likelihood_mean,
        impact_mean=impact_mean,
        likelihood=None if likelihood_mean is None else owasp_level(likelihood_mean),
        impact=None if impact_mean is None else owasp_level(impact_mean),
    )


def matrix_cells(policy: Policy) -> list[dict[str, Any]]:
    """The 25 cells of the matrix, highest likelihood first, with score, level and band."""
    return [
        {
            "likelihood": likelihood,
            "impact": impact,
            "score": likelihood * impact,
            "level": score_level(likelihood * impact),
            "band": policy.band(likelihood, impact).value,
        }
        for likelihood in reversed(LEVELS)
        for impact in LEVELS
    ]
