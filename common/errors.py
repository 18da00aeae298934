"""The product's own exceptions. The API renders every one of them in the same error shape.

Services raise these (never DRF exceptions), so that the same service can be called from a view,
a Celery task, a management command or a test and fail the same way.
"""

from __future__ import annotations

from typing import Any, TypedDict


class ErrorDetail(TypedDict):
    path: str
    message: str


class ApplicationError(Exception):
    """A refused request. ``details`` name the fields (as JSON paths) that are wrong."""

    status = 400
    code = "invalid"

    def __init__(self, message: str, *, details: list[ErrorDetail] | None = None, **extra: Any) -> None:
        super().__init__(message)
        self.message = message
        self.details: list[ErrorDetail] = details or []
        self.extra = extra


class ValidationFailed(ApplicationError):
    status = 400
    code = "invalid"


class StaleVersion(ApplicationError):
    """The client edited an old version; it must reload. ``current_version`` says which is current."""

    status = 409
    code = "stale_version"


class Conflict(ApplicationError):
    """The request does not fit the object's current state (e.g. changing an approved model)."""

    status = 409
    code = "conflict"


class Forbidden(ApplicationError):
    status = 403
    code = "forbidden"


class NotFound(ApplicationError):
    status = 404
    code = "not_found"


class PayloadTooLarge(ApplicationError):
    status = 413
    code = "too_large"


class Throttled(ApplicationError):
    """Too many attempts; ``retry_after`` (seconds) goes into the answer and its Retry-After header."""

    status = 429
    code = "throttled"
