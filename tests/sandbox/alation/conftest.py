"""A small HTTP client for the Alation sandbox tests: a session carrying a valid TOKEN header."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
import requests

DEMO_REFRESH = "plumbline-demo-refresh-token"
SALES_ONLY_REFRESH = "plumbline-sales-refresh-token"
JSMITH_REFRESH = "jsmith-refresh-token"
ADMIN_REFRESH = "alation-admin-refresh-token"
ORDERS, PRODUCTS, CUSTOMERS = "1.SALES.PUBLIC.ORDERS", "1.SALES.PUBLIC.PRODUCTS", "1.SALES.PUBLIC.CUSTOMERS"


class Client:
    def __init__(self, sandbox: Any, refresh_token: str | None = None) -> None:
        self.sandbox = sandbox
        self.session = requests.Session()
        self.session.headers.update(sandbox.headers(refresh_token))

    def request(self, method: str, path: str, **kwargs: Any) -> requests.Response:
        return self.session.request(method, f"{self.sandbox.url}{path}", timeout=10, **kwargs)

    def get(self, path: str, **params: Any) -> requests.Response:
        return self.request("GET", path, params=params)

    def post(self, path: str, body: Any, **params: Any) -> requests.Response:
        return self.request("POST", path, json=body, params=params)

    def put(self, path: str, body: Any) -> requests.Response:
        return self.request("PUT", path, json=body)

    def delete(self, path: str, body: Any = None) -> requests.Response:
        return self.request("DELETE", path, json=body)

    def every(self, path: str, **params: Any) -> tuple[list[Any], int]:
        """Every row of a listing, following X-Next-Page; also the number of pages."""
        rows, pages, url = [], 0, None
        response = self.get(path, **params)
        while True:
            assert response.status_code == 200, response.text
            rows += response.json()
            pages += 1
            url = response.headers.get("X-Next-Page")
            if not url:
                return rows, pages
            assert url.startswith(path)
            response = self.request("GET", url)

    def job(self, accepted: requests.Response | int | str) -> dict[str, Any]:
        """Poll a job (or an accepted async write's job) until it ends; returns the final body."""
        if isinstance(accepted, requests.Response):
            assert accepted.status_code in (200, 202), accepted.text
            accepted = accepted.json()["job_id"]
        for _ in range(10):
            body = self.get("/api/v1/bulk_metadata/job/", id=accepted).json()
            if body["status"] != "running":
                return body
        raise AssertionError("job never finished")

    def ref(self, key: str) -> tuple[str, int]:
        return self.sandbox.store.ref(key)


@pytest.fixture
def api(alation_sandbox) -> Client:
    return Client(alation_sandbox)


@pytest.fixture
def client_for(alation_sandbox) -> Callable[[str], Client]:
    return lambda refresh_token: Client(alation_sandbox, refresh_token)
