"""Serializers of threats, the ATT&CK catalogue, rules and coverage. Shape and validate only."""

from __future__ import annotations

from typing import Any

from rest_framework import serializers

from stride.choices import Stride, ThreatStatus
from stride.models import AttackMitigation, CoverageNote, Tactic, Technique, Threat
from stride.techniques import techniques_of

STATEMENT_PARTS = ("actor", "precondition", "action", "impact")


class ThreatStatementSerializer(serializers.Serializer[dict[str, str]]):
    """A manual threat in the parts of a threat grammar; the subject is the threat's element or flow."""

    actor = serializers.CharField(max_length=300, required=False, allow_blank=True, default="", help_text="Who: an external attacker, a tenant…")
    precondition = serializers.CharField(max_length=1_000, required=False, allow_blank=True, default="", help_text="With what: what the actor must have.")
    action = serializers.CharField(max_length=1_000, required=False, allow_blank=True, default="", help_text="Can do what.")
    impact = serializers.CharField(max_length=1_000, required=False, allow_blank=True, default="", help_text="Leading to what.")

    def to_internal_value(self, data: Any) -> dict[str, str]:
        if isinstance(data, dict):
            unknown = sorted(set(data) - set(STATEMENT_PARTS))
            if unknown:
                raise serializers.ValidationError({name: "not a part of the statement (actor, precondition, action, impact)" for name in unknown})
        value = super().to_internal_value(data)
        return {part: value.get(part, "").strip() for part in STATEMENT_PARTS}


class ThreatSerializer(serializers.ModelSerializer[Threat]):
    techniques = serializers.SerializerMethodField(help_text="ATT&CK technique ids: the rule's, and any added by hand.")
    inherent_score = serializers.IntegerField(read_only=True, allow_null=True)
    status_before_obsolete = serializers.ChoiceField(
        choices=ThreatStatus.choices, allow_blank=True, read_only=True, help_text="The status before the threat became obsolete; empty otherwise."
    )
    questions = serializers.ListField(
        child=serializers.CharField(),
        read_only=True,
        help_text="Unconfirmed rule threats: what would settle them (answer by setting the property). Empty when confirmed.",
    )

    statement = ThreatStatementSerializer(read_only=True, help_text="Manual threats: the grammar parts it was written in (empty otherwise).")

    def get_techniques(self, threat: Threat) -> list[str]:
        return techniques_of(threat)

    class Meta:
        model = Threat
        fields = [
            "id",
            "threat_model",
            "fingerprint",
            "rule_id",
            "origin",
            "stride",
            "element",
            "element_key",
            "flow",
            "flow_key",
            "title",
            "description",
            "explanation",
            "statement",
            "confirmed",
            "questions",
            "techniques",
            "status",
            "status_before_obsolete",
            "likelihood",
            "impact",
            "suggested_likelihood",
            "suggested_impact",
            "inherent_score",
            "rationale",
            "triaged",
            "duplicate_of",
            "owner",
            "notes",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields


class ThreatCreateSerializer(serializers.Serializer[Threat]):
    threat_model = serializers.IntegerField()
    stride = serializers.ChoiceField(choices=Stride.choices)
    title = serializers.CharField(max_length=300)
    description = serializers.CharField(max_length=20_000, required=False, allow_blank=True, default="")
    statement = ThreatStatementSerializer(required=False, help_text="The grammar parts (actor, precondition, action, impact).")
    element = serializers.CharField(max_length=80, required=False, allow_blank=True, default="", help_text="Element key.")
    flow = serializers.CharField(max_length=80, required=False, allow_blank=True, default="", help_text="Flow key.")
    techniques = serializers.ListField(child=serializers.CharField(max_length=16), required=False, default=list, max_length=50)
    likelihood = serializers.IntegerField(min_value=1, max_value=5, required=False, allow_null=True, default=None)
    impact = serializers.IntegerField(min_value=1, max_value=5, required=False, allow_null=True, default=None)


class ThreatUpdateSerializer(serializers.Serializer[Threat]):
    status = serializers.ChoiceField(choices=ThreatStatus.choices, required=False)
    likelihood = serializers.IntegerField(min_value=1, max_value=5, required=False, allow_null=True)
    impact = serializers.IntegerField(min_value=1, max_value=5, required=False, allow_null=True)
    rationale = serializers.CharField(max_length=20_000, required=False, allow_blank=True)
    notes = serializers.CharField(max_length=20_000, required=False, allow_blank=True)
    owner = serializers.IntegerField(required=False, allow_null=True, help_text="User id of a team member.")
    triaged = serializers.BooleanField(required=False)
    duplicate_of = serializers.IntegerField(required=False, allow_null=True)
    title = serializers.CharField(max_length=300, required=False, help_text="Manual threats only.")
    description = serializers.CharField(max_length=20_000, required=False, allow_blank=True, help_text="Manual threats only.")
    stride = serializers.ChoiceField(choices=Stride.choices, required=False, help_text="Manual threats only.")
    techniques = serializers.ListField(
        child=serializers.CharField(max_length=16), required=False, max_length=50, help_text="Manual threats only."
    )
    statement = ThreatStatementSerializer(required=False, help_text="Manual threats only: the grammar parts.")
    element = serializers.CharField(max_length=80, required=False, allow_blank=True, help_text="Manual threats only: the element key (empty: none).")
    flow = serializers.CharField(max_length=80, required=False, allow_blank=True, help_text="Manual threats only: the flow key (empty: none).")


class TacticSerializer(serializers.ModelSerializer[Tactic]):
    class Meta:
        model = Tactic
        fields = ["id", "attack_id", "name", "shortname", "description", "order", "url"]


class TechniqueSerializer(serializers.ModelSerializer[Technique]):
    tactics = serializers.SlugRelatedField[Any](slug_field="shortname", many=True, read_only=True)
    parent = serializers.SlugRelatedField[Any](slug_field="attack_id", read_only=True, allow_null=True)  # type: ignore[assignment]
    mitigations = serializers.SerializerMethodField()

    class Meta:
        model = Technique
        fields = ["id", "attack_id", "name", "description", "tactics", "parent", "platforms", "url", "revoked", "deprecated", "mitigations"]

    def get_mitigations(self, technique: Technique) -> list[str]:
        return [m.attack_id for m in technique.attack_mitigations.all()]


class AttackMitigationSerializer(serializers.ModelSerializer[AttackMitigation]):
    class Meta:
        model = AttackMitigation
        fields = ["id", "attack_id", "name", "description", "url", "deprecated"]


class CoverageNoteSerializer(serializers.ModelSerializer[CoverageNote]):
    target = serializers.CharField(source="target_key", read_only=True)

    class Meta:
        model = CoverageNote
        fields = ["id", "threat_model", "target", "stride", "reason", "author", "created_at"]
        read_only_fields = fields


class CoverageNoteCreateSerializer(serializers.Serializer[CoverageNote]):
    threat_model = serializers.IntegerField()
    target = serializers.CharField(max_length=80, help_text="Key of the element or flow.")
    stride = serializers.ChoiceField(choices=Stride.choices)
    reason = serializers.CharField(max_length=5_000)


class CoverageCellSerializer(serializers.Serializer[Any]):
    target = serializers.CharField(help_text="Key of the element or flow.")
    kind = serializers.CharField(help_text="external_entity, process, data_store or flow.")
    name = serializers.CharField()
    stride = serializers.CharField(help_text="One STRIDE letter that applies to this kind.")
    threats = serializers.ListField(child=serializers.IntegerField(), help_text="Threats that cover the cell.")
    note = serializers.CharField(allow_null=True, help_text="Why no threat applies, when the team recorded it.")
    covered = serializers.BooleanField()


class CoverageSerializer(serializers.Serializer[Any]):
    """STRIDE per element: every element and flow × applicable letter, and what covers it."""

    threat_model = serializers.IntegerField()
    analysed_version = serializers.IntegerField(allow_null=True)
    version = serializers.IntegerField()
    cells = CoverageCellSerializer(many=True)
    covered = serializers.IntegerField()
    total = serializers.IntegerField()


class QuestionSubjectSerializer(serializers.Serializer[Any]):
    key = serializers.CharField()
    kind = serializers.CharField(help_text="An element kind, or flow.")
    name = serializers.CharField()
    diagram = serializers.IntegerField(help_text="The diagram that holds it: answer through its ops endpoint.")


class OpenQuestionSerializer(serializers.Serializer[Any]):
    subject = QuestionSubjectSerializer()
    property = serializers.CharField(help_text="The property to set (update_element or update_flow, properties).")
    label = serializers.CharField()  # type: ignore[assignment]  # a field, not Field.label
    type = serializers.ChoiceField(choices=["bool", "enum"])
    values = serializers.ListField(child=serializers.JSONField(), help_text="The answers it takes.")
    question = serializers.CharField()
    threats = serializers.ListField(child=serializers.IntegerField(), help_text="The unconfirmed threats that wait on it.")


class OpenQuestionsSerializer(serializers.Serializer[Any]):
    """What a model's unconfirmed findings wait on: one question per element or flow and property."""

    threat_model = serializers.IntegerField()
    open = serializers.IntegerField()
    unconfirmed = serializers.IntegerField(help_text="Unconfirmed threats (each waits on one or more questions).")
    questions = OpenQuestionSerializer(many=True)


class AnalysisResultSerializer(serializers.Serializer[Any]):
    new = serializers.IntegerField()
    kept = serializers.IntegerField()
    obsolete = serializers.IntegerField()
    revived = serializers.IntegerField()
    rewritten = serializers.IntegerField()
    version = serializers.IntegerField()
