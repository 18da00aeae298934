"""The Celery application, configured from Django settings (``CELERY_*``).

Without a broker the settings make every task eager, so the same code path runs on a laptop with
no services and on a deployment with Redis and workers.
"""

from __future__ import annotations

import os

from celery import Celery
from celery.schedules import crontab

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "threatmodel.settings")

app = Celery("threatmodel")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
app.conf.beat_schedule = {
    # Expire lapsed acceptances and exceptions, reopen their threats and tell the risk owners.
    "decisions-expire": {"task": "threatmodel.decisions_expire", "schedule": crontab(hour=2, minute=30)},
    # Fail the reports a dead worker left "running" (a render cannot outlive its time limit).
    "reports-reap": {"task": "threatmodel.reports_reap", "schedule": crontab(minute="*/5")},
}
