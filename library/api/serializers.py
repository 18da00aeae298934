from __future__ import annotations

from typing import Any

from rest_framework import serializers

from library.models import TeamRule
from stride.api.serializers import AnalysisResultSerializer
from threatmodel.api.serializers import OpsResultSerializer, ThreatModelSerializer


class TemplateSerializer(serializers.Serializer[Any]):
    id = serializers.CharField(help_text="A shipped template's name (kubernetes-reference) or a team template's number")
    provenance = serializers.ChoiceField(choices=["shipped", "team"], help_text="shipped with the app, or saved by a team")
    team = serializers.IntegerField(allow_null=True, help_text="The team a saved template belongs to; null when shipped")
    name = serializers.CharField()
    description = serializers.CharField(allow_blank=True)
    element_count = serializers.IntegerField()
    flow_count = serializers.IntegerField()


class TemplateSaveSerializer(serializers.Serializer[Any]):
    threat_model = serializers.IntegerField(min_value=1, max_value=2**63 - 1)
    name = serializers.CharField(max_length=200)
    description = serializers.CharField(max_length=2000, required=False, allow_blank=True, default="")


class FromTemplateSerializer(serializers.Serializer[Any]):
    template = serializers.CharField(max_length=100)
    team = serializers.IntegerField(min_value=1, max_value=2**63 - 1)
    name = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")


class FromTemplateResultSerializer(serializers.Serializer[Any]):
    threat_model = ThreatModelSerializer()
    warnings = serializers.ListField(child=serializers.CharField())
    analysis = AnalysisResultSerializer()


class TeamRuleSerializer(serializers.ModelSerializer[Any]):
    created_by = serializers.SlugRelatedField[Any](slug_field="username", read_only=True, allow_null=True)
    updated_by = serializers.SlugRelatedField[Any](slug_field="username", read_only=True, allow_null=True)

    class Meta:
        model = TeamRule
        fields = ["id", "team", "rule_id", "title", "yaml", "enabled", "version",
                  "created_by", "created_at", "updated_by", "updated_at"]  # fmt: skip
        read_only_fields = fields


class TeamRuleWriteSerializer(serializers.Serializer[Any]):
    team = serializers.IntegerField(min_value=1, max_value=2**63 - 1)
    yaml = serializers.CharField(max_length=64 * 1024, trim_whitespace=False,
                                 help_text="The rule in the schema of stride/rules/ (docs/rules.md); its fixture's diagram may be inline")  # fmt: skip


class TeamRuleTextSerializer(serializers.Serializer[Any]):
    yaml = serializers.CharField(max_length=64 * 1024, trim_whitespace=False)


class ProblemSerializer(serializers.Serializer[Any]):
    path = serializers.CharField(help_text="The field at fault (condition.all[0].property.name)")
    line = serializers.IntegerField(allow_null=True, help_text="The line of the YAML it is on")
    message = serializers.CharField()


class ExamplesSerializer(serializers.Serializer[Any]):
    fired = serializers.ListField(child=serializers.CharField(), help_text="The fires keys the rule fired on")
    quiet = serializers.ListField(child=serializers.CharField(), help_text="The quiet keys it stayed quiet on")


class PreviewSubjectSerializer(serializers.Serializer[Any]):
    element_key = serializers.CharField(allow_null=True)
    flow_key = serializers.CharField(allow_null=True)
    title = serializers.CharField()
    confirmed = serializers.BooleanField()


class ModelPreviewSerializer(serializers.Serializer[Any]):
    threat_model = serializers.IntegerField()
    name = serializers.CharField()
    subjects = serializers.IntegerField(help_text="The elements (or flows) of the kinds the rule targets")
    fires = serializers.IntegerField()
    asks = serializers.IntegerField(help_text="Findings waiting on a question (the rule's requires)")
    first = PreviewSubjectSerializer(many=True)


class TeamRuleCheckSerializer(serializers.Serializer[Any]):
    rule_id = serializers.CharField(allow_null=True)
    valid = serializers.BooleanField(help_text="It parses, and its examples fire and stay quiet where they say: it can be enabled")
    problems = ProblemSerializer(many=True)
    examples = ExamplesSerializer()
    warnings = serializers.ListField(child=serializers.CharField())
    models = ModelPreviewSerializer(many=True, help_text="What the rule alone would raise on each of the team's models")


class TeamRuleAnswerSerializer(serializers.Serializer[Any]):
    rule = TeamRuleSerializer()
    check = TeamRuleCheckSerializer()


class ComponentSerializer(serializers.Serializer[Any]):
    id = serializers.IntegerField()
    team = serializers.IntegerField(source="team_id")
    name = serializers.CharField()
    description = serializers.CharField(allow_blank=True)
    element_count = serializers.IntegerField()
    flow_count = serializers.IntegerField()
    triage_count = serializers.SerializerMethodField(help_text="Threats' triage the component carries to where it is dropped")
    width = serializers.FloatField(help_text="The size of the component as drawn (its top-level elements' box)")
    height = serializers.FloatField()
    created_by = serializers.CharField(source="created_by.username", allow_null=True, default=None)
    created_at = serializers.DateTimeField()

    def get_triage_count(self, row: Any) -> int:
        return len((row.content or {}).get("triage") or [])


class ComponentSaveSerializer(serializers.Serializer[Any]):
    diagram = serializers.IntegerField(min_value=1, max_value=2**63 - 1, help_text="The diagram the selection is on")
    elements = serializers.ListField(child=serializers.CharField(max_length=80), max_length=200, help_text="Selected element keys")
    flows = serializers.ListField(
        child=serializers.CharField(max_length=80), max_length=400, required=False, default=list,
        help_text="Selected flow keys; a flow whose ends are not both selected is left out",
    )  # fmt: skip
    name = serializers.CharField(max_length=200)
    description = serializers.CharField(max_length=2000, required=False, allow_blank=True, default="")


class ComponentInsertSerializer(serializers.Serializer[Any]):
    component = serializers.IntegerField(min_value=1, max_value=2**63 - 1)
    x = serializers.FloatField(min_value=-1_000_000, max_value=1_000_000, help_text="Where the component's top-left corner goes")
    y = serializers.FloatField(min_value=-1_000_000, max_value=1_000_000)
    # Not "parent": that name is a serializer field's own attribute.
    boundary = serializers.CharField(max_length=80, required=False, allow_null=True, default=None,
                                     help_text="The key of a trust boundary to drop it into (x and y are then relative to it)")  # fmt: skip
    base_version = serializers.IntegerField(min_value=1, max_value=2**63 - 1, help_text="The diagram version the client has")


class ComponentInsertResultSerializer(OpsResultSerializer):
    element_keys = serializers.ListField(child=serializers.CharField(), help_text="The new elements' keys, in the component's order")
    flow_keys = serializers.ListField(child=serializers.CharField())
    triage_carried = serializers.IntegerField(help_text="New threats that got the triage of the component's source")
    triage_not_carried = serializers.ListField(child=serializers.CharField(), help_text="Triage left behind, and why")
