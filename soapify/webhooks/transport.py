"""Outbound webhook requests that cannot be turned against our own network (SSRF).

* Only ``http``/``https`` URLs without credentials (``https`` only when ``WEBHOOKS_REQUIRE_HTTPS``).
* The host name is resolved **once**; every address it resolves to must be public (not private,
  loopback, link-local, multicast, reserved, unspecified, shared or otherwise non-global, IPv4
  addresses inside IPv6 ones included), unless ``WEBHOOKS_ALLOW_PRIVATE`` (development and tests).
* The request connects to that very address (urllib3 pool on the IP) while the ``Host`` header,
  TLS SNI and certificate check use the name, so a DNS answer that changes between the check and
  the connection (DNS rebinding) is never followed.
* Redirects are never followed (a 3xx is a failed attempt), nothing is retried here (the delivery
  schedule retries), connect and read time-outs are bounded, and at most
  ``WEBHOOKS_MAX_RESPONSE_BYTES`` of the answer are read before the connection is closed.
"""

from __future__ import annotations

import ipaddress
import socket
import time
from dataclasses import dataclass
from urllib.parse import urlsplit

import certifi
import urllib3
from django.conf import settings
from urllib3.exceptions import (
    ConnectTimeoutError,
    HTTPError,
    NewConnectionError,
    ProtocolError,
    ReadTimeoutError,
    SSLError,
)

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
#: NAT64's well-known prefix: the last 32 bits are an IPv4 address reached through a translator
NAT64 = ipaddress.IPv6Network("64:ff9b::/96")


class DestinationRefused(Exception):
    """The URL may not be called: ``code`` is ``url_invalid``, ``url_unresolvable`` or
    ``address_refused``."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


@dataclass(frozen=True)
class Destination:
    scheme: str
    host: str  # the name as written (lower case, IPv6 without brackets)
    port: int
    target: str  # path and query
    address: str  # the pinned IP address

    @property
    def host_header(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        default = 443 if self.scheme == "https" else 80
        return host if self.port == default else f"{host}:{self.port}"


def address_forbidden(ip: IPAddress) -> bool:
    """Any address that is not a plain public unicast one (``ipaddress`` does the classification)."""
    if isinstance(ip, ipaddress.IPv6Address):
        embedded = ip.ipv4_mapped or ip.sixtofour or (ip.teredo[1] if ip.teredo else None)
        if embedded is None and ip in NAT64:
            embedded = ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
        if embedded is not None and address_forbidden(embedded):
            return True
    return (
        not ip.is_global
        or ip.is_private
        or ip.is_loopback
        or ip.is_link_local
        or ip.is_multicast
        or ip.is_reserved
        or ip.is_unspecified
    )


def destination_check(url: str) -> Destination:
    """Parse ``url``, resolve its host once and check every address; the destination to connect to.
    Raises ``DestinationRefused``."""
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        raise DestinationRefused("url_invalid", "The URL is not valid.") from None
    scheme = parts.scheme.lower()
    allowed = ("https",) if settings.WEBHOOKS_REQUIRE_HTTPS else ("http", "https")
    if scheme not in allowed:
        raise DestinationRefused("url_invalid", f"The URL must start with {' or '.join(allowed)}://.")
    if parts.username is not None or parts.password is not None:
        raise DestinationRefused("url_invalid", "The URL may not carry a user name or password.")
    host = (parts.hostname or "").rstrip(".")
    if not host:
        raise DestinationRefused("url_invalid", "The URL has no host.")
    port = port or (443 if scheme == "https" else 80)
    target = parts.path or "/"
    if parts.query:
        target = f"{target}?{parts.query}"

    addresses = _resolve(host, port)
    if not settings.WEBHOOKS_ALLOW_PRIVATE and any(address_forbidden(ip) for ip in addresses):
        raise DestinationRefused(
            "address_refused",
            "The URL's host is, or resolves to, a private, loopback, link-local, multicast or "
            "reserved address; webhooks are only sent to public addresses.",
        )
    return Destination(scheme=scheme, host=host, port=port, target=target, address=str(addresses[0]))


def _resolve(host: str, port: int) -> list[IPAddress]:
    try:
        return [ipaddress.ip_address(host)]
    except ValueError:
        pass
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (OSError, UnicodeError):
        raise DestinationRefused("url_unresolvable", "The URL's host name does not resolve.") from None
    addresses: list[IPAddress] = []
    for info in infos:
        ip = ipaddress.ip_address(str(info[4][0]).split("%", 1)[0])  # drop an IPv6 zone id
        if ip not in addresses:
            addresses.append(ip)
    if not addresses:
        raise DestinationRefused("url_unresolvable", "The URL's host name does not resolve.")
    return addresses


@dataclass(frozen=True)
class Answer:
    status_code: int | None
    error: str  # "" when the receiver answered 2xx
    message: str


def post(destination: Destination, body: bytes, headers: dict[str, str]) -> Answer:
    """POST ``body`` to the pinned address; never raises for network trouble (an ``Answer``)."""
    timeout = urllib3.Timeout(
        connect=float(settings.WEBHOOKS_CONNECT_TIMEOUT), read=float(settings.WEBHOOKS_READ_TIMEOUT)
    )
    pool: urllib3.HTTPConnectionPool
    if destination.scheme == "https":
        pool = urllib3.HTTPSConnectionPool(
            destination.address,
            destination.port,
            timeout=timeout,
            retries=False,
            maxsize=1,
            cert_reqs="CERT_REQUIRED",
            ca_certs=certifi.where(),
            server_hostname=destination.host,
            assert_hostname=destination.host,
        )
    else:
        pool = urllib3.HTTPConnectionPool(
            destination.address, destination.port, timeout=timeout, retries=False
        )
    try:
        response = pool.urlopen(
            "POST",
            destination.target,
            body=body,
            headers={**headers, "Host": destination.host_header},
            redirect=False,
            retries=False,
            preload_content=False,
            assert_same_host=False,
        )
        try:
            _read_capped(response)
        finally:
            response.close()  # the rest of the body is never read
    except (ConnectTimeoutError, ReadTimeoutError):
        return Answer(None, "timeout", "The receiver did not answer in time.")
    except SSLError:
        return Answer(None, "tls_error", "The TLS handshake or certificate check failed.")
    except (NewConnectionError, ProtocolError, HTTPError, OSError):
        return Answer(None, "connection_error", "The receiver could not be reached.")
    finally:
        pool.close()
    status = response.status
    if 200 <= status < 300:
        return Answer(status, "", "")
    if 300 <= status < 400:
        return Answer(
            status, "redirect_refused", f"The receiver answered {status}; redirects are not followed."
        )
    return Answer(status, "http_error", f"The receiver answered {status}.")


def _read_capped(response) -> None:
    """Read at most ``WEBHOOKS_MAX_RESPONSE_BYTES`` of the answer within ``WEBHOOKS_TOTAL_TIMEOUT``
    (each read is also bounded by the read time-out), then stop: the body is not kept. ``read1``
    returns what has arrived instead of waiting for a full buffer, so a receiver dripping its answer
    byte by byte is cut off at the deadline."""
    limit = int(settings.WEBHOOKS_MAX_RESPONSE_BYTES)
    deadline = time.monotonic() + float(settings.WEBHOOKS_TOTAL_TIMEOUT)
    received = 0
    while received < limit and time.monotonic() < deadline:
        chunk = response.read1(min(8192, limit - received))
        if not chunk:
            return
        received += len(chunk)
