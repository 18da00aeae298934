"""ASGI entry point (uvicorn in `make run` and docker-compose)."""

import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "threatmodel.settings")

application = get_asgi_application()
