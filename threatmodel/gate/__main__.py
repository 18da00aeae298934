"""``python -m threatmodel.gate [guardrails]``: configure Django without a database, then run the gate (or write guardrails).

The interop readers share the server's settings (limits, vocabulary) but the gate makes no query;
no SECRET_KEY is needed because nothing is signed, so a throwaway one is used when none is set.
"""

from __future__ import annotations

import os
import secrets
import sys


def run() -> int:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "threatmodel.settings")
    os.environ.setdefault("SECRET_KEY", secrets.token_urlsafe(32))
    import django

    django.setup()
    if sys.argv[1:2] == ["guardrails"]:
        from threatmodel.gate.guardrails_cli import main as guardrails

        return guardrails(sys.argv[2:])
    from threatmodel.gate.cli import main

    return main(sys.argv[1:])


if __name__ == "__main__":
    sys.exit(run())
