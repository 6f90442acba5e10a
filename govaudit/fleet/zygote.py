"""Preloaded by the forkserver of a worker's pool process (govaudit.fleet.worker): runs the warm-up of
govaudit.fleet.audit once, so that every audit the forkserver forks starts with the runner imported and
the report's templates compiled. The CLI too: a forked process first imports the worker's main module
again (billiard prepares it like a spawned one), which for the `govaudit` script is the CLI."""

from govaudit import cli  # noqa: F401
from govaudit.fleet import audit

audit.warm()
