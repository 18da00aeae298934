"""ASGI entry point (uvicorn in `make run` and docker-compose)."""

import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "threatmodel.settings")

import threatmodel.celery  # noqa: F401 - requests queue tasks: the Celery app must exist

application = get_asgi_application()
