"""REST endpoints of the threat engine: threats (filters, triage, manual threats, explanations),
the ATT&CK catalogue, the rule library and coverage notes."""

from __future__ import annotations

from typing import Any

import django_filters
from django.db.models import Prefetch, QuerySet
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import mixins, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from common.api.filters import ScopedFilterSet
from common.api.schema import errors
from common.errors import NotFound
from stride import services
from stride.api.serializers import (
    CoverageNoteSerializer,
    TacticSerializer,
    TechniqueSerializer,
    ThreatSerializer,
)
from stride.choices import ThreatStatus
from stride.conditions import describe
from stride.models import AttackMitigation, CoverageNote, Tactic, Technique, Threat
from stride.ruleset import Rule, default_rules, fixture_diagram


class ThreatFilter(ScopedFilterSet):
    element = django_filters.CharFilter(field_name="element_key", help_text="Element key.")
    flow = django_filters.CharFilter(field_name="flow_key", help_text="Flow key.")
    rule = django_filters.CharFilter(field_name="rule_id")
    technique = django_filters.CharFilter(method="by_technique", help_text="ATT&CK technique id; sub-techniques count.")
    tactic = django_filters.CharFilter(method="by_tactic", help_text="ATT&CK tactic id (TA0004) or shortname.")
    status = django_filters.MultipleChoiceFilter(choices=ThreatStatus.choices)
    changed_since = django_filters.NumberFilter(
        field_name="changed_version",
        lookup_expr="gt",
        min_value=0,
        help_text="A threat model version: only threats whose row changed after it (the editor's delta after a save).",
    )

    class Meta:
        model = Threat
        fields = ["threat_model", "stride", "status", "origin", "triaged"]

    def by_technique(self, queryset: QuerySet[Threat], name: str, value: str) -> QuerySet[Threat]:
        return services.threats_for_filter(queryset, technique=value)  # type: ignore[no-any-return]

    def by_tactic(self, queryset: QuerySet[Threat], name: str, value: str) -> QuerySet[Threat]:
        return services.threats_for_filter(queryset, tactic=value)  # type: ignore[no-any-return]


@extend_schema_view(
    list=extend_schema(summary="Threats of your teams' models (filter by model, STRIDE, element, flow, technique, tactic, status, rule)"),
    retrieve=extend_schema(responses={200: ThreatSerializer, **errors(404)}),
)
class ThreatViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet[Threat]):
    serializer_class = ThreatSerializer
    filterset_class = ThreatFilter
    search_fields = ["title", "description", "notes"]
    ordering_fields = ["id", "stride", "status", "likelihood", "impact", "rule_id", "element_key"]

    def get_queryset(self) -> QuerySet[Threat]:
        return Threat.objects.visible_to(self.request.user).prefetch_related(
            Prefetch("techniques", queryset=Technique.objects.only("id", "attack_id"))
        )

    @extend_schema(summary="Why the threat was raised: the rule, what matched, and the path", responses={200: OpenApiTypes.OBJECT, **errors(404)})
    @action(detail=True, methods=["get"])
    def explanation(self, request: Request, pk: str | None = None) -> Response:
        threat = self.get_object()
        rule = default_rules().get(threat.rule_id) if threat.rule_id else None
        return Response(
            {
                "threat": threat.pk,
                "fingerprint": threat.fingerprint,
                "origin": threat.origin,
                "rule": _rule_summary(rule) if rule else None,
                "matched": threat.explanation.get("matched", []),
                "path": threat.explanation.get("path", []),
                "flows": threat.explanation.get("flows", []),
                "target": {"element": threat.element_key or None, "flow": threat.flow_key or None},
                "status": threat.status,
            }
        )


@extend_schema_view(list=extend_schema(summary="ATT&CK tactics, in matrix order"))
class TacticViewSet(viewsets.ReadOnlyModelViewSet[Tactic]):
    serializer_class = TacticSerializer
    queryset = Tactic.objects.all()
    pagination_class = None


@extend_schema_view(list=extend_schema(summary="ATT&CK techniques (filter by tactic or platform)"))
class TechniqueViewSet(viewsets.ReadOnlyModelViewSet[Technique]):
    serializer_class = TechniqueSerializer
    search_fields = ["attack_id", "name"]
    filterset_fields = {"tactics__shortname": ["exact"], "tactics__attack_id": ["exact"], "revoked": ["exact"], "deprecated": ["exact"]}
    lookup_field = "attack_id"
    lookup_value_regex = r"T\d{4}(\.\d{3})?"

    def get_queryset(self) -> QuerySet[Technique]:
        return Technique.objects.select_related("parent").prefetch_related(
            "tactics", Prefetch("attack_mitigations", queryset=AttackMitigation.objects.only("id", "attack_id"))
        )


def _rule_summary(rule: Rule) -> dict[str, Any]:
    return {"id": rule.id, "title": rule.title, "stride": rule.stride, "layer": rule.layer, "condition": describe(rule.condition.source),
            "description": rule.description, "mitigation": rule.mitigation}


def _rule_document(rule: Rule) -> dict[str, Any]:
    doc = rule.as_dict()
    diagram = fixture_diagram(rule.fixture.diagram)
    names = {e["key"]: e.get("name", e["key"]) for e in diagram["elements"]}
    names.update({f["key"]: f.get("label") or f"{names.get(f['source'], f['source'])} → {names.get(f['target'], f['target'])}" for f in diagram["flows"]})
    doc["fixture"] = {
        "diagram": rule.fixture.diagram,
        "fires": [{"key": k, "name": names.get(k, k)} for k in rule.fixture.fires],
        "quiet": [{"key": k, "name": names.get(k, k)} for k in rule.fixture.quiet],
    }
    return doc


class RuleViewSet(viewsets.ViewSet):
    """The rule library (read-only): each rule with its condition, description and fixture examples."""

    lookup_value_regex = r"[A-Z][A-Z0-9]*(-[A-Z0-9]+)+"

    @extend_schema(
        summary="The rule library",
        operation_id="rules_list",
        parameters=[
            OpenApiParameter("stride", str, required=False),
            OpenApiParameter("target", str, required=False, enum=["external_entity", "process", "data_store", "flow"]),
            OpenApiParameter("layer", str, required=False, enum=["baseline", "specific"]),
        ],
        responses={200: OpenApiTypes.OBJECT},
    )
    def list(self, request: Request) -> Response:
        rules = default_rules().rules
        params = request.query_params
        selected = [
            _rule_document(rule)
            for rule in rules
            if (not params.get("stride") or rule.stride == params["stride"])
            and (not params.get("target") or params["target"] in rule.targets)
            and (not params.get("layer") or rule.layer == params["layer"])
        ]
        return Response({"count": len(selected), "results": selected})

    @extend_schema(summary="One rule", responses={200: OpenApiTypes.OBJECT, **errors(404)})
    def retrieve(self, request: Request, pk: str | None = None) -> Response:
        rule = default_rules().get(pk or "")
        if rule is None:
            raise NotFound("No such rule.")
        return Response(_rule_document(rule))


@extend_schema_view(
    list=extend_schema(summary="Coverage notes: cells recorded as considered, none needed (filter by model)"),
    retrieve=extend_schema(responses={200: CoverageNoteSerializer, **errors(404)}),
)
class CoverageNoteViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet[CoverageNote]):
    serializer_class = CoverageNoteSerializer
    filterset_fields = ["threat_model", "stride", "target_key"]

    def get_queryset(self) -> QuerySet[CoverageNote]:
        if not self.request.user.is_authenticated:
            return CoverageNote.objects.none()
        return CoverageNote.objects.filter(threat_model__team__memberships__user=self.request.user)
