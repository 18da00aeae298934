"""The model's open questions (issue 11): what its unconfirmed findings wait on, for API clients.

Each unconfirmed threat's explanation names the properties the engine assumed (``assumed``:
``{"target.validates_input": false}``); each becomes a question about one element or flow — a
flow rule asking about its target asks about that element — deduplicated when several findings
wait on the same property of the same subject, with the answers it takes (the vocabulary's values
but ``unknown``) and the findings that wait on it. A property drawn since with a known value is
answered (the analysis has not caught up) and is not listed. Answering is setting the property
through ``POST /diagrams/{id}/ops/``; the analysis after it confirms or drops the findings.

The browser derives the same list from its threat rows (``frontend/src/core/questions.ts``), so an
answer shows at once, before the threat list is fetched again.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from dfd import vocabulary
from dfd.selectors import model_diagrams
from stride.choices import ThreatStatus
from stride.engine import KIND_WORDS, question_text
from stride.models import Threat

ENDS = ("source", "target")


@dataclass
class Question:
    key: str
    kind: str
    name: str
    diagram: int
    property: str
    label: str
    type: str
    values: list[Any]
    question: str
    threats: list[int] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {
            "subject": {"key": self.key, "kind": self.kind, "name": self.name, "diagram": self.diagram},
            "property": self.property,
            "label": self.label,
            "type": self.type,
            "values": self.values,
            "question": self.question,
            "threats": sorted(self.threats),
        }


@dataclass(frozen=True)
class _Subject:
    key: str
    kind: str
    name: str
    diagram: int
    properties: Mapping[str, Any]
    ends: Mapping[str, str]


def _subjects(model_id: int) -> dict[str, _Subject]:
    subjects: dict[str, _Subject] = {}
    for snapshot in model_diagrams(model_id):
        state = snapshot.state
        for key, element in state.elements.items():
            subjects[key] = _Subject(key, element.kind, element.name, snapshot.id, element.properties, {})
        for key, flow in state.flows.items():
            source, target = state.elements.get(flow.source), state.elements.get(flow.target)
            name = flow.label or f"{source.name if source else flow.source} → {target.name if target else flow.target}"
            subjects[key] = _Subject(key, "flow", name, snapshot.id, flow.properties, {"source": flow.source, "target": flow.target})
    return subjects


def open_questions(model_id: int) -> dict[str, Any]:
    """``{"open": n, "unconfirmed": m, "questions": [...]}``, the questions ordered by subject name, then label."""
    rows = (
        Threat.objects.filter(threat_model_id=model_id, confirmed=False)
        .exclude(status=ThreatStatus.OBSOLETE)
        .values_list("id", "element_key", "flow_key", "explanation", "questions")
    )
    subjects: dict[str, _Subject] | None = None
    found: dict[tuple[str, str], Question] = {}
    unconfirmed = 0
    for threat_id, element_key, flow_key, explanation, texts in rows:
        unconfirmed += 1
        assumed = explanation.get("assumed") if isinstance(explanation, Mapping) else None
        if not isinstance(assumed, Mapping):
            continue
        if subjects is None:
            subjects = _subjects(model_id)
        own = subjects.get(flow_key or element_key)
        for path in assumed:
            end, _, name = str(path).rpartition(".")
            if own is None or (end and end not in ENDS):
                continue
            subject = subjects.get(own.ends.get(end, "")) if end else own
            spec = vocabulary.PROPERTIES.get(name)
            if subject is None or spec is None or subject.kind not in spec.applies_to:
                continue
            if subject.properties.get(name, vocabulary.UNKNOWN) != vocabulary.UNKNOWN:
                continue  # answered; the analysis has not caught up yet
            question = found.get((subject.key, name))
            if question is None:
                noun = f"this {KIND_WORDS.get(subject.kind, subject.kind)}"
                values = [value for value in spec.allowed_values() if value != vocabulary.UNKNOWN]
                question = Question(subject.key, subject.kind, subject.name, subject.diagram, name, spec.label, spec.type, values,
                                    question_text(spec.label, spec.type, noun))
                found[(subject.key, name)] = question
            if not end and len(assumed) == 1 and isinstance(texts, list) and len(texts) == 1:
                question.question = str(texts[0])  # the engine's own words for it
            question.threats.append(threat_id)
    questions = sorted(found.values(), key=lambda q: (q.name.lower(), q.key, q.label.lower()))
    return {"open": len(questions), "unconfirmed": unconfirmed, "questions": [q.as_dict() for q in questions]}
