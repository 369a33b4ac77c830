"""A waiting job's standing reads each provider's capacity and nominal duration from a table
(generation/providers/registry.py), so a web worker never imports a provider module to answer a
poll; the table must say what the provider classes themselves say."""

from __future__ import annotations

import pytest

from generation.providers import (
    ProviderError,
    get_provider,
    provider_capacity,
    provider_nominal_duration_seconds,
)
from generation.providers.registry import PROVIDER_FIGURES, PROVIDERS


def test_every_provider_has_figures():
    assert set(PROVIDER_FIGURES) == set(PROVIDERS)


@pytest.mark.parametrize("overridden", [False, True])
def test_the_figures_are_what_each_provider_class_sets(settings, overridden):
    if overridden:  # each class reads its own setting: distinct values tell them apart
        for capacity, name in enumerate(
            sorted(figures.capacity_setting for figures in PROVIDER_FIGURES.values())
        ):
            setattr(settings, name, 11 + capacity)
        settings.LOCAL_PROVIDER_DELAY_SECONDS = 7
    for name in PROVIDERS:
        provider = get_provider(name)
        assert provider_capacity(name) == provider.max_concurrent, name
        assert provider_nominal_duration_seconds(name) == provider.nominal_duration_seconds, name


def test_an_unknown_provider_has_no_figures():
    with pytest.raises(ProviderError):
        provider_capacity("nope")
    with pytest.raises(ProviderError):
        provider_nominal_duration_seconds("nope")
