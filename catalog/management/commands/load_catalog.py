from __future__ import annotations

import json
from argparse import ArgumentParser
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from catalog.loader import CatalogLoadError, catalog_load


class Command(BaseCommand):
    help = "Load datastores, containers, fields, scores, checks, anomalies and global tags from JSON."

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("file", type=Path, help="catalog JSON file (format: see README)")

    def handle(self, *args: Any, file: Path, **options: Any) -> None:
        data = catalog_file_read(file)
        try:
            summary = catalog_load(data)
        except CatalogLoadError as exc:
            lines = "\n".join(f"  - {e}" for e in exc.errors)
            raise CommandError(f"{file} has problems; nothing was loaded:\n{lines}") from None
        self.stdout.write(self.style.SUCCESS(str(summary)))


def catalog_file_read(file: Path) -> Any:
    """The parsed file, or a CommandError that says why it cannot be read."""
    limit: int = settings.PLUMBLINE_CATALOG_MAX_BYTES
    too_big = f"more than the limit of {limit:,} bytes (PLUMBLINE_CATALOG_MAX_BYTES). Nothing was loaded."
    try:
        size = file.stat().st_size
        if size > limit:
            raise CommandError(f"{file} is {size:,} bytes, {too_big}")
        with file.open("rb") as handle:
            # Read at most one byte past the limit: the file may have grown, or be a pipe.
            raw = handle.read(limit + 1)
    except FileNotFoundError:
        raise CommandError(f"{file}: no such file.") from None
    except OSError as exc:
        raise CommandError(f"{file}: cannot be read ({exc.strerror or exc}).") from None
    if len(raw) > limit:
        raise CommandError(f"{file} holds {too_big}")
    try:
        return json.loads(raw.decode("utf-8"))
    except RecursionError:
        raise CommandError(
            f"{file}: the JSON nests lists or objects too deeply to read (a catalog needs fewer than "
            "ten levels). Nothing was loaded."
        ) from None
    except ValueError as exc:  # also UnicodeDecodeError, and integers too long to convert
        raise CommandError(f"{file}: not valid JSON ({exc}). Nothing was loaded.") from None
