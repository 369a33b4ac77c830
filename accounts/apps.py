from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = "Accounts"

    def ready(self) -> None:
        from django.contrib.auth.signals import user_login_failed

        import accounts.schema  # noqa: F401 - registers the OpenAPI extension of our JWT class
        from accounts.backends import login_failed_receiver

        user_login_failed.connect(login_failed_receiver, dispatch_uid="accounts.login_failed")
