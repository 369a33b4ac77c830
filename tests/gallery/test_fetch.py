"""The safe URL fetcher, against real HTTP servers on loopback standing in for remote hosts."""

import ipaddress
import socket
import time

import pytest

from config.errors import InvalidInput
from gallery.fetch import fetch_image, is_public_address
from gallery.models import Image
from tests.conftest import png_bytes, stored_files
from tests.gallery.conftest import drip_route, png_route, redirect_route


def _refused(url, field="image_url") -> InvalidInput:
    with pytest.raises(InvalidInput) as caught:
        fetch_image(url, field=field)
    assert caught.value.fields and field in caught.value.fields
    return caught.value


@pytest.mark.parametrize(
    "host",
    [
        "127.0.0.1",
        "10.0.0.1",
        "169.254.169.254",
        "[::1]",
        "localhost",
        "0.0.0.0",  # noqa: S104
        "2130706433",
        "[::ffff:127.0.0.1]",
        "100.64.0.1",
    ],
)
def test_non_public_destinations_are_refused_before_any_connection(settings, fake_host, host):
    server = fake_host({"/cat.png": png_route()})
    error = _refused(f"http://{host}:{server.port}/cat.png")
    assert error.code == "url_not_allowed"
    assert "public internet" in error.message
    assert server.requests == []


@pytest.mark.parametrize(
    "url",
    [
        "ftp://example.com/a.png",
        "file:///etc/passwd",
        "gopher://x/",
        "http://user:secret@example.com/a.png",
        "not a url",
        "http:///a.png",
    ],
)
def test_only_plain_http_and_https_urls_are_accepted(url):
    assert _refused(url).code in {"url_not_allowed", "invalid"}


def test_an_allowed_loopback_host_serves_a_real_png(settings, fake_host):
    server = fake_host({"/cat.png": png_route(png_bytes((200, 150), (10, 200, 30)))})
    settings.ALLOWED_FETCH_HOSTS = [f"127.0.0.1:{server.port}"]
    prepared = fetch_image(f"{server.base}/cat.png", field="url")
    assert (prepared.format, prepared.width, prepared.height) == ("png", 200, 150)
    assert server.requests == [{"path": "/cat.png", "host": f"127.0.0.1:{server.port}"}]


@pytest.mark.parametrize(
    "target",
    [
        "http://127.0.0.1:{other}/cat.png",
        "http://10.0.0.1/cat.png",
        "http://169.254.169.254/latest/meta-data/",
        "http://[::1]:{other}/cat.png",
        "http://localhost:{other}/cat.png",
    ],
)
def test_a_redirect_from_an_allowed_host_to_a_forbidden_one_is_refused(settings, fake_host, target):
    inside = fake_host({"/cat.png": png_route()})
    target = target.format(other=inside.port)
    entry = fake_host({"/go": redirect_route(target)})
    settings.ALLOWED_FETCH_HOSTS = [f"127.0.0.1:{entry.port}"]  # the first hop only
    error = _refused(f"{entry.base}/go")
    assert error.code == "url_not_allowed"
    assert [r["path"] for r in entry.requests] == ["/go"]
    assert inside.requests == []


def test_redirects_are_followed_three_times_and_no_more(settings, fake_host):
    server = fake_host(
        {
            "/1": redirect_route("/2"),
            "/2": redirect_route("/3", 301),
            "/3": redirect_route("/cat.png", 307),
            "/cat.png": png_route(),
            "/0": redirect_route("/1", 308),
        }
    )
    settings.ALLOWED_FETCH_HOSTS = [f"127.0.0.1:{server.port}"]
    assert fetch_image(f"{server.base}/1", field="url").format == "png"
    error = _refused(f"{server.base}/0", field="url")
    assert error.code == "fetch_failed" and "more than 3" in error.message


def test_the_connection_goes_to_the_checked_address_with_the_original_host_header(
    settings, fake_host, monkeypatch
):
    """DNS rebinding: a second lookup would get another address; there is no second lookup."""
    server = fake_host({"/cat.png": png_route()})
    settings.ALLOWED_FETCH_HOSTS = [f"images.example.test:{server.port}"]
    real_getaddrinfo = socket.getaddrinfo
    answers = iter(["127.0.0.1"])
    lookups = []

    def rebinding_dns(host, port, *args, **kwargs):
        if host != "images.example.test":
            return real_getaddrinfo(host, port, *args, **kwargs)
        lookups.append(host)
        address = next(answers, "10.255.255.1")  # a second answer would point elsewhere
        return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (address, port))]

    monkeypatch.setattr(socket, "getaddrinfo", rebinding_dns)
    prepared = fetch_image(f"http://images.example.test:{server.port}/cat.png", field="url")
    assert prepared.format == "png"
    assert lookups == ["images.example.test"]
    assert server.requests[0]["host"] == f"images.example.test:{server.port}"


def test_a_body_over_the_byte_limit_is_refused_without_reading_it_all(settings, fake_host):
    settings.MAX_UPLOAD_BYTES = 4096
    big = png_bytes((200, 200), (1, 2, 3)) + b"\0" * 10_000
    server = fake_host(
        {"/declared.png": png_route(big), "/chunked.png": drip_route(chunks=2000, delay=0, chunk=b"z" * 1000)}
    )
    settings.ALLOWED_FETCH_HOSTS = [f"127.0.0.1:{server.port}"]
    assert "4096 bytes" in _refused(f"{server.base}/declared.png", field="url").message
    started = time.monotonic()
    assert "4096 bytes" in _refused(f"{server.base}/chunked.png", field="url").message
    assert time.monotonic() - started < 2


def test_a_slow_server_is_cut_off_at_the_total_time_limit(settings, fake_host):
    settings.FETCH_TOTAL_TIMEOUT_SECONDS = 0.6
    server = fake_host({"/slow.png": drip_route(chunks=100, delay=0.1)})
    settings.ALLOWED_FETCH_HOSTS = [f"127.0.0.1:{server.port}"]
    started = time.monotonic()
    error = _refused(f"{server.base}/slow.png", field="url")
    assert error.code == "fetch_failed" and "longer than 0.6 seconds" in error.message
    assert time.monotonic() - started < 2


@pytest.mark.parametrize(
    ("route", "message"),
    [
        ((200, {"Content-Type": "image/png"}, b"<html>not an image</html>"), "not a readable"),
        ((404, {}, b"gone"), "HTTP 404"),
        ((200, {"Content-Encoding": "gzip"}, b"\x1f\x8b..."), "compressed"),
    ],
)
def test_answers_that_are_not_an_image_are_refused_naming_the_field(settings, fake_host, route, message):
    server = fake_host({"/x": route})
    settings.ALLOWED_FETCH_HOSTS = [f"127.0.0.1:{server.port}"]
    assert message in _refused(f"{server.base}/x", field="url").message


def test_an_unresolvable_host_is_a_clear_error():
    error = _refused("http://no-such-host.invalid/cat.png")
    assert error.code == "fetch_failed" and "resolved" in error.message


@pytest.mark.parametrize(
    ("address", "public"),
    [
        ("8.8.8.8", True),
        ("2606:4700::1111", True),
        ("127.0.0.1", False),
        ("10.1.2.3", False),
        ("172.16.0.1", False),
        ("192.168.1.1", False),
        ("169.254.169.254", False),
        ("100.64.0.1", False),
        ("0.0.0.0", False),  # noqa: S104
        ("224.0.0.1", False),
        ("240.0.0.1", False),
        ("255.255.255.255", False),
        ("::1", False),
        ("::", False),
        ("fe80::1", False),
        ("fc00::1", False),
        ("ff02::1", False),
        ("::ffff:127.0.0.1", False),
        ("::ffff:169.254.169.254", False),
        ("2002:7f00:1::", False),
        ("2002:a00:1::", False),
        ("64:ff9b::a00:1", False),
    ],
)
def test_the_address_check(address, public):
    assert is_public_address(ipaddress.ip_address(address)) is public


# --- through the import API -------------------------------------------------------------------


@pytest.mark.django_db
def test_importing_from_an_allowed_server_adds_the_picture_to_the_gallery(api, settings, fake_host):
    server = fake_host(
        {"/cat.jpg": (200, {"Content-Type": "image/jpeg"}, png_bytes((640, 480), (200, 40, 40), "JPEG"))}
    )
    settings.ALLOWED_FETCH_HOSTS = [f"127.0.0.1:{server.port}"]
    response = api.post("/api/v1/images/import", {"url": f"{server.base}/cat.jpg"}, format="json")
    assert response.status_code == 201, response.json()
    body = response.json()
    assert (body["source"], body["format"], body["width"], body["height"]) == ("import", "jpeg", 640, 480)
    assert api.get(body["url"]).status_code == 200
    assert [i["id"] for i in api.get("/api/v1/images").json()["results"]] == [body["id"]]


@pytest.mark.django_db
@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:{port}/cat.png",
        "http://169.254.169.254/latest/",
        "http://localhost:{port}/cat.png",
        "http://[::1]:{port}/cat.png",
    ],
)
def test_an_unsafe_import_url_is_refused_and_nothing_is_stored(api, fake_host, storage_dir, url):
    server = fake_host({"/cat.png": png_route()})
    response = api.post("/api/v1/images/import", {"url": url.format(port=server.port)}, format="json")
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "url_not_allowed" and "url" in body["fields"]
    assert server.requests == []
    assert Image.objects.count() == 0 and stored_files(storage_dir) == []
