from django.urls import path

from accounts import views

app_name = "accounts"
urlpatterns = [
    path("settings/api-tokens/", views.api_tokens, name="api_tokens"),
    path("settings/api-tokens/new/", views.api_token_add, name="api_token_add"),
    path("settings/api-tokens/<int:pk>/revoke/", views.api_token_remove, name="api_token_revoke"),
]
