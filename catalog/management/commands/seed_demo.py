from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from django.contrib.auth.models import Group, User
from django.core.management.base import BaseCommand, CommandError, CommandParser

from accounts.roles import ADMIN_GROUP, VIEWER_GROUP
from catalog.loader import CatalogLoadError, catalog_load

DEMO_FILE = Path(__file__).resolve().parents[2] / "demo" / "demo_catalog.json"
DEMO_USERS = (("admin", "plumbline", ADMIN_GROUP), ("viewer", "plumbline", VIEWER_GROUP))


class Command(BaseCommand):
    help = "Load the demo catalog (matches the Atlan sandbox's demo scenario) and the demo users."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--no-users", action="store_true", help="do not create the demo users")

    def handle(self, *args: Any, no_users: bool = False, **options: Any) -> None:
        try:
            summary = catalog_load(json.loads(DEMO_FILE.read_text(encoding="utf-8")))
        except CatalogLoadError as exc:
            raise CommandError(f"The demo catalog does not load: {exc}") from None
        self.stdout.write(self.style.SUCCESS(str(summary)))
        if no_users:
            return
        for username, password, group in DEMO_USERS:
            user, created = User.objects.get_or_create(username=username)
            if created:
                user.set_password(password)
                user.is_staff = group == ADMIN_GROUP
                user.save()
            user.groups.add(Group.objects.get_or_create(name=group)[0])
            state = "created" if created else "exists"
            self.stdout.write(f"Demo {group.lower()}: {username} / {password} ({state})")
