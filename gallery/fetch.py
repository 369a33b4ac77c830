"""Fetching an image from a URL a user gave us: the one helper for it (gallery import, the
edit job's `image_url`, anything later).

Defences against server-side request forgery, in order, for the first request and for every
redirect (at most three, followed by hand):
- http or https only, no credentials in the URL;
- the host is resolved once and refused if ANY of its addresses is not a public unicast
  address (loopback, private, link-local including 169.254.169.254, multicast, reserved,
  unspecified, shared, and the same ranges hidden inside IPv4-mapped, 6to4 or NAT64 forms);
- the connection goes to the address that was checked, with the original Host header and TLS
  server name, so a second DNS answer cannot swap in an internal address (DNS rebinding);
- no proxies from the environment (a proxy would resolve the name again);
- connect and read timeouts, a total time limit, MAX_UPLOAD_BYTES read at most, compressed
  bodies refused (no decompression bombs), and the bytes accepted only if they decode as an image.

ALLOWED_FETCH_HOSTS opens named hosts ("host" for any port, "host:port" for one) for tests and
staging; each hop is judged on its own, so an allowed host cannot redirect anywhere else.
"""

from __future__ import annotations

import ipaddress
import logging
import socket
import time
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from dataclasses import dataclass
from typing import TYPE_CHECKING
from urllib.parse import urljoin

from django.conf import settings
from django.core.files.base import ContentFile

from config.errors import InvalidInput
from config.lazy import lazy_module
from config.tls import tls_context
from gallery.imaging import PreparedImage, image_prepare_upload

if TYPE_CHECKING:
    import httpx
else:  # httpx only when a URL is fetched
    httpx = lazy_module("httpx")

logger = logging.getLogger(__name__)

MAX_REDIRECTS = 3
_REDIRECTS = {301, 302, 303, 307, 308}
_NAT64 = ipaddress.ip_network("64:ff9b::/96")
_USER_AGENT = "PPLStudio-fetch/1.0"
# getaddrinfo has no timeout of its own; a resolver thread lets the total limit cover it.
_resolver = ThreadPoolExecutor(max_workers=4, thread_name_prefix="fetch-dns")


def fetch_image(url: str, *, field: str, max_side: int | None = None) -> PreparedImage:
    """Download an image from a user-given URL, or raise InvalidInput naming `field`.

    The result went through image_prepare_upload: decoded, checked and normalised exactly like
    an uploaded file (long side scaled to `max_side`, default INPUT_MAX_SIDE_PX). At most
    FETCH_MAX_PER_PROCESS run at once per process (config/slow.py): past it, 429 `throttled`.
    """
    from config.slow import FETCH, slow_request

    with slow_request(FETCH):
        data = fetch_bytes(url, field=field)
    return image_prepare_upload(ContentFile(data, name="remote"), field=field, max_side=max_side)


def fetch_bytes(
    url: str,
    *,
    field: str,
    max_bytes: int | None = None,
    hosts: list[str] | None = None,
    total_seconds: float | None = None,
) -> bytes:
    """The body of a URL, every hop guarded as above. `hosts` (provider result downloads: the
    provider's delivery hosts, "name" or "*.domain") restricts which host the URL may name; each
    redirect is then judged by the address rules, like any hop. A non-2xx answer raises
    FetchFailed (an InvalidInput, code fetch_failed) with the status in `http_status`."""
    deadline = time.monotonic() + (total_seconds or settings.FETCH_TOTAL_TIMEOUT_SECONDS)
    max_bytes = max_bytes or settings.MAX_UPLOAD_BYTES
    current = url
    if hosts is not None and not _Target.parse(url, field=field).matches(hosts):
        raise _refused(field, "names a host that is not one of the provider's result hosts.")
    for _hop in range(MAX_REDIRECTS + 1):
        target = _Target.parse(current, field=field)
        addresses = _resolve(target, field=field, deadline=deadline)
        status, location, body = _request(
            target, addresses, field=field, deadline=deadline, max_bytes=max_bytes
        )
        if status in _REDIRECTS and location:
            current = urljoin(current, location)
            continue
        if not 200 <= status < 300:
            raise _failed(field, f"the server answered HTTP {status}.", http_status=status)
        return body
    raise _failed(field, f"redirected more than {MAX_REDIRECTS} times.")


# --- the address check ------------------------------------------------------------------------


def is_public_address(ip: ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
    """True only for a public unicast address (also judging an IPv4 address inside IPv6)."""
    if isinstance(ip, ipaddress.IPv6Address):
        embedded = ip.ipv4_mapped or ip.sixtofour or (ip.teredo[1] if ip.teredo else None)
        if embedded is None and ip in _NAT64:
            embedded = ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
        if embedded is not None and not is_public_address(embedded):
            return False
    return not (
        ip.is_loopback
        or ip.is_private
        or ip.is_link_local
        or ip.is_multicast
        or ip.is_reserved
        or ip.is_unspecified
        or not ip.is_global
    )


@dataclass(frozen=True)
class _Target:
    url: httpx.URL
    host: str  # ASCII (IDNA) host, IPv6 without brackets
    port: int

    @classmethod
    def parse(cls, raw: str, *, field: str) -> _Target:
        try:
            url = httpx.URL(raw.strip())
        except (httpx.InvalidURL, TypeError, ValueError):
            raise _refused(field, "is not a valid URL.", code="invalid")
        if url.scheme not in ("http", "https"):
            raise _refused(field, "must be an http or https URL.")
        if url.userinfo:
            raise _refused(field, "must not contain a user name or password.")
        host = url.raw_host.decode("ascii").lower().rstrip(".")
        if not host:
            raise _refused(field, "must name a host.")
        return cls(url=url, host=host, port=url.port or (443 if url.scheme == "https" else 80))

    @property
    def host_key(self) -> str:
        return f"[{self.host}]" if ":" in self.host else self.host

    @property
    def host_header(self) -> str:
        default = 443 if self.url.scheme == "https" else 80
        return self.host_key if self.port == default else f"{self.host_key}:{self.port}"

    def matches(self, patterns: list[str]) -> bool:
        """Whether the host is one of `patterns`: exact names, or "*.domain" for its subdomains."""
        for pattern in (p.strip().lower().rstrip(".") for p in patterns):
            if pattern.startswith("*.") and self.host.endswith(pattern[1:]):
                return True
            if pattern in (self.host, self.host_key, f"{self.host_key}:{self.port}"):
                return True
        return False

    def is_allowlisted(self) -> bool:
        allowed = {entry.strip().lower() for entry in getattr(settings, "ALLOWED_FETCH_HOSTS", [])}
        return self.host_key in allowed or f"{self.host_key}:{self.port}" in allowed


def _resolve(target: _Target, *, field: str, deadline: float) -> list[str]:
    """Every address of the host, all checked; the connection will use these and only these."""
    remaining = deadline - time.monotonic()
    future = _resolver.submit(
        socket.getaddrinfo, target.host, target.port, 0, socket.SOCK_STREAM, socket.IPPROTO_TCP
    )
    try:
        infos = future.result(timeout=max(0.01, remaining))
    except FutureTimeout:
        raise _failed(field, "the host name could not be resolved in time.")
    except (socket.gaierror, UnicodeError, OSError):
        raise _failed(field, "the host name could not be resolved.")
    # sockaddr[0] is the address string for the AF_INET and AF_INET6 answers asked for here.
    addresses = list(dict.fromkeys(str(info[4][0]).split("%")[0] for info in infos))
    if not addresses:
        raise _failed(field, "the host name could not be resolved.")
    if target.is_allowlisted():
        return addresses
    for address in addresses:
        if not is_public_address(ipaddress.ip_address(address)):
            logger.warning(
                "fetch refused: %s resolves to a non-public address",
                target.host,
                extra={"host": target.host, "address": address},
            )
            raise _refused(field, "points at an address that is not on the public internet.")
    return addresses


# --- the request ------------------------------------------------------------------------------


def _request(
    target: _Target, addresses: list[str], *, field: str, deadline: float, max_bytes: int
) -> tuple[int, str | None, bytes]:
    """One GET to the checked addresses in turn. Returns (status, Location, body)."""
    last_error: Exception | None = None
    for address in addresses:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise _failed(field, _too_slow())
        timeout = httpx.Timeout(
            connect=min(settings.FETCH_CONNECT_TIMEOUT_SECONDS, remaining),
            read=min(settings.FETCH_READ_TIMEOUT_SECONDS, remaining),
            write=min(settings.FETCH_READ_TIMEOUT_SECONDS, remaining),
            pool=min(settings.FETCH_CONNECT_TIMEOUT_SECONDS, remaining),
        )
        pinned = target.url.copy_with(host=address)
        extensions = {}
        if target.url.scheme == "https" and not _is_ip_literal(target.host):
            extensions["sni_hostname"] = target.host  # TLS name and certificate check: the real host
        headers = {
            "Host": target.host_header,
            "User-Agent": _USER_AGENT,
            "Accept-Encoding": "identity",
            "Accept": "image/png,image/jpeg,image/webp,image/*;q=0.8,*/*;q=0.1",
        }
        try:
            with (
                httpx.Client(
                    trust_env=False, follow_redirects=False, timeout=timeout, verify=tls_context()
                ) as client,
                client.stream("GET", pinned, headers=headers, extensions=extensions) as response,
            ):
                if response.status_code in _REDIRECTS:
                    return response.status_code, response.headers.get("location"), b""
                if not 200 <= response.status_code < 300:
                    return response.status_code, None, b""
                return (
                    response.status_code,
                    None,
                    _read_body(response, field=field, deadline=deadline, max_bytes=max_bytes),
                )
        except (httpx.ConnectError, httpx.ConnectTimeout) as exc:
            last_error = exc  # try the host's next (also checked) address
        except httpx.TimeoutException:
            raise _failed(field, "the server did not answer in time.")
        except httpx.HTTPError as exc:
            raise _failed(field, f"the download failed ({type(exc).__name__}).")
    if isinstance(last_error, httpx.ConnectTimeout):
        raise _failed(field, "the server did not accept a connection in time.")
    raise _failed(field, "the server could not be reached.")


def _read_body(response: httpx.Response, *, field: str, deadline: float, max_bytes: int) -> bytes:
    too_big = f"is larger than the {max_bytes // (1024 * 1024)} MB limit ({max_bytes} bytes)."
    encoding = response.headers.get("content-encoding", "identity").strip().lower()
    if encoding not in ("", "identity"):
        raise _failed(
            field, f"the server sent a {encoding}-compressed body; images are not accepted compressed."
        )
    declared = response.headers.get("content-length")
    if declared and declared.isdigit() and int(declared) > max_bytes:
        raise _invalid(field, too_big)
    chunks: list[bytes] = []
    size = 0
    for chunk in response.iter_raw():
        size += len(chunk)
        if size > max_bytes:
            raise _invalid(field, too_big)  # stop reading: the rest is never downloaded
        chunks.append(chunk)
        if time.monotonic() > deadline:
            raise _failed(field, _too_slow())
    return b"".join(chunks)


def _is_ip_literal(host: str) -> bool:
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return False
    return True


def _too_slow() -> str:
    return f"the download took longer than {settings.FETCH_TOTAL_TIMEOUT_SECONDS:g} seconds."


def _invalid(field: str, message: str, *, code: str = "invalid") -> InvalidInput:
    return InvalidInput(f"{field}: {message}", code=code, fields={field: [message]})


def _refused(field: str, message: str, *, code: str = "url_not_allowed") -> InvalidInput:
    return _invalid(field, message, code=code)


class FetchFailed(InvalidInput):
    """A download that failed (code fetch_failed); `http_status` is the server's non-2xx answer,
    None when it gave none."""

    def __init__(self, field: str, reason: str, *, http_status: int | None = None):
        message = f"could not be downloaded: {reason}"
        super().__init__(f"{field}: {message}", code="fetch_failed", fields={field: [message]})
        self.http_status = http_status


def _failed(field: str, reason: str, *, http_status: int | None = None) -> FetchFailed:
    return FetchFailed(field, reason, http_status=http_status)
