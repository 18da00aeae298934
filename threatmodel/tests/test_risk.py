"""Risk arithmetic (pure): bands with the impact floor, residual risk with its caps, the OWASP helper."""

from __future__ import annotations

import pytest

from threatmodel.workflow.risk import (
    DEFAULT_POLICY,
    Band,
    Effect,
    Policy,
    matrix_cells,
    owasp_level,
    owasp_problems,
    owasp_propose,
    policy_problems,
    residual,
    risk_numbers,
    score_level,
)

U, T, A = Band.UNACCEPTABLE, Band.TOLERABLE, Band.BROADLY_ACCEPTABLE


@pytest.mark.parametrize(
    ("likelihood", "impact", "band"),
    [
        (5, 5, U),
        (3, 5, U),  # 15: the unacceptable boundary is inclusive
        (5, 3, U),
        (4, 4, U),
        (2, 5, T),  # 10
        (3, 4, T),  # 12
        (2, 2, A),  # 4: broadly acceptable
        (4, 1, A),  # 4, impact 1
        (1, 3, A),  # 3
        (1, 1, A),
        (1, 4, T),  # 4, but impact 4 is never broadly acceptable (the impact floor)
        (1, 5, T),  # 5
        (2, 3, T),  # 6
        (5, 1, T),  # 5
    ],
)
def test_it_bands_every_cell_by_the_default_policy(likelihood: int, impact: int, band: Band) -> None:
    assert DEFAULT_POLICY.band(likelihood, impact) == band


def test_it_bands_the_whole_default_matrix_as_the_research_note_draws_it() -> None:
    drawn = {
        5: "TTUUU",
        4: "ATTUU",
        3: "ATTTU",
        2: "AATTT",
        1: "AAATT",
    }
    letter = {U: "U", T: "T", A: "A"}
    for cell in matrix_cells(DEFAULT_POLICY):
        assert letter[Band(cell["band"])] == drawn[cell["likelihood"]][cell["impact"] - 1], cell


@pytest.mark.parametrize(
    ("policy", "likelihood", "impact", "band"),
    [
        (Policy(unacceptable_at=12), 3, 4, U),
        (Policy(unacceptable_at=20), 4, 4, T),
        (Policy(acceptable_max=6), 2, 3, A),
        (Policy(acceptable_max=6, impact_floor=3), 2, 3, T),
        (Policy(impact_floor=5), 1, 4, A),
    ],
)
def test_it_bands_by_the_team_policy_thresholds(policy: Policy, likelihood: int, impact: int, band: Band) -> None:
    assert policy.band(likelihood, impact) == band


@pytest.mark.parametrize(
    ("likelihood", "impact", "effects", "expected"),
    [
        (4, 4, [], (4, 4)),
        (4, 4, [Effect(1, 0)], (3, 4)),
        (4, 4, [Effect(1, 1), Effect(1, 0)], (2, 3)),
        (5, 5, [Effect(2, 0), Effect(2, 0)], (2, 5)),  # likelihood reductions are capped at 3 in total
        (5, 5, [Effect(3, 2), Effect(3, 2)], (2, 3)),  # both caps at once
        (5, 5, [Effect(0, 1)] * 5, (5, 3)),  # impact reductions are capped at 2 in total
        (2, 2, [Effect(3, 2)], (1, 1)),  # never below level 1
        (1, 5, [Effect(3, 0)], (1, 5)),
        (3, 3, [Effect(-2, -2)], (3, 3)),  # a negative effect is not a way to raise risk
    ],
)
def test_it_computes_residual_levels_with_the_caps(
    likelihood: int, impact: int, effects: list[Effect], expected: tuple[int, int]
) -> None:
    assert residual(likelihood, impact, effects) == expected


def test_the_three_numbers_use_planned_and_verified_effects_separately() -> None:
    numbers = risk_numbers(5, 4, projected_effects=[Effect(2, 1), Effect(1, 0)], verified_effects=[Effect(1, 0)], policy=DEFAULT_POLICY)
    assert numbers.as_dict() == {
        "inherent": {"likelihood": 5, "impact": 4, "score": 20, "level": "Critical", "band": "unacceptable"},
        "projected": {"likelihood": 2, "impact": 3, "score": 6, "level": "Medium", "band": "tolerable"},
        "verified": {"likelihood": 4, "impact": 4, "score": 16, "level": "Very high", "band": "unacceptable"},
    }


def test_an_unrated_threat_has_no_numbers() -> None:
    numbers = risk_numbers(None, 3, projected_effects=[], verified_effects=[], policy=DEFAULT_POLICY)
    assert numbers.as_dict() == {"inherent": None, "projected": None, "verified": None}


def test_a_residual_impact_of_four_stays_tolerable_however_unlikely() -> None:
    numbers = risk_numbers(4, 4, projected_effects=[Effect(3, 0)], verified_effects=[Effect(3, 0)], policy=DEFAULT_POLICY)
    assert numbers.projected is not None and (numbers.projected.score, numbers.projected.band) == (4, Band.TOLERABLE)


@pytest.mark.parametrize(
    ("score", "level"),
    [(25, "Critical"), (20, "Critical"), (19, "Very high"), (15, "Very high"), (14, "High"), (10, "High"), (9, "Medium"), (5, "Medium"), (4, "Low"), (1, "Low")],
)
def test_it_names_score_levels(score: int, level: str) -> None:
    assert score_level(score) == level


@pytest.mark.parametrize(
    ("mean", "level"),
    [(0, 1), (1.8, 1), (1.81, 2), (3.6, 2), (3.61, 3), (5.4, 3), (5.5, 4), (7.2, 4), (7.21, 5), (9, 5)],
)
def test_it_maps_an_owasp_mean_to_a_level(mean: float, level: int) -> None:
    assert owasp_level(mean) == level


LIKELIHOOD = {
    "skill_level": 6,
    "motive": 9,
    "opportunity": 7,
    "size": 6,
    "ease_of_discovery": 7,
    "ease_of_exploit": 5,
    "awareness": 6,
    "intrusion_detection": 8,
}
IMPACT = {
    "loss_of_confidentiality": 2,
    "loss_of_integrity": 1,
    "loss_of_availability": 1,
    "loss_of_accountability": 7,
    "financial_damage": 1,
    "reputation_damage": 1,
    "non_compliance": 2,
    "privacy_violation": 3,
}


def test_the_owasp_helper_proposes_levels_from_the_factor_means() -> None:
    assert owasp_problems({"likelihood": LIKELIHOOD, "impact": IMPACT}) == []
    proposal = owasp_propose({"likelihood": LIKELIHOOD, "impact": IMPACT})
    # likelihood mean 54/8 = 6.75 → 4; impact mean 18/8 = 2.25 → 2
    assert proposal.as_dict() == {"likelihood_mean": 6.75, "impact_mean": 2.25, "likelihood": 4, "impact": 2}


def test_the_owasp_helper_answers_one_group_alone() -> None:
    proposal = owasp_propose({"impact": IMPACT})
    assert (proposal.likelihood, proposal.impact) == (None, 2)


@pytest.mark.parametrize(
    ("answers", "path", "fragment"),
    [
        ([1, 2], "", "must be an object"),
        ({}, "", "answer the likelihood factors"),
        ({"likelihood": {**LIKELIHOOD, "motive": 10}}, "likelihood.motive", "0 to 9"),
        ({"likelihood": {**LIKELIHOOD, "motive": True}}, "likelihood.motive", "0 to 9"),
        ({"likelihood": {k: v for k, v in LIKELIHOOD.items() if k != "size"}}, "likelihood.size", "is required"),
        ({"impact": {**IMPACT, "karma": 3}}, "impact.karma", "not an OWASP impact factor"),
        ({"impact": [1, 2]}, "impact", "must be an object"),
        ({"likelihood": LIKELIHOOD, "mood": {}}, "mood", "not a factor group"),
    ],
)
def test_the_owasp_helper_names_each_bad_answer(answers: object, path: str, fragment: str) -> None:
    problems = owasp_problems(answers)
    assert any(p == path and fragment in m for p, m in problems), problems


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"unacceptable_at": 26}, "unacceptable_at"),
        ({"acceptable_max": 15}, "acceptable_max"),
        ({"acceptable_max": 0}, "acceptable_max"),
        ({"impact_floor": 6}, "impact_floor"),
        ({"exception_max_days": 91}, "exception_max_days"),
        ({"acceptance_max_days": 0}, "acceptance_max_days"),
    ],
)
def test_it_names_the_threshold_that_makes_a_policy_unusable(changes: dict[str, int], field: str) -> None:
    values = {**DEFAULT_POLICY.thresholds(), **changes}
    assert field in [name for name, _ in policy_problems(**values)]
    assert policy_problems(**DEFAULT_POLICY.thresholds()) == []
