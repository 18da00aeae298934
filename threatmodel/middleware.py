"""Middleware that answers early and in the API's error shape.

* Oversized request bodies are refused from their Content-Length, before anything reads them:
  Django would otherwise stream a large multipart upload to a temporary file (and the CSRF check
  would parse it) before the view could say no. It answers 413 at once.
* Every answer says which browser features the page may use (``Permissions-Policy``): none of
  the powerful ones (``settings.PERMISSIONS_POLICY``); Django sets the other security headers.
* A saturated database — the connection pool exhausted, or PostgreSQL refusing more clients — is
  answered 503 with ``Retry-After``: the request changed nothing and may be sent again, which a 500
  would not say.
"""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.db import OperationalError
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


# What PostgreSQL and the pool say when there is no connection to be had, or the server is going
# away or coming back (a restart): in each case the transaction did not commit.
_BUSY_MARKERS = (
    "too many clients",
    "remaining connection slots",
    "couldn't get a connection",
    "the database system is starting up",
    "the database system is shutting down",
    "terminating connection due to administrator command",
    "server closed the connection unexpectedly",
    "connection refused",
)


def database_busy(exc: BaseException) -> bool:
    """True when ``exc`` says the database has no connection for us right now (not a broken query)."""
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        if type(current).__name__ == "PoolTimeout":
            return True
        if isinstance(current, OperationalError) and any(m in str(current).lower() for m in _BUSY_MARKERS):
            return True
        current = current.__cause__ or current.__context__
    return False


def busy_response() -> JsonResponse:
    retry = settings.DB_BUSY_RETRY_AFTER
    response = JsonResponse(
        error_body("unavailable", f"The database is busy; nothing was changed. Try again in {retry} s.", retry_after=retry),
        status=503,
    )
    response["Retry-After"] = str(retry)
    return response


class DatabaseBusyMiddleware:
    """First in the chain, so a connection refused anywhere below (sessions, auth, the view) is a 503."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        try:
            return self.get_response(request)
        except OperationalError as exc:
            if database_busy(exc):
                return busy_response()
            raise

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        # Exceptions raised in a view reach here before Django turns them into a 500.
        return busy_response() if database_busy(exception) else None


class PermissionsPolicyMiddleware:
    """``Permissions-Policy`` from ``settings.PERMISSIONS_POLICY`` (Django has no setting of its own for it)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response
        self.header = ", ".join(
            f"{feature}=({' '.join(origins)})" for feature, origins in settings.PERMISSIONS_POLICY.items()
        )

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if self.header:
            response.headers.setdefault("Permissions-Policy", self.header)
        return response
