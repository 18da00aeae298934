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


class DocumentThreatRuleSerializer(serializers.Serializer[Any]):
    """What the threats of one rule share (a rule has a second entry when some of its threats differ)."""

    rule_id = serializers.CharField(allow_blank=True, help_text="Empty for a manual threat.")
    origin = serializers.CharField()
    stride = serializers.CharField()
    title = serializers.CharField()
    description = serializers.CharField(allow_blank=True)
    techniques = serializers.ListField(child=serializers.CharField())
    suggested_likelihood = serializers.IntegerField(allow_null=True, help_text="The rule's default, until someone rates it.")
    suggested_impact = serializers.IntegerField(allow_null=True, help_text="The rule's default, until someone rates it.")


class DocumentUnconfirmedSerializer(serializers.Serializer[Any]):
    rows = serializers.ListField(child=serializers.IntegerField(), help_text="Positions of the findings that wait on answers.")
    questions = serializers.ListField(
        child=serializers.ListField(child=serializers.IntegerField()),
        help_text="For each of those positions, its questions (positions in `texts`).",
    )
    assumed = serializers.ListField(
        child=serializers.ListField(child=serializers.IntegerField()),
        help_text="For each of those positions, the properties its explanation assumed (`target.validates_input`; positions in `texts`).",
    )


class DocumentPathsSerializer(serializers.Serializer[Any]):
    rows = serializers.ListField(child=serializers.IntegerField(), help_text="Positions of graph-walk findings.")
    keys = serializers.ListField(
        child=serializers.ListField(child=serializers.CharField()), help_text="The element and flow keys on each one's path."
    )


class DocumentFingerprintsSerializer(serializers.Serializer[Any]):
    rows = serializers.ListField(child=serializers.IntegerField())
    values = serializers.ListField(child=serializers.CharField())


class DocumentThreatsSerializer(serializers.Serializer[Any]):
    """The threats as parallel columns, one position per threat, ordered by fingerprint (obsolete ones included)."""

    rules = DocumentThreatRuleSerializer(many=True)
    texts = serializers.ListField(child=serializers.CharField(), help_text="Strings that `unconfirmed` refers to by position.")
    id = serializers.ListField(child=serializers.IntegerField())
    rule = serializers.ListField(child=serializers.IntegerField(), help_text="Position in `rules`.")
    element = serializers.ListField(child=serializers.CharField(allow_null=True))
    flow = serializers.ListField(child=serializers.CharField(allow_null=True))
    statuses = serializers.ListField(child=serializers.CharField(), help_text="The statuses that `status` refers to by position.")
    status = serializers.ListField(child=serializers.IntegerField(), help_text="Position in `statuses`.")
    likelihood = serializers.ListField(child=serializers.IntegerField(allow_null=True))
    impact = serializers.ListField(child=serializers.IntegerField(allow_null=True))
    triaged = serializers.ListField(child=serializers.IntegerField(), help_text="Positions of the threats kept at triage.")
    rated = serializers.ListField(
        child=serializers.IntegerField(), help_text="Positions of the threats a person rated (likelihood, impact and a rationale)."
    )
    duplicate = serializers.ListField(child=serializers.IntegerField(), help_text="Positions of the threats marked duplicates.")
    unconfirmed = DocumentUnconfirmedSerializer()
    paths = DocumentPathsSerializer()
    fingerprints = DocumentFingerprintsSerializer(
        help_text="Fingerprints other than `rule_id@element[@flow]` (manual threats), by position."
    )


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
    threats = DocumentThreatsSerializer()
    coverage_notes = DocumentCoverageNoteSerializer(many=True)
