"""Serializers of the diagram app: read shapes, and the operations batch envelope."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema_serializer, inline_serializer
from rest_framework import serializers

from dfd.choices import DiagramLevel
from dfd.models import Diagram, Element, Flow


class DiagramSerializer(serializers.ModelSerializer[Diagram]):
    class Meta:
        model = Diagram
        fields = ["id", "threat_model", "name", "level", "order", "version", "created_at", "updated_at"]
        read_only_fields = ["id", "threat_model", "version", "created_at", "updated_at"]


class DiagramCreateSerializer(serializers.Serializer[Diagram]):
    threat_model = serializers.IntegerField()
    name = serializers.CharField(max_length=200)
    level = serializers.ChoiceField(choices=DiagramLevel.choices, default=DiagramLevel.LEVEL_0)
    order = serializers.IntegerField(min_value=0, max_value=9999, required=False)


class DiagramUpdateSerializer(serializers.Serializer[Diagram]):
    name = serializers.CharField(max_length=200, required=False)
    level = serializers.ChoiceField(choices=DiagramLevel.choices, required=False)
    order = serializers.IntegerField(min_value=0, max_value=9999, required=False)


class ElementSerializer(serializers.ModelSerializer[Element]):
    parent: serializers.SlugRelatedField[Element] = serializers.SlugRelatedField(slug_field="key", read_only=True, allow_null=True)  # type: ignore[assignment]

    class Meta:
        model = Element
        fields = [
            "id",
            "threat_model",
            "diagram",
            "key",
            "kind",
            "name",
            "description",
            "properties",
            "parent",
            "x",
            "y",
            "width",
            "height",
        ]
        read_only_fields = fields


class FlowSerializer(serializers.ModelSerializer[Flow]):
    source: serializers.SlugRelatedField[Element] = serializers.SlugRelatedField(slug_field="key", read_only=True)  # type: ignore[assignment]
    target: serializers.SlugRelatedField[Element] = serializers.SlugRelatedField(slug_field="key", read_only=True)

    class Meta:
        model = Flow
        fields = [
            "id",
            "threat_model",
            "diagram",
            "key",
            "source",
            "target",
            "label",
            "protocol",
            "bidirectional",
            "description",
            "properties",
        ]
        read_only_fields = fields


class OpsRequestSerializer(serializers.Serializer[Any]):
    base_version = serializers.IntegerField(min_value=1, help_text="The diagram version the operations were made on.")
    ops = serializers.ListField(
        child=serializers.DictField(),
        allow_empty=True,
        help_text=(
            "Operations applied in order, all or none: add_element, update_element, move_element, set_parent, "
            "delete_element, add_flow, update_flow, delete_flow. See docs/operations.md."
        ),
    )


# "required" and "default" are attributes of every serializer field, so this one is built from a dict.
VocabularyPropertySerializer = inline_serializer(
    "VocabularyProperty",
    {
        "name": serializers.CharField(),
        "type": serializers.ChoiceField(choices=["bool", "enum", "text", "map"]),
        "label": serializers.CharField(),
        "description": serializers.CharField(),
        "group": serializers.CharField(),
        "values": serializers.ListField(child=serializers.JSONField(), help_text='Allowed values, "unknown" last.'),
        "required": serializers.BooleanField(),
        "default": serializers.CharField(),
        "max_length": serializers.IntegerField(required=False),
    },
    many=True,
)


# One object although the route is a list route: without the override the schema would wrap it in a list.
@extend_schema_serializer(many=False)
class VocabularySerializer(serializers.Serializer[Any]):
    version = serializers.IntegerField()
    unknown = serializers.CharField()
    kinds = serializers.ListField(child=serializers.CharField())
    targets = serializers.DictField(
        child=VocabularyPropertySerializer,
        help_text='Properties per element kind, and for "flow".',
    )
