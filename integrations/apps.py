from typing import Any

from django.apps import AppConfig
from django.db.models.signals import post_migrate


def _ensure_maintenance(sender: object, **kwargs: Any) -> None:
    from integrations.schedules import maintenance_schedule_ensure

    maintenance_schedule_ensure()


class IntegrationsConfig(AppConfig):
    name = "integrations"

    def ready(self) -> None:
        from integrations import signals  # noqa: F401  (connects catalog events)

        post_migrate.connect(_ensure_maintenance, sender=self, dispatch_uid="integrations.maintenance")
