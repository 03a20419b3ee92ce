"""The `sanic_chat` logger. Sanic configures its own loggers; ours gets one handler alike.

Called from the CLI and from `create_app`, since spawned workers never run the CLI's code.
"""

from __future__ import annotations

import logging

log = logging.getLogger("sanic_chat")


def configure_logging(level: int = logging.INFO) -> None:
    if log.handlers:
        return
    handler = logging.StreamHandler()
    handler.setFormatter(
        logging.Formatter("%(asctime)s [%(process)d] %(levelname)s %(name)s: %(message)s")
    )
    log.addHandler(handler)
    log.setLevel(level)
    log.propagate = False
