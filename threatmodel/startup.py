"""What the web server says when it starts: a deployment without HTTPS is named, not discovered.

``manage.py check --deploy`` is clean only with ``HTTPS=1`` (secure cookies, HSTS, the redirect);
a server started with ``DEBUG`` off and ``HTTPS`` unset is either a production one missing it or a
local one that should say ``DEBUG=1``. The ASGI and WSGI entry points call ``startup_warnings``
once, so management commands and tests stay quiet.
"""

from __future__ import annotations

import logging

from django.conf import settings

logger = logging.getLogger("threatmodel.startup")


def insecure_settings() -> list[str]:
    """What a production start is missing, in words an operator can act on."""
    if settings.DEBUG:
        return []
    problems = []
    if not settings.HTTPS:
        problems.append(
            "HTTPS is not set while DEBUG is off: session and CSRF cookies are sent without the Secure flag, "
            "there is no HSTS and no redirect to https. Behind a TLS-terminating proxy set HTTPS=1 and "
            "BEHIND_PROXY=1 (and NUM_PROXIES to the number of proxies); for local use set DEBUG=1."
        )
    if settings.HTTPS and not settings.BEHIND_PROXY and settings.SECURE_SSL_REDIRECT:
        problems.append(
            "HTTPS=1 without BEHIND_PROXY: unless this process terminates TLS itself, every request looks like "
            "plain http and is redirected in a loop. Set BEHIND_PROXY=1 behind a proxy."
        )
    return problems


def startup_warnings() -> None:
    for problem in insecure_settings():
        logger.warning(problem)
