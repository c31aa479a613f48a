from django.urls import path

from integrations import mapping_views, run_views, views

app_name = "integrations"
urlpatterns = [
    path("settings/integrations/", views.integration_list, name="list"),
    path("settings/integrations/new/", views.integration_add, name="add"),
    path("settings/integrations/<int:pk>/edit/", views.integration_edit, name="edit"),
    path("settings/integrations/<int:pk>/delete/", views.integration_remove, name="delete"),
    path("settings/integrations/<int:pk>/test/", views.integration_test, name="test"),
    path("settings/integrations/choices/<slug:name>/", views.integration_choices, name="add_choices"),
    path(
        "settings/integrations/<int:pk>/choices/<slug:name>/", views.integration_choices, name="edit_choices"
    ),
    path("settings/integrations/<int:pk>/sync/", run_views.sync_start, name="sync"),
    path("settings/integrations/<int:pk>/runs/", run_views.run_list, name="run_list"),
    path("settings/integrations/<int:pk>/mappings/", mapping_views.mapping_list, name="mappings"),
    path(
        "settings/integrations/<int:pk>/mappings/schemas/",
        mapping_views.mapping_schemas,
        name="mapping_schemas",
    ),
    path(
        "settings/integrations/<int:pk>/mappings/<int:datastore_id>/pin/",
        mapping_views.mapping_edit,
        name="mapping_pin",
    ),
    path(
        "settings/integrations/<int:pk>/mappings/<int:datastore_id>/exclude/",
        mapping_views.mapping_exclude,
        name="mapping_exclude",
    ),
    path(
        "settings/integrations/<int:pk>/mappings/<int:datastore_id>/clear/",
        mapping_views.mapping_clear,
        name="mapping_clear",
    ),
    path("catalog-panel/<str:level>/<int:pk>/", views.asset_panel, name="asset_panel"),
    path("runs/<int:pk>/", run_views.run_detail, name="run_detail"),
    path("runs/<int:pk>/assets/", run_views.run_assets, name="run_assets"),
    path("runs/<int:pk>/cancel/", run_views.run_cancel, name="run_cancel"),
    path("runs/<int:pk>/changes.csv", run_views.run_changes_csv, name="run_changes_csv"),
]
