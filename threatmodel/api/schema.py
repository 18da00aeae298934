"""Shared OpenAPI pieces: the error body every 4xx response uses."""

from __future__ import annotations

from typing import Any

from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.utils import OpenApiResponse, inline_serializer
from rest_framework import serializers

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
    descriptions = {
        400: "Invalid request; details name each field at fault",
        401: "Not authenticated",
        403: "Your role in the team does not allow this",
        404: "No such object, or not in one of your teams",
        409: "Conflict with the current state (a stale base version carries current_version)",
        413: "The upload is larger than the configured limit",
    }
    return {code: OpenApiResponse(ErrorSerializer, description=descriptions.get(code, "Error")) for code in codes}


class ApiTokenScheme(OpenApiAuthenticationExtension):  # type: ignore[no-untyped-call]
    """Documents the per-user bearer tokens in the OpenAPI schema."""

    target_class = "threatmodel.authentication.ApiTokenAuthentication"
    name = "ApiToken"

    def get_security_definition(self, auto_schema: Any) -> dict[str, str]:
        return {
            "type": "http",
            "scheme": "bearer",
            "description": "A token created at /api/v1/tokens/ (`tmk_…`), sent as `Authorization: Bearer <token>`.",
        }
