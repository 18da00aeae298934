"""Assumptions the team made while modelling, and what rests on them.

An assumption is linked to the elements and flows it is about, the threats whose rating or
status depends on it and the mitigations that only work while it holds. When it turns out false
(``threatmodel.workflow.assumptions.assumption_falsify``) the threats that depend on it — directly
or through a linked mitigation — are reopened.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models


class AssumptionStatus(models.TextChoices):
    HOLDS = "holds", "Holds"
    FALSE = "false", "Turned out false"


class Assumption(models.Model):
    threat_model = models.ForeignKey("threatmodel.ThreatModel", on_delete=models.CASCADE, related_name="assumption_items")
    text = models.TextField(max_length=5_000)
    status = models.CharField(max_length=8, choices=AssumptionStatus.choices, default=AssumptionStatus.HOLDS)
    elements = models.ManyToManyField("dfd.Element", blank=True, related_name="+")
    flows = models.ManyToManyField("dfd.Flow", blank=True, related_name="+")
    threats = models.ManyToManyField("stride.Threat", blank=True, related_name="assumptions")
    mitigations = models.ManyToManyField("threatmodel.Mitigation", blank=True, related_name="assumptions")
    falsified_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    falsified_at = models.DateTimeField(null=True, blank=True)
    falsified_reason = models.TextField(blank=True, max_length=5_000)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["threat_model_id", "id"]

    def __str__(self) -> str:
        return self.text[:80]
