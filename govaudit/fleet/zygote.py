"""Preloaded by the forkserver of a worker's pool process (govaudit.fleet.worker): runs the warm-up of
govaudit.fleet.audit once, so that every audit the forkserver forks starts with the runner imported and
the report's templates compiled."""

from govaudit.fleet import audit

audit.warm()
