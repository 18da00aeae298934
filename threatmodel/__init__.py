"""The project package and the core app: teams, threat models, workflow, API wiring.

The Celery app is imported here so that ``shared_task`` binds to it whenever Django starts.
"""

from threatmodel.celery import app as celery_app

__all__ = ["celery_app"]
