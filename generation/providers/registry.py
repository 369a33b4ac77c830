from __future__ import annotations

from functools import cache

from django.conf import settings
from django.utils.module_loading import import_string

from generation.providers.base import Provider, ProviderError

# name -> class path, imported on first use (a provider's client libraries load only if it is used).
PROVIDERS: dict[str, str] = {
    "local": "generation.providers.local.LocalProvider",
    "replicate": "generation.providers.replicate.ReplicateProvider",
    "bfl": "generation.providers.bfl.BflProvider",
    "together": "generation.providers.together.TogetherProvider",
    "page": "generation.providers.page.PageProvider",
    "comfyui": "generation.providers.comfyui.ComfyUIProvider",
}

_KIND_SETTINGS = {"ppl": "PPL_PROVIDER", "goods": "GOODS_PROVIDER", "edit": "EDIT_PROVIDER"}


def provider_name_for_kind(kind: str) -> str:
    if kind == "page":
        return "page"  # the LLM writes pages; LLM_PROVIDER and PAGE_IMAGE_PROVIDER pick its parts
    name: str = getattr(settings, _KIND_SETTINGS[kind])
    return name


@cache
def _provider_class(name: str) -> type[Provider]:
    if name not in PROVIDERS:
        raise ProviderError(f"Unknown provider {name!r}.", code="provider_unknown")
    provider_class: type[Provider] = import_string(PROVIDERS[name])
    return provider_class


def get_provider(name: str) -> Provider:
    # A fresh instance per use: providers read settings at construction, which tests override.
    return _provider_class(name)()
