"""The OpenAPI description of our JWT authentication: the same `jwtAuth` scheme as simplejwt's."""

from drf_spectacular.contrib.rest_framework_simplejwt import SimpleJWTScheme


class RevocableJWTScheme(SimpleJWTScheme):
    target_class = "accounts.authentication.RevocableJWTAuthentication"
