"""WSGI entry point, for servers that do not speak ASGI."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "threatmodel.settings")

import threatmodel.celery  # noqa: F401 - requests queue tasks: the Celery app must exist
from threatmodel.startup import startup_warnings

application = get_wsgi_application()
startup_warnings()
