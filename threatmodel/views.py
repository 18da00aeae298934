"""Plain Django views: the browser app's shell, the health check and the 404 handler."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render

from threatmodel.api.errors import json_404
from threatmodel.models import ThreatModel


@login_required
def app(request: HttpRequest) -> HttpResponse:
    models = ThreatModel.objects.visible_to(request.user).select_related("team")[:100]
    return render(request, "app.html", {"models": models})


def healthz(request: HttpRequest) -> JsonResponse:
    """Liveness and database reachability, for docker-compose and load balancers."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return JsonResponse({"status": "ok"})


def not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    if request.path.startswith("/api/"):
        return json_404(request, exception)
    return render(request, "404.html", status=404)
