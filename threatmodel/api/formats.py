"""``GET /api/v1/formats/``: the export and import formats, drawing formats and report paper sizes.

The browser's export menu and import dialog read this list instead of hard-coding it, so a format
added to ``threatmodel.interop.registry`` appears in the UI without a frontend change.
"""

from __future__ import annotations

from drf_spectacular.utils import extend_schema, extend_schema_serializer, inline_serializer
from rest_framework import serializers, viewsets
from rest_framework.request import Request
from rest_framework.response import Response

from dfd import render as drawing
from threatmodel.interop.registry import EXPORTS, IMPORTS
from threatmodel.reporting.options import PAPER_SIZES

FormatsSerializer = inline_serializer(
    "Formats",
    {
        "export": inline_serializer(
            "ExportFormat",
            {
                "name": serializers.CharField(help_text="Value of ?format= on .../threat-models/{id}/export/"),
                "label": serializers.CharField(),
                "media_type": serializers.CharField(),
                "file_suffix": serializers.CharField(),
                "description": serializers.CharField(),
            },
            many=True,
        ),
        "import": inline_serializer(
            "ImportFormat",
            {
                "name": serializers.CharField(help_text="Value of format on POST .../threat-models/import/"),
                "label": serializers.CharField(),
                "extensions": serializers.ListField(child=serializers.CharField()),
                "description": serializers.CharField(),
                "media_types": serializers.ListField(
                    child=serializers.CharField(), help_text="Content-Type values for sending the file itself as the body."
                ),
                "several_files": serializers.BooleanField(help_text="Whether one import may send several files of this format."),
            },
            many=True,
        ),
        "diagram_render": serializers.ListField(child=serializers.CharField(), help_text="?format= of .../diagrams/{id}/render/"),
        "report_paper_sizes": serializers.ListField(child=serializers.CharField(), help_text="paper of POST .../reports/"),
    },
)
# One object although the route is a list route: without the override the schema would wrap it in a list.
extend_schema_serializer(many=False)(type(FormatsSerializer))


class FormatViewSet(viewsets.ViewSet):
    @extend_schema(summary="Export, import, drawing and report formats", responses={200: FormatsSerializer})
    def list(self, request: Request) -> Response:
        return Response(
            {
                "export": [fmt.as_dict() for fmt in EXPORTS.values()],
                "import": [fmt.as_dict() for fmt in IMPORTS.values()],
                "diagram_render": list(drawing.FORMATS),
                "report_paper_sizes": list(PAPER_SIZES),
            }
        )
