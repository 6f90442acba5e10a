"""Write a file so that a reader (a web server, a mail job, the next cron run) never sees half of it."""

from __future__ import annotations

import errno
import os
import sqlite3
import tempfile
from pathlib import Path

_FULL_ERRNOS = frozenset({errno.ENOSPC, errno.EDQUOT})
SQLITE_FULL_MESSAGE = "database or disk is full"  # SQLITE_FULL's text (also what reaches us from a worker)


def disk_full(exc: BaseException) -> bool:
    """The disk (or quota) under a file we write is full: a write that cannot succeed by trying again."""
    if isinstance(exc, OSError) and exc.errno in _FULL_ERRNOS:
        return True
    if isinstance(exc, sqlite3.OperationalError) and getattr(exc, "sqlite_errorcode", None) == sqlite3.SQLITE_FULL:
        return True
    return SQLITE_FULL_MESSAGE in str(exc)


def write_atomic(path: Path, data: bytes) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp, 0o644)  # mkstemp makes 0600; reports are meant to be shared
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path
