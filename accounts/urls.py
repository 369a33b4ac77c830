from django.urls import path
from rest_framework_simplejwt.views import TokenObtainPairView, TokenRefreshView

from accounts.apis import LogoutApi, MeApi

app_name = "accounts"

urlpatterns = [
    path("token", TokenObtainPairView.as_view(), name="token"),
    path("token/refresh", TokenRefreshView.as_view(), name="token-refresh"),
    path("logout", LogoutApi.as_view(), name="logout"),
    path("me", MeApi.as_view(), name="me"),
]
