from __future__ import annotations

from django.urls import path

from catalog import views

app_name = "catalog"
urlpatterns = [
    path("datastores/", views.datastore_list, name="datastore_list"),
    path("datastores/<int:pk>/", views.datastore_detail, name="datastore_detail"),
    path("containers/<int:pk>/", views.container_detail, name="container_detail"),
    path(
        "containers/<int:pk>/anomalies/resolve/",
        views.container_anomalies_resolve,
        name="container_anomalies_resolve",
    ),
    path("anomalies/<int:pk>/status/", views.anomaly_status, name="anomaly_status"),
    path("fields/<int:pk>/", views.field_detail, name="field_detail"),
    path("assets/<str:level>/<int:pk>/tags/add/", views.asset_tag_add, name="asset_tag_add"),
    path(
        "assets/<str:level>/<int:pk>/tags/<int:tag_pk>/remove/",
        views.asset_tag_remove,
        name="asset_tag_remove",
    ),
    path("tags/", views.tag_list, name="tag_list"),
    path("tags/new/", views.tag_create, name="tag_create"),
    path("tags/<int:pk>/", views.tag_detail, name="tag_detail"),
    path("tags/<int:pk>/edit/", views.tag_edit, name="tag_edit"),
    path("tags/<int:pk>/delete/", views.tag_delete, name="tag_delete"),
]
