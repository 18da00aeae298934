"""The writes of the threats API: what a person does to a threat, through the core's workflow.

The engine's app serves threats and coverage notes read-only (``stride.api.views``); these
subclasses add the writes on the same routes, each calling one service of
``threatmodel.workflow.threats`` — the one owner of threat state.
"""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, status
from rest_framework.request import Request
from rest_framework.response import Response

from common.api.requests import acting, validated
from common.api.schema import errors
from stride.api import views as engine_views
from stride.api.serializers import (
    CoverageNoteCreateSerializer,
    CoverageNoteSerializer,
    ThreatCreateSerializer,
    ThreatSerializer,
    ThreatUpdateSerializer,
)
from stride.models import CoverageNote, Threat
from threatmodel.api.access import visible_model
from threatmodel.workflow import threats


@extend_schema_view(
    destroy=extend_schema(
        summary="Delete a manual threat (generated ones are marked not applicable instead)",
        responses={204: None, **errors(400, 403, 404)},
    ),
)
class ThreatViewSet(mixins.DestroyModelMixin, engine_views.ThreatViewSet):
    @extend_schema(request=ThreatCreateSerializer, responses={201: ThreatSerializer, **errors(400, 403, 404)}, summary="Write a manual threat")
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        data = validated(ThreatCreateSerializer, request)
        model = visible_model(request, data.pop("threat_model"))
        threat = threats.threat_create(
            actor=acting(request), threat_model=model, element_key=data.pop("element"), flow_key=data.pop("flow"), **data
        )
        return Response(ThreatSerializer(threat).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=ThreatUpdateSerializer, responses={200: ThreatSerializer, **errors(400, 403, 404)}, summary="Triage a threat")
    def partial_update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        threat = self.get_object()
        data = validated(ThreatUpdateSerializer, request, partial=True)
        updated = threats.threat_update(actor=acting(request), threat=threat, changes=data)
        return Response(ThreatSerializer(updated).data)

    def perform_destroy(self, instance: Threat) -> None:
        threats.threat_delete(actor=acting(self.request), threat=instance)


@extend_schema_view(
    destroy=extend_schema(summary="Remove a coverage note", responses={204: None, **errors(403, 404)}),
)
class CoverageNoteViewSet(mixins.DestroyModelMixin, engine_views.CoverageNoteViewSet):
    @extend_schema(
        request=CoverageNoteCreateSerializer,
        responses={201: CoverageNoteSerializer, **errors(400, 403, 404)},
        summary="Record a cell as considered, none needed (or change its reason)",
    )
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        data = validated(CoverageNoteCreateSerializer, request)
        model = visible_model(request, data["threat_model"])
        note = threats.coverage_note_set(
            actor=acting(request), threat_model=model, target_key=data["target"], stride=data["stride"], reason=data["reason"]
        )
        return Response(CoverageNoteSerializer(note).data, status=status.HTTP_201_CREATED)

    def perform_destroy(self, instance: CoverageNote) -> None:
        threats.coverage_note_delete(actor=acting(self.request), note=instance)
