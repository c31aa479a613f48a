"""django-q2's qcluster, made to stop when SIGTERM reaches its whole process group.

systemd (and `kill -TERM -<pgid>`) signals every process of the service at once. django-q2's
sentinel and its workers die at once on SIGTERM, and the main process then sets the stop event
the dead sentinel was waiting on: a multiprocessing Condition waits for that sleeper to wake, so
the main process hung until it was killed. Here the main process first gives the sentinel a
moment to die; if it did, there is nothing left to stop.
"""

from __future__ import annotations

import logging
import os
import signal
from multiprocessing.connection import wait as connection_wait
from types import FrameType
from typing import Any

from django.conf import settings
from django_q.cluster import Cluster
from django_q.management.commands.qcluster import Command as QclusterCommand

logger = logging.getLogger("django-q")

# Long enough for a sentinel that got the same SIGTERM to die; short for a stop that only we got.
SENTINEL_GRACE_SECONDS = 1.0


class GroupSafeCluster(Cluster):
    def sig_handler(self, signum: int, frame: FrameType | None) -> None:
        sentinel = self.sentinel
        # Not sentinel.join()/is_alive(): the signal can come while this process is reaping the
        # sentinel, and then they say "alive" for good. The handle is ready once it has ended.
        if (
            signum == signal.SIGTERM
            and sentinel is not None
            and connection_wait([sentinel.sentinel], timeout=SENTINEL_GRACE_SECONDS)
        ):
            logger.info("Q Cluster %s stopped: SIGTERM reached all of its processes.", self.name)
            self.start_event = None
            self.stop_event = None
            return
        super().sig_handler(signum, frame)


class Command(QclusterCommand):
    help = "Starts the django-q2 cluster (workers for syncs); stops on SIGTERM to it or its whole group."

    def handle(self, *args: Any, **options: Any) -> None:
        settings.SECRET_KEY  # noqa: B018  (django-q2 signs tasks with it: fail early without one)
        if options.get("cluster_name"):
            os.environ["Q_CLUSTER_NAME"] = options["cluster_name"]
        cluster = GroupSafeCluster()
        cluster.start()
        if options.get("run_once", False):
            cluster.stop()
