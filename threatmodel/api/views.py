"""REST endpoints of the core app: teams, memberships, threat models, tokens, auth, import/export.

Querysets are scoped to the user's teams, so an outsider gets 404 from every detail route; the
services check roles, so a viewer who can see a model still cannot change it (403).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.conf import settings
from django.contrib.auth import authenticate, login, logout
from django.db.models import QuerySet
from django.http import HttpResponse, HttpResponseBase
from django.middleware.csrf import get_token
from django.utils.cache import get_conditional_response
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_view,
    inline_serializer,
)
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.authentication import SessionAuthentication
from rest_framework.decorators import action
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.throttling import AnonRateThrottle, ScopedRateThrottle, UserRateThrottle

from common.api.parsers import BoundedFormParser, BoundedMultiPartParser
from common.api.renderers import FILE_RENDERERS
from common.api.requests import acting, payload, validated
from common.api.schema import errors
from common.errors import PayloadTooLarge, Throttled, ValidationFailed
from dfd.selectors import graph_for_model
from stride.api.serializers import AnalysisResultSerializer, CoverageSerializer, OpenQuestionsSerializer
from stride.coverage import coverage_for
from stride.questions import open_questions
from threatmodel import invitations, native, services
from threatmodel.analysis import threat_model_analyse
from threatmodel.api.access import visible_team
from threatmodel.api.document_schema import DocumentSerializer
from threatmodel.api.import_jobs import ImportJobSerializer
from threatmodel.api.serializers import (
    ApiTokenCreatedSerializer,
    ApiTokenSerializer,
    ImportResultSerializer,
    ImportSerializer,
    InvitationAcceptSerializer,
    InvitationSerializer,
    LoginSerializer,
    MembershipSerializer,
    MembershipUpdateSerializer,
    MeSerializer,
    TeamSerializer,
    ThreatModelCreateSerializer,
    ThreatModelSerializer,
    ThreatModelUpdateSerializer,
)
from threatmodel.api.uploads import uploaded_files
from threatmodel.choices import Role
from threatmodel.document_threats import document_etag
from threatmodel.interop.import_jobs import import_queue
from threatmodel.interop.imports import import_model
from threatmodel.interop.registry import EXPORTS, IMPORTS
from threatmodel.interop.sources import SourceFile
from threatmodel.models import ApiToken, Invitation, Membership, Team, ThreatModel
from threatmodel.permissions import require_role
from threatmodel.signin import locked_message, retry_after


@extend_schema_view(
    list=extend_schema(summary="Your teams"),
    create=extend_schema(summary="Create a team (you become its owner)", responses={201: TeamSerializer, **errors(400)}),
    retrieve=extend_schema(responses={200: TeamSerializer, **errors(404)}),
    update=extend_schema(responses={200: TeamSerializer, **errors(400, 403, 404)}),
    partial_update=extend_schema(responses={200: TeamSerializer, **errors(400, 403, 404)}),
    destroy=extend_schema(summary="Delete a team and all its models (owners)", responses={204: None, **errors(403, 404)}),
)
class TeamViewSet(viewsets.ModelViewSet[Team]):
    serializer_class = TeamSerializer
    search_fields = ["name"]
    ordering_fields = ["name", "created_at"]

    def get_queryset(self) -> QuerySet[Team]:
        return Team.objects.visible_to(self.request.user)

    def get_serializer_context(self) -> dict[str, Any]:
        context = dict(super().get_serializer_context())
        if self.request.user.is_authenticated:
            context["roles"] = dict(Membership.objects.filter(user_id=self.request.user.pk).values_list("team_id", "role"))
        return context

    def perform_create(self, serializer: serializers.BaseSerializer[Team]) -> None:
        serializer.instance = services.team_create(actor=acting(self.request), name=serializer.validated_data["name"])

    def perform_update(self, serializer: serializers.BaseSerializer[Team]) -> None:
        assert serializer.instance is not None
        name = serializer.validated_data.get("name", serializer.instance.name)
        serializer.instance = services.team_update(actor=acting(self.request), team=serializer.instance, name=name)

    def perform_destroy(self, instance: Team) -> None:
        services.team_delete(actor=acting(self.request), team=instance)


@extend_schema_view(
    list=extend_schema(summary="Members of your teams (filter with ?team=)"),
    create=extend_schema(summary="Add a member (owners)", responses={201: MembershipSerializer, **errors(400, 403, 404)}),
    update=extend_schema(request=MembershipUpdateSerializer, responses={200: MembershipSerializer, **errors(400, 403, 404)}),
    partial_update=extend_schema(
        request=MembershipUpdateSerializer, responses={200: MembershipSerializer, **errors(400, 403, 404)}
    ),
    destroy=extend_schema(summary="Remove a member (owners) or leave a team", responses={204: None, **errors(400, 403, 404)}),
)
class MembershipViewSet(viewsets.ModelViewSet[Membership]):
    serializer_class = MembershipSerializer
    filterset_fields = ["team", "role"]
    search_fields = ["user__username", "user__email"]

    def get_queryset(self) -> QuerySet[Membership]:
        if not self.request.user.is_authenticated:
            return Membership.objects.none()
        teams = Membership.objects.filter(user_id=self.request.user.pk).values("team_id")
        return Membership.objects.filter(team_id__in=teams).select_related("user").order_by("team_id", "user__username")

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        team = visible_team(request, payload(request).get("team"))
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        membership = services.membership_add(
            actor=acting(request),
            team=team,
            username=serializer.validated_data["user"],
            role=serializer.validated_data.get("role", Role.VIEWER),
        )
        return Response(self.get_serializer(membership).data, status=status.HTTP_201_CREATED)

    def update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        membership = self.get_object()
        serializer = MembershipUpdateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        updated = services.membership_update(actor=acting(request), membership=membership, role=serializer.validated_data["role"])
        return Response(self.get_serializer(updated).data)

    def perform_destroy(self, instance: Membership) -> None:
        services.membership_remove(actor=acting(self.request), membership=instance)


@extend_schema_view(
    list=extend_schema(summary="Open invitations of the teams you own"),
    create=extend_schema(
        summary="Invite an e-mail address into a team (owners)",
        description="The answer is the same whether or not the address has an account; the secret goes to the address only.",
        responses={201: InvitationSerializer, **errors(400, 403, 404)},
    ),
    destroy=extend_schema(summary="Revoke an invitation (owners)", responses={204: None, **errors(404)}),
)
class InvitationViewSet(mixins.ListModelMixin, mixins.CreateModelMixin, mixins.DestroyModelMixin, viewsets.GenericViewSet[Invitation]):
    serializer_class = InvitationSerializer
    filterset_fields = ["team", "role"]

    def get_queryset(self) -> QuerySet[Invitation]:
        if not self.request.user.is_authenticated:
            return Invitation.objects.none()
        owned = Membership.objects.filter(user_id=self.request.user.pk, role=Role.OWNER).values("team_id")
        return Invitation.objects.filter(team_id__in=owned, accepted_at__isnull=True).select_related("invited_by")

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        team = visible_team(request, payload(request).get("team"))
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        invitation = invitations.invitation_create(
            actor=acting(request), team=team, email=serializer.validated_data["email"], role=serializer.validated_data.get("role", Role.VIEWER)
        )
        return Response(self.get_serializer(invitation).data, status=status.HTTP_201_CREATED)

    def perform_destroy(self, instance: Invitation) -> None:
        invitations.invitation_revoke(actor=acting(self.request), invitation=instance)

    @extend_schema(
        summary="Accept an invitation made to your e-mail address",
        request=InvitationAcceptSerializer,
        responses={200: MembershipSerializer, **errors(400)},
    )
    @action(detail=False, methods=["post"])
    def accept(self, request: Request) -> Response:
        serializer = InvitationAcceptSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        membership = invitations.invitation_accept(actor=acting(request), token=serializer.validated_data["token"])
        return Response(MembershipSerializer(membership, context=self.get_serializer_context()).data)


@extend_schema_view(
    list=extend_schema(summary="Threat models of your teams"),
    retrieve=extend_schema(responses={200: ThreatModelSerializer, **errors(404)}),
    destroy=extend_schema(summary="Delete a model (team owners)", responses={204: None, **errors(403, 404)}),
)
class ThreatModelViewSet(viewsets.ModelViewSet[ThreatModel]):
    serializer_class = ThreatModelSerializer
    filterset_fields = ["team", "stage"]
    search_fields = ["name", "description", "scope"]
    ordering_fields = ["name", "created_at", "updated_at", "stage"]

    def get_queryset(self) -> QuerySet[ThreatModel]:
        return ThreatModel.objects.visible_to(self.request.user)

    @extend_schema(
        summary="Analyse the model now",
        request=None,
        responses={200: AnalysisResultSerializer, **errors(403, 404)},
        description="Counts of threats created (new), kept, made obsolete and restored (revived).",
    )
    @action(detail=True, methods=["post"])
    def analyse(self, request: Request, pk: str | None = None) -> Response:
        model = self.get_object()
        return Response(threat_model_analyse(model_id=model.pk, actor=acting(request)).as_dict())

    @extend_schema(
        summary="STRIDE coverage: every element and flow × applicable letter, and what covers it",
        responses={200: CoverageSerializer, **errors(404)},
    )
    @action(detail=True, methods=["get"])
    def coverage(self, request: Request, pk: str | None = None) -> Response:
        model = self.get_object()
        cells = coverage_for(model.pk)
        return Response(
            {
                "threat_model": model.pk,
                "analysed_version": model.analysed_version,
                "version": model.version,
                "cells": [cell.as_dict() for cell in cells],
                "covered": sum(cell.covered for cell in cells),
                "total": len(cells),
            }
        )

    @extend_schema(
        summary="Open questions: what the model's unconfirmed threats wait on",
        description="One question per element or flow and property, however many unconfirmed threats wait on it; "
        "answer it by setting the property through the diagram's ops endpoint.",
        responses={200: OpenQuestionsSerializer, **errors(404)},
    )
    @action(detail=True, methods=["get"])
    def questions(self, request: Request, pk: str | None = None) -> Response:
        model = self.get_object()
        return Response({"threat_model": model.pk, **open_questions(model.pk)})

    @extend_schema(
        summary="Cheapest attack paths from entry points to crown jewels",
        parameters=[OpenApiParameter("k", int, required=False, description="Paths per crown jewel (1-5).")],
        responses={200: OpenApiTypes.OBJECT, **errors(400, 404)},
    )
    @action(detail=True, methods=["get"], url_path="attack-paths")
    def attack_paths(self, request: Request, pk: str | None = None) -> Response:
        model = self.get_object()
        try:
            k = int(request.query_params.get("k", "1"))
        except ValueError:
            k = 0
        if not 1 <= k <= 5:
            raise ValidationFailed("k must be 1 to 5.", details=[{"path": "k", "message": "must be an integer from 1 to 5"}])
        graph = graph_for_model(model.pk)
        return Response(
            {
                "entry_points": [node.key for node in graph.entry_points()],
                "crown_jewels": [node.key for node in graph.crown_jewels()],
                "paths": [path.as_dict() for path in graph.attack_paths(k=k)],
            }
        )

    @extend_schema(
        request=ThreatModelCreateSerializer,
        responses={201: ThreatModelSerializer, **errors(400, 403, 404)},
        summary="Create a threat model (editors and owners)",
    )
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        data = validated(ThreatModelCreateSerializer, request)
        team = visible_team(request, data.pop("team"))
        model = services.threat_model_create(actor=acting(request), team=team, **data)
        return Response(ThreatModelSerializer(model).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=ThreatModelUpdateSerializer, responses={200: ThreatModelSerializer, **errors(400, 403, 404)})
    def update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        model = self.get_object()
        serializer = ThreatModelUpdateSerializer(data=request.data, partial=kwargs.get("partial", False))
        serializer.is_valid(raise_exception=True)
        updated = services.threat_model_update(actor=acting(request), threat_model=model, **serializer.validated_data)
        return Response(ThreatModelSerializer(updated).data)

    def perform_destroy(self, instance: ThreatModel) -> None:
        services.threat_model_delete(actor=acting(self.request), threat_model=instance)

    @extend_schema(
        summary="The whole model in one response: diagrams, elements, flows, threats",
        description=(
            "The threats come as columns: what a rule's threats share once in `threats.rules`, and per threat "
            "only its id, rule entry, subject, status and levels (`GET /api/v1/threats/{id}/` has a threat's full "
            "record). The answer carries an ETag naming this state of the model; send it back in `If-None-Match` "
            "and an unchanged document is answered 304 without a body."
        ),
        responses={
            200: DocumentSerializer,
            304: OpenApiResponse(description="Not modified (If-None-Match matched the ETag)"),
            **errors(404),
        },
    )
    @action(detail=True, methods=["get"])
    def document(self, request: Request, pk: str | None = None) -> HttpResponseBase:
        # The model is looked up (and an outsider answered 404) before the ETag is compared.
        model = self.get_object()
        etag = document_etag(
            model_id=model.pk, version=model.version, updated_at=model.updated_at, team_id=model.team_id, stage=model.stage
        )
        unchanged = get_conditional_response(request, etag=etag)
        if unchanged is not None:
            unchanged["ETag"] = etag
            return unchanged
        response = Response(native.document_build(model))
        response["ETag"] = etag
        return response

    @extend_schema(
        summary="Export the model",
        description="Formats (also listed by `GET /api/v1/formats/`): "
        + "; ".join(f"`{fmt.name}` — {fmt.label}" for fmt in EXPORTS.values())
        + ". The file is an attachment named after the model id and version.",
        parameters=[OpenApiParameter("format", str, enum=list(EXPORTS), default="json", description="Export format.")],
        responses={
            (200, "application/json"): OpenApiResponse(OpenApiTypes.OBJECT, description="json, otm, threat-dragon, navigator"),
            (200, "text/csv"): OpenApiResponse(OpenApiTypes.STR, description="csv: the threat register"),
            **errors(400, 404),
        },
    )
    @action(detail=True, methods=["get"], renderer_classes=FILE_RENDERERS)
    def export(self, request: Request, pk: str | None = None) -> HttpResponse:
        model = self.get_object()
        fmt = EXPORTS.get(request.query_params.get("format", "json"))
        if fmt is None:
            raise ValidationFailed(
                "Unknown export format.", details=[{"path": "format", "message": f"must be one of {', '.join(EXPORTS)}"}]
            )
        response = HttpResponse(fmt.write(model), content_type=_with_charset(fmt.media_type))
        response["Content-Disposition"] = f'attachment; filename="threat-model-{model.pk}-v{model.version}{fmt.suffix}"'
        return response

    @extend_schema(
        summary="Import a whole model (all or nothing)",
        description=(
            "Send the file as multipart (`file`, `team`, optional `format` and `name`; repeat `file` to send several files "
            "of a format that reads several, such as `kubernetes` or `compose`) or the file itself as the "
            "body (JSON, YAML or XML) with `?team=<id>` and optional `?format=`. Formats (also listed by "
            "`GET /api/v1/formats/`): "
            + ", ".join(f"`{fmt.name}` ({fmt.label})" for fmt in IMPORTS.values())
            + "; when `format` is omitted it is detected from the content. Files over the configured limit are "
            "refused from their Content-Length; archives and compressed files are refused; errors name the place "
            "in the file (JSON path, or line and column). The answer lists what was created (`summary`) and what "
            "was adapted (`warnings`). Larger uploads (over `THREATMODEL_IMPORT_INLINE_MAX_BYTES`) are answered 202 with an "
            "import job to follow at `GET /api/v1/import-jobs/{id}/`, which a worker runs the same way."
        ),
        request={
            "multipart/form-data": ImportSerializer,
            "application/json": OpenApiTypes.OBJECT,
            "application/yaml": OpenApiTypes.STR,
            "application/xml": OpenApiTypes.STR,
        },
        parameters=[
            OpenApiParameter("team", int, required=False),
            OpenApiParameter("name", str, required=False),
            OpenApiParameter("format", str, required=False, enum=list(IMPORTS), description="Import format (detected if omitted)."),
        ],
        responses={
            201: OpenApiResponse(ImportResultSerializer, description="The new model, its source format, counts and warnings"),
            202: OpenApiResponse(
                inline_serializer("ImportQueued", {"job": ImportJobSerializer()}),
                description="Files over THREATMODEL_IMPORT_INLINE_MAX_BYTES: the import runs in a worker; follow the job",
            ),
            **errors(400, 403, 404, 413),
        },
    )
    @action(detail=False, methods=["post"], url_path="import", parser_classes=[BoundedMultiPartParser, BoundedFormParser])
    def import_(self, request: Request) -> Response:
        # A declared Content-Length over the limit never gets here (RequestSizeLimitMiddleware);
        # the size of what was actually read is checked again below.
        content_type = request.content_type.split(";")[0].strip().lower()
        fmt: object
        sources: list[SourceFile] = []
        if content_type not in ("multipart/form-data", "application/x-www-form-urlencoded"):
            raw = request.body
            team_raw: object = request.query_params.get("team")
            name: object = request.query_params.get("name")
            fmt = request.query_params.get("format")
        else:
            form = payload(request)
            sources = uploaded_files(request)
            raw = b""  # the files' sizes were bounded as they were read
            team_raw = form.get("team")
            name = form.get("name")
            fmt = form.get("format") or request.query_params.get("format")
        if len(raw) > settings.THREATMODEL_IMPORT_MAX_BYTES:
            raise PayloadTooLarge("The file is larger than the import limit.", limit=settings.THREATMODEL_IMPORT_MAX_BYTES)
        try:
            team_id = int(str(team_raw))
        except ValueError:
            raise ValidationFailed("Say which team imports the model.", details=[{"path": "team", "message": "is required"}]) from None
        team = visible_team(request, team_id)
        require_role(request.user, team.pk, "write", what="team")
        files = sources or [SourceFile("", raw)]
        if sum(len(source.raw) for source in files) > settings.THREATMODEL_IMPORT_INLINE_MAX_BYTES:
            job = import_queue(
                actor=acting(request), team=team, files=files, fmt=fmt if isinstance(fmt, str) and fmt else None,
                name=str(name)[:200] if isinstance(name, str) and name.strip() else None,
            )  # fmt: skip
            job.refresh_from_db()  # without a broker the job has already run
            return Response(
                {"job": ImportJobSerializer(job).data}, status=status.HTTP_202_ACCEPTED, headers={"Location": f"/api/v1/import-jobs/{job.pk}/"}
            )
        outcome = import_model(
            actor=acting(request),
            team=team,
            raw=raw,
            files=sources,
            fmt=fmt if isinstance(fmt, str) and fmt else None,
            name=str(name)[:200] if isinstance(name, str) and name.strip() else None,
        )
        return Response(
            {
                "threat_model": ThreatModelSerializer(outcome.model).data,
                "format": outcome.format,
                "summary": outcome.summary.as_dict(),
                "warnings": outcome.warnings,
            },
            status=status.HTTP_201_CREATED,
        )


class TokenThrottle(UserRateThrottle):
    scope = "token"


class TokenAddressThrottle(AnonRateThrottle):
    """Per client address, signed in or not (DRF's anonymous throttle keys on the address alone)."""

    scope = "token_address"

    def get_cache_key(self, request: Request, view: Any) -> str:
        return self.cache_format % {"scope": self.scope, "ident": self.get_ident(request)}


@extend_schema_view(
    list=extend_schema(summary="Your API tokens"),
    retrieve=extend_schema(responses={200: ApiTokenSerializer, **errors(404)}),
    create=extend_schema(summary="Create a token (its secret is shown once)", responses={201: ApiTokenCreatedSerializer, **errors(400, 429)}),
    destroy=extend_schema(summary="Revoke a token", responses={204: None, **errors(404)}),
)
class ApiTokenViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin, mixins.DestroyModelMixin, viewsets.GenericViewSet[ApiToken]
):
    serializer_class = ApiTokenSerializer

    def get_queryset(self) -> QuerySet[ApiToken]:
        if not self.request.user.is_authenticated:
            return ApiToken.objects.none()
        return ApiToken.objects.filter(user_id=self.request.user.pk)

    def get_throttles(self) -> list[Any]:
        # A stolen session must not mint tokens without bound: per account, and per address.
        return [TokenThrottle(), TokenAddressThrottle()] if self.action == "create" else []

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        token, secret = services.api_token_create(
            actor=acting(request),
            name=serializer.validated_data["name"],
            expires_at=serializer.validated_data.get("expires_at"),
        )
        data = dict(ApiTokenSerializer(token).data)
        data["token"] = secret
        return Response(data, status=status.HTTP_201_CREATED)

    def perform_destroy(self, instance: ApiToken) -> None:
        services.api_token_revoke(actor=acting(self.request), token=instance)


class AuthViewSet(viewsets.ViewSet):
    """Session sign-in for the browser app. CSRF is enforced on sign-in and on every later write."""

    throttle_scope = "login"

    def get_permissions(self) -> Sequence[Any]:
        if self.action in ("csrf", "login"):
            return [AllowAny()]
        return super().get_permissions()

    def get_throttles(self) -> list[Any]:
        return [ScopedRateThrottle()] if self.action == "login" else []

    @extend_schema(summary="Set the CSRF cookie; returns the token too", responses={200: OpenApiTypes.OBJECT})
    @action(detail=False, methods=["get"])
    def csrf(self, request: Request) -> Response:
        return Response({"csrf_token": get_token(request)})

    @extend_schema(request=LoginSerializer, responses={200: MeSerializer, **errors(400, 403, 429)})
    @action(detail=False, methods=["post"])
    def login(self, request: Request) -> Response:
        # Signing in is a write made with the browser's cookies: it needs the CSRF token too.
        SessionAuthentication().enforce_csrf(request)
        data = validated(LoginSerializer, request)
        user = authenticate(
            request._request,
            username=data["username"],
            password=data["password"],
        )
        if user is None:
            wait = retry_after(request._request)
            if wait:  # the same words whether or not the account exists
                raise Throttled(locked_message(), retry_after=wait)
            raise ValidationFailed("Wrong username or password.", details=[{"path": "password", "message": "does not match"}])
        login(request._request, user)
        return Response(_me(user))

    @extend_schema(request=None, responses={204: None})
    @action(detail=False, methods=["post"])
    def logout(self, request: Request) -> Response:
        logout(request._request)
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(responses={200: MeSerializer, **errors(401)})
    @action(detail=False, methods=["get"])
    def me(self, request: Request) -> Response:
        return Response(_me(request.user))


def _with_charset(media_type: str) -> str:
    return media_type if "charset" in media_type or not media_type.startswith(("application/json", "text/")) else f"{media_type}; charset=utf-8"


def _me(user: Any) -> dict[str, Any]:
    memberships = Membership.objects.filter(user_id=user.pk).select_related("team").order_by("team__name")
    return {
        "id": user.pk,
        "username": user.get_username(),
        "email": user.email,
        "teams": [{"id": m.team_id, "name": m.team.name, "slug": m.team.slug, "role": m.role} for m in memberships],
    }
