from django.contrib.auth import get_user_model, update_session_auth_hash
from django.utils.decorators import method_decorator
from django.views.decorators.csrf import ensure_csrf_cookie
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_serializer,
    inline_serializer,
)
from rest_framework import serializers, status
from rest_framework.authentication import SessionAuthentication
from rest_framework.exceptions import AuthenticationFailed
from rest_framework.negotiation import BaseContentNegotiation
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView
from rest_framework_simplejwt import serializers as serializers_jwt
from rest_framework_simplejwt.exceptions import InvalidToken
from rest_framework_simplejwt.settings import api_settings
from rest_framework_simplejwt.views import TokenObtainPairView, TokenRefreshView

from accounts.authentication import RevocableJWTAuthentication
from accounts.selectors import user_job_limits
from accounts.services import (
    InvalidCredentials,
    access_token_revoke,
    login_failures_check,
    request_client_address,
    user_password_change,
    user_refresh_token_revoke,
    user_session_login,
    user_session_logout,
)
from accounts.streams import event_stream_response
from config.errors import ErrorSerializer


@extend_schema_serializer(component_name="Me")
class MeSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    username = serializers.CharField()
    email = serializers.CharField(help_text="An email address, or empty when none was given.")
    is_staff = serializers.BooleanField()
    limits = inline_serializer(
        "JobLimits",
        {
            "max_queued": serializers.IntegerField(),
            "max_concurrent": serializers.IntegerField(),
        },
    )


def me_data(user) -> dict:
    limits = user_job_limits(user=user)
    return MeSerializer(
        {
            "id": user.id,
            "username": user.username,
            "email": user.email,
            "is_staff": user.is_staff,
            "limits": {"max_queued": limits.max_queued, "max_concurrent": limits.max_concurrent},
        }
    ).data


_ERROR = ErrorSerializer


def _no_store(response):
    """Answers that carry tokens are never kept by a browser or a proxy cache."""
    response["Cache-Control"] = "no-store"
    response["Pragma"] = "no-cache"
    return response


class TokenObtainApi(TokenObtainPairView):
    """`{username, password}` → `{access, refresh}` (JWT, for scripts). Failed attempts are
    throttled like the browser sign-in (429 `throttled` with Retry-After)."""

    @extend_schema(responses={200: TokenObtainPairView.serializer_class, 401: _ERROR, 429: _ERROR})
    def post(self, request, *args, **kwargs):
        data = request.data if hasattr(request.data, "get") else {}
        username = str(data.get("username") or "")
        login_failures_check(username=username, address=request_client_address(request))
        try:
            return _no_store(super().post(request, *args, **kwargs))
        except AuthenticationFailed:  # simplejwt's no_active_account: one code for wrong credentials
            raise InvalidCredentials("Wrong username or password.")


class TokenRefreshSerializer(serializers_jwt.TokenRefreshSerializer):
    """simplejwt's, but a token whose user was deleted is an invalid token (401), not the
    User.DoesNotExist its `objects.get` raises (a 500)."""

    def validate(self, attrs):
        user_id = self.token_class(attrs["refresh"]).payload.get(api_settings.USER_ID_CLAIM)
        if user_id and not get_user_model().objects.filter(**{api_settings.USER_ID_FIELD: user_id}).exists():
            raise InvalidToken("The token's user no longer exists.")
        return super().validate(attrs)


class TokenRefreshApi(TokenRefreshView):
    """`{refresh}` → `{access, refresh}` (rotated; the old refresh token is blacklisted)."""

    serializer_class = TokenRefreshSerializer

    def post(self, request, *args, **kwargs):
        return _no_store(super().post(request, *args, **kwargs))


class LogoutApi(APIView):
    """Revoke a refresh token. The token itself proves who is asking. The access token in the
    request's Authorization header, if any, ends too (it is refused from now on)."""

    permission_classes = [AllowAny]
    authentication_classes: list = []

    @extend_schema_serializer(component_name="LogoutRequest")
    class InputSerializer(serializers.Serializer):
        refresh = serializers.CharField()

    @extend_schema(request=InputSerializer, responses={204: None})
    def post(self, request):
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        user_refresh_token_revoke(refresh=data.validated_data["refresh"])
        try:
            authenticated = RevocableJWTAuthentication().authenticate(request)
        except (AuthenticationFailed, InvalidToken):
            authenticated = None  # an expired or revoked access token: nothing more to end
        if authenticated is not None:
            access_token_revoke(token=authenticated[1])
        return Response(status=status.HTTP_204_NO_CONTENT)


class SessionApi(APIView):
    """The browser's sign-in: Django's session cookie, with the CSRF token in `X-CSRFToken`
    (checked for anonymous callers too). Scripts use the JWT endpoints instead."""

    permission_classes = [AllowAny]
    authentication_classes = [SessionAuthentication]

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        # DRF checks CSRF only once a session user is known; signing in and out must be protected
        # for anonymous callers too, or another site could sign a visitor in to its own account.
        SessionAuthentication().enforce_csrf(request)

    @extend_schema_serializer(component_name="SignIn")
    class InputSerializer(serializers.Serializer):
        username = serializers.CharField(max_length=150)
        password = serializers.CharField(max_length=4096, trim_whitespace=False)

    @extend_schema(
        request=InputSerializer,
        operation_id="auth_session_create",
        responses={200: MeSerializer, 401: _ERROR, 403: _ERROR, 429: _ERROR},
        description="Sign in: sets the session cookie and answers who is signed in "
        "(as GET /auth/me). Wrong credentials: 401 `invalid_credentials`; "
        "too many failures: 429 `throttled` with Retry-After.",
    )
    def post(self, request):
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        user = user_session_login(
            request=request,
            username=data.validated_data["username"],
            password=data.validated_data["password"],
        )
        return Response(me_data(user))

    @extend_schema(
        request=None,
        responses={204: None, 403: _ERROR},
        operation_id="auth_session_destroy",
        description="Sign out (ends the session; 204 also when nobody was signed in).",
    )
    def delete(self, request):
        user_session_logout(request=request)
        return Response(status=status.HTTP_204_NO_CONTENT)


class PasswordChangeApi(APIView):
    """Change your own password; this browser stays signed in, other sessions end."""

    @extend_schema_serializer(component_name="PasswordChange")
    class InputSerializer(serializers.Serializer):
        old_password = serializers.CharField(max_length=4096, trim_whitespace=False)
        new_password = serializers.CharField(max_length=4096, trim_whitespace=False)

    @extend_schema(
        request=InputSerializer,
        operation_id="auth_password_change",
        responses={204: None, 400: _ERROR, 429: _ERROR},
        description="400 `invalid` names `old_password` (wrong) or `new_password` (Django's "
        "password validators); this session stays signed in.",
    )
    def post(self, request):
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        user_password_change(
            user=request.user,
            old_password=data.validated_data["old_password"],
            new_password=data.validated_data["new_password"],
            address=request_client_address(request),
        )
        if isinstance(request.successful_authenticator, SessionAuthentication):
            update_session_auth_hash(request, request.user)  # this session stays valid, others end
        return Response(status=status.HTTP_204_NO_CONTENT)


@method_decorator(ensure_csrf_cookie, name="dispatch")  # also on the anonymous 401
class MeApi(APIView):
    """Who is asking, with their job limits. Also hands the browser its CSRF cookie, so a page
    served from anywhere (e.g. a development server) can sign in."""

    OutputSerializer = MeSerializer

    @extend_schema(responses=MeSerializer)
    def get(self, request):
        return Response(me_data(request.user))


class _AnswerJson(BaseContentNegotiation):
    """Browsers' EventSource sends `Accept: text/event-stream`, which the JSON renderer cannot
    satisfy (406): the stream is not rendered by DRF, and its errors answer JSON whatever is asked."""

    def select_parser(self, request, parsers):
        return parsers[0]

    def select_renderer(self, request, renderers, format_suffix=None):
        return renderers[0], renderers[0].media_type


class EventStreamApi(APIView):
    """Your live events as Server-Sent Events: `retry: 3000` first, then frames of `id:`, `event:`
    (job.created, job.started, job.stage, job.progress, job.translated, job.succeeded, job.failed,
    job.canceled, job.timed_out, queue.moved, image.created, image.trashed, image.restored,
    image.deleted, usage.changed) and `data:` (JSON), a `: ping` comment every 15 s. With
    `Last-Event-ID` (header, as browsers send it on reconnect, or `last_event_id`) every event
    after that id is sent first; an id the log no longer holds (or never held) gets one
    `event: reset` (refetch your lists) instead. Without it: new events only."""

    class FilterSerializer(serializers.Serializer):
        last_event_id = serializers.IntegerField(required=False, min_value=0, max_value=2**63 - 1)
        types = serializers.CharField(
            required=False, max_length=1000, help_text="Only these event types, comma-separated."
        )

    content_negotiation_class = _AnswerJson

    @extend_schema(
        parameters=[
            FilterSerializer,
            OpenApiParameter(
                "Last-Event-ID", int, OpenApiParameter.HEADER, description="Wins over last_event_id."
            ),
        ],
        responses={
            (200, "text/event-stream"): OpenApiResponse(
                inline_serializer(
                    "ServerSentEvent",
                    {
                        "id": serializers.CharField(
                            required=False, help_text="The event id (resume after it)."
                        ),
                        "event": serializers.CharField(required=False, help_text="Its type, or reset."),
                        "data": serializers.CharField(required=False, help_text="Its payload (JSON)."),
                        "retry": serializers.IntegerField(
                            required=False, help_text="Milliseconds before reconnecting."
                        ),
                    },
                ),
                description="A stream of these events (text/event-stream).",
            )
        },
    )
    def get(self, request):
        filters = self.FilterSerializer(data=request.query_params)
        filters.is_valid(raise_exception=True)
        last_event_id = filters.validated_data.get("last_event_id")
        header = request.headers.get("Last-Event-ID", "").strip()
        if header:
            if not header.isdigit() or int(header) >= 2**63:
                raise serializers.ValidationError({"Last-Event-ID": ["An event id (a whole number)."]})
            last_event_id = int(header)
        types = frozenset(t.strip() for t in filters.validated_data.get("types", "").split(",") if t.strip())
        return event_stream_response(
            request._request, user_id=request.user.id, last_event_id=last_event_id, types=types
        )
