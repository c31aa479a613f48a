"""Production settings pass Django's own deployment check; each HTTPS switch comes from the environment."""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
from pathlib import Path

from cryptography.fernet import Fernet

ROOT = Path(__file__).resolve().parents[2]


def production_env(tmp_path: Path, **extra: str) -> dict[str, str]:
    """The environment of a production deployment: DEBUG off, its own keys, nothing of the tests'."""
    # (DJANGO_ALLOW_ASYNC_UNSAFE: the browser tests' plugin sets it in this process.)
    test_only = ("PLUMBLINE_", "SECURE_", "DEBUG", "DJANGO_ALLOW_ASYNC_UNSAFE")
    environment = {k: v for k, v in os.environ.items() if not k.startswith(test_only)}
    return environment | {
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "DEBUG": "false",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "PLUMBLINE_ENCRYPTION_KEYS": Fernet.generate_key().decode(),
        "ALLOWED_HOSTS": "plumbline.example.com",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'deploy.sqlite3'}",
        **extra,
    }


def manage(tmp_path: Path, *args: str, **extra: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=production_env(tmp_path, **extra),
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_check_deploy_prints_no_warning_with_production_settings(tmp_path):
    result = manage(tmp_path, "check", "--deploy", "--fail-level", "WARNING")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "WARNING" not in result.stdout + result.stderr
    assert "System check identified no issues (0 silenced)." in result.stdout


def settings_read(tmp_path: Path, names: str, **extra: str) -> str:
    code = f"from django.conf import settings as s; print([getattr(s, n) for n in {names.split()!r}])"
    result = manage(tmp_path, "shell", "--no-imports", "-c", code, **extra)
    assert result.returncode == 0, result.stderr
    return result.stdout.strip()


def test_production_defaults_are_secure_and_each_is_switchable_for_a_tls_terminating_proxy(tmp_path):
    names = (
        "SECURE_SSL_REDIRECT SESSION_COOKIE_SECURE CSRF_COOKIE_SECURE SECURE_HSTS_SECONDS "
        "SECURE_HSTS_INCLUDE_SUBDOMAINS SECURE_HSTS_PRELOAD SECURE_PROXY_SSL_HEADER"
    )
    assert settings_read(tmp_path, names) == "[True, True, True, 31536000, True, True, None]"
    switched = settings_read(
        tmp_path,
        names,
        SECURE_SSL_REDIRECT="false",
        SESSION_COOKIE_SECURE="false",
        CSRF_COOKIE_SECURE="false",
        SECURE_HSTS_SECONDS="0",
        SECURE_HSTS_INCLUDE_SUBDOMAINS="false",
        SECURE_HSTS_PRELOAD="false",
        SECURE_PROXY_SSL_HEADER="HTTP_X_FORWARDED_PROTO,https",
    )
    assert switched == "[False, False, False, 0, False, False, ('HTTP_X_FORWARDED_PROTO', 'https')]"


def test_a_malformed_proxy_header_setting_stops_start_up_with_a_clear_message(tmp_path):
    result = manage(tmp_path, "check", SECURE_PROXY_SSL_HEADER="X-Forwarded-Proto")
    assert result.returncode != 0
    assert "SECURE_PROXY_SSL_HEADER is a header and a value" in result.stderr


def test_the_demo_sandboxes_of_make_run_are_never_offered_in_production(tmp_path):
    sandboxes = '{"atlan": {"url": "http://127.0.0.1:8765", "token": "plumbline-demo-token"}}'
    assert settings_read(tmp_path, "PLUMBLINE_DEMO_SANDBOXES", PLUMBLINE_DEMO_SANDBOXES=sandboxes) == "[{}]"
    in_debug = settings_read(
        tmp_path, "PLUMBLINE_DEMO_SANDBOXES", PLUMBLINE_DEMO_SANDBOXES=sandboxes, DEBUG="true"
    )
    assert "plumbline-demo-token" in in_debug
