"""Shared OpenAPI pieces: the error body every 4xx response uses."""

from __future__ import annotations

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
        429: "Too many attempts; Retry-After says when to try again (sign-in: the same for every account)",
    }
    return {code: OpenApiResponse(ErrorSerializer, description=descriptions.get(code, "Error")) for code in codes}
