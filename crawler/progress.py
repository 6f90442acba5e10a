"""How a stage process (the crawl, the browser stage) talks to the runner that started it."""

from __future__ import annotations

import json
import sys


def emit(event: dict) -> bool:
    """One JSON line on stdout for the runner; False when the runner is gone (its end of the pipe
    closed), so the stage can stop instead of working on for nobody."""
    try:
        sys.stdout.write(json.dumps(event) + "\n")
        sys.stdout.flush()
        return True
    except (BrokenPipeError, ValueError):
        return False
