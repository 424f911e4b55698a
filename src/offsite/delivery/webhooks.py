"""Where a webhook channel may point, and posting to the address checked (LM-5).

A unit gives its webhook address itself, so without a rule the platform would
post notices wherever a unit user asks: to its own loopback, its private
network or the cloud's metadata service (server-side request forgery). The
address is checked when the channel is added and again before every send,
because a name may resolve elsewhere by then (DNS rebinding); the send then
connects to the very address that was checked and never resolves the name a
second time.
"""

from __future__ import annotations

import http.client
import ipaddress
import socket
import ssl
from dataclasses import dataclass
from urllib.parse import urlsplit

from django.conf import settings

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address


class AddressRefusedError(ValueError):
    """A webhook address the platform may not post to; the message is the rule."""


class UnresolvedNameError(OSError):
    """The host name of a webhook address does not resolve now."""


@dataclass(frozen=True)
class Target:
    """A checked webhook address: the name to ask for and the address to dial."""

    scheme: str
    host: str
    port: int
    path: str
    ip: str


def target(address: str) -> Target:
    """Check a webhook address and return where a send connects.

    Raise `AddressRefusedError` when the address breaks the rule: it must be an
    http:// or https:// URL with a host, and neither the host nor any address
    its name resolves to may be loopback, private, link-local, multicast,
    reserved or unspecified. Raise `UnresolvedNameError` when the name does not
    resolve now.
    """
    parts = urlsplit(address)
    try:
        port = parts.port
    except ValueError:
        port = 0
    if port == 0:
        raise AddressRefusedError("a webhook address needs a port from 1 to 65535")
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise AddressRefusedError(
            "a webhook address is an http:// or https:// URL with a host"
        )
    literal = _literal(parts.hostname)
    host = parts.hostname if literal is not None else _ascii_name(parts.hostname)
    port = port or (443 if parts.scheme == "https" else 80)

    addresses = [literal] if literal is not None else _resolve(host, port)
    for ip in addresses:
        if not _allowed(ip):
            shown = host if literal is not None else f"{host} resolves to {ip}"
            raise AddressRefusedError(f"{_rule()} ({shown})")
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    return Target(parts.scheme, host, port, path, str(addresses[0]))


def refusal(address: str) -> str | None:
    """Say which rule a webhook address breaks, or None if it breaks none.

    A name that does not resolve now breaks none: nothing can be posted to
    it either, and every send checks it again.
    """
    try:
        target(address)
    except AddressRefusedError as error:
        return str(error)
    except UnresolvedNameError:
        pass
    return None


def post(
    to: Target, body: bytes, headers: dict[str, str], *, timeout_seconds: float
) -> tuple[int, str]:
    """POST to a checked address; return the status and the answer's start.

    Redirects are not followed: a 3xx is an answer like any other, so a
    gateway cannot send the platform on to an address nobody checked. The
    post goes straight to the gateway, never through a proxy named in the
    environment (`https_proxy`). Raise `OSError` or
    `http.client.HTTPException` when the exchange fails.
    """
    if to.scheme == "https":
        connection: http.client.HTTPConnection = _PinnedHTTPSConnection(
            to, timeout_seconds
        )
    else:
        connection = _PinnedHTTPConnection(to, timeout_seconds)
    try:
        connection.request("POST", to.path, body=body, headers=headers)
        response = connection.getresponse()
        return response.status, response.read(2000).decode("utf-8", "replace")
    finally:
        connection.close()


def _literal(host: str) -> IPAddress | None:
    try:
        return ipaddress.ip_address(host)
    except ValueError:
        return None


def _ascii_name(name: str) -> str:
    try:
        return name.encode("idna").decode("ascii")
    except UnicodeError as error:
        raise AddressRefusedError(f"{name!r} is not a valid host name") from error


def _resolve(name: str, port: int) -> list[IPAddress]:
    try:
        found = socket.getaddrinfo(name, port, type=socket.SOCK_STREAM)
    except socket.gaierror as error:
        raise UnresolvedNameError(f"{name} does not resolve: {error}") from error
    # Every address counts, not just the first: a name answering one public
    # and one private address must not be posted to either.
    return list(dict.fromkeys(ipaddress.ip_address(info[4][0]) for info in found))


def _allowed(ip: IPAddress) -> bool:
    if isinstance(ip, ipaddress.IPv6Address):
        # ::ffff:127.0.0.1 and the 6to4 form 2002:7f00:1:: reach IPv4 hosts.
        ip = ip.ipv4_mapped or ip.sixtofour or ip
    # Link-local holds the cloud metadata service (169.254.169.254); no
    # gateway is reached through it or through a multicast or unspecified
    # address, so those stay refused even where private ones are allowed.
    if ip.is_link_local or ip.is_multicast or ip.is_unspecified:
        return False
    if settings.DELIVERY_WEBHOOK_ALLOW_PRIVATE:
        return True
    # `is_global` also leaves out the shared range 100.64.0.0/10, where
    # some clouds put their metadata service.
    return ip.is_global and not (ip.is_private or ip.is_loopback or ip.is_reserved)


def _rule() -> str:
    if settings.DELIVERY_WEBHOOK_ALLOW_PRIVATE:
        return (
            "a webhook may not point at a link-local, multicast or unspecified "
            "address, even where private addresses are allowed"
        )
    return (
        "a webhook may not point at a loopback, private, link-local, multicast "
        "or reserved address"
    )


class _PinnedHTTPConnection(http.client.HTTPConnection):
    """Plain HTTP to the checked address, with the name in the Host header."""

    def __init__(self, to: Target, timeout_seconds: float) -> None:
        super().__init__(to.host, to.port, timeout=timeout_seconds)
        self.dial = (to.ip, to.port)

    def connect(self) -> None:
        self.sock = socket.create_connection(self.dial, self.timeout)


class _PinnedHTTPSConnection(http.client.HTTPSConnection):
    """TLS to the checked address; the certificate must match the name."""

    def __init__(self, to: Target, timeout_seconds: float) -> None:
        self.tls = ssl.create_default_context()
        super().__init__(to.host, to.port, timeout=timeout_seconds, context=self.tls)
        self.dial = (to.ip, to.port)

    def connect(self) -> None:
        sock = socket.create_connection(self.dial, self.timeout)
        try:
            self.sock = self.tls.wrap_socket(sock, server_hostname=self.host)
        except BaseException:
            sock.close()
            raise
