"""The comments API: ``/threat-models/{id}/comments/`` to list and write, ``/comments/{id}/`` to
edit, delete and resolve.

Anyone in the team reads; reviewers and above write (the service checks the role, and who wrote
the comment); outsiders get 404 for the model and for each comment. A comment's shape is
``threatmodel.comments.comment_payload`` — the one the live room pushes.
"""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from common.api.requests import acting, validated
from common.api.schema import errors
from common.errors import NotFound
from threatmodel import comments
from threatmodel.models import Comment, ThreatModel
from threatmodel.models.comments import MAX_BODY

MODEL_PARAMETER = OpenApiParameter("threat_model_pk", int, OpenApiParameter.PATH, description="Id of the threat model.")


class CommentSerializer(serializers.ModelSerializer[Comment]):
    """Declares the fields for the schema; the values are ``comment_payload``'s."""

    author = serializers.CharField(read_only=True, allow_null=True, help_text="Username of who wrote it (null: no longer an account).")
    mentions = serializers.ListField(child=serializers.CharField(), read_only=True, help_text="Usernames of the members it mentions.")
    resolved_by = serializers.CharField(read_only=True, allow_null=True, help_text="Username of who resolved the thread.")

    class Meta:
        model = Comment
        fields = [
            "id", "threat_model", "threat", "subject_key", "parent", "body", "author", "mentions",
            "created_at", "edited_at", "resolved", "resolved_by", "resolved_at",
        ]  # fmt: skip
        read_only_fields = fields

    def to_representation(self, instance: Comment) -> dict[str, Any]:
        return comments.comment_payload(instance)


class CommentCreateSerializer(serializers.Serializer[Any]):
    body = serializers.CharField(max_length=MAX_BODY, help_text="The comment; @username mentions a member of the team.")
    threat = serializers.IntegerField(min_value=1, required=False, allow_null=True, help_text="Id of the threat it is on.")
    subject_key = serializers.CharField(max_length=100, required=False, allow_blank=True, help_text="Key of the element or flow it is on.")
    parent = serializers.IntegerField(min_value=1, required=False, allow_null=True, help_text="The thread's first comment, for a reply.")  # type: ignore[assignment]


class CommentEditSerializer(serializers.Serializer[Any]):
    body = serializers.CharField(max_length=MAX_BODY, help_text="The new text.")


class CommentResolveSerializer(serializers.Serializer[Any]):
    resolved = serializers.BooleanField(default=True, help_text="false opens the thread again.")


def _comments() -> QuerySet[Comment]:
    return Comment.objects.select_related("author", "resolved_by").prefetch_related("mentions").order_by("id")


@extend_schema_view(
    list=extend_schema(
        summary="Comments of a threat model, oldest first (filter by threat, subject_key, parent, resolved)",
        parameters=[MODEL_PARAMETER],
        responses={200: CommentSerializer(many=True), **errors(400, 404)},
    ),
    create=extend_schema(
        summary="Comment on a threat or an element or flow, or reply to a thread",
        description=(
            "Name exactly one of `threat` and `subject_key`, or a thread's first comment as `parent` (replies are one "
            "level deep). Reviewers, editors and owners comment; viewers read. Members mentioned with `@username` get an e-mail."
        ),
        parameters=[MODEL_PARAMETER],
        request=CommentCreateSerializer,
        responses={201: CommentSerializer, **errors(400, 403, 404)},
    ),
)
class ThreatModelCommentViewSet(mixins.ListModelMixin, viewsets.GenericViewSet[Comment]):
    serializer_class = CommentSerializer
    filterset_fields = ["threat", "subject_key", "parent", "resolved"]
    ordering_fields = ["id"]

    def threat_model(self) -> ThreatModel:
        model = ThreatModel.objects.visible_to(self.request.user).filter(pk=str(self.kwargs.get("threat_model_pk", ""))).first()
        if model is None:
            raise NotFound("No such threat model.")
        return model

    def get_queryset(self) -> QuerySet[Comment]:
        if getattr(self, "swagger_fake_view", False):
            return Comment.objects.none()
        return _comments().filter(threat_model=self.threat_model())

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        model = self.threat_model()
        data = validated(CommentCreateSerializer, request)
        created = comments.comment_create(
            actor=acting(request),
            threat_model=model,
            body=data["body"],
            threat_id=data.get("threat"),
            subject_key=data.get("subject_key"),
            parent_id=data.get("parent"),
        )
        return Response(comments.comment_payload(_comments().get(pk=created.pk)), status=status.HTTP_201_CREATED)


@extend_schema_view(
    retrieve=extend_schema(summary="A comment", responses={200: CommentSerializer, **errors(404)}),
    partial_update=extend_schema(
        summary="Change a comment's text (its author only)", request=CommentEditSerializer, responses={200: CommentSerializer, **errors(400, 403, 404)}
    ),
    destroy=extend_schema(
        summary="Delete a comment and its replies (its author or a team owner)", responses={204: None, **errors(403, 404)}
    ),
)
class CommentViewSet(mixins.RetrieveModelMixin, mixins.DestroyModelMixin, viewsets.GenericViewSet[Comment]):
    serializer_class = CommentSerializer
    http_method_names = ["get", "patch", "delete", "post", "head", "options"]
    filter_backends: list[Any] = []

    def get_queryset(self) -> QuerySet[Comment]:
        if not self.request.user.is_authenticated:
            return Comment.objects.none()
        return _comments().filter(threat_model__team__memberships__user=self.request.user)

    def partial_update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        comment = self.get_object()
        data = validated(CommentEditSerializer, request)
        comments.comment_edit(actor=acting(request), comment=comment, body=data["body"])
        return Response(comments.comment_payload(self.get_queryset().get(pk=comment.pk)))

    def perform_destroy(self, instance: Comment) -> None:
        comments.comment_delete(actor=acting(self.request), comment=instance)

    @extend_schema(
        summary="Resolve a thread (or open it again with resolved: false)",
        request=CommentResolveSerializer,
        responses={200: CommentSerializer, **errors(400, 403, 404)},
    )
    @action(detail=True, methods=["post"])
    def resolve(self, request: Request, pk: str | None = None) -> Response:
        comment = self.get_object()
        data = validated(CommentResolveSerializer, request)
        comments.comment_resolve(actor=acting(request), comment=comment, resolved=data["resolved"])
        return Response(comments.comment_payload(self.get_queryset().get(pk=comment.pk)))
