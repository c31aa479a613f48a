"""Integrations react to catalog events; the catalog never calls into integrations."""

from __future__ import annotations

from typing import Any

from django.dispatch import receiver

from catalog.signals import container_changed


@receiver(container_changed, dispatch_uid="integrations.event_push")
def on_container_changed(sender: object, container_ids: list[int], **kwargs: Any) -> None:
    from integrations.events import event_push_request

    event_push_request(container_ids=container_ids)
