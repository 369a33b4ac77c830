from drf_spectacular.utils import extend_schema, extend_schema_serializer, inline_serializer
from rest_framework import serializers, status
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.selectors import user_job_limits
from accounts.services import user_refresh_token_revoke


class LogoutApi(APIView):
    """Revoke a refresh token. The token itself proves who is asking."""

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
        return Response(status=status.HTTP_204_NO_CONTENT)


class MeApi(APIView):
    @extend_schema_serializer(component_name="Me")
    class OutputSerializer(serializers.Serializer):
        id = serializers.IntegerField()
        username = serializers.CharField()
        email = serializers.EmailField()
        is_staff = serializers.BooleanField()
        limits = inline_serializer("JobLimits", {
            "max_queued": serializers.IntegerField(),
            "max_concurrent": serializers.IntegerField(),
        })

    @extend_schema(responses=OutputSerializer)
    def get(self, request):
        user = request.user
        limits = user_job_limits(user=user)
        return Response(self.OutputSerializer({
            "id": user.id, "username": user.username, "email": user.email,
            "is_staff": user.is_staff,
            "limits": {"max_queued": limits.max_queued, "max_concurrent": limits.max_concurrent},
        }).data)
