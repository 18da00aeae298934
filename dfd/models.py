"""The data-flow diagram: diagrams, elements, flows and the log of every operation applied to them.

Rows here are written only by ``dfd.services.apply_ops`` (the single write path); the admin shows
them read-only. Element and flow keys are stable, chosen by the client, and unique within a
threat model (across its diagrams), because threat fingerprints are built from them.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.conf import settings
from django.db import models

from dfd.choices import DiagramLevel, ElementKind, OpKind
from dfd.limits import DESCRIPTION_MAX, KEY_MAX, LABEL_MAX, NAME_MAX, PROTOCOL_MAX

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser, User



class DiagramQuerySet(models.QuerySet["Diagram"]):
    def visible_to(self, user: User | AnonymousUser) -> DiagramQuerySet:
        if not user.is_authenticated:
            return self.none()
        return self.filter(threat_model__team__memberships__user=user)


class Diagram(models.Model):
    """One view of the system (context, level 0, level 1…); a model may have several."""

    threat_model = models.ForeignKey("threatmodel.ThreatModel", on_delete=models.CASCADE, related_name="diagrams")
    name = models.CharField(max_length=200)
    level = models.CharField(max_length=16, choices=DiagramLevel.choices, default=DiagramLevel.LEVEL_0)
    order = models.PositiveIntegerField(default=0)
    version = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = DiagramQuerySet.as_manager()

    class Meta:
        ordering = ["threat_model_id", "order", "id"]

    def __str__(self) -> str:
        return self.name


class ElementQuerySet(models.QuerySet["Element"]):
    def visible_to(self, user: User | AnonymousUser) -> ElementQuerySet:
        if not user.is_authenticated:
            return self.none()
        return self.filter(threat_model__team__memberships__user=user)


class Element(models.Model):
    """An external entity, process, data store or trust boundary.

    ``properties`` holds only the properties someone has set (see ``dfd.vocabulary``). Geometry is
    relative to the parent boundary, so moving a boundary moves what it contains.
    """

    threat_model = models.ForeignKey("threatmodel.ThreatModel", on_delete=models.CASCADE, related_name="+")
    diagram = models.ForeignKey(Diagram, on_delete=models.CASCADE, related_name="elements")
    key = models.CharField(max_length=KEY_MAX)
    kind = models.CharField(max_length=20, choices=ElementKind.choices)
    name = models.CharField(max_length=NAME_MAX)
    description = models.TextField(blank=True, max_length=DESCRIPTION_MAX)
    properties = models.JSONField(default=dict, blank=True)
    parent = models.ForeignKey("self", on_delete=models.SET_NULL, null=True, blank=True, related_name="children")
    x = models.FloatField(default=0)
    y = models.FloatField(default=0)
    width = models.FloatField(null=True, blank=True)
    height = models.FloatField(null=True, blank=True)

    objects = ElementQuerySet.as_manager()

    class Meta:
        ordering = ["diagram_id", "id"]
        constraints = [
            models.UniqueConstraint(fields=["threat_model", "key"], name="element_unique_key_per_model"),
        ]

    def __str__(self) -> str:
        return f"{self.name} [{self.key}]"


class FlowQuerySet(models.QuerySet["Flow"]):
    def visible_to(self, user: User | AnonymousUser) -> FlowQuerySet:
        if not user.is_authenticated:
            return self.none()
        return self.filter(threat_model__team__memberships__user=user)


class Flow(models.Model):
    """A directed data flow between two non-boundary elements of the same diagram."""

    threat_model = models.ForeignKey("threatmodel.ThreatModel", on_delete=models.CASCADE, related_name="+")
    diagram = models.ForeignKey(Diagram, on_delete=models.CASCADE, related_name="flows")
    key = models.CharField(max_length=KEY_MAX)
    source = models.ForeignKey(Element, on_delete=models.CASCADE, related_name="outgoing_flows")
    target = models.ForeignKey(Element, on_delete=models.CASCADE, related_name="incoming_flows")
    label = models.CharField(max_length=LABEL_MAX, blank=True)
    protocol = models.CharField(max_length=PROTOCOL_MAX, blank=True)
    bidirectional = models.BooleanField(default=False)
    description = models.TextField(blank=True, max_length=DESCRIPTION_MAX)
    properties = models.JSONField(default=dict, blank=True)

    objects = FlowQuerySet.as_manager()

    class Meta:
        ordering = ["diagram_id", "id"]
        constraints = [
            models.UniqueConstraint(fields=["threat_model", "key"], name="flow_unique_key_per_model"),
        ]

    def __str__(self) -> str:
        return f"{self.label or self.key}"


class DiagramOp(models.Model):
    """One applied operation: who, when, which batch, and the object before and after."""

    diagram = models.ForeignKey(Diagram, on_delete=models.CASCADE, related_name="ops")
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    batch = models.UUIDField(db_index=True)
    seq = models.PositiveIntegerField()
    op = models.CharField(max_length=20, choices=OpKind.choices)
    target_key = models.CharField(max_length=KEY_MAX)
    version = models.PositiveIntegerField(help_text="Diagram version produced by the batch.")
    before = models.JSONField(null=True, blank=True)
    after = models.JSONField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["diagram_id", "id"]
        indexes = [models.Index(fields=["diagram", "version"])]

    def __str__(self) -> str:
        return f"{self.op} {self.target_key} (v{self.version})"
