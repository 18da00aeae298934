"""Load (or refresh) the cloud-native controls catalogue from fixtures/controls/controls.csv."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from threatmodel.workflow.controls import CatalogueError, controls_sync


class Command(BaseCommand):
    help = "Load the controls catalogue (idempotent; never deletes a control)."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("file", nargs="?", help="A catalogue CSV (default: the shipped one).")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            counts = controls_sync(Path(options["file"]) if options["file"] else None)
        except (CatalogueError, OSError) as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(f"Controls: {counts['total']} in the catalogue, {counts['created']} created, {counts['updated']} updated.")
