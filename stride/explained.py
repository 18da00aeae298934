"""A threat that explains itself: what it is, why it fired here, what to do, and the ATT&CK techniques.

The words come from the rule (its description and fix), the engine's explanation of the finding
(the parts of the condition that matched, the path for graph rules) and the subject's own names,
so the text reads "Orders service → Orders DB: leaves Namespace shop; authenticated = false" rather
than a generic sentence. Pure: no ORM, no request — the callers pass the names they read in bulk,
and the drawer, the CSV, the exports and the PDF all print the same ``Explained``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from stride.ruleset import Rule

CWE_URL = "https://cwe.mitre.org/data/definitions/{}.html"
CAPEC_URL = "https://capec.mitre.org/data/definitions/{}.html"


@dataclass(frozen=True)
class Named:
    """Something the explanation names: a technique, a control, an ATT&CK mitigation, a CWE."""

    id: str
    name: str
    url: str = ""

    def label(self) -> str:
        return f"{self.id} {self.name}".strip() if self.name else self.id

    def as_dict(self) -> dict[str, str]:
        return {"id": self.id, "name": self.name, "url": self.url}


@dataclass(frozen=True)
class Explained:
    subject: str
    summary: str
    what: str
    why: tuple[str, ...]
    path: tuple[str, ...]
    fix: str
    techniques: tuple[Named, ...] = ()
    controls: tuple[Named, ...] = ()
    attack_mitigations: tuple[Named, ...] = ()
    references: tuple[Named, ...] = field(default=())

    @property
    def path_in_why(self) -> bool:
        """Graph rules already name the path in a matched part ("reachable from A → B → C")."""
        return bool(self.path) and any(" → ".join(self.path) in reason for reason in self.why)

    def as_text(self) -> str:
        """Plain paragraphs for description fields (CSV, Threat Dragon, OTM)."""
        parts = [self.summary]
        if self.what:
            parts.append(self.what)
        if self.path and not self.path_in_why:
            parts.append("Path: " + " → ".join(self.path) + ".")
        if self.fix:
            parts.append("What to do: " + self.fix)
        if self.controls:
            parts.append("Suggested controls: " + "; ".join(c.label() for c in self.controls) + ".")
        if self.attack_mitigations:
            parts.append("ATT&CK mitigations: " + "; ".join(m.label() for m in self.attack_mitigations) + ".")
        if self.techniques:
            parts.append("ATT&CK techniques: " + "; ".join(t.label() for t in self.techniques) + ".")
        return "\n\n".join(parts)

    def as_dict(self) -> dict[str, Any]:
        return {
            "subject": self.subject,
            "summary": self.summary,
            "what": self.what,
            "why": list(self.why),
            "path": list(self.path),
            "path_in_why": self.path_in_why,
            "fix": self.fix,
            "techniques": [t.as_dict() for t in self.techniques],
            "controls": [c.as_dict() for c in self.controls],
            "attack_mitigations": [m.as_dict() for m in self.attack_mitigations],
            "references": [r.as_dict() for r in self.references],
        }


def _reason(text: str, subject: str) -> str:
    """A matched part without the subject's own name in front ("Storefront: runs_as_root = true")."""
    prefix = subject + ": "
    return text[len(prefix) :] if text.startswith(prefix) else text


ASSUMED = " (assumed: not answered yet)"


def _mark_assumed(why: tuple[str, ...], explanation: Mapping[str, Any]) -> tuple[str, ...]:
    """An unconfirmed finding's reasons say which of them are answers assumed, not facts drawn
    ("backed_up = false (assumed: not answered yet)"): the engine tried that answer to ask the question."""
    assumed = explanation.get("assumed") if explanation.get("confirmed") is False else None
    if not isinstance(assumed, Mapping) or not assumed:
        return why
    names = "|".join(re.escape(str(path).rsplit(".", 1)[-1]) for path in assumed)
    pattern = re.compile(rf"(?:^|[\s:])(?:{names}) = ")
    return tuple(reason + ASSUMED if pattern.search(reason) else reason for reason in why)


def _lower(title: str) -> str:
    """The title inside a sentence: a lower-case first letter unless it is an acronym ("etcd", "SQL")."""
    first = title.split(" ", 1)[0]
    return title if len(first) > 1 and first[1:2].isupper() else title[:1].lower() + title[1:]


def _references(rule: Rule) -> tuple[Named, ...]:
    refs = [Named(cwe, "", CWE_URL.format(cwe.removeprefix("CWE-"))) for cwe in rule.cwe]
    refs += [Named(capec, "", CAPEC_URL.format(capec.removeprefix("CAPEC-"))) for capec in rule.capec]
    return tuple(refs)


def explain_threat(
    *,
    title: str,
    subject: str,
    rule: Rule | None,
    explanation: Mapping[str, Any],
    description: str = "",
    names: Mapping[str, str] | None = None,
    techniques: Iterable[Named] = (),
    controls: Mapping[str, str] | None = None,
    attack_mitigations: Iterable[Named] = (),
) -> Explained:
    """The explanation of one threat.

    ``subject`` is the element's or flow's name; ``names`` maps element keys to names (for the
    path); ``controls`` maps control ids to names. A person's own description (manual threats, or
    one written on a rule threat) stays the "what"; otherwise it is the rule's description.
    """
    names = names or {}
    matched = [str(item) for item in explanation.get("matched", []) if str(item).strip()]
    why = _mark_assumed(tuple(_reason(item, subject) for item in matched), explanation)
    path = tuple(names.get(str(key), str(key)) for key in explanation.get("path", []))
    what = description.strip() or (rule.description if rule else "")
    if why:
        summary = f"{subject}: {_lower(title)} — {'; '.join(why)}" if subject else f"{title} — {'; '.join(why)}"
    elif rule is not None and rule.layer == "baseline":
        kind = rule.targets[0].replace("_", " ") if rule.targets else "element"
        summary = (f"{subject}: {_lower(title)}" if subject else title) + f" (the STRIDE check of every {kind}; no specific rule covers it)"
    else:
        summary = f"{subject}: {_lower(title)}" if subject else title
    control_names = controls or {}
    return Explained(
        subject=subject,
        summary=summary,
        what=what,
        why=why,
        path=path,
        fix=rule.mitigation if rule else "",
        techniques=tuple(techniques),
        controls=tuple(Named(cid, control_names.get(cid, "")) for cid in (rule.controls if rule else ())),
        attack_mitigations=tuple(attack_mitigations),
        references=_references(rule) if rule else (),
    )
