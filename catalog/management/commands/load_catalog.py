from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from catalog.loader import CatalogLoadError, catalog_load


class Command(BaseCommand):
    help = "Load datastores, containers, fields, scores, checks, anomalies and global tags from JSON."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path, help="catalog JSON file (format: see README)")

    def handle(self, *args: Any, file: Path, **options: Any) -> None:
        try:
            data = json.loads(file.read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise CommandError(f"{file}: no such file.") from None
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise CommandError(f"{file}: not valid JSON ({exc}). Nothing was loaded.") from None
        try:
            summary = catalog_load(data)
        except CatalogLoadError as exc:
            lines = "\n".join(f"  - {e}" for e in exc.errors)
            raise CommandError(f"{file} has problems; nothing was loaded:\n{lines}") from None
        self.stdout.write(self.style.SUCCESS(str(summary)))
