from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from integrations.models import Integration, SyncRun
from integrations.runs import RunAlreadyActive, run_execute, run_start, runs_sweep

FAILED = (SyncRun.Status.FAILED, SyncRun.Status.CANCELLED)


class Command(BaseCommand):
    help = (
        "Start a sync of an integration (pull and push unless one is chosen) and optionally follow its log."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("name", help="the integration's name")
        parser.add_argument("--pull", action="store_true", help="pull the catalog's tags")
        parser.add_argument("--push", action="store_true", help="push Plumbline's metadata")
        parser.add_argument("--preview", action="store_true", help="compute and log changes, write nothing")
        parser.add_argument(
            "--wait", action="store_true", help="print the log as the run works; exit 1 on failure"
        )
        parser.add_argument(
            "--here", action="store_true", help="run in this process instead of a worker (implies --wait)"
        )

    def handle(
        self,
        *args: Any,
        name: str,
        pull: bool,
        push: bool,
        preview: bool,
        wait: bool,
        here: bool,
        **opts: Any,
    ) -> None:
        try:
            integration = Integration.objects.get(name=name)
        except Integration.DoesNotExist:
            known = ", ".join(Integration.objects.values_list("name", flat=True)) or "none"
            raise CommandError(f"No integration named {name!r} (known: {known}).") from None
        if not (pull or push):
            pull = push = True
        runs_sweep()
        run = self._start(integration, pull, push, preview, enqueue=not here)
        if here:
            run = run_execute(run.pk)
            wait = True
        self.stdout.write(f"Sync #{run.pk} of {integration.name}: {run.what}")
        if not wait:
            self.stdout.write("Queued; a worker (manage.py qcluster) runs it. Follow it with --wait.")
            return
        after = 0
        while True:
            run.refresh_from_db()
            for line in run.log_lines.filter(id__gt=after).order_by("id"):
                after = line.pk
                where = f" [{line.datastore}]" if line.datastore else ""
                self.stdout.write(f"{line.at:%H:%M:%S} {line.level:<7}{where} {line.message}")
            if not run.is_active:
                break
            time.sleep(0.5)
            runs_sweep()
        if run.status in FAILED:
            raise CommandError(f"Sync #{run.pk} {run.get_status_display().lower()}: {run.message}")
        self.stdout.write(self.style.SUCCESS(f"Sync #{run.pk} {run.get_status_display().lower()}."))

    def _start(
        self, integration: Integration, pull: bool, push: bool, preview: bool, enqueue: bool
    ) -> SyncRun:
        try:
            return run_start(integration=integration, pull=pull, push=push, preview=preview, enqueue=enqueue)
        except RunAlreadyActive as exc:
            raise CommandError(f"{exc} See run #{exc.run.pk}.") from None
