"""Atlan-shaped API errors raised inside the sandbox and rendered by the server."""

from __future__ import annotations

from typing import Any


class AtlanApiError(Exception):
    """An error answer: HTTP status plus Atlas's `{"errorCode", "errorMessage"}` body."""

    def __init__(self, status: int, code: str, message: str, headers: dict[str, str] | None = None) -> None:
        super().__init__(f"{status} {code}: {message}")
        self.status = status
        self.code = code
        self.message = message
        self.headers = headers or {}

    def body(self) -> dict[str, Any]:
        return {"errorCode": self.code, "errorMessage": self.message}


def bad_request(message: str, code: str = "ATLAS-400-00-001") -> AtlanApiError:
    return AtlanApiError(400, code, message)


def unauthorized() -> AtlanApiError:
    # The real gateway answers 401 for a missing, unknown or expired token.
    return AtlanApiError(
        401, "ATLAS-401-00-001", "Unauthorized: the API token is missing, invalid or expired"
    )


def forbidden(username: str, action: str, target: str) -> AtlanApiError:
    return AtlanApiError(
        403, "ATLAS-403-00-001", f"{username} is not authorized to perform {action}: {target}"
    )


def guid_not_found(guid: str) -> AtlanApiError:
    return AtlanApiError(404, "ATLAS-404-00-005", f"Given instance guid {guid} is invalid/not found")


def unique_attribute_not_found(type_name: str, qualified_name: str) -> AtlanApiError:
    return AtlanApiError(
        404,
        "ATLAS-404-00-009",
        f"Instance {type_name} with unique attribute {{qualifiedName={qualified_name}}} does not exist",
    )


def classification_not_found(name: str) -> AtlanApiError:
    return AtlanApiError(404, "ATLAS-404-00-008", f"Given classification {name} was invalid")


def type_not_found(name: str) -> AtlanApiError:
    return AtlanApiError(404, "ATLAS-404-00-001", f"Given typename {name} was invalid")
