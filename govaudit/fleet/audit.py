"""One fleet audit in its own process: `python -m govaudit.fleet.audit --job JOB.json --outcome OUT.json
--db URL --out DIR [--final]`.

The worker's task starts it (worker.py) rather than calling the runner in the pool process: the audit's
memory goes back to the system when it ends (a pool process lives for many nights), and the runner's own
SIGTERM handling (procs.interruptible: the run is marked interrupted) works as in `govaudit run`, which it
could not inside Celery's pool. Its death signal is SIGTERM: if the pool process is killed, the audit
records its run as interrupted and takes its stages with it.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from pydantic import ValidationError

from govaudit import __version__, procs, runner, startpage
from govaudit.files import write_atomic
from govaudit.fleet.jobs import AuditJob, AuditOutcome, OutcomeKind
from govaudit.models import RunStatus
from govaudit.profile import ConfigError, Profile, load_rubric
from govaudit.store import open_store

# The runner's ConfigError that means "try again later" (the site's run lock is held), told apart by
# its text; an unreachable start page is a recorded run of status `unreachable` instead.
BUSY = "another govaudit run is using"


def classify(error: str) -> OutcomeKind:
    return "busy" if error.startswith(BUSY) else "config"


def record_failure(db: str, job: AuditJob, profile: Profile, error: str) -> int:
    """A run that could not start (start page down on the last try, a bad profile) is recorded as a
    failed run with the reason, so that the store alone says which agencies could not be audited."""
    try:
        rubric = load_rubric(profile.rubric).ref
    except ConfigError:
        rubric = profile.rubric
    with open_store(db) as store:
        run_id = store.create_run(site=job.site.name, start_url=job.site.start_url, tool_version=__version__,
                                  profile_hash=profile.fingerprint(), profile=profile.public_dump(), rubric=rubric)
        store.finish_run(run_id, RunStatus.FAILED, error=error[:1000])
    return run_id


def audit(job: AuditJob, *, db: str, out: Path, final: bool) -> AuditOutcome:
    site, group = job.site.name, job.site.group
    try:
        profile = Profile.model_validate({**job.profile, "source": f"site list: {job.site.name}"})
    except ValidationError as exc:  # checked when enqueued: a worker of another version reads it otherwise
        return AuditOutcome(site=site, group=group, kind="config", exit_code=runner.EXIT_USAGE, error=f"profile: {exc}"[:1000])
    if not final:
        # An earlier try only looks at the start page: a site down now is retried by Celery later, and
        # only the last try's audit records an `unreachable` run (one run per site and night, not one a try).
        try:
            startpage.check(job.site.start_url, profile, offline=job.offline)
        except startpage.StartPageError as exc:
            return AuditOutcome(site=site, group=group, kind="unreachable", exit_code=runner.EXIT_UNREACHABLE,
                                error=str(exc)[:1000])
        except ConfigError as exc:
            return AuditOutcome(site=site, group=group, kind="config", exit_code=runner.EXIT_USAGE, error=str(exc))
    try:
        outcome = runner.audit(job.site.start_url, profile, db=db, out=out, offline=job.offline)
    except ConfigError as exc:
        kind = classify(str(exc))
        run_id = None
        if kind == "config":
            run_id = record_failure(db, job, profile, str(exc))
        return AuditOutcome(site=site, group=group, kind=kind, run_id=run_id, status=RunStatus.FAILED if run_id else "",
                            exit_code=runner.EXIT_USAGE, error=str(exc))
    result_kind: OutcomeKind = "unreachable" if outcome.status == RunStatus.UNREACHABLE else "audited"
    return AuditOutcome(site=site, group=group, kind=result_kind, run_id=outcome.run_id, status=outcome.status,
                        exit_code=outcome.exit_code, error=outcome.error[:1000])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m govaudit.fleet.audit")
    parser.add_argument("--job", type=Path, required=True)
    parser.add_argument("--outcome", type=Path, required=True)
    parser.add_argument("--db", required=True)
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--final", action="store_true", help="the last try: an unreachable site is recorded")
    args = parser.parse_args(argv)
    job = AuditJob.model_validate_json(args.job.read_text(encoding="utf-8"))
    try:
        outcome = audit(job, db=args.db, out=args.out, final=args.final)
    except procs.Interrupted as exc:  # the runner marked the run interrupted
        return 128 + exc.signum
    write_atomic(args.outcome, outcome.model_dump_json().encode("utf-8"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
