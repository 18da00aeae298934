"""``GET /api/v1/import-jobs/``: the large imports a worker runs (``POST …/threat-models/import/`` answers 202 with one)."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, serializers, viewsets

from common.api.schema import errors
from threatmodel.models import ImportJob


class ImportJobSerializer(serializers.ModelSerializer[ImportJob]):
    requested_by = serializers.SerializerMethodField(help_text="Username of who sent the files.")
    files = serializers.SerializerMethodField(help_text="Names of the files, while the job holds them.")

    class Meta:
        model = ImportJob
        fields = [
            "id", "team", "requested_by", "format", "name", "size", "files", "status", "progress", "step", "reason", "details",
            "result", "threat_model", "created_at", "started_at", "finished_at",
        ]  # fmt: skip
        read_only_fields = fields

    def get_requested_by(self, job: ImportJob) -> str | None:
        return job.requested_by.get_username() if job.requested_by else None

    def get_files(self, job: ImportJob) -> list[str]:
        return [f.name for f in job.files.all()]


@extend_schema_view(
    list=extend_schema(summary="Large imports of your teams, newest first"),
    retrieve=extend_schema(summary="One import job: its step and progress, then the model it made or why it failed", responses={200: ImportJobSerializer, **errors(404)}),
)
class ImportJobViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet[ImportJob]):
    serializer_class = ImportJobSerializer
    filter_backends: list[Any] = []

    def get_queryset(self) -> QuerySet[ImportJob]:
        return ImportJob.objects.visible_to(self.request.user).select_related("requested_by").prefetch_related("files").defer("files__raw")
