"""The directory where one run's worker processes write their metric samples.

Kept apart from `metrics.py`: it must be chosen before prometheus-client is imported, which
reads `PROMETHEUS_MULTIPROC_DIR` on import.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

MULTIPROCESS_DIRECTORY = "PROMETHEUS_MULTIPROC_DIR"
_PREFIX = "sanic-chat-metrics-"


def use_run_directory() -> Path:
    """Give this run's workers a fresh directory for their samples; returns it.

    Call in the main process before the workers start: they inherit the environment, and
    prometheus-client reads it when imported. An operator's `PROMETHEUS_MULTIPROC_DIR` is used
    and emptied (samples of an earlier run would be added to this one's); else a temporary one
    is made, which `remove_run_directory` deletes at exit.
    """
    given = os.environ.get(MULTIPROCESS_DIRECTORY)
    if given:
        directory = Path(given)
        directory.mkdir(parents=True, exist_ok=True)
        for stale in directory.glob("*.db"):
            stale.unlink()
    else:
        directory = Path(tempfile.mkdtemp(prefix=_PREFIX))
        os.environ[MULTIPROCESS_DIRECTORY] = str(directory)
    return directory


def remove_run_directory(directory: Path) -> None:
    if os.environ.get(MULTIPROCESS_DIRECTORY) == str(directory) and directory.name.startswith(
        _PREFIX
    ):
        shutil.rmtree(directory, ignore_errors=True)
