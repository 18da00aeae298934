"""The writes of the diagrams API, through the core: role, the model's lock and version, analysis.

``dfd.api.views.DiagramViewSet`` serves diagrams and their drawings read-only; this subclass adds
creating, renaming and deleting diagrams and the operations endpoint, each calling one service of
``threatmodel.diagrams``. An operation batch is answered with what the analysis that followed it
changed (``analysis.changes``), so the editor patches its threat list instead of reloading it.
"""

from __future__ import annotations

from typing import Any

from django.db import transaction
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import mixins, status
from rest_framework.decorators import action
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response

from common.api.requests import acting, payload, validated
from common.api.schema import errors
from common.errors import ValidationFailed
from dfd.api import views as diagram_views
from dfd.api.serializers import (
    DiagramCreateSerializer,
    DiagramSerializer,
    DiagramUpdateSerializer,
    OpsRequestSerializer,
)
from dfd.models import Diagram
from threatmodel import diagrams
from threatmodel.api.access import visible_model
from threatmodel.api.serializers import ManifestSyncRequestSerializer, ManifestSyncResultSerializer, OpsResultSerializer
from threatmodel.api.uploads import uploaded_files
from threatmodel.interop.manifests.sync import diagram_sync_from_manifests
from threatmodel.live import room


@extend_schema_view(
    destroy=extend_schema(summary="Delete a diagram and its elements and flows", responses={204: None, **errors(403, 404)}),
)
class DiagramViewSet(mixins.CreateModelMixin, mixins.UpdateModelMixin, mixins.DestroyModelMixin, diagram_views.DiagramViewSet):
    @extend_schema(request=DiagramCreateSerializer, responses={201: DiagramSerializer, **errors(400, 403, 404)})
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        data = validated(DiagramCreateSerializer, request)
        model = visible_model(request, data.pop("threat_model"))
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
        # The answer is built inside the batch's transaction: a failure there rolls the batch back
        # rather than answering 500 for a change that was written.
        with transaction.atomic():
            change = diagrams.diagram_change(actor=acting(request), diagram_id=diagram.pk, base_version=base_version, ops=body.get("ops"))
            answer = change.as_dict()
            room.publish_applied(
                model_id=diagram.threat_model_id, diagram_id=diagram.pk, author=acting(request), change=answer, records=change.records
            )
        return Response(answer)

    @extend_schema(
        summary="Re-import manifests into the diagram: preview or apply the drift",
        description=(
            "Multipart: one or more `file`s (Kubernetes manifests or compose files), `format` (`kubernetes` or "
            "`compose`), `dry_run` (default true) and, to apply, `base_version`. The answer lists the elements and "
            "flows the files add, change (with each property's before and after) and remove, and the operations. "
            "Elements and flows people drew, properties the files do not speak about and positions are kept. "
            "Applying goes through the operations write path: a stale `base_version` is refused with 409. "
            "Editor role required."
        ),
        request={"multipart/form-data": ManifestSyncRequestSerializer},
        responses={200: OpenApiResponse(ManifestSyncResultSerializer), **errors(400, 403, 404, 409, 413)},
    )
    @action(detail=True, methods=["post"], url_path="sync-from-manifests", parser_classes=[MultiPartParser, FormParser])
    def sync_from_manifests(self, request: Request, pk: str | None = None) -> Response:
        diagram = self.get_object()
        data = payload(request)
        form = ManifestSyncRequestSerializer(data={key: data.get(key) for key in ("format", "dry_run", "base_version") if key in data})
        form.is_valid(raise_exception=True)
        options = form.validated_data
        dry_run = options.get("dry_run", True)
        outcome = diagram_sync_from_manifests(
            actor=acting(request),
            diagram=diagram,
            files=uploaded_files(request),
            fmt=options["format"],
            base_version=options.get("base_version"),
            dry_run=dry_run,
        )
        if outcome.applied is not None:
            room.publish_applied(
                model_id=diagram.threat_model_id, diagram_id=diagram.pk, author=acting(request), change=outcome.applied
            )
        return Response(outcome.as_dict(dry_run=dry_run))
