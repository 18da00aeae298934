"""Workshop comments on a threat, or on an element or flow of the model's diagrams.

A comment names its subject by the element's or flow's key (keys are stable across diagram edits
and exports; a deleted element leaves its thread readable) or by the threat. Threads are one level
deep: a reply's parent is always a thread's first comment, and a reply shares its subject. The
people a body mentions (``@username``, members of the team only) are kept so that they can be told.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone

MAX_BODY = 5_000


class Comment(models.Model):
    threat_model = models.ForeignKey("threatmodel.ThreatModel", on_delete=models.CASCADE, related_name="comments")
    threat = models.ForeignKey("stride.Threat", on_delete=models.CASCADE, null=True, blank=True, related_name="comments")
    subject_key = models.CharField(max_length=100, blank=True, help_text="Key of the element or flow (empty for a threat).")
    parent = models.ForeignKey("self", on_delete=models.CASCADE, null=True, blank=True, related_name="replies")
    body = models.TextField(max_length=MAX_BODY)
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    mentions = models.ManyToManyField(settings.AUTH_USER_MODEL, blank=True, related_name="+")
    # Not auto_now_add: an import keeps the times a workshop wrote its comments.
    created_at = models.DateTimeField(default=timezone.now)
    edited_at = models.DateTimeField(null=True, blank=True)
    resolved = models.BooleanField(default=False)
    resolved_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    resolved_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["threat_model_id", "id"]
        indexes = [models.Index(fields=["threat_model", "subject_key"], name="comment_model_subject")]
        constraints = [
            models.CheckConstraint(
                condition=(models.Q(threat__isnull=False, subject_key="") | (models.Q(threat__isnull=True) & ~models.Q(subject_key=""))),
                name="comment_one_subject",
                violation_error_message="A comment is on a threat or on an element or flow, not both.",
            )
        ]

    def __str__(self) -> str:
        return self.body[:80]
