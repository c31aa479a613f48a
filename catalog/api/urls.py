from django.urls import path

from catalog.api import views

urlpatterns = [
    path("datastores", views.DatastoreList.as_view(), name="datastore-list"),
    path("datastores/<int:pk>", views.DatastoreDetail.as_view(), name="datastore-detail"),
    path("containers", views.ContainerList.as_view(), name="container-list"),
    path("containers/<int:pk>", views.ContainerDetail.as_view(), name="container-detail"),
    path("fields", views.FieldList.as_view(), name="field-list"),
    path("fields/<int:pk>", views.FieldDetail.as_view(), name="field-detail"),
    path("tags", views.TagList.as_view(), name="tag-list"),
    path("tags/<int:pk>", views.TagDetail.as_view(), name="tag-detail"),
]
