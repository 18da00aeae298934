"""The library's endpoints: model templates (list, save, delete), a new model from a template, team rules;
components (list, save a selection, delete) and dropping one into a diagram.

Shipped templates are visible to every signed-in user; a team's templates only to its members
(an outsider gets 404 from a detail route and never sees them listed). Saving and deleting need
editor or above in the template's team; starting a model needs editor or above in the target team.
Team rules are read by every member and written (created, changed, enabled, disabled, deleted) by
editors and owners; a rule's checks and preview are answered with what they found, never written.
Components are a team's only: members list them, editors save, delete and drop them.
"""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.db.models import QuerySet
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from common.api.requests import acting, validated
from common.api.schema import errors
from common.errors import NotFound
from dfd.models import Diagram
from library import components, rules, templates
from library.api.serializers import (
    ComponentInsertResultSerializer,
    ComponentInsertSerializer,
    ComponentSaveSerializer,
    ComponentSerializer,
    FromTemplateResultSerializer,
    FromTemplateSerializer,
    TeamRuleAnswerSerializer,
    TeamRuleCheckSerializer,
    TeamRuleSerializer,
    TeamRuleTextSerializer,
    TeamRuleWriteSerializer,
    TemplateSaveSerializer,
    TemplateSerializer,
)
from library.models import Component, ModelTemplate, TeamRule
from threatmodel.api.access import visible_model, visible_team
from threatmodel.api.serializers import ThreatModelSerializer
from threatmodel.live import room
from threatmodel.models import Team


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


def _check_answer(check: rules.Check, team: Team | None, *, preview: bool) -> dict[str, Any]:
    models: list[dict[str, Any]] = []
    warnings: list[str] = []
    if preview and check.rule is not None and team is not None:
        previews, warnings = rules.rule_preview(rule=check.rule, team=team)
        models = [p.as_dict() for p in previews]
    return {
        "rule_id": check.rule.id if check.rule is not None else None,
        "valid": check.ok,
        "problems": [p.as_dict() for p in check.problems],
        "examples": {"fired": check.fired, "quiet": check.quiet},
        "warnings": warnings,
        "models": models,
    }


def _answer(row: TeamRule, check: rules.Check | None) -> dict[str, Any]:
    check = check or rules.rule_check(team=row.team, text=row.yaml)
    return {"rule": TeamRuleSerializer(row).data, "check": _check_answer(check, row.team, preview=False)}


@extend_schema_view(
    list=extend_schema(summary="Your teams' own rules (filter with ?team=)"),
    retrieve=extend_schema(responses={200: TeamRuleSerializer, **errors(404)}),
    destroy=extend_schema(summary="Delete a team rule (editors); its threats become obsolete", responses={204: None, **errors(403, 404)}),
)
class TeamRuleViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.DestroyModelMixin, viewsets.GenericViewSet[TeamRule]):
    serializer_class = TeamRuleSerializer
    filterset_fields = ["team", "enabled"]

    def get_queryset(self) -> QuerySet[TeamRule]:
        if not self.request.user.is_authenticated:
            return TeamRule.objects.none()
        teams = Team.objects.visible_to(self.request.user)
        return TeamRule.objects.filter(team__in=teams).select_related("team", "created_by", "updated_by")

    @extend_schema(
        summary="Write a team rule (editors); saved disabled, with what its checks found",
        request=TeamRuleWriteSerializer,
        responses={201: TeamRuleAnswerSerializer, **errors(400, 403, 404)},
    )
    def create(self, request: Request) -> Response:
        data = validated(TeamRuleWriteSerializer, request)
        team = visible_team(request, data["team"])
        row, check = rules.team_rule_create(actor=acting(request), team=team, text=str(data["yaml"]))
        return Response(_answer(row, check), status=status.HTTP_201_CREATED)

    @extend_schema(
        summary="Change a team rule's text (editors): a new version; an enabled rule's new text must pass its checks",
        request=TeamRuleTextSerializer,
        responses={200: TeamRuleAnswerSerializer, **errors(400, 403, 404)},
    )
    def partial_update(self, request: Request, pk: str | None = None) -> Response:
        row = self.get_object()
        data = validated(TeamRuleTextSerializer, request)
        row, check = rules.team_rule_update(actor=acting(request), row=row, text=str(data["yaml"]))
        return Response(_answer(row, check))

    def perform_destroy(self, instance: TeamRule) -> None:
        rules.team_rule_delete(actor=acting(self.request), row=instance)

    @extend_schema(
        summary="Enable a team rule (editors): only when it validates and its examples pass",
        request=None,
        responses={200: TeamRuleAnswerSerializer, **errors(400, 403, 404)},
    )
    @action(detail=True, methods=["post"])
    def enable(self, request: Request, pk: str | None = None) -> Response:
        row, check = rules.team_rule_enable(actor=acting(request), row=self.get_object(), enabled=True)
        return Response(_answer(row, check))

    @extend_schema(summary="Disable a team rule (editors)", request=None, responses={200: TeamRuleAnswerSerializer, **errors(403, 404)})
    @action(detail=True, methods=["post"])
    def disable(self, request: Request, pk: str | None = None) -> Response:
        row, check = rules.team_rule_enable(actor=acting(request), row=self.get_object(), enabled=False)
        return Response(_answer(row, check))

    @extend_schema(
        summary="Check a rule's text and preview it on the team's models, writing nothing (members)",
        description="The problems name the field and the line of the YAML; `valid` says whether it could be enabled. "
        "`models` is what the rule alone would raise on each of the team's models; `warnings` says when it would fire "
        "on more than half of what it targets in every one of them.",
        request=TeamRuleWriteSerializer,
        responses={200: TeamRuleCheckSerializer, **errors(400, 404)},
    )
    @action(detail=False, methods=["post"])
    def preview(self, request: Request) -> Response:
        data = validated(TeamRuleWriteSerializer, request)
        team = visible_team(request, data["team"])
        check = rules.rule_check(team=team, text=str(data["yaml"]))
        return Response(_check_answer(check, team, preview=True))


class ComponentViewSet(viewsets.GenericViewSet[Component]):
    serializer_class = ComponentSerializer
    queryset = Component.objects.none()  # for the schema; the rows come from library.components

    @extend_schema(
        summary="Your teams' components (the palette lists them beside the built-in stencils)",
        parameters=[OpenApiParameter("team", int, description="Only this team's")],
    )
    def list(self, request: Request) -> Response:
        team = request.query_params.get("team")
        rows = components.components_for(acting(request), team=int(team) if team and team.isdigit() and len(team) < 19 else None)
        if team and not (team.isdigit() and len(team) < 19):
            rows = rows.none()
        page = self.paginate_queryset(rows.select_related("created_by"))
        return self.get_paginated_response(ComponentSerializer(page, many=True).data)

    @extend_schema(
        summary="Save a selection of a diagram as a component of its team (editors)",
        description="The elements (with their nesting when the parent is selected too), the flows between them and "
        "the triage of their threats. Keys are not kept: every drop gets fresh ones.",
        request=ComponentSaveSerializer,
        responses={201: ComponentSerializer, **errors(400, 403, 404)},
    )
    def create(self, request: Request) -> Response:
        data = validated(ComponentSaveSerializer, request)
        diagram = _visible_diagram(request, data["diagram"])
        row = components.component_save(actor=acting(request), diagram=diagram, element_keys=list(data["elements"]),
                                        flow_keys=list(data.get("flows") or []), name=str(data["name"]),
                                        description=str(data.get("description") or ""))  # fmt: skip
        return Response(ComponentSerializer(row).data, status=status.HTTP_201_CREATED)

    @extend_schema(summary="Delete a component (editors)", responses={204: None, **errors(403, 404)})
    def destroy(self, request: Request, pk: str | None = None) -> Response:
        row = components.team_component(acting(request), int(pk) if pk and pk.isdigit() and len(pk) < 19 else None)
        components.component_delete(actor=acting(request), row=row)
        return Response(status=status.HTTP_204_NO_CONTENT)


def _visible_diagram(request: Request, diagram_id: object) -> Diagram:
    diagram = None
    if isinstance(diagram_id, int):
        diagram = Diagram.objects.visible_to(request.user).select_related("threat_model").filter(pk=diagram_id).first()
    if diagram is None:
        raise NotFound("No such diagram.")
    return diagram


class DiagramComponentViewSet(viewsets.GenericViewSet[Diagram]):
    """Dropping a component, routed under /diagrams/{id}/ beside the diagram itself."""

    serializer_class = ComponentInsertResultSerializer

    def get_queryset(self) -> QuerySet[Diagram]:
        return Diagram.objects.visible_to(self.request.user).select_related("threat_model")

    @extend_schema(
        summary="Drop a component of the team into the diagram (one operation batch; editors)",
        description="The component's elements and flows are added with fresh keys, its top-left corner at (x, y) — "
        "inside `parent` when given —, through the operations write path: a stale `base_version` is refused with 409. "
        "After the analysis, the triage the component carries is set on the new threats with the same rule and subject.",
        request=ComponentInsertSerializer,
        responses={200: ComponentInsertResultSerializer, **errors(400, 403, 404, 409)},
    )
    @action(detail=True, methods=["post"], url_path="insert-component")
    def insert_component(self, request: Request, pk: str | None = None) -> Response:
        diagram = self.get_object()
        data = validated(ComponentInsertSerializer, request)
        row = components.team_component(acting(request), data["component"])
        with transaction.atomic():
            drop = components.component_insert(actor=acting(request), component=row, diagram=diagram,
                                               base_version=int(data["base_version"]), x=float(data["x"]),
                                               y=float(data["y"]), parent=data.get("boundary"))  # fmt: skip
            answer = drop.as_dict()
            room.publish_applied(model_id=diagram.threat_model_id, diagram_id=diagram.pk, author=acting(request),
                                 change=drop.change.as_dict(), records=drop.change.records)  # fmt: skip
        return Response(answer)
