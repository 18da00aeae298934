"""The threat model: the unit a team works on, reviews and signs off."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.conf import settings
from django.db import models

from threatmodel.choices import AnalysisStatus, Stage

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser, User


class ThreatModelQuerySet(models.QuerySet["ThreatModel"]):
    def visible_to(self, user: User | AnonymousUser) -> ThreatModelQuerySet:
        """Models of the teams the user belongs to; nothing for anyone else."""
        if not user.is_authenticated:
            return self.none()
        return self.filter(team__memberships__user=user)


class ThreatModel(models.Model):
    """A system under analysis: scope, assumptions, diagrams, threats and its workflow stage.

    ``version`` increases with every change to the model or its diagrams, so that analysis runs,
    reports and snapshots can say which state of the model they describe.
    """

    team = models.ForeignKey("threatmodel.Team", on_delete=models.CASCADE, related_name="threat_models")
    name = models.CharField(max_length=200)
    description = models.TextField(blank=True, max_length=20_000)
    scope = models.TextField(blank=True, max_length=20_000)
    out_of_scope = models.TextField(blank=True, max_length=20_000, help_text="What the model deliberately leaves out.")
    assumptions = models.TextField(blank=True, max_length=20_000)
    stage = models.CharField(max_length=16, choices=Stage.choices, default=Stage.DESIGN)
    version = models.PositiveIntegerField(default=1)
    # Threat analysis bookkeeping (written by the stride services): which model version the
    # current threats describe, and the state of a queued analysis for large models.
    analysed_version = models.PositiveIntegerField(null=True, blank=True)
    analysed_at = models.DateTimeField(null=True, blank=True)
    analysis_status = models.CharField(max_length=16, choices=AnalysisStatus.choices, default=AnalysisStatus.IDLE)
    analysis_error = models.TextField(blank=True)
    # The workflow: the risk policy version the model is rated under (None: the team's current one,
    # pinned at the first workflow change) and the model version when it left the break stage, so
    # that diagram changes after break can be flagged until they are re-analysed.
    risk_policy = models.ForeignKey(
        "threatmodel.RiskPolicy", on_delete=models.RESTRICT, null=True, blank=True, related_name="threat_models"
    )
    break_version = models.PositiveIntegerField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = ThreatModelQuerySet.as_manager()

    class Meta:
        ordering = ["-updated_at", "-id"]
        indexes = [models.Index(fields=["team", "stage"])]

    def __str__(self) -> str:
        return self.name
