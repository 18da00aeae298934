"""Sending work to the Celery workers without letting a broker outage fail the request.

A task is sent once the request's transaction has committed. When the broker (Redis) cannot be
reached the request has already done its part — the report row exists, the edit is saved — so the
failure is recorded on the waiting object ("what waits") instead of turning a committed request into
a 500; asking again sends it again.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from kombu.exceptions import OperationalError

log = logging.getLogger(__name__)

WAITING_FOR_QUEUE = "Waiting for the task queue (Redis), which cannot be reached; ask again once it is back."


def send(task: Any, *args: Any, on_unreachable: Callable[[], None] | None = None) -> bool:
    """``task.delay(*args)``; False, after ``on_unreachable`` ran, when the broker cannot be reached."""
    try:
        task.delay(*args)
    except (OperationalError, ConnectionError, OSError):
        log.warning("could not send %s%r: the broker is unreachable", getattr(task, "name", task), args, exc_info=True)
        if on_unreachable is not None:
            on_unreachable()
        return False
    return True
