"""Small readers of a DRF request shared by the API views of every app."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import User
from rest_framework.request import Request

from common.errors import NotFound, ValidationFailed


def acting(request: Request) -> User:
    """The signed-in user of a request that passed ``IsAuthenticated``."""
    user = request.user
    if not isinstance(user, User):
        raise NotFound("No such object.")
    return user


def payload(request: Request) -> dict[str, Any]:
    """The request body as an object, or a clear error when it is a list or a scalar."""
    data = request.data  # a dict, or a QueryDict (a dict too) for forms and multipart uploads
    if not isinstance(data, dict):
        raise ValidationFailed("Send a JSON object.", details=[{"path": "", "message": "must be an object"}])
    return data


def validated(serializer_class: type[Any], request: Request, *, partial: bool = False) -> dict[str, Any]:
    """The body checked by a write serializer (400 naming every bad field otherwise), as a plain dict
    the view may pop its lookups from before handing the rest to a service."""
    serializer = serializer_class(data=request.data, partial=partial)
    serializer.is_valid(raise_exception=True)
    return dict(serializer.validated_data)
