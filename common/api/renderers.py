"""A renderer for endpoints that answer files (drawings, exports, PDF reports).

Such views build their ``HttpResponse`` themselves; DRF still negotiates a renderer first and
would answer 406 to a client that accepts only ``image/png`` or ``application/pdf``. Listing
this renderer after the JSON one lets any ``Accept`` through, while errors still leave as JSON.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from rest_framework.renderers import BaseRenderer, JSONRenderer


class AnyFileRenderer(BaseRenderer):
    media_type = "*/*"
    format = "file"
    charset = None

    def render(self, data: Any, accepted_media_type: str | None = None, renderer_context: Mapping[str, Any] | None = None) -> bytes:
        # Only error bodies reach this: file views return their own HttpResponse.
        if isinstance(data, bytes):
            return data
        return json.dumps(data, ensure_ascii=False).encode("utf-8")


FILE_RENDERERS = [JSONRenderer, AnyFileRenderer]
