"""What a team keeps in its library: models saved as templates to start new models from, and its own rules."""

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


class TeamRule(models.Model):
    """A rule a team wrote, in the shipped rules' schema (``stride/rules/``), with its examples.

    ``version`` counts every change (text, enabled or disabled), so the rule set compiled for a
    team is cached by its enabled rules' versions. A rule is saved disabled; it is enabled only
    when it parses and its examples fire and stay quiet where they say (``library.rules``).
    """

    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="team_rules")
    rule_id = models.CharField(max_length=80)
    title = models.CharField(max_length=120)
    yaml = models.TextField()
    enabled = models.BooleanField(default=False)
    version = models.PositiveIntegerField(default=1)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["rule_id", "id"]
        constraints = [models.UniqueConstraint(fields=["team", "rule_id"], name="team_rule_id_unique_per_team")]

    def __str__(self) -> str:
        return f"{self.rule_id}: {self.title}"


class Component(models.Model):
    """A selection of a diagram saved to the team's library, to drop into other diagrams.

    ``content`` is plain data, not rows: the elements (kind, name, description, properties, the
    position relative to the selection's corner — or to the parent when the parent is in it —,
    size, and the index of the parent within the component), the flows between them (ends as
    indexes, their fields and properties), and the triage people did on their threats, keyed by
    rule id, STRIDE category and the subject's index (``library.components`` builds and reads it).
    Keys are not kept: every drop gets fresh ones.
    """

    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="components")
    name = models.CharField(max_length=200)
    description = models.TextField(blank=True, max_length=2000)
    content = models.JSONField()
    element_count = models.PositiveIntegerField()
    flow_count = models.PositiveIntegerField()
    width = models.FloatField(default=0)
    height = models.FloatField(default=0)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name", "id"]

    def __str__(self) -> str:
        return self.name
