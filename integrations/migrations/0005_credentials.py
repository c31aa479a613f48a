"""Every credential in one encrypted JSON object: the Atlan token becomes {"token": ...}."""

import json

from django.db import migrations, models


def tokens_to_credentials(apps, schema_editor):
    from integrations.crypto import secret_decrypt, secret_encrypt

    Integration = apps.get_model("integrations", "Integration")
    for integration in Integration.objects.exclude(token_encrypted=""):
        token = secret_decrypt(integration.token_encrypted)
        integration.credentials_encrypted = secret_encrypt(json.dumps({"token": token}))
        integration.save(update_fields=["credentials_encrypted"])


def credentials_to_tokens(apps, schema_editor):
    from integrations.crypto import secret_decrypt, secret_encrypt

    Integration = apps.get_model("integrations", "Integration")
    for integration in Integration.objects.exclude(credentials_encrypted=""):
        token = json.loads(secret_decrypt(integration.credentials_encrypted)).get("token", "")
        integration.token_encrypted = secret_encrypt(token)
        integration.save(update_fields=["token_encrypted"])


class Migration(migrations.Migration):
    dependencies = [("integrations", "0004_continuous_sync")]

    operations = [
        migrations.AddField(
            model_name="integration",
            name="credentials_encrypted",
            field=models.TextField(default="", editable=False),
            preserve_default=False,
        ),
        migrations.RunPython(tokens_to_credentials, credentials_to_tokens),
        migrations.RemoveField(model_name="integration", name="token_encrypted"),
    ]
