"""The writes of the diagrams API, through the core: role, the model's lock and version, analysis.

``dfd.api.views.DiagramViewSet`` serves diagrams and their drawings read-only; this subclass adds
creating, renaming and deleting diagrams and the operations endpoint, each calling one service of
``threatmodel.diagrams``. An operation batch is answered with what the analysis that followed it
changed (``analysis.changes``), so the editor patches its threat list instead of reloading it.
"""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, status
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from common.api.requests import acting
from common.api.schema import errors
from common.errors import NotFound, ValidationFailed
from dfd.api import views as diagram_views
from dfd.api.serializers import (
    DiagramCreateSerializer,
    DiagramSerializer,
    DiagramUpdateSerializer,
    OpsRequestSerializer,
)
from dfd.models import Diagram
from threatmodel import diagrams
from threatmodel.api.serializers import OpsResultSerializer
from threatmodel.live import room
from threatmodel.models import ThreatModel


@extend_schema_view(
    destroy=extend_schema(summary="Delete a diagram and its elements and flows", responses={204: None, **errors(403, 404)}),
)
class DiagramViewSet(mixins.CreateModelMixin, mixins.UpdateModelMixin, mixins.DestroyModelMixin, diagram_views.DiagramViewSet):
    @extend_schema(request=DiagramCreateSerializer, responses={201: DiagramSerializer, **errors(400, 403, 404)})
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        serializer = DiagramCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        model = ThreatModel.objects.visible_to(request.user).filter(pk=data.pop("threat_model")).first()
        if model is None:
            raise NotFound("No such threat model.")
        diagram = diagrams.diagram_create(actor=acting(request), threat_model=model, **data)
        return Response(DiagramSerializer(diagram).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=DiagramUpdateSerializer, responses={200: DiagramSerializer, **errors(400, 403, 404)})
    def update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        diagram = self.get_object()
        serializer = DiagramUpdateSerializer(data=request.data, partial=kwargs.get("partial", False))
        serializer.is_valid(raise_exception=True)
        updated = diagrams.diagram_update(actor=acting(request), diagram=diagram, **serializer.validated_data)
        return Response(DiagramSerializer(updated).data)

    def perform_destroy(self, instance: Diagram) -> None:
        diagrams.diagram_delete(actor=acting(self.request), diagram=instance)

    @extend_schema(
        summary="Apply a batch of operations (the single write path)",
        description=(
            "All operations or none. A stale `base_version` is refused with 409 and the current version "
            "in `error.current_version`. Deleting an element deletes its flows; they are listed in "
            "`deleted_flows`."
        ),
        request=OpsRequestSerializer,
        responses={200: OpsResultSerializer, **errors(400, 403, 404, 409)},
    )
    @action(detail=True, methods=["post"])
    def ops(self, request: Request, pk: str | None = None) -> Response:
        diagram = self.get_object()
        body = request.data
        if not isinstance(body, dict):
            raise ValidationFailed("Send an object with base_version and ops.", details=[{"path": "", "message": "must be an object"}])
        base_version = body.get("base_version")
        if isinstance(base_version, bool) or not isinstance(base_version, int) or base_version < 1:
            raise ValidationFailed(
                "base_version is required.", details=[{"path": "base_version", "message": "must be a positive integer"}]
            )
        change = diagrams.diagram_change(actor=acting(request), diagram_id=diagram.pk, base_version=base_version, ops=body.get("ops"))
        answer = change.as_dict()
        room.publish_applied(model_id=diagram.threat_model_id, diagram_id=diagram.pk, author=acting(request), change=answer)
        return Response(answer)
