from django.urls import include, path, re_path

from config.api.errors import ApiNotFound
from config.api.views import ApiRoot, DocsView, SchemaView

app_name = "api"
urlpatterns = [
    path("", ApiRoot.as_view(), name="root"),
    path("schema/", SchemaView.as_view(), name="schema"),
    path("docs/", DocsView.as_view(url_name="api:schema"), name="docs"),
    path("", include("integrations.api.urls")),
    path("", include("catalog.api.urls")),
    re_path(r"^.*$", ApiNotFound.as_view(), name="not-found"),
]
