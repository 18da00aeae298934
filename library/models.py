"""What a team keeps in its library: models saved as templates to start new models from."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from threatmodel.models import Team


class ModelTemplate(models.Model):
    """A team's model saved as a template: its native document, frozen at the time it was saved."""

    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="model_templates")
    name = models.CharField(max_length=200)
    description = models.TextField(blank=True, max_length=2000)
    document = models.JSONField()
    element_count = models.PositiveIntegerField()
    flow_count = models.PositiveIntegerField()
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name", "id"]

    def __str__(self) -> str:
        return self.name
