"""The lookups a write makes before calling a service: the team or threat model a request names,
found only among those the user may see — an outsider gets the same 404 as for a model that does
not exist. Roles are checked by the services, not here."""

from __future__ import annotations

from rest_framework.request import Request

from common.errors import NotFound
from threatmodel.models import Team, ThreatModel


def visible_team(request: Request, team_id: object) -> Team:
    team = Team.objects.visible_to(request.user).filter(pk=team_id).first() if isinstance(team_id, int) else None
    if team is None:
        raise NotFound("No such team.")
    return team


def visible_model(request: Request, model_id: object) -> ThreatModel:
    model = ThreatModel.objects.visible_to(request.user).filter(pk=model_id).first() if isinstance(model_id, int) else None
    if model is None:
        raise NotFound("No such threat model.")
    return model
