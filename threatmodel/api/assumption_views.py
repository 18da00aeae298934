"""The assumptions API: list, read, write, delete, and "this turned out false".

Anyone in the team reads; editors and owners write (the service checks the role); outsiders get
404 for the assumption and for the model it would belong to.
"""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from common.api.requests import acting, validated
from common.api.schema import errors
from threatmodel.api.access import visible_model
from threatmodel.models import Assumption
from threatmodel.workflow import assumptions


class AssumptionSerializer(serializers.ModelSerializer[Assumption]):
    elements = serializers.SlugRelatedField[Any](slug_field="key", many=True, read_only=True, help_text="Element keys.")
    flows = serializers.SlugRelatedField[Any](slug_field="key", many=True, read_only=True, help_text="Flow keys.")
    threats = serializers.PrimaryKeyRelatedField[Any](many=True, read_only=True)
    mitigations = serializers.PrimaryKeyRelatedField[Any](many=True, read_only=True)
    falsified_by = serializers.SlugRelatedField[Any](slug_field="username", read_only=True, allow_null=True)

    class Meta:
        model = Assumption
        fields = [
            "id",
            "threat_model",
            "text",
            "status",
            "elements",
            "flows",
            "threats",
            "mitigations",
            "falsified_by",
            "falsified_at",
            "falsified_reason",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields


class AssumptionWriteSerializer(serializers.Serializer[Any]):
    text = serializers.CharField(max_length=5_000, help_text="What the team takes for granted.")
    elements = serializers.ListField(child=serializers.CharField(max_length=80), required=False, max_length=500, help_text="Element keys.")
    flows = serializers.ListField(child=serializers.CharField(max_length=80), required=False, max_length=500, help_text="Flow keys.")
    threats = serializers.ListField(child=serializers.IntegerField(min_value=1), required=False, max_length=500, help_text="Threat ids.")
    mitigations = serializers.ListField(child=serializers.IntegerField(min_value=1), required=False, max_length=500, help_text="Mitigation ids.")


class AssumptionCreateSerializer(AssumptionWriteSerializer):
    threat_model = serializers.IntegerField(help_text="Id of the model.")


class AssumptionFalsifySerializer(serializers.Serializer[Any]):
    reason = serializers.CharField(max_length=5_000, required=False, allow_blank=True, default="", help_text="What showed it false.")


class AssumptionFalsifiedSerializer(serializers.Serializer[Any]):
    assumption = AssumptionSerializer()
    reopened = serializers.ListField(child=serializers.IntegerField(), help_text="Ids of the threats reopened.")


@extend_schema_view(
    list=extend_schema(summary="Assumptions of your teams' models (filter by threat_model, status)"),
    retrieve=extend_schema(responses={200: AssumptionSerializer, **errors(404)}),
    destroy=extend_schema(summary="Delete an assumption", responses={204: None, **errors(403, 404, 409)}),
)
class AssumptionViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.DestroyModelMixin, viewsets.GenericViewSet[Assumption]):
    serializer_class = AssumptionSerializer
    filterset_fields = ["threat_model", "status"]
    search_fields = ["text"]
    ordering_fields = ["id", "status"]

    def get_queryset(self) -> QuerySet[Assumption]:
        if not self.request.user.is_authenticated:
            return Assumption.objects.none()
        return (
            Assumption.objects.filter(threat_model__team__memberships__user=self.request.user)
            .select_related("falsified_by")
            .prefetch_related("elements", "flows", "threats", "mitigations")
            .order_by("threat_model_id", "id")
        )

    def _fresh(self, pk: int) -> dict[str, Any]:
        return dict(AssumptionSerializer(self.get_queryset().get(pk=pk)).data)

    @extend_schema(summary="Record an assumption and what rests on it", request=AssumptionCreateSerializer,
                   responses={201: AssumptionSerializer, **errors(400, 403, 404, 409)})
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        data = validated(AssumptionCreateSerializer, request)
        model = visible_model(request, data.pop("threat_model"))
        created = assumptions.assumption_create(actor=acting(request), threat_model=model, data=data)
        return Response(self._fresh(created.pk), status=status.HTTP_201_CREATED)

    @extend_schema(summary="Change an assumption's text or links (a list replaces the links of its kind)",
                   request=AssumptionWriteSerializer, responses={200: AssumptionSerializer, **errors(400, 403, 404, 409)})
    def partial_update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        assumption = self.get_object()
        data = validated(AssumptionWriteSerializer, request, partial=True)
        assumptions.assumption_update(actor=acting(request), assumption=assumption, data=data)
        return Response(self._fresh(assumption.pk))

    def perform_destroy(self, instance: Assumption) -> None:
        assumptions.assumption_delete(actor=acting(self.request), assumption=instance)

    @extend_schema(
        summary="This assumption turned out false: reopen the threats that depend on it",
        request=AssumptionFalsifySerializer,
        responses={200: AssumptionFalsifiedSerializer, **errors(400, 403, 404, 409)},
    )
    @action(detail=True, methods=["post"])
    def falsify(self, request: Request, pk: str | None = None) -> Response:
        assumption = self.get_object()
        data = validated(AssumptionFalsifySerializer, request)
        _, reopened = assumptions.assumption_falsify(actor=acting(request), assumption=assumption, reason=data["reason"])
        return Response({"assumption": self._fresh(assumption.pk), "reopened": reopened})
