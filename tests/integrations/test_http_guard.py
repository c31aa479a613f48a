"""No server-side request to where it must not go: every connection's address is checked (SSRF)."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path

import pytest

from integrations.http import CatalogAddressRefusedError, CatalogConnectionError, HttpClient
from integrations.http import guard as guard_module
from integrations.http.guard import AddressPolicy, address_policy_from_settings

ROOT = Path(__file__).resolve().parents[2]
DEFAULT = AddressPolicy()  # what the settings give when nothing is set
real_getaddrinfo = socket.getaddrinfo


class _Answer(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        self.server.hits += 1  # type: ignore[attr-defined]
        body = json.dumps({"ok": True}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def local_server() -> Iterator[HTTPServer]:
    """A catalog look-alike on 127.0.0.1 that counts the requests it got (one connection each)."""
    server = HTTPServer(("127.0.0.1", 0), _Answer)
    server.hits = 0  # type: ignore[attr-defined]
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


@pytest.fixture
def no_outside_connections(monkeypatch) -> list[tuple[str, int]]:
    """Fail if the client tries to connect anywhere but loopback: a refusal must come before it."""
    attempts: list[tuple[str, int]] = []
    real = guard_module.urllib3_connection.create_connection

    def create_connection(address, *args, **kwargs):
        attempts.append(address)
        if not address[0].startswith("127.") and address[0] != "::1":
            raise AssertionError(f"the client tried to connect to {address}")
        return real(address, *args, **kwargs)

    monkeypatch.setattr(guard_module.urllib3_connection, "create_connection", create_connection)
    return attempts


def resolve_as(monkeypatch, names: dict[str, list[str]]) -> None:
    """Make host names resolve to the given addresses (the rest resolve as usual)."""

    def getaddrinfo(host, port, *args, **kwargs):
        if host in names:
            return [
                (socket.AF_INET6 if ":" in a else socket.AF_INET, socket.SOCK_STREAM, 6, "", (a, port))
                for a in names[host]
            ]
        return real_getaddrinfo(host, port, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)


def client(url: str, policy: AddressPolicy = DEFAULT) -> HttpClient:
    return HttpClient(url, "tok-SECRET-0123456789", catalog="Atlan", max_retries=0, address_policy=policy)


@pytest.mark.parametrize(
    ("url", "kind"),
    [
        ("http://127.0.0.1:{port}", "is a loopback address"),
        ("http://localhost:{port}", "resolves to a loopback address"),
        ("http://[::1]:{port}", "is a loopback address"),
        ("http://0.0.0.0:{port}", "is an unspecified address"),
        ("http://[::]:{port}", "is an unspecified address"),
        ("https://169.254.169.254", "is a link-local address"),
        ("https://[fe80::1]", "is a link-local address"),
        ("https://10.0.0.1", "is a private address"),
        ("https://172.16.5.4", "is a private address"),
        ("https://192.168.1.10", "is a private address"),
        ("https://100.64.0.1", "is a private address"),
        ("https://[fd00::1]", "is a private address"),
        ("https://[::ffff:127.0.0.1]", "is a loopback address"),
        ("https://[::ffff:169.254.169.254]", "is a link-local address"),
    ],
)
def test_with_the_default_settings_internal_targets_are_refused_before_connecting(
    url, kind, local_server, no_outside_connections
):
    target = url.format(port=local_server.server_port)
    with pytest.raises(CatalogAddressRefusedError) as refused:
        client(target).get("/api/meta/user/current")
    message = str(refused.value)
    assert message.startswith("Refused to connect to Atlan at ")
    assert kind in message and "Plumbline does not connect there by default" in message
    assert no_outside_connections == [] and local_server.hits == 0


def test_names_resolving_to_internal_addresses_are_refused_with_the_setting_to_use(
    monkeypatch, no_outside_connections
):
    resolve_as(
        monkeypatch,
        {
            "metadata.example.com": ["169.254.169.254"],
            "intranet.example.com": ["10.20.30.40"],
            "mixed.example.com": ["93.184.216.34", "192.168.0.7"],  # one bad address refuses the name
        },
    )
    for host, kind in [
        ("metadata.example.com", "a link-local address"),
        ("intranet.example.com", "a private address"),
        ("mixed.example.com", "a private address"),
    ]:
        with pytest.raises(CatalogAddressRefusedError, match=f"{host} resolves to {kind}") as refused:
            client(f"https://{host}").get("/x")
        assert "PLUMBLINE_ALLOWED_PRIVATE_HOSTS" in str(refused.value)
    assert no_outside_connections == []


def test_the_address_is_checked_on_every_connection_not_once(monkeypatch, local_server):
    """DNS rebinding: the name answered with an allowed address first, a forbidden one later."""
    answers = iter([["127.0.0.1"], ["169.254.169.254"]])
    resolve_as_once = {"rebind.example.com": None}

    def getaddrinfo(host, port, *args, **kwargs):
        if host in resolve_as_once:
            return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (a, port)) for a in next(answers)]
        return real_getaddrinfo(host, port, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    http = client(f"http://rebind.example.com:{local_server.server_port}", AddressPolicy(allow_loopback=True))
    assert http.get("/first") == {"ok": True}  # HTTP/1.0 server: the next request connects anew
    with pytest.raises(CatalogAddressRefusedError, match="link-local"):
        http.get("/second")
    assert local_server.hits == 1


def test_loopback_is_reached_when_allowed_as_make_run_and_the_tests_do(local_server):
    http = client(f"http://127.0.0.1:{local_server.server_port}", AddressPolicy(allow_loopback=True))
    assert http.get("/x") == {"ok": True} and local_server.hits == 1


def test_a_named_private_host_is_reached_at_the_address_that_was_checked(monkeypatch, local_server):
    resolve_as(monkeypatch, {"catalog.corp.example": ["127.0.0.1"], "other.corp.example": ["127.0.0.1"]})
    policy = AddressPolicy(allowed_private_hosts=frozenset({"catalog.corp.example"}))
    port = local_server.server_port
    assert client(f"http://CATALOG.corp.example:{port}", policy).get("/x") == {"ok": True}
    with pytest.raises(CatalogAddressRefusedError):
        client(f"http://other.corp.example:{port}", policy).get("/x")
    assert local_server.hits == 1


def test_an_unspecified_address_is_refused_even_for_a_named_host(monkeypatch, no_outside_connections):
    resolve_as(monkeypatch, {"zero.corp.example": ["0.0.0.0"]})
    policy = AddressPolicy(allow_loopback=True, allowed_private_hosts=frozenset({"zero.corp.example"}))
    with pytest.raises(CatalogAddressRefusedError, match="unspecified"):
        client("https://zero.corp.example", policy).get("/x")


def test_refused_and_timed_out_connections_read_alike(monkeypatch, local_server):
    port = local_server.server_port
    local_server.server_close()  # nothing listens there any more: connection refused
    policy = AddressPolicy(allow_loopback=True)
    with pytest.raises(CatalogConnectionError) as refused:
        client(f"http://127.0.0.1:{port}", policy).get("/x")

    def time_out(*args, **kwargs):
        raise TimeoutError("timed out")

    monkeypatch.setattr(guard_module.urllib3_connection, "create_connection", time_out)
    with pytest.raises(CatalogConnectionError) as timed_out:
        client(f"http://127.0.0.1:{port}", policy).get("/x")
    assert str(refused.value) == str(timed_out.value) == f"Could not connect to Atlan at 127.0.0.1:{port}."


def test_the_settings_allow_no_loopback_and_no_private_host_by_default():
    environment = {k: v for k, v in os.environ.items() if not k.startswith("PLUMBLINE_ALLOW")}
    environment |= {"DJANGO_SETTINGS_MODULE": "config.settings", "DEBUG": "true"}
    code = (
        "import django; django.setup(); "
        "from integrations.http.guard import address_policy_from_settings as p; print(p())"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=environment, capture_output=True, text=True, check=True
    ).stdout
    assert out.strip() == "AddressPolicy(allow_loopback=False, allowed_private_hosts=frozenset())"


def test_the_settings_name_private_hosts_and_allow_loopback(settings):
    settings.PLUMBLINE_ALLOW_LOOPBACK = True
    settings.PLUMBLINE_ALLOWED_PRIVATE_HOSTS = ["Catalog.Corp.example.", " "]
    assert address_policy_from_settings() == AddressPolicy(True, frozenset({"catalog.corp.example"}))


@pytest.mark.parametrize("url", ["https://169.254.169.254", "https://10.1.2.3", "https://[::ffff:10.1.2.3]"])
def test_the_add_form_refuses_an_internal_address_on_the_url_field_and_saves_nothing(
    admin_http, url, no_outside_connections
):
    from django.urls import reverse

    from integrations.models import Integration
    from tests.helpers import HTMX

    form = {"name": "Metadata", "integration_type": "atlan", "url": url, "token": "tok-SECRET-0123456789"}
    html = admin_http.post(reverse("integrations:add"), form, headers=HTMX).content.decode()
    assert "Refused to connect to Atlan at" in html and "Plumbline does not connect there by default" in html
    assert not Integration.objects.exists() and no_outside_connections == []


def self_signed(tmp_path: Path) -> tuple[Path, Path]:
    """A certificate for localhost (and 127.0.0.1) and its key, in PEM files."""
    import datetime
    import ipaddress

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")])
    now = datetime.datetime.now(datetime.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(hours=1))
        .add_extension(
            x509.SubjectAlternativeName(
                [x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]
            ),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_file, key_file = tmp_path / "cert.pem", tmp_path / "key.pem"
    cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
    )
    return cert_file, key_file


def test_https_through_the_guard_still_verifies_the_certificate_for_the_host_name(
    local_server, tmp_path, monkeypatch
):
    import ssl

    for variable in ("REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE"):  # they would override session.verify
        monkeypatch.delenv(variable, raising=False)
    cert_file, key_file = self_signed(tmp_path)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert_file, key_file)
    local_server.socket = context.wrap_socket(local_server.socket, server_side=True)
    port = local_server.server_port
    policy = AddressPolicy(allow_loopback=True)

    trusting = client(f"https://localhost:{port}", policy)
    trusting.session.verify = str(cert_file)
    assert trusting.get("/x") == {"ok": True}  # connected to the checked address, SNI and name intact
    from integrations.http import CatalogTLSError

    with pytest.raises(CatalogTLSError, match="not trusted"):
        client(f"https://localhost:{port}", policy).get("/x")  # the system store does not know it
    # The connection goes to the pinned address, but the certificate must still match the name.
    resolve_as(monkeypatch, {"other.corp.example": ["127.0.0.1"]})
    named = client(
        f"https://other.corp.example:{port}",
        AddressPolicy(allowed_private_hosts=frozenset({"other.corp.example"})),
    )
    named.session.verify = str(cert_file)
    with pytest.raises(CatalogTLSError, match="does not match the host name"):
        named.get("/x")
