"""The project package and the core app: teams, threat models, workflow, API wiring.

The Celery app is not created here: importing any module of the project must not load Celery.
It is created where it is needed — ``manage.py``, the ASGI and WSGI entry points, the worker
(``celery -A threatmodel.celery``) and the test session — by importing ``threatmodel.celery``,
so ``shared_task`` binds to it from then on.
"""
