"""Events the catalog announces; integrations listen. The catalog never imports integrations."""

from django.dispatch import Signal

# container_ids: list[int] of tables whose scores, anomalies or checks changed.
container_changed = Signal()

# The whole catalog is about to be deleted (seed_demo --reset), in the same transaction: whatever
# refers to its assets goes too. A receiver may answer with what it removed ("2 integrations").
catalog_clearing = Signal()
