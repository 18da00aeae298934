"""The cloud-native controls catalogue that mitigations link to.

Rows are loaded from ``fixtures/controls/controls.csv`` (``manage.py load_controls``) and never
edited through the product: the file is the source, so ids stay stable across installations.
"""

from __future__ import annotations

from django.db import models


class ControlPhase(models.TextChoices):
    DEVELOP = "develop", "Develop"
    DISTRIBUTE = "distribute", "Distribute"
    DEPLOY = "deploy", "Deploy"
    RUNTIME = "runtime", "Runtime"


class ControlLayer(models.TextChoices):
    COMPUTE = "compute", "Compute"
    STORAGE = "storage", "Storage"
    ACCESS = "access", "Access"
    NETWORK = "network", "Network"
    SUPPLY_CHAIN = "supply chain", "Supply chain"


class Control(models.Model):
    """One control: lifecycle phase, the layer it protects, the STRIDE letters it mainly counters."""

    control_id = models.CharField(max_length=16, unique=True)
    name = models.CharField(max_length=200)
    phase = models.CharField(max_length=16, choices=ControlPhase.choices)
    layer = models.CharField(max_length=16, choices=ControlLayer.choices)
    stride = models.CharField(max_length=6, help_text="STRIDE letters, in STRIDE order.")
    summary = models.TextField()
    refs = models.JSONField(default=list, blank=True)

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return f"{self.control_id} {self.name}"
