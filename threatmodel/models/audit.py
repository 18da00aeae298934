"""The audit trail: who changed what, when, with the state before and after."""

from __future__ import annotations

from django.conf import settings
from django.db import models


class AuditEvent(models.Model):
    """One recorded change. Diagram edits have their own, finer log (``dfd.DiagramOp``)."""

    team = models.ForeignKey("threatmodel.Team", on_delete=models.CASCADE, related_name="audit_events")
    threat_model = models.ForeignKey(
        "threatmodel.ThreatModel", on_delete=models.SET_NULL, null=True, blank=True, related_name="audit_events"
    )
    # The threat the change concerns, when there is one: a threat's history is one indexed query.
    threat = models.ForeignKey("stride.Threat", on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    action = models.CharField(max_length=64)
    object_type = models.CharField(max_length=64)
    object_id = models.CharField(max_length=64, blank=True)
    before = models.JSONField(null=True, blank=True)
    after = models.JSONField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["threat_model", "-created_at"]), models.Index(fields=["threat", "-created_at"])]

    def __str__(self) -> str:
        return f"{self.action} {self.object_type}:{self.object_id}"
