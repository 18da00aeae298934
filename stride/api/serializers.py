"""Serializers of threats (read side; the engine issue adds triage writes)."""

from __future__ import annotations

from typing import Any

from rest_framework import serializers

from stride.models import Threat


class ThreatSerializer(serializers.ModelSerializer[Threat]):
    techniques = serializers.SlugRelatedField[Any](slug_field="attack_id", many=True, read_only=True)
    inherent_score = serializers.IntegerField(read_only=True, allow_null=True)

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
            "techniques",
            "status",
            "likelihood",
            "impact",
            "inherent_score",
            "owner",
            "notes",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields
