"""Shared OpenAPI pieces: the error body every 4xx response uses, and the answers every operation can give."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import OpenApiResponse, inline_serializer
from rest_framework import serializers

_DESCRIPTIONS = {
    400: "Invalid request; details name each field at fault",
    401: "Not authenticated",
    403: "Your role in the team does not allow this",
    404: "No such object, or not in one of your teams",
    409: "Conflict with the current state (a stale base version carries current_version)",
    413: "The upload is larger than the configured limit",
    429: "Too many attempts; Retry-After says when to try again (sign-in: the same for every account)",
}

ErrorSerializer = inline_serializer(
    "Error",
    {
        "error": inline_serializer(
            "ErrorBody",
            {
                "code": serializers.CharField(),
                "message": serializers.CharField(),
                "details": inline_serializer(
                    "ErrorDetail", {"path": serializers.CharField(), "message": serializers.CharField()}, many=True
                ),
            },
        )
    },
)


def errors(*codes: int) -> dict[int, OpenApiResponse]:
    return {code: OpenApiResponse(ErrorSerializer, description=_DESCRIPTIONS.get(code, "Error")) for code in codes}


# Answers any operation can give whatever it does: a malformed query or body (400, from the bounded
# parsers and the filters), no or a bad credential (401), an unknown object or page (404). Writes can
# also be refused by role (403). Each view documents the answers of its own (409, 413, 429).
_EVERY_OPERATION = (400, 401, 404)
_EVERY_WRITE = (403,)


def document_common_errors(result: dict[str, Any], generator: Any, request: Any, public: bool) -> dict[str, Any]:
    """drf-spectacular post-processing hook: add the answers every operation can give, in the error shape."""
    error = {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}
    for operations in result.get("paths", {}).values():
        for method, operation in operations.items():
            if not isinstance(operation, dict) or "responses" not in operation:
                continue
            codes = _EVERY_OPERATION + (_EVERY_WRITE if method in ("post", "put", "patch", "delete") else ())
            for code in codes:
                operation["responses"].setdefault(str(code), {"content": error, "description": _DESCRIPTIONS[code]})
    return result
