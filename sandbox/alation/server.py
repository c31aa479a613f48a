"""The sandbox's HTTP server: stdlib only, so it runs in-process in tests or as its own process.

Routing, JSON in and out, the TOKEN header, Alation-shaped errors and fault injection live
here; endpoint logic is in the `api_*` modules, state in `store.py`.
"""

from __future__ import annotations

import json
import logging
import re
import socket
import threading
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

from . import errors, page, routes
from .api_auth import authenticate
from .base import Ctx, Reply
from .behaviour import Behaviour
from .errors import AlationApiError
from .faults import HTML_500, FaultConfig, Faults
from .scenario import build_store, load_scenario
from .store import Store

logger = logging.getLogger(__name__)
API_PREFIXES = ("/integration/", "/api/")


OBJECT_PAGE = re.compile(r"/(schema|table|attribute)/(\d{1,12})/?")


class SandboxServer(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(
        self,
        address: tuple[str, int],
        store: Store,
        faults: Faults,
        behaviour: Behaviour,
        *,
        verbose: bool = False,
    ) -> None:
        super().__init__(address, SandboxHandler)
        self.store = store
        self.faults = faults
        self.behaviour = behaviour
        self.verbose = verbose
        self._open: set[socket.socket] = set()
        self._open_lock = threading.Lock()

    # Track client sockets so stop() can close keep-alive connections instead of leaking threads.
    def process_request(self, request: Any, client_address: Any) -> None:
        with self._open_lock:
            self._open.add(request)
        super().process_request(request, client_address)

    def shutdown_request(self, request: Any) -> None:
        with self._open_lock:
            self._open.discard(request)
        super().shutdown_request(request)

    def close_all_connections(self) -> None:
        with self._open_lock:
            sockets = list(self._open)
        for sock in sockets:
            try:
                sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass


class SandboxHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "AlationSandbox/1.0"
    # Headers and body go out in two writes; with Nagle on, the second waits for the client's
    # delayed ACK (~40 ms per answer on keep-alive connections).
    disable_nagle_algorithm = True
    server: SandboxServer
    timeout = 60

    def log_message(self, format: str, *args: Any) -> None:
        if self.server.verbose:
            logger.info("%s %s", self.address_string(), format % args)

    def do_GET(self) -> None:
        self._dispatch("GET")

    def do_POST(self) -> None:
        self._dispatch("POST")

    def do_PUT(self) -> None:
        self._dispatch("PUT")

    def do_PATCH(self) -> None:
        self._dispatch("PATCH")

    def do_DELETE(self) -> None:
        self._dispatch("DELETE")

    def _send(
        self, status: int, body: Any, headers: dict[str, str] | None = None, content_type: str = ""
    ) -> None:
        if isinstance(body, (bytes, str)):
            payload = body.encode("utf-8") if isinstance(body, str) else body
        else:
            payload = b"" if body is None else json.dumps(body).encode("utf-8")
        self.send_response(status)
        for key, value in (headers or {}).items():
            self.send_header(key, value)
        if status != 204:
            self.send_header("Content-Type", content_type or "application/json")
            self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        if status != 204:
            self.wfile.write(payload)

    def _drop(self) -> None:
        """Close the socket without answering, as a load balancer dropping a connection would."""
        self.close_connection = True
        try:
            self.connection.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass

    def _dispatch(self, method: str) -> None:
        url = urlsplit(self.path)
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length > 0 else b""
        if not url.path.startswith(API_PREFIXES):
            self._serve_page(method, url.path, parse_qs(url.query))
            return
        route, args, other_method = routes.match(method, url.path)
        if route is None:
            error = (
                errors.drf(405, f'Method "{method}" not allowed.', "405000")
                if other_method
                else errors.not_found()
            )
            self._send(error.status, error.body)
            return
        server = self.server
        if server.faults.latency_seconds:
            time.sleep(server.faults.latency_seconds)
        fault = server.faults.draw()
        if fault is not None:
            server.store.record_fault(fault)
            if fault == "drop":
                self._drop()
                return
            error = server.faults.error_for(fault)
            self._send(error.status, error.body, error.headers, error.content_type)
            return
        ctx = Ctx(
            method,
            url.path,
            parse_qs(url.query, keep_blank_values=True),
            None,
            server.store,
            server.behaviour,
            server.faults,
            args=tuple(unquote(a) for a in args),
        )
        reply, category = self._answer(route, ctx, raw)
        # Counted before it is sent, so a test that has its answer sees the count.
        server.store.record_request(method, url.path, route.kind, category, reply.status)
        content_type = "text/html; charset=utf-8" if isinstance(reply.body, str) else ""
        self._send(reply.status, reply.body, reply.headers, content_type)

    def _answer(self, route: routes.Route, ctx: Ctx, raw: bytes) -> tuple[Reply, str]:
        store = ctx.store
        try:
            with store.lock:
                if route.needs_token:
                    try:
                        ctx.user = authenticate(store, ctx.behaviour, self.headers.get("TOKEN") or "")
                    except AlationApiError as exc:
                        return Reply(exc.status, exc.body, exc.headers), "rejected"
                if raw:
                    try:
                        ctx.body = json.loads(raw)
                    except ValueError as exc:
                        raise errors.bad_request(f"JSON parse error - {exc}") from None
                return route.handler(ctx), route.category
        except AlationApiError as exc:
            return Reply(exc.status, exc.body, exc.headers), route.category
        except Exception:  # an unexpected bug must still answer as Alation's Django would
            logger.error("sandbox error on %s %s: %s", ctx.method, ctx.path, traceback.format_exc())
            return Reply(500, HTML_500), route.category

    def _serve_page(self, method: str, path: str, query: dict[str, list[str]]) -> None:
        # Alation's own object pages: /schema/<id>/, /table/<id>/, /attribute/<id>/.
        found = OBJECT_PAGE.fullmatch(path)
        html: str | None = None
        if method == "GET" and found:
            html = page.render_object(self.server.store, found.group(1), int(found.group(2)))
        elif method == "GET" and path in ("/", "/index.html"):
            html = page.render(self.server.store, {k: v[-1] for k, v in query.items()})
        if html is None:
            self._send(404, "Not found", content_type="text/plain; charset=utf-8")
            return
        self._send(200, html, content_type="text/html; charset=utf-8")


@dataclass
class SandboxHandle:
    """A running sandbox: its URL, demo credentials, live store, faults and behaviour switches."""

    server: SandboxServer
    thread: threading.Thread

    @property
    def host(self) -> str:
        return str(self.server.server_address[0])

    @property
    def port(self) -> int:
        return int(self.server.server_address[1])

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    @property
    def store(self) -> Store:
        return self.server.store

    @property
    def faults(self) -> Faults:
        return self.server.faults

    @property
    def behaviour(self) -> Behaviour:
        return self.server.behaviour

    @property
    def user_id(self) -> int:
        return self.store.demo_user_id

    @property
    def refresh_token(self) -> str:
        return self.store.demo_refresh_token

    def access_token(self, refresh_token: str | None = None) -> str:
        """A fresh access token minted in-process (no request is counted)."""
        store = self.store
        with store.lock:
            refresh = store.auth.refresh_tokens[refresh_token or self.refresh_token]
            return store.auth.mint(refresh, store.now(), store.rng).token

    def headers(self, refresh_token: str | None = None) -> dict[str, str]:
        """Request headers with a valid access token (the demo user's by default)."""
        return {"TOKEN": self.access_token(refresh_token), "Accept": "application/json"}

    def load_scenario(self, scenario: dict[str, Any] | str | Path, *, seed: int = 0) -> Store:
        """Replace the whole catalog with another scenario (a dict, a scenario name or a file)."""
        data = scenario if isinstance(scenario, dict) else load_scenario(scenario)
        store = build_store(data, seed=seed)
        self.server.store = store
        return store

    def stop(self) -> None:
        self.server.shutdown()
        self.server.close_all_connections()
        self.server.server_close()
        self.thread.join(timeout=5)

    def __enter__(self) -> SandboxHandle:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


def start_sandbox(
    scenario: dict[str, Any] | str | Path | Store | None = "demo",
    *,
    host: str = "127.0.0.1",
    port: int = 0,
    faults: FaultConfig | Faults | None = None,
    behaviour: Behaviour | None = None,
    seed: int = 0,
    access_ttl: float | None = None,
    verbose: bool = False,
    on_ready: Callable[[SandboxHandle], None] | None = None,
) -> SandboxHandle:
    """Start a sandbox in a background thread (port 0 = a free port) and return its handle."""
    if isinstance(scenario, Store):
        store = scenario
    elif isinstance(scenario, dict):
        store = build_store(scenario, seed=seed)
    else:
        store = build_store(load_scenario(scenario if scenario is not None else "demo"), seed=seed)
    if access_ttl is not None:
        store.auth.access_ttl = access_ttl
    live_faults = faults if isinstance(faults, Faults) else Faults(faults or FaultConfig())
    server = SandboxServer((host, port), store, live_faults, behaviour or Behaviour(), verbose=verbose)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.name = f"alation-sandbox-{server.server_address[1]}"
    thread.start()
    handle = SandboxHandle(server=server, thread=thread)
    if on_ready:
        on_ready(handle)
    return handle
