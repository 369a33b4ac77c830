"""Image providers: one small interface, one module per provider.

submit(request)         -> Submission     (one paid call; the reference is stored at once)
apoll(ref, state)       -> PollResult     (cheap, async: many jobs are polled together)
fetch_outputs(request, state) -> [OutputImage]  (download or render the result)
cancel(ref, state)                        (best effort)
"""

from generation.providers.base import (
    OutputImage,
    PollResult,
    Provider,
    ProviderError,
    ProviderNotConfigured,
    Submission,
    SubmitRequest,
)
from generation.providers.registry import (
    get_provider,
    provider_capacity,
    provider_name_for_kind,
    provider_nominal_duration_seconds,
)

__all__ = [
    "OutputImage",
    "PollResult",
    "Provider",
    "ProviderError",
    "ProviderNotConfigured",
    "Submission",
    "SubmitRequest",
    "get_provider",
    "provider_capacity",
    "provider_name_for_kind",
    "provider_nominal_duration_seconds",
]
