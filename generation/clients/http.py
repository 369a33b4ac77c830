"""The one seam for outbound HTTP to providers: timeouts, one retry policy (bounded attempts,
exponential backoff with full jitter, a server's Retry-After honoured), and translation of
failures into ProviderError codes.

Provider clients (generation/clients/<provider>.py) build on this; nothing else imports httpx
for provider traffic. The LLM (generation/llm) retries with the same RetryPolicy. Request headers
(which carry keys) are never logged; answers that cannot be understood are logged truncated.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import TYPE_CHECKING, Any, TypeVar

from config.lazy import lazy_module
from config.tls import tls_context
from generation.providers.base import ProviderError

if TYPE_CHECKING:
    import httpx
    import tenacity

    from config.errors import InvalidInput
else:  # imported on the first provider call (a web worker imports this module but never calls)
    httpx = lazy_module("httpx")
    tenacity = lazy_module("tenacity")

logger = logging.getLogger(__name__)

T = TypeVar("T")

RETRYABLE_STATUS = {429, 500, 502, 503, 504}
# A POST that creates paid work is retried only when the provider surely did not process it.
RETRYABLE_STATUS_UNSAFE = {429, 502, 503, 504}
MAX_RETRY_AFTER_SECONDS = 30.0


class Retry(Exception):
    """Raised by an attempt that may be made again. `error` is what the caller gets once the
    attempts run out; `retry_after_seconds` (the server's Retry-After, or 0 to ask again at
    once) replaces the backoff."""

    def __init__(self, error: Exception, *, retry_after_seconds: float | None = None):
        super().__init__(str(error))
        self.error = error
        self.retry_after_seconds = (
            getattr(error, "retry_after_seconds", None)
            if retry_after_seconds is None
            else retry_after_seconds
        )


@dataclass(frozen=True)
class RetryPolicy:
    """Every retry of provider and LLM traffic: at most `max_attempts` attempts; between them the
    server's Retry-After (capped) or exponential backoff with full jitter, so many clients do not
    retry in step. An attempt asks to be made again by raising Retry; any other exception ends
    the call at once."""

    max_attempts: int = 4
    backoff_base_seconds: float = 0.5
    backoff_cap_seconds: float = 8.0
    max_retry_after_seconds: float = MAX_RETRY_AFTER_SECONDS

    def call(self, attempt: Callable[[], T]) -> T:
        try:
            return tenacity.Retrying(**self._options())(attempt)
        except Retry as exc:
            raise exc.error from None

    async def acall(self, attempt: Callable[[], Awaitable[T]]) -> T:
        async def attempt_once() -> T:  # tenacity awaits coroutine functions only, not lambdas
            return await attempt()

        try:
            return await tenacity.AsyncRetrying(**self._options())(attempt_once)
        except Retry as exc:
            raise exc.error from None

    def wait_seconds(self, state: tenacity.RetryCallState) -> float:
        failure = state.outcome.exception() if state.outcome else None
        hint: float | None = getattr(failure, "retry_after_seconds", None)
        if hint is not None:
            return min(hint, self.max_retry_after_seconds)
        backoff = tenacity.wait_random_exponential(
            multiplier=self.backoff_base_seconds, max=self.backoff_cap_seconds
        )
        return backoff(state)

    def _options(self) -> dict[str, Any]:
        return {
            "stop": tenacity.stop_after_attempt(self.max_attempts),
            "wait": self.wait_seconds,
            "retry": tenacity.retry_if_exception_type(Retry),
            "reraise": True,
            "before_sleep": _log_retry,
        }


def _log_retry(state: tenacity.RetryCallState) -> None:
    failure = state.outcome.exception() if state.outcome else None
    error = getattr(failure, "error", failure)
    logger.info(
        "attempt %d failed (%.200s); trying again in %.2fs",
        state.attempt_number,
        error,
        state.upcoming_sleep,
        extra={"event": "retry", "attempt": state.attempt_number, "code": getattr(error, "code", "")},
    )


@dataclass(frozen=True)
class HttpConfig:
    provider: str
    base_url: str = ""
    headers: dict[str, str] = field(default_factory=dict)
    connect_timeout: float = 5.0
    read_timeout: float = 30.0
    max_attempts: int = 4
    backoff_base_seconds: float = 0.5
    backoff_cap_seconds: float = 8.0

    def timeout(self) -> httpx.Timeout:
        return httpx.Timeout(self.read_timeout, connect=self.connect_timeout)

    def retry_policy(self) -> RetryPolicy:
        return RetryPolicy(
            max_attempts=self.max_attempts,
            backoff_base_seconds=self.backoff_base_seconds,
            backoff_cap_seconds=self.backoff_cap_seconds,
        )


def retry_after_seconds(headers: Mapping[str, str]) -> float | None:
    """How long a server asks us to wait: Retry-After in seconds or as an HTTP-date, or the
    retry-after-ms that OpenAI-compatible servers send."""
    raw_ms = headers.get("retry-after-ms")
    if raw_ms is not None:
        try:
            return max(0.0, float(raw_ms) / 1000)
        except ValueError:
            pass
    raw = headers.get("retry-after")
    if raw is None:
        return None
    try:
        return max(0.0, float(raw))
    except ValueError:
        pass
    try:
        when = parsedate_to_datetime(raw)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:  # "-0000": UTC by RFC 5322
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - datetime.now(UTC)).total_seconds())


def _retry_after(response: httpx.Response) -> float | None:
    return retry_after_seconds(response.headers)


def _detail(response: httpx.Response) -> str:
    try:
        body = response.json()
    except ValueError:
        return response.text[:300]
    if isinstance(body, dict):
        for key in ("detail", "error", "message", "title"):
            value = body.get(key)
            if isinstance(value, dict):
                value = value.get("message") or value
            if value:
                return str(value)[:300]
    return str(body)[:300]


def error_for_status(provider: str, response: httpx.Response) -> ProviderError:
    status = response.status_code
    detail = _detail(response)
    if status in (401, 403):
        return ProviderError(f"{provider} refused our credentials ({status}): {detail}", code="provider_auth")
    if status == 402:
        return ProviderError(
            f"{provider} says the account is out of credits: {detail}", code="provider_credits"
        )
    if status == 404:
        return ProviderError(
            f"{provider} does not know this resource or model: {detail}", code="provider_not_found"
        )
    if status == 429:
        return ProviderError(
            f"{provider} is rate limiting us: {detail}",
            code="provider_rate_limited",
            permanent=False,
            retry_after_seconds=_retry_after(response),
        )
    if status >= 500:
        return ProviderError(
            f"{provider} is failing ({status}): {detail}",
            code="provider_unavailable",
            permanent=False,
            retry_after_seconds=_retry_after(response),
        )
    return ProviderError(f"{provider} rejected the request ({status}): {detail}", code="provider_rejected")


def bad_response(provider: str, what: str, answer: object) -> ProviderError:
    """An answer of an unexpected shape: logged (truncated, never a key), then a permanent error."""
    logger.warning(
        "%s answered an unexpected shape (%s): %.500s",
        provider,
        what,
        answer,
        extra={"event": "provider_bad_response", "provider": provider},
    )
    return ProviderError(
        f"{provider} answered in an unexpected shape ({what}).", code="provider_bad_response"
    )


def provider_http(
    provider: str, *, base_url: str, headers: dict[str, str], read_timeout: float | None = None
) -> ProviderHttp:
    """The client a provider adapter uses, with the platform's timeouts and retry budget."""
    from django.conf import settings

    return ProviderHttp(
        HttpConfig(
            provider=provider,
            base_url=base_url,
            headers=headers,
            connect_timeout=settings.PROVIDER_CONNECT_TIMEOUT_SECONDS,
            read_timeout=read_timeout or settings.PROVIDER_READ_TIMEOUT_SECONDS,
            max_attempts=settings.PROVIDER_MAX_ATTEMPTS,
        )
    )


class ProviderHttp:
    """Sync and async requests under one RetryPolicy. Use `async with`/`aclose()` for async."""

    def __init__(self, config: HttpConfig):
        self.config = config
        self.policy = config.retry_policy()
        self._client: httpx.Client | None = None
        self._aclient: httpx.AsyncClient | None = None

    # -- plumbing --
    def _url(self, path_or_url: str) -> str:
        if path_or_url.startswith(("http://", "https://")):
            # A URL from an answer (BFL's polling_url, Replicate's urls.get): our key goes with the
            # request, so it is followed only on the provider's own host.
            if not _same_provider_host(path_or_url, self.config.base_url):
                raise bad_response(
                    self.config.provider, "a URL on a host other than its API", httpx.URL(path_or_url).host
                )
            return path_or_url
        return self.config.base_url.rstrip("/") + "/" + path_or_url.lstrip("/")

    def _classify(self, response: httpx.Response, safe: bool) -> tuple[bool, ProviderError | None]:
        if response.status_code < 400:
            return False, None
        error = error_for_status(self.config.provider, response)
        retryable = response.status_code in (RETRYABLE_STATUS if safe else RETRYABLE_STATUS_UNSAFE)
        error.not_sent = response.status_code in RETRYABLE_STATUS_UNSAFE  # refused, not processed
        return retryable, error

    def _transport_error(self, exc: httpx.TransportError, safe: bool) -> tuple[bool, ProviderError]:
        # A connect failure means the request never left; a read timeout on a POST may have
        # been processed, so it is retried only when the request is safe to repeat.
        sent = not isinstance(exc, httpx.ConnectError | httpx.ConnectTimeout)
        error = ProviderError(
            f"{self.config.provider} could not be reached: {type(exc).__name__}",
            code="provider_timeout" if isinstance(exc, httpx.TimeoutException) else "provider_unavailable",
            permanent=False,
            not_sent=not sent,
        )
        return (safe or not sent), error

    # -- sync --
    def request(
        self,
        method: str,
        path_or_url: str,
        *,
        safe: bool | None = None,
        headers: dict[str, str] | None = None,
        **kwargs: Any,
    ) -> httpx.Response:
        if self._client is None:
            self._client = httpx.Client(
                timeout=self.config.timeout(), headers=self.config.headers, verify=tls_context()
            )
        client, url, call = self._client, self._url(path_or_url), _Call(self, method, safe)

        def attempt() -> httpx.Response:
            try:
                return call.checked(client.request(method, url, headers=headers, **kwargs))
            except httpx.TransportError as exc:
                raise call.failed(*self._transport_error(exc, call.safe)) from exc

        return self.policy.call(attempt)

    def close(self) -> None:
        if self._client is not None:
            self._client.close()
            self._client = None

    # -- async --
    async def arequest(
        self,
        method: str,
        path_or_url: str,
        *,
        safe: bool | None = None,
        headers: dict[str, str] | None = None,
        **kwargs: Any,
    ) -> httpx.Response:
        if self._aclient is None:
            self._aclient = httpx.AsyncClient(
                timeout=self.config.timeout(), headers=self.config.headers, verify=tls_context()
            )
        client, url, call = self._aclient, self._url(path_or_url), _Call(self, method, safe)

        async def attempt() -> httpx.Response:
            try:
                return call.checked(await client.request(method, url, headers=headers, **kwargs))
            except httpx.TransportError as exc:
                raise call.failed(*self._transport_error(exc, call.safe)) from exc

        return await self.policy.acall(attempt)

    async def aclose(self) -> None:
        if self._aclient is not None:
            await self._aclient.aclose()
            self._aclient = None

    # -- helpers --
    def json(self, response: httpx.Response, what: str) -> dict[str, Any]:
        try:
            body = response.json()
        except ValueError:
            raise bad_response(self.config.provider, f"{what}: not JSON", response.text[:500])
        if not isinstance(body, dict):
            raise bad_response(self.config.provider, f"{what}: not an object", body)
        return body

    def download(self, url: str, *, max_bytes: int) -> bytes:
        """Fetch a result file the provider pointed us to, through the guarded fetcher that user
        URLs go through (gallery/fetch.py: public addresses only, every redirect checked again),
        and only from the provider's result hosts (<PROVIDER>_RESULT_HOSTS). Sent without our
        credentials: delivery hosts (signed URLs, blob storage) must never see a key."""
        from django.conf import settings

        from config.errors import InvalidInput
        from gallery.fetch import fetch_bytes

        hosts = list(getattr(settings, _RESULT_HOSTS_SETTING.get(self.config.provider, ""), None) or [])
        total = max(settings.FETCH_TOTAL_TIMEOUT_SECONDS, self.config.read_timeout)

        def attempt() -> bytes:
            try:
                return fetch_bytes(url, field="result", max_bytes=max_bytes, hosts=hosts, total_seconds=total)
            except InvalidInput as exc:
                retryable, error = self._download_error(exc, url, max_bytes)
                raise (Retry(error) if retryable else error) from exc

        return self.policy.call(attempt)

    def download_from_server(self, path_or_url: str, *, max_bytes: int) -> bytes:
        """A file from the provider's own configured server (ComfyUI's /view on COMFYUI_SERVER,
        which is usually a private address): the URL is ours, not an answer's, so it is fetched
        from that server only (no redirects followed), with the size cap and retry policy."""
        url = self._url(path_or_url)
        with httpx.Client(timeout=self.config.timeout(), verify=tls_context(), trust_env=False) as plain:

            def attempt() -> bytes:
                try:
                    return self._download_once(plain, url, max_bytes)
                except httpx.TransportError as exc:
                    retryable, error = self._transport_error(exc, True)
                    raise (Retry(error) if retryable else error) from exc

            return self.policy.call(attempt)

    def _download_once(self, client: httpx.Client, url: str, max_bytes: int) -> bytes:
        with client.stream("GET", url, follow_redirects=False) as response:
            if response.status_code >= 300:
                response.read()  # small error bodies only; needed to describe the failure
            if 300 <= response.status_code < 400:
                raise bad_response(
                    self.config.provider, "a redirect for a file on its own server", response.status_code
                )
            retryable, error = self._classify(response, True)
            if error is not None:
                if retryable:
                    raise Retry(error)
                if response.status_code in (401, 403, 404, 410):
                    raise ProviderError(
                        f"{self.config.provider}'s result is gone.", code="provider_result_expired"
                    )
                raise error
            chunks, size = [], 0
            for chunk in response.iter_bytes():
                size += len(chunk)
                if size > max_bytes:
                    raise ProviderError(
                        f"{self.config.provider}'s result is larger than {max_bytes} bytes.",
                        code="provider_bad_response",
                    )
                chunks.append(chunk)
            return b"".join(chunks)

    def _download_error(self, exc: InvalidInput, url: str, max_bytes: int) -> tuple[bool, ProviderError]:
        provider = self.config.provider
        status = getattr(exc, "http_status", None)
        if exc.code in ("url_not_allowed", "invalid"):
            # A result host we do not expect, or a redirect to a private address: never fetched.
            logger.warning(
                "%s result URL refused: %s",
                provider,
                exc.message,
                extra={"event": "provider_result_refused", "provider": provider, "host": _host_of(url)},
            )
            return False, ProviderError(
                f"{provider}'s result URL was refused ({exc.message})", code="provider_bad_response"
            )
        if status in (401, 403, 404, 410):
            # Signed delivery URLs answer 403/404 once they expire (BFL: ten minutes).
            return False, ProviderError(
                f"{provider}'s result is gone (its link expired before it could be fetched).",
                code="provider_result_expired",
            )
        if status is not None and status not in RETRYABLE_STATUS:
            return False, ProviderError(
                f"{provider}'s result could not be fetched (HTTP {status}).", code="provider_bad_response"
            )
        if "larger than" in exc.message:
            return False, ProviderError(
                f"{provider}'s result is larger than {max_bytes} bytes.", code="provider_bad_response"
            )
        return True, ProviderError(
            f"{provider}'s result could not be fetched: {exc.message}",
            code="provider_unavailable",
            permanent=False,
        )


class _Call:
    """One request's attempts: which failures it may retry (any transient one when the request is
    safe to repeat; a create only when the provider surely did not process it), and whether any
    attempt may have reached the provider, which its error's `not_sent` then denies."""

    def __init__(self, http: ProviderHttp, method: str, safe: bool | None):
        self.http = http
        self.safe = method in ("GET", "HEAD", "DELETE") if safe is None else safe
        self.reached = False

    def checked(self, response: httpx.Response) -> httpx.Response:
        retryable, error = self.http._classify(response, self.safe)
        if error is None:
            return response
        raise self.failed(retryable, error)

    def failed(self, retryable: bool, error: ProviderError) -> Exception:
        self.reached = self.reached or not error.not_sent
        error.not_sent = not self.reached  # no attempt reached the provider: a new one costs nothing
        return Retry(error) if retryable else error


# Where each provider's result files may come from (settings; the real delivery hosts by default).
_RESULT_HOSTS_SETTING = {
    "BFL": "BFL_RESULT_HOSTS",
    "Replicate": "REPLICATE_RESULT_HOSTS",
    "Together": "TOGETHER_RESULT_HOSTS",
}


def _host_of(url: str) -> str:
    try:
        return httpx.URL(url).host
    except (httpx.InvalidURL, TypeError, ValueError):
        return ""


def _same_provider_host(url: str, base_url: str) -> bool:
    """Whether `url` is on the provider's own API host: the base URL's scheme, and its host and
    port, or another host of its domain (BFL answers with a regional polling host, api.eu1.bfl.ai
    for api.bfl.ai). An address as the base (a local server) allows exactly that address."""
    try:
        target, base = httpx.URL(url), httpx.URL(base_url)
    except (httpx.InvalidURL, TypeError, ValueError):
        return False
    if not base.host or target.scheme != base.scheme:
        return False
    if target.host == base.host:
        return target.port == base.port
    labels = base.host.split(".")
    if len(labels) < 3 or all(label.isdigit() for label in labels) or ":" in base.host:
        return False
    return target.host.endswith("." + ".".join(labels[1:])) and target.port == base.port
