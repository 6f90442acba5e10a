"""How a stage process (the crawl, the browser stage) talks to the runner that started it."""

from __future__ import annotations

import json
import os
import sys
from typing import NoReturn

from govaudit.jobs import EXIT_DISK_FULL


def emit(event: dict) -> bool:
    """One JSON line on stdout for the runner; False when the runner is gone (its end of the pipe
    closed), so the stage can stop instead of working on for nobody."""
    try:
        sys.stdout.write(json.dumps(event) + "\n")
        sys.stdout.flush()
        return True
    except (BrokenPipeError, ValueError):
        return False


def stop_disk_full() -> NoReturn:
    """The first write that failed for want of space ends the stage at once (what is committed stays:
    SQLite's WAL makes an exit mid-transaction safe; every later write would fail too). Its exit code
    tells the runner, which reports it in one line."""
    os._exit(EXIT_DISK_FULL)
