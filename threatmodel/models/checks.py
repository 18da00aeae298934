"""Pipeline checks of a model: each run of the gate through the API, as the model's page lists them.

A run is recorded when a pipeline (or a person) posts manifests to ``POST …/check/``: who ran it
and whether with a token, the commit the caller named, the verdict and the counts. The findings
themselves travel back as SARIF and are not kept: the run is the record that the check happened
and what it concluded, not a second threat register.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.conf import settings
from django.db import models

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser, User


class CheckResult(models.TextChoices):
    PASSED = "passed", "Passed"
    FAILED = "failed", "Failed"


class CheckRunQuerySet(models.QuerySet["CheckRun"]):
    def visible_to(self, user: User | AnonymousUser) -> CheckRunQuerySet:
        if not user.is_authenticated:
            return self.none()
        return self.filter(threat_model__team__memberships__user=user)


class CheckRun(models.Model):
    threat_model = models.ForeignKey("threatmodel.ThreatModel", on_delete=models.CASCADE, related_name="check_runs")
    run_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    token_prefix = models.CharField(max_length=16, blank=True, help_text="The prefix of the API token it ran with; blank for a session.")
    commit = models.CharField(max_length=100, blank=True, help_text="The commit (or ref) the caller said the manifests come from.")
    result = models.CharField(max_length=8, choices=CheckResult.choices)
    source_format = models.CharField(max_length=32, help_text="The reader that read the files (kubernetes, compose, …).")
    files = models.JSONField(default=list, help_text="Names of the files checked.")
    findings = models.PositiveIntegerField(default=0)
    failures = models.PositiveIntegerField(default=0)
    bands = models.JSONField(default=dict, help_text="Findings per risk band.")
    accepted = models.PositiveIntegerField(default=0, help_text="Findings covered by a decision of the model.")
    new = models.PositiveIntegerField(null=True, blank=True, help_text="Findings not among the model's threats (with baseline=model).")
    policy_version = models.PositiveIntegerField(help_text="The risk policy version the bands come from.")
    model_version = models.PositiveIntegerField(help_text="The model version it was checked against.")
    sarif_sha256 = models.CharField(max_length=64, help_text="Digest of the SARIF log the run answered.")
    created_at = models.DateTimeField(auto_now_add=True)

    objects = CheckRunQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["threat_model", "-created_at"])]

    def __str__(self) -> str:
        return f"Check of {self.threat_model_id} ({self.result})"
