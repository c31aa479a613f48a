from django.urls import path

from integrations.api import run_views, views

urlpatterns = [
    path("integrations", views.IntegrationList.as_view(), name="integration-list"),
    path("integrations/<int:pk>", views.IntegrationDetail.as_view(), name="integration-detail"),
    path("integrations/<int:pk>/test", views.IntegrationTest.as_view(), name="integration-test"),
    path("integrations/<int:pk>/sync", views.IntegrationSync.as_view(), name="integration-sync"),
    path("integrations/<int:pk>/history", views.IntegrationHistory.as_view(), name="integration-history"),
    path("integrations/<int:pk>/runs", run_views.IntegrationRuns.as_view(), name="integration-runs"),
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
