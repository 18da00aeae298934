"""drf-spectacular extensions of the core app, registered when the API's routes are imported."""

from __future__ import annotations

from typing import Any

from drf_spectacular.extensions import OpenApiAuthenticationExtension


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
