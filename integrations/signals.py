"""Integrations react to catalog events; the catalog never calls into integrations."""

from __future__ import annotations

from typing import Any

from django.dispatch import receiver

from catalog.signals import catalog_clearing, container_changed


@receiver(container_changed, dispatch_uid="integrations.event_push")
def on_container_changed(sender: object, container_ids: list[int], **kwargs: Any) -> None:
    from integrations.events import event_push_request

    event_push_request(container_ids=container_ids)


@receiver(catalog_clearing, dispatch_uid="integrations.catalog_clearing")
def on_catalog_clearing(sender: object, **kwargs: Any) -> str:
    """Starting the catalog over starts the integrations over: their links, syncs and external tags all
    point at assets about to go (and new assets could take their ids)."""
    from integrations.models import Integration
    from integrations.services import integration_delete

    integrations = list(Integration.objects.all())
    for integration in integrations:
        integration_delete(integration=integration, user=None)
    count = len(integrations)
    return f"{count} integration{'s' if count != 1 else ''} with {'its' if count == 1 else 'their'} syncs"
