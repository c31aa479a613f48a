from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from django.views.generic import RedirectView

urlpatterns = [
    path("", RedirectView.as_view(pattern_name="catalog:datastore_list"), name="home"),
    path("accounts/login/", auth_views.LoginView.as_view(), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("admin/", admin.site.urls),
    path("api/", include("config.api.urls")),
    path("", include("accounts.urls")),
    path("", include("catalog.urls")),
    path("", include("integrations.urls")),
]

# JSON for failures under /api/ outside an API view; Django's own page elsewhere.
handler500 = "config.api.errors.server_error"
