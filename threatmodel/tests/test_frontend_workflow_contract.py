"""The browser's mirrors of workflow rules are the server's rules.

The workspace keeps a few server facts in TypeScript so that it can lay out and check forms before
sending them: the default band thresholds (frontend/src/core/bands.ts), the OWASP factor names
(owasp.ts), the decision kinds and the 90-day cap on exceptions (decision-form.ts), and a title for
every gate code (gate-targets.ts). This test reads those files and compares them with the Python
they mirror, so a rule changed on one side fails here instead of in a workshop.
"""

from __future__ import annotations

import re
from pathlib import Path

from threatmodel.models import DecisionKind
from threatmodel.workflow import gates, risk

CORE = Path(__file__).resolve().parents[2] / "frontend" / "src" / "core"


def source(name: str) -> str:
    return (CORE / name).read_text(encoding="utf-8")


def string_list(text: str, start: str) -> list[str]:
    """The quoted strings of the array that follows ``start`` in ``text``."""
    at = text.index(start) + len(start)
    body = text[at : text.index("]", at)]
    return re.findall(r"'([a-z_]+)'", body)


def test_the_default_band_thresholds_are_the_servers() -> None:
    match = re.search(r"DEFAULT_THRESHOLDS: Thresholds = \{ unacceptable_at: (\d+), acceptable_max: (\d+), impact_floor: (\d+) \}", source("bands.ts"))
    assert match is not None
    default = risk.DEFAULT_POLICY
    assert tuple(map(int, match.groups())) == (default.unacceptable_at, default.acceptable_max, default.impact_floor)


def test_the_owasp_factors_are_the_servers() -> None:
    text = source("owasp.ts")
    assert string_list(text, "likelihood: [") == list(risk.OWASP_LIKELIHOOD_FACTORS)
    assert string_list(text, "impact: [") == list(risk.OWASP_IMPACT_FACTORS)


def test_the_decision_kinds_and_the_exception_cap_are_the_servers() -> None:
    text = source("decision-form.ts")
    assert string_list(text, "DECISION_KINDS: readonly DecisionKind[] = [") == list(DecisionKind.values)
    cap = re.search(r"EXCEPTION_HARD_MAX_DAYS = (\d+)", text)
    assert cap is not None and int(cap.group(1)) == risk.EXCEPTION_HARD_MAX_DAYS


def server_gate_codes() -> set[str]:
    text = Path(gates.__file__).read_text(encoding="utf-8")
    codes = set(re.findall(r'Blocker\(\s*"([a-z_]+)"', text))
    # Incomplete decisions are named after their kind: f"{decision.kind}_incomplete".
    assert 'f"{decision.kind}_incomplete"' in text
    codes.update(f"{kind}_incomplete" for kind in DecisionKind.values)
    return codes


def test_every_gate_code_has_a_title_in_the_stage_bar() -> None:
    titled = set(re.findall(r"\['([a-z_]+)', '", source("gate-targets.ts")))
    codes = server_gate_codes()
    assert len(codes) > 20
    assert codes <= titled, sorted(codes - titled)
