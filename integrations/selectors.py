"""Reads for the integration pages."""

from __future__ import annotations

from django.db.models import Count

from integrations.models import Integration


def integration_cards(*, pk: int | None = None) -> list[Integration]:
    rows = Integration.objects.annotate(external_tag_count=Count("external_tags"))
    if pk is not None:
        rows = rows.filter(pk=pk)
    return list(rows)
