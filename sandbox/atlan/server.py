"""The sandbox's HTTP server: stdlib only, so it runs in-process in tests or as its own process.

Routing, JSON in and out, bearer-token auth, Atlan-shaped errors and fault injection live here;
endpoint logic is in `api.py`, state in `store.py`.
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

from . import errors, page
from .api import Api, ApiRequest, ApiResponse
from .errors import AtlanApiError
from .faults import FaultConfig, Faults
from .scenario import build_store, load_scenario
from .store import Store

logger = logging.getLogger(__name__)

_SEGMENT = r"([^/]+)"
# (method, path pattern, kind used by the request counters, Api method name)
ROUTES: list[tuple[str, re.Pattern[str], str, str]] = [
    (m, re.compile(f"^{p}$"), kind, handler)
    for m, p, kind, handler in [
        ("GET", "/api/service/users/current", "users.current", "users_current"),
        ("GET", "/api/service/whoami", "whoami", "whoami"),
        ("GET", "/api/meta/types/typedefs/?", "typedefs.list", "typedefs_list"),
        ("POST", "/api/meta/types/typedefs/?", "typedefs.create", "typedefs_create"),
        ("PUT", "/api/meta/types/typedefs/?", "typedefs.update", "typedefs_update"),
        ("GET", f"/api/meta/types/typedef/name/{_SEGMENT}", "typedef.get", "typedef_get"),
        ("DELETE", f"/api/meta/types/typedef/name/{_SEGMENT}", "typedef.delete", "typedef_delete"),
        ("POST", "/api/meta/search/indexsearch", "search", "index_search"),
        ("GET", f"/api/meta/entity/guid/{_SEGMENT}", "entity.get", "entity_get"),
        ("GET", f"/api/meta/entity/uniqueAttribute/type/{_SEGMENT}", "entity.get_by_qn", "entity_get_by_qn"),
        (
            "PUT",
            f"/api/meta/entity/uniqueAttribute/type/{_SEGMENT}",
            "entity.partial_update",
            "entity_partial_update",
        ),
        ("POST", "/api/meta/entity/bulk", "entity.bulk", "entity_bulk"),
        ("POST", f"/api/meta/entity/guid/{_SEGMENT}/businessmetadata/{_SEGMENT}", "cm.set", "business_set"),
        ("POST", f"/api/meta/entity/guid/{_SEGMENT}/businessmetadata", "cm.set_all", "business_all"),
    ]
]
WRITE_KINDS = frozenset(
    {
        "typedefs.create",
        "typedefs.update",
        "typedef.delete",
        "entity.bulk",
        "entity.partial_update",
        "cm.set",
        "cm.set_all",
    }
)


class SandboxServer(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(
        self, address: tuple[str, int], store: Store, faults: Faults, *, verbose: bool = False
    ) -> None:
        super().__init__(address, SandboxHandler)
        self.faults = faults
        self.verbose = verbose
        self.api = Api(store, faults)
        self._open: set[socket.socket] = set()
        self._open_lock = threading.Lock()

    @property
    def store(self) -> Store:
        return self.api.store

    def replace_store(self, store: Store) -> None:
        self.api = Api(store, self.faults)

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
    server_version = "AtlanSandbox/1.0"
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

    def do_DELETE(self) -> None:
        self._dispatch("DELETE")

    # ----- plumbing -------------------------------------------------------------------------
    def _read_body(self) -> bytes:
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length > 0 else b""

    def _send(
        self,
        status: int,
        body: Any = None,
        headers: dict[str, str] | None = None,
        *,
        content_type: str = "application/json;charset=UTF-8",
    ) -> None:
        if isinstance(body, (bytes, str)):
            payload = body.encode("utf-8") if isinstance(body, str) else body
        elif body is None:
            payload = b""
        else:
            payload = json.dumps(body).encode("utf-8")
        self.send_response(status)
        for key, value in (headers or {}).items():
            self.send_header(key, value)
        if status != 204:
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        if status != 204 and self.command != "HEAD":
            self.wfile.write(payload)

    def _send_error(self, error: AtlanApiError) -> None:
        self._send(error.status, error.body(), error.headers)

    def _drop(self) -> None:
        """Close the socket without answering, as a load balancer dropping a connection would."""
        self.close_connection = True
        try:
            self.connection.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass

    def _dispatch(self, method: str) -> None:
        url = urlsplit(self.path)
        path = url.path
        query = parse_qs(url.query, keep_blank_values=True)
        raw = self._read_body()
        if not path.startswith("/api/"):
            self._serve_page(method, path, query)
            return
        route = self._route(method, path)
        if route is None:
            self._send_error(AtlanApiError(404, "ATLAS-404-00-00A", f"No API at {method} {path}"))
            return
        kind, handler, args = route
        server = self.server
        faults = server.faults
        if faults.latency_seconds:
            time.sleep(faults.latency_seconds)
        fault = faults.draw()
        if fault is not None:
            server.store.record_fault(fault)
            if fault == "drop":
                self._drop()
            else:
                self._send_error(faults.error_for(fault))
            return
        token = server.store.token(self._bearer())
        if token is None:
            self._send_error(errors.unauthorized())
            return
        # The answer is recorded before it is sent, so a test that has its answer sees the count.
        try:
            body: Any = None
            if raw:
                try:
                    body = json.loads(raw)
                except ValueError:
                    raise errors.bad_request("Request body is not valid JSON") from None
            api = server.api
            response: ApiResponse = getattr(api, handler)(ApiRequest(method, path, query, body, token), *args)
        except AtlanApiError as exc:
            response = ApiResponse(exc.status, exc.body(), exc.headers)
        except Exception as exc:  # an unexpected bug must still answer in Atlan's shape
            logger.error("sandbox error on %s %s: %s", method, path, traceback.format_exc())
            error = AtlanApiError(500, "ATLAS-500-00-001", f"Internal server error: {type(exc).__name__}")
            response = ApiResponse(error.status, error.body())
        server.store.record_request(method, path, kind, response.status)
        self._send(response.status, response.body, response.headers)

    def _route(self, method: str, path: str) -> tuple[str, str, tuple[str, ...]] | None:
        # Atlan answers its routes with or without a trailing slash (pyatlan posts to
        # /api/meta/entity/bulk/ when it saves).
        path = path.rstrip("/") or "/"
        for route_method, pattern, kind, handler in ROUTES:
            match = pattern.match(path)
            if match and route_method == method:
                return kind, handler, tuple(unquote(g) for g in match.groups())
        return None

    def _bearer(self) -> str:
        header = self.headers.get("Authorization") or ""
        scheme, _, value = header.partition(" ")
        return value.strip() if scheme.lower() == "bearer" else ""

    def _serve_page(self, method: str, path: str, query: dict[str, list[str]]) -> None:
        # Atlan's own asset pages live at /assets/<guid>/overview: links a client builds work here too.
        asset = ASSET_PAGE.fullmatch(path)
        html: str | None = None
        if method == "GET" and asset:
            html = page.render_asset(self.server.store, asset.group(1))
        elif method == "GET" and path in ("/", "/index.html"):
            html = page.render(self.server.store, {k: v[-1] for k, v in query.items()})
        if html is None:
            self._send(404, "Not found", content_type="text/plain;charset=UTF-8")
            return
        self._send(200, html, content_type="text/html;charset=UTF-8")


ASSET_PAGE = re.compile(r"/assets/([0-9a-fA-F-]{1,64})/overview/?")


@dataclass
class SandboxHandle:
    """A running sandbox: its URL, demo token, live store and faults, and a way to stop it."""

    server: SandboxServer
    thread: threading.Thread
    token: str

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

    def headers(self, token: str | None = None) -> dict[str, str]:
        """Request headers carrying a bearer token (the full-rights demo token by default)."""
        return {"Authorization": f"Bearer {token or self.token}", "Accept": "application/json"}

    def load_scenario(self, scenario: dict[str, Any] | str | Path, *, seed: int = 0) -> Store:
        """Replace the whole catalog with another scenario (a dict, a scenario name or a file)."""
        if isinstance(scenario, dict):
            store = build_store(scenario, seed=seed)
        else:
            store = build_store(load_scenario(scenario), seed=seed, consume=True)
        self.server.replace_store(store)
        self.token = default_token(store)
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


def default_token(store: Store) -> str:
    """The full-rights token: sees every connection and may change custom metadata."""
    for token in store.tokens.values():
        if token.connections is None and token.can_edit_custom_metadata:
            return token.token
    return next(iter(store.tokens), "")


def start_sandbox(
    scenario: dict[str, Any] | str | Path | Store | None = "demo",
    *,
    host: str = "127.0.0.1",
    port: int = 0,
    faults: FaultConfig | Faults | None = None,
    seed: int = 0,
    verbose: bool = False,
    on_ready: Callable[[SandboxHandle], None] | None = None,
) -> SandboxHandle:
    """Start a sandbox in a background thread (port 0 = a free port) and return its handle."""
    if isinstance(scenario, Store):
        store = scenario
    elif isinstance(scenario, dict):
        store = build_store(scenario, seed=seed)
    else:
        store = build_store(
            load_scenario(scenario if scenario is not None else "demo"), seed=seed, consume=True
        )
    live_faults = faults if isinstance(faults, Faults) else Faults(faults or FaultConfig())
    server = SandboxServer((host, port), store, live_faults, verbose=verbose)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.name = f"atlan-sandbox-{server.server_address[1]}"
    thread.start()
    handle = SandboxHandle(server=server, thread=thread, token=default_token(store))
    if on_ready:
        on_ready(handle)
    return handle
