"""ASGI entry point (uvicorn in `make run` and docker-compose): HTTP for Django, WebSockets for live rooms."""

import os

from channels.routing import ProtocolTypeRouter
from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "threatmodel.settings")

import threatmodel.celery  # noqa: F401 - requests queue tasks: the Celery app must exist
from threatmodel.startup import startup_warnings

# Django must be set up before the consumers (and their models) are imported.
django_application = get_asgi_application()

startup_warnings()

from threatmodel.live.routing import websocket_application  # noqa: E402

application = ProtocolTypeRouter({"http": django_application, "websocket": websocket_application()})
