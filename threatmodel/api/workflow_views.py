"""REST endpoints of the workflow: gates and stage moves, ratings, mitigations, decisions, snapshots,
risk policies, band changes, the audit trail and the controls catalogue.

As everywhere in the API, querysets are scoped to the user's teams (an outsider gets 404) and the
services check roles (a viewer who can see a model still cannot rate, decide or advance it: 403).
Views only parse, call one service or selector, and shape the answer.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, cast

import django_filters
from django.db.models import Prefetch, QuerySet
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from common.api.filters import IdFilter, ScopedFilterSet
from common.api.pagination import PagePagination
from common.api.requests import acting, validated
from common.api.schema import errors
from common.errors import NotFound, ValidationFailed
from stride.api.serializers import ThreatSerializer
from stride.models import Threat
from threatmodel.api.access import visible_model, visible_team
from threatmodel.api.workflow_serializers import (
    AdvanceSerializer,
    AuditEventSerializer,
    BandChangeSerializer,
    ControlSerializer,
    DecisionCreateSerializer,
    DecisionSerializer,
    DiffSerializer,
    GateReportSerializer,
    HeatMapSerializer,
    MitigationCreateSerializer,
    MitigationSerializer,
    MitigationStatusSerializer,
    MitigationVerifySerializer,
    MitigationWriteSerializer,
    OwaspFactorsSerializer,
    OwaspProposalSerializer,
    ReasonSerializer,
    RegisterRowSerializer,
    ReopenSerializer,
    RiskPolicyChangeSerializer,
    RiskPolicyCreateSerializer,
    RiskPolicySerializer,
    ScalesSerializer,
    SnapshotCreateSerializer,
    SnapshotSerializer,
    SnapshotSummarySerializer,
    StageChangeSerializer,
    SuggestedAttackMitigationSerializer,
    ThreatAssessmentSerializer,
    ThreatIdsSerializer,
    ThreatRateSerializer,
    ThreatRiskSerializer,
    ThreatStatusSerializer,
)
from threatmodel.explanations import threat_explained
from threatmodel.models import (
    AuditEvent,
    BandChange,
    Control,
    Decision,
    DecisionStatus,
    Mitigation,
    RiskPolicy,
    Snapshot,
    ThreatModel,
    ThreatRating,
)
from threatmodel.workflow import decisions, mitigations, policies, risk, selectors, snapshots, stages, threats

MEMBER = "team__memberships__user"


class IdFilters(ScopedFilterSet):
    """Filters by related ids as plain numbers. A model-choice filter answers 400 for an id that
    does not exist and 200 for one that does, telling an outsider which ids other teams have."""

    threat_model = IdFilter(field_name="threat_model_id")


class MitigationFilter(IdFilters):
    threats = IdFilter(field_name="threats", help_text="Mitigations that answer this threat.")

    class Meta:
        model = Mitigation
        fields = ["status"]


class DecisionFilter(IdFilters):
    threat = IdFilter(field_name="threat_id")

    class Meta:
        model = Decision
        fields = ["kind", "status"]


class SnapshotFilter(IdFilters):
    class Meta:
        model = Snapshot
        fields = ["reason"]


class AuditEventFilter(IdFilters):
    team = IdFilter(field_name="team_id")
    threat = IdFilter(field_name="threat_id")

    class Meta:
        model = AuditEvent
        fields = ["object_type", "object_id", "action"]


class RiskPolicyFilter(ScopedFilterSet):
    team = IdFilter(field_name="team_id")

    class Meta:
        model = RiskPolicy
        fields: list[str] = []
MODEL_MEMBER = "threat_model__team__memberships__user"


def _usernames(ids: frozenset[int]) -> dict[int, str]:
    from django.contrib.auth import get_user_model

    return dict(get_user_model().objects.filter(pk__in=ids).values_list("pk", "username"))


def _gates(model: ThreatModel, request: Request) -> dict[str, Any]:
    report = selectors.model_gates(model, request.user)
    return report.as_dict(_usernames(report.author_ids))


def _threat_risk(threat: Threat) -> dict[str, Any]:
    return {
        "id": threat.pk,
        "status": threat.status,
        "likelihood": threat.likelihood,
        "impact": threat.impact,
        "rationale": threat.rationale,
        "risk": selectors.threat_risk(threat).as_dict(),
    }


# --- threat models: gates, stages, heat map, register ---------------------------------------------------------


class ThreatModelWorkflowViewSet(viewsets.GenericViewSet[ThreatModel]):
    """The workflow of one threat model. Routed under /threat-models/{id}/ beside the model itself."""

    serializer_class = GateReportSerializer

    def get_queryset(self) -> QuerySet[ThreatModel]:
        return ThreatModel.objects.visible_to(self.request.user)

    @extend_schema(
        summary="What blocks the next stage (each item links to its object and the call that fixes it)",
        responses={200: GateReportSerializer, **errors(404)},
    )
    @action(detail=True, methods=["get"])
    def gates(self, request: Request, pk: str | None = None) -> Response:
        return Response(_gates(self.get_object(), request))

    @extend_schema(
        summary="Advance to the next stage (verify → approved is the reviewer's sign-off and freezes a snapshot)",
        description=(
            "409 with `error.blocking` (the gate items) when the gate is not clear; 403 when your role "
            "cannot take the step, or you try to approve a model whose diagram, ratings, threats or responses you changed."
        ),
        request=AdvanceSerializer,
        responses={200: StageChangeSerializer, **errors(400, 403, 404, 409)},
    )
    @action(detail=True, methods=["post"])
    def advance(self, request: Request, pk: str | None = None) -> Response:
        data = validated(AdvanceSerializer, request)
        model, snapshot = stages.threat_model_advance(
            actor=acting(request), threat_model=self.get_object(), to=data.get("to"), note=data.get("note", "")
        )
        return Response(_stage_change(model, snapshot, request))

    @extend_schema(
        summary="Send the model back to an earlier stage, with a reason",
        request=ReopenSerializer,
        responses={200: StageChangeSerializer, **errors(400, 403, 404)},
    )
    @action(detail=True, methods=["post"])
    def reopen(self, request: Request, pk: str | None = None) -> Response:
        data = validated(ReopenSerializer, request)
        model = stages.threat_model_reopen(actor=acting(request), threat_model=self.get_object(), to=data["to"], reason=data["reason"])
        return Response(_stage_change(model, None, request))

    @extend_schema(
        summary="5×5 heat map: threats per likelihood × impact cell, inherent against projected and verified residual",
        responses={200: HeatMapSerializer, **errors(404)},
    )
    @action(detail=True, methods=["get"], url_path="heat-map")
    def heat_map(self, request: Request, pk: str | None = None) -> Response:
        return Response(selectors.heat_map(self.get_object()))

    @extend_schema(
        summary="The risk register: every threat with its three risk numbers, mitigations and decision",
        responses={200: RegisterRowSerializer(many=True), **errors(404)},
    )
    @action(detail=True, methods=["get"], url_path="risk-register", pagination_class=None)
    def risk_register(self, request: Request, pk: str | None = None) -> Response:
        return Response(selectors.risk_register(self.get_object()))


def _stage_change(model: ThreatModel, snapshot: Snapshot | None, request: Request) -> dict[str, Any]:
    return {
        "id": model.pk,
        "stage": model.stage,
        "version": model.version,
        "break_version": model.break_version,
        "snapshot": SnapshotSummarySerializer(snapshot).data if snapshot is not None else None,
        "gates": _gates(model, request),
    }


# --- threats: rating, status, assessment ---------------------------------------------------------------------------


class ThreatWorkflowViewSet(viewsets.GenericViewSet[Threat]):
    """Risk and response of one threat. Routed under /threats/{id}/ beside the threat itself."""

    serializer_class = ThreatRiskSerializer

    def get_queryset(self) -> QuerySet[Threat]:
        return Threat.objects.visible_to(self.request.user).select_related("threat_model")

    @extend_schema(
        summary="Rate the inherent risk: likelihood and impact 1–5 with a rationale (optionally from OWASP factors)",
        request=ThreatRateSerializer,
        responses={200: ThreatRiskSerializer, **errors(400, 403, 404, 409)},
    )
    @action(detail=True, methods=["put"])
    def rating(self, request: Request, pk: str | None = None) -> Response:
        data = validated(ThreatRateSerializer, request)
        threat = threats.threat_rate(
            actor=acting(request),
            threat=self.get_object(),
            likelihood=data.get("likelihood"),
            impact=data.get("impact"),
            rationale=data["rationale"],
            owasp=data.get("owasp"),
        )
        return Response(_threat_risk(threat))

    @extend_schema(
        summary="Set the threat open, mitigated or eliminated (other statuses follow decisions)",
        request=ThreatStatusSerializer,
        responses={200: ThreatRiskSerializer, **errors(400, 403, 404, 409)},
    )
    @action(detail=True, methods=["post"], url_path="status")
    def set_status(self, request: Request, pk: str | None = None) -> Response:
        data = validated(ThreatStatusSerializer, request)
        threat = threats.threat_status_set(actor=acting(request), threat=self.get_object(), status=data["status"], reason=data["reason"])
        return Response(_threat_risk(threat))

    @extend_schema(
        summary="Everything the threat drawer shows: rating, three risk numbers, mitigations, decisions, history",
        responses={200: ThreatAssessmentSerializer, **errors(404)},
    )
    @action(detail=True, methods=["get"])
    def assessment(self, request: Request, pk: str | None = None) -> Response:
        threat = self.get_object()
        model = threat.threat_model
        policy = selectors.model_policy(model)
        record = ThreatRating.objects.filter(threat=threat).select_related("rated_by").first()
        decision_rows = list(
            Decision.objects.filter(threat=threat).select_related("owner", "approved_by", "created_by", "ended_by").order_by("-id")
        )
        api = f"/api/v1/threats/{threat.pk}"
        return Response(
            {
                "threat": ThreatSerializer(Threat.objects.prefetch_related("techniques").get(pk=threat.pk)).data,
                "explained": threat_explained(threat).as_dict(),
                "rating": {
                    "likelihood": threat.likelihood,
                    "impact": threat.impact,
                    "rationale": threat.rationale,
                    "owasp": record.owasp if record else None,
                    "rated_by": record.rated_by.get_username() if record and record.rated_by else None,
                    "rated_at": record.rated_at if record else None,
                },
                "risk": selectors.threat_risk(threat, policy=policy).as_dict(),
                "risk_policy": {"version": policy.version, **policy.thresholds()},
                "mitigations": MitigationSerializer(_mitigations().filter(threats=threat), many=True).data,
                "decisions": DecisionSerializer(decision_rows, many=True).data,
                "active_decision": next((DecisionSerializer(d).data for d in decision_rows if d.status == DecisionStatus.ACTIVE), None),
                "pending_decision": next((DecisionSerializer(d).data for d in decision_rows if d.status == DecisionStatus.PENDING), None),
                "band_changes": BandChangeSerializer(
                    BandChange.objects.filter(threat=threat, acknowledged_at__isnull=True).select_related("policy", "acknowledged_by"),
                    many=True,
                ).data,
                "suggested_attack_mitigations": selectors.suggested_attack_mitigations(threat),
                "history": AuditEventSerializer(selectors.threat_history(threat)[:50], many=True).data,
                "links": {
                    "rating": f"{api}/rating/",
                    "status": f"{api}/status/",
                    "history": f"{api}/history/",
                    "suggested_mitigations": f"{api}/suggested-mitigations/",
                    "mitigations": f"/api/v1/mitigations/?threats={threat.pk}",
                    "decisions": f"/api/v1/decisions/?threat={threat.pk}",
                    "new_mitigation": "/api/v1/mitigations/",
                    "new_decision": "/api/v1/decisions/",
                },
            }
        )

    @extend_schema(
        summary="ATT&CK mitigations that mitigate the threat's techniques (through `mitigates` relationships)",
        responses={200: SuggestedAttackMitigationSerializer(many=True), **errors(404)},
    )
    @action(detail=True, methods=["get"], url_path="suggested-mitigations", pagination_class=None)
    def suggested_mitigations(self, request: Request, pk: str | None = None) -> Response:
        return Response(selectors.suggested_attack_mitigations(self.get_object()))

    @extend_schema(summary="Every recorded change of the threat, newest first", responses={200: AuditEventSerializer(many=True), **errors(404)})
    @action(detail=True, methods=["get"])
    def history(self, request: Request, pk: str | None = None) -> Response:
        events = selectors.threat_history(self.get_object())
        paginator = PagePagination()
        page = paginator.paginate_queryset(events, request, view=self)
        assert page is not None
        return paginator.get_paginated_response(AuditEventSerializer(page, many=True).data)


# --- mitigations ------------------------------------------------------------------------------------------------------------


def _mitigations() -> QuerySet[Mitigation]:
    return Mitigation.objects.select_related("control", "owner", "implemented_by", "verified_by", "created_by").prefetch_related(
        "attack_mitigations", Prefetch("threats", queryset=Threat.objects.only("id"))
    )


@extend_schema_view(
    list=extend_schema(summary="Mitigations of your teams' models (filter by threat_model, threats, status)"),
    retrieve=extend_schema(responses={200: MitigationSerializer, **errors(404)}),
    destroy=extend_schema(summary="Delete a mitigation (threats left without one go back to open)", responses={204: None, **errors(403, 404, 409)}),
)
class MitigationViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.DestroyModelMixin, viewsets.GenericViewSet[Mitigation]):
    serializer_class = MitigationSerializer
    filterset_class = MitigationFilter
    search_fields = ["title", "description", "ref"]
    ordering_fields = ["id", "ref", "status"]

    def get_queryset(self) -> QuerySet[Mitigation]:
        if not self.request.user.is_authenticated:
            return Mitigation.objects.none()
        return _mitigations().filter(**{MODEL_MEMBER: self.request.user}).order_by("threat_model_id", "id")

    @extend_schema(
        summary="Create a mitigation, optionally answering threats at once",
        request=MitigationCreateSerializer,
        responses={201: MitigationSerializer, **errors(400, 403, 404, 409)},
    )
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        data = validated(MitigationCreateSerializer, request)
        model = visible_model(request, data.pop("threat_model"))
        mitigation = mitigations.mitigation_create(actor=acting(request), threat_model=model, **data)
        return Response(MitigationSerializer(_mitigations().get(pk=mitigation.pk)).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        summary="Change a mitigation (changing a verified one's evidence or effect sends it back to implemented)",
        request=MitigationWriteSerializer,
        responses={200: MitigationSerializer, **errors(400, 403, 404, 409)},
    )
    def partial_update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        mitigation = self.get_object()
        body = request.data if isinstance(request.data, dict) else {}
        data = validated(MitigationWriteSerializer, request, partial=True)
        unknown = sorted(set(body) - set(MitigationWriteSerializer().fields))
        if unknown:
            raise ValidationFailed("Unknown fields.", details=[{"path": name[:60], "message": "cannot be changed here"} for name in unknown])
        mitigations.mitigation_update(actor=acting(request), mitigation=mitigation, changes=data)
        return Response(MitigationSerializer(_mitigations().get(pk=mitigation.pk)).data)

    def perform_destroy(self, instance: Mitigation) -> None:
        mitigations.mitigation_delete(actor=acting(self.request), mitigation=instance)

    @extend_schema(summary="Link threats this mitigation answers", request=ThreatIdsSerializer, responses={200: MitigationSerializer, **errors(400, 403, 404, 409)})
    @action(detail=True, methods=["post"])
    def link(self, request: Request, pk: str | None = None) -> Response:
        data = validated(ThreatIdsSerializer, request)
        mitigation = mitigations.mitigation_link(actor=acting(request), mitigation=self.get_object(), threats=data["threats"])
        return Response(MitigationSerializer(_mitigations().get(pk=mitigation.pk)).data)

    @extend_schema(summary="Unlink threats", request=ThreatIdsSerializer, responses={200: MitigationSerializer, **errors(400, 403, 404, 409)})
    @action(detail=True, methods=["post"])
    def unlink(self, request: Request, pk: str | None = None) -> Response:
        data = validated(ThreatIdsSerializer, request)
        mitigation = mitigations.mitigation_unlink(actor=acting(request), mitigation=self.get_object(), threats=data["threats"])
        return Response(MitigationSerializer(_mitigations().get(pk=mitigation.pk)).data)

    @extend_schema(
        summary="Move to proposed, planned or implemented",
        request=MitigationStatusSerializer,
        responses={200: MitigationSerializer, **errors(400, 403, 404, 409)},
    )
    @action(detail=True, methods=["post"], url_path="status")
    def set_status(self, request: Request, pk: str | None = None) -> Response:
        data = validated(MitigationStatusSerializer, request)
        mitigation = mitigations.mitigation_status_set(actor=acting(request), mitigation=self.get_object(), status=data["status"])
        return Response(MitigationSerializer(_mitigations().get(pk=mitigation.pk)).data)

    @extend_schema(
        summary="Verify an implemented mitigation (reviewers and above; not its implementer; evidence required)",
        request=MitigationVerifySerializer,
        responses={200: MitigationSerializer, **errors(400, 403, 404, 409)},
    )
    @action(detail=True, methods=["post"])
    def verify(self, request: Request, pk: str | None = None) -> Response:
        data = validated(MitigationVerifySerializer, request)
        mitigation = mitigations.mitigation_verify(
            actor=acting(request), mitigation=self.get_object(), evidence_url=data.get("evidence_url"), evidence=data.get("evidence")
        )
        return Response(MitigationSerializer(_mitigations().get(pk=mitigation.pk)).data)


# --- decisions ----------------------------------------------------------------------------------------------------------------


@extend_schema_view(
    list=extend_schema(summary="Decisions of your teams' models (filter by threat_model, threat, kind, status)"),
    retrieve=extend_schema(responses={200: DecisionSerializer, **errors(404)}),
)
class DecisionViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet[Decision]):
    serializer_class = DecisionSerializer
    filterset_class = DecisionFilter
    ordering_fields = ["id", "expires_on"]

    def get_queryset(self) -> QuerySet[Decision]:
        if not self.request.user.is_authenticated:
            return Decision.objects.none()
        return (
            Decision.objects.filter(**{MODEL_MEMBER: self.request.user})
            .select_related("threat_model", "owner", "approved_by", "created_by", "ended_by")
            .order_by("-id")
        )

    @extend_schema(
        summary="Record a decision: acceptance, exception (waits for the team owner), transfer or not applicable",
        request=DecisionCreateSerializer,
        responses={201: DecisionSerializer, **errors(400, 403, 404, 409)},
    )
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        data = validated(DecisionCreateSerializer, request)
        threat = Threat.objects.visible_to(request.user).select_related("threat_model").filter(pk=data.pop("threat")).first()
        if threat is None:
            raise NotFound("No such threat.")
        decision = decisions.decision_create(actor=acting(request), threat=threat, **data)
        return Response(DecisionSerializer(decision).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        summary="Approve a pending exception (team owners only)",
        request=None,
        responses={200: DecisionSerializer, **errors(400, 403, 404, 409)},
    )
    @action(detail=True, methods=["post"])
    def approve(self, request: Request, pk: str | None = None) -> Response:
        return Response(DecisionSerializer(decisions.decision_approve(actor=acting(request), decision=self.get_object())).data)

    @extend_schema(
        summary="Revoke a pending or active decision (the threat goes back to open)",
        request=ReasonSerializer,
        responses={200: DecisionSerializer, **errors(400, 403, 404, 409)},
    )
    @action(detail=True, methods=["post"])
    def revoke(self, request: Request, pk: str | None = None) -> Response:
        data = validated(ReasonSerializer, request)
        decision = decisions.decision_revoke(actor=acting(request), decision=self.get_object(), reason=data["reason"])
        return Response(DecisionSerializer(decision).data)


# --- snapshots --------------------------------------------------------------------------------------------------------------------


@extend_schema_view(
    list=extend_schema(summary="Snapshots (versions) of your teams' models, without their content (filter by threat_model)"),
    retrieve=extend_schema(summary="A snapshot with its frozen native document", responses={200: SnapshotSerializer, **errors(404)}),
)
class SnapshotViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet[Snapshot]):
    """Snapshots are immutable: there is no route that changes or deletes one."""

    serializer_class = SnapshotSummarySerializer
    filterset_class = SnapshotFilter
    ordering_fields = ["number", "created_at"]

    def get_queryset(self) -> QuerySet[Snapshot]:
        if not self.request.user.is_authenticated:
            return Snapshot.objects.none()
        queryset = Snapshot.objects.filter(**{MODEL_MEMBER: self.request.user}).select_related("created_by", "threat_model")
        if self.action == "list":
            queryset = queryset.defer("content")
        return queryset.order_by("threat_model_id", "-number")

    def get_serializer_class(self) -> type[SnapshotSummarySerializer]:
        return SnapshotSerializer if self.action == "retrieve" else SnapshotSummarySerializer

    @extend_schema(
        summary="Save a version of a model by hand (editors)",
        request=SnapshotCreateSerializer,
        responses={201: SnapshotSummarySerializer, **errors(400, 403, 404)},
    )
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        data = validated(SnapshotCreateSerializer, request)
        model = visible_model(request, data["threat_model"])
        snapshot = snapshots.snapshot_create(actor=acting(request), threat_model=model, label=data["label"])
        return Response(SnapshotSummarySerializer(snapshot).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        summary="Diff this snapshot against another snapshot of the same model, or against the model now",
        parameters=[
            OpenApiParameter(
                "against", str, required=False, description="Another snapshot's id, or `now` (the default): the model as it is."
            )
        ],
        responses={200: DiffSerializer, **errors(400, 404)},
    )
    @action(detail=True, methods=["get"])
    def diff(self, request: Request, pk: str | None = None) -> Response:
        before = self.get_object()
        against = request.query_params.get("against", "now")
        after = None
        if against != "now":
            other = int(against) if against.isdigit() else None
            after = self.get_queryset().filter(pk=other, threat_model_id=before.threat_model_id).first() if other else None
            if after is None:
                raise ValidationFailed(
                    "Compare with another snapshot of the same model, or with now.",
                    details=[{"path": "against", "message": "must be 'now' or the id of a snapshot of the same model"}],
                )
        return Response(snapshots.snapshot_diff(before, after))


# --- risk policies, band changes ----------------------------------------------------------------------------------------------


@extend_schema_view(
    list=extend_schema(summary="Risk policy versions of your teams (filter by team)"),
    retrieve=extend_schema(responses={200: RiskPolicySerializer, **errors(404)}),
)
class RiskPolicyViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet[RiskPolicy]):
    serializer_class = RiskPolicySerializer
    filterset_class = RiskPolicyFilter

    def get_queryset(self) -> QuerySet[RiskPolicy]:
        if not self.request.user.is_authenticated:
            return RiskPolicy.objects.none()
        return RiskPolicy.objects.filter(**{MEMBER: self.request.user}).select_related("created_by").order_by("team_id", "-version")

    @extend_schema(
        summary="Change the team's thresholds (owners): a new version; open models move to it and band changes are flagged",
        request=RiskPolicyCreateSerializer,
        responses={201: RiskPolicyChangeSerializer, **errors(400, 403, 404)},
    )
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        data = validated(RiskPolicyCreateSerializer, request)
        team = visible_team(request, data.pop("team"))
        change = policies.risk_policy_change(actor=acting(request), team=team, **data)
        return Response(
            {
                "policy": RiskPolicySerializer(change.policy).data,
                "previous_version": change.previous.version,
                "models": change.models,
                "band_changes": BandChangeSerializer(
                    BandChange.objects.filter(pk__in=[c.pk for c in change.band_changes]).select_related("policy").order_by("id"), many=True
                ).data,
            },
            status=status.HTTP_201_CREATED,
        )


class BandChangeFilter(IdFilters):
    threat = IdFilter(field_name="threat_id")
    policy = IdFilter(field_name="policy_id")
    acknowledged = django_filters.BooleanFilter(field_name="acknowledged_at", lookup_expr="isnull", exclude=True)

    class Meta:
        model = BandChange
        fields: list[str] = []


@extend_schema_view(
    list=extend_schema(summary="Threats whose band moved under a new risk policy (filter acknowledged=false for the open flags)"),
    retrieve=extend_schema(responses={200: BandChangeSerializer, **errors(404)}),
)
class BandChangeViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet[BandChange]):
    serializer_class = BandChangeSerializer
    filterset_class = BandChangeFilter

    def get_queryset(self) -> QuerySet[BandChange]:
        if not self.request.user.is_authenticated:
            return BandChange.objects.none()
        return BandChange.objects.filter(**{MODEL_MEMBER: self.request.user}).select_related("policy", "acknowledged_by").order_by("-id")

    @extend_schema(summary="Acknowledge a band change (editors)", request=None, responses={200: BandChangeSerializer, **errors(403, 404, 409)})
    @action(detail=True, methods=["post"])
    def acknowledge(self, request: Request, pk: str | None = None) -> Response:
        change = policies.band_change_acknowledge(actor=acting(request), band_change=self.get_object())
        return Response(BandChangeSerializer(change).data)


# --- audit trail ----------------------------------------------------------------------------------------------------------------------


@extend_schema_view(
    list=extend_schema(summary="The audit trail of your teams: who changed what, when, before and after"),
    retrieve=extend_schema(responses={200: AuditEventSerializer, **errors(404)}),
)
class AuditEventViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet[AuditEvent]):
    serializer_class = AuditEventSerializer
    filterset_class = AuditEventFilter
    ordering_fields = ["created_at", "id"]

    def get_queryset(self) -> QuerySet[AuditEvent]:
        if not self.request.user.is_authenticated:
            return AuditEvent.objects.none()
        return AuditEvent.objects.filter(**{MEMBER: self.request.user}).select_related("actor").order_by("-created_at", "-id")


# --- the controls catalogue and the risk scales -----------------------------------------------------------------------------------


class ControlFilter(ScopedFilterSet):
    stride = django_filters.CharFilter(field_name="stride", lookup_expr="contains", help_text="Controls that counter this STRIDE letter.")

    class Meta:
        model = Control
        fields = ["phase", "layer"]


@extend_schema_view(
    list=extend_schema(
        summary="The cloud-native controls catalogue",
        description="Derived from the CNCF TAG Security Cloud Native Security Whitepaper v2 (CC BY 4.0); summaries are our own.",
    ),
    retrieve=extend_schema(responses={200: ControlSerializer, **errors(404)}),
)
class ControlViewSet(viewsets.ReadOnlyModelViewSet[Control]):
    serializer_class = ControlSerializer
    filterset_class = ControlFilter
    search_fields = ["control_id", "name", "summary"]
    lookup_field = "control_id"
    lookup_value_regex = r"[A-Za-z0-9\-]+"
    queryset = Control.objects.order_by("id")


class RiskViewSet(viewsets.ViewSet):
    """The risk scales and the OWASP Risk Rating helper: no team data, any signed-in user."""

    @extend_schema(summary="Level names, score levels, bands, residual caps and the OWASP factor names", responses={200: ScalesSerializer})
    @action(detail=False, methods=["get"])
    def scales(self, request: Request) -> Response:
        return Response(
            {
                "levels": {str(k): v for k, v in risk.LEVEL_NAMES.items()},
                "score_levels": [
                    {"min": 20, "max": 25, "level": "Critical"},
                    {"min": 15, "max": 19, "level": "Very high"},
                    {"min": 10, "max": 14, "level": "High"},
                    {"min": 5, "max": 9, "level": "Medium"},
                    {"min": 1, "max": 4, "level": "Low"},
                ],
                "bands": {band.value: label for band, label in risk.BAND_LABELS.items()},
                "caps": {"likelihood_reduction": risk.MAX_LIKELIHOOD_REDUCTION, "impact_reduction": risk.MAX_IMPACT_REDUCTION},
                "owasp_factors": {"likelihood": list(risk.OWASP_LIKELIHOOD_FACTORS), "impact": list(risk.OWASP_IMPACT_FACTORS)},
                "default_policy": {"version": risk.DEFAULT_POLICY.version, **risk.DEFAULT_POLICY.thresholds()},
            }
        )

    @extend_schema(
        summary="OWASP Risk Rating helper: the 1–5 levels that eight likelihood and/or eight impact factors (0–9) propose",
        request=OwaspFactorsSerializer,
        responses={200: OwaspProposalSerializer, **errors(400)},
    )
    @action(detail=False, methods=["post"], url_path="owasp-rating")
    def owasp_rating(self, request: Request) -> Response:
        problems = risk.owasp_problems(request.data)
        if problems:
            raise ValidationFailed(
                "The OWASP factor answers are invalid.", details=[{"path": path, "message": message} for path, message in problems]
            )
        return Response(risk.owasp_propose(cast(Mapping[str, Mapping[str, int]], request.data)).as_dict())

