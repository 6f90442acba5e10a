"""Preloaded by the forkserver of a worker's pool process (govaudit.fleet.worker): runs the warm-up of
govaudit.fleet.audit once, so that every audit the forkserver forks starts with the runner imported and
the report's templates compiled. The CLI too: a forked process first imports the worker's main module
again (billiard prepares it like a spawned one), which for the `govaudit` script is the CLI."""

import gc

from govaudit import cli  # noqa: F401
from govaudit.fleet import audit

audit.warm()
# What is loaded now stays as it is: out of the collector's sight, so that a forked audit's collections do
# not write to (and so copy) every page of it.
gc.freeze()
