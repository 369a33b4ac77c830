"""Create the demo admin and demo user once, and print their credentials on every run.

The passwords are random per installation and kept in db/demo-credentials.json (mode 0600),
so running the platform again prints the same credentials instead of resetting them.
"""

import json
import secrets
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand

from accounts.models import User

DEMO_USERS = (("admin", True), ("demo", False))


class Command(BaseCommand):
    help = "Create the demo admin and demo user (idempotent) and print their credentials."

    def add_arguments(self, parser):
        parser.add_argument("--reset", action="store_true", help="Choose new passwords.")

    def handle(self, *args, **options):
        path = Path(settings.BASE_DIR) / "db" / "demo-credentials.json"
        known = {} if options["reset"] or not path.exists() else json.loads(path.read_text())
        for username, is_staff in DEMO_USERS:
            user, _ = User.objects.get_or_create(
                username=username, defaults={"email": f"{username}@example.com"}
            )
            password = known.get(username)
            if not password or not user.check_password(password):
                password = secrets.token_urlsafe(9)
                user.set_password(password)
            user.is_staff = user.is_superuser = is_staff
            user.save()
            known[username] = password
            role = "admin (Django admin + API)" if is_staff else "user (API)"
            self.stdout.write(f"  {role:28} username={username}  password={password}")
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(known))
        path.chmod(0o600)
