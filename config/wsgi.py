import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
application = get_wsgi_application()

# Runs of workers that died are failed from here too, so a lost last worker cannot leave one "running".
from integrations.liveness import watchdog_start  # noqa: E402

watchdog_start()
