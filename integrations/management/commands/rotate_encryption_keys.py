"""Re-encrypt every stored credential with the first key of PLUMBLINE_ENCRYPTION_KEYS."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand

from integrations.crypto import secret_rotate
from integrations.models import Integration


def credentials_rotate() -> tuple[int, int]:
    """(re-encrypted, changed meanwhile): each row is swapped only if nobody saved it since it was read."""
    rotated = skipped = 0
    rows = Integration.objects.exclude(credentials_encrypted="").values_list("pk", "credentials_encrypted")
    for pk, encrypted in rows.iterator():
        # Compare-and-swap: an edit saved in between already encrypted with the first key.
        if Integration.objects.filter(pk=pk, credentials_encrypted=encrypted).update(
            credentials_encrypted=secret_rotate(encrypted)
        ):
            rotated += 1
        else:
            skipped += 1
    return rotated, skipped


class Command(BaseCommand):
    help = (
        "Re-encrypt every stored catalog credential with the first key of PLUMBLINE_ENCRYPTION_KEYS, "
        "so the other keys can be removed."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        rotated, skipped = credentials_rotate()
        keys = len(settings.PLUMBLINE_ENCRYPTION_KEYS)
        self.stdout.write(
            f"Re-encrypted the credentials of {rotated} integration(s) with the first of {keys} key(s)"
            + (f"; {skipped} were saved meanwhile (already with the first key)" if skipped else "")
            + "."
        )
        if keys > 1:
            self.stdout.write(
                "The other keys can now be removed from PLUMBLINE_ENCRYPTION_KEYS "
                "(restart the web and worker processes after changing it)."
            )
