from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_not_required
from django.templatetags.static import static
from django.urls import include, path
from django.views.generic import RedirectView

urlpatterns = [
    path("", RedirectView.as_view(pattern_name="catalog:datastore_list"), name="home"),
    # Browsers ask for /favicon.ico on pages that name no icon (a downloaded CSV, a JSON answer).
    path(
        "favicon.ico",
        login_not_required(RedirectView.as_view(url=static("img/plumbline.svg"), permanent=True)),
    ),
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
