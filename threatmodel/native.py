"""The native JSON format of a whole threat model, and the document the editor loads.

Export and import are exact inverses for a model in the design stage: export → import → export
gives the same document (no database ids, no timestamps; elements ordered parents first, then by
key; threats by fingerprint). The format is described in ``docs/native-format.md``; its version is
``FORMAT_VERSION`` and an importer refuses versions it does not know.

Import goes through the single diagram write path (``dfd.services.apply_ops``), so an imported
diagram obeys every rule an edited one does. It is all-or-nothing: any problem rolls back the
whole import, and each error names the JSON path of what is wrong (``diagrams[0].elements[3].kind``).
"""

from __future__ import annotations

import json
import re
import sys
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from django.db import transaction

from common import bounded
from common.errors import ErrorDetail, ValidationFailed
from dfd import vocabulary
from dfd.choices import DiagramLevel
from dfd.models import Diagram, Element, Flow
from dfd.ops import DiagramState, ElementState, FlowState
from dfd.selectors import DiagramSnapshot, model_diagrams
from stride.choices import Stride, ThreatOrigin, ThreatStatus
from stride.models import CoverageNote, Technique, Threat
from stride.techniques import rule_techniques, techniques_by_threat
from threatmodel.audit import audit
from threatmodel.choices import Stage
from threatmodel.document_threats import document_threats
from threatmodel.interop import limits
from threatmodel.models import Membership, Team, ThreatModel
from threatmodel.services import threat_model_create
from threatmodel.workflow.native_parts import workflow_check, workflow_create, workflow_export
from threatmodel.workflow.risk import DEFAULT_POLICY
from threatmodel.workflow.selectors import team_policy

if TYPE_CHECKING:
    from django.contrib.auth.models import User

FORMAT = "threatmodel/native"
FORMAT_VERSION = 1
MAX_EXPLANATION_BYTES = 20_000
FINGERPRINT_RE = re.compile(r"^[^\x00-\x1f]{1,400}$")


# --- reading the model (document and export share the loading) ---------------------------------------


def _load(model: ThreatModel) -> dict[str, Any]:
    """Everything in a model, in a fixed number of queries whatever its size."""
    threats = list(
        Threat.objects.filter(threat_model=model).values(
            "id",
            "fingerprint",
            "rule_id",
            "origin",
            "stride",
            "element_key",
            "flow_key",
            "title",
            "description",
            "explanation",
            "confirmed",
            "questions",
            "statement",
            "status",
            "likelihood",
            "impact",
            "owner__username",
            "notes",
            "rationale",
            "triaged",
            "duplicate_of__fingerprint",
            "suggested_likelihood",
            "suggested_impact",
            "status_before_obsolete",
        )
    )
    techniques = techniques_by_threat(((row["id"], row["rule_id"]) for row in threats), model_id=model.pk)
    notes = list(
        CoverageNote.objects.filter(threat_model=model)
        .order_by("target_key", "stride")
        .values("target_key", "stride", "reason", "author__username")
    )
    return {"diagrams": model_diagrams(model.pk), "threats": threats, "techniques": techniques, "coverage_notes": notes}


def _ordered_elements(state: DiagramState) -> list[ElementState]:
    """Parents before children, then by key: the order an importer can apply them in."""
    depth: dict[str, int] = {}

    def depth_of(key: str) -> int:
        if key not in depth:
            seen: list[str] = []
            current: str | None = key
            while current is not None and current not in depth and current not in seen:
                seen.append(current)
                element = state.elements.get(current)
                current = element.parent if element is not None else None
            base = depth.get(current, -1) if current is not None else -1
            for offset, item in enumerate(reversed(seen), start=1):
                depth[item] = base + offset
        return depth[key]

    return sorted(state.elements.values(), key=lambda el: (depth_of(el.key), el.key))


def _element_out(element: ElementState) -> dict[str, Any]:
    out = element.as_dict()
    out["properties"] = dict(sorted(out["properties"].items()))
    return out


def _flow_out(flow: FlowState) -> dict[str, Any]:
    out = flow.as_dict()
    out["properties"] = dict(sorted(out["properties"].items()))
    return out


def _diagram_content(snapshot: DiagramSnapshot) -> dict[str, Any]:
    return {
        "elements": [_element_out(el) for el in _ordered_elements(snapshot.state)],
        "flows": [_flow_out(snapshot.state.flows[key]) for key in sorted(snapshot.state.flows)],
    }


def _threat_out(row: Mapping[str, Any], techniques: list[str]) -> dict[str, Any]:
    return {
        "fingerprint": row["fingerprint"],
        "rule_id": row["rule_id"],
        "origin": row["origin"],
        "stride": row["stride"],
        "element": row["element_key"] or None,
        "flow": row["flow_key"] or None,
        "title": row["title"],
        "description": row["description"],
        "explanation": row["explanation"] or {},
        "confirmed": row["confirmed"],
        "questions": list(row["questions"] or []),
        **({"statement": row["statement"]} if row.get("statement") else {}),
        "techniques": sorted(techniques),
        "status": row["status"],
        "likelihood": row["likelihood"],
        "impact": row["impact"],
        "owner": row["owner__username"],
        "notes": row["notes"],
        "rationale": row["rationale"],
        "triaged": row["triaged"],
        "duplicate_of": row["duplicate_of__fingerprint"],
        "suggested_likelihood": row["suggested_likelihood"],
        "suggested_impact": row["suggested_impact"],
        "status_before_obsolete": row["status_before_obsolete"] or None,
    }


def _note_out(row: Mapping[str, Any]) -> dict[str, Any]:
    return {"target": row["target_key"], "stride": row["stride"], "reason": row["reason"], "author": row["author__username"]}


def native_export(model: ThreatModel) -> dict[str, Any]:
    data = _load(model)
    return {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "vocabulary_version": vocabulary.VOCABULARY_VERSION,
        "threat_model": {
            "name": model.name,
            "description": model.description,
            "scope": model.scope,
            "out_of_scope": model.out_of_scope,
            "assumptions": model.assumptions,
            "stage": model.stage,
        },
        "diagrams": [
            {"name": diagram.name, "level": diagram.level, "order": diagram.order, **_diagram_content(diagram)}
            for diagram in data["diagrams"]
        ],
        "threats": [
            _threat_out(row, data["techniques"][row["id"]]) for row in sorted(data["threats"], key=lambda r: r["fingerprint"])
        ],
        "coverage_notes": [_note_out(row) for row in data["coverage_notes"]],
        **workflow_export(model),
    }


def document_build(model: ThreatModel) -> dict[str, Any]:
    """The whole model for the editor: the diagrams with ids and versions for editing, the threats compact.

    The threats are columns (``threatmodel.document_threats``), not the export's one object per
    threat: a large model's document is a tenth of the size, and a threat's full record is one
    ``GET /api/v1/threats/{id}/`` away.
    """
    notes = (
        CoverageNote.objects.filter(threat_model=model)
        .order_by("target_key", "stride")
        .values("target_key", "stride", "reason", "author__username")
    )
    return {
        "id": model.pk,
        "team": model.team_id,
        "name": model.name,
        "description": model.description,
        "scope": model.scope,
        "assumptions": model.assumptions,
        "stage": model.stage,
        "version": model.version,
        "vocabulary_version": vocabulary.VOCABULARY_VERSION,
        "diagrams": [
            {
                "id": diagram.id,
                "name": diagram.name,
                "level": diagram.level,
                "order": diagram.order,
                "version": diagram.version,
                **_diagram_content(diagram),
            }
            for diagram in model_diagrams(model.pk)
        ],
        "threats": document_threats(model.pk),
        "coverage_notes": [_note_out(row) for row in notes],
    }


# --- import ----------------------------------------------------------------------------------------------------


def parse_json(raw: bytes) -> Any:
    """Parse bytes as JSON within the shared bounds (depth, values); every failure is an error that says where.

    NUL characters and lone surrogates are refused by the import's own walk, which names the file.
    """
    return bounded.load_json(raw, check_strings=False)


class _Checker:
    """Collects path-named errors while walking an untrusted document."""

    def __init__(self) -> None:
        self.errors: list[ErrorDetail] = []

    def fail(self, path: str, message: str) -> None:
        if len(self.errors) < 100:
            self.errors.append({"path": path, "message": message})

    def obj(self, value: object, path: str) -> Mapping[str, Any] | None:
        if not isinstance(value, Mapping):
            self.fail(path, "must be an object")
            return None
        return value

    def lst(self, value: object, path: str, max_items: int, *, what: str = "") -> list[Any]:
        """A list of at most ``max_items``; ``what`` names an import-wide count (``limits.count_problem``)."""
        if not isinstance(value, list):
            self.fail(path, "must be a list")
            return []
        if len(value) > max_items:
            self.fail(path, limits.count_problem(what, max_items) if what else f"at most {max_items} items (got {len(value)})")
            return []
        return value

    def text(self, parent: Mapping[str, Any], name: str, path: str, max_length: int, *, required: bool = False) -> str:
        value = parent.get(name, "")
        if value is None and not required:
            return ""
        if not isinstance(value, str):
            self.fail(f"{path}.{name}", "must be a string")
            return ""
        if required and not value.strip():
            self.fail(f"{path}.{name}", "must not be empty")
        if len(value) > max_length:
            self.fail(f"{path}.{name}", f"must be at most {max_length} characters (got {len(value)})")
            return ""
        if "\x00" in value:
            self.fail(f"{path}.{name}", "must not contain NUL characters")
        return value

    def boolean(self, parent: Mapping[str, Any], name: str, path: str, default: bool = False) -> bool:
        value = parent.get(name, default)
        if not isinstance(value, bool):
            self.fail(f"{path}.{name}", "must be true or false")
            return default
        return value

    def choice(self, parent: Mapping[str, Any], name: str, path: str, allowed: list[str], default: str | None = None) -> str:
        value = parent.get(name, default)
        if value not in allowed:
            self.fail(f"{path}.{name}", f"must be one of {', '.join(allowed)}")
            return allowed[0]
        return str(value)

    def level(self, parent: Mapping[str, Any], name: str, path: str) -> int | None:
        value = parent.get(name)
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= 5:
            self.fail(f"{path}.{name}", "must be an integer from 1 to 5, or null")
            return None
        return value


def native_import(*, actor: User, team: Team, raw: bytes, name: str | None = None) -> tuple[ThreatModel, list[str]]:
    """Create a new model in ``team`` from a native JSON file; return it and any warnings."""
    return native_import_data(actor=actor, team=team, data=parse_json(raw), name=name)


def native_import_data(
    *, actor: User, team: Team, data: Any, name: str | None = None, source_format: str = FORMAT
) -> tuple[ThreatModel, list[str]]:
    """Create a new model from an already parsed native document.

    The importers of other tools' formats (``threatmodel.interop``) translate a file into this
    document and call this, so every import shares one set of checks and one write path. The
    whole file is checked first (every problem collected with its path); then it is written in
    one transaction, or nothing is.
    """
    check = _Checker()
    root = _document_root(check, data)
    meta = check.obj(root.get("threat_model"), "threat_model") or {}
    model_fields = {
        "name": check.text(meta, "name", "threat_model", 200, required=True),
        "description": check.text(meta, "description", "threat_model", 20_000),
        "scope": check.text(meta, "scope", "threat_model", 20_000),
        "out_of_scope": check.text(meta, "out_of_scope", "threat_model", 20_000),
        "assumptions": check.text(meta, "assumptions", "threat_model", 20_000),
    }
    stage = check.choice(meta, "stage", "threat_model", list(Stage.values), default=Stage.DESIGN)
    plans = _diagram_plans(check, root)
    members = dict(Membership.objects.filter(team=team).values_list("user__username", "user_id"))
    threats = _ThreatPlan.checked(check, root, members)
    notes = _coverage_notes(check, root, members)
    current_policy = team_policy(team.pk)
    workflow = workflow_check(
        root,
        check,
        fingerprints=threats.fingerprints,
        members=members,
        team_policy=(current_policy.as_policy() if current_policy else DEFAULT_POLICY).thresholds(),
        warnings=threats.warnings,
        subjects={op["key"] for _, ops, _ in plans for op in ops if isinstance(op.get("key"), str)},
    )
    if check.errors:
        raise ValidationFailed(f"The file has {len(check.errors)} problem(s); nothing was imported.", details=check.errors)
    warnings = threats.warnings
    if stage != Stage.DESIGN:
        warnings.append(f"threat_model.stage: the file says {stage!r}; an imported model starts in design and must pass the gates again")
    with transaction.atomic():
        model = threat_model_create(actor=actor, team=team, with_diagram=False, **model_fields)
        if name:
            model.name = name
            model.save(update_fields=["name"])
        _create_diagrams(model, plans, actor)
        by_fingerprint = threats.create(model)
        CoverageNote.objects.bulk_create([CoverageNote(threat_model=model, **note) for note in notes], batch_size=1000)
        workflow_create(model, workflow, by_fingerprint, members)
        model.refresh_from_db()
        counts = {"diagrams": len(plans), "threats": len(threats.rows), "mitigations": len(workflow.mitigations), "comments": len(workflow.comments)}
        audit(actor=actor, action="threat_model.import", obj=model, after={"format": source_format, **counts, "decisions": len(workflow.decisions)})
        return model, warnings


def _document_root(check: _Checker, data: Any) -> Mapping[str, Any]:
    """The document's top object, once its format and version are ours (else the import stops here)."""
    root = check.obj(data, "$")
    if root is None:
        raise ValidationFailed("The file is not a threat model.", details=check.errors)
    problems = limits.string_problems(root)
    if problems:
        raise ValidationFailed(
            f"The file has {len(problems)} text(s) that cannot be stored (NUL characters or lone surrogates); nothing was imported.",
            details=problems,
        )
    if root.get("format") != FORMAT:
        raise ValidationFailed(
            "This is not a native threat model file.", details=[{"path": "format", "message": f"must be {FORMAT!r}"}]
        )
    if root.get("format_version") != FORMAT_VERSION:
        raise ValidationFailed(
            "Unsupported format version.",
            details=[{"path": "format_version", "message": f"this server reads version {FORMAT_VERSION}"}],
        )
    return root


def _diagram_plans(check: _Checker, root: Mapping[str, Any]) -> list[tuple[dict[str, Any], list[dict[str, Any]], list[str]]]:
    """Each diagram's fields and its elements and flows as ``add_*`` operations, with the file path of each."""
    plans: list[tuple[dict[str, Any], list[dict[str, Any]], list[str]]] = []
    most = {"elements": limits.MAX_ELEMENTS, "flows": limits.MAX_FLOWS}  # over the whole file, not per diagram
    left = dict(most)
    for d_index, raw_diagram in enumerate(check.lst(root.get("diagrams", []), "diagrams", limits.MAX_DIAGRAMS, what="diagrams")):
        d_path = f"diagrams[{d_index}]"
        diagram = check.obj(raw_diagram, d_path)
        if diagram is None:
            continue
        spec = {
            "name": check.text(diagram, "name", d_path, 200, required=True),
            "level": check.choice(diagram, "level", d_path, list(DiagramLevel.values), default=DiagramLevel.LEVEL_0),
            "order": diagram.get("order", d_index),
        }
        if isinstance(spec["order"], bool) or not isinstance(spec["order"], int) or not 0 <= spec["order"] < 10_000:
            check.fail(f"{d_path}.order", "must be an integer from 0 to 9999")
            spec["order"] = d_index
        ops: list[dict[str, Any]] = []
        paths: list[str] = []
        for collection, op in (("elements", "add_element"), ("flows", "add_flow")):
            # The list is in memory already (the file's size is bounded); the count is refused at its first item over.
            items = check.lst(diagram.get(collection, []), f"{d_path}.{collection}", sys.maxsize)
            if len(items) > left[collection]:
                check.fail(f"{d_path}.{collection}[{left[collection]}]", limits.count_problem(collection, most[collection]))
                items = []
            left[collection] -= len(items)
            for index, raw in enumerate(items):
                item = check.obj(raw, f"{d_path}.{collection}[{index}]")
                if item is not None:
                    ops.append({**item, "op": op})
                    paths.append(f"{d_path}.{collection}[{index}]")
        plans.append((spec, ops, paths))
    return plans


def _create_diagrams(model: ThreatModel, plans: list[tuple[dict[str, Any], list[dict[str, Any]], list[str]]], actor: User) -> None:
    """Each diagram through the diagram write path; its errors name the file's paths, not the operations'."""
    for spec, ops, paths in plans:
        created_diagram = Diagram.objects.create(threat_model=model, **spec)
        try:
            from threatmodel.diagrams import diagram_change  # the write path: reading a file does not load it

            diagram_change(analyse=False, diagram_id=created_diagram.pk, actor=actor, base_version=created_diagram.version, ops=ops)
        except ValidationFailed as exc:
            raise ValidationFailed(
                f"The file has {len(exc.details)} problem(s); nothing was imported.",
                details=[_remap(detail, paths) for detail in exc.details],
            ) from exc


class _ThreatPlan:
    """The file's threats, checked: their fields, ATT&CK ids and duplicate links, ready to be written."""

    def __init__(self) -> None:
        self.rows: list[tuple[dict[str, Any], list[str]]] = []
        self.fingerprints: set[str] = set()
        self.duplicates: dict[str, tuple[str, str]] = {}  # fingerprint -> (fingerprint it duplicates, path)
        self.warnings: list[str] = []

    @classmethod
    def checked(cls, check: _Checker, root: Mapping[str, Any], members: Mapping[str, int]) -> _ThreatPlan:
        plan = cls()
        technique_ids = set(Technique.objects.values_list("attack_id", flat=True))
        for t_index, raw_threat in enumerate(check.lst(root.get("threats", []), "threats", limits.MAX_THREATS, what="threats")):
            threat = check.obj(raw_threat, f"threats[{t_index}]")
            if threat is not None:
                plan._add(check, threat, f"threats[{t_index}]", members, technique_ids)
        for target, (fingerprint, path) in plan.duplicates.items():
            if fingerprint not in plan.fingerprints or fingerprint == target:
                check.fail(path, f"{fingerprint[:60]!r} is not the fingerprint of another threat in this file")
        return plan

    def _fingerprint(self, check: _Checker, threat: Mapping[str, Any], t_path: str) -> Any:
        fingerprint = threat.get("fingerprint")
        if not isinstance(fingerprint, str) or not FINGERPRINT_RE.match(fingerprint):
            check.fail(f"{t_path}.fingerprint", "must be 1-400 printable characters")
        elif fingerprint in self.fingerprints:
            check.fail(f"{t_path}.fingerprint", f"{fingerprint!r} appears twice")
        else:
            self.fingerprints.add(fingerprint)
        duplicate_of = threat.get("duplicate_of")
        if duplicate_of is not None and not isinstance(duplicate_of, str):
            check.fail(f"{t_path}.duplicate_of", "must be the fingerprint of another threat, or null")
        elif duplicate_of is not None:
            self.duplicates[str(fingerprint)] = (duplicate_of, f"{t_path}.duplicate_of")
        return fingerprint

    def _owner(self, check: _Checker, threat: Mapping[str, Any], t_path: str, members: Mapping[str, int]) -> int | None:
        owner = threat.get("owner")
        if owner is None:
            return None
        if not isinstance(owner, str):
            check.fail(f"{t_path}.owner", "must be a username or null")
            return None
        if owner not in members:
            self.warnings.append(f"{t_path}.owner: {owner[:150]!r} is not a member of this team; the threat has no owner")
            return None
        return members[owner]

    def _add(
        self, check: _Checker, threat: Mapping[str, Any], t_path: str, members: Mapping[str, int], technique_ids: set[str]
    ) -> None:
        fingerprint = self._fingerprint(check, threat, t_path)
        techniques = check.lst(threat.get("techniques", []), f"{t_path}.techniques", 100)
        for i_index, technique in enumerate(techniques):
            if not isinstance(technique, str) or technique not in technique_ids:
                check.fail(f"{t_path}.techniques[{i_index}]", f"{str(technique)[:20]!r} is not in the ATT&CK catalogue")
        fields = {
            "fingerprint": fingerprint,
            **_threat_subject(check, threat, t_path),
            **_threat_texts(check, threat, t_path),
            "explanation": _explanation(check, threat, t_path),
            **_confirmation(check, threat, t_path),
            "statement": _statement(check, threat, t_path),
            "owner_id": self._owner(check, threat, t_path, members),
            "triaged": check.boolean(threat, "triaged", t_path),
            "origin": check.choice(threat, "origin", t_path, list(ThreatOrigin.values), default=ThreatOrigin.MANUAL),
            "stride": check.choice(threat, "stride", t_path, list(Stride.values)),
            "status": check.choice(threat, "status", t_path, list(ThreatStatus.values), default=ThreatStatus.OPEN),
            "status_before_obsolete": check.choice(threat, "status_before_obsolete", t_path, ["", *ThreatStatus.values], default="")
            if threat.get("status_before_obsolete") is not None
            else "",
            **{name: check.level(threat, name, t_path) for name in _LEVELS},
        }
        self.rows.append((fields, [t for t in techniques if isinstance(t, str)]))

    def create(self, model: ThreatModel) -> dict[str, Threat]:
        """Write the threats, their duplicate links and the ATT&CK ids their rules do not already supply."""
        all_keys = dict(Element.objects.filter(threat_model=model).values_list("key", "id"))
        flow_ids = dict(Flow.objects.filter(threat_model=model).values_list("key", "id"))
        created = Threat.objects.bulk_create(
            [
                Threat(threat_model=model, element_id=all_keys.get(fields["element_key"]), flow_id=flow_ids.get(fields["flow_key"]), **fields)
                for fields, _ in self.rows
            ],
            batch_size=1000,
        )
        by_fingerprint = {threat.fingerprint: threat for threat in created}
        linked = []
        for target, (fingerprint, _) in self.duplicates.items():
            duplicate = by_fingerprint[target]
            duplicate.duplicate_of = by_fingerprint[fingerprint]
            linked.append(duplicate)
        Threat.objects.bulk_update(linked, ["duplicate_of"], batch_size=1000)
        # A threat's rule supplies its own techniques (stride.techniques); only the others are stored.
        by_rule = rule_techniques()
        technique_pks = dict(Technique.objects.values_list("attack_id", "id"))
        through = Threat.techniques.through
        through.objects.bulk_create(
            [
                through(threat_id=threat.pk, technique_id=technique_pks[attack_id])
                for threat, (_, attack_ids) in zip(created, self.rows, strict=True)
                for attack_id in sorted(set(attack_ids) - set(by_rule.get(threat.rule_id, ())))
            ],
            batch_size=1000,
        )
        return by_fingerprint


_LEVELS = ("likelihood", "impact", "suggested_likelihood", "suggested_impact")


def _threat_subject(check: _Checker, threat: Mapping[str, Any], t_path: str) -> dict[str, str]:
    keys = {}
    for field_name in ("element", "flow"):
        value = threat.get(field_name)
        if value is not None and (not isinstance(value, str) or len(value) > 80):
            check.fail(f"{t_path}.{field_name}", "must be a key (at most 80 characters) or null")
        keys[f"{field_name}_key"] = value if isinstance(value, str) else ""
    return keys


def _threat_texts(check: _Checker, threat: Mapping[str, Any], t_path: str) -> dict[str, str]:
    return {
        "rule_id": check.text(threat, "rule_id", t_path, 80),
        "title": check.text(threat, "title", t_path, 300, required=True),
        "description": check.text(threat, "description", t_path, 20_000),
        "notes": check.text(threat, "notes", t_path, 20_000),
        "rationale": check.text(threat, "rationale", t_path, 20_000),
    }


STATEMENT_PARTS = {"actor": 300, "precondition": 1_000, "action": 1_000, "impact": 1_000}


def _statement(check: _Checker, threat: Mapping[str, Any], t_path: str) -> dict[str, str]:
    """A manual threat's grammar parts (absent: none); unknown parts are refused by name."""
    statement = threat.get("statement")
    if statement is None:
        return {}
    if not isinstance(statement, Mapping):
        check.fail(f"{t_path}.statement", "must be an object")
        return {}
    for name in sorted(set(statement) - set(STATEMENT_PARTS)):
        check.fail(f"{t_path}.statement.{str(name)[:40]}", "not a part of the statement (actor, precondition, action, impact)")
    return {name: check.text(statement, name, f"{t_path}.statement", limit) for name, limit in STATEMENT_PARTS.items()}


def _explanation(check: _Checker, threat: Mapping[str, Any], t_path: str) -> dict[str, Any]:
    explanation = threat.get("explanation", {})
    if not isinstance(explanation, Mapping):
        check.fail(f"{t_path}.explanation", "must be an object")
        return {}
    if len(json.dumps(explanation)) > MAX_EXPLANATION_BYTES:
        check.fail(f"{t_path}.explanation", f"must be at most {MAX_EXPLANATION_BYTES} bytes of JSON")
        return {}
    return dict(explanation)


MAX_QUESTIONS = 20
MAX_QUESTION_LENGTH = 500


def _confirmation(check: _Checker, threat: Mapping[str, Any], t_path: str) -> dict[str, Any]:
    """Whether a rule's finding is confirmed, and the questions that would settle it when it is not.

    A file from before issue 11 has neither: its threats are confirmed. A confirmed threat asks
    nothing, and an unconfirmed one asks at least one question (the engine never writes otherwise).
    """
    confirmed = check.boolean(threat, "confirmed", t_path, default=True)
    raw = check.lst(threat.get("questions", []), f"{t_path}.questions", MAX_QUESTIONS)
    questions: list[str] = []
    for q_index, item in enumerate(raw):
        if not isinstance(item, str) or not item.strip() or len(item) > MAX_QUESTION_LENGTH:
            check.fail(f"{t_path}.questions[{q_index}]", f"must be a question of 1 to {MAX_QUESTION_LENGTH} characters")
        else:
            questions.append(item)
    if confirmed and raw:
        check.fail(f"{t_path}.questions", "must be empty when the threat is confirmed")
    elif not confirmed and not raw:
        check.fail(f"{t_path}.questions", "an unconfirmed threat names at least one question")
    return {"confirmed": confirmed, "questions": questions}


def _coverage_notes(check: _Checker, root: Mapping[str, Any], members: Mapping[str, int]) -> list[dict[str, Any]]:
    notes: list[dict[str, Any]] = []
    cells: set[tuple[str, str]] = set()
    for n_index, raw_note in enumerate(check.lst(root.get("coverage_notes", []), "coverage_notes", limits.MAX_THREATS)):
        n_path = f"coverage_notes[{n_index}]"
        note = check.obj(raw_note, n_path)
        if note is None:
            continue
        target = check.text(note, "target", n_path, 80, required=True)
        stride_code = check.choice(note, "stride", n_path, list(Stride.values))
        if (target, stride_code) in cells:
            check.fail(n_path, f"{target!r} × {stride_code} appears twice")
        cells.add((target, stride_code))
        author = note.get("author")
        notes.append(
            {
                "target_key": target,
                "stride": stride_code,
                "reason": check.text(note, "reason", n_path, 5_000, required=True),
                "author_id": members.get(author) if isinstance(author, str) else None,
            }
        )
    return notes


def _remap(detail: ErrorDetail, paths: list[str]) -> ErrorDetail:
    """Turn ``ops[7].properties.x`` into the file's own path, ``diagrams[0].flows[2].properties.x``."""
    match = re.match(r"^ops\[(\d+)\](.*)$", detail["path"])
    if match and int(match.group(1)) < len(paths):
        return {"path": paths[int(match.group(1))] + match.group(2), "message": detail["message"]}
    return detail
