"""Test settings: tasks run inline, passwords hash fast, the loopback sandboxes are reachable."""

import os

os.environ.setdefault("DEBUG", "true")
os.environ.setdefault("Q_SYNC", "true")
# The sandboxes listen on 127.0.0.1; worker processes the tests start inherit this too.
os.environ.setdefault("PLUMBLINE_ALLOW_LOOPBACK", "true")

from config.settings import *  # noqa: E402,F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
SITE_URL = "http://plumbline.test"
PLUMBLINE_EVENT_DEBOUNCE_SECONDS = 0
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
# Static files come from the finders in tests; whitenoise would warn about a missing STATIC_ROOT.
MIDDLEWARE = [m for m in MIDDLEWARE if "whitenoise" not in m]  # noqa: F405
# Throttle counters stay in the test process (clearing a Redis cache would flush the broker's database).
CACHES = {
    "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
    "api-throttle": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "api-throttle"},
}
# No one-click sandbox on the Add form unless a test turns it on (make run's environment may set it).
PLUMBLINE_DEMO_SANDBOXES = {}
