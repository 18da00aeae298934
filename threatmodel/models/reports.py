"""PDF reports of a threat model for review boards, kept per model version.

A report row is created when someone asks for one (status ``queued``); a Celery task renders it
(``running``) and stores the PDF under ``MEDIA_ROOT`` (``done``), or records in words why it could
not (``failed``). The file is only ever served through the authorized download endpoint, never as
a public media URL, and its name is random. Asking again for the same model version and paper
size returns the existing report instead of rendering it twice.
"""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING

from django.conf import settings
from django.db import models

from threatmodel.choices import PaperSize, ReportStatus

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser, User


def report_path(report: Report, filename: str) -> str:
    return f"reports/{report.threat_model.team_id}/{report.threat_model_id}/{uuid.uuid4().hex}.pdf"


class ReportQuerySet(models.QuerySet["Report"]):
    def visible_to(self, user: User | AnonymousUser) -> ReportQuerySet:
        if not user.is_authenticated:
            return self.none()
        return self.filter(threat_model__team__memberships__user=user)


class Report(models.Model):
    threat_model = models.ForeignKey("threatmodel.ThreatModel", on_delete=models.CASCADE, related_name="reports")
    model_version = models.PositiveIntegerField(help_text="The model version the report describes.")
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    status = models.CharField(max_length=16, choices=ReportStatus.choices, default=ReportStatus.QUEUED)
    reason = models.TextField(blank=True, help_text="Why the report failed, in words.")
    paper = models.CharField(max_length=8, choices=PaperSize.choices, default=PaperSize.A4)
    file = models.FileField(upload_to=report_path, blank=True, max_length=300)
    size = models.PositiveBigIntegerField(null=True, blank=True)
    sha256 = models.CharField(max_length=64, blank=True)
    pages = models.PositiveIntegerField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    objects = ReportQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["threat_model", "model_version", "paper"])]

    def __str__(self) -> str:
        return f"Report of {self.threat_model_id} v{self.model_version} ({self.status})"
