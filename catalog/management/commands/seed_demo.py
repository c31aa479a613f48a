from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from django.contrib.auth.models import Group, User
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction

from accounts.roles import ADMIN_GROUP, VIEWER_GROUP
from catalog.loader import CatalogLoadError, catalog_load
from catalog.models import Datastore
from catalog.services import catalog_clear

DEMO_FILE = Path(__file__).resolve().parents[2] / "demo" / "demo_catalog.json"
DEMO_USERS = (("admin", "plumbline", ADMIN_GROUP), ("viewer", "plumbline", VIEWER_GROUP))
RESET_WARNING = (
    "This deletes the whole catalog ({datastores} datastore(s) with their tables, fields, scores, checks "
    "and anomalies, and every tag) and every integration with its syncs, then loads the demo again."
)


class Command(BaseCommand):
    help = (
        "Load the demo catalog (matches the sandboxes' demo scenarios) and the demo users. A catalog that "
        "already has datastores is left as it is (make run keeps your changes); --reset starts over."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--no-users", action="store_true", help="do not create the demo users")
        parser.add_argument(
            "--reset",
            action="store_true",
            help="delete the catalog and every integration, then load the demo again (asks first)",
        )
        parser.add_argument(
            "--no-input", action="store_false", dest="interactive", help="with --reset: do not ask first"
        )

    def handle(
        self,
        *args: Any,
        no_users: bool = False,
        reset: bool = False,
        interactive: bool = True,
        **options: Any,
    ) -> None:
        datastores = Datastore.objects.count()
        if reset:
            self._reset(datastores, interactive)
        elif datastores:
            self.stdout.write(
                f"The catalog already has {datastores} datastore(s): the demo is not loaded again, so your "
                "changes stay. To start over: python manage.py seed_demo --reset"
            )
        else:
            self.stdout.write(self.style.SUCCESS(str(self._load())))
        if not no_users:
            self._users()

    def _reset(self, datastores: int, interactive: bool) -> None:
        if interactive:
            self.stdout.write(RESET_WARNING.format(datastores=datastores))
            try:
                answer = input("Type 'yes' to start over: ")
            except EOFError:
                raise CommandError(
                    "Nothing was deleted: add --no-input to start over without asking."
                ) from None
            if answer.strip().lower() != "yes":
                self.stdout.write("Nothing was deleted.")
                return
        # One transaction: a demo that fails to load leaves the catalog as it was.
        with transaction.atomic():
            removed = catalog_clear()
            summary = self._load()
        self.stdout.write(self.style.SUCCESS(f"Started over: deleted {', '.join(removed)}. {summary}"))

    def _load(self) -> object:
        try:
            return catalog_load(json.loads(DEMO_FILE.read_text(encoding="utf-8")))
        except CatalogLoadError as exc:
            raise CommandError(f"The demo catalog does not load: {exc}") from None

    def _users(self) -> None:
        for username, password, group in DEMO_USERS:
            user, created = User.objects.get_or_create(username=username)
            if created:
                user.set_password(password)
                user.is_staff = group == ADMIN_GROUP
                user.save()
            user.groups.add(Group.objects.get_or_create(name=group)[0])
            state = "created" if created else "exists"
            self.stdout.write(f"Demo {group.lower()}: {username} / {password} ({state})")
