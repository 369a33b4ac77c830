from django.urls import path

from accounts.apis import LogoutApi, MeApi, PasswordChangeApi, SessionApi, TokenObtainApi, TokenRefreshApi

app_name = "accounts"

urlpatterns = [
    path("token", TokenObtainApi.as_view(), name="token"),
    path("token/refresh", TokenRefreshApi.as_view(), name="token-refresh"),
    path("logout", LogoutApi.as_view(), name="logout"),
    path("me", MeApi.as_view(), name="me"),
    path("session", SessionApi.as_view(), name="session"),
    path("password", PasswordChangeApi.as_view(), name="password"),
]
