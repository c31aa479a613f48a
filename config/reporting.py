"""Error pages and error reports never show a credential, with DEBUG on or off."""

from __future__ import annotations

import re
from collections.abc import Mapping
from types import FrameType
from typing import Any

from django.http import HttpRequest
from django.views.debug import SafeExceptionReporterFilter


class SecretsHiddenFilter(SafeExceptionReporterFilter):
    """Django's filter, always active (it stands aside when DEBUG is on), and one step further:
    any frame variable or mapping key whose name says credential, token, secret, key, password or
    auth is hidden too, in every frame, so code that forgot `sensitive_variables` still leaks nothing."""

    hidden_settings = re.compile(
        "API|AUTH|TOKEN|KEY|SECRET|PASS|SIGNATURE|HTTP_COOKIE|CREDENTIAL", flags=re.I
    )

    def is_active(self, request: HttpRequest | None) -> bool:
        return True

    def get_traceback_frame_variables(self, request: HttpRequest | None, tb_frame: FrameType) -> Any:
        variables = super().get_traceback_frame_variables(request, tb_frame)
        return [(name, self.value_cleanse(name, value)) for name, value in variables]

    def value_cleanse(self, name: str, value: Any) -> Any:
        if isinstance(value, str) and value == self.cleansed_substitute:
            return value
        if isinstance(name, str) and self.hidden_settings.search(name):
            return self.cleansed_substitute
        if isinstance(value, Mapping) and not isinstance(value, dict):
            # requests' and urllib3's header dicts, MultiValueDict subclasses aside.
            try:
                return {k: self.value_cleanse(str(k), v) for k, v in value.items()}
            except Exception:  # a lazy or broken mapping: show nothing of it
                return self.cleansed_substitute
        return self.cleanse_setting(name, value)
