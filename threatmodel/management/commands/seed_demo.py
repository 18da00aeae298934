"""Create the demo team, its users and the demo threat model, once (running it again changes nothing).

The model comes from ``fixtures/demo/online-shop.json`` through the native import, so the demo goes
through the same write path as everything else. It arrives as a first workshop leaves it — rated,
with a few mitigations and one accepted risk (``threatmodel.demo_workshop``) — so the heat map and the
report show something on the first open; ``--unrated`` leaves it as the analysis does, for a story
that starts from scratch.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand
from django.db import transaction

from threatmodel.analysis import threat_model_analyse
from threatmodel.choices import Role
from threatmodel.demo_workshop import demo_workshop
from threatmodel.models import Membership, Team, ThreatModel
from threatmodel.native import native_import

DEMO_FILE = Path(settings.BASE_DIR) / "fixtures" / "demo" / "online-shop.json"
DEMO_USERS = (
    ("demo", "Demo architect", Role.OWNER),
    ("reviewer", "Demo reviewer", Role.REVIEWER),
)


class Command(BaseCommand):
    help = "Load the demo team, users (demo, reviewer) and the demo threat model."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--password", default="demo-workshop", help="Password for the demo users.")
        parser.add_argument("--unrated", action="store_true", help="Leave the threats as the analysis makes them.")

    def handle(self, *args: Any, **options: Any) -> None:
        user_model = get_user_model()
        with transaction.atomic():
            team = Team.objects.filter(slug="demo").first() or Team.objects.create(name="Demo team", slug="demo")
            users = {}
            for username, full_name, role in DEMO_USERS:
                user = user_model.objects.filter(username=username).first()
                if user is None:
                    first, _, last = full_name.partition(" ")
                    user = user_model.objects.create_user(
                        username=username,
                        email=f"{username}@example.com",
                        password=options["password"],
                        first_name=first,
                        last_name=last,
                    )
                Membership.objects.get_or_create(team=team, user=user, defaults={"role": role})
                users[username] = user
            if not ThreatModel.objects.filter(team=team).exists():
                model, _ = native_import(actor=users["demo"], team=team, raw=DEMO_FILE.read_bytes())
                result = threat_model_analyse(model_id=model.pk, actor=users["demo"])
                if not options["unrated"]:
                    demo_workshop(actor=users["demo"], model=model, verifier=users["reviewer"])
                self.stdout.write(f"Created the demo model {model.name!r} (id {model.pk}) with {result.new} threats.")
            else:
                self.stdout.write("The demo team already has models; nothing to do.")
