"""The WebSocket routes, behind the session's user and an Origin check.

The Origin must be one of ALLOWED_HOSTS or CSRF_TRUSTED_ORIGINS — the same places a browser's
form post may come from — so a page on another site cannot open a socket with a member's cookie.
"""

from __future__ import annotations

from typing import Any

from channels.auth import AuthMiddlewareStack
from channels.routing import URLRouter
from channels.security.websocket import OriginValidator
from django.conf import settings
from django.urls import path

from threatmodel.live.consumer import ModelRoom

websocket_urlpatterns: list[Any] = [path("ws/threat-models/<int:model_id>/", ModelRoom.as_asgi())]  # type: ignore[arg-type]


def websocket_application() -> Any:
    allowed = [*settings.ALLOWED_HOSTS, *settings.CSRF_TRUSTED_ORIGINS]
    return OriginValidator(AuthMiddlewareStack(URLRouter(websocket_urlpatterns)), allowed)
