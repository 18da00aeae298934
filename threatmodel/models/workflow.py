"""The workflow's records: risk policies, band changes, ratings, mitigations, decisions, snapshots.

Invariants of a single row live here (check constraints, immutable snapshots); every change that
matters goes through the services in ``threatmodel.workflow``.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.validators import MaxValueValidator
from django.db import models

from threatmodel.workflow.risk import Policy


class RiskPolicy(models.Model):
    """One version of a team's risk policy. A new version is a new row; rows are never edited."""

    team = models.ForeignKey("threatmodel.Team", on_delete=models.CASCADE, related_name="risk_policies")
    version = models.PositiveIntegerField()
    unacceptable_at = models.PositiveSmallIntegerField(default=15, help_text="A score at or above this is unacceptable.")
    acceptable_max = models.PositiveSmallIntegerField(
        default=4, help_text="A score at or below this is broadly acceptable (unless the impact reaches impact_floor)."
    )
    impact_floor = models.PositiveSmallIntegerField(default=4, help_text="An impact at or above this is never broadly acceptable.")
    acceptance_max_days = models.PositiveSmallIntegerField(default=365)
    exception_max_days = models.PositiveSmallIntegerField(default=90)
    note = models.TextField(blank=True, max_length=5_000)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["team_id", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["team", "version"], name="risk_policy_unique_version_per_team"),
            models.CheckConstraint(condition=models.Q(acceptable_max__lt=models.F("unacceptable_at")), name="risk_policy_bands_ordered"),
            models.CheckConstraint(condition=models.Q(exception_max_days__lte=90), name="risk_policy_exception_at_most_90_days"),
        ]

    def __str__(self) -> str:
        return f"{self.team_id} risk policy v{self.version}"

    def as_policy(self) -> Policy:
        return Policy(
            version=self.version,
            unacceptable_at=self.unacceptable_at,
            acceptable_max=self.acceptable_max,
            impact_floor=self.impact_floor,
            acceptance_max_days=self.acceptance_max_days,
            exception_max_days=self.exception_max_days,
        )


class BandChange(models.Model):
    """A threat whose band moved when its team's policy changed; flagged until someone looks at it."""

    threat_model = models.ForeignKey("threatmodel.ThreatModel", on_delete=models.CASCADE, related_name="band_changes")
    threat = models.ForeignKey("stride.Threat", on_delete=models.CASCADE, related_name="band_changes")
    policy = models.ForeignKey(RiskPolicy, on_delete=models.CASCADE, related_name="band_changes")
    previous_version = models.PositiveIntegerField()
    before = models.JSONField(help_text="Band of each measure (inherent, projected, verified) under the previous policy.")
    after = models.JSONField(help_text="Band of each measure under the new policy.")
    acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    acknowledged_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["threat_model", "acknowledged_at"])]

    def __str__(self) -> str:
        return f"band change of threat {self.threat_id} under policy v{self.policy_id}"


class ThreatRating(models.Model):
    """Who rated a threat's inherent risk and, when the OWASP helper was used, its factor answers.

    The levels themselves live on the threat (``Threat.likelihood``/``impact``/``rationale``).
    """

    threat = models.OneToOneField("stride.Threat", on_delete=models.CASCADE, related_name="rating_record")
    owasp = models.JSONField(null=True, blank=True, help_text="OWASP Risk Rating factor answers (0–9) when used.")
    rated_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    rated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"rating of threat {self.threat_id}"


class MitigationStatus(models.TextChoices):
    PROPOSED = "proposed", "Proposed"
    PLANNED = "planned", "Planned"
    IMPLEMENTED = "implemented", "Implemented"
    VERIFIED = "verified", "Verified"


# What editors set directly; verified is the separate verify step.
SETTABLE_MITIGATION_STATUSES = [
    (MitigationStatus.PROPOSED.value, MitigationStatus.PROPOSED.label),
    (MitigationStatus.PLANNED.value, MitigationStatus.PLANNED.label),
    (MitigationStatus.IMPLEMENTED.value, MitigationStatus.IMPLEMENTED.label),
]
# Mitigations that count towards the projected residual risk.
PROJECTED_STATUSES = (MitigationStatus.PLANNED, MitigationStatus.IMPLEMENTED, MitigationStatus.VERIFIED)


class Mitigation(models.Model):
    """What the team does about one or more threats. One mitigation can answer many threats."""

    threat_model = models.ForeignKey("threatmodel.ThreatModel", on_delete=models.CASCADE, related_name="mitigations")
    ref = models.CharField(max_length=16, help_text="Stable reference within the model, e.g. MIT-3.")
    title = models.CharField(max_length=300)
    description = models.TextField(blank=True, max_length=20_000)
    control = models.ForeignKey("threatmodel.Control", on_delete=models.PROTECT, null=True, blank=True, related_name="mitigations")
    attack_mitigations = models.ManyToManyField("stride.AttackMitigation", blank=True, related_name="+")
    threats = models.ManyToManyField("stride.Threat", through="ThreatMitigation", related_name="mitigations")
    status = models.CharField(max_length=16, choices=MitigationStatus.choices, default=MitigationStatus.PROPOSED)
    likelihood_reduction = models.PositiveSmallIntegerField(default=0, validators=[MaxValueValidator(3)])
    impact_reduction = models.PositiveSmallIntegerField(default=0, validators=[MaxValueValidator(2)])
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    evidence_url = models.URLField(max_length=1000, blank=True)
    evidence = models.TextField(blank=True, max_length=20_000)
    implemented_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    implemented_at = models.DateTimeField(null=True, blank=True)
    verified_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    verified_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["threat_model_id", "id"]
        constraints = [
            models.UniqueConstraint(fields=["threat_model", "ref"], name="mitigation_unique_ref_per_model"),
            models.CheckConstraint(condition=models.Q(likelihood_reduction__lte=3), name="mitigation_likelihood_reduction_0_to_3"),
            models.CheckConstraint(condition=models.Q(impact_reduction__lte=2), name="mitigation_impact_reduction_0_to_2"),
        ]
        indexes = [models.Index(fields=["threat_model", "status"])]

    def __str__(self) -> str:
        return f"{self.ref} {self.title}"

    @property
    def has_evidence(self) -> bool:
        return bool(self.evidence_url.strip() or self.evidence.strip())


class ThreatMitigation(models.Model):
    threat = models.ForeignKey("stride.Threat", on_delete=models.CASCADE, related_name="+")
    mitigation = models.ForeignKey(Mitigation, on_delete=models.CASCADE, related_name="links")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["id"]
        constraints = [models.UniqueConstraint(fields=["threat", "mitigation"], name="threat_mitigation_unique_pair")]

    def __str__(self) -> str:
        return f"{self.mitigation_id} answers {self.threat_id}"


class DecisionKind(models.TextChoices):
    ACCEPTANCE = "acceptance", "Acceptance"
    EXCEPTION = "exception", "Exception"
    TRANSFER = "transfer", "Transfer"
    NOT_APPLICABLE = "not_applicable", "Not applicable"


class DecisionStatus(models.TextChoices):
    PENDING = "pending", "Waiting for the team owner's approval"
    ACTIVE = "active", "Active"
    EXPIRED = "expired", "Expired"
    REVOKED = "revoked", "Revoked"
    SUPERSEDED = "superseded", "Superseded by a later decision"


class Decision(models.Model):
    """A recorded response to a threat other than mitigating it.

    A threat has at most one active decision (and one exception waiting for approval); a new one
    supersedes the old, which stays as history. Decisions are never edited: they are revoked and
    made again.
    """

    threat_model = models.ForeignKey("threatmodel.ThreatModel", on_delete=models.CASCADE, related_name="decisions")
    threat = models.ForeignKey("stride.Threat", on_delete=models.CASCADE, related_name="decisions")
    kind = models.CharField(max_length=16, choices=DecisionKind.choices)
    status = models.CharField(max_length=16, choices=DecisionStatus.choices, default=DecisionStatus.ACTIVE)
    justification = models.TextField(blank=True, max_length=20_000, help_text="Why; for not applicable, the reason.")
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", help_text="The risk owner."
    )
    expires_on = models.DateField(null=True, blank=True)
    compensating_controls = models.TextField(blank=True, max_length=20_000)
    recipient = models.CharField(max_length=200, blank=True, help_text="Who the risk is transferred to.")
    evidence = models.TextField(blank=True, max_length=20_000)
    # The risk the decision was taken on (projected residual, under the model's policy at the time).
    band = models.CharField(max_length=24, blank=True)
    score = models.PositiveSmallIntegerField(null=True, blank=True)
    policy_version = models.PositiveIntegerField(null=True, blank=True)
    approved_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    approved_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    ended_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    ended_at = models.DateTimeField(null=True, blank=True)
    end_reason = models.TextField(blank=True, max_length=5_000)
    notified_at = models.DateTimeField(null=True, blank=True, help_text="When the owner was told that it expired.")

    class Meta:
        ordering = ["threat_model_id", "id"]
        indexes = [
            models.Index(fields=["threat_model", "status"]),
            models.Index(fields=["status", "expires_on"]),
        ]
        constraints = [
            # One active decision per threat, and at most one waiting for approval beside it.
            models.UniqueConstraint(fields=["threat"], condition=models.Q(status="active"), name="decision_one_active_per_threat"),
            models.UniqueConstraint(fields=["threat"], condition=models.Q(status="pending"), name="decision_one_pending_per_threat"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} of threat {self.threat_id} ({self.status})"


class SnapshotReason(models.TextChoices):
    APPROVAL = "approval", "Frozen at approval"
    MANUAL = "manual", "Saved by hand"


class ImmutableRow(Exception):
    """Raised by any attempt to change a snapshot after it was written."""


class SnapshotQuerySet(models.QuerySet["Snapshot"]):
    def update(self, **kwargs: Any) -> int:
        raise ImmutableRow("Snapshots are immutable.")


class Snapshot(models.Model):
    """A frozen copy of a model: the native JSON document with its workflow data.

    Written once and never changed: ``save`` refuses an existing row and the queryset refuses
    ``update``. Snapshots go only when their model is deleted.
    """

    threat_model = models.ForeignKey("threatmodel.ThreatModel", on_delete=models.CASCADE, related_name="snapshots")
    number = models.PositiveIntegerField()
    reason = models.CharField(max_length=16, choices=SnapshotReason.choices)
    label = models.CharField(max_length=200, blank=True)
    stage = models.CharField(max_length=16)
    model_version = models.PositiveIntegerField()
    policy_version = models.PositiveIntegerField(null=True, blank=True)
    content = models.JSONField()
    content_sha256 = models.CharField(max_length=64)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    objects = SnapshotQuerySet.as_manager()

    class Meta:
        ordering = ["threat_model_id", "-number"]
        constraints = [models.UniqueConstraint(fields=["threat_model", "number"], name="snapshot_unique_number_per_model")]

    def __str__(self) -> str:
        return f"snapshot {self.number} of model {self.threat_model_id}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            raise ImmutableRow("Snapshots are immutable.")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        raise ImmutableRow("Snapshots are immutable; they go only with their threat model.")

