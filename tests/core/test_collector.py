"""A worker's start-up objects are left out of the cycle collector's work."""

from __future__ import annotations

import re

from tests.live import live_server


def test_a_worker_freezes_what_it_built_once_it_serves(server_env, tmp_path):
    with live_server(server_env, cwd=tmp_path) as server:
        log = server.log()
    (frozen,) = re.findall(r"(\d+) start-up objects left out of garbage collection", log)
    # The whole built app: its routes, schemas, models and plugins.
    assert int(frozen) > 10_000, log[-2000:]
