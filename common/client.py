"""The client's address, taken from ``X-Forwarded-For`` only when the deployment says a proxy sets it.

The header is whatever the client wrote, except for the entries the deployment's own proxies
appended: with ``BEHIND_PROXY`` on and ``NUM_PROXIES`` = n, the n-th address from the right is
the one the outermost trusted proxy saw, and everything left of it is the client's to invent.
Without ``BEHIND_PROXY`` the header is ignored and the socket's peer is the client. Every
throttle keys on this (DRF's throttles get the same rule through its ``NUM_PROXIES`` setting),
so rotating the header does not buy an attacker new attempts.
"""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest


def client_address(request: HttpRequest) -> str:
    remote = str(request.META.get("REMOTE_ADDR") or "")
    proxies = int(getattr(settings, "NUM_PROXIES", 0)) if getattr(settings, "BEHIND_PROXY", False) else 0
    if proxies < 1:
        return remote
    hops = [hop.strip() for hop in str(request.META.get("HTTP_X_FORWARDED_FOR", "")).split(",") if hop.strip()]
    if not hops:
        return remote
    return hops[-min(proxies, len(hops))]
