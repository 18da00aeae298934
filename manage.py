#!/usr/bin/env python
"""Django's command-line utility for the threat modeling workbench."""

import os
import sys


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "threatmodel.settings")
    from django.core.management import execute_from_command_line

    import threatmodel.celery  # noqa: F401 - commands queue tasks: the Celery app must exist

    execute_from_command_line(sys.argv)


if __name__ == "__main__":
    main()
