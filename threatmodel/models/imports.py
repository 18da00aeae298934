"""Large imports, done by a worker: the job a request leaves behind, and the files it waits with.

An import over the inline limit would hold a web process for seconds (a 45,000-element model took
15 s inside the request); the request stores the files and answers 202 with the job, and a Celery
worker runs the same all-or-nothing import, saying which step it is at. The files are kept only
until the job ends.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.conf import settings
from django.db import models

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser, User


class ImportStatus(models.TextChoices):
    QUEUED = "queued", "Queued"
    RUNNING = "running", "Running"
    DONE = "done", "Done"
    FAILED = "failed", "Failed"


class ImportJobQuerySet(models.QuerySet["ImportJob"]):
    def visible_to(self, user: User | AnonymousUser) -> ImportJobQuerySet:
        if not user.is_authenticated:
            return self.none()
        return self.filter(team__memberships__user=user)


class ImportJob(models.Model):
    team = models.ForeignKey("threatmodel.Team", on_delete=models.CASCADE, related_name="import_jobs")
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    format = models.CharField(max_length=32, blank=True, help_text="The format asked for; blank: detected from the files.")
    name = models.CharField(max_length=200, blank=True, help_text="The new model's name; blank: the file's own.")
    size = models.PositiveIntegerField(help_text="Bytes of all the files together.")
    status = models.CharField(max_length=16, choices=ImportStatus.choices, default=ImportStatus.QUEUED)
    progress = models.PositiveSmallIntegerField(default=0, help_text="Percent of the steps done.")
    step = models.CharField(max_length=100, blank=True, help_text="What the worker is doing now.")
    reason = models.TextField(blank=True, help_text="Why it failed, or what it waits for.")
    details = models.JSONField(default=list, help_text="Where in the files it failed (path, message).")
    result = models.JSONField(default=dict, help_text="The import's answer once done: format, summary, warnings.")
    threat_model = models.ForeignKey(
        "threatmodel.ThreatModel", on_delete=models.SET_NULL, null=True, blank=True, related_name="+", help_text="The model made."
    )
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    objects = ImportJobQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"Import {self.pk} into team {self.team_id} ({self.status})"


class ImportJobFile(models.Model):
    job = models.ForeignKey(ImportJob, on_delete=models.CASCADE, related_name="files")
    name = models.CharField(max_length=255, blank=True)
    raw = models.BinaryField()

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return f"{self.name or 'body'} of import {self.job_id}"
