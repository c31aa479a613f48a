from django.urls import path

from integrations.api import mapping_views, run_views, views

urlpatterns = [
    path("integrations", views.IntegrationList.as_view(), name="integration-list"),
    path("integrations/<int:pk>", views.IntegrationDetail.as_view(), name="integration-detail"),
    path("integrations/<int:pk>/test", views.IntegrationTest.as_view(), name="integration-test"),
    path("integrations/<int:pk>/sync", views.IntegrationSync.as_view(), name="integration-sync"),
    path("integrations/<int:pk>/history", views.IntegrationHistory.as_view(), name="integration-history"),
    path("integrations/<int:pk>/runs", run_views.IntegrationRuns.as_view(), name="integration-runs"),
    path(
        "integrations/<int:pk>/mappings",
        mapping_views.IntegrationMappings.as_view(),
        name="integration-mappings",
    ),
    path(
        "integrations/<int:pk>/mappings/<int:datastore_id>",
        mapping_views.IntegrationMapping.as_view(),
        name="integration-mapping",
    ),
    path(
        "integrations/<int:pk>/domains",
        mapping_views.IntegrationDomains.as_view(),
        name="integration-domains",
    ),
    path(
        "integrations/<int:pk>/connections",
        mapping_views.IntegrationConnections.as_view(),
        name="integration-connections",
    ),
    path(
        "integrations/<int:pk>/schemas",
        mapping_views.IntegrationSchemas.as_view(),
        name="integration-schemas",
    ),
    path("integrations/domains", mapping_views.UnsavedDomains.as_view(), name="integration-lookup-domains"),
    path(
        "integrations/connections",
        mapping_views.UnsavedConnections.as_view(),
        name="integration-lookup-connections",
    ),
    path(
        "integrations-specifications",
        views.IntegrationSpecifications.as_view(),
        name="integration-specifications",
    ),
    path("runs/<int:pk>", run_views.RunDetail.as_view(), name="run-detail"),
    path("runs/<int:pk>/cancel", run_views.RunCancel.as_view(), name="run-cancel"),
    path("runs/<int:pk>/log", run_views.RunLog.as_view(), name="run-log"),
    path("runs/<int:pk>/mapped-assets", run_views.RunMappedAssets.as_view(), name="run-mapped-assets"),
    path(
        "runs/<int:pk>/unmatched-assets", run_views.RunUnmatchedAssets.as_view(), name="run-unmatched-assets"
    ),
    path("runs/<int:pk>/changes", run_views.RunChanges.as_view(), name="run-changes"),
]
