"""Create (or reset) the demo admin and demo user and print their credentials."""

import secrets

from django.core.management.base import BaseCommand

from accounts.models import User


class Command(BaseCommand):
    help = "Create the demo admin and demo user (idempotent) and print their credentials."

    def add_arguments(self, parser):
        parser.add_argument("--password", help="Use this password instead of a random one.")

    def handle(self, *args, **options):
        for username, is_staff in (("admin", True), ("demo", False)):
            password = options["password"] or secrets.token_urlsafe(9)
            user, _ = User.objects.get_or_create(username=username)
            user.is_staff = user.is_superuser = is_staff
            user.email = f"{username}@example.com"
            user.set_password(password)
            user.save()
            role = "admin (Django admin + API)" if is_staff else "user (API)"
            self.stdout.write(f"  {role:28} username={username}  password={password}")
