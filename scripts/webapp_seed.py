"""Seed data for the web app's end-to-end tests and its performance budget (frontend/e2e,
frontend/scripts/budget.mjs). Run against a platform's environment (its DATABASE_URL, OUTPUT_DIR,
SECRET_KEY); one command per call, arguments as JSON, the answer as one JSON line on stdout:

    .venv/bin/python scripts/webapp_seed.py users '{"password": "...", "users": [{"username": "a"}]}'
    .venv/bin/python scripts/webapp_seed.py images '{"username": "a", "count": 10000}'

users   creates the accounts through accounts.services.user_create (the password hashed once and
        shared: a pool of test users costs one hash, not one each); optional per-user
        `storage_quota_mb` and `used_bytes` (an image whose recorded size fills the quota), and
        for admin accounts `is_staff`, `is_superuser`, `groups` (names) and `permissions`
        ("app_label.codename").
images  bulk-inserts gallery rows for one user that share one small file and thumbnail: a
        10,000-image gallery in seconds, for the scrolling budget.
"""

from __future__ import annotations

import io
import json
import os
import sys
import uuid
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

import django

django.setup()

from django.contrib.auth.models import Group, Permission  # noqa: E402
from django.core.files.base import ContentFile  # noqa: E402
from django.core.files.storage import default_storage  # noqa: E402
from django.db import transaction  # noqa: E402
from django.utils import timezone  # noqa: E402
from PIL import Image as PILImage  # noqa: E402
from PIL import ImageDraw  # noqa: E402

from accounts.models import User  # noqa: E402
from accounts.services import user_create  # noqa: E402
from gallery.models import Image  # noqa: E402


def _encoded(size: tuple[int, int], fmt: str, hue: int) -> bytes:
    picture = PILImage.new("RGB", size, (hue, 180, 255 - hue))
    ImageDraw.Draw(picture).ellipse(
        (size[0] // 4, size[1] // 4, size[0] * 3 // 4, size[1] * 3 // 4), fill=(250, 250, 250)
    )
    buffer = io.BytesIO()
    picture.save(buffer, fmt)
    return buffer.getvalue()


def _shared_files(tag: str) -> tuple[str, str, int, int]:
    """One original and one thumbnail in storage, referenced by every seeded row."""
    original = _encoded((640, 480), "PNG", 90)
    thumbnail = _encoded((320, 240), "WEBP", 90)
    file_name = default_storage.save(f"images/seed-{tag}.png", ContentFile(original))
    thumb_name = default_storage.save(f"thumbs/seed-{tag}.webp", ContentFile(thumbnail))
    return file_name, thumb_name, len(original), len(thumbnail)


def users(args: dict) -> dict:
    specs = args["users"]
    template = None
    created = []
    for spec in specs:
        if template is None:
            template = user_create(username=spec["username"], password=args["password"])
            user = template
        else:
            user = User(username=spec["username"], password=template.password)
            user.full_clean()
            user.save()
        if spec.get("is_staff") or spec.get("is_superuser"):
            user.is_staff, user.is_superuser = True, bool(spec.get("is_superuser"))
            user.save(update_fields=["is_staff", "is_superuser"])
        for name in spec.get("groups", []):
            user.groups.add(Group.objects.get_or_create(name=name)[0])
        for permission in spec.get("permissions", []):
            app_label, codename = permission.split(".")
            user.user_permissions.add(
                Permission.objects.get(content_type__app_label=app_label, codename=codename)
            )
        if spec.get("storage_quota_mb") is not None:
            user.storage_quota_mb = spec["storage_quota_mb"]
            user.save(update_fields=["storage_quota_mb"])
        if spec.get("used_bytes"):
            # A picture whose recorded size takes the user to the quota: the next job or upload
            # is refused (409 storage_quota_exceeded) without writing megabytes to disk.
            file_name, thumb_name, _, thumb_bytes = _shared_files(uuid.uuid4().hex[:8])
            Image.objects.create(
                owner=user,
                file=file_name,
                thumbnail=thumb_name,
                width=640,
                height=480,
                format=Image.Format.PNG,
                size_bytes=spec["used_bytes"],
                thumbnail_bytes=thumb_bytes,
                sha256="0" * 64,
                source=Image.Source.UPLOAD,
            )
        created.append({"id": user.id, "username": user.username})
    return {"users": created}


def images(args: dict) -> dict:
    owner = User.objects.get(username=args["username"])
    count = int(args["count"])
    file_name, thumb_name, size, thumb_bytes = _shared_files(uuid.uuid4().hex[:8])
    now = timezone.now()
    rows = [
        Image(
            owner=owner,
            file=file_name,
            thumbnail=thumb_name,
            width=640,
            height=480,
            format=Image.Format.PNG,
            size_bytes=size,
            thumbnail_bytes=thumb_bytes,
            sha256="0" * 64,
            source=Image.Source.UPLOAD,
            created_at=now - timedelta(seconds=i),
        )
        for i in range(count)
    ]
    with transaction.atomic():
        Image.objects.bulk_create(rows, batch_size=1000)
    return {"images": count}


COMMANDS = {"users": users, "images": images}

if __name__ == "__main__":
    if len(sys.argv) != 3 or sys.argv[1] not in COMMANDS:
        sys.exit(f"usage: {sys.argv[0]} {{{'|'.join(COMMANDS)}}} '<json arguments>'")
    print(json.dumps(COMMANDS[sys.argv[1]](json.loads(sys.argv[2]))))
