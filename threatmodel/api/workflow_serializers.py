"""Serializers of the workflow API. Input serializers shape and type the fields (services check the
rules); output serializers document every response in the OpenAPI schema."""

from __future__ import annotations

from typing import Any

from rest_framework import serializers

from threatmodel.choices import Stage
from threatmodel.models import (
    SETTABLE_MITIGATION_STATUSES,
    AuditEvent,
    BandChange,
    Control,
    Decision,
    DecisionKind,
    Mitigation,
    MitigationStatus,
    RiskPolicy,
    Snapshot,
)

USERNAME_HELP = "Username of a member of the model's team."


class UsernameField(serializers.CharField):
    """A user shown (and given) by username."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("read_only", True)
        kwargs.setdefault("allow_null", True)
        super().__init__(**kwargs)

    def to_representation(self, value: Any) -> str:
        return str(value.get_username())


# --- risk ---------------------------------------------------------------------------------------------------


class RatingOutSerializer(serializers.Serializer[Any]):
    likelihood = serializers.IntegerField(min_value=1, max_value=5)
    impact = serializers.IntegerField(min_value=1, max_value=5)
    score = serializers.IntegerField(min_value=1, max_value=25)
    level = serializers.CharField(help_text="Critical, Very high, High, Medium or Low.")
    band = serializers.ChoiceField(choices=["unacceptable", "tolerable", "broadly_acceptable"])


class RiskNumbersSerializer(serializers.Serializer[Any]):
    inherent = RatingOutSerializer(allow_null=True, help_text="As designed, before any mitigation.")
    projected = RatingOutSerializer(allow_null=True, help_text="After planned, implemented and verified mitigations (capped).")
    verified = RatingOutSerializer(allow_null=True, help_text="After verified mitigations with evidence only (capped).")


class PolicyThresholdsSerializer(serializers.Serializer[Any]):
    version = serializers.IntegerField()
    unacceptable_at = serializers.IntegerField()
    acceptable_max = serializers.IntegerField()
    impact_floor = serializers.IntegerField()
    acceptance_max_days = serializers.IntegerField()
    exception_max_days = serializers.IntegerField()


class OwaspFactorsSerializer(serializers.Serializer[Any]):
    likelihood = serializers.DictField(
        child=serializers.IntegerField(), required=False, help_text="The eight likelihood factors, 0–9 each."
    )
    impact = serializers.DictField(child=serializers.IntegerField(), required=False, help_text="The eight impact factors, 0–9 each.")


class OwaspProposalSerializer(serializers.Serializer[Any]):
    likelihood_mean = serializers.FloatField(allow_null=True)
    impact_mean = serializers.FloatField(allow_null=True)
    likelihood = serializers.IntegerField(allow_null=True)
    impact = serializers.IntegerField(allow_null=True)


class ScalesSerializer(serializers.Serializer[Any]):
    levels = serializers.DictField(child=serializers.CharField(), help_text="1–5 → NIST SP 800-30 level name.")
    score_levels = serializers.ListField(child=serializers.DictField())
    bands = serializers.DictField(child=serializers.CharField())
    caps = serializers.DictField(child=serializers.IntegerField())
    owasp_factors = serializers.DictField(child=serializers.ListField(child=serializers.CharField()))
    default_policy = PolicyThresholdsSerializer()


# --- threats --------------------------------------------------------------------------------------------------


class ThreatRateSerializer(serializers.Serializer[Any]):
    likelihood = serializers.IntegerField(required=False, allow_null=True, help_text="1 (very low) – 5 (very high).")
    impact = serializers.IntegerField(required=False, allow_null=True, help_text="1 (very low) – 5 (very high).")
    rationale = serializers.CharField(allow_blank=True, max_length=20_000, help_text="Why these levels.")
    owasp = serializers.JSONField(
        required=False,
        allow_null=True,
        help_text="Optional OWASP Risk Rating answers ({likelihood: {factor: 0–9}, impact: {...}}); a level left out is proposed from them.",
    )


class ThreatStatusSerializer(serializers.Serializer[Any]):
    status = serializers.CharField(help_text="open, mitigated or eliminated.")
    reason = serializers.CharField(required=False, allow_blank=True, max_length=5_000, default="")


class ThreatRatingSerializer(serializers.Serializer[Any]):
    likelihood = serializers.IntegerField(allow_null=True)
    impact = serializers.IntegerField(allow_null=True)
    rationale = serializers.CharField()
    owasp = serializers.JSONField(allow_null=True)
    rated_by = serializers.CharField(allow_null=True)
    rated_at = serializers.DateTimeField(allow_null=True)


class ThreatRiskSerializer(serializers.Serializer[Any]):
    """A threat after a rating or status change: its levels, status and three numbers."""

    id = serializers.IntegerField()
    status = serializers.CharField()
    likelihood = serializers.IntegerField(allow_null=True)
    impact = serializers.IntegerField(allow_null=True)
    rationale = serializers.CharField()
    risk = RiskNumbersSerializer()


class SuggestedAttackMitigationSerializer(serializers.Serializer[Any]):
    attack_id = serializers.CharField()
    name = serializers.CharField()
    url = serializers.CharField()
    techniques = serializers.ListField(child=serializers.CharField(), help_text="The threat's techniques (or parents) it mitigates.")
    guidance = serializers.ListField(child=serializers.DictField(), help_text="ATT&CK's technique-specific text.")
    used_by = serializers.ListField(child=serializers.CharField(), help_text="Refs of this model's mitigations that already link it.")


# --- mitigations --------------------------------------------------------------------------------------------------


class MitigationSerializer(serializers.ModelSerializer[Mitigation]):
    control = serializers.SlugRelatedField[Control](slug_field="control_id", read_only=True, allow_null=True)
    # Free text on the way in (a link, a ticket, a path): the schema must not promise a URI.
    evidence_url = serializers.CharField(read_only=True, help_text="Where the evidence is (a link or reference); empty until given.")
    attack_mitigations = serializers.SlugRelatedField[Any](slug_field="attack_id", many=True, read_only=True)
    threats = serializers.PrimaryKeyRelatedField[Any](many=True, read_only=True)
    owner = UsernameField()
    implemented_by = UsernameField()
    verified_by = UsernameField()
    created_by = UsernameField()

    class Meta:
        model = Mitigation
        fields = [
            "id",
            "threat_model",
            "ref",
            "title",
            "description",
            "control",
            "attack_mitigations",
            "threats",
            "status",
            "likelihood_reduction",
            "impact_reduction",
            "owner",
            "evidence_url",
            "evidence",
            "implemented_by",
            "implemented_at",
            "verified_by",
            "verified_at",
            "created_by",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields


class MitigationWriteSerializer(serializers.Serializer[Any]):
    title = serializers.CharField(max_length=300, required=False)
    description = serializers.CharField(allow_blank=True, max_length=20_000, required=False)
    control = serializers.CharField(allow_null=True, allow_blank=True, required=False, help_text="A catalogue control id (RTC-11).")
    attack_mitigations = serializers.ListField(
        child=serializers.CharField(max_length=16), required=False, max_length=100, help_text="ATT&CK mitigation ids."
    )
    likelihood_reduction = serializers.IntegerField(required=False, help_text="Expected effect: likelihood levels taken off (0–3).")
    impact_reduction = serializers.IntegerField(required=False, help_text="Expected effect: impact levels taken off (0–2).")
    owner = serializers.CharField(allow_null=True, allow_blank=True, required=False, help_text=USERNAME_HELP)
    evidence_url = serializers.CharField(allow_blank=True, max_length=1000, required=False)
    evidence = serializers.CharField(allow_blank=True, max_length=20_000, required=False)


class MitigationCreateSerializer(MitigationWriteSerializer):
    threat_model = serializers.IntegerField()
    title = serializers.CharField(max_length=300)
    status = serializers.ChoiceField(choices=SETTABLE_MITIGATION_STATUSES, default=MitigationStatus.PROPOSED)
    threats = serializers.ListField(
        child=serializers.IntegerField(), required=False, default=list, max_length=10_000, help_text="Threat ids it answers."
    )


class ThreatIdsSerializer(serializers.Serializer[Any]):
    threats = serializers.ListField(child=serializers.IntegerField(), max_length=10_000, help_text="Threat ids of the same model.")


class MitigationStatusSerializer(serializers.Serializer[Any]):
    status = serializers.ChoiceField(choices=SETTABLE_MITIGATION_STATUSES)


class MitigationVerifySerializer(serializers.Serializer[Any]):
    evidence_url = serializers.CharField(allow_blank=True, max_length=1000, required=False)
    evidence = serializers.CharField(allow_blank=True, max_length=20_000, required=False)


# --- decisions ----------------------------------------------------------------------------------------------------


class DecisionSerializer(serializers.ModelSerializer[Decision]):
    owner = UsernameField()
    approved_by = UsernameField()
    created_by = UsernameField()
    ended_by = UsernameField()

    class Meta:
        model = Decision
        fields = [
            "id",
            "threat_model",
            "threat",
            "kind",
            "status",
            "justification",
            "owner",
            "expires_on",
            "compensating_controls",
            "recipient",
            "evidence",
            "band",
            "score",
            "policy_version",
            "approved_by",
            "approved_at",
            "created_by",
            "created_at",
            "ended_by",
            "ended_at",
            "end_reason",
            "notified_at",
        ]
        read_only_fields = fields


class DecisionCreateSerializer(serializers.Serializer[Any]):
    threat = serializers.IntegerField()
    kind = serializers.ChoiceField(choices=DecisionKind.choices)
    justification = serializers.CharField(allow_blank=True, max_length=20_000, required=False, default="")
    owner = serializers.CharField(allow_null=True, allow_blank=True, required=False, default=None, help_text="The risk owner. " + USERNAME_HELP)
    expires_on = serializers.DateField(required=False, allow_null=True, default=None)
    compensating_controls = serializers.CharField(allow_blank=True, max_length=20_000, required=False, default="")
    recipient = serializers.CharField(allow_blank=True, max_length=200, required=False, default="")
    evidence = serializers.CharField(allow_blank=True, max_length=20_000, required=False, default="")


class ReasonSerializer(serializers.Serializer[Any]):
    reason = serializers.CharField(allow_blank=True, max_length=5_000, required=False, default="")


# --- stages, gates, heat map ---------------------------------------------------------------------------------------


class GateObjectSerializer(serializers.Serializer[Any]):
    type = serializers.CharField(help_text="threat_model, element, flow, threat, mitigation or decision.")
    id = serializers.IntegerField(allow_null=True)
    key = serializers.CharField(allow_null=True, help_text="Element/flow key, threat fingerprint, mitigation ref or coverage cell.")
    url = serializers.CharField(allow_null=True, help_text="The API URL of the object.")


class GateActionSerializer(serializers.Serializer[Any]):
    label = serializers.CharField()  # type: ignore[assignment]  # a field, not Field.label
    method = serializers.CharField()
    url = serializers.CharField()


class GateItemSerializer(serializers.Serializer[Any]):
    code = serializers.CharField()
    message = serializers.CharField()
    object = GateObjectSerializer()
    actions = GateActionSerializer(many=True, help_text="API calls that fix the item.")


class GateReportSerializer(serializers.Serializer[Any]):
    threat_model = serializers.IntegerField()
    stage = serializers.ChoiceField(choices=Stage.choices)
    next_stage = serializers.CharField(allow_null=True)
    can_advance = serializers.BooleanField(help_text="The gate is clear and you may take the step.")
    blocking = GateItemSerializer(many=True)
    your_blocking = GateItemSerializer(many=True, help_text="What blocks you in particular (the sign-off rules).")
    warnings = GateItemSerializer(many=True)
    counts = serializers.DictField(child=serializers.IntegerField())
    model_version = serializers.IntegerField()
    analysed_version = serializers.IntegerField(allow_null=True)
    break_version = serializers.IntegerField(allow_null=True)
    diagram_changed_since_break = serializers.BooleanField()
    risk_policy = PolicyThresholdsSerializer()
    authors = serializers.ListField(child=serializers.CharField())
    your_role = serializers.CharField(allow_null=True)


class AdvanceSerializer(serializers.Serializer[Any]):
    to = serializers.ChoiceField(choices=Stage.choices, required=False, help_text="The stage you expect to reach (guards a stale page).")
    note = serializers.CharField(allow_blank=True, max_length=5_000, required=False, default="")


class ReopenSerializer(serializers.Serializer[Any]):
    to = serializers.ChoiceField(choices=Stage.choices, help_text="An earlier stage than the current one.")
    reason = serializers.CharField(allow_blank=True, max_length=5_000)


class SnapshotSummarySerializer(serializers.ModelSerializer[Snapshot]):
    created_by = UsernameField()

    class Meta:
        model = Snapshot
        fields = [
            "id",
            "threat_model",
            "number",
            "reason",
            "label",
            "stage",
            "model_version",
            "policy_version",
            "content_sha256",
            "created_by",
            "created_at",
        ]
        read_only_fields = fields


class SnapshotSerializer(SnapshotSummarySerializer):
    class Meta(SnapshotSummarySerializer.Meta):
        fields = [*SnapshotSummarySerializer.Meta.fields, "content"]
        read_only_fields = fields


class SnapshotCreateSerializer(serializers.Serializer[Any]):
    threat_model = serializers.IntegerField()
    label = serializers.CharField(allow_blank=True, max_length=200, required=False, default="")  # type: ignore[assignment]


class StageChangeSerializer(serializers.Serializer[Any]):
    id = serializers.IntegerField()
    stage = serializers.ChoiceField(choices=Stage.choices)
    version = serializers.IntegerField()
    break_version = serializers.IntegerField(allow_null=True)
    snapshot = SnapshotSummarySerializer(allow_null=True, help_text="The snapshot frozen at approval.")
    gates = GateReportSerializer(help_text="The gate of the new stage.")


class HeatMapCellSerializer(serializers.Serializer[Any]):
    likelihood = serializers.IntegerField()
    impact = serializers.IntegerField()
    score = serializers.IntegerField()
    level = serializers.CharField()
    band = serializers.CharField()
    counts = serializers.DictField(child=serializers.IntegerField(), help_text="inherent, projected, verified → threats in the cell.")
    threats = serializers.DictField(child=serializers.ListField(child=serializers.IntegerField()), help_text="The threat ids per measure.")


class HeatMapSerializer(serializers.Serializer[Any]):
    threat_model = serializers.IntegerField()
    risk_policy = PolicyThresholdsSerializer()
    likelihood_levels = serializers.ListField(child=serializers.IntegerField())
    impact_levels = serializers.ListField(child=serializers.IntegerField())
    cells = HeatMapCellSerializer(many=True)
    band_totals = serializers.DictField(child=serializers.DictField(child=serializers.IntegerField()))
    rated = serializers.IntegerField()
    unrated = serializers.ListField(child=serializers.IntegerField(), help_text="Counted threats still without a rating.")


class RegisterRowSerializer(serializers.Serializer[Any]):
    id = serializers.IntegerField()
    fingerprint = serializers.CharField()
    title = serializers.CharField()
    stride = serializers.CharField()
    status = serializers.CharField()
    duplicate_of = serializers.IntegerField(allow_null=True)
    risk = RiskNumbersSerializer()
    mitigations = serializers.ListField(child=serializers.IntegerField())
    decision = serializers.DictField(allow_null=True, help_text="The active (or pending) decision: id, kind, status, expires_on.")


# --- audit, policies, band changes, controls --------------------------------------------------------------------------


class AuditEventSerializer(serializers.ModelSerializer[AuditEvent]):
    actor = UsernameField(help_text="Who; null for the system (e.g. the expiry job).")

    class Meta:
        model = AuditEvent
        fields = ["id", "team", "threat_model", "threat", "actor", "action", "object_type", "object_id", "before", "after", "created_at"]
        read_only_fields = fields


class RiskPolicySerializer(serializers.ModelSerializer[RiskPolicy]):
    created_by = UsernameField()

    class Meta:
        model = RiskPolicy
        fields = [
            "id",
            "team",
            "version",
            "unacceptable_at",
            "acceptable_max",
            "impact_floor",
            "acceptance_max_days",
            "exception_max_days",
            "note",
            "created_by",
            "created_at",
        ]
        read_only_fields = fields


class RiskPolicyCreateSerializer(serializers.Serializer[Any]):
    team = serializers.IntegerField()
    unacceptable_at = serializers.IntegerField(required=False, help_text="A score at or above this is unacceptable (default 15).")
    acceptable_max = serializers.IntegerField(required=False, help_text="A score at or below this is broadly acceptable (default 4).")
    impact_floor = serializers.IntegerField(required=False, help_text="An impact at or above this is never broadly acceptable (default 4).")
    acceptance_max_days = serializers.IntegerField(required=False, help_text="Longest acceptance (default 365 days).")
    exception_max_days = serializers.IntegerField(required=False, help_text="Longest exception (at most 90 days).")
    note = serializers.CharField(allow_blank=True, max_length=5_000, required=False, default="")


class BandChangeSerializer(serializers.ModelSerializer[BandChange]):
    policy_version = serializers.IntegerField(source="policy.version", read_only=True)
    acknowledged_by = UsernameField()

    class Meta:
        model = BandChange
        fields = [
            "id",
            "threat_model",
            "threat",
            "policy",
            "policy_version",
            "previous_version",
            "before",
            "after",
            "acknowledged_by",
            "acknowledged_at",
            "created_at",
        ]
        read_only_fields = fields


class RiskPolicyChangeSerializer(serializers.Serializer[Any]):
    policy = RiskPolicySerializer()
    previous_version = serializers.IntegerField()
    models = serializers.ListField(child=serializers.IntegerField(), help_text="Models moved to the new version (all but approved ones).")
    band_changes = BandChangeSerializer(many=True)


class ControlSerializer(serializers.ModelSerializer[Control]):
    id = serializers.CharField(source="control_id", read_only=True)

    class Meta:
        model = Control
        fields = ["id", "name", "phase", "layer", "stride", "summary", "refs"]
        read_only_fields = fields


class NamedRefSerializer(serializers.Serializer[Any]):
    id = serializers.CharField()
    name = serializers.CharField(help_text="Empty when the catalogue does not know the id.")
    url = serializers.CharField(help_text="A link to its page (ATT&CK, CWE, CAPEC), or empty.")


class ThreatExplainedSerializer(serializers.Serializer[Any]):
    """The threat explained (``stride.explained``): the same words as the CSV, the exports and the PDF."""

    subject = serializers.CharField(help_text="The element's or flow's name.")
    summary = serializers.CharField(help_text="One line: the subject, the threat and why it fired there.")
    what = serializers.CharField(help_text="What the threat is: a person's own description, else the rule's.")
    why = serializers.ListField(child=serializers.CharField(), help_text="The parts of the rule's condition that matched.")
    path = serializers.ListField(child=serializers.CharField(), help_text="Names along the path, for graph rules.")
    path_in_why = serializers.BooleanField(help_text="A matched part already names the path.")
    fix = serializers.CharField(help_text="What to do: the rule's fix.")
    techniques = NamedRefSerializer(many=True)
    controls = NamedRefSerializer(many=True, help_text="The rule's suggested controls.")
    attack_mitigations = NamedRefSerializer(many=True, help_text="ATT&CK mitigations of the techniques, the broadest first.")
    references = NamedRefSerializer(many=True, help_text="CWE and CAPEC entries.")


class ThreatAssessmentSerializer(serializers.Serializer[Any]):
    """Everything the threat drawer shows, in one response."""

    explained = ThreatExplainedSerializer()

    threat = serializers.DictField(help_text="The threat as GET /threats/{id}/ returns it.")
    rating = ThreatRatingSerializer()
    risk = RiskNumbersSerializer()
    risk_policy = PolicyThresholdsSerializer()
    mitigations = MitigationSerializer(many=True)
    decisions = DecisionSerializer(many=True, help_text="Newest first, including ended ones.")
    active_decision = DecisionSerializer(allow_null=True)
    pending_decision = DecisionSerializer(allow_null=True)
    band_changes = BandChangeSerializer(many=True, help_text="Band changes not yet acknowledged.")
    suggested_attack_mitigations = SuggestedAttackMitigationSerializer(many=True)
    history = AuditEventSerializer(many=True, help_text="The latest 50 changes; /history/ pages through all.")
    links = serializers.DictField(child=serializers.CharField())


class DiffSectionSerializer(serializers.Serializer[Any]):
    added = serializers.ListField(child=serializers.DictField())
    removed = serializers.ListField(child=serializers.DictField())
    changed = serializers.ListField(child=serializers.DictField(), help_text="{<id>, fields: {name: {before, after}}}")


class DiffChangesSerializer(serializers.Serializer[Any]):
    threat_model = serializers.DictField(help_text="Changed model fields: {name: {before, after}}.")
    risk_policy = serializers.DictField()
    elements = DiffSectionSerializer()
    flows = DiffSectionSerializer()
    threats = DiffSectionSerializer()
    mitigations = DiffSectionSerializer()
    decisions = DiffSectionSerializer()
    coverage_notes = DiffSectionSerializer()
    summary = serializers.DictField(child=serializers.DictField(child=serializers.IntegerField()))
    identical = serializers.BooleanField()


class DiffEndSerializer(serializers.Serializer[Any]):
    snapshot = serializers.IntegerField(allow_null=True, help_text="Snapshot number; null for the model as it is now.")
    model_version = serializers.IntegerField()
    stage = serializers.CharField()


class DiffSerializer(serializers.Serializer[Any]):
    threat_model = serializers.IntegerField()
    to = DiffEndSerializer()
    changes = DiffChangesSerializer()

    def get_fields(self) -> dict[str, serializers.Field[Any, Any, Any, Any]]:
        fields = super().get_fields()
        fields["from"] = DiffEndSerializer()  # `from` is a keyword in Python
        return fields
