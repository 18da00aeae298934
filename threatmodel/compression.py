"""Smaller and conditional API answers: gzip for JSON, ETag and 304 for unchanged reads.

A 1,000-element model's document is about 1.5 MB of JSON that compresses tenfold, and the editor
fetches it again on every open; with an ETag the browser revalidates it and gets a bodiless 304
when nothing changed. Compression is limited to the API's JSON answers: the HTML pages carry the
CSRF token, and compressing a secret next to reflected input is what BREACH exploits. For the same
reason the API answers that carry a secret are never compressed: the CSRF token
(``/api/v1/auth/csrf/``, and the rest of ``/api/v1/auth/``), a new personal token's secret
(``/api/v1/tokens/``). ``docs/hardening.md`` has the reasoning.
"""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponseBase
from django.middleware.gzip import GZipMiddleware

# Answers that carry a secret: sent as they are, whatever they reflect.
WITH_SECRETS = ("/api/v1/auth/", "/api/v1/tokens/")


class ApiGZipMiddleware(GZipMiddleware):
    """Django's gzip, only for ``/api/`` answers whose body is JSON and holds no secret."""

    def process_response(self, request: HttpRequest, response: HttpResponseBase) -> HttpResponseBase:
        content_type = response.get("Content-Type", "")
        if not request.path.startswith("/api/") or not content_type.startswith("application/json"):
            return response
        if request.path.startswith(WITH_SECRETS):
            return response
        return super().process_response(request, response)


class PrivateRevalidateMiddleware:
    """Answers that carry an ETag are the reader's own: kept privately and revalidated on each use."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        response = self.get_response(request)
        if request.path.startswith("/api/") and response.has_header("ETag") and not response.has_header("Cache-Control"):
            response["Cache-Control"] = "private, no-cache"
        return response
