"""The tag links of datastores, containers and fields become models of their own (same tables), so a
tag can say where it comes from; tag names are kept as long as a catalog sends them."""

import django.db.models.deletion
from django.db import migrations, models


def _through(name: str, owner: str, model: str) -> migrations.CreateModel:
    return migrations.CreateModel(
        name=name,
        fields=[
            ("id", models.AutoField(primary_key=True, serialize=False)),
            ("tag", models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, to="catalog.tag")),
            (
                owner,
                models.ForeignKey(
                    on_delete=django.db.models.deletion.CASCADE, related_name="tag_links", to=f"catalog.{model}"
                ),
            ),
        ],
        options={"db_table": f"catalog_{owner}_tags", "unique_together": {(owner, "tag")}},
    )


class Migration(migrations.Migration):
    dependencies = [("catalog", "0001_initial")]

    operations = [
        migrations.SeparateDatabaseAndState(
            # The tables already exist as Django made them for the plain many-to-many fields.
            state_operations=[
                _through("DatastoreTag", "datastore", "datastore"),
                _through("ContainerTag", "container", "container"),
                _through("FieldTag", "field", "field"),
                migrations.AlterField(
                    model_name="datastore",
                    name="tags",
                    field=models.ManyToManyField(
                        blank=True, related_name="datastores", through="catalog.DatastoreTag", to="catalog.tag"
                    ),
                ),
                migrations.AlterField(
                    model_name="container",
                    name="tags",
                    field=models.ManyToManyField(
                        blank=True, related_name="containers", through="catalog.ContainerTag", to="catalog.tag"
                    ),
                ),
                migrations.AlterField(
                    model_name="field",
                    name="tags",
                    field=models.ManyToManyField(
                        blank=True, related_name="fields", through="catalog.FieldTag", to="catalog.tag"
                    ),
                ),
            ],
        ),
        migrations.AddField(
            model_name="datastoretag", name="inherited_from", field=models.CharField(blank=True, max_length=1000)
        ),
        migrations.AddField(
            model_name="containertag", name="inherited_from", field=models.CharField(blank=True, max_length=1000)
        ),
        migrations.AddField(
            model_name="fieldtag", name="inherited_from", field=models.CharField(blank=True, max_length=1000)
        ),
        migrations.AlterField(model_name="tag", name="name", field=models.CharField(max_length=1024)),
    ]
