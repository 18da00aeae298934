"""OpenAPI description of the model document (``GET /api/v1/threat-models/{id}/document/``).

The document is built by ``threatmodel.native.document_build`` as plain dicts, for speed on large
models. These serializers are never used to render it: they only describe its shape in the schema,
so the browser app's types are generated from the schema instead of being hand-written twins.
"""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import inline_serializer
from rest_framework import serializers

# Built from dicts: "parent", "source" and "label" are attributes of every serializer field.
DocumentElementSerializer = inline_serializer(
    "DocumentElement",
    {
        "key": serializers.CharField(),
        "kind": serializers.ChoiceField(choices=["external_entity", "process", "data_store", "trust_boundary"]),
        "name": serializers.CharField(),
        "description": serializers.CharField(allow_blank=True),
        "properties": serializers.DictField(help_text="Typed properties from the vocabulary; absent means never set."),
        "parent": serializers.CharField(allow_null=True, help_text="Key of the enclosing trust boundary."),
        "x": serializers.FloatField(help_text="Relative to the parent boundary."),
        "y": serializers.FloatField(help_text="Relative to the parent boundary."),
        "width": serializers.FloatField(allow_null=True),
        "height": serializers.FloatField(allow_null=True),
    },
    many=True,
)

DocumentFlowSerializer = inline_serializer(
    "DocumentFlow",
    {
        "key": serializers.CharField(),
        "source": serializers.CharField(),
        "target": serializers.CharField(),
        "label": serializers.CharField(allow_blank=True),
        "protocol": serializers.CharField(allow_blank=True),
        "bidirectional": serializers.BooleanField(),
        "description": serializers.CharField(allow_blank=True),
        "properties": serializers.DictField(),
    },
    many=True,
)


class DocumentDiagramSerializer(serializers.Serializer[Any]):
    id = serializers.IntegerField()
    name = serializers.CharField()
    level = serializers.CharField()
    order = serializers.IntegerField()
    version = serializers.IntegerField(help_text="The base_version for the next batch of operations.")
    elements = DocumentElementSerializer
    flows = DocumentFlowSerializer


class DocumentThreatSerializer(serializers.Serializer[Any]):
    id = serializers.IntegerField()
    fingerprint = serializers.CharField()
    rule_id = serializers.CharField(allow_blank=True)
    origin = serializers.CharField()
    stride = serializers.CharField()
    element = serializers.CharField(allow_null=True)
    flow = serializers.CharField(allow_null=True)
    title = serializers.CharField()
    description = serializers.CharField(allow_blank=True)
    explanation = serializers.DictField()
    confirmed = serializers.BooleanField(help_text="False while a rule's finding waits on unanswered properties.")
    questions = serializers.ListField(
        child=serializers.CharField(), help_text="What would settle an unconfirmed threat; empty when confirmed."
    )
    techniques = serializers.ListField(child=serializers.CharField())
    status = serializers.CharField()
    likelihood = serializers.IntegerField(allow_null=True)
    impact = serializers.IntegerField(allow_null=True)
    owner = serializers.CharField(allow_null=True)
    notes = serializers.CharField(allow_blank=True)
    rationale = serializers.CharField(allow_blank=True)
    triaged = serializers.BooleanField()
    duplicate_of = serializers.CharField(allow_null=True)
    suggested_likelihood = serializers.IntegerField(allow_null=True, help_text="The rule's default, until someone rates it.")
    suggested_impact = serializers.IntegerField(allow_null=True, help_text="The rule's default, until someone rates it.")
    status_before_obsolete = serializers.CharField(allow_null=True)


class DocumentCoverageNoteSerializer(serializers.Serializer[Any]):
    target = serializers.CharField()
    stride = serializers.CharField()
    reason = serializers.CharField()
    author = serializers.CharField(allow_null=True)


class DocumentSerializer(serializers.Serializer[Any]):
    id = serializers.IntegerField()
    team = serializers.IntegerField()
    name = serializers.CharField()
    description = serializers.CharField(allow_blank=True)
    scope = serializers.CharField(allow_blank=True)
    assumptions = serializers.CharField(allow_blank=True)
    stage = serializers.CharField()
    version = serializers.IntegerField()
    vocabulary_version = serializers.IntegerField()
    diagrams = DocumentDiagramSerializer(many=True)
    threats = DocumentThreatSerializer(many=True)
    coverage_notes = DocumentCoverageNoteSerializer(many=True)
