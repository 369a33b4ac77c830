from django.apps import AppConfig


class TemplatesAppConfig(AppConfig):
    name = "templates_app"
    verbose_name = "Templates and product pages"

    def ready(self) -> None:
        from django.db.models.signals import post_delete, post_save

        from templates_app.cache import catalogue_cache_invalidate
        from templates_app.models import Category, Template, TemplateSet, TemplateSetItem

        # Any change to the catalogue, by a service, the admin or a script, empties its cache.
        def invalidate(sender, **kwargs):
            catalogue_cache_invalidate()

        for model in (Category, Template, TemplateSet, TemplateSetItem):
            uid = f"catalogue-cache-{model.__name__}"
            post_save.connect(invalidate, sender=model, weak=False, dispatch_uid=f"{uid}-save")
            post_delete.connect(invalidate, sender=model, weak=False, dispatch_uid=f"{uid}-delete")
