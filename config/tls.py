"""One verified TLS context per process for every outbound HTTPS client.

httpx builds a new `ssl.SSLContext` (and reads certifi's CA bundle) for every client it
creates: ~20 ms of CPU and some memory each time, and provider adapters, downloads and the
safe fetcher create clients per job. The context is immutable once built and safe to share
between threads, so one is enough.
"""

from __future__ import annotations

import ssl
from functools import cache

import certifi


@cache
def tls_context() -> ssl.SSLContext:
    return ssl.create_default_context(cafile=certifi.where())
