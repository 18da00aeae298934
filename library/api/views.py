"""The library's endpoints: model templates (list, save, delete) and a new model from a template.

Shipped templates are visible to every signed-in user; a team's templates only to its members
(an outsider gets 404 from a detail route and never sees them listed). Saving and deleting need
editor or above in the template's team; starting a model needs editor or above in the target team.
"""

from __future__ import annotations

from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import status, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from common.api.requests import acting, validated
from common.api.schema import errors
from library import templates
from library.api.serializers import (
    FromTemplateResultSerializer,
    FromTemplateSerializer,
    TemplateSaveSerializer,
    TemplateSerializer,
)
from library.models import ModelTemplate
from threatmodel.api.access import visible_model, visible_team
from threatmodel.api.serializers import ThreatModelSerializer


class TemplateViewSet(viewsets.GenericViewSet[ModelTemplate]):
    lookup_value_regex = "[A-Za-z0-9-]{1,100}"
    serializer_class = TemplateSerializer
    queryset = ModelTemplate.objects.none()  # for the schema; the rows come from library.templates

    @extend_schema(summary="Templates to start a model from: the shipped ones, then your teams'")
    def list(self, request: Request) -> Response:
        rows = [info.as_dict() for info in templates.templates_for(acting(request))]
        page = self.paginate_queryset(rows)
        return self.get_paginated_response(page)

    @extend_schema(
        summary="Save a model as a template of its team (editors)",
        request=TemplateSaveSerializer,
        responses={201: TemplateSerializer, **errors(400, 403, 404, 413)},
    )
    def create(self, request: Request) -> Response:
        data = validated(TemplateSaveSerializer, request)
        model = visible_model(request, data["threat_model"])
        row = templates.template_save(actor=acting(request), model=model, name=str(data["name"]),
                                      description=str(data.get("description") or ""))  # fmt: skip
        return Response(templates._team_info(row).as_dict(), status=status.HTTP_201_CREATED)

    @extend_schema(
        summary="Delete a team template (editors); shipped templates cannot be deleted",
        parameters=[OpenApiParameter("id", str, OpenApiParameter.PATH)],
        responses={204: None, **errors(403, 404)},
    )
    def destroy(self, request: Request, pk: str | None = None) -> Response:
        row = templates.team_template(acting(request), pk or "")
        templates.template_delete(actor=acting(request), row=row)
        return Response(status=status.HTTP_204_NO_CONTENT)


class ThreatModelFromTemplateViewSet(viewsets.ViewSet):
    @extend_schema(
        summary="Start a new model from a template (editors of the target team)",
        description="The template goes through the native import (its limits and checks), then the model is analysed.",
        request=FromTemplateSerializer,
        responses={201: OpenApiResponse(FromTemplateResultSerializer), **errors(400, 403, 404, 413)},
    )
    @action(detail=False, methods=["post"], url_path="from-template")
    def from_template(self, request: Request) -> Response:
        data = validated(FromTemplateSerializer, request)
        team = visible_team(request, data["team"])
        name = str(data.get("name") or "").strip() or None
        model, warnings, analysis = templates.model_from_template(
            actor=acting(request), team=team, template_id=str(data["template"]), name=name
        )
        return Response(
            {"threat_model": ThreatModelSerializer(model).data, "warnings": warnings, "analysis": analysis},
            status=status.HTTP_201_CREATED,
        )
