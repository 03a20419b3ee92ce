"""Python's cycle collector in a worker: what the app builds at start-up is never collected.

Once the app is built (routes, schemas, models, plugins), a worker holds a great many container
objects, none of them garbage, and every full collection walked them all, pausing the request
that set it off (docs/performance.md, "A collector pause every few hundred requests"). Frozen
once the server has started, they are left out of every collection; what requests allocate is
collected as before.
"""

from __future__ import annotations

import gc
import logging

from sanic import Sanic

log = logging.getLogger("sanic_chat")


def freeze_startup_objects(app: Sanic) -> None:
    @app.after_server_start
    async def freeze(app: Sanic) -> None:
        if app.test_mode:
            # The in-process test client starts an app per request in the tests' own process:
            # freezing would keep every earlier app, and collect the whole process each time.
            return
        gc.collect()  # the start-up's own garbage first, or it would be kept for good
        gc.freeze()
        log.info("%d start-up objects left out of garbage collection", gc.get_freeze_count())
