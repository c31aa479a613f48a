from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("integrations", "0010_catalog_panel"),
    ]

    operations = [
        migrations.AddField(
            model_name="integration",
            name="credentials_expire_at",
            field=models.DateTimeField(blank=True, editable=False, null=True),
        ),
    ]
