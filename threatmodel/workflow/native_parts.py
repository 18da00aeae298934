"""The workflow's part of the native JSON format: risk policy, mitigations, decisions and the
workshop's comments.

``native.native_export`` appends what ``workflow_export`` returns; ``native.native_import`` asks
``workflow_check`` to validate the same keys (collecting path-named errors with the importer's
checker) and ``workflow_create`` to write them once the threats exist. Like the rest of the format:
no database ids, no timestamps, people by username, threats by fingerprint, a stable order
(mitigations by reference, decisions by threat and then in the order they were taken, comment
threads and their replies in the order they were written). Comments keep their times — when
something was said is part of what was said — and their mentions are read again from the body
against the importing team.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from stride.models import AttackMitigation, Threat
from threatmodel.mentions import mentioned_names
from threatmodel.models import (
    Comment,
    Control,
    Decision,
    DecisionKind,
    DecisionStatus,
    Mitigation,
    MitigationStatus,
    ThreatMitigation,
    ThreatModel,
)
from threatmodel.workflow.risk import policy_problems
from threatmodel.workflow.selectors import model_policy

if TYPE_CHECKING:
    from threatmodel.native import _Checker

MAX_MITIGATIONS = 100_000
MAX_DECISIONS = 100_000
MAX_COMMENTS = 100_000
MAX_COMMENT_BODY = 5_000
REF_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.:\-]{0,15}$")
POLICY_FIELDS = ("unacceptable_at", "acceptable_max", "impact_floor", "acceptance_max_days", "exception_max_days")


def _ref_order(ref: str) -> tuple[int, str]:
    match = re.match(r"^MIT-(\d+)$", ref)
    return (int(match.group(1)) if match else 10**12, ref)


def workflow_export(model: ThreatModel) -> dict[str, Any]:
    """The workflow keys of a model's native document (three queries plus two for links)."""
    policy = model_policy(model)
    mitigations = list(
        Mitigation.objects.filter(threat_model=model).values(
            "id",
            "ref",
            "title",
            "description",
            "control__control_id",
            "status",
            "likelihood_reduction",
            "impact_reduction",
            "owner__username",
            "evidence_url",
            "evidence",
            "implemented_by__username",
            "verified_by__username",
        )
    )
    threats_of: dict[int, list[str]] = defaultdict(list)
    for mitigation_id, fingerprint in ThreatMitigation.objects.filter(mitigation__threat_model=model).values_list(
        "mitigation_id", "threat__fingerprint"
    ):
        threats_of[mitigation_id].append(fingerprint)
    attack_of: dict[int, list[str]] = defaultdict(list)
    for mitigation_id, attack_id in Mitigation.attack_mitigations.through.objects.filter(mitigation__threat_model=model).values_list(
        "mitigation_id", "attackmitigation__attack_id"
    ):
        attack_of[mitigation_id].append(attack_id)
    decisions = Decision.objects.filter(threat_model=model).values(
        "id",
        "threat__fingerprint",
        "kind",
        "status",
        "justification",
        "owner__username",
        "expires_on",
        "compensating_controls",
        "recipient",
        "evidence",
        "band",
        "score",
        "policy_version",
        "approved_by__username",
        "created_by__username",
    )
    return {
        "risk_policy": {"version": policy.version, **policy.thresholds()},
        "comments": _comments_export(model),
        "mitigations": [
            {
                "ref": row["ref"],
                "title": row["title"],
                "description": row["description"],
                "control": row["control__control_id"],
                "attack_mitigations": sorted(attack_of[row["id"]]),
                "status": row["status"],
                "likelihood_reduction": row["likelihood_reduction"],
                "impact_reduction": row["impact_reduction"],
                "owner": row["owner__username"],
                "evidence_url": row["evidence_url"],
                "evidence": row["evidence"],
                "implemented_by": row["implemented_by__username"],
                "verified_by": row["verified_by__username"],
                "threats": sorted(threats_of[row["id"]]),
            }
            for row in sorted(mitigations, key=lambda r: _ref_order(r["ref"]))
        ],
        "decisions": [
            {
                "threat": row["threat__fingerprint"],
                "kind": row["kind"],
                "status": row["status"],
                "justification": row["justification"],
                "owner": row["owner__username"],
                "expires_on": row["expires_on"].isoformat() if row["expires_on"] else None,
                "compensating_controls": row["compensating_controls"],
                "recipient": row["recipient"],
                "evidence": row["evidence"],
                "band": row["band"],
                "score": row["score"],
                "policy_version": row["policy_version"],
                "approved_by": row["approved_by__username"],
                "decided_by": row["created_by__username"],
            }
            for row in sorted(decisions, key=lambda r: (r["threat__fingerprint"], r["id"]))
        ],
    }


@dataclass
class WorkflowPlan:
    """What ``workflow_check`` found valid in a file, ready for ``workflow_create``."""

    mitigations: list[tuple[dict[str, Any], list[str], list[str]]] = field(default_factory=list)
    decisions: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    comments: list[tuple[str | None, dict[str, Any], list[dict[str, Any]]]] = field(default_factory=list)


def workflow_check(
    root: Mapping[str, Any],
    check: _Checker,
    *,
    fingerprints: set[str],
    members: Mapping[str, int],
    team_policy: Mapping[str, int],
    warnings: list[str],
    subjects: set[str] | None = None,
) -> WorkflowPlan:
    """Check the risk policy, mitigations, decisions and comments of a native document (errors go to
    ``check``); ``subjects`` are the element and flow keys of the file, which comments may be on."""
    _check_policy(root, check, team_policy, warnings)
    people = _People(check, members, warnings)
    return WorkflowPlan(
        mitigations=_check_mitigations(root, check, fingerprints, people),
        decisions=_check_decisions(root, check, fingerprints, people),
        comments=_check_comments(root, check, fingerprints, subjects or set(), people),
    )


@dataclass
class _People:
    """Usernames in a file: a team member becomes their id, anyone else is dropped with a warning."""

    check: _Checker
    members: Mapping[str, int]
    warnings: list[str]

    def of(self, parent: Mapping[str, Any], name: str, path: str) -> int | None:
        value = parent.get(name)
        if value is None:
            return None
        if not isinstance(value, str):
            self.check.fail(f"{path}.{name}", "must be a username or null")
            return None
        if value not in self.members:
            self.warnings.append(f"{path}.{name}: {value[:150]!r} is not a member of this team; dropped")
            return None
        return self.members[value]


def _check_mitigations(
    root: Mapping[str, Any], check: _Checker, fingerprints: set[str], people: _People
) -> list[tuple[dict[str, Any], list[str], list[str]]]:
    controls = dict(Control.objects.values_list("control_id", "id"))
    attack_ids = set(AttackMitigation.objects.values_list("attack_id", flat=True))
    refs: set[str] = set()
    plans: list[tuple[dict[str, Any], list[str], list[str]]] = []
    for m_index, raw in enumerate(check.lst(root.get("mitigations", []), "mitigations", MAX_MITIGATIONS)):
        path = f"mitigations[{m_index}]"
        item = check.obj(raw, path)
        if item is None:
            continue
        ref = _mitigation_ref(check, item, path, refs)
        control = item.get("control")
        if control is not None and control not in controls:
            check.fail(f"{path}.control", f"{str(control)[:20]!r} is not a control of the catalogue")
        attack = _listed(check, item, "attack_mitigations", path, 100, attack_ids, "{value} is not in the ATT&CK catalogue")
        linked = _listed(check, item, "threats", path, 100_000, fingerprints, "must be the fingerprint of a threat in this file")
        fields = {
            "ref": ref,
            "title": check.text(item, "title", path, 300, required=True),
            "description": check.text(item, "description", path, 20_000),
            "control_id": controls.get(control) if isinstance(control, str) else None,
            "status": check.choice(item, "status", path, list(MitigationStatus.values), default=MitigationStatus.PROPOSED),
            "likelihood_reduction": _small_int(check, item, "likelihood_reduction", path, 3),
            "impact_reduction": _small_int(check, item, "impact_reduction", path, 2),
            "owner_id": people.of(item, "owner", path),
            "evidence_url": check.text(item, "evidence_url", path, 1000),
            "evidence": check.text(item, "evidence", path, 20_000),
            "implemented_by_id": people.of(item, "implemented_by", path),
            "verified_by_id": people.of(item, "verified_by", path),
        }
        plans.append((fields, attack, linked))
    return plans


def _mitigation_ref(check: _Checker, item: Mapping[str, Any], path: str, refs: set[str]) -> Any:
    ref = item.get("ref")
    if not isinstance(ref, str) or not REF_RE.match(ref):
        check.fail(f"{path}.ref", "must be 1-16 letters, digits or _ . : -")
    elif ref in refs:
        check.fail(f"{path}.ref", f"{ref!r} appears twice")
    else:
        refs.add(ref)
    return ref


def _listed(
    check: _Checker, item: Mapping[str, Any], name: str, path: str, most: int, known: set[str], message: str
) -> list[str]:
    """A list of ids that must each be one of ``known`` (``message`` may show the id as ``{value}``); its strings."""
    values = check.lst(item.get(name, []), f"{path}.{name}", most)
    for index, value in enumerate(values):
        if not isinstance(value, str) or value not in known:
            check.fail(f"{path}.{name}[{index}]", message.format(value=repr(str(value)[:20])))
    return [value for value in values if isinstance(value, str)]


def _check_decisions(
    root: Mapping[str, Any], check: _Checker, fingerprints: set[str], people: _People
) -> list[tuple[str, dict[str, Any]]]:
    live: dict[tuple[str, str], str] = {}
    plans: list[tuple[str, dict[str, Any]]] = []
    for d_index, raw in enumerate(check.lst(root.get("decisions", []), "decisions", MAX_DECISIONS)):
        path = f"decisions[{d_index}]"
        item = check.obj(raw, path)
        if item is None:
            continue
        threat = item.get("threat")
        if not isinstance(threat, str) or threat not in fingerprints:
            check.fail(f"{path}.threat", "must be the fingerprint of a threat in this file")
            threat = ""
        status = check.choice(item, "status", path, list(DecisionStatus.values), default=DecisionStatus.ACTIVE)
        if status in (DecisionStatus.ACTIVE, DecisionStatus.PENDING) and threat:
            if (threat, status) in live:
                check.fail(path, f"a second {status} decision for {threat[:60]!r} (see {live[(threat, status)]})")
            live[(threat, status)] = path
        fields = {
            "kind": check.choice(item, "kind", path, list(DecisionKind.values)),
            "status": status,
            "justification": check.text(item, "justification", path, 20_000),
            "owner_id": people.of(item, "owner", path),
            "expires_on": _date(check, item, "expires_on", path),
            "compensating_controls": check.text(item, "compensating_controls", path, 20_000),
            "recipient": check.text(item, "recipient", path, 200),
            "evidence": check.text(item, "evidence", path, 20_000),
            "band": check.choice(item, "band", path, ["", "unacceptable", "tolerable", "broadly_acceptable"], default=""),
            "score": _bounded_int(check, item, "score", path, 1, 25, "must be an integer from 1 to 25, or null"),
            "policy_version": _bounded_int(check, item, "policy_version", path, 1, None, "must be a positive integer, or null"),
            "approved_by_id": people.of(item, "approved_by", path),
            "created_by_id": people.of(item, "decided_by", path),
        }
        plans.append((threat, fields))
    return plans


def _date(check: _Checker, item: Mapping[str, Any], name: str, path: str) -> date | None:
    value = item.get(name)
    if value is None:
        return None
    try:
        parsed = date.fromisoformat(value) if isinstance(value, str) else None
    except ValueError:
        parsed = None
    if parsed is None:
        check.fail(f"{path}.{name}", "must be a date (YYYY-MM-DD) or null")
    return parsed


def _bounded_int(
    check: _Checker, item: Mapping[str, Any], name: str, path: str, lowest: int, highest: int | None, message: str
) -> int | None:
    value = item.get(name)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or value < lowest or (highest is not None and value > highest):
        check.fail(f"{path}.{name}", message)
        return None
    return value


def _small_int(check: _Checker, parent: Mapping[str, Any], name: str, path: str, maximum: int) -> int:
    value = parent.get(name, 0)
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= maximum:
        check.fail(f"{path}.{name}", f"must be an integer from 0 to {maximum}")
        return 0
    return value


def _check_policy(root: Mapping[str, Any], check: _Checker, team_policy: Mapping[str, int], warnings: list[str]) -> None:
    raw = root.get("risk_policy")
    if raw is None:
        return
    policy = check.obj(raw, "risk_policy")
    if policy is None:
        return
    values: dict[str, int] = {}
    for name in POLICY_FIELDS:
        value = policy.get(name)
        if isinstance(value, bool) or not isinstance(value, int):
            check.fail(f"risk_policy.{name}", "must be an integer")
        else:
            values[name] = value
    if len(values) == len(POLICY_FIELDS):
        for name, message in policy_problems(**values):
            check.fail(f"risk_policy.{name}", message)
        differs = [f"{name} {values[name]} (yours: {team_policy[name]})" for name in POLICY_FIELDS if values[name] != team_policy[name]]
        if differs:
            warnings.append(
                "risk_policy: the file was rated under other thresholds — "
                + ", ".join(differs)
                + "; the model follows your team's policy, so bands may differ"
            )


def workflow_create(
    model: ThreatModel, plan: WorkflowPlan, threats: Mapping[str, Threat], members: Mapping[str, int] | None = None
) -> None:
    """Write the checked workflow data of an import (bulk statements, in file order); ``members``
    (username to id) are who the comments' mentions may name."""
    created = Mitigation.objects.bulk_create(
        [Mitigation(threat_model=model, **fields) for fields, _, _ in plan.mitigations], batch_size=1000
    )
    attack_pks = dict(AttackMitigation.objects.values_list("attack_id", "id"))
    Mitigation.attack_mitigations.through.objects.bulk_create(
        [
            Mitigation.attack_mitigations.through(mitigation_id=mitigation.pk, attackmitigation_id=attack_pks[attack_id])
            for mitigation, (_, attack, _) in zip(created, plan.mitigations, strict=True)
            for attack_id in sorted(set(attack))
        ],
        batch_size=1000,
    )
    ThreatMitigation.objects.bulk_create(
        [
            ThreatMitigation(mitigation=mitigation, threat=threats[fingerprint])
            for mitigation, (_, _, linked) in zip(created, plan.mitigations, strict=True)
            for fingerprint in sorted(set(linked))
        ],
        batch_size=1000,
    )
    Decision.objects.bulk_create(
        [Decision(threat_model=model, threat=threats[fingerprint], **fields) for fingerprint, fields in plan.decisions],
        batch_size=1000,
    )
    _comments_create(model, plan, threats, members or {})


# --- comments ---------------------------------------------------------------------------------------


def _comment_out(row: Mapping[str, Any]) -> dict[str, Any]:
    return {
        "author": row["author__username"],
        "body": row["body"],
        "created_at": row["created_at"].isoformat(),
        "edited_at": row["edited_at"].isoformat() if row["edited_at"] else None,
    }


def _comments_export(model: ThreatModel) -> list[dict[str, Any]]:
    """Threads in the order they were started, each with its subject, resolution and replies (one query)."""
    rows = list(
        Comment.objects.filter(threat_model=model)
        .order_by("created_at", "id")
        .values(
            "id", "parent_id", "threat__fingerprint", "subject_key", "author__username", "body", "created_at", "edited_at",
            "resolved", "resolved_by__username", "resolved_at",
        )
    )
    replies: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for row in rows:
        if row["parent_id"] is not None:
            replies[row["parent_id"]].append(_comment_out(row))
    return [
        {
            "threat": row["threat__fingerprint"],
            "subject": row["subject_key"] or None,
            **_comment_out(row),
            "resolved": row["resolved"],
            "resolved_by": row["resolved_by__username"],
            "resolved_at": row["resolved_at"].isoformat() if row["resolved_at"] else None,
            "replies": replies[row["id"]],
        }
        for row in rows
        if row["parent_id"] is None
    ]


def _moment(check: _Checker, item: Mapping[str, Any], name: str, path: str, *, required: bool) -> datetime | None:
    value = item.get(name)
    if value is None and not required:
        return None
    try:
        parsed = datetime.fromisoformat(value) if isinstance(value, str) else None
    except ValueError:
        parsed = None
    if parsed is not None and parsed.tzinfo is None:
        parsed = None
    if parsed is None:
        check.fail(f"{path}.{name}", "must be a date and time with its offset (ISO 8601)" + ("" if required else ", or null"))
    return parsed


def _comment_fields(check: _Checker, item: Mapping[str, Any], path: str, people: _People) -> dict[str, Any]:
    return {
        "author_id": people.of(item, "author", path),
        "body": check.text(item, "body", path, MAX_COMMENT_BODY, required=True),
        "created_at": _moment(check, item, "created_at", path, required=True),
        "edited_at": _moment(check, item, "edited_at", path, required=False),
    }


def _check_comments(
    root: Mapping[str, Any], check: _Checker, fingerprints: set[str], subjects: set[str], people: _People
) -> list[tuple[str | None, dict[str, Any], list[dict[str, Any]]]]:
    """Each thread as (its threat's fingerprint or None, its fields, its replies' fields)."""
    plans: list[tuple[str | None, dict[str, Any], list[dict[str, Any]]]] = []
    items = check.lst(root.get("comments", []), "comments", MAX_COMMENTS)
    replies_left = MAX_COMMENTS - len(items)
    for c_index, raw in enumerate(items):
        path = f"comments[{c_index}]"
        item = check.obj(raw, path)
        if item is None:
            continue
        threat, subject = item.get("threat"), item.get("subject")
        if (threat is None) == (subject is None):
            check.fail(path, "must name exactly one of threat (a fingerprint) and subject (an element or flow key)")
        elif threat is not None and (not isinstance(threat, str) or threat not in fingerprints):
            check.fail(f"{path}.threat", "must be the fingerprint of a threat in this file")
        elif subject is not None and (not isinstance(subject, str) or subject not in subjects):
            check.fail(f"{path}.subject", "must be the key of an element or flow in this file")
        resolved = check.boolean(item, "resolved", path)
        fields = {
            **_comment_fields(check, item, path, people),
            "subject_key": subject if isinstance(subject, str) else "",
            "resolved": resolved,
            "resolved_by_id": people.of(item, "resolved_by", path) if resolved else None,
            "resolved_at": _moment(check, item, "resolved_at", path, required=False) if resolved else None,
        }
        replies = []
        for r_index, raw_reply in enumerate(check.lst(item.get("replies", []), f"{path}.replies", max(replies_left, 0))):
            r_path = f"{path}.replies[{r_index}]"
            reply = check.obj(raw_reply, r_path)
            if reply is not None:
                replies.append(_comment_fields(check, reply, r_path, people))
        replies_left -= len(replies)
        plans.append((threat if isinstance(threat, str) else None, fields, replies))
    return plans


def _comments_create(model: ThreatModel, plan: WorkflowPlan, threats: Mapping[str, Threat], members: Mapping[str, int]) -> None:
    by_name = {name.lower(): user_id for name, user_id in members.items()}
    threads = Comment.objects.bulk_create(
        [
            Comment(threat_model=model, threat=threats[fingerprint] if fingerprint else None, **fields)
            for fingerprint, fields, _ in plan.comments
        ],
        batch_size=1000,
    )
    replies = Comment.objects.bulk_create(
        [
            Comment(threat_model=model, parent=thread, threat=thread.threat, subject_key=thread.subject_key, **fields)
            for thread, (_, _, thread_replies) in zip(threads, plan.comments, strict=True)
            for fields in thread_replies
        ],
        batch_size=1000,
    )
    Comment.mentions.through.objects.bulk_create(
        [
            Comment.mentions.through(comment_id=comment.pk, user_id=user_id)
            for comment in [*threads, *replies]
            for user_id in dict.fromkeys(by_name[name.lower()] for name in mentioned_names(comment.body) if name.lower() in by_name)
        ],
        batch_size=1000,
    )
