"""Refuse oversized request bodies from their Content-Length, before anything reads them.

Django would otherwise stream a large multipart upload to a temporary file (and the CSRF check
would parse it) before the view could say no. This runs first and answers 413 at once.
"""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse

from common.api.errors import error_body


class RequestSizeLimitMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        raw = request.META.get("CONTENT_LENGTH") or "0"
        try:
            length = int(raw)
        except ValueError:
            return JsonResponse(error_body("invalid", "Content-Length is not a number."), status=400)
        limit = settings.THREATMODEL_IMPORT_MAX_BYTES
        if length > limit:
            return JsonResponse(
                error_body(
                    "too_large",
                    f"The request body is {length} bytes; the limit is {limit} bytes.",
                    [{"path": "Content-Length", "message": f"at most {limit} bytes"}],
                    limit=limit,
                ),
                status=413,
            )
        return self.get_response(request)
