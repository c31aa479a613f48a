"""Where a catalog request may go: never to this machine's or a private network's services by default.

The check runs on every new connection, on the addresses the name resolves to at that moment, and
the connection is made to the address that was checked (resolve, check, pin): a name that resolved
to a public address when the integration was saved and to 169.254.169.254 later is refused then.
Redirects are followed only to the same host (and never from https to plain http).
"""

from __future__ import annotations

import ipaddress
import socket
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urljoin, urlsplit

import requests
from django.conf import settings
from requests.adapters import HTTPAdapter
from requests.utils import select_proxy
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool
from urllib3.exceptions import ConnectTimeoutError, NameResolutionError, NewConnectionError
from urllib3.util import connection as urllib3_connection

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address

UNSPECIFIED = "an unspecified address (0.0.0.0 or ::)"
LOOPBACK = "a loopback address (this machine)"
LINK_LOCAL = "a link-local address (such as a cloud metadata service)"
MULTICAST = "a multicast address"
PRIVATE = "a private address"
# Never allowed, whatever the settings say.
NEVER = (UNSPECIFIED, MULTICAST)


@dataclass(frozen=True)
class AddressPolicy:
    """Which non-public addresses a catalog may have: loopback (the sandboxes), named private hosts."""

    allow_loopback: bool = False
    allowed_private_hosts: frozenset[str] = field(default_factory=frozenset)

    def host_allowed(self, host: str) -> bool:
        return host_normalise(host) in self.allowed_private_hosts


def host_normalise(host: str) -> str:
    return host.strip().strip("[]").rstrip(".").lower()


def host_is_address(host: str) -> bool:
    try:
        ipaddress.ip_address(host_normalise(host))
    except ValueError:
        return False
    return True


def address_policy_from_settings() -> AddressPolicy:
    hosts = getattr(settings, "PLUMBLINE_ALLOWED_PRIVATE_HOSTS", [])
    return AddressPolicy(
        allow_loopback=bool(getattr(settings, "PLUMBLINE_ALLOW_LOOPBACK", False)),
        allowed_private_hosts=frozenset(host_normalise(h) for h in hosts if h.strip()),
    )


class AddressRefused(Exception):
    """A catalog host resolved to an address Plumbline does not connect to. Not an OSError, so
    urllib3 and requests let it through unwrapped and nobody retries it."""

    def __init__(self, host: str, kind: str) -> None:
        self.host = host
        self.kind = kind
        if kind == LOOPBACK:
            hint = "set PLUMBLINE_ALLOW_LOOPBACK=true to reach a catalog sandbox on this machine"
        elif kind in NEVER:
            hint = "use the catalog's own address"
        else:
            hint = "name an on-premises catalog's host in PLUMBLINE_ALLOWED_PRIVATE_HOSTS"
        verb = "is" if host_is_address(host) else "resolves to"
        super().__init__(f"{host} {verb} {kind}; Plumbline does not connect there by default ({hint}).")


class RedirectRefused(Exception):
    """The catalog redirected to another host, or from https to plain http."""


def address_kind(ip: IPAddress) -> str | None:
    """Why an address is off-limits by default, or None for a public address."""
    if isinstance(ip, ipaddress.IPv6Address):
        embedded = ip.ipv4_mapped or ip.sixtofour
        if embedded is not None:
            return address_kind(embedded)
    if ip.is_unspecified:
        return UNSPECIFIED
    if ip.is_loopback:
        return LOOPBACK
    if ip.is_link_local:
        return LINK_LOCAL
    if ip.is_multicast:
        return MULTICAST
    if ip.is_private or not ip.is_global:
        return PRIVATE
    return None


def address_check(host: str, address: str, policy: AddressPolicy) -> None:
    """Raise AddressRefused unless `host` may be reached at `address` under `policy`."""
    kind = address_kind(ipaddress.ip_address(address.split("%", 1)[0]))
    if kind is None:
        return
    if kind not in NEVER and policy.host_allowed(host):
        return
    if kind == LOOPBACK and policy.allow_loopback:
        return
    raise AddressRefused(host_normalise(host), kind)


def addresses_resolve(host: str, port: int, policy: AddressPolicy) -> list[str]:
    """Every address `host` resolves to, each checked: one refused address refuses the host."""
    infos = socket.getaddrinfo(host_normalise(host), port, type=socket.SOCK_STREAM)
    addresses = list(dict.fromkeys(str(info[4][0]) for info in infos))
    for address in addresses:
        address_check(host, address, policy)
    return addresses


# --- Connections that check and pin the address ------------------------------------------------


class _GuardedConnection(HTTPConnection):
    address_policy: AddressPolicy = AddressPolicy()

    def _new_conn(self) -> socket.socket:
        try:
            addresses = addresses_resolve(self._dns_host, self.port, self.address_policy)
        except socket.gaierror as exc:
            raise NameResolutionError(self.host, self, exc) from exc
        error: Exception = NewConnectionError(self, f"{self.host} resolved to no address")
        for address in addresses:
            try:
                sock = urllib3_connection.create_connection(
                    (address, self.port),
                    self.timeout,
                    source_address=self.source_address,
                    socket_options=self.socket_options,
                )
            except TimeoutError as exc:
                error = ConnectTimeoutError(self, f"Connection to {self.host} timed out.")
                error.__cause__ = exc
            except OSError as exc:
                error = NewConnectionError(self, f"Failed to establish a new connection: {exc}")
                error.__cause__ = exc
            else:
                return self._peer_check(sock)
        raise error

    def _peer_check(self, sock: socket.socket) -> socket.socket:
        # Belt and braces: the peer is the address that was checked, but never trust a socket blindly.
        try:
            address_check(self._dns_host, str(sock.getpeername()[0]), self.address_policy)
        except AddressRefused:
            sock.close()
            raise
        return sock


class _GuardedHTTPSConnection(_GuardedConnection, HTTPSConnection):
    pass


def _pool_classes(policy: AddressPolicy) -> dict[str, type[HTTPConnectionPool]]:
    plain = type("GuardedHTTPConnection", (_GuardedConnection,), {"address_policy": policy})
    tls = type("GuardedHTTPSConnection", (_GuardedHTTPSConnection,), {"address_policy": policy})
    return {
        "http": type("GuardedHTTPConnectionPool", (HTTPConnectionPool,), {"ConnectionCls": plain}),
        "https": type("GuardedHTTPSConnectionPool", (HTTPSConnectionPool,), {"ConnectionCls": tls}),
    }


class GuardedAdapter(HTTPAdapter):
    """A requests transport whose every new connection is checked against an AddressPolicy."""

    def __init__(self, policy: AddressPolicy, **kwargs: Any) -> None:
        self.address_policy = policy
        super().__init__(**kwargs)

    def init_poolmanager(self, *args: Any, **kwargs: Any) -> None:
        super().init_poolmanager(*args, **kwargs)
        self.poolmanager.pool_classes_by_scheme = _pool_classes(self.address_policy)

    def send(self, request: requests.PreparedRequest, *args: Any, **kwargs: Any) -> requests.Response:
        # Through a proxy the proxy connects: check what the name resolves to here at least.
        if request.url and select_proxy(request.url, kwargs.get("proxies") or {}):
            addresses_resolve(
                urlsplit(request.url).hostname or "", url_port(request.url), self.address_policy
            )
        return super().send(request, *args, **kwargs)


# --- Redirects ---------------------------------------------------------------------------------


def url_port(url: str) -> int:
    parts = urlsplit(url)
    return parts.port or (443 if parts.scheme == "https" else 80)


def redirect_allowed(source: str, target: str) -> bool:
    """Same host and port; the scheme may only go from http to https on that host."""
    before, after = urlsplit(source), urlsplit(target)
    if (before.hostname or "").lower() != (after.hostname or "").lower():
        return False
    if before.scheme == after.scheme:
        return url_port(source) == url_port(target)
    return before.scheme == "http" and after.scheme == "https"


def redirect_guard(response: requests.Response, *args: Any, **kwargs: Any) -> None:
    """A response hook: refuse a redirect to another host or down to plain http before it is followed."""
    if not response.is_redirect:
        return
    try:
        target = urljoin(response.url, response.headers.get("Location", ""))
        if redirect_allowed(response.url, target):
            return
        same_host = (urlsplit(target).hostname or "").lower() == (
            urlsplit(response.url).hostname or ""
        ).lower()
    except ValueError:  # a Location that is no URL at all (a bad port, an unclosed [)
        response.close()
        raise RedirectRefused("a redirect to an address that is not valid") from None
    response.close()
    raise RedirectRefused("a redirect to plain http" if same_host else "a redirect to another host")


def session_guard(session: requests.Session, policy: AddressPolicy) -> requests.Session:
    """Check every connection of `session` against `policy` and refuse redirects elsewhere."""
    adapter = GuardedAdapter(policy)
    session.mount("http://", adapter)
    session.mount("https://", adapter)
    session.max_redirects = 5
    if redirect_guard not in session.hooks["response"]:
        session.hooks["response"].append(redirect_guard)
    return session
