"""Switches for the points of Alation's API that no source confirms (reference §14).

Each defaults to the most likely answer; flip one to prove a client copes with the other.
`handle.behaviour.configure(tag_subject_key="subject")` changes a running sandbox at once.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from typing import Any


@dataclass
class Behaviour:
    # Inner key of `GET /integration/tag/{name}/subject/` items: the SDK test and the docs say
    # "object", the SDK's model reads "subject".
    tag_subject_key: str = "object"
    # Cloud-native tenants: the custom-field-value job's strings point at a second
    # "Legacy(Rosemeta)" job (Allie-SDK#26). Off matches the SDK fixture.
    legacy_value_job: bool = False
    # An expired or unknown access token on an API call. 403 "credentials were not provided"
    # is what DRF gives when token auth finds no user, and the AI-SDK reads 403 as "expired";
    # 401 answers with the validateAPIAccessToken body instead.
    expired_access_token_status: int = 403
    # An expired refresh token on validateRefreshToken: 200 with token_status EXPIRED (as the
    # reference says); 401 with the same body (as one SDK test mocks it).
    expired_refresh_token_status: int = 200
    # A revoked refresh token: "invalid" answers 401 like an unknown token; "status" answers 200
    # with token_status "REVOKED" (only ACTIVE and EXPIRED are confirmed values).
    revoked_refresh_token: str = "invalid"
    # Page sizes: `limit` defaults to 100; a page never holds more than max_page_size rows, so a
    # client asking for more gets a SHORTER page plus X-Next-Page (set it low to test that).
    default_page_size: int = 100
    max_page_size: int = 1000
    # Whether `name=` ignores case (keys always do; `name__iexact` exists, so probably not).
    name_filter_ignores_case: bool = False
    # Status of POST /integration/tag/{name}/subject/: 201 in the SDK fixture, 200 in the docs.
    tag_subject_post_status: int = 201
    # `subject.id` of a flag: an integer in the SDK fixtures, a string in the docs' sample.
    flag_subject_id_as_string: bool = False
    # Another user's flag on PUT/DELETE (Server Admins excepted): 403 permission denied, or 404
    # as if the flag were not there.
    foreign_flag_status: int = 403
    # Whether one user may hold two flags of the same type on one object (unknown: allowed).
    one_flag_per_user_and_type: bool = False
    # Whether GET /integration/flag/ needs otype/oid (unknown: no, it lists every visible flag).
    flag_list_requires_subject: bool = False
    # The Data Quality API: first item's `Entry` (1 fits the only sample), whether one body may
    # carry both "fields" and "values", whether deleting a field deletes its values, whether a
    # column's value also shows on its table (hide_related=true hides such copies), and a cap
    # on items per request (None = none known).
    dq_entry_base: int = 1
    dq_mixed_body: bool = True
    dq_field_delete_cascades: bool = True
    dq_propagate_to_table: bool = True
    dq_max_items: int | None = None
    # Async jobs answer "running" this many polls before their final body.
    job_running_polls: int = 1

    def configure(self, **changes: Any) -> None:
        known = {f.name for f in fields(Behaviour)}
        for key, value in changes.items():
            if key not in known:
                raise TypeError(f"unknown behaviour option {key!r}")
            setattr(self, key, value)

    def reset(self) -> None:
        for f in fields(Behaviour):
            setattr(self, f.name, f.default)
