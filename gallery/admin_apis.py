"""The admin review API (staff only; anyone else gets 403): any user's images, and purges."""

from __future__ import annotations

from datetime import timedelta

from django.contrib.auth import get_user_model
from drf_spectacular.utils import extend_schema, extend_schema_serializer, inline_serializer
from rest_framework import serializers
from rest_framework.permissions import IsAdminUser
from rest_framework.response import Response
from rest_framework.views import APIView

from config.fields import ID_MAX
from config.pagination import PageParamsSerializer
from gallery.apis import (
    FILE_RESPONSES,
    PURGE_BUDGET_SECONDS,
    DateRangeSerializer,
    ImageOutputSerializer,
    PurgeOutputSerializer,
    image_data,
    images_base,
    purge_data,
    stored_file_response,
)
from gallery.selectors import image_get_any
from gallery.services import trash_purge
from gallery.services.review import admin_image_view, admin_images_review


class _UserIdField(serializers.IntegerField):
    """A user id, answered as the user (400 naming the field when there is no such user)."""

    def to_internal_value(self, data):
        user_id = super().to_internal_value(data)
        users = get_user_model().objects.filter(pk=user_id).only("id", "username")
        user = users.first() if 0 < user_id <= ID_MAX else None  # beyond 64 bits: OverflowError
        if user is None:
            raise serializers.ValidationError("no user has this id.")
        return user


class _StaffApi(APIView):
    permission_classes = [IsAdminUser]


@extend_schema_serializer(component_name="AdminGalleryImage")
class AdminImageOutputSerializer(ImageOutputSerializer):
    owner = inline_serializer(
        "ImageOwner", {"id": serializers.IntegerField(), "username": serializers.CharField()}
    )


class AdminImageListApi(_StaffApi):
    """Any user's images, newest first; every call is audited.

    `page`/`size` come with `count` (exact up to ADMIN_LIST_EXACT_COUNT_LIMIT, then the
    database's estimate: never a scan of the whole table); `cursor` pages stay fast at any depth.
    """

    class FilterSerializer(PageParamsSerializer, DateRangeSerializer):
        user_id = _UserIdField(required=False)
        include = serializers.ChoiceField(choices=["active", "deleted", "all"], default="active")

    @extend_schema_serializer(component_name="AdminGalleryImagePage")
    class OutputSerializer(serializers.Serializer):
        results = AdminImageOutputSerializer(many=True)
        page = serializers.IntegerField()
        size = serializers.IntegerField()
        has_next = serializers.BooleanField()
        next_cursor = serializers.CharField(allow_null=True)
        count = serializers.IntegerField(allow_null=True, help_text="Null on cursor pages.")
        count_is_exact = serializers.BooleanField(allow_null=True)

    @extend_schema(
        parameters=[FilterSerializer], responses=OutputSerializer, operation_id="admin_images_list"
    )
    def get(self, request):
        params = self.FilterSerializer(data=request.query_params)
        params.is_valid(raise_exception=True)
        filters = params.validated_data
        owner = filters.get("user_id")
        logged = {
            "user_id": owner.pk if owner else None,
            "include": filters["include"],
            "from_date": request.query_params.get("from_date"),
            "to_date": request.query_params.get("to_date"),
            "page": filters["page"],
            "size": filters["size"],
            "cursor": "cursor" in filters,
        }
        review = admin_images_review(
            actor=request.user,
            owner=owner,
            include=filters["include"],
            created_from=filters.get("from_date"),
            created_before=filters.get("to_date"),
            page_params=filters,
            filters=logged,
        )
        base = images_base(request, "gallery:admin-image-list")
        rows = [
            {
                **image_data(row, base),
                "owner": {"id": row["owner_id"], "username": review.usernames.get(row["owner_id"], "")},
            }
            for row in review.page.items
        ]
        body = review.page.envelope(rows)  # plain dicts, like the user list (see image_data)
        return Response({**body, "count": review.count, "count_is_exact": review.count_is_exact})


class AdminImageFileApi(_StaffApi):
    """Any user's image file; opening another user's is audited."""

    @extend_schema(responses=FILE_RESPONSES)
    def get(self, request, image_id):
        image = admin_image_view(actor=request.user, image=image_get_any(image_id=image_id))
        return stored_file_response(image)


class AdminImageThumbnailApi(_StaffApi):
    """Any user's thumbnail. Not audited one by one: the list that showed it was."""

    @extend_schema(responses=FILE_RESPONSES)
    def get(self, request, image_id):
        return stored_file_response(image_get_any(image_id=image_id), thumbnail=True)


class AdminTrashPurgeApi(_StaffApi):
    """Delete trashed images for good: files first, then rows, checked in storage afterwards."""

    @extend_schema_serializer(component_name="AdminPurgeTrash")
    class InputSerializer(serializers.Serializer):
        user_id = _UserIdField(required=False, help_text="Only this user's trash.")
        older_than_days = serializers.IntegerField(
            min_value=0, max_value=36500, default=0, help_text="Only trash older than this; 0: all of it."
        )
        dry_run = serializers.BooleanField(default=False, help_text="Count, change nothing.")

    @extend_schema_serializer(component_name="AdminPurgeResult")
    class OutputSerializer(PurgeOutputSerializer):
        audit_id = serializers.IntegerField()

    @extend_schema(request=InputSerializer, responses=OutputSerializer, operation_id="admin_purge_trash")
    def post(self, request):
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        owner = values.get("user_id")
        report = trash_purge(
            older_than=timedelta(days=values["older_than_days"]),
            owner_id=owner.pk if owner else None,
            dry_run=values["dry_run"],
            actor=request.user,
            budget_seconds=PURGE_BUDGET_SECONDS,
        )
        return Response(self.OutputSerializer({**purge_data(report), "audit_id": report.audit_id}).data)
