"""The connection test on the Add Integration form: clear, typed problems, never the token."""

from __future__ import annotations

import socket
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest

from integrations.atlan import connector as atlan_connector
from integrations.atlan.connector import AtlanConnector
from integrations.sync.connector import ConnectionProblem
from sandbox.atlan.store import Token


@pytest.fixture(autouse=True)
def fast_retries(monkeypatch):
    monkeypatch.setattr(atlan_connector, "CLIENT_OPTIONS", {"sleep": lambda seconds: None})


def problem(url: str, token: str) -> ConnectionProblem:
    with pytest.raises(ConnectionProblem) as caught:
        AtlanConnector().connection_test(url=url, credentials={"token": token})
    assert token not in caught.value.message
    return caught.value


def test_a_good_token_signs_in_and_sees_assets(atlan_sandbox):
    ok = AtlanConnector().connection_test(url=atlan_sandbox.url, credentials={"token": atlan_sandbox.token})
    assert ok.username == "service-account-apikey-plumbline-demo"
    assert "assets visible" in ok.detail


def test_a_rejected_token_says_so(atlan_sandbox):
    found = problem(atlan_sandbox.url, "secret-wrong-token-123")
    assert found.kind == "rejected" and "rejected the API token" in found.message


def test_a_token_that_sees_no_asset_is_no_access(atlan_sandbox):
    atlan_sandbox.store.add_token(Token(token="blind-token-456", username="svc-blind", connections=[]))
    found = problem(atlan_sandbox.url, "blind-token-456")
    assert found.kind == "no_access" and "metadata policy" in found.message


def test_nothing_listening_is_unreachable():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    found = problem(f"http://127.0.0.1:{port}", "tok-789")
    assert found.kind == "unreachable" and f"127.0.0.1:{port}" in found.message


class _NotAtlan(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        body = b"<html>hello</html>" if self.path.startswith("/api/service/users/current") else b"nope"
        self.send_response(200 if b"html" in body else 404)
        self.send_header("Content-Type", "text/html")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args) -> None:
        pass


def test_a_server_that_is_not_atlan_is_not_api():
    server = HTTPServer(("127.0.0.1", 0), _NotAtlan)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        url = f"http://127.0.0.1:{server.server_address[1]}"
        found = problem(url, "tok-000")
        assert found.kind == "not_api" and "does not look like an Atlan API" in found.message
    finally:
        server.shutdown()
        server.server_close()


def test_a_url_without_a_host_is_not_api():
    assert problem("not a url", "tok-111").kind == "not_api"
