"""Model templates: the ones shipped with the app and the ones a team saved, and starting a model from one.

Shipped templates are native-format files in ``threatmodel/model_templates/`` (written by
``scripts/build_model_templates.py``); a team template is a model's native export. Either way a
new model is made by the native import (``threatmodel.native.native_import_data``), so every limit
and check of an uploaded file applies, and is then analysed so its threats are the rules' own.
"""

from __future__ import annotations

import copy
import json
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.db import transaction

from common.errors import NotFound, PayloadTooLarge, ValidationFailed
from library.models import ModelTemplate
from threatmodel.analysis import threat_model_analyse
from threatmodel.audit import audit
from threatmodel.models import Team, ThreatModel
from threatmodel.native import native_export, native_import_data
from threatmodel.permissions import require_role

if TYPE_CHECKING:
    from django.contrib.auth.models import User

SHIPPED_DIR = Path(__file__).resolve().parent.parent / "threatmodel" / "model_templates"
MAX_TEAM_TEMPLATES = 100


@dataclass(frozen=True)
class TemplateInfo:
    """One template as the list shows it."""

    id: str
    provenance: str  # "shipped" or "team"
    team: int | None
    name: str
    description: str
    element_count: int
    flow_count: int

    def as_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "provenance": self.provenance,
            "team": self.team,
            "name": self.name,
            "description": self.description,
            "element_count": self.element_count,
            "flow_count": self.flow_count,
        }


def _counts(document: dict[str, Any]) -> tuple[int, int]:
    diagrams = document.get("diagrams") or []
    return sum(len(d.get("elements") or []) for d in diagrams), sum(len(d.get("flows") or []) for d in diagrams)


@cache
def shipped() -> dict[str, dict[str, Any]]:
    """The shipped templates by id (the file's stem), read once per process."""
    return {path.stem: json.loads(path.read_text(encoding="utf-8")) for path in sorted(SHIPPED_DIR.glob("*.json"))}


def _shipped_info(slug: str, document: dict[str, Any]) -> TemplateInfo:
    meta = document["threat_model"]
    elements, flows = _counts(document)
    return TemplateInfo(slug, "shipped", None, meta["name"], meta.get("description", ""), elements, flows)


def _team_info(row: ModelTemplate) -> TemplateInfo:
    return TemplateInfo(str(row.pk), "team", row.team_id, row.name, row.description, row.element_count, row.flow_count)


def templates_for(user: User) -> list[TemplateInfo]:
    """The shipped templates, then those of the user's teams (never another team's)."""
    rows = ModelTemplate.objects.filter(team__in=Team.objects.visible_to(user)).defer("document")
    return [*(_shipped_info(slug, doc) for slug, doc in shipped().items()), *(_team_info(row) for row in rows)]


def team_template(user: User, template_id: str) -> ModelTemplate:
    """A template of one of the user's teams; another team's looks the same as a missing one."""
    row = None
    if template_id.isdigit() and len(template_id) < 19:
        row = ModelTemplate.objects.filter(pk=int(template_id), team__in=Team.objects.visible_to(user)).first()
    if row is None:
        raise NotFound("No such template.")
    return row


def template_document(user: User, template_id: str) -> dict[str, Any]:
    if template_id in shipped():
        return copy.deepcopy(shipped()[template_id])
    return copy.deepcopy(team_template(user, template_id).document)


def template_save(*, actor: User, model: ThreatModel, name: str, description: str = "") -> ModelTemplate:
    """Save ``model`` as a template of its team (editors and above)."""
    require_role(actor, model.team_id, "write", what="threat model")
    name = name.strip()
    if not name:
        raise ValidationFailed("Name the template.", details=[{"path": "name", "message": "is required"}])
    document = native_export(model)
    document.pop("comments", None)  # a workshop's discussion is about its model, not a pattern to start from
    if len(json.dumps(document).encode()) > settings.THREATMODEL_IMPORT_MAX_BYTES:
        raise PayloadTooLarge("The model is larger than the import limit, so it could not be started from.",
                              limit=settings.THREATMODEL_IMPORT_MAX_BYTES)
    elements, flows = _counts(document)
    with transaction.atomic():
        team = Team.objects.select_for_update().get(pk=model.team_id)
        if ModelTemplate.objects.filter(team=team).count() >= MAX_TEAM_TEMPLATES:
            raise ValidationFailed(
                f"The team has {MAX_TEAM_TEMPLATES} templates already; delete one first.",
                details=[{"path": "threat_model", "message": f"at most {MAX_TEAM_TEMPLATES} templates per team"}],
            )
        row = ModelTemplate.objects.create(team=team, name=name[:200], description=description[:2000], document=document,
                                           element_count=elements, flow_count=flows, created_by=actor)  # fmt: skip
        audit(actor=actor, action="template.save", obj=model, after={"template": row.pk, "name": row.name})
    return row


def template_delete(*, actor: User, row: ModelTemplate) -> None:
    require_role(actor, row.team_id, "write", what="template")
    with transaction.atomic():
        audit(actor=actor, action="template.delete", obj=row, before={"template": row.pk, "name": row.name})
        row.delete()


def model_from_template(*, actor: User, team: Team, template_id: str, name: str | None = None) -> tuple[ThreatModel, list[str], dict[str, Any]]:
    """A new model in ``team`` from a template, through the native import; then analysed."""
    document = template_document(actor, template_id)
    require_role(actor, team.pk, "write", what="team")
    model, warnings = native_import_data(actor=actor, team=team, data=document, name=name)
    result = threat_model_analyse(model_id=model.pk, actor=actor)
    model.refresh_from_db()
    return model, warnings, result.as_dict()
