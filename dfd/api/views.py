"""REST endpoints of the diagram app. Elements and flows are read here and written only through
``POST /api/v1/diagrams/{id}/ops/`` — the single write path."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db.models import QuerySet
from django.http import HttpResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import status, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from common.api.renderers import FILE_RENDERERS
from common.api.requests import acting
from common.api.schema import errors
from common.errors import NotFound, ValidationFailed
from dfd import render as drawing
from dfd import services, vocabulary
from dfd.api.serializers import (
    DiagramCreateSerializer,
    DiagramSerializer,
    DiagramUpdateSerializer,
    ElementSerializer,
    FlowSerializer,
    OpsRequestSerializer,
    OpsResultSerializer,
    VocabularySerializer,
)
from dfd.models import Diagram, Element, Flow
from threatmodel.models import ThreatModel


@extend_schema_view(
    list=extend_schema(summary="Diagrams of your teams' models (filter with ?threat_model=)"),
    retrieve=extend_schema(responses={200: DiagramSerializer, **errors(404)}),
    destroy=extend_schema(summary="Delete a diagram and its elements and flows", responses={204: None, **errors(403, 404)}),
)
class DiagramViewSet(viewsets.ModelViewSet[Diagram]):
    serializer_class = DiagramSerializer
    filterset_fields = ["threat_model", "level"]
    search_fields = ["name"]
    ordering_fields = ["order", "name", "updated_at"]

    def get_queryset(self) -> QuerySet[Diagram]:
        return Diagram.objects.visible_to(self.request.user).select_related("threat_model")

    @extend_schema(request=DiagramCreateSerializer, responses={201: DiagramSerializer, **errors(400, 403, 404)})
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        serializer = DiagramCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        model = ThreatModel.objects.visible_to(request.user).filter(pk=data.pop("threat_model")).first()
        if model is None:
            raise NotFound("No such threat model.")
        diagram = services.diagram_create(actor=acting(request), threat_model=model, **data)
        return Response(DiagramSerializer(diagram).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=DiagramUpdateSerializer, responses={200: DiagramSerializer, **errors(400, 403, 404)})
    def update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        diagram = self.get_object()
        serializer = DiagramUpdateSerializer(data=request.data, partial=kwargs.get("partial", False))
        serializer.is_valid(raise_exception=True)
        updated = services.diagram_update(actor=acting(request), diagram=diagram, **serializer.validated_data)
        return Response(DiagramSerializer(updated).data)

    def perform_destroy(self, instance: Diagram) -> None:
        services.diagram_delete(actor=acting(self.request), diagram=instance)

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
        return Response(self.perform_ops(diagram=diagram, base_version=base_version, ops=body.get("ops")))

    def perform_ops(self, *, diagram: Diagram, base_version: int, ops: object) -> dict[str, Any]:
        """Apply the batch. The core app's subclass adds the threat analysis that follows it."""
        return services.apply_ops(diagram_id=diagram.pk, actor=acting(self.request), base_version=base_version, ops=ops).as_dict()

    @extend_schema(
        summary="Draw the diagram with Graphviz (SVG, PNG or DOT)",
        description=(
            "Trust boundaries are nested clusters; element names are escaped, so nothing in a name can "
            "change the drawing. The same diagram version always gives the same bytes; the ETag names "
            "the diagram version, so `If-None-Match` answers 304 until the diagram changes. Diagrams over "
            "`THREATMODEL_RENDER_MAX_ELEMENTS` elements are refused for SVG and PNG (DOT is always available)."
        ),
        parameters=[
            OpenApiParameter("format", str, enum=list(drawing.FORMATS), default="svg", description="Drawing format.")
        ],
        responses={
            (200, "image/svg+xml"): OpenApiResponse(OpenApiTypes.STR, description="SVG drawing"),
            (200, "image/png"): OpenApiResponse(OpenApiTypes.BINARY, description="PNG drawing"),
            (200, "text/vnd.graphviz"): OpenApiResponse(OpenApiTypes.STR, description="DOT source"),
            304: OpenApiResponse(description="Not modified (If-None-Match matched the ETag)"),
            **errors(400, 404),
        },
    )
    @action(detail=True, methods=["get"], renderer_classes=FILE_RENDERERS)
    def render(self, request: Request, pk: str | None = None) -> HttpResponse:
        diagram = self.get_object()
        fmt = request.query_params.get("format", "svg")
        if fmt not in drawing.FORMATS:
            raise ValidationFailed(
                "Unknown drawing format.", details=[{"path": "format", "message": f"must be one of {', '.join(drawing.FORMATS)}"}]
            )
        etag = f'"diagram-{diagram.pk}-v{diagram.version}-{fmt}"'
        if request.headers.get("If-None-Match") == etag:
            response = HttpResponse(status=304)
            response["ETag"] = etag
            return response
        try:
            body = drawing.render(drawing.snapshot(diagram), fmt, max_elements=settings.THREATMODEL_RENDER_MAX_ELEMENTS)
        except drawing.DiagramTooLarge as exc:
            raise ValidationFailed(
                f"The diagram is too large to draw here ({exc}). Export it as DOT (?format=dot) and draw it with Graphviz.",
                details=[{"path": "format", "message": "too many elements for svg or png"}],
            ) from exc
        response = HttpResponse(body, content_type=drawing.MEDIA_TYPES[fmt])
        response["ETag"] = etag
        response["Content-Disposition"] = f'inline; filename="diagram-{diagram.pk}-v{diagram.version}.{fmt}"'
        # An SVG opened on its own is a document: it gets no script, no fetches, whatever it holds.
        response["Content-Security-Policy"] = "default-src 'none'; style-src 'unsafe-inline'"
        response["X-Content-Type-Options"] = "nosniff"
        return response


@extend_schema_view(list=extend_schema(summary="Elements (filter by diagram, model or kind)"))
class ElementViewSet(viewsets.ReadOnlyModelViewSet[Element]):
    serializer_class = ElementSerializer
    filterset_fields = ["diagram", "threat_model", "kind", "key"]
    search_fields = ["name", "key"]
    ordering_fields = ["key", "name", "kind"]

    def get_queryset(self) -> QuerySet[Element]:
        return Element.objects.visible_to(self.request.user).select_related("parent")


@extend_schema_view(list=extend_schema(summary="Flows (filter by diagram or model)"))
class FlowViewSet(viewsets.ReadOnlyModelViewSet[Flow]):
    serializer_class = FlowSerializer
    filterset_fields = ["diagram", "threat_model", "key"]
    search_fields = ["label", "key", "protocol"]
    ordering_fields = ["key", "label"]

    def get_queryset(self) -> QuerySet[Flow]:
        return Flow.objects.visible_to(self.request.user).select_related("source", "target")


class VocabularyViewSet(viewsets.ViewSet):
    """The property vocabulary: each element kind's (and a flow's) typed properties."""

    @extend_schema(summary="The property vocabulary", responses={200: VocabularySerializer})
    def list(self, request: Request) -> Response:
        return Response(vocabulary.as_document())
