"""A deleted report takes its file with it (also when its model or team is deleted, by cascade).

This is a storage side effect, not workflow, so it lives in a signal; the file goes only once the
deleting transaction has committed, so a rolled-back delete keeps it.
"""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.db.models.signals import post_delete
from django.dispatch import receiver

from threatmodel.models import Report


@receiver(post_delete, sender=Report)
def report_file_delete(sender: type[Report], instance: Report, **kwargs: Any) -> None:
    name = instance.file.name
    if name:
        storage = instance.file.storage
        transaction.on_commit(lambda: storage.delete(name))
