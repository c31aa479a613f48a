"""Events the catalog announces; integrations listen. The catalog never imports integrations."""

from django.dispatch import Signal

# container_ids: list[int] of tables whose scores, anomalies or checks changed.
container_changed = Signal()
