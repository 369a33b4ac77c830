from __future__ import annotations

from dataclasses import dataclass
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


@dataclass(frozen=True)
class ProviderFigures:
    """What a waiting job's standing needs of its provider: how many of its jobs run at once (the
    setting its class reads) and the duration assumed until real ones are measured."""

    capacity_setting: str
    nominal_duration_seconds: float
    delay_setting: str | None = None  # a setting added to the nominal duration (local's delay)


# The figures each provider class sets, by name: a web worker reads them at every poll of a
# waiting job without importing the provider (its client libraries, and Pillow for `local`).
# tests/generation/test_job_detail_figures.py checks them against the classes.
PROVIDER_FIGURES: dict[str, ProviderFigures] = {
    "local": ProviderFigures("LOCAL_MAX_CONCURRENT", 0.5, delay_setting="LOCAL_PROVIDER_DELAY_SECONDS"),
    "replicate": ProviderFigures("REPLICATE_MAX_CONCURRENT", 40.0),
    "bfl": ProviderFigures("BFL_MAX_CONCURRENT", 30.0),
    "together": ProviderFigures("TOGETHER_MAX_CONCURRENT", 15.0),
    "page": ProviderFigures("PAGE_MAX_CONCURRENT", 20.0),
    "comfyui": ProviderFigures("COMFYUI_MAX_CONCURRENT", 60.0),
}


def _figures(name: str) -> ProviderFigures:
    try:
        return PROVIDER_FIGURES[name]
    except KeyError:
        raise ProviderError(f"Unknown provider {name!r}.", code="provider_unknown") from None


def provider_capacity(name: str) -> int:
    """The named provider's max_concurrent, as its class reads it."""
    capacity: int = getattr(settings, _figures(name).capacity_setting)
    return capacity


def provider_nominal_duration_seconds(name: str) -> float:
    """The named provider's nominal_duration_seconds, as its class sets it."""
    figures = _figures(name)
    delay = float(getattr(settings, figures.delay_setting)) if figures.delay_setting else 0.0
    return figures.nominal_duration_seconds + delay


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
