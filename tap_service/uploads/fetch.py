"""Fetching ``UPLOAD=name,URL`` tables, without letting a query reach what it should not.

Only http and https; a size and a time limit; at most five redirects, each checked like the
first URL. The host of every request must resolve to public addresses only: loopback,
private, link-local, multicast and reserved ones (the service's own host, a cloud metadata
endpoint, an intranet) are refused unless the operator allows them (LCDB_UPLOAD_ALLOW_PRIVATE,
e.g. for a test bed on one machine). Failures are reported as the user's, naming the upload.
"""

from __future__ import annotations

import ipaddress
import socket
import urllib.parse

import httpx

from tap_service.errors import BadParameter

MAX_REDIRECTS = 5


def fetch(name: str, url: str, *, max_bytes: int, timeout: float, allow_private: bool) -> bytes:
    current = url
    with httpx.Client(timeout=timeout, follow_redirects=False) as client:
        for _ in range(MAX_REDIRECTS + 1):
            _check(name, current, allow_private)
            try:
                with client.stream("GET", current) as response:
                    if response.is_redirect:
                        location = response.headers.get("location")
                        if not location:
                            raise BadParameter(f"UPLOAD {name}: {current} redirects nowhere")
                        current = urllib.parse.urljoin(current, location)
                        continue
                    if response.status_code != 200:
                        raise BadParameter(
                            f"UPLOAD {name}: {current} answered HTTP {response.status_code}"
                        )
                    return _body(name, current, response, max_bytes)
            except httpx.HTTPError as exc:
                raise BadParameter(f"UPLOAD {name}: cannot fetch {current}: {exc}") from exc
    raise BadParameter(f"UPLOAD {name}: {url} redirects more than {MAX_REDIRECTS} times")


def _body(name: str, url: str, response: httpx.Response, max_bytes: int) -> bytes:
    chunks: list[bytes] = []
    size = 0
    for chunk in response.iter_bytes():
        size += len(chunk)
        if size > max_bytes:
            raise BadParameter(
                f"UPLOAD {name}: {url} is larger than this service takes ({max_bytes:,} bytes, "
                "LCDB_UPLOAD_LIMIT)"
            )
        chunks.append(chunk)
    return b"".join(chunks)


def _check(name: str, url: str, allow_private: bool) -> None:
    parts = urllib.parse.urlsplit(url)
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
        raise BadParameter(f"UPLOAD {name}: only http(s) URLs can be fetched, not {url!r}")
    if allow_private:
        return
    try:
        infos = socket.getaddrinfo(parts.hostname, parts.port or 443, proto=socket.IPPROTO_TCP)
    except OSError as exc:
        raise BadParameter(f"UPLOAD {name}: cannot resolve {parts.hostname}: {exc}") from exc
    for info in infos:
        address = ipaddress.ip_address(info[4][0])
        if not address.is_global:
            raise BadParameter(
                f"UPLOAD {name}: {parts.hostname} is a local or private address ({address}); "
                "this service fetches uploads from public hosts only"
            )
