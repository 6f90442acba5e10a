"""Child processes that die with their parent.

Every process an audit starts (the crawl, its parse workers, the forked check workers, the browser stage,
chromedriver and Chromium) must end when the process that started it ends, however it ends: SIGTERM,
SIGINT, SIGHUP (its terminal closed), SIGKILL or an exception. Two tools, both Linux's:

- `die_with_parent(parent)`: `prctl(PR_SET_PDEATHSIG, sig)` in the child, right after fork (or in a
  Popen's preexec_fn, which runs between fork and exec; the setting survives exec). The kernel sends
  `sig` when the *thread* that forked the child exits, so fork from a thread that lives as long as the
  child. The parent may already be gone when the call is made: the parent pid is compared afterwards.
- process groups: a stage starts in a session of its own (`start_new_session`), chromedriver in a group
  of its own, so the whole subtree (Chromium's zygote and renderers included) is signalled at once with
  `kill_group` on the way out.

Elsewhere (no prctl) the functions do nothing and the groups still apply.
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import shutil
import signal
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator

PR_SET_PDEATHSIG = 1


def _prctl() -> Callable[..., int] | None:
    if not sys.platform.startswith("linux"):
        return None
    try:
        libc = ctypes.CDLL(None, use_errno=True)
    except OSError:
        return None
    return getattr(libc, "prctl", None)


def die_with_parent(parent: int, sig: int = signal.SIGKILL) -> None:
    """In a child: have the kernel send `sig` to this process when its parent (pid `parent`) exits; if
    it has exited already, exit now."""
    preexec(sig, parent=parent)()


def preexec(sig: int = signal.SIGKILL, *, parent: int | None = None) -> Callable[[], None]:
    """A Popen preexec_fn that arms the death signal in the child. Call it in the parent: it records the
    parent's pid and looks prctl up there, so the child (forked from a process that may have threads)
    loads nothing and takes no lock, it only makes the system call."""
    parent = os.getpid() if parent is None else parent
    prctl, arg = _prctl(), ctypes.c_ulong(int(sig))
    zero = ctypes.c_ulong(0)

    def arm() -> None:
        if prctl is not None:
            prctl(PR_SET_PDEATHSIG, arg, zero, zero, zero)
        if os.getppid() != parent:  # the parent died before the death signal was armed
            os._exit(1)

    return arm


# The signals that stop an audit: `kill`/`timeout`/systemd, Ctrl-C, and the terminal closing (the shell
# sends SIGHUP to its jobs; a run left going with nobody to see it would hold the site's run lock).
STOP_SIGNALS = (signal.SIGTERM, signal.SIGINT, signal.SIGHUP)


def default_signals() -> None:
    """In a forked child: the STOP_SIGNALS do what they do by default (end the process), whatever
    handler the parent had installed (a runner's or Twisted's handler in a fork would swallow them)."""
    for sig in STOP_SIGNALS:
        signal.signal(sig, signal.SIG_DFL)


def kill_group(pgid: int, sig: int = signal.SIGKILL) -> None:
    """Signal every process in group `pgid`; nothing if the group is already gone."""
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pgid, sig)


def group_members(pgid: int) -> list[int]:
    """The live (not zombie) processes of group `pgid`, read from /proc (empty where there is none)."""
    found = []
    for name in os.listdir("/proc") if os.path.isdir("/proc") else []:
        if not name.isdigit():
            continue
        try:
            with open(f"/proc/{name}/stat", "rb") as fh:
                fields = fh.read().rsplit(b")", 1)[1].split()
        except (OSError, IndexError):
            continue
        if fields[0] != b"Z" and int(fields[2]) == pgid:
            found.append(int(name))
    return found


def wait_group(pgid: int, limit: float) -> bool:
    """Up to `limit` seconds for group `pgid` to have no live process left; True if it has none."""
    deadline = time.monotonic() + limit
    while group_members(pgid):
        if time.monotonic() > deadline:
            return False
        time.sleep(0.02)
    return True


def end_group(pgid: int, *, grace: float, alive: Callable[[], bool]) -> None:
    """SIGTERM to the group, up to `grace` seconds for `alive()` (the leader) to become False, then
    SIGKILL to the group (what the leader left behind goes too)."""
    kill_group(pgid, signal.SIGTERM)
    deadline = time.monotonic() + grace
    while alive() and time.monotonic() < deadline:
        time.sleep(0.05)
    kill_group(pgid, signal.SIGKILL)


def remove_tree(path: str | os.PathLike[str], patience: float = 10.0) -> None:
    """Remove a directory tree, again while something still writes into it (a killed browser's last
    processes can outlive the wait for them on a loaded machine), for at most `patience` seconds."""
    deadline = time.monotonic() + patience
    shutil.rmtree(path, ignore_errors=True)
    while os.path.exists(path) and time.monotonic() < deadline:
        time.sleep(0.2)
        shutil.rmtree(path, ignore_errors=True)


def sweep_temp(prefix: str = "govaudit-", base: str | os.PathLike[str] | None = None) -> None:
    """Remove the temporary directories `{prefix}{pid}-…` in `base` (default: the system's temporary
    directory) whose process is gone (a SIGKILLed audit cannot remove its own); those of a live
    process stay."""
    base = tempfile.gettempdir() if base is None else os.fspath(base)
    with contextlib.suppress(OSError):
        for name in os.listdir(base):
            pid = name[len(prefix):].split("-", 1)[0]
            if not name.startswith(prefix) or not pid.isdigit() or _alive(int(pid)):
                continue
            path = os.path.join(base, name)
            if os.path.isdir(path) and not os.path.islink(path):
                shutil.rmtree(path, ignore_errors=True)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def temp_prefix() -> str:
    """The prefix of this process's temporary directories (sweep_temp removes them once it is gone)."""
    return f"govaudit-{os.getpid()}-"


class Interrupted(BaseException):  # noqa: N818  (like KeyboardInterrupt: not an error of the audit)
    """SIGTERM (or SIGINT, SIGHUP) arrived: the run is marked interrupted and the process exits 128 + signal."""

    def __init__(self, signum: int):
        super().__init__(f"interrupted by {signal.Signals(signum).name}")
        self.signum = signum


def _leave_terminal(fds: list[int]) -> None:
    """After a hang-up: what is still written to the terminal (a progress bar's last frame, the closing
    line) goes to /dev/null, where it cannot fail with EIO and turn the stop into an error exit."""
    null = os.open(os.devnull, os.O_WRONLY)
    for fd in fds:
        os.dup2(null, fd)
    os.close(null)


@contextlib.contextmanager
def interruptible() -> Iterator[None]:
    """Within: the STOP_SIGNALS raise Interrupted in the main thread (the previous handlers come back
    after). Outside the main thread, where handlers cannot be set, nothing changes."""
    fired: list[int] = []
    terminals = [fd for fd in (1, 2) if os.isatty(fd)]  # asked now: a hung-up terminal is no tty any more

    def handler(signum: int, _frame: object) -> None:
        if fired:  # one is enough: a second must not break off the recording of the first
            return
        fired.append(signum)
        if signum == signal.SIGHUP:
            _leave_terminal(terminals)
        raise Interrupted(signum)

    if threading.current_thread() is not threading.main_thread():
        yield
        return
    old = {sig: signal.signal(sig, handler) for sig in STOP_SIGNALS}
    try:
        yield
    finally:
        for sig, previous in old.items():
            signal.signal(sig, previous)
