"""REST endpoints of the diagram app, read-only: diagrams, elements, flows, drawings, the vocabulary.

Every write — diagrams created, renamed or deleted, and ``POST /api/v1/diagrams/{id}/ops/``, the
single write path for elements and flows — is added by the core app's subclass
(``threatmodel.api.diagram_views``), which checks the role, locks the model and analyses."""

from __future__ import annotations

from django.conf import settings
from django.db.models import QuerySet
from django.http import HttpResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import mixins, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from common.api.renderers import FILE_RENDERERS
from common.api.schema import errors
from common.errors import ValidationFailed
from dfd import render as drawing
from dfd import vocabulary
from dfd.api.serializers import (
    DiagramSerializer,
    ElementSerializer,
    FlowSerializer,
    VocabularySerializer,
)
from dfd.models import Diagram, Element, Flow


@extend_schema_view(
    list=extend_schema(summary="Diagrams of your teams' models (filter with ?threat_model=)"),
    retrieve=extend_schema(responses={200: DiagramSerializer, **errors(404)}),
)
class DiagramViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet[Diagram]):
    """Diagrams, read-only here; the core's subclass adds the writes (role, lock, version, analysis)."""

    serializer_class = DiagramSerializer
    filterset_fields = ["threat_model", "level"]
    search_fields = ["name"]
    ordering_fields = ["order", "name", "updated_at"]

    def get_queryset(self) -> QuerySet[Diagram]:
        return Diagram.objects.visible_to(self.request.user).select_related("threat_model")

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
