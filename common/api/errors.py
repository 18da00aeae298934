"""One error shape for every 4xx: ``{"error": {"code", "message", "details": [{"path", "message"}]}}``.

DRF's own exceptions, Django's ``Http404``/``PermissionDenied`` and the product's
``ApplicationError`` all leave the API in this shape, so a client needs one error parser.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import SuspiciousOperation
from django.http import Http404, HttpRequest, JsonResponse
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from common.api.parsers import BodyRefused
from common.errors import ApplicationError, ErrorDetail

_CODES = {
    400: "invalid",
    401: "not_authenticated",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    406: "not_acceptable",
    409: "conflict",
    413: "too_large",
    415: "unsupported_media_type",
    429: "throttled",
}


def error_body(code: str, message: str, details: list[ErrorDetail] | None = None, **extra: Any) -> dict[str, Any]:
    return {"error": {"code": code, "message": message, "details": details or [], **extra}}


def flatten(detail: Any, path: str = "") -> list[ErrorDetail]:
    """Turn DRF's nested error structure into a flat list of ``{path, message}``."""
    if isinstance(detail, dict):
        out: list[ErrorDetail] = []
        for key, value in detail.items():
            name = "" if key in ("non_field_errors", "detail") else str(key)
            out.extend(flatten(value, f"{path}.{name}" if path and name else (name or path)))
        return out
    if isinstance(detail, list):
        if all(not isinstance(item, dict | list) for item in detail):
            return [{"path": path, "message": str(item)} for item in detail]
        items: list[ErrorDetail] = []
        for index, value in enumerate(detail):
            if value:
                items.extend(flatten(value, f"{path}[{index}]"))
        return items
    return [{"path": path, "message": str(detail)}]


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    if isinstance(exc, ApplicationError):
        answer = Response(error_body(exc.code, exc.message, exc.details, **exc.extra), status=exc.status)
        if "retry_after" in exc.extra:
            answer["Retry-After"] = str(exc.extra["retry_after"])
        return answer
    if isinstance(exc, BodyRefused):
        return Response(
            error_body(_CODES.get(exc.status_code, "invalid"), exc.message, exc.details), status=exc.status_code
        )
    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied()
    elif isinstance(exc, SuspiciousOperation):
        # e.g. more form fields than DATA_UPLOAD_MAX_NUMBER_FIELDS: refused, in the API's own shape.
        return Response(error_body("invalid", f"The request was refused: {exc}"), status=status.HTTP_400_BAD_REQUEST)
    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    code = _CODES.get(response.status_code, "error")
    if isinstance(exc, exceptions.ValidationError):
        details = flatten(exc.detail)
        message = "The request is invalid: " + "; ".join(
            f"{d['path'] or 'request'}: {d['message']}" for d in details[:3]
        )
        response.data = error_body("invalid", message, details)
    else:
        detail = getattr(exc, "detail", None)
        message = str(detail) if detail is not None and not isinstance(detail, dict | list) else str(exc)
        response.data = error_body(code, message)
    return response


def json_404(request: HttpRequest, exception: Exception | None = None) -> JsonResponse:
    """Unknown URLs under /api/ answer in the API's error shape, not with an HTML page."""
    return JsonResponse(error_body("not_found", "No such endpoint or object."), status=status.HTTP_404_NOT_FOUND)
