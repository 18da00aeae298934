"""``manage.py import_attack FILE``: load a MITRE ATT&CK STIX 2.1 bundle into the catalogue (idempotent)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from common.errors import ValidationFailed
from stride.attack import attack_catalogue_import


class Command(BaseCommand):
    help = "Load a MITRE ATT&CK STIX 2.1 bundle (tactics, techniques, mitigations, relationships). Safe to run again."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("file", type=Path)
        parser.add_argument(
            "--attack-version", help="ATT&CK version of the bundle, when it carries no x-mitre-collection object (e.g. 19.1)."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        path: Path = options["file"]
        if not path.is_file():
            raise CommandError(f"{path}: no such file")
        try:
            report = attack_catalogue_import(raw=path.read_bytes(), version=options["attack_version"])
        except ValidationFailed as exc:
            details = "; ".join(f"{d['path']}: {d['message']}" for d in exc.details)
            raise CommandError(f"{path}: {exc.message} {details}") from exc
        self.stdout.write(
            f"ATT&CK {report.version}: {report.tactics} tactics, {report.techniques} techniques, "
            f"{report.mitigations} mitigations, {report.mitigates} mitigates links "
            f"({report.created} created, {report.updated} updated, {report.unchanged} unchanged)."
        )
        for what, count in sorted(report.skipped.items()):
            self.stdout.write(f"  skipped {count} × {what}")
