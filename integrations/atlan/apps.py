from django.apps import AppConfig


class AtlanConfig(AppConfig):
    name = "integrations.atlan"
    label = "atlan"
    verbose_name = "Atlan"
