"""REST endpoints of threats."""

from __future__ import annotations

from django.db.models import QuerySet
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import viewsets

from stride.api.serializers import ThreatSerializer
from stride.models import Threat
from threatmodel.api.schema import errors


@extend_schema_view(
    list=extend_schema(summary="Threats of your teams' models"),
    retrieve=extend_schema(responses={200: ThreatSerializer, **errors(404)}),
)
class ThreatViewSet(viewsets.ReadOnlyModelViewSet[Threat]):
    serializer_class = ThreatSerializer
    filterset_fields = ["threat_model", "stride", "status", "rule_id", "element_key", "flow_key", "origin"]
    search_fields = ["title", "description"]
    ordering_fields = ["id", "stride", "status", "likelihood", "impact"]

    def get_queryset(self) -> QuerySet[Threat]:
        return Threat.objects.visible_to(self.request.user).prefetch_related("techniques")
