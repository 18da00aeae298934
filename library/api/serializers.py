from __future__ import annotations

from typing import Any

from rest_framework import serializers

from stride.api.serializers import AnalysisResultSerializer
from threatmodel.api.serializers import ThreatModelSerializer


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
