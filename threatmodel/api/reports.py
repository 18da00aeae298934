"""``/api/v1/threat-models/{id}/reports/``: ask for a PDF report, follow it, download it.

``POST`` answers 202 at once with the report (``queued``; ``Location`` and ``Retry-After`` tell a
client where and when to look again); a worker renders it. ``GET …/reports/{report_id}/`` shows
``queued``, ``running``, ``done`` or ``failed`` with the reason; ``download_url`` appears when it is
done. The file is served only by the download action, to members of the model's team: it is never
a public media URL. Reports are kept per model version; asking again for a version that already
has one returns it.
"""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.http import FileResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from common.api.renderers import FILE_RENDERERS
from common.api.requests import acting, validated
from common.api.schema import errors
from common.errors import ApplicationError, NotFound
from threatmodel.choices import PaperSize, ReportStatus
from threatmodel.models import Report, ThreatModel
from threatmodel.reporting.services import report_request

MODEL_PARAMETER = OpenApiParameter("threat_model_pk", int, OpenApiParameter.PATH, description="Id of the threat model.")
REPORT_PARAMETER = OpenApiParameter("id", int, OpenApiParameter.PATH, description="Id of the report.")
POLL_SECONDS = 2


class ReportNotReady(ApplicationError):
    status = 409
    code = "not_ready"


class ReportSerializer(serializers.ModelSerializer[Report]):
    requested_by = serializers.SerializerMethodField(help_text="Username of who asked for it.")
    is_current = serializers.SerializerMethodField(help_text="Whether the report describes the model's current version.")
    url = serializers.SerializerMethodField(help_text="Where to poll this report.")
    download_url = serializers.SerializerMethodField(help_text="Where to download the PDF; null until the report is done.")

    class Meta:
        model = Report
        fields = [
            "id", "threat_model", "model_version", "is_current", "status", "reason", "paper", "requested_by", "created_at",
            "started_at", "finished_at", "pages", "size", "sha256", "url", "download_url",
        ]  # fmt: skip
        read_only_fields = fields

    def get_requested_by(self, report: Report) -> str | None:
        return report.requested_by.get_username() if report.requested_by else None

    def get_is_current(self, report: Report) -> bool:
        return report.model_version == report.threat_model.version

    def get_url(self, report: Report) -> str:
        return f"/api/v1/threat-models/{report.threat_model_id}/reports/{report.pk}/"

    def get_download_url(self, report: Report) -> str | None:
        return f"{self.get_url(report)}download/" if report.status == ReportStatus.DONE else None


class ReportRequestSerializer(serializers.Serializer[Any]):
    paper = serializers.ChoiceField(choices=PaperSize.choices, default=PaperSize.A4, help_text="Paper size of the PDF.")


@extend_schema_view(
    list=extend_schema(summary="Reports of a threat model, newest first", parameters=[MODEL_PARAMETER], responses={200: ReportSerializer(many=True), **errors(404)}),
    create=extend_schema(
        summary="Ask for a PDF report of the model's current version (202; a worker renders it)",
        description=(
            "Any member of the team may ask. The answer is 202 with the report; poll its `url` (the `Location` header) "
            "until `status` is `done` (then `download_url` is set) or `failed` (then `reason` says why). A report that "
            "already exists for this model version and paper size — queued, running or done — is returned instead of a new one."
        ),
        parameters=[MODEL_PARAMETER],
        request=ReportRequestSerializer,
        responses={202: ReportSerializer, **errors(400, 404)},
    ),
    retrieve=extend_schema(summary="A report and its status", parameters=[MODEL_PARAMETER, REPORT_PARAMETER], responses={200: ReportSerializer, **errors(404)}),
)  # fmt: skip
class ThreatModelReportViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet[Report]):
    serializer_class = ReportSerializer
    lookup_value_regex = r"[0-9]+"
    filter_backends: list[Any] = []

    def threat_model(self) -> ThreatModel:
        model = ThreatModel.objects.visible_to(self.request.user).filter(pk=str(self.kwargs.get("threat_model_pk", ""))).first()
        if model is None:
            raise NotFound("No such threat model.")
        return model

    def get_queryset(self) -> QuerySet[Report]:
        if getattr(self, "swagger_fake_view", False):
            return Report.objects.none()
        return Report.objects.filter(threat_model=self.threat_model()).select_related("threat_model", "requested_by")

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        model = self.threat_model()
        paper = validated(ReportRequestSerializer, request)["paper"]
        report, _ = report_request(actor=acting(request), threat_model=model, paper=paper)
        report.refresh_from_db()  # an eager worker (no broker) may already have rendered it
        data = ReportSerializer(report).data
        headers = {"Location": data["url"]}
        if report.status in (ReportStatus.QUEUED, ReportStatus.RUNNING):
            headers["Retry-After"] = str(POLL_SECONDS)
        return Response(data, status=status.HTTP_202_ACCEPTED, headers=headers)

    @extend_schema(
        summary="Download the PDF of a report that is done",
        parameters=[MODEL_PARAMETER, REPORT_PARAMETER],
        responses={
            (200, "application/pdf"): OpenApiResponse(OpenApiTypes.BINARY, description="The PDF"),
            409: OpenApiResponse(description="The report is not done (queued, running or failed)"),
            **errors(404),
        },
    )
    @action(detail=True, methods=["get"], renderer_classes=FILE_RENDERERS)
    def download(self, request: Request, *args: Any, **kwargs: Any) -> FileResponse:
        report = self.get_object()
        if report.status != ReportStatus.DONE or not report.file:
            raise ReportNotReady(f"The report is {report.status}; it can be downloaded when it is done.", status=report.status)
        try:
            handle = report.file.open("rb")
        except FileNotFoundError as exc:
            raise ReportNotReady("The report's file is gone from the server; ask for a new report.", status=report.status) from exc
        response = FileResponse(
            handle,
            as_attachment=True,
            filename=f"threat-model-{report.threat_model_id}-v{report.model_version}-{report.paper}.pdf",
            content_type="application/pdf",
        )
        response["X-Content-Type-Options"] = "nosniff"
        response["Cache-Control"] = "private, no-store"
        return response
